// poc send-order: task 9. Sends an order in at the API (or straight to the queue) and,
// with --wait, follows it hop by hop to the notification.
import { readFile } from 'node:fs/promises';
import { queueUrl } from '../../resources/sqs-queue.js';
import { findApis, invokeUrl } from '../../resources/rest-api.js';
import { AwsFailure, EXIT, UsageError } from '../../errors.js';
import { follow, type Hop } from './follow-order.js';
import { API_PATH, STAGE } from './order-lab.js';
import { SAMPLE_ORDER, type LabNames } from './names.js';
import { DEPLOYMENT_PROPAGATION, PROPAGATION, RetryExhausted, retryWhile } from '../../aws/retry.js';
import { carried, setupCommand, shellQuote } from '../../suggest.js';
import type { Session, TryItTools } from '../lab.js';
import { checkTimeoutHasWait, followTimeout, positiveInt } from '../try-it.js';
import { fitsDynamoDbNumber, jsonNumbers } from '../../aws/stored-json.js';

/** Its own options; the global ones (prefix, region, ...) reach it through the session. */
export interface SendOrderOptions {
  file?: string;
  via?: string;
  count?: string | number;
  concurrency?: string | number;
  wait?: boolean;
  timeout?: string | number;
  /** Send to this URL instead of the lab API's invoke URL (a stand-in, a custom domain). */
  apiUrl?: string;
}

export type SendOrderDeps = TryItTools;

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

/** SQS's message limit is 1 MiB, but the order is re-published whole by SNS, whose limit is 256 KiB. */
export const MAX_ORDER_BYTES = 256 * 1024;

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
export function orderBody(order: Record<string, unknown>, text?: string): string {
  // The order's own text when there is one: JSON.parse and JSON.stringify would round an
  // integer beyond 2^53 (12345678901234567 -> 12345678901234568) before it was even sent.
  const body = text ?? JSON.stringify(order);
  const notification = JSON.stringify({ orderID: '00000000-0000-0000-0000-000000000000', order, receivedAt: new Date(0).toISOString() });
  const bytes = Buffer.byteLength(notification, 'utf8');
  if (bytes > MAX_ORDER_BYTES) {
    const room = MAX_ORDER_BYTES - (bytes - Buffer.byteLength(body, 'utf8'));
    throw new UsageError(`The order is ${Buffer.byteLength(body, 'utf8')} bytes; at most ${room} fit.`, 'The notification repeats the whole order and SNS messages are limited to 256 KiB: send a smaller order.');
  }
  return body;
}

/** JSON text without the whitespace between tokens; unlike JSON.stringify(JSON.parse(...)) it keeps every digit. */
export function compactJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!' \t\n\r'.includes(c)) out += c;
  }
  return out;
}

// DynamoDB documents nested attributes "up to 32 levels deep"; the order itself is one
// level (the stored item's `order` map), so its own nesting may go 31 further.
export const MAX_NESTING = 32;

/** How deep the order's maps and lists go, the order's own map counting as 1. */
function nesting(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(nesting));
}

/**
 * Refuses an order POC-Lambda-1 could never store: a number DynamoDB cannot hold (38
 * significant digits, magnitude 1E-130 to 1E+125; 1e400) or nesting beyond DynamoDB's 32
 * levels. Sent anyway, it would be retried, then parked in the dead-letter queue.
 */
function checkStorable(order: Record<string, unknown>, text: string, source: string): void {
  const depth = nesting(order);
  if (depth > MAX_NESTING) {
    throw new UsageError(`The order from ${source} nests ${depth} levels deep; DynamoDB stores at most ${MAX_NESTING}.`, 'Flatten it: the order table could never store it, so it would end in the dead-letter queue.');
  }
  const unfit = jsonNumbers(text).find((n) => !fitsDynamoDbNumber(n));
  if (unfit !== undefined) {
    throw new UsageError(
      `The order from ${source} cannot be stored: ${unfit} does not fit a DynamoDB number (38 significant digits, magnitude 1E-130 to 1E+125).`,
      `Send that number as a string ("${unfit}"), or one DynamoDB can hold; as it is, the order would end in the dead-letter queue.`,
    );
  }
}

