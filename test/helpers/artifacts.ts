// What moto cannot run, run from the real artifacts:
// - a function's zip, exactly as setup uploaded it (taken from the CreateFunction /
//   UpdateFunctionCode request on the wire), unpacked into an empty folder and called
//   through its handler string by a separate Node process that can import only what the
//   Lambda Node.js runtime provides: the AWS SDK v3 and what it needs, not the project's
//   node_modules;
// - the API's integration as stored (read back with GetIntegration), its mapping template
//   rendered by a Velocity engine (velocityjs, as serverless-offline does) with API
//   Gateway's $input.body and $util.urlEncode, and sent to SQS as API Gateway would;
// - the API's request model (GetModel) compiled by a draft-04 JSON-schema validator.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { Compile, parse } from 'velocityjs';
import { ROOT } from './cli.js';
import { onRequest } from './model-check-proxy.js';

// ---- the function zip ----

/** Every function zip sent to the emulator while `capture` is on, by function name (the last upload wins). */
export function captureFunctionZips(): { zips: Map<string, Buffer>; stop(): void } {
  const zips = new Map<string, Buffer>();
  const stop = onRequest((seen) => {
    if (seen.service !== 'lambda' || !seen.input) return;
    const name = String(seen.input.FunctionName ?? '').split(':').pop()!;
    if (seen.operation === 'CreateFunction') {
      const zip = (seen.input.Code as { ZipFile?: Buffer } | undefined)?.ZipFile;
      if (zip) zips.set(name, zip);
    } else if (seen.operation === 'UpdateFunctionCode' && Buffer.isBuffer(seen.input.ZipFile)) {
      zips.set(name, seen.input.ZipFile);
    }
  });
  return { zips, stop };
}

/**
 * The Lambda Node.js runtime's importable packages: @aws-sdk/* and their dependency
 * closure (from package-lock.json), linked into <folder>/node_modules. A function unpacked
 * into <folder>/task resolves bare imports there and nowhere else (no node_modules above
 * the temp folder; no NODE_PATH).
 */
export function runtimePackages(lock = join(ROOT, 'package-lock.json')): string[] {
  const { packages } = JSON.parse(readFileSync(lock, 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> }> };
  const resolve = (from: string, dep: string): string | undefined => {
    for (let base = from; ; base = base.slice(0, base.lastIndexOf('/node_modules/'))) {
      const candidate = `${base}/node_modules/${dep}`;
      if (packages[candidate]) return candidate;
      if (!base.includes('/node_modules/')) break;
    }
    return packages[`node_modules/${dep}`] ? `node_modules/${dep}` : undefined;
  };
  const seen = new Set<string>();
  const todo = Object.keys(packages).filter((p) => /^node_modules\/@aws-sdk\/[^/]+$/.test(p));
  while (todo.length) {
    const path = todo.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = packages[path]!;
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) {
      const found = resolve(path, dep);
      if (found) todo.push(found);
    }
  }
  // Only top-level entries are linked; nested ones are found from their parent's real path.
  return [...seen].filter((p) => !p.slice('node_modules/'.length).includes('/node_modules/')).map((p) => p.slice('node_modules/'.length)).sort();
}

let runtimeRoot: string | undefined;
function lambdaRuntime(): string {
  if (runtimeRoot) return runtimeRoot;
  const root = mkdtempSync(join(tmpdir(), 'poc-lambda-runtime-'));
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) throw new Error(`${join(dir, 'node_modules')} exists: a function unpacked below it could import from it`);
    if (dir === dirname(dir)) break;
  }
  for (const name of runtimePackages()) {
    const link = join(root, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), link, 'dir');
  }
  // The runtime's own loop, reduced: find the module the handler string names (.js, .mjs,
  // .cjs, as the Node.js runtime does), call the export with the event, write the result.
  writeFileSync(
    join(root, 'bootstrap.mjs'),
    `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [taskRoot, handlerString, eventFile, resultFile] = process.argv.slice(2);
const dot = handlerString.lastIndexOf('.');
const modulePath = handlerString.slice(0, dot);
const exportName = handlerString.slice(dot + 1);
const file = ['.js', '.mjs', '.cjs'].map((ext) => join(taskRoot, modulePath + ext)).find((f) => existsSync(f));
if (!file) throw new Error('Runtime.ImportModuleError: Cannot find module ' + modulePath);
const mod = await import(pathToFileURL(file).href);
const fn = mod[exportName] ?? mod.default?.[exportName];
if (typeof fn !== 'function') throw new Error('Runtime.HandlerNotFound: ' + handlerString + ' is undefined or not exported');
const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: 'req-' + Date.now(), getRemainingTimeInMillis: () => 10000 };
const result = await fn(JSON.parse(readFileSync(eventFile, 'utf8')), context);
writeFileSync(resultFile, JSON.stringify(result ?? null));
`,
  );
  runtimeRoot = root;
  return root;
}

/** Unpacks the zip into a new, empty task folder beside the runtime's node_modules. */
export function unpack(zip: Buffer): string {
  const root = lambdaRuntime();
  const task = mkdtempSync(join(root, 'task-'));
  const file = join(root, `${task.split('/').pop()}.zip`);
  writeFileSync(file, zip);
  execFileSync(process.env.POC_PYTHON ?? 'python3', ['-m', 'zipfile', '-e', file, task]);
  return task;
}

export interface Invocation {
  code: number | null;
  result?: unknown;
  stdout: string;
  stderr: string;
}

