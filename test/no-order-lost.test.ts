// No order is lost and none is written twice: 500 orders go through the real lab's
// POC-Queue (480 sent with `poc send-order --via queue --count 480`, 20 malformed ones
// sent straight with the SDK) while the test plays Lambda's SQS poller for POC-Lambda-1
// (moto cannot run function code) and things go wrong the way they do in production:
// invocations crash (before or after the function did its work), batches are delivered
// twice, and some of the function's own DynamoDB writes fail (a fault proxy in front of
// moto's DynamoDB). At the end every order is either in `orders` or in POC-Queue-DLQ,
// exactly once, and every well-formed order is in the table with its content.
// POC-Lambda-1, called in-process, keeps an order's digits with what JSON.parse gives from
// Node 22 on (each number's source text), so run-tests.js runs this file under Node 22:
// @node 22
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { Lambda } from '@aws-sdk/client-lambda';
import { SQS, type Message } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAws } from '../src/aws/clients.js';
import { sendOrder } from './helpers/try-it.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import { captureLogs, sqsEvent, type Queue } from './helpers/events.js';
import { seeded, startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { awsEnv, startMoto, type Moto } from './helpers/moto.js';

const REGION = 'us-east-1';
const ORDER = { item: 'sponge', customerID: '12345', quantity: 2 };
const WELL_FORMED = 480;
const MALFORMED = Array.from({ length: 20 }, (_, i) => ['not json', '[1,2,3]', '"just text"', 'null', '42', '{"unclosed": ', 'true', '[]'][i % 8] + (i >= 8 ? ` #${i}` : ''));
const TOTAL = WELL_FORMED + MALFORMED.length;
const MAX_RECEIVE_COUNT = 5;

let moto: Moto;
let dynamoFaults: FaultProxy;
let lambda1: (event: SQSEvent) => Promise<SQSBatchResponse>;
let sqs: SQS;
let dynamodb: DynamoDB;

before(async () => {
  moto = await startMoto();
  // Some of POC-Lambda-1's own writes fail: its client (built from the environment, as in
  // Lambda) talks to moto through a proxy that fails or drops a share of its PutItem calls.
  dynamoFaults = await startFaultProxy({
    target: moto.endpoint,
    rate: 0.15,
    seed: 500,
    kinds: ['error500', 'error503', 'resetBefore', 'resetAfter'],
    eligible: (info) => info.operation === 'PutItem',
  });
  Object.assign(process.env, awsEnv(dynamoFaults.endpoint, REGION), { TABLE_NAME: 'orders', POC_BACKOFF_SCALE: '0.01' });
  lambda1 = (await import('../handlers/orders/lambda-1.js')).handler;
  const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  sqs = new SQS(config);
  dynamodb = new DynamoDB(config);
});

after(async () => {
  sqs?.destroy();
  dynamodb?.destroy();
  await dynamoFaults?.close();
  await moto?.stop();
});

async function queueOf(name: string): Promise<Queue> {
  const { QueueUrl } = await sqs.getQueueUrl({ QueueName: name });
  const { Attributes = {} } = await sqs.getQueueAttributes({ QueueUrl, AttributeNames: ['QueueArn'] });
  return { url: QueueUrl!, arn: Attributes.QueueArn! };
}

async function depth(queue: Queue): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.getQueueAttributes({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] });
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

/** Every message in a queue (left there, hidden for a while). */
async function readAll(queue: Queue): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.receiveMessage({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 });
    if (!Messages.length) return all;
    all.push(...Messages);
  }
}

async function scanOrders(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await dynamodb.scan({ TableName: 'orders', ExclusiveStartKey, ConsistentRead: true });
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  return items;
}

interface PollerStats {
  invocations: number;
  crashedBefore: number;
  crashedAfter: number;
  duplicated: number;
  reportedFailures: number;
  rounds: number;
  /** The messages of the batches whose invocation answered the poller, and those it reported failed. */
  answered: Set<string>;
  reported: Set<string>;
}

