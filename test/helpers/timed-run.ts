// poc run as a child process in front of a fault proxy, timed: each stderr line with when it
// came, the calls the proxy saw meanwhile, and whether poc was running or asleep every 50 ms.
// The AWS-clock tests use it to require that every long wait is named to the user.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT } from './cli.js';
import type { FaultProxy } from './fault-proxy.js';

/**
 * poc asleep (no AWS call in flight, and its process not running: Linux's /proc state)
 * longer than this is a wait, and the last progress line before its end must be a progress
 * note (what it waits for). Not merely silent: on a loaded machine a call can take seconds
 * to answer, and poc's own CPU work (loading, building a zip) stretches past a second,
 * which are not waits.
 */
export const IDLE_MS = 1_000;

export interface Timed {
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

/** `poc ARGS --endpoint-url PROXY`, with `env` (test credentials, time scales) added to this process's. */
export function timedRun(args: string[], proxy: FaultProxy, env: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const from = proxy.stats.timed.length;
    const child = spawn(process.execPath, ['bin/poc.js', ...args, '--endpoint-url', proxy.endpoint], { cwd: ROOT, env: { ...process.env, CI: '1', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
export function unexplainedWaits(r: Timed): string[] {
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

/** A timed run's exit code and stderr lines with their times, for an assertion's message. */
export const show = (r: Timed) => `exit ${r.code}\n${r.lines.map((l) => `  ${Math.round(l.at)} ${l.text}`).join('\n')}`;
