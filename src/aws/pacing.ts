// One pacing policy per service, shared by every call made through one client factory:
// a token bucket per published quota, taken before each request is signed and sent (each
// SDK retry takes one too, since AWS counts every request). A class runs many students'
// walks through one factory, so AWS's account-wide quotas set the pace, not the number
// of students, and nothing is retried into a storm of throttling errors.
//
// The figures are AWS's fixed, per-account quotas (they cannot be raised):
// - API Gateway, "Amazon API Gateway quotas" > "API Gateway quotas for creating, deploying
//   and managing an API" (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html):
//   CreateRestApi (regional/private) 1 request every 3 s, DeleteRestApi 1 every 30 s,
//   GetResources 5 every 2 s, CreateDeployment 1 every 5 s, CreateResource / DeleteResource
//   5 per second, PutRestApi 1 per second; all management operations together 10 per
//   second with a burst of 40.
// - Lambda, "Lambda quotas" > "Lambda API requests"
//   (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): GetFunction
//   100 per second, GetPolicy 15 per second, every other control-plane request together
//   15 per second.
// - IAM publishes no number: its calls "contribute to a maximum rate limit for your AWS
//   account" (https://repost.aws/knowledge-center/iam-sts-throttling-error). poc paces IAM
//   conservatively (below) and relies on the SDK's backoff for a Throttling answer.
// - CloudWatch Logs, "CloudWatch Logs quotas"
//   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html, and
//   https://docs.aws.amazon.com/general/latest/gr/cwl_region.html): FilterLogEvents 5 requests per
//   second per account and region, which cannot be raised; a class running `--wait` or `logs`
//   together (each polls it) meets it at once. Its other operations allow far more.
// SQS, DynamoDB and SNS allow far more than a class makes: not paced.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface Quota {
  /**
   * `count` requests every `seconds`. An operation's own quota is a window (at most count
   * in any `seconds`); a total is a rate with a burst (`burst` at once, then count/seconds).
   */
  count: number;
  seconds: number;
  burst: number;
  /** What the waiting calls do, for a person: "deleting 12 APIs". */
  doing?: (n: number) => string;
}

export interface ServicePacing {
  /** A person's name for the service, e.g. "API Gateway". */
  label: string;
  /** Operations with a quota of their own. */
  operations: Record<string, Quota>;
  /** The quota of every operation together (API Gateway's 10 per second). */
  total?: Quota;
  /** The quota shared by the operations not in `operations` (Lambda's control plane). */
  others?: Quota;
  /** Operations outside every quota (Lambda's Invoke is the data plane). */
  exempt?: string[];
}

const apis = (verb: string) => (n: number) => `${verb} ${n} ${n === 1 ? 'API' : 'APIs'}`;

export const PACING: Record<string, ServicePacing> = {
  apigateway: {
    label: 'API Gateway',
    total: { count: 10, seconds: 1, burst: 40 },
    operations: {
      CreateRestApi: { count: 1, seconds: 3, burst: 1, doing: apis('creating') },
      DeleteRestApi: { count: 1, seconds: 30, burst: 1, doing: apis('deleting') },
      GetResources: { count: 5, seconds: 2, burst: 5, doing: apis('reading') },
      CreateDeployment: { count: 1, seconds: 5, burst: 1, doing: apis('deploying') },
      CreateResource: { count: 5, seconds: 1, burst: 5 },
      DeleteResource: { count: 5, seconds: 1, burst: 5 },
      PutRestApi: { count: 1, seconds: 1, burst: 1 },
    },
  },
  lambda: {
    label: 'Lambda',
    operations: {
      GetFunction: { count: 100, seconds: 1, burst: 100 },
      GetPolicy: { count: 15, seconds: 1, burst: 15 },
    },
    others: { count: 15, seconds: 1, burst: 15 },
    exempt: ['Invoke', 'InvokeAsync', 'InvokeWithResponseStream'],
  },
  logs: {
    label: 'CloudWatch Logs',
    operations: { FilterLogEvents: { count: 5, seconds: 1, burst: 5, doing: (n) => `reading ${n} log ${n === 1 ? 'group' : 'groups'}` } },
  },
  iam: {
    label: 'IAM',
    // No published figure (see above): 10 per second with a burst of 80 keeps one
    // student's setup (about 36 IAM calls) and cleanup (about 66: reads, deletions and the
    // check that nothing is left) unpaced, and a class well below where IAM starts throttling.
    operations: {},
    others: { count: 10, seconds: 1, burst: 80 },
  },
};

