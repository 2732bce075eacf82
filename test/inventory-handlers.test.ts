// The inventory lab's two functions, run from their real deployment packages: each zip
// as poc uploads it (dist/packages), unpacked into a folder where only the AWS SDK's
// clients can be imported (as in the Lambda runtime), and called in-process under the
// Node majors Lambda runs (moto cannot run Lambda
// code) with S3 events built from objects really stored in moto's S3 and stream events
// built from what moto's DynamoDB Streams really returns.
// @node 22 24
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, S3Event, S3EventRecord } from 'aws-lambda';
import { captureLogs, createQueue, receiveAll, streamEvent as streamEventOf, type Queue } from './helpers/events.js';
import { INVENTORY_TABLE, ZERO_COUNTS } from './helpers/inventory-course.js';
import { deployHandler, objectCreatedRecord, runtimeFolder } from './helpers/lambda-runtime.js';
import { awsEnv, startMoto, type Moto } from './helpers/moto.js';

const REGION = 'us-east-1';
const TABLE = INVENTORY_TABLE.TableName!;
const BUCKET = 'inventory-123456789012-us-east-1';
const SAMPLES = fileURLToPath(new URL('../../src/labs/inventory/samples/', import.meta.url));

interface FileSummary {
  bucket: string;
  key: string;
  encoding?: string;
  header?: string;
  rowsWritten: number;
  rowsRejected: number;
  reasons: Record<string, number>;
  error?: string;
}
type LoadInventory = (event: S3Event) => Promise<{ files: FileSummary[] }>;
type CheckStock = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

let moto: Moto;
let workdir: string;
let loadInventory: LoadInventory;
let checkStock: CheckStock;
let s3: S3Client;
let dynamo: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let sns: SNSClient;
let sqs: SQSClient;

before(async () => {
  moto = await startMoto();
  Object.assign(process.env, awsEnv(moto.endpoint, REGION), { TABLE_NAME: TABLE });
  // The runtime provides the AWS SDK v3 and nothing else: csv-parse must come from the bundle.
  workdir = await runtimeFolder('poc-inventory-');
  loadInventory = await deployHandler<LoadInventory>(workdir, 'load-inventory');
  checkStock = await deployHandler<CheckStock>(workdir, 'check-stock');
  s3 = new S3Client({});
  dynamo = new DynamoDBClient({});
  streams = new DynamoDBStreamsClient({});
  sns = new SNSClient({});
  sqs = new SQSClient({});
});

after(async () => {
  for (const client of [s3, dynamo, streams, sns, sqs]) client?.destroy();
  await moto?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  await moto.reset();
  process.env.TABLE_NAME = TABLE;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await dynamo.send(
    new CreateTableCommand(INVENTORY_TABLE),
  );
});

/** Stores the object in moto's S3 and returns the event record S3 sends for it. */
async function upload(key: string, body: string | Uint8Array): Promise<S3EventRecord> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return objectCreatedRecord(s3, BUCKET, key, REGION);
}

async function items(): Promise<{ Store: string; Item: string; Count: number }[]> {
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: TABLE }));
  return Items.map((i) => unmarshall(i) as { Store: string; Item: string; Count: number }).sort((a, b) => (a.Store + a.Item).localeCompare(b.Store + b.Item));
}

async function load(records: S3EventRecord[]) {
  const logs = captureLogs();
  try {
    const result = await loadInventory({ Records: records });
    return { result, logs };
  } finally {
    logs.restore();
  }
}

async function loadOne(key: string, body: string | Uint8Array) {
  const { result, logs } = await load([await upload(key, body)]);
  assert.equal(result.files.length, 1);
  return { file: result.files[0]!, logs };
}

/** NoStock with a queue subscribed, standing in for the email inbox. */
async function noStockInbox(): Promise<Queue> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'NoStock' }));
  const inbox = await createQueue(sqs, 'alerts');
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: inbox.arn }));
  process.env.TOPIC_ARN = TopicArn;
  return inbox;
}

async function alerts(inbox: Queue, expected: number): Promise<{ subject: string; message: string }[]> {
  const messages = await receiveAll(sqs, inbox, expected);
  return messages.map((m) => {
    const envelope = JSON.parse(m.Body!) as { Subject: string; Message: string };
    return { subject: envelope.Subject, message: envelope.Message };
  });
}


