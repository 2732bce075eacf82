// The local inbox (moto-launcher.py serves it at /_poc/inbox): the mails SNS would have sent
// to email subscriptions. Read by `poc local inbox`, `poc local confirm` and the dashboard.
import type { LocalState } from './state.js';

export interface Mail {
  seq: number;
  id: string;
  time: string;
  to: string;
  from: string;
  subject: string;
  body: string;
  topicArn: string;
  kind: 'confirmation' | 'notification';
  /** The notification's message as published (notifications). */
  message?: string;
  /** The confirmation link (confirmation mails). */
  link?: string;
}

/** The mails after sequence number `after`; with `wait` (s), a long poll until one arrives. */
export async function readInbox(local: Pick<LocalState, 'endpoint'>, after: number, wait: number, signal?: AbortSignal): Promise<{ items: Mail[]; next: number }> {
  const res = await fetch(`${local.endpoint}/_poc/inbox?after=${after}&wait=${wait}`, { signal });
  if (!res.ok) throw new Error(`the local inbox answered HTTP ${res.status}`);
  return (await res.json()) as { items: Mail[]; next: number };
}
