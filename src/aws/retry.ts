// The one place that decides how long poc waits and how often it tries again.
//
// Two kinds of retry exist:
// - transport-level: throttling, 5xx answers, dropped connections. The SDK's own
//   "standard" retry strategy does this for every client (exponential backoff with jitter).
// - semantic: AWS answered, but the answer means "not yet" (a role created seconds ago is
//   not yet assumable by Lambda, a function is still updating, DeleteRestApi's per-account
//   quota). Those are retried here, bounded, with a progress note that says what we wait for.

export const SDK_MAX_ATTEMPTS = 8;

interface SdkRetryStrategy {
  acquireInitialRetryToken(scope: string): Promise<unknown>;
  refreshRetryTokenForRetry(token: unknown, errorInfo: { errorType: string }): Promise<unknown>;
  recordSuccess(token: unknown): void;
  maxAttempts?(): Promise<number>;
}

/**
 * The SDK's standard retry mode keeps one retry quota per client: 500 tokens, a throttled
 * retry takes 5 and any other retry 14, a success gives 1 back (or its retry's cost), and
 * with the quota empty nothing is retried ("Retry behavior", AWS SDKs and Tools reference,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html; the figures
 * are @smithy/core's util-retry constants and retries-2026-config). A class shares one client
 * per service among every student, so ~100 throttles in a row, normal when thirty setups
 * meet an account quota together, would leave the whole class without retries.
 *
 * So a throttled retry is not charged to the shared quota: the account's quotas are paced
 * (pacing.ts), each call is still bounded by SDK_MAX_ATTEMPTS and its backoff (1 s base,
 * doubling), and a throttle says the service is healthy, only busy. The other retries (5xx,
 * timeouts: a service in trouble) still draw from it, as the SDK intends. The client's own
 * strategy (with its service's base delay) is kept; only its throttling retries are decided
 * by a fresh standard strategy, whose full quota lets through what the attempts allow (a
 * throttled call that then succeeds gives its retry's 5 back to the shared quota, as any does).
 */
export async function unmeterThrottling(config: { retryStrategy: () => Promise<unknown> }): Promise<void> {
  const { StandardRetryStrategy } = await import('@smithy/core/retry');
  const own = config.retryStrategy;
  let wrapped: Promise<SdkRetryStrategy> | undefined;
  config.retryStrategy = () =>
    (wrapped ??= (own() as Promise<SdkRetryStrategy>).then((shared) => ({
      mode: (shared as { mode?: string }).mode,
      acquireInitialRetryToken: (scope: string) => shared.acquireInitialRetryToken(scope),
      recordSuccess: (token: unknown) => shared.recordSuccess(token),
      async refreshRetryTokenForRetry(token: unknown, errorInfo: { errorType: string }) {
        if (errorInfo.errorType !== 'THROTTLING') return shared.refreshRetryTokenForRetry(token, errorInfo);
        const maxAttempts = (await shared.maxAttempts?.()) ?? SDK_MAX_ATTEMPTS;
        return new StandardRetryStrategy(maxAttempts).refreshRetryTokenForRetry(token as never, errorInfo as never);
      },
    })));
}

/** Tests shrink every delay with POC_BACKOFF_SCALE (e.g. 0.01); real runs use 1. */
export function backoffScale(): number {
  const raw = Number(process.env.POC_BACKOFF_SCALE ?? '1');
  return Number.isFinite(raw) && raw >= 0 ? raw : 1;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms * backoffScale());
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Backoff {
  /** How many tries in all, the first one included. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/**
 * IAM is eventually consistent: AWS documents that changes may take several seconds
 * (sometimes longer) to be seen everywhere. Tried every 1-2 s (about 90 s in all): a role is
 * usable ~8 s after CreateRole, and a 2-4-8 s backoff found it up to 6 s late, on setup's
 * critical path (npm run bench -- --profile aws).
 */
export const PROPAGATION: Backoff = { attempts: 45, firstDelayMs: 1_000, maxDelayMs: 2_000 };
/** DeleteRestApi and CreateRestApi allow a few calls per minute per account; a class cleaning up at once meets it. */
export const API_QUOTA: Backoff = { attempts: 10, firstDelayMs: 5_000, maxDelayMs: 32_000 };
/** A function or trigger changing state (Pending -> Active, Creating -> Enabled): looked at every 1-2 s, about 3 minutes in all. */
export const STATE_POLL: Backoff = { attempts: 90, firstDelayMs: 1_000, maxDelayMs: 2_000 };

export function delayFor(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.maxDelayMs, backoff.firstDelayMs * 2 ** (attempt - 1));
}

export class RetryExhausted extends Error {
  constructor(
    readonly waitedFor: string,
    readonly attempts: number,
    readonly last: unknown,
  ) {
    super(`gave up after ${attempts} tries waiting for ${waitedFor}`, { cause: last });
  }
}

/**
 * Calls fn until it succeeds. An error for which `reason` returns a text is retried after
 * a delay (that text says what we are waiting for and is passed to onWait); any other
 * error is thrown at once.
 */
export async function retryWhile<T>(
  fn: () => Promise<T>,
  reason: (error: unknown) => string | undefined,
  backoff: Backoff,
  onWait: (note: string) => void = () => {},
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const waitingFor = reason(error);
      if (!waitingFor) throw error;
      if (attempt >= backoff.attempts) throw new RetryExhausted(waitingFor, attempt, error);
      const delay = delayFor(backoff, attempt);
      onWait(`waiting for ${waitingFor} (try ${attempt + 1} of ${backoff.attempts}, in ${Math.round((delay * backoffScale()) / 100) / 10}s)`);
      await sleep(delay, signal);
    }
  }
}

