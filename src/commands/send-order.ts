// poc send-order: task 9. Sends an order in at the API (or straight to the queue) and,
// with --wait, follows it hop by hop to the notification.
import { readFile } from 'node:fs/promises';
import { queueUrl, MAX_ORDER_BYTES } from '../resources/sqs-queue.js';
import { findApis, invokeUrl } from '../resources/rest-api.js';
import { AwsFailure, EXIT, UsageError } from '../errors.js';
import { API_PATH, STAGE } from '../lab/order-lab.js';
import { openSession, validateGlobals, type Deps, type GlobalOptions, type Session } from './context.js';
import { follow, type Hop } from './follow-order.js';

export interface SendOrderOptions extends GlobalOptions {
  file?: string;
  via?: string;
  count?: string | number;
  concurrency?: string | number;
  wait?: boolean;
  timeout?: string | number;
  /** Send to this URL instead of the lab API's invoke URL (a stand-in, a custom domain). */
  apiUrl?: string;
}

export interface SendOrderDeps extends Deps {
  readStdin?: () => Promise<string>;
  progress?: (text: string) => void;
}

export interface Sent {
  sequence?: number;
  ok: boolean;
  messageId?: string;
  status?: number;
  body?: string;
  error?: string;
}

export interface SendOrderResult {
  account: string;
  region: string;
  prefix: string;
  via: 'api' | 'queue';
  target: string;
  sent: Sent[];
  summary: { total: number; accepted: number; failed: number; seconds: number };
  hops?: Hop[];
  error?: AwsFailure;
  exitCode: number;
}

const MAX_COUNT = 10_000;

