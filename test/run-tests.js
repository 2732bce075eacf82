// Runs the whole suite with Node's test runner on the built tests in dist/test.
// The integration tests need moto (a real AWS API emulator, Python): check for it first,
// so a missing emulator fails the run with the fix instead of as a hundred timeouts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...selected], { stdio: 'inherit' });
process.exit(run.status ?? 1);
