// npm run bench: how long poc's commands take as a user sees them (child processes of the
// built CLI, bin/poc.js) against a local moto behind a proxy that answers every call
// --latency ms late (default 30: a real service's round trip; moto answers in about a
// millisecond, which hides round trips). For each command: wall time, AWS calls, rounds,
// and the time before the first call, between rounds and after the last call, from the
// proxy's own clock. The baseline is independent of poc: bench/baseline.ts, a plain
// script building the same lab with the same SDK one call after the other.
// It prints figures; it asserts nothing. Flags: --latency ms, --runs n, --cli path/to/poc.js,
// --trace (every call of the last run: start-end ms from the command's start).
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startMotoServer } from '../test/helpers/moto-server.js';
import { startLatencyProxy } from './latency-proxy.js';
import { timeline, type Timeline } from './rounds.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('runs', '5'));
const LATENCY = Number(arg('latency', '30'));
const CLI = resolve(arg('cli', 'bin/poc.js'));
const BASELINE = resolve('dist/bench/baseline.js');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Run extends Timeline {
  ms: number;
  trace?: string;
}

async function main() {
  // moto itself, without the tests' API-model check in front (its decoding would run in
  // this process, beside the proxy, and be measured as poc's time).
  const moto = await startMotoServer();
  const proxy = await startLatencyProxy(moto.endpoint, LATENCY);
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CI: '1',
  };
  /** Runs a child process, timed from spawn to exit, with the calls it made meanwhile. */
  const run = (args: string[]) =>
    new Promise<Run>((done, fail) => {
      const from = proxy.calls.length;
      const start = performance.now();
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      child.on('error', fail);
      child.on('exit', (code) => {
        const end = performance.now();
        if (code !== 0) return fail(new Error(`${args.join(' ')} exited with ${code}:\n${stderr}`));
        const calls = proxy.calls.slice(from);
        const trace = calls.map((c) => `${c.service}:${c.operation} ${(c.startedAt - start).toFixed(0)}-${(c.endedAt - start).toFixed(0)}`).join('\n  ');
        done({ ms: end - start, ...timeline(calls, start, end), trace });
      });
    });
  const poc = (...args: string[]) => run([CLI, ...args, '--endpoint-url', proxy.endpoint, '--json', '--yes']);

  const phases = ['setup (empty account)', 'setup (re-run)', 'status', 'cleanup', 'baseline script (empty account)'] as const;
  const runs: Record<string, Run[]> = Object.fromEntries(phases.map((p) => [p, []]));
  try {
    for (let i = 0; i < RUNS; i++) {
      await moto.reset();
      runs['baseline script (empty account)'].push(await run([BASELINE, proxy.endpoint]));
      await moto.reset();
      runs['setup (empty account)'].push(await poc('setup', '--email', 'bench@example.com'));
      runs['setup (re-run)'].push(await poc('setup'));
      runs.status.push(await poc('status'));
      runs.cleanup.push(await poc('cleanup'));
    }
  } finally {
    await proxy.close();
    await moto.stop();
  }

  const time = (args: string[]) => {
    const ms: number[] = [];
    // 21 runs: a process start varies by tens of ms on a busy machine, a ratio of two such medians more.
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      spawnSync(process.execPath, args, { stdio: 'ignore', env });
      ms.push(performance.now() - t);
    }
    return median(ms);
  };
  const bare = time(['-e', '0']);
  const help = time([CLI, '--help']);
  // What status cannot do without: node loading the SDK clients it uses (as a plain script does).
  const clients = ['sts', 'iam', 'dynamodb', 'sqs', 'cloudwatch-logs', 'lambda', 'sns', 'api-gateway'];
  const load = time(['--input-type=module', '-e', clients.map((c) => `await import('@aws-sdk/client-${c}');`).join('')]);

  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const f = (x: number) => x.toFixed(0);
  console.log(`poc benchmark: ${CLI} as child processes; moto behind a proxy adding ${LATENCY} ms per call; median of ${RUNS} runs\n`);
  console.log(`${'command'.padEnd(32)} ${pad('wall ms', 8)} ${pad('calls', 6)} ${pad('rounds', 6)} ${pad('before 1st', 10)} ${pad('between', 8)} ${pad('after last', 10)}`);
  const med: Record<string, Run> = {};
  for (const phase of phases) {
    const rs = runs[phase];
    const m = (k: keyof Timeline | 'ms') => median(rs.map((r) => r[k]));
    med[phase] = { ms: m('ms'), calls: m('calls'), rounds: m('rounds'), beforeFirst: m('beforeFirst'), betweenRounds: m('betweenRounds'), afterLast: m('afterLast') };
    const r = med[phase];
    console.log(`${phase.padEnd(32)} ${pad(f(r.ms), 8)} ${pad(r.calls, 6)} ${pad(r.rounds, 6)} ${pad(f(r.beforeFirst), 10)} ${pad(f(r.betweenRounds), 8)} ${pad(f(r.afterLast), 10)}`);
  }
  if (process.argv.includes('--trace')) {
    for (const phase of phases) console.log(`\n${phase}, ${f(runs[phase].at(-1)!.ms)} ms:\n  ${runs[phase].at(-1)!.trace}`);
  }
  const script = med['baseline script (empty account)'].ms;
  const status = med.status;
  const floor = load + status.rounds * LATENCY;
  console.log(`\nnode -e 0 ${f(bare)} ms; node loading the ${clients.length} SDK clients ${f(load)} ms; poc --help ${f(help)} ms`);
  console.log('ratios (targets in brackets):');
  console.log(`  status / (client load + ${status.rounds} rounds x ${LATENCY} ms = ${f(floor)} ms)  ${(status.ms / floor).toFixed(2)}  [<= 2; and <= 600 ms at 30 ms: ${f(status.ms)} ms]`);
  console.log(`  setup (empty) / baseline script                    ${(med['setup (empty account)'].ms / script).toFixed(2)}  [<= 0.5]`);
  console.log(`  setup (re-run) / baseline script                   ${(med['setup (re-run)'].ms / script).toFixed(2)}  [<= 0.35]`);
  console.log(`  cleanup / baseline script                          ${(med.cleanup.ms / script).toFixed(2)}`);
  console.log(`  poc --help / node -e 0                             ${(help / bare).toFixed(2)}  [<= 1.5]`);
}

await main();