/** The order, and its text (compacted), so that it is sent digit for digit. */
async function readOrder(input: string | undefined, options: SendOrderOptions, deps: SendOrderDeps): Promise<{ order: Record<string, unknown>; text: string }> {
  const text = await readOrderText(input, options, deps);
  const order = parseOrder(text.source, text.name);
  const compact = compactJson(text.source);
  checkStorable(order, compact, text.name);
  return { order, text: compact };
}

async function readOrderText(input: string | undefined, options: SendOrderOptions, deps: SendOrderDeps): Promise<{ source: string; name: string }> {
  if (options.file && input) throw new UsageError('Give the order either as an argument or with --file, not both.');
  if (options.file) {
    const text = await readFile(options.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`Cannot read ${options.file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`, 'Check the path given to --file.');
    });
    return { source: text, name: options.file };
  }
  if (input === '-') {
    if (!deps.stdin) throw new UsageError('"-" reads the order from standard input, but that is a terminal.', 'Pipe the order in: echo \'{"item":"mop"}\' | poc send-order -');
    return { source: await deps.stdin(), name: 'standard input' };
  }
  if (input === undefined) {
    throw new UsageError('No order given.', `Pass it as JSON: \`${deps.suggest(`send-order ${shellQuote(SAMPLE_ORDER)}`)}\` (or --file order.json, or - for standard input).`);
  }
  return { source: input, name: 'the command line' };
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

/** The error code in an SQS answer passed through the integration (XML or JSON), if any. */
export function sqsErrorCode(body: string): string | undefined {
  const xml = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  if (xml) return xml;
  try {
    const json = JSON.parse(body) as { __type?: string; code?: string; Error?: { Code?: string }; ErrorResponse?: { Error?: { Code?: string } } };
    return (json.Error?.Code ?? json.ErrorResponse?.Error?.Code ?? json.code ?? json.__type)?.split('#').pop();
  } catch {
    return undefined;
  }
}

/** `viaQueue`: the same send-order, straight to the queue (the order, --count, the selection), to suggest as is. */
export function hintFor(status: number, body = '', suggest: (command: string) => string = (c) => `poc ${c}`, viaQueue = suggest('send-order --via queue')): string {
  if (status === 400) {
    // The method's request validator answers {"message": "Invalid request body"} for an
    // order that is not a non-empty JSON object; every other 400 is SQS's answer to the
    // integration's SendMessage, mapped through (integration response 4\d{2} -> 400).
    if (/Invalid request body/i.test(body)) return 'The API rejected the order: it must be a JSON object with at least one field.';
    const code = sqsErrorCode(body) ?? '';
    if (/^KMS\./i.test(code)) {
      return `SQS could not use the queue's encryption key (${code}): let APIGateway-SQS use the key (kms:GenerateDataKey, kms:Decrypt), or use SQS-managed encryption on the queue.`;
    }
    if (/AccessDenied|NotAuthorized|AuthorizationError/i.test(code)) {
      return `SQS refused APIGateway-SQS (${code}): the role's send-to-queue policy or the queue's access policy does not let it send. Run \`${suggest('check')}\` to see which, and \`${suggest('setup')}\` to repair.`;
    }
    if (/InvalidParameterValue|InvalidMessageContents|MissingParameter|InvalidAttributeValue/i.test(code)) {
      return `SQS refused the message the integration built (${code}): check the integration's mapping template with \`${suggest('status')}\`; SQS also rejects characters outside its allowed set.`;
    }
    return `SQS answered ${code || 'an error'} to the integration's SendMessage; run \`${suggest('check')}\` to check the API and the queue.`;
  }
  if (status === 403) return `Wrong URL, or the API is not deployed: run \`${suggest('status')}\` (and \`${suggest('setup')}\` to repair).`;
  if (status === 415) return 'The API only accepts Content-Type application/json.';
  if (status >= 500) return `SQS refused the integration’s call: check APIGateway-SQS and the queue’s access policy with \`${suggest('status')}\`, or send straight to the queue: \`${viaQueue}\`.`;
  return `Run \`${suggest('status')}\` to check the API.`;
}

/**
 * Answers a stage that was just deployed gives until the deployment reaches API Gateway's
 * edge: 403 (Missing Authentication Token / Forbidden), 404, 502-504. None of them means the
 * order reached the queue, so sending again cannot make a second order. A 500 with SQS's
 * error mapped through the integration is not retried (API Gateway's own 500: see below).
 */
