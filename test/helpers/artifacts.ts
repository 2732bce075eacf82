// What moto cannot run, run from the real artifacts:
// - a function's zip, exactly as setup uploaded it (taken from the CreateFunction /
//   UpdateFunctionCode request on the wire), unpacked into an empty folder and called
//   through its handler string by a separate Node process that can import only what the
//   Lambda Node.js runtime provides: the AWS SDK v3 and what it needs, not the project's
//   node_modules.
// The API's stage is no longer played here: poc's local stage (src/local/stage.ts) serves
// it over HTTP from what is stored, and the tests call it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRuntimeFolder, runtimePackages as sdkPackages } from '../../src/local/sdk-folder.js';
import { runtimeNode } from './lambda-node.js';
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
 * The Lambda Node.js runtime's importable packages, linked into a folder by poc's own code
 * (src/local/sdk-folder.ts), but fewer: the SDK's clients (@aws-sdk/client-*; Lambda
 * promises "a version of the SDK", not its utilities such as util-dynamodb, which a function
 * must bundle) and what they need. A function unpacked below the folder resolves bare
 * imports there and nowhere else (no node_modules above the temp folder; no NODE_PATH).
 */
export const lambdaPackages = (): Map<string, string> => sdkPackages(undefined, (name) => name.startsWith('client-'));
export const runtimePackages = (): string[] => [...lambdaPackages().keys()].sort();

let runtimeRoot: string | undefined;
function lambdaRuntime(): string {
  if (runtimeRoot) return runtimeRoot;
  const root = makeRuntimeFolder('poc-lambda-runtime-', lambdaPackages());
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

/** Invokes the unpacked function through its handler string, in its own process of the runtime's Node (lambda-node.ts), with only `env` set. */
export async function invoke(task: string, handler: string, event: unknown, env: Record<string, string>, runtime = 'nodejs22.x'): Promise<Invocation> {
  const root = lambdaRuntime();
  const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const eventFile = join(root, `event-${id}.json`);
  const resultFile = join(root, `result-${id}.json`);
  writeFileSync(eventFile, JSON.stringify(event));
  const child = spawn(runtimeNode(runtime), [join(root, 'bootstrap.mjs'), task, handler, eventFile, resultFile], {
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
