// The emulator's change counters (/_poc/changes, served by moto-launcher.py): "stream" grows
// with each stream record written, "lambda" and "apigateway" with each change made through
// their APIs, "iam" with each role created, deleted or given another trust policy (all of
// them with a reset). The runtime waits on them (a long poll) instead of asking again on a
// timer, so an idle local AWS costs next to nothing and a record is picked up as soon as it
// is written; and it keeps what it read from the emulator until its counter moves.

export type Counter = 'stream' | 'lambda' | 'apigateway' | 'iam';

/** How long one wait lasts (s): an idle waiter asks again this often. */
export const CHANGES_WAIT_S = 20;

/** The counter's value once it is past `after`, or after `wait` seconds (0: at once); `after` -1 reads it as it is. */
export async function changes(endpoint: string, counter: Counter, after: number, wait: number, signal?: AbortSignal): Promise<number> {
  return (await ask(endpoint, counter, after, wait, signal)).value;
}

/** Every counter's value now; undefined from an emulator without them (a plain moto server, as some tests run). */
export async function counters(endpoint: string): Promise<Record<Counter, number> | undefined> {
  const res = await fetch(`${endpoint}/_poc/changes?counter=lambda&after=-1&wait=0`);
  if (res.status === 404) return (await res.arrayBuffer(), undefined);
  if (!res.ok) throw new Error(`/_poc/changes: HTTP ${res.status}`);
  return ((await res.json()) as { counters: Record<Counter, number> }).counters;
}

async function ask(endpoint: string, counter: Counter, after: number, wait: number, signal?: AbortSignal) {
  const res = await fetch(`${endpoint}/_poc/changes?counter=${counter}&after=${after}&wait=${wait}`, { signal });
  if (!res.ok) throw new Error(`/_poc/changes: HTTP ${res.status}`);
  return (await res.json()) as { value: number; counters: Record<Counter, number> };
}
