// The local AWS, running: moto (patched by moto-launcher.py) on a loopback port, and around
// it what AWS does that moto does not: the functions (functions.ts), their pollers
// (pollers.ts), the API's stage (stage.ts). It reads the emulator as any AWS client does and
// knows no lab. start() resolves once every part answers and the state file says where;
// stop() ends exactly what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { PocError, UsageError } from '../errors.js';
import { lambdaNode } from './lambda-node.js';
import { findMoto, lastPython, launcherPath, rememberPython } from './moto.js';
import { freePort, portBusy } from './ports.js';
import { logFile, readState, removeState, writeState, type LocalState } from './state.js';

export interface StartOptions {
  /** moto's port (default: a free one). */
  port?: number;
  stagePort?: number;
  /** Ctrl-C: a start under way stops and leaves nothing running. */
  signal?: AbortSignal;
  say?: (text: string) => void;
  /** Lines for the runtime's log (a poller's error, a function's batch given up). */
  log?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface Running {
  state: LocalState;
  /** Resolves when the local AWS stops: asked to (undefined) or because moto died (the error). */
  ended: Promise<PocError | undefined>;
  stop(): Promise<void>;
  stats(): { functions: number; pollers: number; invocations: number };
}

export function alreadyRuns(state: LocalState): UsageError {
  return new UsageError(
    `The local AWS already runs (pid ${state.pid}, since ${state.startedAt}): AWS at ${state.endpoint}, the API stage at ${state.stageUrl}.`,
    'Use it with --local on any command, or stop it first: poc local stop',
  );
}

export async function start(options: StartOptions = {}): Promise<Running> {
  const env = options.env ?? process.env;
  const say = options.say ?? (() => {});
  const log = options.log ?? say;
  const signal = options.signal ?? new AbortController().signal;
  const running = readState(env);
  if (running) throw alreadyRuns(running);
  for (const [port, flag] of [
    [options.port, '--port'],
    [options.stagePort, '--stage-port'],
  ] as const) {
    if (port !== undefined && (await portBusy(port))) {
      throw new UsageError(`Port ${port} on 127.0.0.1 is in use by another program.`, `Choose another with ${flag} <n>, or leave ${flag} out for a free one.`);
    }
  }
  const port = options.port ?? (await freePort());
  const launch = (python: string) => {
    const child = spawn(python, [launcherPath(), '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, MOTO_IAM_LOAD_MANAGED_POLICIES: env.MOTO_IAM_LOAD_MANAGED_POLICIES ?? 'true' } });
    const launched = { child, error: undefined as Error | undefined };
    child.once('error', (error) => (launched.error = error));
    return launched;
  };
  // moto takes a second or two to start, and finding the Python that has it as long (through
  // a version manager's shim): the interpreter found last time starts it at once, and is
  // stopped for another if findMoto finds another now.
  const guess = lastPython(env);
  let early = guess ? launch(guess) : undefined;
  let python: string;
  try {
    ({ python } = findMoto(say, env));
  } catch (error) {
    if (early) await stopProcess(early.child);
    throw error;
  }
  rememberPython(python, env);
  if (early && python !== guess) {
    await stopProcess(early.child);
    early = undefined;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  const stopping = new AbortController();
  let moto: ChildProcess;
  let preparing: Promise<unknown> = Promise.resolve();
  try {
    const launched = early ?? launch(python);
    moto = launched.child;
    let stderr = '';
    moto.stderr!.on('data', (c) => {
      stderr = (stderr + c).slice(-4000);
      // moto's own errors (a traceback when it fails a request) belong in the runtime's log.
      log(`moto: ${String(c).trimEnd()}`);
    });
    cleanups.push(() => stopProcess(moto));
    // What needs no emulator is made while moto starts (Python takes seconds to import it):
    // the runtime's own modules (the SDK clients they load take as long), the functions'
    // folder and the stage's server.
    const parts = (async () => {
      const [{ Functions }, { deliverS3Events, Pollers }, { startStage }, { makeRuntimeFolder }] = await Promise.all([import('./functions.js'), import('./pollers.js'), import('./stage.js'), import('./sdk-folder.js')]);
      const functionsDir = makeRuntimeFolder();
      cleanups.push(() => rmSync(functionsDir, { recursive: true, force: true }));
      const stage = await startStage({ endpoint, region: env.AWS_REGION || 'us-east-1', port: options.stagePort });
      cleanups.push(() => stage.close());
      return { Functions, Pollers, deliverS3Events, functionsDir, stage };
    })();
    preparing = parts.catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (c: Buffer) => {
        out += c;
        if (out.includes('listening')) {
          moto.stdout!.off('data', onData);
          resolve();
        }
      };
      moto.stdout!.on('data', onData);
      const onExit = (code: number | null) => {
        if (code === 4) reject(new UsageError(`Port ${port} on 127.0.0.1 is in use by another program.`, 'Choose another with --port <n>, or leave --port out for a free one.'));
        else reject(new PocError(`The emulator (moto) exited with code ${code} before it answered:\n${stderr.trim().split('\n').slice(-8).join('\n')}`, `Check ${python} has moto with its server extras (pip install 'moto[server]'), or run poc local start --verbose.`));
      };
      const onError = (error: Error) => reject(new PocError(`Could not run ${python}: ${error.message}`, 'Set POC_PYTHON to a Python 3, or install python3.'));
      // Started early, it may have ended already.
      if (launched.error) onError(launched.error);
      else if (moto.exitCode !== null || moto.signalCode !== null) onExit(moto.exitCode);
      moto.once('exit', onExit);
      moto.once('error', onError);
      // Ctrl-C during findMoto (a synchronous probe) has already aborted it.
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    moto.stdout!.resume();
    const { Functions, Pollers, deliverS3Events, functionsDir, stage } = await parts;
    const functions = new Functions({ endpoint, root: functionsDir, python, node: lambdaNode(process.version, env), log });
    cleanups.push(() => functions.close());
    const pollers = new Pollers({ endpoint, functions, log, signal: stopping.signal });
    cleanups.push(() => pollers.close());
    if (signal.aborted) throw signal.reason;

    // Mappings come and go with the labs: read again whenever Lambda's API changed something.
    const discover = pollers.watch();
    const s3 = deliverS3Events({ endpoint, moto: endpoint, functions, log, signal: stopping.signal });
    cleanups.push(async () => {
      stopping.abort();
      await Promise.all([discover, s3]);
    });

    const state: LocalState = {
      pid: process.pid,
      motoPid: moto.pid!,
      motoPort: port,
      endpoint,
      stagePort: stage.port,
      stageUrl: stage.url,
      startedAt: new Date().toISOString(),
      logFile: logFile(env),
      functionsDir,
    };
    writeState(state, env);
    cleanups.push(() => removeState(process.pid, env));

    let stopped = false;
    let endedWith: (e: PocError | undefined) => void = () => {};
    const ended = new Promise<PocError | undefined>((resolve) => (endedWith = resolve));
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await cleanup();
      endedWith(undefined);
    };
    moto.once('exit', (code, sig) => {
      if (stopped) return;
      stopped = true;
      const error = new PocError(
        `The emulator (moto, pid ${moto.pid}) stopped unexpectedly (${sig ?? `exit code ${code}`}); the local AWS stopped with it and its state is lost:\n${stderr.trim().split('\n').slice(-8).join('\n')}`,
        'Start it again with poc local start, then build the lab again (poc setup --local).',
      );
      void cleanup().then(() => endedWith(error));
    });
    return { state, ended, stop, stats: () => ({ functions: functions.running, pollers: pollers.count, invocations: functions.invocations }) };
  } catch (error) {
    // What was being made while moto started is finished first, so that cleanup undoes it too.
    await preparing;
    await cleanup();
    throw error;
  }
}

/** SIGTERM, then SIGKILL after 3 s. */
async function stopProcess(child: ChildProcess) {
  // No pid: it never started (its 'error' said why), and no 'exit' may follow.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}