describe('Load-Inventory (S3 -> DynamoDB)', () => {
  it("loads the course's six sample files, every record of one event: 36 items", async () => {
    const names = (await readdir(SAMPLES)).filter((n) => n.endsWith('.csv')).sort();
    assert.equal(names.length, 6);
    const records = [];
    for (const name of names) records.push(await upload(name, await readFile(join(SAMPLES, name))));
    const { result, logs } = await load(records);
    assert.deepEqual(
      result.files.map((f) => [f.key, f.rowsWritten, f.rowsRejected]),
      names.map((n) => [n, 6, 0]),
    );
    const all = await items();
    assert.equal(all.length, 36);
    assert.deepEqual(all.find((i) => i.Store === 'Berlin' && i.Item === 'Echo Dot'), { Store: 'Berlin', Item: 'Echo Dot', Count: 12 });
    assert.deepEqual(all.filter((i) => i.Count === 0).map((i) => `${i.Store} is out of stock of ${i.Item}`).sort(), ZERO_COUNTS);
    const summaries = logs.events('inventory-file-loaded');
    assert.equal(summaries.length, 6, 'one summary line per file');
    assert.deepEqual(summaries.map((s) => [s.key, s.rowsWritten, s.rowsRejected]), names.map((n) => [n, 6, 0]));
  });

  it('URL-decodes the key of the event (spaces arrive as +, a + as %2B)', async () => {
    const { file } = await loadOne('uploads/store files/berlin+extra (1).csv', 'store,item,count\nBerlin,Echo Dot,3\n');
    assert.equal(file.key, 'uploads/store files/berlin+extra (1).csv');
    assert.equal(file.rowsWritten, 1);
    assert.equal(file.error, undefined);
  });

  it('reads a UTF-8 file with a byte-order mark and CRLF line ends', async () => {
    const { file } = await loadOne('bom.csv', '\uFEFFstore,item,count\r\nBerlin,Echo Dot,3\r\nBerlin,Echo Show,0\r\n');
    assert.equal(file.header, 'ok', 'the BOM is not part of the first column name');
    assert.deepEqual([file.rowsWritten, file.rowsRejected], [2, 0]);
    assert.deepEqual(await items(), [
      { Store: 'Berlin', Item: 'Echo Dot', Count: 3 },
      { Store: 'Berlin', Item: 'Echo Show', Count: 0 },
    ]);
  });

  for (const [encoding, bom, encode] of [
    ['utf-16le', [0xff, 0xfe], (s: string) => Buffer.from(s, 'utf16le')],
    ['utf-16be', [0xfe, 0xff], (s: string) => Buffer.from(s, 'utf16le').swap16()],
  ] as const) {
    it(`reads a ${encoding} file (Excel's "Unicode text"), with its byte-order mark`, async () => {
      const text = 'store,item,count\r\nMünchen,Echo Dot,4\r\nMünchen,Echo Show,0\r\n';
      const { file } = await loadOne(`${encoding}.csv`, Buffer.concat([Buffer.from(bom), encode(text)]));
      assert.equal(file.encoding, encoding);
      assert.deepEqual([file.rowsWritten, file.rowsRejected], [2, 0]);
      assert.deepEqual(await items(), [
        { Store: 'München', Item: 'Echo Dot', Count: 4 },
        { Store: 'München', Item: 'Echo Show', Count: 0 },
      ]);
    });
  }

  it('writes the good rows and rejects the bad ones by line number, with reasons, in one summary', async () => {
    const csv = [
      'store,item,count', // 1
      'Berlin,Echo Dot,12', // 2
      'Berlin,Echo Show', // 3: too few fields
      'Berlin,Echo Plus,1,extra', // 4: too many
      'Berlin,Echo Spot,-1', // 5: negative
      'Berlin,Echo Look,2.5', // 6: not whole
      'Berlin,Echo Input,lots', // 7: not a number
      ',Echo Flex,3', // 8: no store
      '', // 9: empty line, skipped
      'Berlin,"Echo Studio, black",7', // 10: a quoted comma is fine
      'Berlin,Echo Auto,0', // 11
    ].join('\n');
    const { file, logs } = await loadOne('mixed.csv', csv);
    assert.deepEqual([file.rowsWritten, file.rowsRejected], [3, 6]);
    assert.deepEqual(file.reasons, {
      'has 2 fields, want 3 (store,item,count)': 1,
      'has 4 fields, want 3 (store,item,count)': 1,
      'count is not a whole number >= 0': 3,
      'store is empty': 1,
    });
    assert.deepEqual(logs.events('inventory-row-rejected').map((l) => l.line), [3, 4, 5, 6, 7, 8]);
    assert.deepEqual((await items()).map((i) => [i.Item, i.Count]), [
      ['Echo Auto', 0],
      ['Echo Dot', 12],
      ['Echo Studio, black', 7],
    ]);
    const [summary] = logs.events('inventory-file-loaded');
    assert.deepEqual([summary!.rowsWritten, summary!.rowsRejected], [3, 6]);
  });

  it('reads a file without a header row as store,item,count, and says the header is missing', async () => {
    const { file, logs } = await loadOne('no-header.csv', 'Berlin,Echo Dot,12\nBerlin,Echo Plus,0\n');
    assert.equal(file.header, 'missing');
    assert.deepEqual([file.rowsWritten, file.rowsRejected], [2, 0]);
    assert.equal(logs.events('inventory-header-problem').length, 1);
    assert.equal((await items()).length, 2);
  });

  it('reads columns by name when the header has them in another order', async () => {
    const { file } = await loadOne('reordered.csv', 'count,store,item\n5,Berlin,Echo Dot\n');
    assert.equal(file.header, 'reordered');
    assert.deepEqual(await items(), [{ Store: 'Berlin', Item: 'Echo Dot', Count: 5 }]);
  });

  it('a header it does not recognise is reported, and the rows are read in the course order', async () => {
    const { file, logs } = await loadOne('odd-header.csv', 'shop,product,qty\nBerlin,Echo Dot,5\n');
    assert.equal(file.header, 'unrecognised');
    assert.equal(file.rowsWritten, 1);
    assert.deepEqual(logs.events('inventory-header-problem').map((l) => l.header), ['unrecognised']);
  });

  it('a quote never closed: the rows before it are written, the rest is rejected from that line', async () => {
    const { file } = await loadOne('broken.csv', 'store,item,count\nBerlin,Echo Dot,1\nBerlin,"Echo Show,2\nBerlin,Echo Plus,3\n');
    assert.equal(file.rowsWritten, 1);
    assert.equal(file.rowsRejected, 1);
    assert.match(Object.keys(file.reasons)[0]!, /not valid CSV/);
    assert.deepEqual((await items()).map((i) => i.Item), ['Echo Dot']);
  });

  it('one store and item twice in a file: the later line is written', async () => {
    const { file } = await loadOne('twice.csv', 'store,item,count\nBerlin,Echo Dot,1\nBerlin,Echo Dot,9\n');
    assert.deepEqual([file.rowsWritten, file.rowsRejected], [1, 1]);
    assert.deepEqual(await items(), [{ Store: 'Berlin', Item: 'Echo Dot', Count: 9 }]);
  });

  it('more than 25 rows go in several BatchWriteItem calls', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `Berlin,Item ${i},${i}`);
    const { file } = await loadOne('big.csv', ['store,item,count', ...rows].join('\n'));
    assert.equal(file.rowsWritten, 60);
    assert.equal((await items()).length, 60);
  });

  it('an object deleted before it is read is reported, not retried (no retry can bring it back)', async () => {
    const record = await upload('gone.csv', 'store,item,count\n');
    record.s3.object.key = 'never-there.csv';
    const { result, logs } = await load([record, await upload('ok.csv', 'store,item,count\nBerlin,Echo Dot,1\n')]);
    assert.match(result.files[0]!.error!, /NoSuchKey/);
    assert.equal(result.files[1]!.rowsWritten, 1, 'the other file of the event is still loaded');
    assert.equal(logs.events('inventory-file-loaded').length, 2);
  });

  it('fails the invocation (so Lambda retries it) when the table cannot be written, after trying every file', async () => {
    process.env.TABLE_NAME = 'no-such-table';
    const records = [await upload('a.csv', 'store,item,count\nBerlin,Echo Dot,1\n'), await upload('b.csv', 'store,item,count\nPusan,Echo Dot,1\n')];
    const logs = captureLogs();
    await assert.rejects(loadInventory({ Records: records }).finally(logs.restore), /could not load s3:\/\/.*a\.csv.*b\.csv/s);
    const summaries = logs.events('inventory-file-loaded');
    assert.equal(summaries.length, 2);
    assert.ok(summaries.every((s) => String(s.error).includes('ResourceNotFoundException')));
  });
});

