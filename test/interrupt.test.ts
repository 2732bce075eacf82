// Stopping poc half-way: Ctrl-C (SIGINT) and a hard kill (SIGKILL) at several points of
// `poc setup` (and of `poc cleanup`), run as the real CLI in a child process. Whatever the
// moment, the next setup completes the lab with nothing made twice, and cleanup after an
// interruption leaves nothing.
//
// A proxy in front of moto holds every answer back a little (the request takes effect at
// once, its answer arrives later), so a kill can land in the middle of a task, even
// between a Create* reaching AWS and its answer reaching poc. What exists afterwards is
// read from moto directly. Each case has its own --prefix, so the cases run side by side.
import { setTimeout as delay } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { cleanup } from '../src/commands/cleanup.js';
import { setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { createReporter } from '../src/ui/reporter.js';
import { completeLab, EMPTY_LAB, labInventory, normalised, startFaultProxy, withProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

const REGION = 'us-east-1';
const EMAIL = 'a@example.com';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: '0.01' } });

interface Stop {
  signal: 'SIGINT' | 'SIGKILL';
  /** Milliseconds after the start, or the first stderr text matching this. */
  when: number | RegExp;
  /** Then wait this much longer. */
  delayMs?: number;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The stop was sent while the run was still going. */
  stopped: boolean;
}

interface Child {
  /** Sends the signal if the run is still going (once). */
  stop(signal: Stop['signal']): void;
  /** Sends the signal, however often called. */
  signal(signal: NodeJS.Signals): void;
  /** What it printed on stdout so far. */
  stdout(): string;
  done: Promise<Run>;
}

/** Starts bin/poc.js in a child process; `stop` stops it when the moment comes. */
function start(args: string[], stop?: Stop): Child {
  const child = spawn(process.execPath, ['bin/poc.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION, POC_BACKOFF_SCALE: '0.01' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let stopped = false;
  let exited = false;
  let armed = false;
  const kill = (signal: Stop['signal']) => {
    if (exited || stopped) return;
    stopped = true;
    child.kill(signal);
  };
  const fire = () => {
    if (armed) return;
    armed = true;
    setTimeout(() => kill(stop!.signal), stop!.delayMs ?? 0);
  };
  if (stop && typeof stop.when === 'number') setTimeout(fire, stop.when);
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stop && stop.when instanceof RegExp && stop.when.test(stderr)) fire();
  });
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exited = true;
      resolve({ code, signal, stdout, stderr, stopped });
    });
  });
  return { stop: kill, signal: (sig) => void child.kill(sig), stdout: () => stdout, done };
}

const poc = (args: string[], stop?: Stop) => start(args, stop).done;

const setupArgs = (endpoint: string, prefix: string) => ['setup', '--email', EMAIL, '--endpoint-url', endpoint, '--region', REGION, ...(prefix ? ['--prefix', prefix] : [])];

/** The second run, in-process and straight to moto. */
async function setupAgain(prefix: string) {
  const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
  return setup({ endpointUrl: moto.endpoint, region: REGION, email: EMAIL, ...(prefix ? { prefix } : {}) }, { reporter: await createReporter({ json: true }), aws });
}

async function cleanupAgain(prefix: string) {
  const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
  return cleanup({ endpointUrl: moto.endpoint, region: REGION, yes: true, ...(prefix ? { prefix } : {}) }, { reporter: await createReporter({ json: true }), aws });
}

const why = (result: { error?: { message: string; hint?: string } }) => (result.error ? `${result.error.message}\n  ${result.error.hint ?? ''}` : 'no error');

const withSlowProxy = <T>(latencyMs: number, fn: (proxy: FaultProxy) => Promise<T>) => withProxy({ target: moto.endpoint, latencyMs }, fn);

/** status, straight from moto, finds every resource as the lab wants it. */
async function assertConverged(prefix: string) {
  const seen = await status({ endpointUrl: moto.endpoint, region: REGION, ...(prefix ? { prefix } : {}) }, { aws: await createAws({ endpointUrl: moto.endpoint, region: REGION }) });
  assert.deepEqual(
    seen.resources.filter((r) => r.state !== 'present').map((r) => `${r.name}: ${(r.reasons ?? []).join('; ')}`),
    [],
  );
}

/** The lab was caught half-built (else the case proves nothing). */
async function assertHalfBuilt(prefix: string, run: Run) {
  const partial = normalised(await labInventory(moto.endpoint, prefix));
  assert.notDeepEqual(partial, normalised(completeLab(prefix, EMAIL)), `the stop came after setup had finished:\n${run.stderr}`);
}

