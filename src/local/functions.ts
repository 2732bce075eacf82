// The functions, run as Lambda runs them: the code read back from the local AWS as any
// client reads it (GetFunction, then GET its Code.Location), unpacked once per CodeSha256
// into a folder where only the AWS SDK is importable (sdk-folder.ts), and run in Node child
// processes (execution environments, reused while warm) with the function's handler,
// environment, memory and timeout. A run past its timeout is killed and logged as Lambda
// logs it. Unpacking uses Python's zipfile: Python is there anyway (moto), and it adds no
// dependency to poc.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { BOOTSTRAP } from './bootstrap.js';
import { LogStream, reportLine } from './function-logs.js';
import { CHANGES_WAIT_S, changes } from './changes.js';

export interface LocalEndpoint {
  endpoint: string;
}

export interface InvokeResult {
  ok: boolean;
  result?: unknown;
  error?: { errorType: string; errorMessage: string };
  /** How the run ended when it did not return: Lambda's "Unhandled" for an error, a timeout, the process dying. */
  functionError?: 'Unhandled';
}

interface Config {
  arn: string;
  name: string;
  region: string;
  handler: string;
  timeout: number;
  memory: number;
  env: Record<string, string>;
  sha: string;
  revision: string;
  location: string;
}

interface Environment {
  key: string;
  child: ChildProcess;
  logs: LogStream;
  busy: boolean;
  /** Init duration to report with the first invocation only. */
  initMs?: number;
  ready: Promise<void>;
  waiting?: { id: string; resolve(msg: { result?: unknown; error?: InvokeResult['error'] }): void };
  /** Output not yet ended by a newline. */
  partial: string;
}

export const FAKE_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SESSION_TOKEN: 'testing' };

export class Functions {
  private readonly idle = new Map<string, Environment[]>();
  private readonly all = new Set<Environment>();
  private readonly unpacked = new Map<string, Promise<string>>();
  private readonly lambdas = new Map<string, LambdaClient>();
  private readonly logClients = new Map<string, CloudWatchLogsClient>();
  private readonly configs = new Map<string, { generation: number; config: Config }>();
  private watching: Promise<void> | undefined;
  invocations = 0;

  constructor(
    private readonly options: {
      endpoint: string;
      /** The runtime folder (sdk-folder.ts): code is unpacked below it. */
      root: string;
      python: string;
      /** The node that runs the functions (process.execPath unless POC_LAMBDA_NODE names another). */
      node: string;
      log: (text: string) => void;
    },
  ) {
    writeFileSync(join(options.root, 'bootstrap.mjs'), BOOTSTRAP);
  }

  client(region: string): LambdaClient {
    let c = this.lambdas.get(region);
    if (!c) this.lambdas.set(region, (c = new LambdaClient({ region, endpoint: this.options.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })));
    return c;
  }

  private logsClient(region: string): CloudWatchLogsClient {
    let c = this.logClients.get(region);
    if (!c) this.logClients.set(region, (c = new CloudWatchLogsClient({ region, endpoint: this.options.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })));
    return c;
  }

