// The REST API's deployed stage, answering over HTTP on 127.0.0.1 as API Gateway's
// execute-api endpoint does, built from what is stored in the emulator: a hand-built or
// broken API behaves as it would on AWS.
//
//   http://127.0.0.1:<port>/<restApiId>/<stageName>/<resource path>
//   (on AWS: https://<restApiId>.execute-api.<region>.amazonaws.com/<stageName>/<resource path>)
//
// What it does, per request (each step as API Gateway documents it):
// - the stage (GetStage): an unknown API or stage answers 403 {"message":"Forbidden"}
//   (on AWS an unknown API id has no DNS name at all);
// - the resource by path (literal segments before {param} before greedy {proxy+}) and the
//   method by HTTP verb (or ANY): none answers 403 {"message":"Missing Authentication Token"};
// - the method's request validator: required parameters (400 "Missing required request
//   parameters: [a, b]") and the body against the request model for its content type (or
//   $default), JSON Schema draft 4 (400 "Invalid request body");
// - the integration request: the mapping template chosen by Content-Type (none means
//   application/json) and passthroughBehavior (415 "Unsupported Media Type"), rendered by
//   Velocity with $input, $util, $context and $stageVariables (velocity.ts); requestParameters
//   into the backend's headers, query string and path, from 'literals', method.request.*,
//   context.* and stageVariables.*;
// - the integration: AWS (a service call as the credentials role, signed, to the emulator:
//   aws-integration.ts) and MOCK (the request template's "statusCode"); any other type
//   answers 500 and says why on stderr;
// - the integration response chosen by its selectionPattern against the backend's status
//   code (for Lambda, its errorMessage), else the default one; none: 500 "Internal server
//   error" (API Gateway's API_CONFIGURATION_ERROR); its template (by the request's Accept,
//   else application/json, else the first) rendered with $input = the backend's body, or
//   the body passed through; its responseParameters; its status code.
// Bounds: a body over 10 MB answers 413; the backend gets timeoutInMillis (29 s by default),
// then 504 {"message":"Endpoint request timed out"}; an unexpected failure answers 500 and
// never stops the server.
//
// Not supported (answered 500, with a note on stderr): authorizers and IAM authorization
// (authorizationType other than NONE), API keys, HTTP/HTTP_PROXY/AWS_PROXY integrations,
// binary media types and contentHandling, stage variables inside an integration's URI,
// custom gateway responses (the defaults are used), models that $ref other models.
//
// AWS serves the deployment's snapshot of the API: a change made after CreateDeployment
// is not seen until the next deployment. moto keeps no snapshot (a deployment is an id and
// a description), so the stage reads the API as it is now (GetResources with its methods,
// GetRequestValidator, GetModel): a change shows at once, deployed or not. What it read is
// kept until API Gateway's API changes something (the emulator's "apigateway" counter,
// changes.ts), and an assumed role until IAM's roles change ("iam") or 15 minutes pass.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { APIGatewayClient, GetModelCommand, GetRequestValidatorCommand, GetResourcesCommand, GetStageCommand, type Integration, type IntegrationResponse, type Method, type Resource } from '@aws-sdk/client-api-gateway';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { quietLogger } from '../aws/profiles.js';
import { counters } from './changes.js';
import { assumeRole, callService, ConfigurationError, IntegrationTimeout, parseServiceUri, type BackendAnswer } from './aws-integration.js';
import { jsonPath } from './json-path.js';
import { bodyIsValid } from './request-model.js';
import { inputOf, renderTemplate, type RequestParams } from './velocity.js';

/** API Gateway's payload quota for REST APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's default integration timeout. */
export const DEFAULT_TIMEOUT_MS = 29_000;
/** An assumed role's credentials are used this long (AssumeRole gives them for an hour by default). */
const ROLE_KEPT_MS = 15 * 60_000;
const VERBS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);