const NOT_YET_DEPLOYED = new Set([403, 404, 502, 503, 504]);

/**
 * API Gateway's own 500 ({"message": "Internal server error"}, x-amzn-ErrorType
 * InternalServerErrorException), not SQS's answer mapped through. Right after setup it is the
 * APIGateway-SQS role not yet assumable (IAM is eventually consistent; the execution log says
 * "API Gateway does not have permission to assume the provided role"): SQS was not called, so
 * sending again cannot make a second order. But the same answer also follows a call that did
 * reach SQS when the integration response cannot be mapped ("Execution failed due to
 * configuration error"), so it is retried only while the role is new (roleIsNew), with the
 * IAM propagation budget; SQS's own 500 (its error document) never is.
 */
function gatewayOwn500(status: number, text: string, headers: Headers): boolean {
  if (status !== 500) return false;
  const type = headers.get('x-amzn-errortype') ?? '';
  return /^InternalServerErrorException/.test(type) || /^\s*\{\s*"message"\s*:\s*"Internal server error"\s*\}\s*$/i.test(text);
}

class RoleNotYetAssumable extends Error {
  constructor(readonly text: string) {
    super('HTTP 500');
  }
}

class NotYetDeployed extends Error {
  constructor(readonly status: number, readonly text: string) {
    super(`HTTP ${status}`);
  }
}

/** POSTs the order, retrying (bounded, src/aws/retry.ts) while the API answers as a stage still being deployed does. */
export async function postOrder(
  url: string,
  body: string,
  signal: AbortSignal | undefined,
  onWait: (note: string) => void,
  /** Whether the API's role was made moments ago (IAM may not have spread it yet). */
  roleIsNew?: () => Promise<boolean>,
): Promise<{ status: number; text: string }> {
  const post = async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal });
    const text = await res.text();
    if (NOT_YET_DEPLOYED.has(res.status)) throw new NotYetDeployed(res.status, text);
    if (gatewayOwn500(res.status, text, res.headers) && (await roleIsNew?.())) throw new RoleNotYetAssumable(text);
    return { status: res.status, text };
  };
  try {
    // Two waits, each with its own budget: the deployment reaching the edge, then the role.
    return await retryWhile(
      () =>
        retryWhile(
          post,
          (error) => (error instanceof NotYetDeployed ? `the API’s new deployment to answer (it said HTTP ${error.status}; a just-deployed stage can for some seconds)` : undefined),
          DEPLOYMENT_PROPAGATION,
          onWait,
          signal,
        ),
      (error) => (error instanceof RoleNotYetAssumable ? 'the API to be able to use its role (it said HTTP 500: API Gateway cannot assume a role IAM has not spread yet)' : undefined),
      PROPAGATION,
      onWait,
      signal,
    );
  } catch (error) {
    let last = error instanceof RetryExhausted ? error.last : error;
    if (last instanceof RetryExhausted) last = last.last;
    if (last instanceof NotYetDeployed) return { status: last.status, text: last.text };
    if (last instanceof RoleNotYetAssumable) return { status: 500, text: last.text };
    throw error;
  }
}

/** IAM usually spreads a change within seconds, sometimes longer: a role this young may not be assumable everywhere yet. */
const NEW_ROLE_MS = 10 * 60_000;

/** Was the API's role (APIGateway-SQS) made in the last few minutes? Unknown (no iam:GetRole) counts as no. */
async function apiRoleIsNew(session: Session): Promise<boolean> {
  try {
    const iam = await session.aws.client('iam');
    const { Role } = await iam.getRole({ RoleName: (session.names as LabNames).apiSqsRole });
    return Role?.CreateDate !== undefined && Date.now() - Role.CreateDate.getTime() < NEW_ROLE_MS;
  } catch {
    return false;
  }
}

