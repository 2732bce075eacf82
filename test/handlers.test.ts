// The two Lambda handlers, called in-process (moto cannot run Lambda code) with events
// built from what moto's real SQS queue and DynamoDB stream hand out, exactly as the
// Lambda service would wrap them. The handlers are loaded from their deployment packages
// (dist/packages, as setup uploads them), unpacked where only the AWS SDK's clients can
// be imported, under the Node majors Lambda runs (run-tests.js runs this file once each):
// @node 22 24
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, type AttributeValue, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  captureLogs,
  createQueue as createQueueWith,
  receiveAll as receiveAllWith,
  sqsEvent as sqsEventOf,
  streamEvent as streamEventOf,
  type Queue,
} from './helpers/events.js';
import { deployHandler, runtimeFolder } from './helpers/lambda-runtime.js';
import { nodeBinary } from './helpers/lambda-node.js';
import { awsEnv, startMoto, type Moto } from './helpers/moto.js';

type Handler<E, R> = (event: E) => Promise<R>;
type StreamHandler = Handler<DynamoDBStreamEvent, { batchItemFailures: { itemIdentifier: string }[] }>;

const TABLE = 'orders';
const REGION = 'us-east-1';

let moto: Moto;
let workdir: string | undefined;
let lambda1: Handler<SQSEvent, SQSBatchResponse>;
let lambda2: StreamHandler;
let sqs: SQSClient;
let dynamo: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let sns: SNSClient;

before(async () => {
  moto = await startMoto();
  Object.assign(process.env, awsEnv(moto.endpoint, REGION), { TABLE_NAME: TABLE });
  // Default config on purpose: the same environment the handlers' own clients read.
  sqs = new SQSClient({});
  dynamo = new DynamoDBClient({});
  streams = new DynamoDBStreamsClient({});
  sns = new SNSClient({});
  workdir = await runtimeFolder('poc-orders-');
  lambda1 = await deployHandler(workdir, 'lambda-1', 'orders');
  lambda2 = await deployHandler(workdir, 'lambda-2', 'orders');
});

after(async () => {
  for (const client of [sqs, dynamo, streams, sns]) client?.destroy();
  await moto?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  await moto.reset();
  await dynamo.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'orderID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'orderID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
});

// ---- helpers bound to this file's clients; the events are built in helpers/events.ts ----

const createQueue = (name: string) => createQueueWith(sqs, name);
const receiveAll = (queue: Queue, count: number) => receiveAllWith(sqs, queue, count);
const sqsEvent = (queue: Queue, messages: Message[]) => sqsEventOf(queue, messages, REGION);
const streamEvent = () => streamEventOf(dynamo, streams, TABLE);

async function sendOrders(queue: Queue, bodies: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const body of bodies) ids.push((await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }))).MessageId!);
  return ids;
}

async function scanOrders(): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: TABLE }));
  return Items.map((item) => unmarshall(item));
}

// ---- POC-Lambda-1 ----

