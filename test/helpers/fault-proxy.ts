// An HTTP proxy in front of moto that, for a seeded pseudo-random share of requests
// (and/or for requests matching explicit rules), answers the way AWS does when things go
// wrong: throttling in each protocol's own form, 500/503, connections reset before or
// after the request reached the service, slow answers, and IAM's "the role is not
// assumable yet" from Lambda. The SDK and poc must survive all of them.
//
// The service is read from the SigV4 credential scope, the operation from X-Amz-Target
// (JSON protocols), the form's Action= (query protocols) or the REST path and method
// (Lambda, API Gateway). moto's own control endpoints (/moto-api) are never faulted.
//
// Below the proxy: labInventory(), what a lab left in moto, read directly (never through
// a faulty proxy), so that the fault tests judge the end state by what really exists.
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { Lambda } from '@aws-sdk/client-lambda';
import { directClients } from './clients.js';
import type { ServerResponse } from 'node:http';
import type { AwsClock } from './aws-clock.js';
import { forward, operationOf, reply, serviceOf, startProxyServer } from './http-proxy.js';

export type FaultKind =
  /** The service's own throttling error, in its protocol's form. */
  | 'throttle'
  | 'error500'
  | 'error503'
  /** The connection is dropped before the request reaches the service. */
  | 'resetBefore'
  /** The request takes effect, but the connection is dropped before the answer arrives. */
  | 'resetAfter'
  /** The request takes effect; the answer arrives 200-800 ms later. */
  | 'slow'
  /** Lambda: CreateFunction / CreateEventSourceMapping refuse a just-created role (IAM propagation). */
  | 'iamPropagation';

export const ALL_KINDS: FaultKind[] = ['throttle', 'error500', 'error503', 'resetBefore', 'resetAfter', 'slow', 'iamPropagation'];

export interface RequestInfo {
  /** The SigV4 signing name: iam, sts, sns, sqs, dynamodb, logs, lambda, apigateway. */
  service: string;
  operation: string;
  method: string;
  path: string;
  /** The request's path with its query string. */
  url?: string;
}

/** A fixed answer, given instead of forwarding. */
export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface FaultRule {
  service?: string;
  operation?: string | RegExp;
  kind: FaultKind;
  /** How many matching requests to fault; every one when left out. */
  times?: number;
}

export interface FaultProxyOptions {
  /** moto's endpoint, e.g. http://127.0.0.1:5000 */
  target: string;
  /** Share of requests (0..1) given a random fault of one of `kinds`. */
  rate?: number;
  seed?: number;
  kinds?: FaultKind[];
  /** Deterministic faults, applied before the random ones. */
  rules?: FaultRule[];
  /** Which requests the random faults may hit (default: all). */
  eligible?: (info: RequestInfo) => boolean;
  /** Answers this request itself when it returns an answer (e.g. bad credentials). */
  respond?: (info: RequestInfo, body: Buffer) => CannedAnswer | undefined | Promise<CannedAnswer | undefined>;
  /**
   * Answer as AWS does where moto differs (default true): a second trigger for the same
   * function and source is refused with 409 ResourceConflictException, as Lambda does
   * ("... provided mapping already exists"), where moto silently makes a duplicate; and
   * enabling an already enabled stream (or disabling a missing one) is a ValidationException,
   * as the DynamoDB API reference says, where moto answers otherwise; deleting a REST API that
   * is gone is a 404 NotFoundException, where moto fails with a 500 HTML page; a second
   * /orders under the same parent is a 409 ConflictException, where moto makes one; a
   * change to a REST API while another change to it is under way is a 409
   * ConflictException "... concurrent modification ...", where moto makes both (each
   * change is held API_CHANGE_MS, so that changes sent together always meet).
   */
  emulateAws?: boolean;
  /** Delay range of a slow answer, ms. */
  slowMs?: [number, number];
  /** Delay every answer by this much (not counted as a fault): time to land in the middle of a task. */
  latencyMs?: number;
  /** Called when the service has answered a forwarded request, before the answer is passed on. */
  onAnswered?: (info: RequestInfo, status: number) => void;
  /**
   * Account quotas, enforced as AWS does (a token bucket per quota, counted on arrival):
   * a request beyond one is answered with the service's throttling error. Time runs
   * `timeScale` times faster (0.05: "1 every 30 s" becomes 1 every 1.5 s).
   */
  quotas?: { rules: QuotaRule[]; timeScale: number; /** A total forgives this share of a token (scheduling jitter). */ slack?: number };
  /**
   * AWS's clock (aws-clock.ts): refuses and rewrites by the age of each resource. Its
   * profile's quotas apply (at its time scale) unless `quotas` is given.
   */
  clock?: AwsClock;
}