/** A wait worth telling a person about: what waits, for which quota, and about how long. */
export interface PaceWait {
  service: string;
  serviceLabel: string;
  operation: string;
  /** Calls waiting for this quota now. */
  queued: number;
  /** When the last of them may go, in real milliseconds from now. */
  etaMs: number;
  /** "deleting 12 APIs", or "12 DeleteRestApi calls". */
  doing: string;
  quota: Quota;
}

/**
 * Where the pacer reads the time and sets its timers: the real clock in poc, a controlled
 * one in the tests (so a quota's window is asserted exactly, not measured on a busy machine).
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** A timer that can stop holding the process alive (unref) and start again (ref). */
  setTimeout(fn: () => void, ms: number): { ref(): unknown; unref(): unknown };
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
};

export interface PacerOptions {
  /** The time and timers (tests: a controlled clock); the real clock by default. */
  clock?: Clock;
  /** Shrinks every quota period (tests: 0.01 turns 30 s into 0.3 s); 0 turns pacing off. */
  timeScale?: number;
  /** Waits end with this signal's reason once it is aborted (Ctrl-C); calls that need no wait still go. */
  signal?: AbortSignal;
  /** Waits at least this long (real ms, before scaling) are announced. */
  noticeMs?: number;
  policies?: Record<string, ServicePacing>;
  /** A first listener for long waits (see Pacer.onWait). */
  onWait?: (wait: PaceWait) => void;
}

export interface Pacer {
  readonly timeScale: number;
  /** Resolves when a request of this operation may be sent, with what to call once it has ended. */
  take(service: string, operation: string): Promise<() => void>;
  /** Called for each long wait (class commands show them with an estimate). */
  onWait(listener: (wait: PaceWait) => void): () => void;
}

/** Tests set POC_PACING_SCALE (or, like every other delay, POC_BACKOFF_SCALE); real runs use 1. */
export function defaultTimeScale(): number {
  const raw = Number(process.env.POC_PACING_SCALE ?? process.env.POC_BACKOFF_SCALE ?? '1');
  return Number.isFinite(raw) && raw >= 0 ? raw : 1;
}

/** A bucket of one quota; take() resolves with the function to call when the request has ended. */
interface Bucket {
  readonly quota: Quota;
  readonly waiting: number;
  /** Real ms until the last waiting call may go (`joining`: and that many more). */
  eta(joining?: number): number;
  take(): Promise<() => void>;
  /** Ctrl-C: every wait ends with this reason, now and from now on. */
  abort(reason: unknown): void;
}

interface Waiter {
  resolve(release: () => void): void;
  reject(reason: unknown): void;
  /** Lower goes first (see inTurn); equal ones in the order they came. */
  turn: number;
}

const turns = new AsyncLocalStorage<number>();

/**
 * Runs `work` with its calls in turn `n` of every quota's queue: a waiting call of turn 0 goes
 * before one of turn 1, whatever came first. A class runs its students' walks at once, in
 * their order: served first come, first served, thirty students' IAM calls advance together
 * and every student's role is ready late, so the first API waited for its deployment (API
 * Gateway deploys one every 5 s) until most of the class was built. In turn, the first
 * students are done early and the deployments go at the quota's pace from the start.
 */
export function inTurn<T>(n: number, work: () => Promise<T>): Promise<T> {
  return turns.run(n, work);
}

abstract class Queue {
  protected readonly queue: Waiter[] = [];
  private aborted: { reason: unknown } | undefined;
  private readonly timers = new Set<ReturnType<Clock['setTimeout']>>();

  constructor(protected readonly clock: Clock) {}

  /**
   * A timer that keeps the process alive only while a call waits for it: a wait must not
   * end the process early, and a quota's window still running must not keep a finished one.
   */
  protected later(ms: number, fn: () => void) {
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    if (!this.queue.length) timer.unref();
    this.timers.add(timer);
  }

  private hold(waiting: boolean) {
    for (const t of this.timers) {
      if (waiting) t.ref();
      else t.unref();
    }
  }

  get waiting(): number {
    return this.queue.length;
  }

  take(): Promise<() => void> {
    // A call its quota lets through goes even after Ctrl-C: a command may still read what
    // it needs to say what is left. Only a call that would have to wait ends.
    if (!this.queue.length) {
      const release = this.tryTake();
      if (release) return Promise.resolve(release);
    }
    if (this.aborted) return Promise.reject(this.aborted.reason);
    return new Promise((resolve, reject) => {
      const turn = turns.getStore() ?? 0;
      const after = this.queue.findIndex((w) => w.turn > turn);
      this.queue.splice(after < 0 ? this.queue.length : after, 0, { resolve, reject, turn });
      this.hold(true);
      this.serve();
    });
  }

