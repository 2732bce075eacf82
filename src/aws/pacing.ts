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
// SQS, DynamoDB, SNS and CloudWatch Logs allow far more than a class makes: not paced.

export interface Quota {
  /** `count` requests every `seconds`, at most `burst` at once. */
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
  iam: {
    label: 'IAM',
    // No published figure (see above): 10 per second with a burst of 40 keeps one
    // student's setup unpaced and a class well below where IAM starts throttling.
    operations: {},
    others: { count: 10, seconds: 1, burst: 40 },
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

export interface PacerOptions {
  /** Shrinks every quota period (tests: 0.01 turns 30 s into 0.3 s); 0 turns pacing off. */
  timeScale?: number;
  /** Waits end with this signal's reason once it is aborted (Ctrl-C). */
  signal?: AbortSignal;
  /** Waits at least this long (real ms, before scaling) are announced. */
  noticeMs?: number;
  policies?: Record<string, ServicePacing>;
}

export interface Pacer {
  readonly timeScale: number;
  /** Resolves when a request of this operation may be sent. */
  take(service: string, operation: string): Promise<void>;
  /** Called for each long wait (class commands show them with an estimate). */
  onWait(listener: (wait: PaceWait) => void): () => void;
}

/** Tests set POC_PACING_SCALE (or, like every other delay, POC_BACKOFF_SCALE); real runs use 1. */
export function defaultTimeScale(): number {
  const raw = Number(process.env.POC_PACING_SCALE ?? process.env.POC_BACKOFF_SCALE ?? '1');
  return Number.isFinite(raw) && raw >= 0 ? raw : 1;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
}

/** Tokens refill at count/seconds up to burst; waiters are served first come, first served. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Tokens per real millisecond. */
  readonly rate: number;

  constructor(
    readonly quota: Quota,
    timeScale: number,
  ) {
    this.tokens = quota.burst;
    this.rate = quota.count / (quota.seconds * 1000 * timeScale);
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Real ms until the last waiter (and one more, when `joining`) may go. */
  eta(joining = 0): number {
    this.refill();
    const short = this.queue.length + joining - this.tokens;
    return short <= 0 ? 0 : short / this.rate;
  }

  take(signal?: AbortSignal): Promise<void> {
    if (!this.queue.length && this.refill() >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.schedule();
    });
  }

  private refill(): number {
    const now = performance.now();
    this.tokens = Math.min(this.quota.burst, this.tokens + (now - this.last) * this.rate);
    this.last = now;
    return this.tokens;
  }

  private schedule() {
    if (this.timer) return;
    while (this.queue.length && this.refill() >= 1) {
      this.tokens -= 1;
      this.queue.shift()!.resolve();
    }
    if (!this.queue.length) return;
    // unref: a pending wait must not keep a finished (or interrupted) process alive.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, Math.ceil((1 - this.tokens) / this.rate)).unref();
  }
}

export function createPacer(options: PacerOptions = {}): Pacer {
  const timeScale = options.timeScale ?? defaultTimeScale();
  const policies = options.policies ?? PACING;
  const noticeMs = (options.noticeMs ?? 5_000) * timeScale;
  const buckets = new Map<string, TokenBucket>();
  const lastNotice = new Map<string, number>();
  const listeners = new Set<(wait: PaceWait) => void>();

  const bucket = (key: string, quota: Quota) => {
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = new TokenBucket(quota, timeScale)));
    return b;
  };

  const announce = (service: string, policy: ServicePacing, operation: string, b: TokenBucket) => {
    const eta = b.eta(1);
    const key = `${service}:${operation}`;
    const now = performance.now();
    // Once when a long wait starts, then again every so often while it lasts.
    if (!listeners.size || eta < noticeMs || now - (lastNotice.get(key) ?? -Infinity) < Math.max(noticeMs, eta / 4)) return;
    lastNotice.set(key, now);
    const queued = b.waiting + 1;
    const wait: PaceWait = {
      service,
      serviceLabel: policy.label,
      operation,
      queued,
      etaMs: eta,
      doing: b.quota.doing?.(queued) ?? `${queued} ${operation} call${queued === 1 ? '' : 's'}`,
      quota: b.quota,
    };
    for (const listener of listeners) listener(wait);
  };

  return {
    timeScale,
    async take(service, operation) {
      if (timeScale === 0) return;
      const policy = policies[service];
      if (!policy || policy.exempt?.includes(operation)) return;
      const own = policy.operations[operation];
      const quota = own ?? policy.others;
      // Its own quota first, then the service's total: a call waiting for DeleteRestApi's
      // turn holds none of the total's tokens meanwhile.
      if (quota) {
        const b = bucket(own ? `${service}:${operation}` : `${service}:*others`, quota);
        announce(service, policy, own ? operation : 'other', b);
        await b.take(options.signal);
      }
      if (policy.total) await bucket(`${service}:*total`, policy.total).take(options.signal);
    },
    onWait(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** "about 6 minutes", "about 40 seconds", "a few seconds". */
export function aboutDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 10) return 'a few seconds';
  if (s < 90) return `about ${Math.round(s / 5) * 5} seconds`;
  const m = Math.round(s / 60);
  return `about ${m} minute${m === 1 ? '' : 's'}`;
}