describe('Check-Stock (DynamoDB stream -> SNS)', () => {
  it('the six sample files give the six alerts, subject "Inventory Alert!"', async () => {
    const inbox = await noStockInbox();
    const names = (await readdir(SAMPLES)).filter((n) => n.endsWith('.csv'));
    const records = [];
    for (const name of names) records.push(await upload(name, await readFile(join(SAMPLES, name))));
    await load(records);
    const event = await streamEventOf(dynamo, streams, TABLE);
    assert.equal(event.Records.length, 36);
    const logs = captureLogs();
    const result = await checkStock(event).finally(logs.restore);
    assert.deepEqual(result, { batchItemFailures: [] });
    const got = await alerts(inbox, 6);
    assert.deepEqual(got.map((a) => a.message).sort(), ZERO_COUNTS);
    assert.deepEqual(new Set(got.map((a) => a.subject)), new Set(['Inventory Alert!']));
    assert.equal(logs.events('stock-alert-sent').length, 6);
  });

  it('alerts when a count changes to 0, not when it changes from 0 or the item is removed', async () => {
    const inbox = await noStockInbox();
    await loadOne('one.csv', 'store,item,count\nBerlin,Echo Dot,5\nBerlin,Echo Show,0\n');
    const key = (item: string) => ({ Store: { S: 'Berlin' }, Item: { S: item } });
    await dynamo.send(new UpdateItemCommand({ TableName: TABLE, Key: key('Echo Dot'), UpdateExpression: 'SET #c = :z', ExpressionAttributeNames: { '#c': 'Count' }, ExpressionAttributeValues: { ':z': { N: '0' } } }));
    await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('Echo Show'), Count: { N: '8' } } }));
    const event = await streamEventOf(dynamo, streams, TABLE);
    assert.deepEqual(event.Records.map((r) => r.eventName), ['INSERT', 'INSERT', 'MODIFY', 'MODIFY']);
    await checkStock(event);
    assert.deepEqual((await alerts(inbox, 2)).map((a) => a.message).sort(), ['Berlin is out of stock of Echo Dot', 'Berlin is out of stock of Echo Show']);
  });

  it('with old images on the stream, an item already at 0 that changes otherwise is not alerted again', async () => {
    const inbox = await noStockInbox();
    // AWS writes no stream record at all for a PutItem that changes nothing (DynamoDB
    // Streams records only actual modifications), so re-uploading an unchanged file
    // alerts no one. A MODIFY whose old image is also at 0 is the one case the handler
    // must skip itself; built here as the NEW_AND_OLD_IMAGES view hands it over. (moto
    // differs from AWS here: it writes a MODIFY record for an unchanged PutItem, so the
    // "no record" half cannot be shown through moto's stream.)
    const image = { Store: { S: 'Berlin' }, Item: { S: 'Echo Plus' }, Count: { N: '0' } };
    const record = (n: string, OldImage?: typeof image) => ({
      eventID: n,
      eventName: 'MODIFY' as const,
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      awsRegion: REGION,
      dynamodb: { Keys: { Store: image.Store, Item: image.Item }, NewImage: image, OldImage, SequenceNumber: n, SizeBytes: 50, StreamViewType: 'NEW_AND_OLD_IMAGES' as const },
      eventSourceARN: `arn:aws:dynamodb:${REGION}:123456789012:table/${TABLE}/stream/2026-01-01T00:00:00.000`,
    });
    await checkStock({ Records: [record('100', image), record('200', { ...image, Count: { N: '3' } })] });
    assert.deepEqual((await alerts(inbox, 1)).map((a) => a.message), ['Berlin is out of stock of Echo Plus']);
  });

  it('reports the first record it could not publish, and publishes nothing after it', async () => {
    process.env.TOPIC_ARN = `arn:aws:sns:${REGION}:123456789012:NoStock`; // no such topic
    await loadOne('two.csv', 'store,item,count\nBerlin,Echo Dot,5\nBerlin,Echo Plus,0\nPusan,Echo Show,0\n');
    const event = await streamEventOf(dynamo, streams, TABLE);
    const firstZero = event.Records.find((r) => r.dynamodb?.NewImage?.Count?.N === '0')!;
    const logs = captureLogs();
    const result = await checkStock(event).finally(logs.restore);
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: firstZero.dynamodb!.SequenceNumber! }] });
    assert.equal(logs.events('stock-alert-failed').length, 1);
    assert.equal(logs.events('stock-alert-sent').length, 0);
  });
});
