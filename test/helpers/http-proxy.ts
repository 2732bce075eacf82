// The base of the three proxies in front of moto (the tests' API-model check and fault
// proxy, the benchmark's latency proxy): a server on 127.0.0.1 that reads each request
// whole, hands it to the proxy's own handler, forwards it to moto and passes the answer
// on; close() ends every connection (a keep-alive socket would hold server.close()) and
// waits for the requests under way. Also what each proxy needs to name a call: the
// service (SigV4 credential scope) and the operation (X-Amz-Target, the form's Action=,
// or the REST method and path of Lambda and API Gateway).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Upstream {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface ProxyServer {
  endpoint: string;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Called before the sockets close (e.g. to end the proxy's own waits). */
  beforeClose?: () => void;
  /** How long close() waits for requests received whole and still being handled (default 0: it does not). */
  drainMs?: number;
}

/** Listens on a free port of 127.0.0.1; `handle` gets every request with its whole body. */
export async function startProxyServer(
  handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void> | void,
  options: ProxyOptions = {},
): Promise<ProxyServer> {
  const sockets = new Set<Socket>();
  /** Requests received whole and still being handled. */
  const handling = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const handled = (async () => {
        try {
          await handle(req, Buffer.concat(chunks), res);
        } catch {
          req.socket.destroy();
        }
      })();
      handling.add(handled);
      void handled.finally(() => handling.delete(handled));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      options.beforeClose?.();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (options.drainMs) await Promise.race([Promise.allSettled([...handling]), new Promise((r) => setTimeout(r, options.drainMs).unref())]);
    },
  };
}

/**
 * Sends the request on to `target` and reads the answer whole. The Host header is the
 * target's unless `keepHost` (moto builds queue URLs from it: the checking proxy keeps its
 * own, so that the SDK's later SQS calls come back through it).
 */
export function forward(target: URL, req: IncomingMessage, body: Buffer, keepHost = false): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers = keepHost ? req.headers : { ...req.headers, host: target.host };
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}

/** Passes an answer on whole (its length counted again: a proxy may have rewritten it). */
export function reply(res: ServerResponse, answer: Upstream): void {
  if (res.destroyed) return;
  const headers = { ...answer.headers };
  delete headers['transfer-encoding'];
  headers['content-length'] = String(answer.body.length);
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** The SigV4 signing name of the request's credential scope: iam, sts, sns, sqs, dynamodb, logs, lambda, apigateway. */
export function serviceOf(req: IncomingMessage): string {
  const auth = String(req.headers.authorization ?? '');
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
  return scope?.[1] ?? 'unknown';
}

const LAMBDA_ROUTES: [string, RegExp, string][] = [
  ['POST', /^\/2015-03-31\/functions\/?$/, 'CreateFunction'],
  ['GET', /^\/2015-03-31\/functions\/?$/, 'ListFunctions'],
  ['GET', /^\/2015-03-31\/functions\/[^/]+\/configuration$/, 'GetFunctionConfiguration'],
  ['PUT', /^\/2015-03-31\/functions\/[^/]+\/configuration$/, 'UpdateFunctionConfiguration'],
  ['PUT', /^\/2015-03-31\/functions\/[^/]+\/code$/, 'UpdateFunctionCode'],
  ['GET', /^\/2015-03-31\/functions\/[^/]+$/, 'GetFunction'],
  ['DELETE', /^\/2015-03-31\/functions\/[^/]+$/, 'DeleteFunction'],
  ['POST', /^\/2015-03-31\/functions\/[^/]+\/policy\/?$/, 'AddPermission'],
  ['GET', /^\/2015-03-31\/functions\/[^/]+\/policy\/?$/, 'GetPolicy'],
  ['DELETE', /^\/2015-03-31\/functions\/[^/]+\/policy\/[^/]+$/, 'RemovePermission'],
  ['POST', /^\/2015-03-31\/functions\/[^/]+\/invocations$/, 'Invoke'],
  ['POST', /^\/2015-03-31\/event-source-mappings\/?$/, 'CreateEventSourceMapping'],
  ['GET', /^\/2015-03-31\/event-source-mappings\/?$/, 'ListEventSourceMappings'],
  ['GET', /^\/2015-03-31\/event-source-mappings\/[^/]+$/, 'GetEventSourceMapping'],
  ['PUT', /^\/2015-03-31\/event-source-mappings\/[^/]+$/, 'UpdateEventSourceMapping'],
  ['DELETE', /^\/2015-03-31\/event-source-mappings\/[^/]+$/, 'DeleteEventSourceMapping'],
];

// API Gateway: the operation is the verb and the last collection in the path, e.g.
// POST /restapis/{id}/deployments -> CreateDeployment, DELETE /restapis/{id} -> DeleteRestApi.
const APIGW_NAMES: Record<string, string> = {
  restapis: 'RestApi',
  resources: 'Resource',
  methods: 'Method',
  integration: 'Integration',
  responses: 'MethodResponse',
  deployments: 'Deployment',
  stages: 'Stage',
  models: 'Model',
  requestvalidators: 'RequestValidator',
  tags: 'Tags',
};

function apiGatewayOperation(method: string, path: string): string {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  // Collections are the known words; what follows a collection is an id (or an HTTP verb / status code).
  let last = '';
  let hasId = false;
  for (let i = 0; i < parts.length; i++) {
    if (APIGW_NAMES[parts[i]] !== undefined) {
      last = parts[i];
      hasId = i + 1 < parts.length && APIGW_NAMES[parts[i + 1]] === undefined;
      if (hasId) i++;
    }
  }
  if (parts.includes('integration') && parts.includes('responses')) last = 'integrationresponses';
  const noun = last === 'integrationresponses' ? 'IntegrationResponse' : (APIGW_NAMES[last] ?? parts.join('/'));
  const singular = last === 'integration' || last === 'methods' || last === 'responses' || last === 'integrationresponses';
  switch (method) {
    case 'POST':
      return `Create${noun}`;
    case 'PUT':
      return `Put${noun}`;
    case 'PATCH':
      return `Update${noun}`;
    case 'DELETE':
      return `Delete${noun}`;
    default:
      return hasId || singular ? `Get${noun}` : `Get${noun}s`;
  }
}

/** The operation as the API names it, e.g. CreateFunction, CreateDeployment, SendMessage. */
export function operationOf(service: string, req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.split('.').pop()!;
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0];
  if (service === 'lambda') return LAMBDA_ROUTES.find(([m, re]) => m === method && re.test(path))?.[2] ?? `${method} ${path}`;
  if (service === 'apigateway') return apiGatewayOperation(method, path);
  const fromQuery = new URL(req.url ?? '/', 'http://x').searchParams.get('Action');
  if (fromQuery) return fromQuery;
  const action = /(?:^|&)Action=([^&]+)/.exec(body.toString('utf8'));
  return action ? decodeURIComponent(action[1]) : `${method} ${path}`;
}