describe('interrupting setup, then running it again', { concurrency: true }, () => {
  before(async () => {
    await moto.reset();
  });

  const SIGINTS: { label: string; prefix: string; when: number | RegExp; delayMs?: number }[] = [
    { label: 'during task 1', prefix: '', when: /Account /, delayMs: 300 },
    { label: 'as task 1 is reported', prefix: 'int-t1', when: /Task 1 / },
    { label: 'as task 3 is reported (functions under way)', prefix: 'int-t3', when: /Task 3 / },
    { label: 'while POC-Lambda-1 becomes Active', prefix: 'int-fn', when: /POC-Lambda-1: waiting/ },
  ];
  for (const c of SIGINTS) {
    it(`SIGINT ${c.label}: exit 130, says so and what to do; the next setup completes, nothing twice`, async () => {
      await withSlowProxy(100, async (proxy) => {
        const run = await poc(setupArgs(proxy.endpoint, c.prefix), { signal: 'SIGINT', when: c.when, delayMs: c.delayMs });
        assert.ok(run.stopped, `setup ended before the SIGINT:\n${run.stderr}`);
        assert.equal(run.code, 130, `exit code; stderr:\n${run.stderr}`);
        assert.match(run.stderr, /Interrupted/);
        assert.match(run.stderr, /run the same command again|setup`? again/i, 'says what to do');
        assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
      });
      const again = await setupAgain(c.prefix);
      assert.equal(again.exitCode, 0, why(again));
      assert.deepEqual(normalised(await labInventory(moto.endpoint, c.prefix)), normalised(completeLab(c.prefix, EMAIL)));
      await assertConverged(c.prefix);
    });
  }

  // A hard kill leaves no chance to finish the calls under way. The proxy kills poc the
  // moment the service has answered the named call, and holds that answer back: the
  // request took effect, poc never learned it (the case that makes a re-run meet
  // "already exists", or a second copy where AWS allows one).
  const SIGKILLS: { prefix: string; operation: string }[] = [
    { prefix: 'kill-pol', operation: 'iam:CreatePolicy' },
    { prefix: 'kill-role', operation: 'iam:CreateRole' },
    { prefix: 'kill-att', operation: 'iam:AttachRolePolicy' },
    { prefix: 'kill-tab', operation: 'dynamodb:CreateTable' },
    { prefix: 'kill-str', operation: 'dynamodb:UpdateTable' },
    { prefix: 'kill-q', operation: 'sqs:CreateQueue' },
    { prefix: 'kill-fn', operation: 'lambda:CreateFunction' },
    { prefix: 'kill-esm', operation: 'lambda:CreateEventSourceMapping' },
    { prefix: 'kill-sub', operation: 'sns:Subscribe' },
    { prefix: 'kill-api', operation: 'apigateway:CreateRestApi' },
    { prefix: 'kill-res', operation: 'apigateway:CreateResource' },
    { prefix: 'kill-val', operation: 'apigateway:CreateRequestValidator' },
    { prefix: 'kill-int', operation: 'apigateway:PutIntegration' },
    { prefix: 'kill-dep', operation: 'apigateway:CreateDeployment' },
  ];
  for (const c of SIGKILLS) {
    it(`SIGKILL between ${c.operation} taking effect and its answer: the next setup completes, nothing twice`, async () => {
      let child: Child | undefined;
      const proxy = await startFaultProxy({
        target: moto.endpoint,
        latencyMs: 150,
        onAnswered: (info, status) => {
          if (`${info.service}:${info.operation}` === c.operation && status < 300) child?.stop('SIGKILL');
        },
      });
      let run: Run;
      try {
        child = start(setupArgs(proxy.endpoint, c.prefix));
        run = await child.done;
      } finally {
        await proxy.close();
      }
      assert.ok(run.stopped, `setup ended before ${c.operation} took effect:\n${run.stderr}`);
      assert.equal(run.signal, 'SIGKILL');
      const again = await setupAgain(c.prefix);
      assert.equal(again.exitCode, 0, why(again));
      assert.deepEqual(normalised(await labInventory(moto.endpoint, c.prefix)), normalised(completeLab(c.prefix, EMAIL)));
      await assertConverged(c.prefix);
    });
  }

  it('SIGKILL during setup, then cleanup: nothing is left', async () => {
    const prefix = 'kill-clean';
    const run = await withSlowProxy(150, (proxy) => poc(setupArgs(proxy.endpoint, prefix), { signal: 'SIGKILL', when: /Task 3 /, delayMs: 300 }));
    assert.ok(run.stopped, `setup ended before the SIGKILL:\n${run.stderr}`);
    await assertHalfBuilt(prefix, run);
    const cleaned = await cleanupAgain(prefix);
    assert.equal(cleaned.exitCode, 0, why(cleaned));
    assert.deepEqual(await labInventory(moto.endpoint, prefix), EMPTY_LAB);
  });

  it('SIGINT after cleanup’s last deletion: the exit code and the summary agree (0 and checked, or 130 and not checked)', async () => {
    const prefix = 'int-last';
    const built = await setupAgain(prefix);
    assert.equal(built.exitCode, 0, why(built));
    // Answers held back, so that the check after the last deletion (task 1) is under way when Ctrl-C comes.
    const run = await withSlowProxy(400, (proxy) => poc(['cleanup', '--yes', '--endpoint-url', proxy.endpoint, '--region', REGION, '--prefix', prefix], { signal: 'SIGINT', when: /✔ Task 1 / }));
    assert.match(run.stderr, /✔ Task 1 /, 'every deletion was done');
    assert.deepEqual(await labInventory(moto.endpoint, prefix), EMPTY_LAB);
    const checked = /Checked: nothing of the lab is left/.test(run.stdout);
    const unchecked = /Stopped before checking that nothing is left/.test(run.stdout);
    assert.ok(checked !== unchecked, `says one of checked / not checked:\n${run.stdout}`);
    assert.equal(run.code, checked ? 0 : 130, `exit code after "${checked ? 'checked' : 'not checked'}"; stderr:\n${run.stderr}`);
    if (checked) assert.doesNotMatch(run.stderr, /Interrupted/);
  });

  // npm's signal-manager forwards the SIGINT the terminal also sent to the whole group: the
  // copy comes at once or a little later, also while poc is already on its way out (where
  // Node's natural exit had put SIGINT's default action back: killed by signal, not exit 0).
  for (const gapMs of [0, 40]) {
    it(`the dashboard stops with exit 0 on a Ctrl-C relayed twice (the terminal’s and npx’s copy, ${gapMs} ms apart)`, async () => {
      const child = start(['dashboard', '--no-open', '--endpoint-url', moto.endpoint, '--region', REGION]);
      await new Promise<void>((resolve, reject) => {
        void child.done.then((r) => reject(new Error(`dashboard exited (${r.code}) before printing its URL:\n${r.stderr}`)));
        const poll = setInterval(() => {
          if (/^http:\/\/127\.0\.0\.1:\d+\/$/m.test(child.stdout())) {
            clearInterval(poll);
            resolve();
          }
        }, 50);
      });
      child.signal('SIGINT');
      if (gapMs) await delay(gapMs);
      child.signal('SIGINT');
      const run = await child.done;
      assert.equal(run.signal, null, run.stderr);
      assert.equal(run.code, 0, `exit code; stderr:\n${run.stderr}`);
    });
  }

  it('SIGINT during cleanup: exit 130; cleanup again leaves nothing', async () => {
    const prefix = 'int-clean';
    const built = await setupAgain(prefix);
    assert.equal(built.exitCode, 0, why(built));
    await withSlowProxy(100, async (proxy) => {
      const run = await poc(['cleanup', '--yes', '--endpoint-url', proxy.endpoint, '--region', REGION, '--prefix', prefix], { signal: 'SIGINT', when: /Task 8 /, delayMs: 100 });
      assert.ok(run.stopped, `cleanup ended before the SIGINT:\n${run.stderr}`);
      assert.equal(run.code, 130, `exit code; stderr:\n${run.stderr}`);
      assert.match(run.stderr, /Interrupted/);
      assert.match(run.stderr, /run the same command again|cleanup`? again/i);
      const partial = await labInventory(moto.endpoint, prefix);
      assert.notDeepEqual(partial, EMPTY_LAB, `the SIGINT came after cleanup had finished:\n${run.stderr}`);
    });
    const cleaned = await cleanupAgain(prefix);
    assert.equal(cleaned.exitCode, 0, why(cleaned));
    assert.deepEqual(await labInventory(moto.endpoint, prefix), EMPTY_LAB);
  });
});
