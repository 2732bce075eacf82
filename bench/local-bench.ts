// npm run bench:local: the local AWS (poc local) as a user meets it.
//   ready     `poc local start --detach` until it answers (moto installed), median of --starts runs
//   idle CPU  the runtime and moto together, with the order lab built (two pollers), over 10 s
//   orders    --orders POSTed to the lab's stage URL (as send-order does), 10 at a time: from
//             each order's acceptance (the API's 200) to its notification in the local inbox
// It prints figures; it asserts nothing. The targets: ready <= 3 s, idle < 2 % of one
// core, p50 <= 1 s and p95 <= 2 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { messageIdOf } from '../src/labs/orders/send-order.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const ORDERS = Number(arg('orders', '100'));
const STARTS = Number(arg('starts', '3'));
const CLI = resolve('bin/poc.js');
const stateDir = mkdtempSync(join(tmpdir(), 'poc-local-bench-'));
const env = { ...process.env, POC_STATE_DIR: stateDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const poc = (...args: string[]) => {
  const run = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`poc ${args.join(' ')} failed (${run.status}):\n${run.stderr}`);
  return run.stdout;
};
const state = () => JSON.parse(readFileSync(join(stateDir, 'local', 'state.json'), 'utf8')) as { pid: number; motoPid: number; endpoint: string; stageUrl: string };
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks
};

try {
  poc('local', 'start', '--detach'); // the first start may install moto: not timed
  poc('local', 'stop');
  const readies: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t = performance.now();
    poc('local', 'start', '--detach');
    readies.push(performance.now() - t);
    if (i < STARTS - 1) poc('local', 'stop');
  }
  console.log(`poc local start --detach, ready in: median ${(pct(readies, 50) / 1000).toFixed(2)} s (${readies.map((r) => (r / 1000).toFixed(2)).join(', ')})`);

  const out = poc('setup', '--local', '--email', 'bench@example.com');
  poc('local', 'confirm');
  const url = /Orders API: (\S+)/.exec(out)![1]!;
  await delay(3000); // the pollers pick up the mappings
  const { pid, motoPid, endpoint } = state();
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  const before = ticks(pid) + ticks(motoPid);
  const t0 = performance.now();
  await delay(10_000);
  const cpu = ((ticks(pid) + ticks(motoPid) - before) / hz / ((performance.now() - t0) / 1000)) * 100;
  console.log(`idle CPU of the local AWS (runtime + moto, lab built): ${cpu.toFixed(2)} % of one core`);

  const accepted = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < ORDERS) {
        const i = next++;
        const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ item: 'bench', sequence: i }) });
        const text = await res.text();
        // The API passes SQS's answer through, JSON or XML as SQS gave it: read as send-order reads it.
        const id = messageIdOf(text);
        if (res.ok && id) accepted.set(id, Date.now());
      }
    }),
  );
  const latencies = new Map<string, number>();
  const deadline = Date.now() + 300_000;
  while (latencies.size < accepted.size && Date.now() < deadline) {
    const { items } = (await (await fetch(`${endpoint}/_poc/inbox?after=0&wait=0`)).json()) as { items: { kind: string; time: string; message?: string }[] };
    for (const m of items) {
      if (m.kind !== 'notification') continue;
      const id = /"orderID"\s*:\s*"([^"]+)"/.exec(m.message ?? '')?.[1];
      if (id && accepted.has(id) && !latencies.has(id)) latencies.set(id, Date.parse(m.time) - accepted.get(id)!);
    }
    await delay(500);
  }
  const xs = [...latencies.values()];
  console.log(`${ORDERS} orders: ${accepted.size} accepted, ${xs.length} mailed; accepted -> mail p50 ${(pct(xs, 50) / 1000).toFixed(2)} s, p95 ${(pct(xs, 95) / 1000).toFixed(2)} s`);
} finally {
  spawnSync(process.execPath, [CLI, 'local', 'stop'], { env });
  rmSync(stateDir, { recursive: true, force: true });
}
