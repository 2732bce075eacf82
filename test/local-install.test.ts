// How poc finds or installs the pinned moto (src/local/moto.ts), and the launcher's check
// that the moto it patches is the one its patches were written for. The install path is
// played by a stand-in python (a shell script that records what it is asked): this machine
// has no package index, and a test must never download.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findMoto, launcherPath, MOTO_VERSION, venvDir } from '../src/local/moto.js';
import { ROOT } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'poc-install-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in python3: no moto; `-m venv DIR` makes DIR/bin/python, whose pip succeeds or fails as told. */
function fakePython(name: string, pip: 'ok' | 'no-index'): string {
  const log = join(dir, `${name}.log`);
  const venvPython = `#!/bin/sh
echo "venv-python $*" >> ${log}
case "$1" in
  -c) [ -f "$(dirname "$0")/installed" ] && { echo ${MOTO_VERSION}; exit 0; }; exit 1;;
  -m) ${pip === 'ok' ? 'touch "$(dirname "$0")/installed"; exit 0' : 'sleep 1; echo "ERROR: Could not find a version that satisfies the requirement moto[server]==' + MOTO_VERSION + '" >&2; exit 1'};;
esac
exit 1
`;
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!/bin/sh
echo "python $*" >> ${log}
case "$1" in
  --version) echo "Python 3.11.7"; exit 0;;
  -c) echo "ModuleNotFoundError: No module named 'moto'" >&2; exit 1;;
  -m) [ "$2" = venv ] || exit 1; mkdir -p "$3/bin"; cat > "$3/bin/python" <<'PY'
${venvPython}PY
      chmod +x "$3/bin/python"; exit 0;;
esac
exit 1
`,
  );
  chmodSync(path, 0o755);
  return path;
}

test('without moto, poc makes a venv under the cache and pip-installs the pinned moto there, saying so', () => {
  const python = fakePython('python-ok', 'ok');
  const env = { POC_PYTHON: python, XDG_CACHE_HOME: join(dir, 'cache-ok'), PATH: process.env.PATH };
  const said: string[] = [];
  const found = findMoto((t) => said.push(t), env);
  const venv = venvDir(env);
  assert.equal(venv, join(dir, 'cache-ok', 'poc', `moto-${MOTO_VERSION}`));
  assert.deepEqual(found, { python: join(venv, 'bin', 'python'), version: MOTO_VERSION, installed: true });
  const log = readFileSync(join(dir, 'python-ok.log'), 'utf8');
  assert.match(log, new RegExp(`python -m venv ${venv}`));
  assert.match(log, /venv-python -m pip install .*moto\[server\]==5\.2\.1/);
  assert.ok(said.some((t) => t.includes(`Installing moto ${MOTO_VERSION} into ${venv}`)), said.join('\n'));
  // The next run finds it there and installs nothing.
  const again = findMoto(() => {}, env);
  assert.equal(again.installed, false);
  assert.equal(again.python, join(venv, 'bin', 'python'));
});

test('where pip cannot reach an index, poc stops with the exact commands to run by hand and leaves no half venv', () => {
  const python = fakePython('python-offline', 'no-index');
  const env = { POC_PYTHON: python, XDG_CACHE_HOME: join(dir, 'cache-offline'), PATH: process.env.PATH };
  assert.throws(
    () => findMoto(() => {}, env),
    (error: Error & { hint?: string }) => {
      assert.match(error.message, /pip could not install moto\[server\]==5\.2\.1 .*Could not find a version/);
      assert.ok(error.hint?.includes(`${python} -m venv ${venvDir(env)} && ${join(venvDir(env), 'bin', 'pip')} install 'moto[server]==5.2.1'`), error.hint);
      return true;
    },
  );
  assert.equal(existsSync(venvDir(env)), false);
});

test('poc local start --detach says what it does while it installs moto, as the foreground start does', () => {
  // The stand-in pip takes a second and fails: what the start said before the end is on stderr.
  const python = fakePython('python-detach', 'no-index');
  const env = { ...process.env, POC_PYTHON: python, XDG_CACHE_HOME: join(dir, 'cache-detach'), POC_STATE_DIR: join(dir, 'state-detach'), POC_LAMBDA_NODE: process.execPath, NO_COLOR: '1' };
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'poc.js'), 'local', 'start', '--detach'], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 1, run.stderr);
  const said = run.stderr.indexOf(`Installing moto ${MOTO_VERSION} into ${venvDir(env)}`);
  assert.ok(said >= 0 && said < run.stderr.indexOf('did not start'), run.stderr);
});

test('without any python3, poc says so and names the fix', () => {
  const env = { POC_PYTHON: join(dir, 'no-such-python'), XDG_CACHE_HOME: join(dir, 'cache-none'), PATH: process.env.PATH };
  assert.throws(
    () => findMoto(() => {}, env),
    (error: Error & { hint?: string }) => {
      assert.match(error.message, /there is no .*no-such-python/);
      assert.match(error.hint ?? '', /apt-get install python3 python3-venv/);
      return true;
    },
  );
});

test('the launcher finds every moto internal its patches replace, in the pinned moto (fails if moto changes under them)', () => {
  const { python } = findMoto();
  const run = spawnSync(python, [launcherPath(), '--port', '0', '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { moto: MOTO_VERSION, patches: 'ok' });
});

test('the local AWS refuses to start on a Node older than Lambda’s (22), naming the fix; POC_LAMBDA_NODE names another', async () => {
  const { lambdaNode } = await import('../src/local/lambda-node.js');
  assert.throws(
    () => lambdaNode('v20.19.0', {}, '/usr/bin/node'),
    (error: { exitCode?: number; message: string; hint?: string }) =>
      error.exitCode === 2 && /this Node \(v20\.19\.0\).*nodejs22\.x or nodejs24\.x/.test(error.message) && /Node 22 or 24.*POC_LAMBDA_NODE/.test(error.hint ?? ''),
  );
  assert.equal(lambdaNode('v20.19.0', { POC_LAMBDA_NODE: '/opt/node22/bin/node' }, '/usr/bin/node'), '/opt/node22/bin/node');
  assert.equal(lambdaNode('v22.12.0', {}, '/usr/local/bin/node'), '/usr/local/bin/node');
  assert.equal(lambdaNode('v24.1.0', {}, '/usr/local/bin/node'), '/usr/local/bin/node');
});