export async function resolveTarget(session: Session, via: 'api' | 'queue', apiUrl?: string, viaQueue?: string): Promise<string> {
  const { ctx } = session;
  const names = session.names as LabNames;
  const suggest = ctx.suggest ?? ((c: string) => `poc ${c}`);
  if (via === 'queue') {
    const url = await queueUrl(ctx, names.queue);
    if (!url) throw new AwsFailure(`Queue ${names.queue} does not exist.`, `Run \`${suggest(setupCommand({}, true))}\` first.`);
    return url;
  }
  if (apiUrl) return apiUrl;
  const [api] = await findApis(ctx, names.api);
  if (!api) throw new AwsFailure(`REST API ${names.api} does not exist.`, `Run \`${suggest(setupCommand({}))}\` first${viaQueue ? `, or send straight to the queue: \`${viaQueue}\`` : ''}.`);
  return invokeUrl(ctx, api.id, STAGE, API_PATH);
}

export async function sendOrder(input: string | undefined, options: SendOrderOptions, deps: SendOrderDeps): Promise<SendOrderResult> {
  // All input is checked before anything is sent (the session checks the global options).
  const via = options.via ?? 'api';
  if (via !== 'api' && via !== 'queue') throw new UsageError(`--via must be api or queue, not "${via}".`);
  const count = positiveInt(options.count, '--count', 1, MAX_COUNT);
  const concurrency = positiveInt(options.concurrency, '--concurrency', 8, 50);
  checkTimeoutHasWait(options);
  const timeoutSeconds = followTimeout(options.timeout);
  if (options.wait && count > 1) throw new UsageError('--wait follows one order; leave out --count, or --wait.');
  if (options.apiUrl !== undefined) {
    try {
      if (!/^https?:$/.test(new URL(options.apiUrl).protocol)) throw new Error('protocol');
    } catch {
      throw new UsageError(`--api-url "${options.apiUrl}" is not an http(s) URL.`);
    }
  }
  const { order, text } = await readOrder(input, options, deps);
  // Numbered copies: the sequence is added to the order's own text, which ends in '}'.
  const bodies = count === 1 ? [orderBody(order, text)] : Array.from({ length: count }, (_, i) => orderBody({ ...order, sequence: i + 1 }, text.replace(/\}$/, `,"sequence":${i + 1}}`)));

  const session = await deps.session({ clients: via === 'queue' ? ['sqs'] : options.apiUrl ? [] : ['apigateway'] });
  const suggest = session.ctx.suggest ?? ((c: string) => `poc ${c}`);
  let young: Promise<boolean> | undefined;
  const roleIsNew = options.apiUrl ? undefined : () => (young ??= apiRoleIsNew(session));
  // This very send-order, straight to the queue: the order as given, and --count, --wait...
  const given = options.file ? `--file ${shellQuote(options.file)}` : shellQuote(text);
  const chosen = { count: options.count, wait: options.wait, ...(count > 1 && concurrency !== 8 ? { concurrency } : {}), ...(options.wait && timeoutSeconds !== 90 ? { timeout: timeoutSeconds } : {}) };
  const viaQueue = suggest(`send-order ${given}${carried(chosen, ['count', 'concurrency', 'wait', 'timeout'])} --via queue`);
  const target = await resolveTarget(session, via, options.apiUrl, viaQueue);
  const sqs = via === 'queue' ? await session.aws.client('sqs') : undefined;

  const sendOne = async (body: string, index: number): Promise<Sent> => {
    const sequence = count > 1 ? index + 1 : undefined;
    try {
      if (sqs) {
        const { MessageId } = await sqs.sendMessage({ QueueUrl: target, MessageBody: body });
        return { sequence, ok: true, messageId: MessageId };
      }
      const res = await postOrder(target, body, deps.signal, (note) => deps.progress?.(note), roleIsNew);
      const ok = res.status >= 200 && res.status < 300;
      return ok ? { sequence, ok: true, status: res.status, messageId: messageIdOf(res.text), body: res.text } : { sequence, ok: false, status: res.status, body: res.text, error: hintFor(res.status, res.text, suggest, viaQueue) };
    } catch (error) {
      if (sqs) return { sequence, ok: false, error: (error as Error).message };
      // fetch says only "fetch failed"; the reason is in its cause.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ? `${cause.code}${cause.message ? `: ${cause.message}` : ''}` : (cause?.message ?? (error as Error).message);
      const fix = session.aws.endpointUrl
        ? `An emulator cannot serve the API's stage over HTTP: send straight to the queue with \`${viaQueue}\`.`
        : `Check the API with \`${suggest('status')}\`, or send straight to the queue with \`${viaQueue}\`.`;
      return { sequence, ok: false, error: `POST ${target} failed (${why}). ${fix}` };
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
        first?.error ?? `Run \`${suggest('status')}\` to check the pipeline.`,
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
