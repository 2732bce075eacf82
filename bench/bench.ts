// npm run bench: how long setup, a converged re-run, status and cleanup take against a
// local moto, how many AWS calls each makes and in how many sequential rounds, compared
// with the same walks made one resource at a time (a plain sequential script making
// the same calls). moto answers in about a millisecond, real AWS in tens: a proxy adds
// a fixed latency to every call (--latency, default 25 ms) so the rounds show.
// It prints figures; it asserts nothing.
import { spawnSync } from 'node:child_process';
import { createAws, type AwsCall } from '../src/aws/clients.js';
import { cleanup } from '../src/commands/cleanup.js';
import { setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { createReporter } from '../src/ui/reporter.js';
import { startFaultProxy } from '../test/helpers/fault-proxy.js';
import { startMoto } from '../test/helpers/moto.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 5);
const LATENCY = arg('latency', 25);

/** A round starts when a call starts with no other call in flight. */
export function rounds(calls: AwsCall[]): number {
  let count = 0;
  let busyUntil = -Infinity;
  for (const c of [...calls].sort((a, b) => a.startedAt - b.startedAt)) {
    if (c.startedAt >= busyUntil) count++;
    busyUntil = Math.max(busyUntil, c.endedAt ?? c.startedAt);
  }
  return count;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Figure {
  ms: number[];
  calls: number;
  mutating: number;
  rounds: number;
}

async function main() {
  process.env.AWS_ACCESS_KEY_ID = 'bench';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench';
  const moto = await startMoto();
  const proxy = await startFaultProxy({ target: moto.endpoint, rate: 0, latencyMs: LATENCY });
  const base = { endpointUrl: proxy.endpoint, region: 'us-east-1', email: 'bench@example.com', yes: true };
  const phases = ['setup (empty account)', 'setup (re-run)', 'status', 'cleanup'] as const;
  const figures: Record<string, Record<string, Figure>> = {};

  try {
    for (const [mode, concurrency] of [['graph', undefined], ['sequential', 1]] as const) {
      figures[mode] = Object.fromEntries(phases.map((p) => [p, { ms: [], calls: 0, mutating: 0, rounds: 0 }]));
      for (let run = 0; run < RUNS; run++) {
        await moto.reset();
        for (const phase of phases) {
          const aws = await createAws({ endpointUrl: proxy.endpoint, region: 'us-east-1' });
          const deps = { aws, concurrency, reporter: await createReporter({ json: true }) };
          const started = performance.now();
          const result =
            phase === 'status' ? await status(base, deps) : phase === 'cleanup' ? await cleanup(base, deps) : await setup(base, deps);
          const ms = performance.now() - started;
          if (result.exitCode !== 0) throw new Error(`${phase} failed during the benchmark: ${JSON.stringify(result)}`);
          const f = figures[mode][phase];
          f.ms.push(ms);
          f.calls = aws.calls.length;
          f.mutating = aws.calls.filter((c) => c.mutating).length;
          f.rounds = rounds(aws.calls);
        }
      }
    }
  } finally {
    await proxy.close();
    await moto.stop();
  }

  const time = (cmd: string[]) => {
    const ms: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      spawnSync(process.execPath, cmd, { stdio: 'ignore' });
      ms.push(performance.now() - t);
    }
    return median(ms);
  };
  const bare = time(['-e', '0']);
  const help = time(['bin/poc.js', '--help']);
  const explain = time(['bin/poc.js', 'explain', '3']);

  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(`poc benchmark: moto behind a proxy adding ${LATENCY} ms per call; median of ${RUNS} runs\n`);
  console.log(`${'phase'.padEnd(22)} ${pad('ms', 7)} ${pad('calls', 6)} ${pad('writes', 6)} ${pad('rounds', 6)} | ${pad('seq ms', 7)} ${pad('rounds', 6)} | ${pad('speed-up', 8)}`);
  for (const phase of phases) {
    const g = figures.graph[phase];
    const s = figures.sequential[phase];
    const gm = median(g.ms);
    const sm = median(s.ms);
    console.log(
      `${phase.padEnd(22)} ${pad(gm.toFixed(0), 7)} ${pad(g.calls, 6)} ${pad(g.mutating, 6)} ${pad(g.rounds, 6)} | ${pad(sm.toFixed(0), 7)} ${pad(s.rounds, 6)} | ${pad(`${(sm / gm).toFixed(2)}x`, 8)}`,
    );
  }
  console.log(`\nstart-up: node -e 0 ${bare.toFixed(0)} ms, poc --help ${help.toFixed(0)} ms (${(help / bare).toFixed(2)}x), poc explain 3 ${explain.toFixed(0)} ms (${(explain / bare).toFixed(2)}x)`);
}

await main();