describe('POC-Lambda-1 (SQS -> DynamoDB)', () => {
  it('writes one item per order, keyed by the SQS messageId, with the order as a map', async () => {
    const queue = await createQueue('POC-Queue');
    const orders = [{ item: 'coffee', quantity: 2, extras: ['milk'], customer: { name: 'Ada' } }, { item: 'tea', quantity: 1 }];
    const ids = await sendOrders(queue, orders.map((o) => JSON.stringify(o)));
    const messages = await receiveAll(queue, 2);
    assert.equal(messages.length, 2);

    const logs = captureLogs();
    const before = Date.now();
    const result = await lambda1(sqsEvent(queue, messages)).finally(logs.restore);
    assert.deepEqual(result, { batchItemFailures: [] });

    for (const [i, id] of ids.entries()) {
      const { Item } = await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: marshall({ orderID: id }) }));
      assert.ok(Item, `order ${id} was written`);
      assert.ok(Item.order?.M, 'the order is stored as a DynamoDB map, not a string');
      const item = unmarshall(Item);
      assert.deepEqual(item.order, orders[i]);
      assert.equal(typeof item.receivedAt, 'string');
      assert.equal(new Date(item.receivedAt).toISOString(), item.receivedAt);
      assert.ok(Date.parse(item.receivedAt) >= before - 1000 && Date.parse(item.receivedAt) <= Date.now() + 1000);
    }
    assert.equal((await scanOrders()).length, 2);
    assert.deepEqual(logs.events('order-written').map((l) => l.orderID).sort(), [...ids].sort());
  });

  it('a redelivered message (same messageId, second invocation) does not create a second order', async () => {
    const queue = await createQueue('POC-Queue');
    const [id] = await sendOrders(queue, [JSON.stringify({ item: 'coffee' })]);
    const first = await receiveAll(queue, 1);
    const logs = captureLogs();
    try {
      assert.deepEqual(await lambda1(sqsEvent(queue, first)), { batchItemFailures: [] });
      const afterFirst = await scanOrders();

      // As if the function had timed out before deleting it: SQS makes it visible again.
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: first[0]!.ReceiptHandle!, VisibilityTimeout: 0 }));
      const second = await receiveAll(queue, 1);
      assert.equal(second.length, 1);
      assert.equal(second[0]!.MessageId, id, 'SQS redelivers with the same messageId');
      assert.equal(second[0]!.Attributes?.ApproximateReceiveCount, '2');
      assert.deepEqual(await lambda1(sqsEvent(queue, second)), { batchItemFailures: [] });

      const afterSecond = await scanOrders();
      assert.equal(afterSecond.length, 1);
      assert.equal(afterSecond[0]!.orderID, id);
      assert.deepEqual(afterSecond, afterFirst, 'the first write is kept, not overwritten');
    } finally {
      logs.restore();
    }
    assert.equal(logs.events('order-written').length, 1);
  });

  for (const bad of ['not json', '[1,2]', '"text"', 'null', '42']) {
    it(`reports only the record with body ${bad} as a batch item failure and writes the others`, async () => {
      const queue = await createQueue('POC-Queue');
      const [good1, malformed, good2] = await sendOrders(queue, [JSON.stringify({ item: 'coffee' }), bad, JSON.stringify({ item: 'tea' })]);
      const messages = await receiveAll(queue, 3);
      assert.equal(messages.length, 3);

      const logs = captureLogs();
      const result = await lambda1(sqsEvent(queue, messages)).finally(logs.restore);
      assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: malformed }] });
      const written = await scanOrders();
      assert.deepEqual(written.map((o) => o.orderID).sort(), [good1, good2].sort());
      assert.deepEqual(logs.events('order-rejected').map((l) => l.messageId), [malformed]);
    });
  }

  it('reports a record that cannot be stored, and still writes the others', async () => {
    const queue = await createQueue('POC-Queue');
    // Valid JSON, but 1e400 parses to Infinity, which a DynamoDB number cannot hold.
    const [ok, unstorable] = await sendOrders(queue, [JSON.stringify({ item: 'coffee' }), '{"item":"tea","quantity":1e400}']);
    const messages = await receiveAll(queue, 2);
    const logs = captureLogs();
    const result = await lambda1(sqsEvent(queue, messages)).finally(logs.restore);
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: unstorable }] });
    assert.deepEqual((await scanOrders()).map((o) => o.orderID), [ok]);
    assert.deepEqual(logs.events('order-write-failed').map((l) => l.messageId), [unstorable]);
  });

  it('reports every record when DynamoDB refuses the writes, logging messageId and error name', async () => {
    const queue = await createQueue('POC-Queue');
    const ids = await sendOrders(queue, [JSON.stringify({ item: 'coffee' }), JSON.stringify({ item: 'tea' })]);
    const messages = await receiveAll(queue, 2);
    process.env.TABLE_NAME = 'no-such-table';
    const logs = captureLogs();
    const result = await lambda1(sqsEvent(queue, messages)).finally(() => {
      logs.restore();
      process.env.TABLE_NAME = TABLE;
    });
    assert.deepEqual(result.batchItemFailures.map((f) => f.itemIdentifier).sort(), [...ids].sort());
    const failures = logs.events('order-write-failed');
    assert.deepEqual(failures.map((l) => l.messageId).sort(), [...ids].sort());
    assert.deepEqual(new Set(failures.map((l) => l.error)), new Set(['ResourceNotFoundException']));
    assert.equal(logs.events('order-written').length, 0);
  });
});