export interface QuotaRule {
  service: string;
  /** One operation's own quota; the service's total when left out. */
  operation?: string;
  /**
   * Without `operation`: the quota shared by the service's operations that have no rule of
   * their own (Lambda's "15 per second" for its other control-plane requests), but `except`.
   */
  others?: boolean;
  except?: string[];
  count: number;
  seconds: number;
  burst: number;
}

export interface FaultStats {
  requests: number;
  faulted: number;
  /** kind -> "service:Operation" -> count */
  byKind: Record<string, Record<string, number>>;
  /** Every request seen, "service:Operation", in order. */
  seen: string[];
  /** "service:Operation" (or "service:*" for a total) -> requests refused for a quota. */
  overQuota: Record<string, number>;
  /** "service:Operation" -> arrival times (ms) of requests a quota rule counts. */
  arrivals: Record<string, number[]>;
  /** Every request: when it arrived and when its answer left (performance.now()). */
  timed: { call: string; sentAt: number; answeredAt?: number }[];
}

export interface FaultProxy {
  endpoint: string;
  stats: FaultStats;
  setRate(rate: number): void;
  /** Replaces the deterministic rules (e.g. [] to heal). */
  setRules(rules: FaultRule[]): void;
  /** How many times `kind` hit `service:Operation` (any operation when left out). */
  count(kind: FaultKind, op?: string): number;
  /** ms until every quota is as on an idle account: each window's calls aged out, each total refilled (0 if so already). */
  quietMs(): number;
  close(): Promise<void>;
}

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const QUERY_SERVICES = new Set(['iam', 'sts', 'sns']);
const REST_SERVICES = new Set(['lambda', 'apigateway']);

function throttleAnswer(service: string): CannedAnswer {
  if (QUERY_SERVICES.has(service)) {
    return {
      status: 400,
      headers: { 'content-type': 'text/xml' },
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>x</RequestId></ErrorResponse>',
    };
  }
  if (REST_SERVICES.has(service)) {
    return { status: 429, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' }, body: '{"message":"Rate exceeded"}' };
  }
  // awsJson (dynamodb, its streams, logs, sqs). SQS speaks JSON but is "query compatible":
  // it also names the query-protocol code in x-amzn-query-error; both names are in the
  // SDK's THROTTLING_ERROR_CODES (@smithy/core retry/service-error-classification).
  const type = service === 'sqs' ? 'com.amazon.coral.availability#ThrottlingException' : 'ThrottlingException';
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0', ...(service === 'sqs' ? { 'x-amzn-query-error': 'RequestThrottled;Sender' } : {}) },
    body: JSON.stringify({ __type: type, message: 'Rate exceeded' }),
  };
}

function serverErrorAnswer(service: string, status: 500 | 503): CannedAnswer {
  const code = status === 500 ? 'InternalFailure' : 'ServiceUnavailable';
  if (QUERY_SERVICES.has(service)) {
    return {
      status,
      headers: { 'content-type': 'text/xml' },
      body: `<ErrorResponse><Error><Type>Receiver</Type><Code>${code}</Code><Message>injected ${status}</Message></Error><RequestId>x</RequestId></ErrorResponse>`,
    };
  }
  if (REST_SERVICES.has(service)) {
    return { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': code }, body: JSON.stringify({ message: `injected ${status}` }) };
  }
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ __type: code, message: `injected ${status}` }) };
}