  /** Invokes the function (name or ARN) synchronously with this event, as Lambda's RequestResponse. */
  async invoke(functionArn: string, event: unknown): Promise<InvokeResult> {
    const region = functionArn.startsWith('arn:') ? functionArn.split(':')[3]! : 'us-east-1';
    const config = await this.config(functionArn, region);
    const env = await this.environment(config);
    this.invocations++;
    const id = randomUUID();
    const started = performance.now();
    const init = env.initMs;
    env.initMs = undefined;
    env.logs.line(`START RequestId: ${id} Version: $LATEST`);
    const deadline = Date.now() + config.timeout * 1000;
    const outcome = await new Promise<{ result?: unknown; error?: InvokeResult['error']; timedOut?: boolean; died?: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ timedOut: true }), config.timeout * 1000);
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        resolve({ died: signal ?? `exit status ${code}` });
      };
      env.child.once('exit', onExit);
      env.waiting = {
        id,
        resolve: (msg) => {
          clearTimeout(timer);
          env.child.off('exit', onExit);
          resolve(msg);
        },
      };
      env.child.send({ id, event, deadline });
    });
    env.waiting = undefined;
    const ms = performance.now() - started;
    const usedMb = Math.round((process.memoryUsage().rss / 1048576) * 0.5);
    if (outcome.timedOut || outcome.died) {
      // Lambda ends an environment whose run timed out or crashed; the next run starts a new one.
      this.retire(env);
      env.logs.line(`END RequestId: ${id}`);
      if (outcome.timedOut) {
        env.logs.line(reportLine(id, config.timeout * 1000, config.memory, usedMb, init, 'timeout'));
        env.logs.line(`${new Date().toISOString()} ${id} Task timed out after ${config.timeout.toFixed(2)} seconds`);
      } else {
        env.logs.line(`${new Date().toISOString()} ${id} Error: Runtime exited with error: ${outcome.died}\nRuntime.ExitError`);
        env.logs.line(reportLine(id, ms, config.memory, usedMb, init, 'error'));
      }
      await env.logs.flush();
      const error = outcome.timedOut
        ? { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${config.timeout.toFixed(2)} seconds` }
        : { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${outcome.died}` };
      return { ok: false, error, functionError: 'Unhandled' };
    }
    if (outcome.error) env.logs.line(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${JSON.stringify(outcome.error)}`);
    env.logs.line(`END RequestId: ${id}`);
    env.logs.line(reportLine(id, ms, config.memory, usedMb, init));
    env.busy = false;
    this.idle.get(env.key)?.push(env);
    // The lines go out in order, as the next run goes on: Lambda's trigger does not wait for
    // CloudWatch Logs either (close() waits for what is still on its way).
    void env.logs.flush();
    return outcome.error ? { ok: false, error: outcome.error, functionError: 'Unhandled' } : { ok: true, result: outcome.result };
  }

  /** The launcher's "lambda" counter as last seen by `watchLambda`, while that watch runs. */
  private lambdaGeneration: number | undefined;
  private readonly stopWatching = new AbortController();

  /**
   * Keeps `lambdaGeneration` current with one long poll (/_poc/changes answers as soon as a
   * change is made through Lambda's API, before that call's own answer): an invoke reads no
   * counter of its own. As on AWS, an invoke that races an update may run what was there
   * before (Lambda runs the old code and settings until the update is Successful).
   */
  private async watchLambda() {
    const signal = this.stopWatching.signal;
    let seen = -1;
    while (!signal.aborted) {
      try {
        seen = await changes(this.options.endpoint, 'lambda', seen, CHANGES_WAIT_S, signal);
        this.lambdaGeneration = seen;
      } catch {
        if (signal.aborted) return;
        // Not known until the emulator answers again: each invoke reads the counter itself.
        this.lambdaGeneration = undefined;
        seen = -1;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** The function's configuration as GetFunction gives it, read again only when Lambda's API changed something since. */
  private async config(functionArn: string, region: string): Promise<Config> {
    if (!this.watching) this.watching = this.watchLambda();
    const generation = this.lambdaGeneration ?? (await changes(this.options.endpoint, 'lambda', -1, 0));
    const cached = this.configs.get(functionArn);
    if (cached?.generation === generation) return cached.config;
    const got = await this.client(region).send(new GetFunctionCommand({ FunctionName: functionArn }));
    const c = got.Configuration!;
    const config: Config = {
      arn: c.FunctionArn!,
      name: c.FunctionName!,
      region,
      handler: c.Handler ?? 'index.handler',
      timeout: c.Timeout ?? 3,
      memory: c.MemorySize ?? 128,
      env: c.Environment?.Variables ?? {},
      sha: c.CodeSha256 ?? '',
      // Any change of code or configuration starts new environments, as on AWS. What an
      // environment is made from is compared itself: moto changes neither LastModified nor
      // RevisionId on UpdateFunctionConfiguration.
      revision: JSON.stringify([c.CodeSha256, c.LastModified, c.RevisionId, c.Handler, c.Timeout, c.MemorySize, c.Environment?.Variables ?? {}]),
      location: got.Code?.Location ?? '',
    };
    this.configs.set(functionArn, { generation, config });
    return config;
  }

  /** The code folder for this CodeSha256: downloaded from Code.Location and unpacked once. */
  private code(config: Config): Promise<string> {
    const key = Buffer.from(config.sha, 'base64').toString('hex') || config.name;
    let pending = this.unpacked.get(key);
    if (!pending) {
      pending = (async () => {
        if (!config.location.startsWith('http')) throw new Error(`${config.name} has no code location to read (GetFunction gave "${config.location}")`);
        const res = await fetch(config.location);
        if (!res.ok) throw new Error(`reading ${config.name}'s code from ${config.location}: HTTP ${res.status}`);
        const dir = join(this.options.root, `task-${key.slice(0, 16)}`);
        mkdirSync(dir, { recursive: true });
        const zip = join(this.options.root, `${key.slice(0, 16)}.zip`);
        writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
        const unzip = spawnSync(this.options.python, ['-m', 'zipfile', '-e', zip, dir], { encoding: 'utf8' });
        if (unzip.status !== 0) throw new Error(`unpacking ${config.name}'s code: ${unzip.stderr}`);
        return dir;
      })();
      pending.catch(() => this.unpacked.delete(key));
      this.unpacked.set(key, pending);
    }
    return pending;
  }

  private async environment(config: Config): Promise<Environment> {
    const key = `${config.arn}|${config.revision}`;
    const idle = this.idle.get(key) ?? [];
    this.idle.set(key, idle);
    // Environments of an older revision are no longer used.
    for (const [k, list] of this.idle) if (k.startsWith(`${config.arn}|`) && k !== key) for (const e of list.splice(0)) this.retire(e);
    const warm = idle.pop();
    if (warm && warm.child.exitCode === null) {
      warm.busy = true;
      return warm;
    }
    const task = await this.code(config);
    const logs = new LogStream(this.logsClient(config.region), config.name, (error) => this.options.log(`CloudWatch Logs refused ${config.name}'s lines: ${(error as Error).message}`));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      LAMBDA_TASK_ROOT: task,
      LAMBDA_RUNTIME_DIR: this.options.root,
      _HANDLER: config.handler,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs',
      AWS_REGION: config.region,
      AWS_DEFAULT_REGION: config.region,
      AWS_LAMBDA_FUNCTION_NAME: config.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memory),
      AWS_LAMBDA_LOG_GROUP_NAME: logs.group,
      AWS_LAMBDA_LOG_STREAM_NAME: logs.name,
      AWS_ENDPOINT_URL: this.options.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POC_FUNCTION_ARN: config.arn,
      ...FAKE_CREDENTIALS,
      // The function's own variables; Lambda's reserved ones cannot be set by it (AWS refuses them at create time).
      ...config.env,
    };
    const started = performance.now();
    const child = fork(join(this.options.root, 'bootstrap.mjs'), [], {
      cwd: task,
      env,
      execPath: this.options.node,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const environment: Environment = { key, child, logs, busy: true, partial: '', ready: Promise.resolve() };
    this.all.add(environment);
    const onOutput = (chunk: Buffer) => {
      const text = environment.partial + chunk.toString('utf8');
      const lines = text.split('\n');
      environment.partial = lines.pop() ?? '';
      for (const line of lines) logs.line(line);
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.on('message', (msg: { ready?: boolean; id?: string; result?: unknown; error?: InvokeResult['error'] }) => {
      if (msg.id && environment.waiting?.id === msg.id) environment.waiting.resolve(msg);
    });
    child.on('exit', () => {
      this.all.delete(environment);
      const list = this.idle.get(key);
      const at = list?.indexOf(environment) ?? -1;
      if (at >= 0) list!.splice(at, 1);
    });
    environment.ready = new Promise<void>((resolve, reject) => {
      const onReady = (msg: { ready?: boolean }) => {
        if (!msg.ready) return;
        child.off('message', onReady);
        resolve();
      };
      child.on('message', onReady);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${config.name}'s environment exited (${code}) before it was ready`)));
    });
    await environment.ready;
    environment.initMs = performance.now() - started;
    return environment;
  }

  private retire(env: Environment) {
    this.all.delete(env);
    if (env.child.exitCode === null) env.child.kill('SIGKILL');
    if (env.partial) env.logs.line(env.partial);
    void env.logs.flush();
  }

  /** Execution environments alive now. */
  get running(): number {
    return this.all.size;
  }

  async close() {
    this.stopWatching.abort();
    await this.watching;
    const flushes = [...this.all].map((e) => e.logs.flush());
    for (const e of [...this.all]) this.retire(e);
    await Promise.all(flushes);
  }
}

