// poc upload --lab inventory (tasks 3 and 6) against moto, end to end: the files go to
// the bucket poc built, and --wait follows each one to its items and alerts.
//
// Moto cannot run Lambda code, so the test plays the Lambda service with the real
// deployment packages: each bundle is zipped as poc uploads it, unpacked where only the
// AWS SDK can be imported (as in the runtime) and called in-process with the S3 event for
// the objects really stored, and then with the stream records for the items really
// written; the functions' console lines go to their log groups as the runtime writes them.
//
// Where moto and the DynamoDB Streams documentation disagree, the test follows the docs:
// a PutItem that leaves an item as it was writes no stream record on AWS, while moto
// writes a MODIFY for it. So after a re-upload of unchanged files Check-Stock is not
// invoked here, as it would not be on AWS.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { S3 } from '@aws-sdk/client-s3';
import { SNS } from '@aws-sdk/client-sns';
import { SQS } from '@aws-sdk/client-sqs';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBStreamEvent, S3Event, S3EventRecord } from 'aws-lambda';
import { createAws } from '../src/aws/clients.js';
import { setup } from '../src/commands/setup.js';
import type { UploadResult } from '../src/labs/inventory/upload.js';
import { upload } from './helpers/try-it.js';
import { uploadView } from '../src/labs/inventory/upload-view.js';
import { runPoc } from './helpers/cli.js';
import { createReporter } from '../src/ui/reporter.js';
import { captureLogs, createQueue, receiveAll, type CapturedLine, type Queue } from './helpers/events.js';
import { ZERO_COUNTS } from './helpers/inventory-course.js';
import { deployHandler, objectCreatedRecord, runtimeFolder } from './helpers/lambda-runtime.js';
import { awsEnv, startMoto, type Moto } from './helpers/moto.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const BUCKET = `inventory-${ACCOUNT}-${REGION}`;
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:NoStock`;
const SAMPLES = fileURLToPath(new URL('../../src/labs/inventory/samples/', import.meta.url));
const HOPS = ['stored', 'loaded by Load-Inventory', 'items in Inventory', 'alerts from Check-Stock'];

type LoadInventory = (event: S3Event) => Promise<unknown>;
type CheckStock = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

let moto: Moto;
let workdir: string;
let loadInventory: LoadInventory;
let checkStock: CheckStock;
let c: ReturnType<typeof clients>;

function clients() {
  const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return { s3: new S3({ ...config, forcePathStyle: true }), dynamodb: new DynamoDB(config), logs: new CloudWatchLogs(config), sns: new SNS(config), sqs: new SQS(config) };
}

before(async () => {
  moto = await startMoto();
  // The handlers build their own clients from the environment, as they do in Lambda.
  Object.assign(process.env, awsEnv(moto.endpoint, REGION), { POC_BACKOFF_SCALE: '0.01', TABLE_NAME: 'Inventory', TOPIC_ARN: TOPIC });
  workdir = await runtimeFolder('poc-upload-');
  loadInventory = await deployHandler<LoadInventory>(workdir, 'load-inventory');
  checkStock = await deployHandler<CheckStock>(workdir, 'check-stock');
  c = clients();
});

after(async () => {
  for (const client of Object.values(c ?? {})) client.destroy();
  await moto?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  await moto.reset();
});

const options = (extra: Record<string, unknown> = {}) => ({ endpointUrl: moto.endpoint, region: REGION, lab: 'inventory', ...extra });

async function buildLab() {
  const result = await setup(options({ email: 'student@example.com' }), { reporter: await createReporter({ json: true }) });
  assert.equal(result.exitCode, 0, result.error?.message);
}

/** Writes a function's console lines to its log group the way the Lambda runtime does. */
async function writeLambdaLog(fn: string, lines: CapturedLine[]): Promise<void> {
  const requestId = randomUUID();
  const now = new Date();
  const logStreamName = `${now.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
  const logGroupName = `/aws/lambda/${fn}`;
  await c.logs.createLogStream({ logGroupName, logStreamName });
  const body = lines.map((l) => `${now.toISOString()}\t${requestId}\t${l.level}\t${l.text}\n`);
  const messages = [`START RequestId: ${requestId} Version: $LATEST\n`, ...body, `END RequestId: ${requestId}\n`];
  await c.logs.putLogEvents({ logGroupName, logStreamName, logEvents: messages.map((message) => ({ timestamp: now.getTime(), message })) });
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

async function s3Event(keys: string[]): Promise<S3Event> {
  const Records: S3EventRecord[] = [];
  for (const key of keys) Records.push(await objectCreatedRecord(c.s3, BUCKET, key, REGION));
  return { Records };
}

/** Plays S3 -> Load-Inventory for the stored files, and keeps its log as the runtime does. */
async function runLoadInventory(keys: string[]) {
  const logs = captureLogs();
  await loadInventory(await s3Event(keys)).finally(logs.restore);
  await writeLambdaLog('Load-Inventory', logs.lines);
  return logs;
}

/**
 * The stream records of a first load: every item is new, so each is an INSERT with its
 * new image. Built from the items as stored: with a Lambda trigger on the stream, moto
 * hands the records to the function it cannot run and drops them from the shard, where
 * AWS keeps them 24 hours (see test/lifecycle.test.ts).
 */
async function insertEvent(): Promise<DynamoDBStreamEvent> {
  const { Table } = await c.dynamodb.describeTable({ TableName: 'Inventory' });
  assert.equal(Table?.StreamSpecification?.StreamViewType, 'NEW_IMAGE');
  const { Items = [] } = await c.dynamodb.scan({ TableName: 'Inventory', ConsistentRead: true });
  return {
    Records: Items.map((item, i) => {
      const image = item as unknown as Record<string, AttributeValue>;
      return {
        eventID: randomBytes(16).toString('hex'),
        eventName: 'INSERT' as const,
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: REGION,
        dynamodb: { ApproximateCreationDateTime: Math.floor(Date.now() / 1000), Keys: { Store: image.Store!, Item: image.Item! }, NewImage: image, SequenceNumber: String(1000 + i), SizeBytes: 60, StreamViewType: 'NEW_IMAGE' as const },
        eventSourceARN: Table!.LatestStreamArn!,
      };
    }),
  };
}

async function runCheckStock(event: DynamoDBStreamEvent) {
  const logs = captureLogs();
  const result = await checkStock(event).finally(logs.restore);
  assert.deepEqual(result, { batchItemFailures: [] });
  await writeLambdaLog('Check-Stock', logs.lines);
  return logs;
}

async function subscribeInbox(): Promise<Queue> {
  const inbox = await createQueue(c.sqs, 'test-inbox');
  await c.sns.subscribe({ TopicArn: TOPIC, Protocol: 'sqs', Endpoint: inbox.arn });
  return inbox;
}

const sampleNames = async () => (await readdir(SAMPLES)).filter((f) => f.endsWith('.csv')).sort();
const hopsOf = (r: UploadResult) => r.files.map((f) => [f.key, (f.hops ?? []).map((h) => [h.name, h.reached])]);

describe('upload --wait follows each file hop by hop', () => {
  it('the six sample files: stored, loaded, 36 items, the six alerts; a re-upload of the same counts alerts no one and says why', { timeout: 180_000 }, async () => {
    await buildLab();
    const inbox = await subscribeInbox();
    const names = await sampleNames();
    const progress: string[] = [];
    let finished = false;
    const pending = upload([], options({ wait: true, timeout: 90 }), { progress: (t) => progress.push(t) }).finally(() => (finished = true));
    pending.catch(() => {}); // awaited below

    // Play the Lambda service: S3 -> Load-Inventory, then the stream -> Check-Stock.
    const keys = await storedKeys(6);
    assert.deepEqual(keys, names, 'the six sample files are in the bucket under their names');
    assert.equal(finished, false, 'it waits for Load-Inventory');
    const loaded = await runLoadInventory(keys);
    assert.equal(loaded.events('inventory-file-loaded').length, 6);
    await runCheckStock(await insertEvent());

    const result = await pending;
    assert.equal(result.exitCode, 0, result.error ? `${result.error.message} ${result.error.hint}` : '');
    assert.equal(result.bucket, BUCKET);
    assert.deepEqual(hopsOf(result), names.map((k) => [k, HOPS.map((h) => [h, true])]));
    for (const f of result.files) {
      assert.equal(f.rows, 6);
      assert.equal(f.hops![1]!.detail, '6 rows written');
      assert.equal(f.hops![2]!.detail, "6 items with the file's counts");
    }
    assert.deepEqual(result.files.map((f) => f.hops![3]!.detail).sort(), ZERO_COUNTS);
    const alerts = (await receiveAll(c.sqs, inbox, ZERO_COUNTS.length)).map((m) => JSON.parse(m.Body!) as { Subject: string; Message: string });
    assert.deepEqual(alerts.map((a) => a.Message).sort(), ZERO_COUNTS);
    assert.ok(progress.some((t) => t.startsWith('waiting: ')), 'it said what it was waiting for');
    const seconds = result.files[0]!.hops!.map((h) => h.seconds!);
    for (let i = 1; i < seconds.length; i++) assert.ok(seconds[i]! >= seconds[i - 1]!, `hops in order: ${seconds.join(', ')}`);

    // Again, the same files: the items do not change, so (on AWS) no stream record and no alert.
    // The lines of the first upload are in the log already; they must not be taken for this one's:
    // after a whole round of reading the logs it still waits for Load-Inventory.
    let looked!: () => void;
    const lookedOnce = new Promise<void>((resolve) => (looked = resolve));
    const again = upload([], options({ wait: true, timeout: 90 }), { progress: (t) => t.startsWith('waiting: ') && looked() });
    again.catch(() => {});
    const first = await Promise.race([lookedOnce.then(() => 'still waiting'), again.then(() => 'finished')]);
    assert.equal(first, 'still waiting', 'the earlier upload’s log lines do not count for this one');
    await storedKeys(6);
    await runLoadInventory(names);
    // No Check-Stock run: DynamoDB Streams writes no record for an unchanged item (moto would write a MODIFY).
    const second = await again;
    assert.equal(second.exitCode, 0, second.error?.message);
    assert.deepEqual(hopsOf(second), names.map((k) => [k, HOPS.map((h) => [h, true])]));
    for (const f of second.files) {
      assert.equal(f.alreadyZero?.length, 1);
      assert.match(f.hops![3]!.detail!, /already 0 before this upload, and an unchanged item writes no stream record/);
    }
    assert.match(uploadView(second), /already 0 before this upload/);
    assert.deepEqual(await receiveAll(c.sqs, inbox, 0), [], 'no second alert');
  });

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

  it('a file the function could not load: exit 1 at once, with what the function said', { timeout: 90_000 }, async () => {
    await buildLab();
    const started = Date.now();
    const pending = upload([join(SAMPLES, 'inventory-karachi.csv')], options({ wait: true, timeout: 60 }), {});
    pending.catch(() => {});
    const keys = await storedKeys(1);
    // As if its role could not write the table: the write fails, the summary line says so, the invocation fails.
    process.env.TABLE_NAME = 'no-such-table';
    const logs = captureLogs();
    await assert.rejects(loadInventory(await s3Event(keys)).finally(logs.restore));
    process.env.TABLE_NAME = 'Inventory';
    await writeLambdaLog('Load-Inventory', logs.lines);
    const result = await pending;
    assert.equal(result.exitCode, 1);
    assert.ok(Date.now() - started < 45_000, 'it did not wait for the timeout');
    assert.match(result.error!.message, /inventory-karachi\.csv stopped at “loaded by Load-Inventory”: Load-Inventory could not load it: .*ResourceNotFoundException/);
    assert.match(result.error!.hint ?? '', /poc logs 1 .*--lab inventory/);
    assert.deepEqual(hopsOf(result), [['inventory-karachi.csv', HOPS.map((h, i) => [h, i === 0])]]);
  });

  it('before Check-Stock is built (task 3), the alerts are not waited for, and the output says when they will come', { timeout: 90_000 }, async () => {
    const built = await setup(options({ email: 'student@example.com', to: '2' }), { reporter: await createReporter({ json: true }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    const pending = upload([join(SAMPLES, 'inventory-pusan.csv')], options({ wait: true, timeout: 60 }), {});
    pending.catch(() => {});
    await runLoadInventory(await storedKeys(1));
    const result = await pending;
    assert.equal(result.exitCode, 0, result.error?.message);
    assert.match(result.files[0]!.hops![3]!.detail!, /Check-Stock is not built yet \(task 5\); Pusan \/ Echo Show will alert once it is/);
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
