// The inventory lab end to end on the local AWS (poc local): the course's files go to the
// bucket, S3 notifies Load-Inventory, its writes reach Check-Stock through the table's
// stream, the alerts reach the local inbox; each hop is produced by the one before it, the
// functions run from their deployed zips. upload --wait follows the files hop by hop.
// A local AWS of its own (a state folder of its own), so that this file runs beside
// local.test.ts; moto's reset empties it between tests. The functions run under poc's Node,
// so run-tests.js runs this file under Node 22:
// @node 22
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ROOT } from './helpers/cli.js';
import { ZERO_COUNTS } from './helpers/inventory-course.js';
import { EMAIL, REGION, localAws, until } from './helpers/local-aws.js';

// poc's polls (upload --wait's every 2 s) and the runtime's retry waits (S3's asynchronous
// invoke: 1 then 2 s) shrink tenfold.
const local = localAws('local-inventory', { POC_BACKOFF_SCALE: '0.1' });
const { poc, notifications, labWithConfirmedMail, file } = local;

before(async () => {
  const start = await poc('local', 'start', '--detach');
  assert.equal(start.code, 0, start.stderr);
});
beforeEach(() => local.reset());
after(() => local.stop());

describe('the inventory lab on the local AWS', () => {
  const HOPS = ['stored', 'loaded by Load-Inventory', 'items in Inventory', 'alerts from Check-Stock'];
  interface Uploaded {
    key: string;
    rows: number;
    hops: { name: string; reached: boolean; seconds?: number; detail?: string }[];
  }
  const samples = join(ROOT, 'src', 'labs', 'inventory', 'samples');
  const upload = (...args: string[]) => poc('upload', ...args, '--local', '--lab', 'inventory');

  it('the inventory lab: upload --wait follows the six sample files to 36 items and one NoStock alert per zero count; a re-upload alerts no one and says why', async () => {
    await labWithConfirmedMail('--lab', 'inventory');
    const names = readdirSync(samples).filter((f) => f.endsWith('.csv')).sort();
    assert.equal(names.length, 6);
    const first = await upload('--wait', '--json');
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const files = (JSON.parse(first.stdout) as { files: Uploaded[] }).files;
    assert.deepEqual(
      files.map((f) => [f.key, f.hops.map((h) => [h.name, h.reached])]),
      names.map((k) => [k, HOPS.map((h) => [h, true])]),
    );
    for (const f of files) {
      assert.equal(f.rows, 6);
      assert.equal(f.hops[1]!.detail, '6 rows written');
      assert.equal(f.hops[2]!.detail, "6 items with the file's counts");
      const seconds = f.hops.map((h) => h.seconds!);
      for (let i = 1; i < seconds.length; i++) assert.ok(seconds[i]! >= seconds[i - 1]!, `${f.key}: hops in order: ${seconds.join(', ')}`);
    }
    assert.deepEqual(files.map((f) => f.hops[3]!.detail).sort(), ZERO_COUNTS);
    const { Count } = await local.sdk.dynamodb.scan({ TableName: 'Inventory', Select: 'COUNT', ConsistentRead: true });
    assert.equal(Count, 36);

    // The same files again: no count changes, so no stream record and no alert; the output says why.
    const again = await upload('--wait');
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.equal(again.stdout.match(/✔ alerts from Check-Stock .*already 0 before this upload, and an unchanged item writes no stream record/g)?.length, 6, again.stdout);
    // Check-Stock takes the stream's records in order: once a later item's alert is in, any
    // alert of the files before it would be too.
    const later = await upload(file('later.csv', 'store,item,count\nTestville,Sentinel,0\n'), '--wait');
    assert.equal(later.code, 0, later.stderr + later.stdout);
    const mails = await until('the later file’s alert', notifications, (m) => m.some((x) => x.message?.includes('Sentinel')));
    assert.deepEqual(mails.map((m) => m.message!.trim()).sort(), [...ZERO_COUNTS, 'Testville is out of stock of Sentinel'].sort(), 'one alert per zero count, none for the re-upload');

    // The earlier uploads' lines in Load-Inventory's log are not this upload's: with the
    // bucket no longer notifying the function, --wait stops at "loaded".
    await local.sdk.s3.putBucketNotificationConfiguration({ Bucket: `inventory-123456789012-${REGION}`, NotificationConfiguration: {} });
    const unloaded = await upload(join(samples, 'inventory-berlin.csv'), '--wait', '--timeout', '3');
    assert.equal(unloaded.code, 1, unloaded.stderr + unloaded.stdout);
    assert.match(unloaded.stderr.replace(/\s+/g, ' '), /inventory-berlin\.csv did not reach “loaded by Load-Inventory” within 3s/);
  });

  it('before Check-Stock is built (task 5), upload --wait does not wait for alerts and says when they will come', async () => {
    const setup = await poc('setup', '--local', '--lab', 'inventory', '--email', EMAIL, '--to', '2');
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    const early = await upload(join(samples, 'inventory-pusan.csv'), '--wait', '--json');
    assert.equal(early.code, 0, early.stderr + early.stdout);
    const [pusan] = (JSON.parse(early.stdout) as { files: Uploaded[] }).files;
    assert.deepEqual(pusan!.hops.map((h) => h.reached), [true, true, true, true]);
    assert.match(pusan!.hops[3]!.detail!, /Check-Stock is not built yet \(task 5\); Pusan \/ Echo Show will alert once it is/);
  });

  it('a file the function could not load: upload --wait stops at once (exit 1), with what the function said', async () => {
    const setup = await poc('setup', '--local', '--lab', 'inventory', '--email', EMAIL, '--to', '2');
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    // A first file loads: Load-Inventory has a warm environment from here on.
    const loaded = await upload(join(samples, 'inventory-karachi.csv'), '--wait', '--timeout', '120');
    assert.equal(loaded.code, 0, loaded.stderr + loaded.stdout);
    // As if its role could not write the table: Load-Inventory's writes fail (its environment
    // names a table that is not there), it logs its summary line and the invocation fails.
    // A configuration change starts new environments, as on AWS: the warm one is not used.
    const { Environment } = await local.sdk.lambda.getFunctionConfiguration({ FunctionName: 'Load-Inventory' });
    await local.sdk.lambda.updateFunctionConfiguration({ FunctionName: 'Load-Inventory', Environment: { Variables: { ...Environment?.Variables, TABLE_NAME: 'no-such-table' } } });
    const started = Date.now();
    const failed = await upload(join(samples, 'inventory-karachi.csv'), '--wait', '--timeout', '120', '--json');
    assert.equal(failed.code, 1, failed.stderr + failed.stdout);
    assert.ok(Date.now() - started < 90_000, 'it did not wait for the timeout');
    const doc = JSON.parse(failed.stdout) as { error: { message: string; hint: string }; files: Uploaded[] };
    assert.match(doc.error.message, /inventory-karachi\.csv stopped at “loaded by Load-Inventory”: Load-Inventory could not load it: .*ResourceNotFoundException/);
    assert.match(doc.error.hint, /poc logs 1 .*--lab inventory/);
    assert.deepEqual(doc.files[0]!.hops.map((h) => h.reached), [true, false, false, false]);
  });
});