export interface Stage {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An answer of API Gateway's own (a gateway response), with its default body. */
class GatewayAnswer extends Error {
  constructor(readonly status: number, readonly errorType: string, message: string, readonly note?: string) {
    super(message);
  }
}
const forbidden = () => new GatewayAnswer(403, 'ForbiddenException', 'Forbidden');
const missingToken = () => new GatewayAnswer(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
const internal = (note: string) => new GatewayAnswer(500, 'InternalServerErrorException', 'Internal server error', note);

interface Route {
  stageVariables: Record<string, string>;
  resource: Resource;
  method: Method;
  pathParams: Record<string, string>;
}

/** The resource for this path: literal segments first, then {param}, then a greedy {param+}. */
export function matchResource(resources: Resource[], segments: string[]): { resource: Resource; pathParams: Record<string, string> } | undefined {
  const parts = (r: Resource) => (r.path ?? '/').split('/').filter(Boolean);
  const walk = (candidates: Resource[], depth: number, params: Record<string, string>): { resource: Resource; pathParams: Record<string, string> } | undefined => {
    if (depth === segments.length) {
      const exact = candidates.find((r) => parts(r).length === depth);
      if (exact) return { resource: exact, pathParams: params };
    }
    const below = candidates.filter((r) => parts(r).length > depth);
    const segment = segments[depth];
    if (segment !== undefined) {
      const literal = below.filter((r) => parts(r)[depth] === segment);
      const found = literal.length ? walk(literal, depth + 1, params) : undefined;
      if (found) return found;
      const named = below.filter((r) => /^\{[^}+]+\}$/.test(parts(r)[depth]!));
      for (const name of new Set(named.map((r) => parts(r)[depth]!))) {
        const result = walk(named.filter((r) => parts(r)[depth] === name), depth + 1, { ...params, [name.slice(1, -1)]: segment });
        if (result) return result;
      }
    }
    // A greedy parameter takes the rest of the path (one segment or more), as the last part of its resource.
    const greedy = below.find((r) => parts(r).length === depth + 1 && /^\{[^}]+\+\}$/.test(parts(r)[depth]!));
    if (greedy && segment !== undefined) return { resource: greedy, pathParams: { ...params, [parts(greedy)[depth]!.slice(1, -2)]: segments.slice(depth).join('/') } };
    return undefined;
  };
  return walk(resources, 0, {});
}

const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
const mediaType = (value: string | undefined) => value?.split(';')[0]!.trim().toLowerCase() || undefined;
/** The entry of a map keyed by media type that matches (case-insensitively). */
const byMediaType = <T>(map: Record<string, T> | undefined, type: string): [string, T] | undefined => Object.entries(map ?? {}).find(([k]) => k.toLowerCase() === type);

/** Common Log Format time, as $context.requestTime gives it: 02/Dec/2026:10:49:42 +0000. */
function clfTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** A value for an integration request parameter: 'literal', method.request.<where>.<name>, method.request.body[.<path>], context.<name>, stageVariables.<name>. */
function parameterValue(source: string, params: RequestParams, body: string, context: Record<string, unknown>, stageVariables: Record<string, string>): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  const m = /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/.exec(source);
  if (m) {
    const where = m[1]!.replace('multivalue', '') as keyof RequestParams;
    const found = where === 'header' ? lower(params.header)[m[2]!.toLowerCase()] : params[where][m[2]!];
    return found;
  }
  if (source === 'method.request.body') return body;
  const bodyPath = /^method\.request\.body\.(.+)$/.exec(source)?.[1];
  if (bodyPath) {
    const value = jsonPath(JSON.parse(body || '{}'), `$.${bodyPath}`);
    return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  }
  const ctx = /^context\.(.+)$/.exec(source)?.[1];
  if (ctx) {
    const value = ctx.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), context);
    return value === undefined ? undefined : String(value);
  }
  const variable = /^stageVariables\.(.+)$/.exec(source)?.[1];
  if (variable) return stageVariables[variable];
  throw new ConfigurationError(`the integration request parameter source ${source} is not supported here`);
}

/** The integration response for the backend's answer: the first whose pattern matches all of `selector`, else the default. */
export function selectResponse(responses: Record<string, IntegrationResponse> | undefined, selector: string): IntegrationResponse | undefined {
  const all = Object.values(responses ?? {});
  const matching = all.find((r) => r.selectionPattern && new RegExp(`^(?:${r.selectionPattern})$`, 's').test(selector));
  return matching ?? all.find((r) => !r.selectionPattern);
}