/** Polls until check returns true; check returns a text saying what is still awaited otherwise. */
export async function pollUntil(
  check: () => Promise<true | string>,
  backoff: Backoff,
  onWait: (note: string) => void = () => {},
  signal?: AbortSignal,
): Promise<void> {
  let awaited = '';
  for (let attempt = 1; attempt <= backoff.attempts; attempt++) {
    const result = await check();
    if (result === true) return;
    awaited = result;
    onWait(`waiting for ${awaited}`);
    await sleep(delayFor(backoff, attempt), signal);
  }
  throw new RetryExhausted(awaited, backoff.attempts, undefined);
}

/**
 * Another run's work (a second setup of the lab building the REST API this one waits for):
 * looked at every 1-2 s, and given up on only after about 4 minutes without any change.
 */
export const OTHER_RUN: Backoff = { attempts: 120, firstDelayMs: 1_000, maxDelayMs: 2_000 };

/**
 * Polls until check returns true, for as long as what it watches keeps changing: `state`
 * is what it saw, and only the looks since the last change count against the backoff.
 * False when nothing changed for backoff.attempts looks (whoever was making progress stopped).
 */
export async function pollWhileProgressing(check: () => Promise<true | { state: string }>, backoff: Backoff, signal?: AbortSignal): Promise<boolean> {
  let last: string | undefined;
  for (let still = 0; still < backoff.attempts; ) {
    const result = await check();
    if (result === true) return true;
    still = result.state === last ? still + 1 : 0;
    last = result.state;
    await sleep(delayFor(backoff, still + 1), signal);
  }
  return false;
}

/** Upper bounds for the SDK's waiters, in seconds. */
export const WAIT_SECONDS = { table: 600, function: 300, tableDeleted: 600 };

/** After a deletion, how long to wait for AWS to stop listing it (SQS documents up to 60 s). */
export const DELETION_POLL: Backoff = { attempts: 15, firstDelayMs: 1_000, maxDelayMs: 8_000 };

/**
 * A REST API stage just deployed: API Gateway's edge can answer 403/404 (or 502-504) for some
 * seconds until the deployment reaches it. About half a minute in all.
 */
export const DEPLOYMENT_PROPAGATION: Backoff = { attempts: 7, firstDelayMs: 1_000, maxDelayMs: 8_000 };
// ---- A lost endpoint ----
// Connection refused or reset, or a name that does not resolve, is not AWS "still
// creating": the SDK retries it within one call, and a wait (an SDK waiter, a poll) must
// not go on retrying it for its whole long budget. Waits for real progress keep theirs.

/** How long the endpoint may stay unreachable during a wait before poc says so (tests scale it like every delay). */
export const LOST_ENDPOINT_MS = 30_000;

const LOST_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'];

/** True for the errors that say the endpoint is gone, not that AWS answered "not yet". */
export function isLostEndpoint(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: string; message?: string };
    if (code && LOST_CODES.includes(code)) return true;
    if (typeof message === 'string' && /socket hang up|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN/.test(message)) return true;
  }
  return false;
}

/** The endpoint stopped answering while poc waited for something. */
export class EndpointLost extends Error {
  constructor(
    readonly waitedFor: string,
    readonly last: unknown,
  ) {
    super(`the endpoint stopped answering while waiting for ${waitedFor}`, { cause: last });
  }
}

interface Sender {
  send(...args: never[]): Promise<unknown>;
}

/**
 * Runs an SDK waiter (or any wait) on a client whose calls are watched: once the endpoint
 * has been unreachable for LOST_ENDPOINT_MS with no answer in between, the wait is aborted
 * and EndpointLost thrown. Ctrl-C (signal) still stops it at once.
 */
export async function watchedWait<C extends Sender, T>(
  client: C,
  waitedFor: string,
  signal: AbortSignal | undefined,
  run: (client: C, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let lost: unknown;
  // Counted from the last answer: a waiter sleeps between polls, and that sleep is part of the silence.
  let lastAnswerAt = Date.now();
  const watched = new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (...args: never[]) => {
        try {
          const answer = await target.send(...args);
          lastAnswerAt = Date.now();
          clearTimeout(timer);
          timer = undefined;
          return answer;
        } catch (error) {
          if (!isLostEndpoint(error)) {
            // AWS answered (even "not found"): the endpoint is there.
            lastAnswerAt = Date.now();
            clearTimeout(timer);
            timer = undefined;
          } else if (!timer) {
            timer = setTimeout(() => {
              lost = error;
              controller.abort(new EndpointLost(waitedFor, error));
            }, Math.max(0, lastAnswerAt + LOST_ENDPOINT_MS * backoffScale() - Date.now()));
          }
          throw error;
        }
      };
    },
  });
  try {
    return await run(watched, controller.signal);
  } catch (error) {
    if (lost !== undefined && !signal?.aborted) throw new EndpointLost(waitedFor, lost);
    if (signal?.aborted) throw signal.reason ?? error;
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * How often the table waiters look, in seconds. The SDK's own choice (20 s, doubling up to
 * 120 s) can sleep 40 s between two looks, which hides a lost endpoint that long; a
 * DescribeTable every few seconds is far within DynamoDB's limits. The budget stays WAIT_SECONDS.
 * Every 1-2 s: a new table is ACTIVE in ~6 s and a stream's update in ~4 s, and a first look
 * 5 s later found them up to 4 s late, on setup's and cleanup's critical paths.
 */
export const TABLE_POLL = { minDelay: 1, maxDelay: 2 };