function positiveInt(value: string | number | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}, not "${value}".`, `For example ${name} 10`);
  return n;
}

/** Parses and checks the order: a non-empty JSON object that fits in one notification. */
export function parseOrder(text: string, source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The order from ${source} is not valid JSON (${(error as Error).message}).`, `Quote it for your shell, e.g. poc send-order '{"item":"latex gloves","customerID":"12345"}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`The order from ${source} must be a JSON object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}.`, 'Write it as {"field": value, ...}, e.g. {"item":"latex gloves","customerID":"12345"}');
  }
  if (Object.keys(value).length === 0) throw new UsageError('The order is an empty object.', 'Give it at least one field, e.g. {"item":"latex gloves"}');
  return value as Record<string, unknown>;
}

/**
 * The order as sent. It must fit the notification POC-Lambda-2 publishes, which is the
 * stored item (the order with its orderID and receivedAt, see handlers/), in one SNS
 * message of at most 256 KiB; SQS alone would take 1 MiB.
 */
export function orderBody(order: Record<string, unknown>): string {
  const body = JSON.stringify(order);
  const notification = JSON.stringify({ orderID: '00000000-0000-0000-0000-000000000000', order, receivedAt: new Date(0).toISOString() });
  const bytes = Buffer.byteLength(notification, 'utf8');
  if (bytes > MAX_ORDER_BYTES) {
    const room = MAX_ORDER_BYTES - (bytes - Buffer.byteLength(body, 'utf8'));
    throw new UsageError(`The order is ${Buffer.byteLength(body, 'utf8')} bytes; at most ${room} fit.`, 'The notification repeats the whole order and SNS messages are limited to 256 KiB: send a smaller order.');
  }
  return body;
}

async function readOrder(input: string | undefined, options: SendOrderOptions, deps: SendOrderDeps): Promise<Record<string, unknown>> {
  if (options.file && input) throw new UsageError('Give the order either as an argument or with --file, not both.');
  if (options.file) {
    const text = await readFile(options.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`Cannot read ${options.file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`, 'Check the path given to --file.');
    });
    return parseOrder(text, options.file);
  }
  if (input === '-') {
    if (!deps.readStdin) throw new UsageError('No standard input to read the order from.');
    return parseOrder(await deps.readStdin(), 'standard input');
  }
  if (input === undefined) throw new UsageError('No order given.', `Pass it as JSON: poc send-order '{"item":"latex gloves","customerID":"12345"}' (or --file order.json, or - for standard input).`);
  return parseOrder(input, 'the command line');
}

/** The MessageId in SQS's answer, which API Gateway passes through as JSON or XML. */
export function messageIdOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { SendMessageResponse?: { SendMessageResult?: { MessageId?: string } }; MessageId?: string };
    return json.SendMessageResponse?.SendMessageResult?.MessageId ?? json.MessageId;
  } catch {
    return /<MessageId>([^<]+)<\/MessageId>/.exec(body)?.[1];
  }
}

function hintFor(status: number): string {
  if (status === 400) return 'The API rejected the order: it must be a JSON object with at least one field.';
  if (status === 403) return 'Wrong URL, or the API is not deployed: run `poc status` (and `poc setup` to repair).';
  if (status === 415) return 'The API only accepts Content-Type application/json.';
  if (status >= 500) return 'SQS refused the integration’s call: check APIGateway-SQS and the queue’s access policy with `poc status`, or try --via queue.';
  return 'Run `poc status` to check the API.';
}

export async function resolveTarget(session: Session, via: 'api' | 'queue', apiUrl?: string): Promise<string> {
  const { ctx, names } = session;
  if (via === 'queue') {
    const url = await queueUrl(ctx, names.queue);
    if (!url) throw new AwsFailure(`Queue ${names.queue} does not exist.`, 'Run `poc setup` first.');
    return url;
  }
  if (apiUrl) return apiUrl;
  const [api] = await findApis(ctx, names.api);
  if (!api) throw new AwsFailure(`REST API ${names.api} does not exist.`, 'Run `poc setup` first, or send straight to the queue with --via queue.');
  return invokeUrl(ctx, api.id, STAGE, API_PATH);
}

export async function sendOrder(input: string | undefined, options: SendOrderOptions, deps: SendOrderDeps): Promise<SendOrderResult> {
  // All input is checked before anything is sent.
  validateGlobals(options);
  const via = options.via ?? 'api';
  if (via !== 'api' && via !== 'queue') throw new UsageError(`--via must be api or queue, not "${via}".`);
  const count = positiveInt(options.count, '--count', 1, MAX_COUNT);
  const concurrency = positiveInt(options.concurrency, '--concurrency', 8, 50);
  const timeoutSeconds = positiveInt(options.timeout, '--timeout', 90, 3600);
  if (options.wait && count > 1) throw new UsageError('--wait follows one order; leave out --count, or --wait.');
  if (options.apiUrl !== undefined) {
    try {
      if (!/^https?:$/.test(new URL(options.apiUrl).protocol)) throw new Error('protocol');
    } catch {
      throw new UsageError(`--api-url "${options.apiUrl}" is not an http(s) URL.`);
    }
  }
  const order = await readOrder(input, options, deps);
  const bodies = count === 1 ? [orderBody(order)] : Array.from({ length: count }, (_, i) => orderBody({ ...order, sequence: i + 1 }));

  const session = await openSession(options, deps, {}, { clients: via === 'queue' ? ['sqs'] : options.apiUrl ? [] : ['apigateway'] });
  const target = await resolveTarget(session, via, options.apiUrl);
  const sqs = via === 'queue' ? await session.aws.client('sqs') : undefined;

  const sendOne = async (body: string, index: number): Promise<Sent> => {
    const sequence = count > 1 ? index + 1 : undefined;
    try {
      if (sqs) {
        const { MessageId } = await sqs.sendMessage({ QueueUrl: target, MessageBody: body });
        return { sequence, ok: true, messageId: MessageId };
      }
      const res = await fetch(target, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: deps.signal });
      const text = await res.text();
      return res.ok ? { sequence, ok: true, status: res.status, messageId: messageIdOf(text), body: text } : { sequence, ok: false, status: res.status, body: text, error: hintFor(res.status) };
    } catch (error) {
      return { sequence, ok: false, error: (error as Error).message };
    }
  };

  const started = Date.now();
  const sent: Sent[] = new Array(bodies.length);
  let next = 0;
  let finished = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, bodies.length) }, async () => {
      while (next < bodies.length && !deps.signal?.aborted) {
        const i = next++;
        sent[i] = await sendOne(bodies[i], i);
        finished++;
        if (count > 1 && (finished % 50 === 0 || finished === count)) deps.progress?.(`${finished}/${count} sent`);
      }
    }),
  );
  const done = sent.filter(Boolean);
  const accepted = done.filter((s) => s.ok).length;
  const base = {
    account: session.account,
    region: session.region,
    prefix: session.names.prefix,
    via: via as 'api' | 'queue',
    target,
    sent: done,
    summary: { total: count, accepted, failed: done.length - accepted, seconds: (Date.now() - started) / 1000 },
  };
  if (accepted < count) {
    const first = done.find((s) => !s.ok);
    return {
      ...base,
      error: new AwsFailure(
        `${count - accepted} of ${count} order(s) were not accepted${first?.status ? ` (HTTP ${first.status})` : ''}.`,
        first?.error ?? 'Run `poc status` to check the pipeline.',
      ),
      exitCode: EXIT.failure,
    };
  }
  if (!options.wait) return { ...base, exitCode: EXIT.ok };

  const messageId = done[0].messageId;
  if (!messageId) {
    return { ...base, error: new AwsFailure('The API accepted the order but its answer had no MessageId to follow.', `It answered: ${done[0].body ?? ''}`), exitCode: EXIT.failure };
  }
  const hops = await follow(session, messageId, started, timeoutSeconds, deps);
  const stuck = hops.find((h) => !h.reached);
  return {
    ...base,
    hops,
    error: stuck ? new AwsFailure(`The order did not reach “${stuck.name}” within ${timeoutSeconds}s.`, stuck.hint) : undefined,
    exitCode: stuck ? EXIT.failure : EXIT.ok,
  };
}
