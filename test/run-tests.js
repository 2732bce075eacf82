// Runs the whole suite with Node's test runner on the built tests in dist/test.
// The integration tests need moto (a real AWS API emulator, Python): check for it first,
// so a missing emulator fails the run with the fix instead of as a hundred timeouts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

// Found (or installed into poc's venv) by the same code as `poc local start`: a fresh machine
// with Python 3 sets itself up. The tests' own moto (test/helpers/moto-server.ts) uses it too.
const { findMoto } = await import('../dist/src/local/moto.js');
try {
  const found = findMoto((text) => process.stderr.write(`${text}\n`));
  process.env.POC_PYTHON = found.python;
  process.stderr.write(`moto ${found.version} found (${found.python})\n`);
} catch (error) {
  process.stderr.write(`The tests need moto in server mode: ${error.message}\n${error.hint ?? ''}\n`);
  process.exit(1);
}

// The dashboard tests drive Debian's Chromium (no browser download works on a closed
// network). Install it when missing and we can (root, apt); otherwise fail with the command.
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    process.stderr.write(`${CHROMIUM} is missing: installing Debian's chromium package (apt-get update && apt-get install -y chromium)…\n`);
    const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', process.stderr, process.stderr], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const update = apt(['update']);
    const install = update.status === 0 ? apt(['install', '-y', 'chromium']) : update;
    if (install.status !== 0 || !existsSync(CHROMIUM)) {
      process.stderr.write(`Installing chromium failed (exit ${install.status}). Install it by hand: apt-get update && apt-get install -y chromium\n`);
      process.exit(1);
    }
  } else {
    process.stderr.write(`The dashboard tests need Chromium at ${CHROMIUM}. Install it with: sudo apt-get update && sudo apt-get install -y chromium\n`);
    process.exit(1);
  }
}

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
};
walk('dist/test');
const only = process.argv.slice(2);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
// Node's runner given no file runs every test it finds: a filter that matches nothing is a mistake.
if (selected.length === 0) {
  process.stderr.write(`No test file in dist/test matches ${only.join(', ')}.\n`);
  process.exit(1);
}

// A file marked "// @node 22 24" runs the functions' deployed code or the CLI on the Node
// majors Lambda runs (test/helpers/lambda-node.ts): once under each of those binaries,
// not under this runner's Node. Every other file runs under this runner's Node.
const { fileMajors, nodeBinary } = await import('../dist/test/helpers/lambda-node.js');
const jobs = [];
for (const file of selected) {
  const majors = fileMajors(readFileSync(file, 'utf8'));
  try {
    for (const node of majors.length ? majors.map(nodeBinary) : [process.execPath]) jobs.push({ file, node, label: majors.length ? `${basename(file)} (Node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim().slice(1).split('.')[0]})` : basename(file) });
  } catch (error) {
    process.stderr.write(`${file} runs under Node ${majors.join(' and ')}: ${error.message}\n`);
    process.exit(1);
  }
}

// Each file is its own `node --test` process, one per core (at least two: the machine this
// must pass on has two), longest first: the last file to start is a short one, so nothing
// long runs alone at the end. How long each took is kept from run to run
// (node_modules/.cache); test/durations.json, written from such a run, orders a fresh
// clone's first run.
// Many files spend much of their time waiting (the local AWS's chains, a dashboard's
// refresh, quotas on AWS's clock): one more file runs beside them whenever the cores were
// over a third idle in the last second, and never on a machine kept busy by other work,
// where a third file would only slow every file down. POC_TEST_CONCURRENCY=n runs exactly n.
const FIXED = Number(process.env.POC_TEST_CONCURRENCY);
const CONCURRENCY = FIXED || Math.max(2, availableParallelism());
const IDLE_SHARE = 1 / 3;
const idleShare = async (ms) => {
  const before = cpus();
  await delay(ms);
  let idle = 0;
  let total = 0;
  cpus().forEach((cpu, i) => {
    for (const [kind, time] of Object.entries(cpu.times)) total += time - (before[i]?.times[kind] ?? time);
    idle += cpu.times.idle - (before[i]?.times.idle ?? cpu.times.idle);
  });
  return total > 0 ? idle / total : 0;
};
const CACHE = 'node_modules/.cache/poc-test-durations.json';
const readDurations = (path) => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
};
const known = { ...readDurations('test/durations.json'), ...readDurations(CACHE) };
jobs.sort((a, b) => (known[b.label] ?? 60) - (known[a.label] ?? 60));

// One moto per worker, reset between files (test/helpers/moto-pool.ts), instead of one
// started by each file: starting moto is the costliest thing most files did.
const { startMotoPool, POOL_ENV } = await import('../dist/test/helpers/moto-pool.js');
const pool = await startMotoPool();
const started = performance.now();
const took = {};
const failed = [];
let counts = { tests: 0, pass: 0, fail: 0 };
const runJob = (job) =>
  new Promise((resolve) => {
    const t = performance.now();
    // Not spawnSync: the pool answers the files' leases from this process's event loop.
    const child = spawn(job.node, ['--test', '--test-reporter=spec', job.file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [POOL_ENV]: pool.address, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const done = (code) => {
      const seconds = (performance.now() - t) / 1000;
      took[job.label] = Math.round(seconds * 10) / 10;
      const n = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      counts = { tests: counts.tests + n('tests'), pass: counts.pass + n('pass'), fail: counts.fail + n('fail') };
      const ok = code === 0;
      // A passing file is one line (all it said with POC_TEST_VERBOSE=1, to see each test's time);
      // a failing one prints all it said, so the failure reads in place.
      if (!ok) failed.push(job.label);
      if (!ok || process.env.POC_TEST_VERBOSE) process.stdout.write(`\n${output}\n`);
      process.stdout.write(`${ok ? '✔' : '✖'} ${job.label}  ${n('tests')} tests, ${seconds.toFixed(1)} s${ok ? '' : ` (exit ${code})`}\n`);
      resolve();
    };
    child.once('error', (error) => ((output += `\n${error.message}\n`), done(1)));
    child.once('close', (code) => done(code ?? 1));
  });
const queue = [...jobs];
let extra = 0;
await Promise.all([
  ...Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await runJob(job);
  }),
  (async () => {
    while (!FIXED && queue.length) {
      if ((await idleShare(1000)) < IDLE_SHARE) continue;
      const job = queue.shift();
      if (job) (extra++, await runJob(job));
    }
  })(),
]);
const { started: servers, leases } = pool.stats();
await pool.close();
const seconds = Math.round((performance.now() - started) / 1000);
process.stderr.write(`\n${jobs.length} test runs (${selected.length} files) in ${seconds} s, ${CONCURRENCY} at a time${FIXED ? '' : ` (${extra} more beside them on idle cores)`}; ${counts.tests} tests, ${counts.pass} passed, ${counts.fail} failed; ${servers} moto servers served ${leases} leases\n`);
if (failed.length) process.stderr.write(`Failed: ${failed.join(', ')}\n`);
if (only.length === 0) {
  mkdirSync('node_modules/.cache', { recursive: true });
  // A whole run times every file: what it did not run (a file since removed) is dropped.
  writeFileSync(CACHE, `${JSON.stringify(took, null, 1)}\n`);
}
process.exit(failed.length ? 1 : 0);
