// The command line itself, as a student runs it: `node bin/poc.js ...` as a child process
// pointed at moto through the environment. What is checked here is what only the CLI
// does: one JSON document on stdout, exit codes, and clean error messages on stderr.
import assert from 'node:assert/strict';
import { runPoc, type Run } from './helpers/cli.js';
import { describe, it } from 'node:test';
import { ACCOUNT, EMAIL, REGION, useMoto } from './helpers/lab.js';

const getMoto = useMoto();
// dist/test/cli.test.js -> the package root


function poc(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: getMoto().endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
  // The CLI itself must keep the SDK's Node-version warning off the user's terminal.
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  delete env.AWS_PROFILE;
  delete env.CI;
  return runPoc(args, env);
}

function assertCleanStderr(run: Run) {
  assert.doesNotMatch(run.stderr, /NodeVersionSupportWarning/);
  assert.doesNotMatch(run.stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, 'no stack trace');
}

describe('bin/poc.js against moto', () => {
  it('setup --json prints exactly one JSON document; status --json exits 0 after it', async () => {
    const run = await poc(['setup', '--json', '--email', EMAIL]);
    assert.equal(run.code, 0, run.stderr);
    assertCleanStderr(run);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>; // throws unless stdout is one document
    for (const key of ['account', 'region', 'prefix', 'apiUrl', 'resources']) assert.ok(key in doc, `key ${key}`);
    assert.equal(doc.account, ACCOUNT);
    assert.equal(doc.region, REGION);
    assert.equal(doc.prefix, '');
    assert.match(String(doc.apiUrl), /^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/prod\/orders$/);
    assert.equal('error' in doc, false, 'no error on success');
    const resources = doc.resources as Record<string, unknown>[];
    assert.equal(resources.length, 21);
    for (const r of resources) {
      assert.equal(typeof r.task, 'number');
      for (const key of ['type', 'name', 'id', 'outcome']) assert.equal(typeof r[key], 'string', `${String(r.name)}: ${key}`);
      assert.equal(r.outcome, 'created');
    }

    const status = await poc(['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assertCleanStderr(status);
    const statusDoc = JSON.parse(status.stdout) as { complete: boolean; resources: { state: string }[] };
    assert.equal(statusDoc.complete, true);
    assert.ok(statusDoc.resources.every((r) => r.state === 'present'));
  });

  it('status --json exits 3 on an empty account', async () => {
    const run = await poc(['status', '--json']);
    assert.equal(run.code, 3, run.stderr);
    assertCleanStderr(run);
    const doc = JSON.parse(run.stdout) as { complete: boolean; resources: { state: string }[] };
    assert.equal(doc.complete, false);
    assert.ok(doc.resources.every((r) => r.state === 'missing'));
  });

  it('setup --email bad exits 2 with a message naming --email, no stack trace, nothing built', async () => {
    const run = await poc(['setup', '--email', 'bad']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--email/);
    assertCleanStderr(run);
    assert.equal(run.stdout, '');
    const status = await poc(['status', '--json']);
    assert.equal(status.code, 3);
  });
});

describe('output into a pipe that closes early', () => {
  it('`poc --help | head -1`: exits 0 without an EPIPE stack trace when the reader stops reading', async () => {
    const { spawn } = await import('node:child_process');
    const { ROOT } = await import('./helpers/cli.js');
    const child = spawn(process.execPath, ['bin/poc.js', '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    // Read the first chunk, then close our end, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.doesNotMatch(stderr, /EPIPE|Unhandled 'error'/, stderr);
    assert.equal(code, 0, stderr);
  });
});