describe('POC-Lambda-1 keeps every digit of an order (JSON.parse with the source text, nodejs22.x and later)', () => {
  const deployed = () => join(workdir!, 'lambda-1', 'code', 'index.mjs');

  it('each number is stored as the text it was sent with: beyond 2^53, 38 digits, exponents, trailing zeros, in lists and maps', async () => {
    const { parseOrder } = (await import(pathToFileURL(deployed()).href)) as { parseOrder: (body: string) => Record<string, AttributeValue> | undefined };
    const body = '{"id":12345678901234567, "price":1.0000000000000000000000000000000000001,"big":1E+125,"tiny":1e-130,"weight":1.50,"parts":[0.10,-0,2e-5,{"n":-42}],"name":"mop","ok":true,"none":null}';
    assert.deepEqual(parseOrder(body), {
      id: { N: '12345678901234567' },
      price: { N: '1.0000000000000000000000000000000000001' },
      big: { N: '1E+125' },
      tiny: { N: '1e-130' },
      weight: { N: '1.50' },
      parts: { L: [{ N: '0.10' }, { N: '-0' }, { N: '2e-5' }, { M: { n: { N: '-42' } } }] },
      name: { S: 'mop' },
      ok: { BOOL: true },
      none: { NULL: true },
    });
    for (const unfit of ['1e400', '1'.repeat(39), '1E+126', '1e-131']) assert.throws(() => parseOrder(`{"n":${unfit}}`), { name: 'RangeError', message: new RegExp(`^${unfit.replace('+', '\\+')} does not fit a DynamoDB number`) });
    for (const notAnObject of ['not json', '[1,2]', '"text"', 'null', '42', '{"a":1']) assert.equal(parseOrder(notAnObject), undefined, notAnObject);
  });

  it('on a Node whose JSON.parse gives no source text, the whole batch fails with the reason and nothing is stored rounded', async () => {
    const queue = await createQueue('POC-Queue');
    await sendOrders(queue, ['{"customerID":12345678901234567,"item":"mop"}', '{"item":"tea"}']);
    const event = sqsEvent(queue, await receiveAll(queue, 2));
    // Node 22 still lets V8's flag turn the feature off (Node 24 has no such flag): as on Node 20.
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(deployed()).href)});
      try { console.log(JSON.stringify({ answered: await handler(JSON.parse(process.argv[1])) })); }
      catch (error) { console.log(JSON.stringify({ failed: error.name, message: error.message })); }`;
    const out = execFileSync(nodeBinary(22), ['--no-harmony-json-parse-with-source', '--input-type=module', '-e', script, JSON.stringify(event)], { encoding: 'utf8', env: process.env });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { failed?: string; message?: string };
    assert.equal(result.failed, 'SourceTextMissing', out);
    assert.match(result.message!, /gives no number's source text .*needs the nodejs22\.x runtime or later/);
    assert.deepEqual(await scanOrders(), []);
  });
});

// ---- POC-Lambda-2 ----

describe('POC-Lambda-2 (DynamoDB stream -> SNS)', () => {
  let inbox: Queue;
  let topicArn: string;

  beforeEach(async () => {
    ({ TopicArn: topicArn } = (await sns.send(new CreateTopicCommand({ Name: 'POC-Topic' }))) as { TopicArn: string });
    inbox = await createQueue('notifications');
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: inbox.arn }));
    process.env.TOPIC_ARN = topicArn;
  });

  async function writeOrdersThroughLambda1(orders: object[]): Promise<string[]> {
    const queue = await createQueue('POC-Queue');
    const ids = await sendOrders(queue, orders.map((o) => JSON.stringify(o)));
    const logs = captureLogs();
    const result = await lambda1(sqsEvent(queue, await receiveAll(queue, orders.length))).finally(logs.restore);
    assert.deepEqual(result, { batchItemFailures: [] });
    return ids;
  }

  async function notifications(expected: number): Promise<{ Subject: string; Message: string; MessageId: string }[]> {
    return (await receiveAll(inbox, expected)).map((m) => JSON.parse(m.Body!));
  }

  it('publishes one readable notification per INSERT and ignores MODIFY and REMOVE', async () => {
    const orders = [{ item: 'coffee', quantity: 2 }, { item: 'tea', quantity: 1, notes: ['hot'] }];
    const ids = await writeOrdersThroughLambda1(orders);
    const stored = new Map((await scanOrders()).map((o) => [o.orderID as string, o]));
    await dynamo.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: marshall({ orderID: ids[0] }),
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: marshall({ ':s': 'shipped' }),
      }),
    );
    await dynamo.send(new DeleteItemCommand({ TableName: TABLE, Key: marshall({ orderID: ids[1] }) }));

    const event = await streamEvent();
    assert.deepEqual(event.Records.map((r) => r.eventName), ['INSERT', 'INSERT', 'MODIFY', 'REMOVE'], 'the event holds all three kinds');

    const logs = captureLogs();
    const result = await lambda2(event).finally(logs.restore);
    assert.deepEqual(result, { batchItemFailures: [] });

    const received = await notifications(2);
    assert.equal(received.length, 2, 'one notification per INSERT, none for MODIFY or REMOVE');
    for (const n of received) {
      assert.equal(n.Subject, 'New Order Notification');
      const item = JSON.parse(n.Message);
      assert.deepEqual(item, stored.get(item.orderID), 'the message is the new item as plain JSON');
      assert.equal(n.Message, JSON.stringify(item, null, 2), 'indented for people to read');
    }
    assert.deepEqual(received.map((n) => JSON.parse(n.Message).orderID).sort(), [...ids].sort());
    const announced = logs.events('order-announced');
    assert.deepEqual(announced.map((l) => l.orderID).sort(), [...ids].sort());
    assert.deepEqual(announced.map((l) => l.messageId).sort(), received.map((n) => n.MessageId).sort());
  });

  it('an integer beyond 2^53 (and a 38-digit decimal) is stored and announced exactly as sent', async () => {
    // What the API passes on is the text the customer sent; JSON.parse alone would round it.
    const body = '{"customerID":12345678901234567,"price":1.0000000000000000000000000000000000001,"item":"mop"}';
    const queue = await createQueue('POC-Queue');
    await sendOrders(queue, [body]);
    const logs = captureLogs();
    const written = await lambda1(sqsEvent(queue, await receiveAll(queue, 1))).finally(logs.restore);
    assert.deepEqual(written, { batchItemFailures: [] }, 'stored, not retried towards the DLQ');
    const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: TABLE }));
    assert.deepEqual(Items[0].order.M!.customerID, { N: '12345678901234567' });
    assert.deepEqual(Items[0].order.M!.price, { N: '1.0000000000000000000000000000000000001' });
    const announced = await lambda2(await streamEvent()).finally(captureLogs().restore);
    assert.deepEqual(announced, { batchItemFailures: [] });
    const [n] = await notifications(1);
    assert.match(n.Message, /"customerID": 12345678901234567,/, 'the number as sent, not rounded nor quoted');
    assert.match(n.Message, /"price": 1\.0000000000000000000000000000000000001/);
  });

  it('reports the first record as failed when the topic does not exist, and stops there', async () => {
    await writeOrdersThroughLambda1([{ item: 'coffee' }, { item: 'tea' }]);
    const event = await streamEvent();
    assert.equal(event.Records.length, 2);
    process.env.TOPIC_ARN = topicArn.replace(/POC-Topic$/, 'No-Such-Topic');

    const logs = captureLogs();
    const result = await lambda2(event).finally(logs.restore);
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: event.Records[0]!.dynamodb!.SequenceNumber }] });
    assert.equal(logs.events('order-announce-failed').length, 1, 'no publish is tried after the first failure');
    assert.equal((await notifications(0)).length, 0);
  });

  it('a failure in the middle reports that record: earlier ones are sent, later ones are not', async () => {
    await writeOrdersThroughLambda1([{ item: 'coffee' }]);
    // Too big for one SNS message (256 KiB) though fine for DynamoDB (400 KB): a real publish failure.
    await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: marshall({ orderID: 'huge', order: { note: 'x'.repeat(300_000) } }) }));
    await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: marshall({ orderID: 'after', order: { item: 'tea' } }) }));
    const event = await streamEvent();
    assert.deepEqual(event.Records.map((r) => r.dynamodb?.Keys?.orderID?.S).slice(1), ['huge', 'after']);

    const logs = captureLogs();
    const result = await lambda2(event).finally(logs.restore);
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: event.Records[1]!.dynamodb!.SequenceNumber }] });
    const received = await notifications(1);
    assert.deepEqual(received.map((n) => JSON.parse(n.Message).orderID), [event.Records[0]!.dynamodb!.Keys!.orderID!.S]);
  });
});
