// Runs the whole suite with Node's test runner on the built tests in dist/test.
// The integration tests need moto (a real AWS API emulator, Python): check for it first,
// so a missing emulator fails the run with the fix instead of as a hundred timeouts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
const runs = new Map([[process.execPath, []]]);
for (const file of selected) {
  const majors = fileMajors(readFileSync(file, 'utf8'));
  let nodes;
  try {
    nodes = majors.length ? majors.map(nodeBinary) : [process.execPath];
  } catch (error) {
    process.stderr.write(`${file} runs under Node ${majors.join(' and ')}: ${error.message}\n`);
    process.exit(1);
  }
  for (const node of nodes) runs.set(node, [...(runs.get(node) ?? []), file]);
}
// One moto per worker, reset between files (test/helpers/moto-pool.ts), instead of one
// started by each file: starting moto is the costliest thing most files did.
const { startMotoPool, POOL_ENV } = await import('../dist/test/helpers/moto-pool.js');
const pool = await startMotoPool();
const started = performance.now();
let status = 0;
for (const [node, batch] of runs) {
  if (batch.length === 0) continue;
  if (node !== process.execPath) process.stderr.write(`\nUnder ${node} (${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}): ${batch.map((f) => f.split('/').pop()).join(', ')}\n`);
  // Not spawnSync: the pool answers the files' leases from this process's event loop.
  const child = spawn(node, ['--test', '--test-concurrency=2', ...batch], { stdio: 'inherit', env: { ...process.env, [POOL_ENV]: pool.address } });
  const code = await new Promise((resolve) => {
    child.once('error', () => resolve(1));
    child.once('close', (c) => resolve(c ?? 1));
  });
  status ||= code;
}
const { started: servers, leases } = pool.stats();
process.stderr.write(`${selected.length} test files in ${Math.round((performance.now() - started) / 1000)} s; ${servers} moto servers served ${leases} leases\n`);
await pool.close();
process.exit(status);