const PROPAGATION_MESSAGES: Record<string, string> = {
  CreateFunction: 'The role defined for the function cannot be assumed by Lambda.',
  CreateEventSourceMapping: 'The provided execution role does not have permissions to call ReceiveMessage on SQS',
};

/**
 * A stream trigger meets its own wording of the same wait (seen on AWS while a role's new
 * stream permissions propagate): "Cannot access stream <arn>. Please ensure the role can
 * perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your
 * stream in IAM."
 */
function propagationAnswer(operation: string, body: Buffer): CannedAnswer {
  let message = PROPAGATION_MESSAGES[operation];
  if (operation === 'CreateEventSourceMapping') {
    const source = String((JSON.parse(body.toString('utf8') || '{}') as { EventSourceArn?: string }).EventSourceArn ?? '');
    if (source.includes('/stream/')) {
      message = `Cannot access stream ${source}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.`;
    }
  }
  return {
    status: 400,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidParameterValueException' },
    body: JSON.stringify({ Type: 'User', message }),
  };
}

/**
 * Lambda refuses a second event source mapping for the same function and source (409, the
 * message naming the existing UUID); moto makes a duplicate. So a retried
 * CreateEventSourceMapping whose first answer was lost meets a conflict on AWS and a
 * silent duplicate on moto: the proxy gives AWS's answer.
 */
