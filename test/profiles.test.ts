// A profile that does not exist is named, with the files it was looked for in; the SDK's
// own warnings never reach the screen.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runPoc } from './helpers/cli.js';
import { motoPerFile } from './helpers/lab.js';

const moto = motoPerFile();
let dir = '';
let env: NodeJS.ProcessEnv = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poc-profiles-'));
  await writeFile(join(dir, 'config'), '[default]\nregion = us-east-1\n[profile lab]\nregion = us-east-1\n');
  await writeFile(join(dir, 'credentials'), '[lab]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
  env = { ...process.env, CI: '1', AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
  delete env.AWS_PROFILE;
  delete env.AWS_REGION;
});
after(() => rm(dir, { recursive: true, force: true }));

describe('profiles', { concurrency: true }, () => {
  it('--profile that does not exist: exit 2, naming it, the files and the profiles there', async () => {
    const run = await runPoc(['status', '--profile', 'nosuch', '--endpoint-url', moto.endpoint], env);
    assert.equal(run.code, 2, run.stderr);
    const text = run.stderr.replace(/\n\s+/g, ' ');
    assert.match(text, /"nosuch"/);
    assert.ok(text.includes(join(dir, 'config')), text);
    assert.match(text, /lab/);
  });

  it('AWS_PROFILE that does not exist is named too', async () => {
    const run = await runPoc(['status', '--endpoint-url', moto.endpoint, '--region', 'us-east-1'], { ...env, AWS_PROFILE: 'gone' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /AWS_PROFILE "gone"/);
  });

  it('an existing --profile with environment keys also set prints no SDK warning', async () => {
    const run = await runPoc(['status', '--profile', 'lab', '--endpoint-url', moto.endpoint], env);
    assert.equal(run.code, 3, run.stderr);
    assert.doesNotMatch(run.stderr, /Multiple credential sources|WARNING/);
  });
});