/**
 * Lambda's SQS poller, with its failures. Receives batches of up to 10 (hidden for 1 s,
 * so what is not deleted comes back quickly), invokes POC-Lambda-1 in-process, and
 * deletes what the function did not report as failed. Some invocations crash before the
 * function runs, some after (its response is lost: nothing is deleted, though it wrote),
 * some batches are delivered twice at once. SQS itself counts the receives and, past
 * maxReceiveCount, moves a message to the dead-letter queue.
 */
async function poll(queue: Queue, random: () => number, stallMs = 60_000, workers = 5): Promise<PollerStats> {
  const stats: PollerStats = { invocations: 0, crashedBefore: 0, crashedAfter: 0, duplicated: 0, reportedFailures: 0, rounds: 0, answered: new Set(), reported: new Set() };
  let done = false;
  // Only a bound on a hang, however slow the machine: a minute in which no worker received a message.
  let lastReceived = Date.now();
  const worker = async () => {
    while (!done) {
      if (Date.now() - lastReceived > stallMs) throw new Error(`no message was received for ${stallMs / 1000} s and the queue is not drained: ${JSON.stringify(await depth(queue))}`);
      stats.rounds++;
      const { Messages = [] } = await sqs.receiveMessage({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 1,
        MessageSystemAttributeNames: ['All'],
      });
      if (Messages.length) lastReceived = Date.now();
      if (!Messages.length) {
        const { visible, inFlight } = await depth(queue);
        if (visible + inFlight === 0) done = true;
        else await delay(200);
        continue;
      }
      const event = sqsEvent(queue, Messages, REGION);
      const roll = random();
      stats.invocations++;
      if (roll < 0.05) {
        stats.crashedBefore++; // the invocation died before the function ran
        continue;
      }
      if (roll < 0.1) {
        await lambda1(event);
        stats.crashedAfter++; // it ran (and wrote), but its answer never reached the poller
        continue;
      }
      let response: SQSBatchResponse;
      if (roll < 0.2) {
        stats.duplicated++; // the same batch handed to two invocations at once
        const [a, b] = await Promise.all([lambda1(event), lambda1(event)]);
        response = { batchItemFailures: [...a.batchItemFailures, ...b.batchItemFailures] };
      } else {
        response = await lambda1(event);
      }
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      stats.reportedFailures += failed.size;
      for (const m of Messages) stats.answered.add(m.MessageId!);
      for (const id of failed) stats.reported.add(id);
      const keep = Messages.filter((m) => !failed.has(m.MessageId!));
      if (keep.length) {
        await sqs.deleteMessageBatch({ QueueUrl: queue.url, Entries: keep.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) });
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return stats;
}

describe('no order lost, none twice', () => {
  it(`${TOTAL} orders through the queue with crashed, repeated and failing invocations: each ends in orders or the DLQ, once`, async () => {
    const options = { endpointUrl: moto.endpoint, region: REGION, email: 'student@example.com' };
    const built = await setup(options, { reporter: await createReporter({ json: true }), aws: await createAws({ endpointUrl: moto.endpoint, region: REGION }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    const queue = await queueOf('POC-Queue');
    const dlq = await queueOf('POC-Queue-DLQ');

    // The lab's redrive policy is what moves a poison order aside. Moto implements it as
    // SQS does (a message already received maxReceiveCount times goes to the DLQ at the
    // next receive), so nothing of it is emulated here.
    const { Attributes = {} } = await sqs.getQueueAttributes({ QueueUrl: queue.url, AttributeNames: ['RedrivePolicy'] });
    const redrive = JSON.parse(Attributes.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    assert.equal(redrive.deadLetterTargetArn, dlq.arn);
    assert.equal(Number(redrive.maxReceiveCount), MAX_RECEIVE_COUNT);

    // Moto difference: with the SQS trigger enabled, moto itself receives a batch on every
    // SendMessage and "invokes" POC-Lambda-1 (whose code it cannot run), deleting or
    // counting the messages behind the test's back. This test is Lambda's poller, so
    // moto's is switched off (directly in moto, not through poc).
    const lambda = new Lambda({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    for (const m of (await lambda.listEventSourceMappings({ FunctionName: 'POC-Lambda-1' })).EventSourceMappings ?? []) {
      await lambda.updateEventSourceMapping({ UUID: m.UUID, Enabled: false });
    }
    lambda.destroy();

    const sent = await sendOrder(JSON.stringify(ORDER), { ...options, via: 'queue', count: WELL_FORMED, concurrency: 20 }, {});
    assert.equal(sent.exitCode, 0, sent.error?.message);
    assert.equal(sent.summary.accepted, WELL_FORMED);
    const messageIdOf = new Map(sent.sent.map((s) => [s.sequence!, s.messageId!]));
    assert.equal(new Set(messageIdOf.values()).size, WELL_FORMED);
    const malformedIds = new Set<string>();
    for (const body of MALFORMED) malformedIds.add((await sqs.sendMessage({ QueueUrl: queue.url, MessageBody: body })).MessageId!);
    assert.equal((await depth(queue)).visible, TOTAL);

    // The handler's log lines are kept, not printed: they say what it wrote.
    const logs = captureLogs();
    const stats = await poll(queue, seeded(2024)).finally(logs.restore);
    // A conditional write never "succeeds" twice for one order, whatever was repeated.
    const writes = logs.events('order-written').map((e) => e.orderID as string);
    assert.equal(new Set(writes).size, writes.length, 'an order was written twice');
    assert.ok(logs.events('order-already-written').length > 0, 'no repeated delivery met a written order');
    // The failures really happened (else this proves nothing).
    assert.ok(stats.crashedBefore > 0 && stats.crashedAfter > 0 && stats.duplicated > 0, JSON.stringify(stats));
    assert.ok(dynamoFaults.count('resetAfter') > 0 && dynamoFaults.count('error500') + dynamoFaults.count('error503') > 0, JSON.stringify(dynamoFaults.stats.byKind));
    // Every poison order that reached an invocation which answered was reported as failed (a
    // crashed one reports nothing, so a poison order's receives are not all reports).
    const poisonAnswered = [...malformedIds].filter((id) => stats.answered.has(id));
    assert.ok(poisonAnswered.length > 0, 'no poison order reached an invocation that answered');
    assert.deepEqual(poisonAnswered.filter((id) => !stats.reported.has(id)), [], 'a poison order was not reported as failed');

    assert.deepEqual(await depth(queue), { visible: 0, inFlight: 0 });
    const items = await scanOrders();
    const dead = await readAll(dlq);
    const written = items.map((i) => i.orderID as string);
    const deadIds = dead.map((m) => m.MessageId!);

    assert.equal(items.length + dead.length, TOTAL, `${items.length} in orders + ${dead.length} in the DLQ`);
    assert.equal(new Set(written).size, written.length, 'an orderID is in the table twice');
    assert.equal(new Set(deadIds).size, deadIds.length, 'a message is in the DLQ twice');
    assert.deepEqual(written.filter((id) => deadIds.includes(id)), [], 'an order is both written and dead-lettered');

    // Poison orders went aside, untouched, and nothing else did.
    assert.deepEqual([...deadIds].sort(), [...malformedIds].sort());
    assert.deepEqual(dead.map((m) => m.Body).sort(), [...MALFORMED].sort());

    // Every well-formed order is in the table, keyed by its SQS MessageId, with its content.
    const bySequence = new Map(items.map((i) => [(i.order as { sequence: number }).sequence, i]));
    assert.equal(bySequence.size, WELL_FORMED);
    for (let sequence = 1; sequence <= WELL_FORMED; sequence++) {
      const item = bySequence.get(sequence);
      assert.ok(item, `order ${sequence} is missing`);
      assert.deepEqual(item.order, { ...ORDER, sequence });
      assert.equal(item.orderID, messageIdOf.get(sequence), `order ${sequence} is keyed by its MessageId`);
    }
  });
});
