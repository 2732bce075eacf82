// poc upload --lab inventory (tasks 3 and 6) against moto, where no function needs to run:
// what it refuses before any AWS call, when it asks first, and --wait stopping at the first
// hop nobody reached. The files going through S3 -> Load-Inventory -> the stream ->
// Check-Stock -> the alerts, each hop made by the one before (the six sample files, a
// re-upload, a file the function cannot load, Check-Stock not built yet), are proven on
// the local AWS, in test/local.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { S3 } from '@aws-sdk/client-s3';
import { createAws } from '../src/aws/clients.js';
import { setup } from '../src/commands/setup.js';
import type { UploadResult } from '../src/labs/inventory/upload.js';
import { upload } from './helpers/try-it.js';
import { uploadView } from '../src/labs/inventory/upload-view.js';
import { runPoc } from './helpers/cli.js';
import { createReporter } from '../src/ui/reporter.js';
import { awsEnv, startMoto, type Moto } from './helpers/moto.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const BUCKET = `inventory-${ACCOUNT}-${REGION}`;
const SAMPLES = fileURLToPath(new URL('../../src/labs/inventory/samples/', import.meta.url));
const HOPS = ['stored', 'loaded by Load-Inventory', 'items in Inventory', 'alerts from Check-Stock'];

let moto: Moto;
let c: ReturnType<typeof clients>;

function clients() {
  const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return { s3: new S3({ ...config, forcePathStyle: true }) };
}

before(async () => {
  moto = await startMoto();
  // poc's own clients take their credentials from the environment.
  Object.assign(process.env, awsEnv(moto.endpoint, REGION), { POC_BACKOFF_SCALE: '0.01' });
  c = clients();
});