async function awsDifferences(motoEndpoint: string, info: RequestInfo, body: Buffer): Promise<CannedAnswer | undefined> {
  if (info.service === 'dynamodb' && info.operation === 'UpdateTable') return streamAlreadyEnabled(motoEndpoint, body);
  if (info.service === 'apigateway' && info.operation === 'DeleteRestApi') return restApiGone(motoEndpoint, info.path);
  if (info.service === 'apigateway' && info.operation === 'CreateResource') return resourceExists(motoEndpoint, info.path, body);
  if (info.service !== 'lambda' || info.operation !== 'CreateEventSourceMapping') return undefined;
  const request = JSON.parse(body.toString('utf8') || '{}') as { FunctionName?: string; EventSourceArn?: string };
  const fn = String(request.FunctionName ?? '').split(':').pop();
  const lambda = new Lambda({ endpoint: motoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    const { EventSourceMappings = [] } = await lambda.listEventSourceMappings({ FunctionName: fn });
    const existing = EventSourceMappings.find((m) => m.EventSourceArn === request.EventSourceArn && m.State !== 'Deleting');
    if (!existing) return undefined;
    const message = request.EventSourceArn?.includes(':sqs:')
      ? `An event source mapping with SQS arn (" ${request.EventSourceArn} ") and function (" ${fn} ") already exists. Please update or delete the existing mapping with UUID ${existing.UUID}`
      : `The event source arn (" ${request.EventSourceArn} ") and function (" ${fn} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${existing.UUID}`;
    return { status: 409, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceConflictException' }, body: JSON.stringify({ Type: 'User', message }) };
  } catch {
    return undefined;
  } finally {
    lambda.destroy();
  }
}

/**
 * API Gateway makes one change to a REST API at a time and refuses another that arrives
 * meanwhile (not documented by AWS; reported often, e.g. hashicorp/terraform#11395 for two
 * method responses of one method). Every call but a GET under /restapis/{id} is a change.
 */
const API_CHANGE_MS = 15;
export function apiChanged(info: RequestInfo): string | undefined {
  if (info.service !== 'apigateway' || info.method === 'GET') return undefined;
  return /^\/restapis\/([^/]+)/.exec(info.path)?.[1];
}

export function concurrentModificationAnswer(): CannedAnswer {
  return {
    status: 409,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ConflictException' },
    body: JSON.stringify({ message: 'Unable to complete operation due to concurrent modification. Please try again later.' }),
  };
}

/**
 * Deleting a REST API that is not there: API Gateway answers 404 NotFoundException; moto
 * fails with a 500 HTML page, which the SDK cannot even parse. (A retried DeleteRestApi
 * whose first answer was lost meets exactly this.) The proxy gives AWS's answer.
 */
async function restApiGone(motoEndpoint: string, path: string): Promise<CannedAnswer | undefined> {
  const restApiId = /^\/restapis\/([^/]+)$/.exec(path)?.[1];
  if (!restApiId) return undefined;
  const apigateway = new APIGateway({ endpoint: motoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    await apigateway.getRestApi({ restApiId });
    return undefined;
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') return undefined;
    return {
      status: 404,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'NotFoundException' },
      body: JSON.stringify({ message: `Invalid API identifier specified 123456789012:${restApiId}` }),
    };
  } finally {
    apigateway.destroy();
  }
}

/**
 * A second resource with the same path part under the same parent: API Gateway refuses it
 * (409 ConflictException "Another resource with the same parent already has this name");
 * moto makes a second /orders. The proxy gives AWS's answer.
 */
async function resourceExists(motoEndpoint: string, path: string, body: Buffer): Promise<CannedAnswer | undefined> {
  const [, restApiId, parentId] = /^\/restapis\/([^/]+)\/resources\/([^/]+)$/.exec(path) ?? [];
  const { pathPart } = JSON.parse(body.toString('utf8') || '{}') as { pathPart?: string };
  if (!restApiId || !pathPart) return undefined;
  const apigateway = new APIGateway({ endpoint: motoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    const { items = [] } = await apigateway.getResources({ restApiId, limit: 500 });
    if (!items.some((r) => r.parentId === parentId && r.pathPart === pathPart)) return undefined;
    return {
      status: 409,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ConflictException' },
      body: JSON.stringify({ message: `Another resource with the same parent already has this name: ${pathPart}` }),
    };
  } catch {
    return undefined;
  } finally {
    apigateway.destroy();
  }
}

/**
 * Enabling a stream on a table whose stream is already enabled, or disabling one that is
 * not: the DynamoDB API reference (UpdateTable, StreamSpecification) says
 * ValidationException, and AWS answers "Table already has an enabled stream: TableName: ..."
 * / "Table has no stream to disable: TableName: ..."; moto answers ResourceInUseException
 * "Cannot enable stream" to the first. The proxy gives AWS's answers.
 */
async function streamAlreadyEnabled(motoEndpoint: string, body: Buffer): Promise<CannedAnswer | undefined> {
  const request = JSON.parse(body.toString('utf8') || '{}') as { TableName?: string; StreamSpecification?: { StreamEnabled?: boolean } };
  const enable = request.StreamSpecification?.StreamEnabled;
  if (!request.TableName || enable === undefined) return undefined;
  const dynamodb = new DynamoDB({ endpoint: motoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    const { Table } = await dynamodb.describeTable({ TableName: request.TableName });
    const enabled = Table?.StreamSpecification?.StreamEnabled === true;
    if (enable !== enabled) return undefined;
    const message = enable ? `Table already has an enabled stream: TableName: ${request.TableName}` : `Table has no stream to disable: TableName: ${request.TableName}`;
    return {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message }),
    };
  } catch {
    return undefined;
  } finally {
    dynamodb.destroy();
  }
}

const applies = (kind: FaultKind, info: RequestInfo) => kind !== 'iamPropagation' || (info.service === 'lambda' && info.operation in PROPAGATION_MESSAGES);

export async function startFaultProxy(given: FaultProxyOptions): Promise<FaultProxy> {
  const clock = given.clock;
  const options: FaultProxyOptions = clock && !given.quotas ? { ...given, quotas: { rules: clock.profile.quotas, timeScale: clock.timeScale, slack: 0.5 } } : given;
  const target = new URL(options.target);
  const random = seeded(options.seed ?? 1);
  let rate = options.rate ?? 0;
  let rules = (options.rules ?? []).map((r) => ({ ...r, left: r.times ?? Infinity }));
  const kinds = options.kinds ?? ALL_KINDS;
  const [slowMin, slowMax] = options.slowMs ?? [200, 800];
  const stats: FaultStats = { requests: 0, faulted: 0, byKind: {}, seen: [], overQuota: {}, arrivals: {}, timed: [] };
  // An operation's own quota ("1 request every 30 s", "5 every 2 s") is a window: at most
  // count requests in any `seconds`. A service's total ("10 per second, burst 40") is a
  // token bucket. Both are counted on arrival, as AWS counts them.
  const scaleMs = (seconds: number) => seconds * 1000 * (options.quotas?.timeScale ?? 1);
  const windows = (options.quotas?.rules ?? []).filter((r) => r.operation).map((rule) => ({ rule, times: [] as number[] }));
  const totals = (options.quotas?.rules ?? []).filter((r) => !r.operation).map((rule) => ({ rule, tokens: rule.burst, last: performance.now(), rate: rule.count / scaleMs(rule.seconds) }));
  /** The first quota this request exceeds; it is counted against every quota otherwise. */
  const overQuota = (info: RequestInfo): string | undefined => {
    const now = performance.now();
    const ops = windows.filter((w) => w.rule.service === info.service && w.rule.operation === info.operation);
    const all = totals.filter((t) => t.rule.service === info.service && (!t.rule.others || (!windows.some((w) => w.rule.service === info.service && w.rule.operation === info.operation) && !t.rule.except?.includes(info.operation))));
    if (ops.length) (stats.arrivals[`${info.service}:${info.operation}`] ??= []).push(now);
    for (const t of all) {
      t.tokens = Math.min(t.rule.burst, t.tokens + (now - t.last) * t.rate);
      t.last = now;
    }
    const full = ops.find((w) => w.times.filter((x) => now - x < scaleMs(w.rule.seconds)).length >= w.rule.count);
    if (full) return `${info.service}:${full.rule.operation}`;
    // A total's burst forgives a request arriving a little early (scheduling jitter).
    const empty = all.find((t) => t.tokens + (options.quotas?.slack ?? 0) < 1);
    if (empty) return `${info.service}:${empty.rule.others ? 'others' : '*'}`;
    for (const w of ops) w.times.push(now);
    for (const t of all) t.tokens -= 1;
    return undefined;
  };
  /** Waits under way, with how to end each early (close). */
  const waits = new Map<NodeJS.Timeout, () => void>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        waits.delete(t);
        resolve();
      }, ms);
      waits.set(t, resolve);
    });

  const record = (kind: FaultKind, info: RequestInfo) => {
    const op = `${info.service}:${info.operation}`;
    stats.faulted++;
    const byOp = (stats.byKind[kind] ??= {});
    byOp[op] = (byOp[op] ?? 0) + 1;
  };

  function choose(info: RequestInfo): FaultKind | undefined {
    for (const rule of rules) {
      if (rule.left <= 0) continue;
      if (rule.service && rule.service !== info.service) continue;
      if (rule.operation && !(typeof rule.operation === 'string' ? rule.operation === info.operation : rule.operation.test(info.operation))) continue;
      if (!applies(rule.kind, info)) continue;
      rule.left--;
      return rule.kind;
    }
    // Draw for every request, faulted or not, so a seed replays the same sequence.
    const draw = random();
    const pick = random();
    if (draw >= rate || (options.eligible && !options.eligible(info))) return undefined;
    const usable = kinds.filter((k) => applies(k, info));
    return usable.length ? usable[Math.floor(pick * usable.length)] : undefined;
  }

  // A refusal is a round trip too: it comes latencyMs late, as every answer does.
  const answer = async (res: ServerResponse, a: CannedAnswer) => {
    if (options.latencyMs) await wait(options.latencyMs);
    if (res.destroyed) return;
    res.writeHead(a.status, { 'x-amzn-requestid': 'fault-proxy', ...a.headers, 'content-length': Buffer.byteLength(a.body) });
    res.end(a.body);
  };

  /** REST APIs with a change under way (emulateAws). */
  const apisChanging = new Set<string>();
  /**
   * Triggers being created, by function and source (emulateAws): Lambda's "already exists"
   * check and the create are one step, so a second create for the same pair that arrives
   * meanwhile waits for the first to be answered and then meets it.
   */
  const mappingsBeingMade = new Map<string, Promise<void>>();
  const mappingKey = (info: RequestInfo, body: Buffer) => {
    if (info.service !== 'lambda' || info.operation !== 'CreateEventSourceMapping') return undefined;
    const request = JSON.parse(body.toString('utf8') || '{}') as { FunctionName?: string; EventSourceArn?: string };
    return `${String(request.FunctionName ?? '').split(':').pop()} ${request.EventSourceArn}`;
  };
  const server = await startProxyServer(
    async (req, body, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const control = path.startsWith('/moto-api');
      const service = serviceOf(req);
      const info: RequestInfo = { service, operation: control ? 'moto-api' : operationOf(service, req, body), method: req.method ?? 'GET', path, url: req.url ?? '/' };
      let kind: FaultKind | undefined;
      if (!control) {
        stats.requests++;
        stats.seen.push(`${info.service}:${info.operation}`);
        const timed: FaultStats['timed'][number] = { call: `${info.service}:${info.operation}`, sentAt: performance.now() };
        stats.timed.push(timed);
        res.on('close', () => (timed.answeredAt = performance.now()));
        const over = overQuota(info);
        if (over) {
          stats.overQuota[over] = (stats.overQuota[over] ?? 0) + 1;
          return answer(res, throttleAnswer(service));
        }
        const own = await options.respond?.(info, body);
        if (own) return answer(res, own);
        const making = options.emulateAws !== false ? mappingKey(info, body) : undefined;
        if (making) {
          while (mappingsBeingMade.has(making)) await mappingsBeingMade.get(making);
          let made = () => {};
          mappingsBeingMade.set(making, new Promise<void>((resolve) => (made = resolve)));
          res.on('close', () => {
            mappingsBeingMade.delete(making);
            made();
          });
        }
        const canned = options.emulateAws !== false ? await awsDifferences(target.origin, info, body) : undefined;
        if (canned) return answer(res, canned);
        const refusal = clock?.refuse(info, body);
        if (refusal) return answer(res, refusal);
        kind = choose(info);
        if (kind) record(kind, info);
      }
      switch (kind) {
        case 'throttle':
          return answer(res, throttleAnswer(service));
        case 'error500':
          return answer(res, serverErrorAnswer(service, 500));
        case 'error503':
          return answer(res, serverErrorAnswer(service, 503));
        case 'iamPropagation':
          return answer(res, propagationAnswer(info.operation, body));
        case 'resetBefore':
          req.socket.destroy();
          return;
      }
      const changing = !control && options.emulateAws !== false ? apiChanged(info) : undefined;
      if (changing && apisChanging.has(changing)) return answer(res, concurrentModificationAnswer());
      if (changing) apisChanging.add(changing);
      let upstream: Awaited<ReturnType<typeof forward>>;
      try {
        upstream = await forward(target, req, body);
        if (changing) await wait(API_CHANGE_MS);
      } finally {
        if (changing) apisChanging.delete(changing);
      }
      if (!control && clock) upstream = clock.answered(info, body, upstream);
      if (!control) options.onAnswered?.(info, upstream.status);
      if (kind === 'resetAfter') {
        req.socket.destroy();
        return;
      }
      if (kind === 'slow') await wait(slowMin + random() * (slowMax - slowMin));
      if (options.latencyMs && !control) await wait(options.latencyMs);
      reply(res, upstream);
    },
    {
      beforeClose() {
        for (const [t, end] of waits) {
          clearTimeout(t);
          end();
        }
        waits.clear();
      },
      // What a client sent whole still reaches the service, as it would reach AWS after the
      // client died (a SIGKILL test's next run must not start before it lands). Bounded, in
      // case a test's respond hook is waiting for something that will not come.
      drainMs: 10_000,
    },
  );

  return {
    endpoint: server.endpoint,
    stats,
    setRate(r) {
      rate = r;
    },
    setRules(next) {
      rules = next.map((r) => ({ ...r, left: r.times ?? Infinity }));
    },
    count(kind, op) {
      const byOp = stats.byKind[kind] ?? {};
      return op ? (byOp[op] ?? 0) : Object.values(byOp).reduce((a, b) => a + b, 0);
    },
    quietMs() {
      const now = performance.now();
      const windowsLeft = windows.map((w) => Math.max(...w.times, -Infinity) + scaleMs(w.rule.seconds) - now);
      const totalsLeft = totals.map((t) => (t.rule.burst - Math.min(t.rule.burst, t.tokens + (now - t.last) * t.rate)) / t.rate);
      return Math.max(0, ...windowsLeft, ...totalsLeft);
    },
    close: server.close,
  };
}