export async function startStage(options: { endpoint: string; region: string; port?: number }): Promise<Stage> {
  // As in clients.ts: the SDK's warning about a future Node requirement is not the user's business.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const credentials = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'testing',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'testing',
    sessionToken: process.env.AWS_SESSION_TOKEN || undefined,
  };
  const config = { endpoint: options.endpoint, region: options.region, credentials, logger: quietLogger, maxAttempts: 3 };
  const apigateway = new APIGatewayClient(config);
  const iam = new IAMClient(config);
  const sts = new STSClient(config);
  let accountId: Promise<string> | undefined;
  const account = () => {
    accountId ??= sts.send(new GetCallerIdentityCommand({})).then((r) => r.Account ?? '');
    accountId.catch(() => (accountId = undefined));
    return accountId;
  };

  const note = (requestId: string, text: string) => process.stderr.write(`stage: ${requestId}: ${text}\n`);

  // What was read from the emulator, kept while the counters stay where they were.
  let read = { generation: -1, definitions: new Map<string, Promise<unknown>>() };
  const roles = new Map<string, { generation: number; until: number; credentials: Promise<Awaited<ReturnType<typeof assumeRole>>> }>();
  const kept = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let pending = read.definitions.get(key) as Promise<T> | undefined;
    if (!pending) {
      const map = read.definitions;
      map.set(key, (pending = load()));
      pending.catch(() => map.delete(key));
    }
    return pending;
  };
  /** The counters now, forgetting what API Gateway's changes made stale; without counters (a plain moto), nothing is kept. */
  async function fresh() {
    const now = await counters(options.endpoint);
    if (!now || now.apigateway !== read.generation) read = { generation: now?.apigateway ?? -1, definitions: new Map() };
    return now;
  }
  function role(roleArn: string | undefined, requestId: string, generation: number | undefined) {
    if (generation === undefined) return assumeRole({ iam, sts }, roleArn, requestId);
    const key = roleArn ?? '';
    const held = roles.get(key);
    if (held && held.generation === generation && held.until > Date.now()) return held.credentials;
    const credentials = assumeRole({ iam, sts }, roleArn, requestId);
    roles.set(key, { generation, until: Date.now() + ROLE_KEPT_MS, credentials });
    credentials.catch(() => roles.delete(key));
    return credentials;
  }

  async function route(restApiId: string, stageName: string, verb: string, segments: string[]): Promise<Route> {
    let stageVariables: Record<string, string>;
    try {
      stageVariables = await kept(`stage ${restApiId} ${stageName}`, async () => (await apigateway.send(new GetStageCommand({ restApiId, stageName }))).variables ?? {});
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFoundException') throw forbidden();
      throw error;
    }
    const resources = await kept(`resources ${restApiId}`, async () => {
      const all: Resource[] = [];
      let position: string | undefined;
      do {
        const page = await apigateway.send(new GetResourcesCommand({ restApiId, embed: ['methods'], limit: 500, position }));
        all.push(...(page.items ?? []));
        position = page.position;
      } while (position);
      return all;
    });
    const found = matchResource(resources, segments);
    const methods = found?.resource.resourceMethods ?? {};
    const method = methods[verb] ?? methods.ANY;
    if (!found || !method) throw missingToken();
    return { ...found, method, stageVariables };
  }

  async function validate(restApiId: string, method: Method, params: RequestParams, contentType: string, body: string) {
    if (!method.requestValidatorId) return;
    const requestValidatorId = method.requestValidatorId;
    const validator = await kept(`validator ${restApiId} ${requestValidatorId}`, () => apigateway.send(new GetRequestValidatorCommand({ restApiId, requestValidatorId })));
    if (validator.validateRequestParameters) {
      const missing = Object.entries(method.requestParameters ?? {})
        .filter(([, required]) => required)
        .map(([key]) => /^method\.request\.(path|querystring|header)\.(.+)$/.exec(key))
        .filter((m): m is RegExpExecArray => !!m)
        .filter(([, where, name]) => !(where === 'header' ? lower(params.header)[name!.toLowerCase()] : params[where as 'path' | 'querystring'][name!])?.trim())
        .map(([, , name]) => name!);
      if (missing.length) throw new GatewayAnswer(400, 'BadRequestException', `Missing required request parameters: [${missing.join(', ')}]`);
    }
    if (validator.validateRequestBody) {
      const modelName = (byMediaType(method.requestModels, contentType) ?? byMediaType(method.requestModels, '$default'))?.[1];
      if (!modelName) return;
      const model = await kept(`model ${restApiId} ${modelName}`, () => apigateway.send(new GetModelCommand({ restApiId, modelName })));
      let valid: boolean;
      try {
        valid = bodyIsValid(model.schema ?? '{}', body);
      } catch (error) {
        throw internal(`the model ${modelName} does not compile as a draft-4 JSON schema: ${(error as Error).message}`);
      }
      if (!valid) throw new GatewayAnswer(400, 'BadRequestException', 'Invalid request body');
    }
  }

  async function handle(req: IncomingMessage, body: string, requestId: string, extendedRequestId: string, started: Date): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const verb = (req.method ?? 'GET').toUpperCase();
    const [restApiId, stageName, ...segments] = url.pathname.split('/').slice(1).map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
    if (!restApiId || !stageName) throw forbidden();
    const rest = segments.filter((s, i) => s !== '' || i < segments.length - 1);
    if (!VERBS.has(verb)) throw missingToken();
    const generations = await fresh();
    const { resource, method, pathParams, stageVariables } = await route(restApiId, stageName, verb, rest);

    // The names as the client spelled them ($input.params().header shows them so); a repeated header's values joined.
    const header: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      header[name] = name in header ? `${header[name]},${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1]!;
    }
    const lowered = lower(header);
    const querystring: Record<string, string> = {};
    for (const [k, v] of url.searchParams) querystring[k] = v;
    const params: RequestParams = { path: pathParams, querystring, header };
    const contentType = mediaType(lowered['content-type']) ?? 'application/json';

    if (method.authorizationType && method.authorizationType !== 'NONE') throw internal(`${verb} ${resource.path} uses ${method.authorizationType} authorization, which the local stage does not support`);
    if (method.apiKeyRequired) throw internal(`${verb} ${resource.path} requires an API key, which the local stage does not support`);
    await validate(restApiId, method, params, contentType, body);

    const integration: Integration | undefined = method.methodIntegration;
    if (!integration) throw internal(`${verb} ${resource.path} has no integration`);
    const context = {
      requestId,
      extendedRequestId,
      apiId: restApiId,
      stage: stageName,
      httpMethod: verb,
      resourcePath: resource.path,
      resourceId: resource.id,
      path: `/${stageName}${url.pathname.slice(`/${restApiId}/${stageName}`.length) || '/'}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestTime: clfTime(started),
      requestTimeEpoch: started.getTime(),
      accountId: await account(),
      domainName: (lowered.host ?? '127.0.0.1').replace(/:\d+$/, ''),
      identity: { sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1', userAgent: lowered['user-agent'] ?? '' },
    };

    // The request template for the Content-Type, or the passthrough rule (API Gateway's table).
    const templates = integration.requestTemplates ?? {};
    const chosen = byMediaType(templates, contentType);
    let integrationBody: string;
    if (chosen && chosen[1] !== null && chosen[1] !== undefined) {
      try {
        integrationBody = renderTemplate(chosen[1], { input: inputOf(body, params), context, stageVariables });
      } catch (error) {
        throw internal(`Execution failed due to configuration error: Unable to transform request: ${(error as Error).message}`);
      }
    } else {
      const behavior = integration.passthroughBehavior ?? 'WHEN_NO_MATCH';
      if (behavior === 'NEVER' || (behavior === 'WHEN_NO_TEMPLATES' && Object.keys(templates).length)) {
        throw new GatewayAnswer(415, 'UnsupportedMediaTypeException', 'Unsupported Media Type');
      }
      integrationBody = body;
    }

    let answer: BackendAnswer;
    let selector: string;
    if (integration.type === 'MOCK') {
      // A mock's "backend status" is the statusCode its request template names (200 without one).
      let status = 200;
      try {
        const parsed = integrationBody.trim() ? (JSON.parse(integrationBody) as { statusCode?: unknown }) : {};
        if (parsed.statusCode !== undefined) status = Number(parsed.statusCode);
      } catch {
        throw internal('the MOCK integration\'s request template does not render JSON with a "statusCode"');
      }
      answer = { status, headers: {}, body: '' };
      selector = String(status);
    } else if (integration.type === 'AWS') {
      const backendHeaders: Record<string, string> = {};
      const query: [string, string][] = [];
      let target;
      try {
        target = parseServiceUri(integration.uri);
        for (const [key, source] of Object.entries(integration.requestParameters ?? {})) {
          const m = /^integration\.request\.(header|querystring|path)\.(.+)$/.exec(key);
          if (!m) continue;
          const value = parameterValue(source, params, body, context, stageVariables);
          if (value === undefined) continue;
          if (m[1] === 'header') backendHeaders[m[2]!.toLowerCase()] = value;
          else if (m[1] === 'querystring') query.push([m[2]!, value]);
          else target.path = target.path.replaceAll(`{${m[2]}}`, encodeURIComponent(value));
        }
        backendHeaders['content-type'] ??= chosen ? 'application/json' : lowered['content-type'] ?? 'application/json';
        const roleCredentials = await role(integration.credentials, requestId, generations?.iam);
        const timeout = Number(integration.timeoutInMillis) > 0 ? Number(integration.timeoutInMillis) : DEFAULT_TIMEOUT_MS;
        answer = await callService(options.endpoint, target, { method: integration.httpMethod ?? 'POST', headers: backendHeaders, query, body: integrationBody }, roleCredentials, timeout);
      } catch (error) {
        if (error instanceof IntegrationTimeout) throw new GatewayAnswer(504, 'InternalServerErrorException', 'Endpoint request timed out', `the ${integration.uri} call: ${error.message}`);
        if (error instanceof ConfigurationError) throw internal(`Execution failed due to configuration error: ${error.message}`);
        throw error;
      }
      selector = String(answer.status);
      // Lambda's errors (a function error answers 200 with X-Amz-Function-Error) select by errorMessage.
      if (target.service === 'lambda' && answer.headers['x-amz-function-error']) {
        try {
          selector = String((JSON.parse(answer.body) as { errorMessage?: unknown }).errorMessage ?? '');
        } catch {
          selector = answer.body;
        }
      }
    } else {
      throw internal(`${verb} ${resource.path} has a ${integration.type} integration, which the local stage does not support (AWS and MOCK only)`);
    }

    const response = selectResponse(integration.integrationResponses, selector);
    if (!response) throw internal(`Execution failed due to configuration error: No match for output mapping and no default output mapping configured (the backend answered ${answer.status})`);
    const responseTemplates = Object.entries(response.responseTemplates ?? {}).filter(([, t]) => t !== null && t !== undefined) as [string, string][];
    const accepted = (lowered.accept ?? '').split(',').map(mediaType).filter((t): t is string => !!t);
    const template = [...accepted, 'application/json'].map((t) => responseTemplates.find(([k]) => k.toLowerCase() === t)).find(Boolean) ?? responseTemplates[0];
    let out = answer.body;
    if (template) {
      try {
        out = renderTemplate(template[1], { input: inputOf(answer.body, params), context, stageVariables });
      } catch (error) {
        throw internal(`Execution failed due to configuration error: Unable to transform response: ${(error as Error).message}`);
      }
    }
    const headers: Record<string, string> = { 'content-type': template?.[0] ?? 'application/json' };
    for (const [key, source] of Object.entries(response.responseParameters ?? {})) {
      const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
      if (!name) continue;
      const literal = /^'(.*)'$/s.exec(source);
      const fromHeader = /^integration\.response\.header\.(.+)$/.exec(source)?.[1];
      const fromBody = /^integration\.response\.body(?:\.(.+))?$/.exec(source);
      let value: unknown;
      if (literal) value = literal[1];
      else if (fromHeader) value = answer.headers[fromHeader.toLowerCase()];
      else if (fromBody) {
        try {
          value = fromBody[1] ? jsonPath(JSON.parse(answer.body), `$.${fromBody[1]}`) : answer.body;
        } catch {
          value = undefined;
        }
      }
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return { status: Number(response.statusCode), headers, body: out };
  }

  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = new Date();
    const requestId = randomUUID();
    const extendedRequestId = randomBytes(6).toString('base64').replace(/[+/]/g, 'A') + '=';
    const send = (status: number, headers: Record<string, string>, body: string) => {
      if (res.headersSent) return;
      res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId, 'x-amz-apigw-id': extendedRequestId, date: started.toUTCString() });
      res.end(body);
    };
    const fail = (error: unknown) => {
      if (error instanceof GatewayAnswer) {
        if (error.note) note(requestId, error.note);
        send(error.status, { 'content-type': 'application/json', 'x-amzn-errortype': error.errorType }, JSON.stringify({ message: error.message }));
        return;
      }
      note(requestId, `Execution failed: ${(error as Error)?.stack ?? String(error)}`);
      send(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerErrorException' }, JSON.stringify({ message: 'Internal server error' }));
    };
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => new GatewayAnswer(413, 'RequestTooLongException', 'Request Too Long');
    if (declared > MAX_BODY_BYTES) {
      fail(tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) over = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (over) return fail(tooLarge());
      handle(req, Buffer.concat(chunks).toString('utf8'), requestId, extendedRequestId, started).then(
        (answer) => send(answer.status, answer.headers, answer.body),
        fail,
      );
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      for (const client of [apigateway, iam, sts]) client.destroy();
    },
  };
}