  abort(reason: unknown) {
    this.aborted = { reason };
    for (const w of this.queue.splice(0)) w.reject(reason);
    this.hold(false);
  }

  /** Serves waiters in turn, then first come, first served, as far as the quota lets. */
  protected serve() {
    while (this.queue.length) {
      const release = this.tryTake();
      if (!release) return;
      this.queue.shift()!.resolve(release);
    }
    this.hold(false);
  }

  protected abstract tryTake(): (() => void) | undefined;
}

/**
 * "N requests every W seconds": at most N calls in any window of W seconds, counted from
 * each call's end, not its start. AWS counts a request when it arrives, and a request
 * arrives before its answer does, so however long it waited in a connection pool or a
 * busy event loop on the way, the next one cannot arrive less than W after it.
 */
export class WindowQuota extends Queue implements Bucket {
  private busy = 0;
  private readonly windowMs: number;

  constructor(
    readonly quota: Quota,
    timeScale: number,
    clock: Clock = realClock,
  ) {
    super(clock);
    this.windowMs = quota.seconds * 1000 * timeScale;
  }

  eta(joining = 1): number {
    const ahead = this.queue.length + this.busy + joining - this.quota.count;
    return ahead <= 0 ? 0 : Math.ceil(ahead / this.quota.count) * this.windowMs;
  }

  protected tryTake() {
    if (this.busy >= this.quota.count) return undefined;
    this.busy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.later(this.windowMs, () => {
        this.busy--;
        this.serve();
      });
    };
  }
}

/**
 * A rate with a burst ("10 per second, burst 40"): tokens refill at count/seconds up to burst,
 * less a tenth of it (at least one token) kept in reserve. AWS counts a request when it
 * arrives, and this bucket when it goes; between the two lie signing, the connection pool and
 * the network, which vary by tens of ms, more on a busy machine. At the quota's full pace a
 * request held up on the way lets the next arrive early, to an account bucket that is empty (a
 * class at AWS's pace had a few such refusals per run): the reserve absorbs that much delay
 * (two tokens at Lambda's 15 per second: 133 ms). It costs none of the quota's rate.
 */
export class TokenBucket extends Queue implements Bucket {
  private tokens: number;
  private last: number;
  private timer = false;
  /** Tokens per real millisecond. */
  readonly rate: number;
  /** The burst less the tokens in reserve. */
  private readonly capacity: number;

  constructor(
    readonly quota: Quota,
    timeScale: number,
    clock: Clock = realClock,
  ) {
    super(clock);
    this.last = clock.now();
    this.capacity = Math.max(1, quota.burst - Math.ceil(quota.burst / 10));
    this.tokens = this.capacity;
    this.rate = quota.count / (quota.seconds * 1000 * timeScale);
  }

  eta(joining = 1): number {
    this.refill();
    const short = this.queue.length + joining - this.tokens;
    return short <= 0 ? 0 : short / this.rate;
  }

  protected tryTake() {
    if (this.refill() < 1) {
      this.wake();
      return undefined;
    }
    this.tokens -= 1;
    return () => {};
  }

  private refill(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.rate);
    this.last = now;
    return this.tokens;
  }

  private wake() {
    if (this.timer) return;
    this.timer = true;
    this.later(Math.ceil((1 - this.tokens) / this.rate), () => {
      this.timer = false;
      this.serve();
    });
  }
}