after(async () => {
  for (const client of Object.values(c ?? {})) client.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

const options = (extra: Record<string, unknown> = {}) => ({ endpointUrl: moto.endpoint, region: REGION, lab: 'inventory', ...extra });

async function buildLab() {
  const result = await setup(options({ email: 'student@example.com' }), { reporter: await createReporter({ json: true }) });
  assert.equal(result.exitCode, 0, result.error?.message);
}

/** Waits (bounded) until the bucket holds these keys, as S3 would then notify. */
async function storedKeys(count: number, within = 30_000): Promise<string[]> {
  const deadline = Date.now() + within;
  for (;;) {
    const keys = ((await c.s3.listObjectsV2({ Bucket: BUCKET })).Contents ?? []).map((o) => o.Key!);
    if (keys.length >= count || Date.now() > deadline) return keys.sort();
    await delay(50);
  }
}

const hopsOf = (r: UploadResult) => r.files.map((f) => [f.key, (f.hops ?? []).map((h) => [h.name, h.reached])]);

describe('upload --wait with nobody to load the file', () => {
  it('a file nobody loads: exit 1 at the first hop not reached, its hint, the later hops unreached', { timeout: 60_000 }, async () => {
    await buildLab();
    const started = Date.now();
    const result = await upload([join(SAMPLES, 'inventory-berlin.csv')], options({ wait: true, timeout: 1 }), {});
    assert.ok(Date.now() - started < 20_000, 'it stopped at the timeout');
    assert.equal(result.exitCode, 1);
    assert.match(result.error!.message, /inventory-berlin\.csv did not reach “loaded by Load-Inventory” within 1s/);
    assert.match(result.error!.hint ?? '', /poc logs 1 .*--lab inventory/);
    assert.ok(result.error!.hint!.includes(`--endpoint-url ${moto.endpoint}`), 'the suggested commands act on the same lab and account');
    assert.deepEqual(hopsOf(result), [['inventory-berlin.csv', HOPS.map((h, i) => [h, i === 0])]]);
    assert.deepEqual(await storedKeys(1), ['inventory-berlin.csv'], 'the file is stored: nothing was lost by waiting');
  });
});

describe('upload refuses bad input with exit 2 before any AWS call', () => {
  it('poc upload (the command): exit 2, the error on stderr, one JSON document with --json', { timeout: 60_000 }, async () => {
    const env = { ...process.env, CI: '1', AWS_ENDPOINT_URL: moto.endpoint };
    const run = await runPoc(['upload', 'no-such-file.csv', '--lab', 'inventory'], env);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Cannot read no-such-file\.csv: no such file/);
    assert.equal(run.stdout, '');
    const json = await runPoc(['upload', 'no-such-file.csv', '--json'], { ...env, POC_LAB: 'inventory' });
    assert.equal(json.code, 2, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { error: { exitCode: number } }).error.exitCode, 2);
    const other = await runPoc(['upload', '--lab', 'orders'], env);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /upload tries out the inventory lab/);
  });

  const cases: [string, string | Buffer | undefined, RegExp][] = [
    ['missing.csv', undefined, /no such file/],
    ['empty.csv', '', /is empty/],
    ['blank.csv', '\n\n  \n', /is empty/],
    ['notes.csv', 'hello world\nthis is not inventory\n', /not an inventory CSV/],
    ['image.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), /not an inventory CSV/],
    ['stock.xlsx', Buffer.from('PK\u0003\u0004 not really a spreadsheet'), /spreadsheet, not a CSV/],
  ];
  for (const [name, body, message] of cases) {
    it(name, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'poc-upload-bad-'));
      try {
        const path = join(dir, name);
        if (body !== undefined) await writeFile(path, body);
        const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
        await assert.rejects(upload([join(SAMPLES, 'inventory-berlin.csv'), path], options({ wait: true }), { aws }), (error: { exitCode?: number; message?: string; hint?: string }) => {
          assert.equal(error.exitCode, 2);
          assert.match(error.message ?? '', message);
          assert.ok(error.hint, 'the error names the fix');
          return true;
        });
        assert.deepEqual(aws.calls, [], 'no AWS call, not even for the good file');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('an upload that would send many alert mails asks first', () => {
  const manyZeros = async (count: number) => {
    const dir = await mkdtemp(join(tmpdir(), 'poc-upload-many-'));
    const path = join(dir, 'closing-down.csv');
    await writeFile(path, ['store,item,count', ...Array.from({ length: count }, (_, i) => `Berlin,item ${i},0`)].join('\n'));
    return { dir, path };
  };
  const puts = (aws: { calls: { operation: string }[] }) => aws.calls.filter((c) => c.operation === 'PutObject').length;

  it('without a terminal and without --yes: exit 2, how many mails, the fix; nothing sent to AWS', { timeout: 60_000 }, async () => {
    const { dir, path } = await manyZeros(101);
    try {
      const run = await runPoc(['upload', path, '--lab', 'inventory'], { ...process.env, CI: '1', AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: REGION });
      assert.equal(run.code, 2, run.stderr);
      const said = run.stderr.replace(/\s+/g, ' '); // wrapped to the terminal's width
      assert.match(said, /101 items at 0: it would send up to 101 out-of-stock alert emails/);
      assert.match(said, /Nothing was uploaded/);
      assert.match(said, /Add --yes to send them/);
      const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
      await assert.rejects(upload([path], options(), { aws }), (error: { exitCode?: number }) => error.exitCode === 2);
      assert.deepEqual(aws.calls, [], 'refused before any AWS call');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('at a terminal it asks; "no" uploads nothing and exits 0, "yes" uploads; --yes and a file of 100 zeros do not ask', { timeout: 60_000 }, async () => {
    const { dir, path } = await manyZeros(101);
    const few = await manyZeros(100);
    try {
      await c.s3.createBucket({ Bucket: BUCKET });
      const questions: string[] = [];
      const answering = (answer: boolean) => async (question: string) => (questions.push(question), answer);
      let aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
      const declined = await upload([path], options(), { aws, confirm: answering(false) });
      assert.deepEqual([declined.cancelled, declined.exitCode, declined.files, puts(aws)], [true, 0, [], 0]);
      assert.match(uploadView(declined), /Nothing was uploaded/);
      assert.deepEqual(questions, ['Send up to 101 alert emails?']);
      assert.deepEqual(await storedKeys(0, 0), []);

      aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
      const accepted = await upload([path], options(), { aws, confirm: answering(true) });
      assert.deepEqual([accepted.cancelled, accepted.exitCode, accepted.files.map((f) => f.key), puts(aws)], [undefined, 0, ['closing-down.csv'], 1]);

      questions.length = 0;
      await upload([path], options({ yes: true }), { aws, confirm: answering(false) });
      await upload([few.path], options(), { aws, confirm: answering(false) });
      assert.deepEqual(questions, [], '--yes, or 100 zeros at most, ask nothing');
      assert.equal(puts(aws), 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(few.dir, { recursive: true, force: true });
    }
  });
});