/** Invokes the unpacked function through its handler string, in its own Node process, with only `env` set. */
export async function invoke(task: string, handler: string, event: unknown, env: Record<string, string>): Promise<Invocation> {
  const root = lambdaRuntime();
  const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const eventFile = join(root, `event-${id}.json`);
  const resultFile = join(root, `result-${id}.json`);
  writeFileSync(eventFile, JSON.stringify(event));
  const child = spawn(process.execPath, [join(root, 'bootstrap.mjs'), task, handler, eventFile, resultFile], {
    cwd: task,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LAMBDA_TASK_ROOT: task, _HANDLER: handler, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const result = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : undefined;
  return { code, result, stdout, stderr };
}

// ---- the API's integration ----

/**
 * java.net.URLEncoder.encode(s, "UTF-8"), which API Gateway's $util.urlEncode is: letters,
 * digits and . - * _ stay; a space becomes +; every other byte of the UTF-8 form is %XX.
 */
export function javaUrlEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[a-zA-Z0-9.\-*_]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A mapping template rendered as API Gateway does for a request with this body ($input.body, $input.json, $util.*). */
export function renderTemplate(template: string, body: string): string {
  const context = {
    input: {
      body,
      json: (path: string) => (path === '$' ? body : (() => { throw new Error(`$input.json('${path}') is not supported here`); })()),
    },
    util: {
      urlEncode: javaUrlEncode,
      urlDecode: (s: string) => decodeURIComponent(s.replace(/\+/g, ' ')),
      base64Encode: (s: string) => Buffer.from(s, 'utf8').toString('base64'),
      base64Decode: (s: string) => Buffer.from(s, 'base64').toString('utf8'),
      escapeJavaScript: (s: string) => JSON.stringify(s).slice(1, -1).replace(/'/g, "\\'"),
      parseJson: (s: string) => JSON.parse(s),
    },
  };
  return new Compile(parse(template), { escape: false }).render(context);
}

export interface StoredIntegration {
  uri?: string;
  httpMethod?: string;
  requestParameters?: Record<string, string>;
  requestTemplates?: Record<string, string>;
}

/**
 * Sends the rendered request where an AWS integration of type "sqs:path/<account>/<queue>"
 * sends it: POST to the queue's path on the SQS endpoint, with the static header values the
 * integration's request parameters map ('...' literals). Goes straight to moto: this is
 * API Gateway's request, not poc's.
 */
export async function sendLikeApiGateway(integration: StoredIntegration, body: string, sqsEndpoint: string, contentType = 'application/json'): Promise<{ status: number; text: string; sent: string }> {
  const path = /^arn:aws:apigateway:[^:]+:sqs:path\/(.+)$/.exec(integration.uri ?? '')?.[1];
  if (!path) throw new Error(`not an SQS path integration: ${integration.uri}`);
  const template = integration.requestTemplates?.[contentType];
  if (template === undefined) throw new Error(`no request template for ${contentType}`);
  const rendered = renderTemplate(template, body);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(integration.requestParameters ?? {})) {
    const name = /^integration\.request\.header\.(.+)$/.exec(key)?.[1];
    const literal = /^'(.*)'$/.exec(value)?.[1];
    if (name && literal !== undefined) headers[name] = literal;
  }
  // API Gateway signs this call with the integration's role (credentials); moto routes by the
  // SigV4 credential scope and does not verify signatures, so the scope is what matters here.
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=testing/${day}/us-east-1/sqs/aws4_request, SignedHeaders=content-type;host, Signature=0`;
  const target = new URL(`/${path}`, sqsEndpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method: integration.httpMethod ?? 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(rendered) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, sent: rendered }));
    });
    req.on('error', reject);
    req.end(rendered);
  });
}

/** The stored request model's schema, compiled as API Gateway's validator reads it (JSON Schema draft 4). */
export function requestValidator(schema: string): (value: unknown) => boolean {
  // ajv-draft-04 is CommonJS with the class on .default.
  const Ajv = (createRequire(import.meta.url)('ajv-draft-04') as { default: new (options: object) => { compile(schema: object): (value: unknown) => boolean } }).default;
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(JSON.parse(schema));
  return (value) => validate(value) as boolean;
}

/** The lab API's POST integration and its request model, read back from the emulator (not from poc's constants). */
export async function storedApi(apigateway: import('@aws-sdk/client-api-gateway').APIGateway, apiName: string, path = '/orders') {
  const { items: apis = [] } = await apigateway.getRestApis({ limit: 500 });
  const restApiId = apis.find((a) => a.name === apiName)?.id;
  if (!restApiId) throw new Error(`no REST API named ${apiName}`);
  const { items: resources = [] } = await apigateway.getResources({ restApiId, limit: 500 });
  const resourceId = resources.find((r) => r.path === path)?.id;
  if (!resourceId) throw new Error(`${apiName} has no ${path}`);
  const integration = await apigateway.getIntegration({ restApiId, resourceId, httpMethod: 'POST' });
  const method = await apigateway.getMethod({ restApiId, resourceId, httpMethod: 'POST' });
  const modelName = method.requestModels?.['application/json'];
  const model = modelName ? await apigateway.getModel({ restApiId, modelName }) : undefined;
  const validator = method.requestValidatorId ? await apigateway.getRequestValidator({ restApiId, requestValidatorId: method.requestValidatorId }) : undefined;
  return { restApiId, integration, method, model, validator };
}

/** A zip holding these files, made the way any zip tool would (archiver), not by poc's own zip code. */
export async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const { default: archiver } = await import('archiver');
  const archive = archiver('zip');
  const chunks: Buffer[] = [];
  archive.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  for (const [name, text] of Object.entries(files)) archive.append(text, { name });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}