export function createPacer(options: PacerOptions = {}): Pacer {
  const timeScale = options.timeScale ?? defaultTimeScale();
  const clock = options.clock ?? realClock;
  const policies = options.policies ?? PACING;
  const noticeMs = (options.noticeMs ?? 5_000) * timeScale;
  const buckets = new Map<string, Bucket>();
  const notices = new Map<string, { at: number; queued: number; timer?: ReturnType<Clock['setTimeout']> }>();
  const listeners = new Set<(wait: PaceWait) => void>(options.onWait ? [options.onWait] : []);
  const signal = options.signal;
  // One listener for every wait: a class has hundreds of calls waiting on one Ctrl-C.
  signal?.addEventListener('abort', () => {
    for (const b of buckets.values()) b.abort(signal.reason);
  }, { once: true });

  const bucket = (key: string, quota: Quota, kind: 'window' | 'rate') => {
    let b = buckets.get(key);
    if (!b) {
      b = kind === 'window' ? new WindowQuota(quota, timeScale, clock) : new TokenBucket(quota, timeScale, clock);
      if (signal?.aborted) b.abort(signal.reason);
      buckets.set(key, b);
    }
    return b;
  };

  // A long wait is announced a moment after it starts (so the calls of a whole class
  // arriving together are counted together), again when the queue has doubled, and
  // every so often while it lasts.
  const announce = (service: string, policy: ServicePacing, operation: string, b: Bucket) => {
    if (!listeners.size || b.eta() < noticeMs) return;
    const key = `${service}:${operation}`;
    const notice = notices.get(key) ?? { at: -Infinity, queued: 0 };
    notices.set(key, notice);
    const grown = b.waiting + 1 >= Math.max(2 * notice.queued, notice.queued + 2);
    if (notice.timer || (!grown && clock.now() - notice.at < Math.max(noticeMs * 6, 30_000 * timeScale))) return;
    const timer = clock.setTimeout(() => {
      notice.timer = undefined;
      const queued = b.waiting;
      if (!queued) return;
      notice.at = clock.now();
      notice.queued = queued;
      const wait: PaceWait = {
        service,
        serviceLabel: policy.label,
        operation,
        queued,
        etaMs: b.eta(0),
        doing: b.quota.doing?.(queued) ?? `${queued} ${operation === 'other' ? '' : `${operation} `}call${queued === 1 ? '' : 's'}`,
        quota: b.quota,
      };
      for (const listener of listeners) listener(wait);
    }, 250);
    timer.unref();
    notice.timer = timer;
  };

  return {
    timeScale,
    async take(service, operation) {
      if (timeScale === 0) return () => {};
      const policy = policies[service];
      if (!policy || policy.exempt?.includes(operation)) return () => {};
      const own = policy.operations[operation];
      const quota = own ?? policy.others;
      // Its own quota first, then the service's total: a call waiting for DeleteRestApi's
      // turn holds none of the total's tokens meanwhile.
      let release = () => {};
      if (quota) {
        const b = own ? bucket(key(service, operation), own, 'window') : bucket(`${service}:*others`, quota, 'rate');
        announce(service, policy, own ? operation : 'other', b);
        release = await b.take();
      }
      if (policy.total) {
        try {
          await bucket(`${service}:*total`, policy.total, 'rate').take();
        } catch (error) {
          release();
          throw error;
        }
      }
      return release;
    },
    onWait(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const key = (service: string, operation: string) => `${service}:${operation}`;

/**
 * The least time the account's quota of one operation allows for `calls` of it, in real ms
 * at this time scale: a window quota lets `count` go at once, then `count` more every window.
 */
function quotaTimeMs(service: string, operation: string, calls: number, timeScale: number, policies = PACING): number {
  const quota = policies[service]?.operations[operation];
  if (!quota || calls <= quota.count) return 0;
  return (Math.ceil(calls / quota.count) - 1) * quota.seconds * 1000 * timeScale;
}

/**
 * About how long API Gateway's account quotas make a class run take, in real ms at this time
 * scale: building `apis` new APIs (CreateRestApi 1 every 3 s, CreateDeployment 1 every 5 s),
 * the first deployment about 5 s in (its integration names a role, whose policies can be
 * attached ~2 s after they are made), and never less than one lab's own setup (about 20 s on
 * AWS: a new role usable by Lambda after ~8 s, a function Active after ~2 s, its trigger
 * Enabled after ~5 s); or deleting them (DeleteRestApi 1 every 30 s).
 */
export function classQuotaTimeMs(kind: 'setup' | 'cleanup', apis: number, timeScale = defaultTimeScale()): number {
  if (kind === 'cleanup') return quotaTimeMs('apigateway', 'DeleteRestApi', apis, timeScale);
  const paced = Math.max(quotaTimeMs('apigateway', 'CreateRestApi', apis, timeScale), quotaTimeMs('apigateway', 'CreateDeployment', apis, timeScale));
  return paced && Math.max(FIRST_DEPLOYMENT_S * 1000 * timeScale + paced, ONE_LAB_SETUP_S * 1000 * timeScale);
}
const FIRST_DEPLOYMENT_S = 5;
const ONE_LAB_SETUP_S = 20;

/** "about 6 minutes", "about 40 seconds", "a few seconds". */
export function aboutDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 10) return 'a few seconds';
  if (s < 90) return `about ${Math.round(s / 5) * 5} seconds`;
  const m = Math.round(s / 60);
  return `about ${m} minute${m === 1 ? '' : 's'}`;
}