/** Runs fn with a fault proxy, closed after it whatever happens. */
export async function withProxy<T>(options: FaultProxyOptions, fn: (proxy: FaultProxy) => Promise<T>): Promise<T> {
  const proxy = await startFaultProxy(options);
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

// ---- What a lab left behind, read straight from moto (never through a faulty proxy) ----


/** The lab's names as the guide spells them (spelled out here, not taken from src/). */
export function guideNames(prefix = '') {
  const n = (base: string) => (prefix ? `${prefix}-${base}` : base);
  return {
    policies: ['Lambda-Write-DynamoDB', 'Lambda-SNS-Publish', 'Lambda-DynamoDBStreams-Read', 'Lambda-Read-SQS'].map(n),
    roles: ['Lambda-SQS-DynamoDB', 'Lambda-DynamoDBStreams-SNS', 'APIGateway-SQS'].map(n),
    table: n('orders'),
    queues: [n('POC-Queue'), n('POC-Queue-DLQ'), n('POC-Lambda-2-Failures')],
    functions: [n('POC-Lambda-1'), n('POC-Lambda-2')],
    topic: n('POC-Topic'),
    api: n('POC-API'),
    logGroups: [`/aws/lambda/${n('POC-Lambda-1')}`, `/aws/lambda/${n('POC-Lambda-2')}`],
  };
}

export interface LabInventory {
  /** policy name -> how many versions it has */
  policies: Record<string, number>;
  roles: string[];
  tables: string[];
  streamViewType?: string;
  queues: string[];
  functions: string[];
  /** function name -> how many triggers it has */
  mappings: Record<string, number>;
  topics: string[];
  emailSubscriptions: string[];
  /** one entry per REST API with the lab's name (API Gateway allows several) */
  apis: string[];
  logGroups: string[];
}

export { directClients };

/** Every page of a listing. */
async function all<T>(page: (token: string | undefined) => Promise<[T[] | undefined, string | undefined]>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const [got, next] = await page(token);
    items.push(...(got ?? []));
    token = next;
  } while (token);
  return items;
}

