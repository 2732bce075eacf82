// poc under AWS's clock (helpers/aws-clock.ts, figures in helpers/aws-profile.ts): a role
// Lambda cannot assume yet, a table CREATING then UPDATING, a function Pending then
// InProgress, triggers Creating, an S3 notification refused until the permission is
// visible, an email subscription pending, and the account quotas, all by the age of each
// resource, time run SCALE times faster. Every command must finish with no error, and
// say what it waits for whenever it falls silent for long.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createAwsClock, type AwsClock } from './helpers/aws-clock.js';
import { AWS_PROFILE } from './helpers/aws-profile.js';
import { ROOT } from './helpers/cli.js';
import { completeLab, EMPTY_LAB, labInventory, normalised, startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

/** 8 s of IAM propagation become 160 ms; API Gateway's DeleteRestApi 1 every 30 s, 0.6 s. */
const SCALE = 0.02;
const EMAIL = 'student@example.com';
/**
 * poc asleep (no AWS call in flight, and its process not running: Linux's /proc state)
 * longer than this is a wait, and the last progress line before its end must be a progress
 * note (what it waits for). Not merely silent: on a loaded machine a call can take seconds
 * to answer, and poc's own CPU work (loading, building a zip) stretches past a second,
 * which are not waits. On this clock 1 s is already 50 s of AWS's time.
 */
const IDLE_MS = 1_000;

const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: String(SCALE), POC_PACING_SCALE: String(SCALE) } });

interface Timed {
  code: number | null;
  stdout: string;
  /** stderr lines with the time each arrived, ms from the start. */
  lines: { at: number; text: string }[];
  ms: number;
  /** The calls made meanwhile, [sent, answered] ms from the start. */
  calls: [number, number][];
  /** The process's state every 50 ms: whether it was running (R) rather than asleep, ms from the start. */
  samples: { at: number; running: boolean }[];
}

/** The process's state letter from /proc (R running or runnable, S asleep, ...). */
function processState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function run(args: string[], endpoint: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const from = proxy.stats.timed.length;
    const env = { ...process.env, CI: '1', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', POC_BACKOFF_SCALE: String(SCALE), POC_PACING_SCALE: String(SCALE) };
    const child = spawn(process.execPath, ['bin/poc.js', ...args, '--endpoint-url', endpoint], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let partial = '';
    const lines: Timed['lines'] = [];
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => {
      const parts = (partial + c.toString('utf8')).split('\n');
      partial = parts.pop()!;
      for (const text of parts) lines.push({ at: performance.now() - start, text });
    });
    const samples: Timed['samples'] = [];
    const sampler = setInterval(() => {
      const state = child.pid ? processState(child.pid) : undefined;
      if (state) samples.push({ at: performance.now() - start, running: state === 'R' });
    }, 50);
    child.once('error', reject);
    child.once('close', (code) => {
      clearInterval(sampler);
      resolve({
        code,
        stdout,
        lines: partial ? [...lines, { at: performance.now() - start, text: partial }] : lines,
        ms: performance.now() - start,
        calls: proxy.stats.timed.slice(from).map((c) => [c.sentAt - start, (c.answeredAt ?? performance.now()) - start]),
        samples,
      });
    });
  });
}

/** Waits (poc asleep longer than IDLE_MS between its first call and its last answer) whose last progress line was no note of what poc waits for. */
function unexplainedWaits(r: Timed): string[] {
  const found: string[] = [];
  const calls = [...r.calls].sort((a, b) => a[0] - b[0]);
  assert.ok(calls.length, 'the command made no AWS call through the proxy');
  let busyUntil = calls[0]?.[1] ?? 0;
  for (const [sent, done] of calls.slice(1)) {
    // Asleep: seen running in under a fifth of the stretch's samples.
    const seen = r.samples.filter((x) => x.at > busyUntil && x.at < sent);
    if (sent - busyUntil > IDLE_MS && seen.filter((x) => x.running).length < seen.length / 5) {
      const said = r.lines.filter((l) => l.at <= sent).at(-1)?.text ?? '(nothing)';
      if (!/^\s*…|wait/i.test(said)) found.push(`asleep ${Math.round(sent - busyUntil)} ms from ${Math.round(busyUntil)} ms; the last line before: "${said}"`);
    }
    busyUntil = Math.max(busyUntil, done);
  }
  return found;
}

const show = (r: Timed) => `exit ${r.code}\n${r.lines.map((l) => `  ${Math.round(l.at)} ${l.text}`).join('\n')}`;

let clock: AwsClock;
let proxy: FaultProxy;

/** A new clock (nothing made yet) and its proxy for the describe that calls it. */
function onAFreshClock() {
  before(async () => {
    clock = createAwsClock(AWS_PROFILE, SCALE);
    proxy = await startFaultProxy({ target: moto.endpoint, clock });
  });
  after(() => proxy?.close());
}

describe('the order lab on AWS’s clock (time x' + SCALE + ')', () => {
  onAFreshClock();

  it('setup, status, check, send-order --via queue, setup again and cleanup: no error, every long wait named', { timeout: 300_000 }, async () => {
    await moto.reset();
    const setup = await run(['setup', '--email', EMAIL, '--yes'], proxy.endpoint);
    assert.equal(setup.code, 0, show(setup));
    assert.deepEqual(unexplainedWaits(setup), [], show(setup));
    assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(completeLab('', EMAIL)));

    for (const args of [['status'], ['check'], ['send-order', '{"item":"mop"}', '--via', 'queue'], ['setup', '--yes']]) {
      const r = await run(args, proxy.endpoint);
      // The subscription is pending (nobody clicks the link in a test): status and check say
      // so, and it is not an error.
      assert.equal(r.code, 0, `${args.join(' ')}: ${show(r)}\n${r.stdout}`);
      assert.deepEqual(unexplainedWaits(r), [], `${args.join(' ')}: ${show(r)}`);
    }

    const cleanup = await run(['cleanup', '--yes'], proxy.endpoint);
    assert.equal(cleanup.code, 0, show(cleanup));
    assert.deepEqual(unexplainedWaits(cleanup), [], show(cleanup));
    assert.deepEqual(normalised(await labInventory(moto.endpoint)), EMPTY_LAB);
    assert.deepEqual(proxy.stats.overQuota, {}, 'calls refused for a quota');
    // The clock was met: AWS's states were reported to poc (or its early calls refused).
    assert.ok(clock.rewrites > 0 || Object.keys(clock.refusals).length > 0, 'the clock never acted');
  });
});

describe('the inventory lab on AWS’s clock', () => {
  onAFreshClock();

  it('setup (the bucket notification after the permission S3 must see), status, upload, cleanup: no error, every long wait named', { timeout: 300_000 }, async () => {
    await moto.reset();
    for (const args of [['setup', '--lab', 'inventory', '--email', EMAIL, '--yes'], ['status', '--lab', 'inventory'], ['upload', '--lab', 'inventory'], ['cleanup', '--lab', 'inventory', '--yes']]) {
      const r = await run(args, proxy.endpoint);
      assert.equal(r.code, 0, `${args.join(' ')}: ${show(r)}\n${r.stdout}`);
      assert.deepEqual(unexplainedWaits(r), [], `${args.join(' ')}: ${show(r)}`);
    }
    assert.deepEqual(proxy.stats.overQuota, {}, 'calls refused for a quota');
    assert.ok(clock.rewrites > 0 || Object.keys(clock.refusals).length > 0, 'the clock never acted');
  });
});