/** Everything of one prefix's lab that exists, counted so duplicates show. */
export async function labInventory(endpoint: string, prefix = ''): Promise<LabInventory> {
  const c = directClients(endpoint);
  const names = guideNames(prefix);
  try {
    const { Policies = [] } = await c.iam.listPolicies({ Scope: 'Local', MaxItems: 1000 });
    const policies: Record<string, number> = {};
    for (const p of Policies.filter((p) => names.policies.includes(p.PolicyName!))) {
      const { Versions = [] } = await c.iam.listPolicyVersions({ PolicyArn: p.Arn });
      policies[p.PolicyName!] = Versions.length;
    }
    const { Roles = [] } = await c.iam.listRoles({ MaxItems: 1000 });
    const TableNames = await all((ExclusiveStartTableName) => c.dynamodb.listTables({ ExclusiveStartTableName }).then((p) => [p.TableNames, p.LastEvaluatedTableName]));
    const tables = TableNames.filter((t) => t === names.table);
    const streamViewType = tables.length
      ? (await c.dynamodb.describeTable({ TableName: names.table })).Table?.StreamSpecification?.StreamViewType
      : undefined;
    const { QueueUrls = [] } = await c.sqs.listQueues({ QueueNamePrefix: prefix ? `${prefix}-POC-` : 'POC-' });
    const Functions = await all((Marker) => c.lambda.listFunctions({ Marker }).then((p) => [p.Functions, p.NextMarker]));
    const EventSourceMappings = await all((Marker) => c.lambda.listEventSourceMappings({ Marker }).then((p) => [p.EventSourceMappings, p.NextMarker]));
    const mappings: Record<string, number> = {};
    for (const m of EventSourceMappings) {
      const fn = m.FunctionArn?.split(':').pop() ?? '';
      if (names.functions.includes(fn) && m.State !== 'Deleting') mappings[fn] = (mappings[fn] ?? 0) + 1;
    }
    const Topics = await all((NextToken) => c.sns.listTopics({ NextToken }).then((p) => [p.Topics, p.NextToken]));
    const topics = Topics.map((t) => t.TopicArn!).filter((a) => a.endsWith(`:${names.topic}`));
    const Subscriptions = await all((NextToken) => c.sns.listSubscriptions({ NextToken }).then((p) => [p.Subscriptions, p.NextToken]));
    const { items = [] } = await c.apigateway.getRestApis({ limit: 500 });
    const logGroups = await all((nextToken) => c.logs.describeLogGroups({ nextToken }).then((p) => [p.logGroups, p.nextToken]));
    return {
      policies,
      roles: Roles.map((r) => r.RoleName!).filter((r) => names.roles.includes(r)),
      tables,
      streamViewType,
      queues: QueueUrls.map((u) => u.split('/').pop()!).filter((q) => names.queues.includes(q)).sort(),
      functions: Functions.map((f) => f.FunctionName!).filter((f) => names.functions.includes(f)).sort(),
      mappings,
      topics,
      emailSubscriptions: Subscriptions.filter((s) => s.Protocol === 'email' && s.TopicArn?.endsWith(`:${names.topic}`)).map((s) => s.Endpoint!),
      apis: items.map((a) => a.name!).filter((n) => n === names.api),
      logGroups: logGroups.map((g) => g.logGroupName!).filter((g) => names.logGroups.includes(g)).sort(),
    };
  } finally {
    for (const client of Object.values(c)) client.destroy();
  }
}

/** A whole lab, each thing exactly once (policies with one version each). */
export function completeLab(prefix = '', email = 'student@example.com'): LabInventory {
  const names = guideNames(prefix);
  return {
    policies: Object.fromEntries(names.policies.map((p) => [p, 1])),
    roles: names.roles,
    tables: [names.table],
    streamViewType: 'NEW_IMAGE',
    queues: [...names.queues].sort(),
    functions: [...names.functions].sort(),
    mappings: Object.fromEntries(names.functions.map((f) => [f, 1])),
    topics: [`arn:aws:sns:us-east-1:123456789012:${names.topic}`],
    emailSubscriptions: [email],
    apis: [names.api],
    logGroups: [...names.logGroups].sort(),
  };
}

export const EMPTY_LAB: LabInventory = {
  policies: {},
  roles: [],
  tables: [],
  streamViewType: undefined,
  queues: [],
  functions: [],
  mappings: {},
  topics: [],
  emailSubscriptions: [],
  apis: [],
  logGroups: [],
};

/** Roles are listed in IAM's order; compare them as sets. */
export function normalised(inv: LabInventory): LabInventory {
  return { ...inv, roles: [...inv.roles].sort() };
}
