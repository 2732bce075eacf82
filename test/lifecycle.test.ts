// The lab's whole lifecycle against moto, with the commands called in-process:
// setup -> status -> send-order -> the pipeline -> cleanup, and cleanup's harder cases
// (a half-built lab, two students' prefixes, a second run, no confirmation), and logs.
//
// Moto cannot run Lambda code, so the tests play the Lambda service: they take the
// message from POC-Queue, call the handler in-process with the event Lambda would build,
// delete the message on success, read the table's stream for the second function, and
// write the functions' console lines to their CloudWatch log groups as the runtime does.
// What is read back is read with plain AWS SDK clients, never with poc's own code.
// POC-Lambda-1, called in-process, keeps an order's digits with what JSON.parse gives from
// Node 22 on (each number's source text), so run-tests.js runs this file under Node 22:
// @node 22
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreams } from '@aws-sdk/client-dynamodb-streams';
import { IAM } from '@aws-sdk/client-iam';
import { Lambda } from '@aws-sdk/client-lambda';
import { SNS } from '@aws-sdk/client-sns';
import { SQS, type Message } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBStreamEvent } from 'aws-lambda';
import { createAws, type Aws } from '../src/aws/clients.js';
import { cleanup, type CleanupOptions } from '../src/commands/cleanup.js';
import { logs, type LogLine } from '../src/commands/logs.js';
import { sendOrder } from './helpers/try-it.js';
import { setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { createReporter } from '../src/ui/reporter.js';
import { handler as lambda1 } from '../handlers/orders/lambda-1.js';
import { handler as lambda2 } from '../handlers/orders/lambda-2.js';
import { captureLogs, createQueue, findQueue, receiveAll, sqsEvent, streamEvent, type CapturedLine, type Queue } from './helpers/events.js';
import { awsEnv, startMoto, type Moto } from './helpers/moto.js';
import { captureFunctionZips, invoke, unpack } from './helpers/artifacts.js';
import { startStage } from '../src/local/stage.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const EMAIL = 'student@example.com';
const ORDER = { item: 'latex gloves', customerID: '12345', quantity: 3 };

let moto: Moto;
let c: ReturnType<typeof clients>;

function clients() {
  const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return {
    apigateway: new APIGateway(config),
    dynamodb: new DynamoDB(config),
    streams: new DynamoDBStreams(config),
    iam: new IAM(config),
    lambda: new Lambda(config),
    logs: new CloudWatchLogs(config),
    sns: new SNS(config),
    sqs: new SQS(config),
  };
}

before(async () => {
  moto = await startMoto();
  // The handlers build their own clients from the environment, as they do in Lambda.
  Object.assign(process.env, awsEnv(moto.endpoint, REGION), { POC_BACKOFF_SCALE: '0.01', TABLE_NAME: 'orders' });
  c = clients();
});

after(async () => {
  for (const client of Object.values(c ?? {})) client.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

const options = (extra: Partial<CleanupOptions> & Record<string, unknown> = {}) => ({ endpointUrl: moto.endpoint, region: REGION, email: EMAIL, yes: true, ...extra });
const newAws = () => createAws({ endpointUrl: moto.endpoint, region: REGION });
const quiet = () => createReporter({ json: true });
const mutating = (aws: Aws) => aws.calls.filter((call) => call.mutating).map((call) => `${call.service}:${call.operation}`);

async function runSetup(extra: Record<string, unknown> = {}, aws?: Aws) {
  const result = await setup(options(extra), { reporter: await quiet(), ...(aws ? { aws } : {}) });
  return result;
}

async function runCleanup(extra: Partial<CleanupOptions> = {}, aws?: Aws) {
  return cleanup(options(extra), { reporter: await quiet(), ...(aws ? { aws } : {}) });
}

const n = (prefix: string, base: string) => (prefix ? `${prefix}-${base}` : base);
const topicArn = (prefix = '') => `arn:aws:sns:${REGION}:${ACCOUNT}:${n(prefix, 'POC-Topic')}`;

/** What the lab's kinds of resource list as, by name, read with the SDK (pages are small here). */
async function inventory() {
  const last = (text: string | undefined, sep: string) => (text ?? '').split(sep).pop()!;
  return {
    policies: ((await c.iam.listPolicies({ Scope: 'Local' })).Policies ?? []).map((p) => p.PolicyName!).sort(),
    roles: ((await c.iam.listRoles({})).Roles ?? []).map((r) => r.RoleName!).sort(),
    queues: ((await c.sqs.listQueues({})).QueueUrls ?? []).map((u) => last(u, '/')).sort(),
    tables: ((await c.dynamodb.listTables({})).TableNames ?? []).sort(),
    functions: ((await c.lambda.listFunctions({})).Functions ?? []).map((f) => f.FunctionName!).sort(),
    mappings: ((await c.lambda.listEventSourceMappings({})).EventSourceMappings ?? []).map((m) => last(m.FunctionArn, ':')).sort(),
    topics: ((await c.sns.listTopics({})).Topics ?? []).map((t) => last(t.TopicArn, ':')).sort(),
    subscriptions: ((await c.sns.listSubscriptions({})).Subscriptions ?? []).map((s) => last(s.TopicArn, ':')).sort(),
    apis: ((await c.apigateway.getRestApis({})).items ?? []).map((a) => a.name!).sort(),
    logGroups: ((await c.logs.describeLogGroups({})).logGroups ?? []).map((g) => g.logGroupName!).sort(),
  };
}
type Inventory = Awaited<ReturnType<typeof inventory>>;

const NOTHING: Inventory = { policies: [], roles: [], queues: [], tables: [], functions: [], mappings: [], topics: [], subscriptions: [], apis: [], logGroups: [] };

/** Everything one complete lab lists as, spelled out here rather than taken from src/. */
function wholeLab(prefix = ''): Inventory {
  const p = (base: string) => n(prefix, base);
  return {
    policies: [p('Lambda-DynamoDBStreams-Read'), p('Lambda-Read-SQS'), p('Lambda-SNS-Publish'), p('Lambda-Write-DynamoDB')].sort(),
    roles: [p('APIGateway-SQS'), p('Lambda-DynamoDBStreams-SNS'), p('Lambda-SQS-DynamoDB')].sort(),
    queues: [p('POC-Queue'), p('POC-Queue-DLQ'), p('POC-Lambda-2-Failures')].sort(),
    tables: [p('orders')],
    functions: [p('POC-Lambda-1'), p('POC-Lambda-2')],
    mappings: [p('POC-Lambda-1'), p('POC-Lambda-2')],
    topics: [p('POC-Topic')],
    subscriptions: [p('POC-Topic')],
    apis: [p('POC-API')],
    logGroups: [`/aws/lambda/${p('POC-Lambda-1')}`, `/aws/lambda/${p('POC-Lambda-2')}`],
  };
}

function merge(a: Inventory, b: Inventory): Inventory {
  return Object.fromEntries(Object.keys(a).map((k) => [k, [...a[k as keyof Inventory], ...b[k as keyof Inventory]].sort()])) as Inventory;
}

/** Writes a function's console lines to its log group the way the Lambda runtime does. */
async function writeLambdaLog(fn: string, lines: CapturedLine[] | string[]): Promise<void> {
  const requestId = randomUUID();
  const now = new Date();
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  const logStreamName = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
  const logGroupName = `/aws/lambda/${fn}`;
  await c.logs.createLogStream({ logGroupName, logStreamName });
  const body = lines.map((l) => (typeof l === 'string' ? l : `${new Date().toISOString()}\t${requestId}\t${l.level}\t${l.text}\n`));
  const messages = [`START RequestId: ${requestId} Version: $LATEST\n`, ...body, `END RequestId: ${requestId}\n`, `REPORT RequestId: ${requestId}\tDuration: 41.27 ms\tBilled Duration: 42 ms\tMemory Size: 128 MB\tMax Memory Used: 88 MB\n`];
  await c.logs.putLogEvents({ logGroupName, logStreamName, logEvents: messages.map((message) => ({ timestamp: now.getTime(), message })) });
}

/** Polls POC-Queue as the Lambda service does until the order is there (bounded). */
async function receiveOrder(queue: Queue, within = 15_000): Promise<Message[]> {
  return receiveAll(c.sqs, queue, 1, within);
}

/** Plays the Lambda service for POC-Lambda-1: invoke with the batch, delete it on success, keep the log. */
async function runLambda1(queue: Queue, messages: Message[]) {
  const captured = captureLogs();
  const result = await lambda1(sqsEvent(queue, messages, REGION)).finally(captured.restore);
  assert.deepEqual(result, { batchItemFailures: [] }, 'POC-Lambda-1 handled the whole batch');
  for (const m of messages) await c.sqs.deleteMessage({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle! });
  return captured;
}

/**
 * The stream event for the order just written. The stream is read for real (DescribeStream,
 * GetShardIterator, GetRecords). Moto difference: when a table's stream has a Lambda event
 * source mapping, moto hands each new record to the function (which it cannot run) and then
 * drops it from the shard, so GetRecords finds nothing; AWS keeps stream records for 24
 * hours whatever the consumers do. Then the record is built as Lambda would hand it over,
 * from the stream's own description and the item as stored (the stream's NEW_IMAGE).
 */
async function orderStreamEvent(orderID: string): Promise<DynamoDBStreamEvent> {
  const { Table } = await c.dynamodb.describeTable({ TableName: 'orders' });
  assert.equal(Table?.StreamSpecification?.StreamViewType, 'NEW_IMAGE');
  const streamArn = Table!.LatestStreamArn!;
  const { StreamDescription } = await c.streams.describeStream({ StreamArn: streamArn });
  assert.equal(StreamDescription?.StreamStatus, 'ENABLED');
  const event = await streamEvent(c.dynamodb, c.streams, 'orders');
  if (event.Records.length) return event;
  const { Item } = await c.dynamodb.getItem({ TableName: 'orders', Key: { orderID: { S: orderID } }, ConsistentRead: true });
  assert.ok(Item, `orders has ${orderID}`);
  const image = Item as unknown as Record<string, AttributeValue>;
  return {
    Records: [
      {
        eventID: randomBytes(16).toString('hex'),
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: REGION,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
          Keys: { orderID: image.orderID! },
          NewImage: image,
          SequenceNumber: StreamDescription!.Shards![0]!.SequenceNumberRange!.StartingSequenceNumber!,
          SizeBytes: JSON.stringify(Item).length,
          StreamViewType: 'NEW_IMAGE',
        },
        eventSourceARN: streamArn,
      },
    ],
  };
}

async function runLambda2(orderID: string) {
  const event = await orderStreamEvent(orderID);
  const captured = captureLogs();
  const result = await lambda2(event).finally(captured.restore);
  assert.deepEqual(result, { batchItemFailures: [] }, 'POC-Lambda-2 handled the whole batch');
  return { event, captured };
}

/** A queue of our own subscribed to POC-Topic, to see the notifications an email would carry. */
async function subscribeInbox(): Promise<Queue> {
  const inbox = await createQueue(c.sqs, 'test-inbox');
  // Real SNS needs the queue to allow the topic to send; moto does not check, but say it anyway.
  await c.sqs.setQueueAttributes({
    QueueUrl: inbox.url,
    Attributes: {
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: inbox.arn, Condition: { ArnEquals: { 'aws:SourceArn': topicArn() } } }],
      }),
    },
  });
  await c.sns.subscribe({ TopicArn: topicArn(), Protocol: 'sqs', Endpoint: inbox.arn });
  return inbox;
}

describe('the whole lifecycle', () => {
  it('setup -> status -> an order through every hop -> cleanup leaves nothing behind', { timeout: 120_000 }, async () => {
    const built = await runSetup();
    assert.equal(built.exitCode, 0, built.error?.message);
    assert.deepEqual(await inventory(), wholeLab(), 'setup built the whole lab');
    const checked = await status(options(), {});
    assert.equal(checked.exitCode, 0, JSON.stringify(checked.resources.filter((r) => r.state !== 'present')));
    assert.equal(checked.complete, true);

    const inbox = await subscribeInbox();
    process.env.TOPIC_ARN = topicArn();

    // Task 9, straight to the queue (moto cannot serve the deployed API over HTTP).
    const sent = await sendOrder(JSON.stringify(ORDER), options({ via: 'queue' }), {});
    assert.equal(sent.exitCode, 0, sent.error?.message);
    assert.equal(sent.via, 'queue');
    assert.equal(sent.sent.length, 1);
    const messageId = sent.sent[0]!.messageId!;
    assert.match(messageId, /^[0-9a-f-]{36}$/);

    const queue = await findQueue(c.sqs, 'POC-Queue');
    assert.equal(sent.target, queue.url, 'sent to POC-Queue');
    const messages = await receiveOrder(queue);
    assert.deepEqual(messages.map((m) => [m.MessageId, JSON.parse(m.Body!)]), [[messageId, ORDER]], 'exactly the order, under the id send-order reported');
    const taken = await runLambda1(queue, messages);
    assert.deepEqual(taken.events('order-written').map((l) => l.orderID), [messageId]);
    const { Attributes: depth } = await c.sqs.getQueueAttributes({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] });
    assert.deepEqual(depth, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' }, 'the handled order left the queue');

    const { Item } = await c.dynamodb.getItem({ TableName: 'orders', Key: { orderID: { S: messageId } }, ConsistentRead: true });
    assert.ok(Item, `orders has an item with orderID ${messageId}`);
    const stored = unmarshall(Item);
    assert.deepEqual(stored.order, ORDER);

    const { event, captured } = await runLambda2(messageId);
    assert.deepEqual(event.Records.map((r) => [r.eventName, r.dynamodb?.NewImage?.orderID?.S]), [['INSERT', messageId]]);
    assert.equal(captured.events('order-announced').length, 1);

    const notes = (await receiveAll(c.sqs, inbox, 1)).map((m) => JSON.parse(m.Body!) as { Subject: string; Message: string; TopicArn: string });
    assert.equal(notes.length, 1, 'one notification');
    assert.equal(notes[0]!.Subject, 'New Order Notification');
    assert.equal(notes[0]!.TopicArn, topicArn());
    assert.deepEqual(JSON.parse(notes[0]!.Message), stored, 'the notification carries the order as stored');
    assert.equal(JSON.parse(notes[0]!.Message).order.item, 'latex gloves');

    // Our own subscriber queue is not the lab's: remove it so the lists below are the lab's alone.
    await c.sqs.deleteQueue({ QueueUrl: inbox.url });

    const cleaned = await runCleanup();
    assert.equal(cleaned.exitCode, 0, cleaned.error?.message);
    assert.deepEqual(cleaned.remaining, []);
    assert.equal(cleaned.found.length, 21, 'every resource of tasks 1-8 was found');
    assert.equal(cleaned.deleted.length, 21, cleaned.deleted.map((r) => r.name).join(', '));
    assert.deepEqual(await inventory(), NOTHING);
  });
});

describe('an order through the artifacts as stored (what moto cannot run)', () => {
  it('the order POSTed to the local stage into POC-Queue, the unpacked POC-Lambda-1, POC-Lambda-2 on its stream records, the notification at a subscribed queue', { timeout: 60_000 }, async () => {
    // The zips are taken from the CreateFunction requests on the wire, exactly as uploaded.
    const capture = captureFunctionZips();
    const built = await runSetup().finally(capture.stop);
    assert.equal(built.exitCode, 0, built.error?.message);
    const inbox = await subscribeInbox();

    // API Gateway's side: the API as stored, served by the local stage (src/local/stage.ts),
    // the order POSTed over HTTP. The stage gets moto itself: its call to SQS is API
    // Gateway's, in the query protocol, which the checking proxy's SQS model does not describe.
    const { items: apis = [] } = await c.apigateway.getRestApis({});
    const apiId = apis.find((a) => a.name === 'POC-API')?.id;
    const body = JSON.stringify({ ...ORDER, note: 'gloves & mops = 100% "sure" + más\nfast' });
    const stage = await startStage({ endpoint: moto.motoEndpoint, region: REGION });
    const answer = await fetch(`${stage.url}/${apiId}/prod/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (res) => ({ status: res.status, text: await res.text() }))
      .finally(() => stage.close());
    assert.equal(answer.status, 200, answer.text);
    const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(answer.text)?.[1];
    assert.ok(messageId, answer.text);
    const queue = await findQueue(c.sqs, 'POC-Queue');
    const messages = await receiveOrder(queue);
    assert.deepEqual(messages.map((m) => [m.MessageId, m.Body]), [[messageId, body]], 'the order reached POC-Queue byte for byte');

    // The Lambda service's side: each function's zip unpacked and run through its configured
    // handler string and environment, in a process that can import only the AWS SDK.
    const run = async (fn: string, event: unknown) => {
      const config = await c.lambda.getFunctionConfiguration({ FunctionName: fn });
      const zip = capture.zips.get(fn);
      assert.ok(zip, `setup uploaded ${fn}'s zip`);
      const ran = await invoke(unpack(zip), config.Handler!, event, { ...awsEnv(moto.endpoint, REGION), ...config.Environment?.Variables, AWS_LAMBDA_FUNCTION_NAME: fn }, config.Runtime!);
      assert.equal(ran.code, 0, `${fn}: ${ran.stderr}`);
      assert.deepEqual(ran.result, { batchItemFailures: [] }, `${fn} handled the whole batch`);
      return ran;
    };
    await run('POC-Lambda-1', sqsEvent(queue, messages, REGION));
    for (const m of messages) await c.sqs.deleteMessage({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle! });
    const { Item } = await c.dynamodb.getItem({ TableName: 'orders', Key: { orderID: { S: messageId } }, ConsistentRead: true });
    assert.ok(Item, `orders has ${messageId}`);
    const stored = unmarshall(Item);
    assert.deepEqual(stored.order, JSON.parse(body));

    await run('POC-Lambda-2', await orderStreamEvent(messageId));
    const notes = (await receiveAll(c.sqs, inbox, 1)).map((m) => JSON.parse(m.Body!) as { Subject: string; Message: string; TopicArn: string });
    assert.equal(notes.length, 1, 'one notification');
    assert.equal(notes[0]!.TopicArn, topicArn());
    assert.deepEqual(JSON.parse(notes[0]!.Message), stored, 'the notification carries the order as stored');
  });
});

describe('send-order --wait follows the order hop by hop', () => {
  it('reports every hop reached, in order, as the functions log and write', { timeout: 120_000 }, async () => {
    assert.equal((await runSetup()).exitCode, 0);
    process.env.TOPIC_ARN = topicArn();
    const progress: string[] = [];
    let itemSeen!: () => void;
    const seen = new Promise<void>((resolve) => (itemSeen = resolve));
    const called = Date.now();
    const pending = sendOrder(JSON.stringify(ORDER), options({ via: 'queue', wait: true, timeout: 30 }), {
      progress: (t) => {
        progress.push(t);
        if (t.startsWith('item in orders (')) itemSeen();
      },
    });
    pending.catch(() => {}); // awaited below; do not let a rejection go unhandled while the pipeline runs

    // Play the Lambda service, one hop at a time.
    const queue = await findQueue(c.sqs, 'POC-Queue');
    const messages = await receiveOrder(queue);
    assert.equal(messages.length, 1, 'send-order put the order in POC-Queue');
    const received = Date.now();
    const messageId = messages[0]!.MessageId!;
    const taken = await runLambda1(queue, messages);
    await writeLambdaLog('POC-Lambda-1', taken.lines);
    // The stream and the second function take a moment in AWS too: POC-Lambda-2 runs only
    // once send-order has seen the item, and the hops must show the notification after it.
    await seen;
    const published = Date.now();
    const { captured } = await runLambda2(messageId);
    await writeLambdaLog('POC-Lambda-2', captured.lines);

    const result = await pending;
    const finished = Date.now();
    assert.equal(result.exitCode, 0, result.error?.message);
    assert.equal(result.error, undefined);
    assert.equal(result.sent[0]!.messageId, messageId);
    const hops = result.hops!;
    assert.deepEqual(
      hops.map((h) => [h.name, h.reached]),
      [
        ['accepted', true],
        ['taken from the queue', true],
        ['item in orders', true],
        ['notification published', true],
      ],
    );
    assert.match(hops[0]!.detail!, new RegExp(messageId));
    assert.equal(hops[2]!.detail, `orderID ${messageId}`);
    const seconds = hops.map((h) => h.seconds!);
    for (const s of seconds) assert.equal(typeof s, 'number');
    for (let i = 1; i < seconds.length; i++) assert.ok(seconds[i]! >= seconds[i - 1]!, `hop ${hops[i]!.name} at ${seconds[i]}s comes after ${seconds[i - 1]}s`);
    // Each hop's time is when send-order saw it, from the send (rounded to 0.1 s): the item
    // before POC-Lambda-2 ran, the notification only after it logged it.
    assert.ok(seconds[2]! <= (published - called) / 1000 + 0.05, `the item (${seconds[2]}s) was seen before POC-Lambda-2 ran, ${published - called} ms after the call`);
    assert.ok(seconds[3]! >= (published - received) / 1000 - 0.05, `the notification (${seconds[3]}s) is seen only after POC-Lambda-2 logged it, ${published - received} ms after the order was taken`);
    assert.ok(seconds[3]! <= (finished - called) / 1000 + 0.1, 'seconds are counted from the send');
    assert.ok(progress.some((t) => t.startsWith('waiting: ')), 'it said what it was waiting for');
  });

  it('times out at the first hop nobody reached, and reports the later ones unreached', { timeout: 120_000 }, async () => {
    assert.equal((await runSetup()).exitCode, 0);
    const called = Date.now();
    // Nothing plays Lambda here; moto only logs "error running docker" lines into
    // /aws/lambda/POC-Lambda-1 when it tries to run the function, which are not this order.
    const result = await sendOrder(JSON.stringify(ORDER), options({ via: 'queue', wait: true, timeout: 1 }), {});
    assert.ok(Date.now() - called < 15_000, 'it stopped at the timeout');
    assert.equal(result.exitCode, 1);
    assert.ok(result.error, 'an error says what did not happen');
    assert.match(result.error.message, /taken from the queue/);
    assert.match(result.error.message, /within 1s/);
    assert.match(result.error.hint ?? '', /poc logs 1/);
    assert.deepEqual(
      result.hops!.map((h) => [h.name, h.reached]),
      [
        ['accepted', true],
        ['taken from the queue', false],
        ['item in orders', false],
        ['notification published', false],
      ],
    );
    assert.deepEqual(result.hops!.slice(1).map((h) => h.seconds), [undefined, undefined, undefined]);
    // The order is still where it was sent: nothing was lost by waiting.
    const waiting = await receiveAll(c.sqs, await findQueue(c.sqs, 'POC-Queue'), 1);
    assert.deepEqual(waiting.map((m) => m.MessageId), [result.sent[0]!.messageId]);
  });
});

describe('cleanup', () => {
  it('removes a lab whose setup stopped halfway', { timeout: 120_000 }, async () => {
    const aws = await newAws();
    const sqs = await aws.client('sqs');
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { QueueName?: string };
        if (context.commandName === 'CreateQueueCommand' && input.QueueName === 'POC-Queue') {
          throw Object.assign(new Error('User: arn:aws:iam::123456789012:user/student is not authorized to perform: sqs:createqueue'), { name: 'AccessDenied', $fault: 'client' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'refusePocQueue' },
    );
    const half = await runSetup({}, aws);
    assert.equal(half.exitCode, 1);
    assert.ok(half.error, 'setup reports the failure');
    assert.match(half.error.message, /POC-Queue/);
    const outcome = (name: string) => half.resources.find((r) => r.name === name)?.outcome;
    assert.equal(outcome('POC-Queue'), 'failed');
    assert.equal(outcome('POC-Queue-DLQ'), 'created');
    assert.equal(outcome('orders'), 'created');
    assert.equal(outcome('Lambda-SQS-DynamoDB'), 'created');
    assert.equal(outcome('POC-Lambda-1 SQS trigger'), 'skipped', 'the trigger needs the queue');
    // The API is built up to its integration, which names the queue, and stops there.
    const api = half.resources.find((r) => r.name === 'POC-API')!;
    assert.equal(api.outcome, 'skipped');
    assert.deepEqual(api.reasons, ['stopped part-way: sqs-queue POC-Queue did not finish']);
    const partial = await inventory();
    // The failures queue needs nothing of task 3, so it is built anyway.
    assert.deepEqual(partial.queues, ['POC-Lambda-2-Failures', 'POC-Queue-DLQ']);
    assert.deepEqual(partial.apis, ['POC-API']);
    const restApiId = (await c.apigateway.getRestApis({})).items![0].id!;
    const methods = ((await c.apigateway.getResources({ restApiId, embed: ['methods'] })).items ?? []).flatMap((r) => Object.values(r.resourceMethods ?? {}));
    assert.equal(methods.length, 1);
    assert.equal(methods[0].methodIntegration, undefined, 'no integration naming a queue that is not there');
    assert.ok(partial.roles.length > 0 && partial.tables.length > 0);

    const cleaned = await runCleanup({}, await newAws());
    assert.equal(cleaned.exitCode, 0, cleaned.error?.message);
    assert.deepEqual(cleaned.remaining, []);
    const found = cleaned.found.map((r) => r.name);
    assert.ok(found.includes('POC-Queue-DLQ') && found.includes('POC-API') && !found.includes('POC-Queue'), found.join(', '));
    assert.deepEqual(await inventory(), NOTHING);
  });

  it('of one prefix leaves another student’s lab complete', { timeout: 120_000 }, async () => {
    const [alice, bob] = await Promise.all([runSetup({ prefix: 'alice' }), runSetup({ prefix: 'bob' })]);
    assert.equal(alice.exitCode, 0, alice.error?.message);
    assert.equal(bob.exitCode, 0, bob.error?.message);
    assert.deepEqual(await inventory(), merge(wholeLab('alice'), wholeLab('bob')));

    const cleaned = await runCleanup({ prefix: 'alice' });
    assert.equal(cleaned.exitCode, 0, cleaned.error?.message);
    assert.equal(cleaned.prefix, 'alice');
    assert.equal(cleaned.found.length, 21);
    assert.ok(!cleaned.found.some((r) => r.name.includes('bob')), cleaned.found.map((r) => r.name).join(', '));
    assert.deepEqual(await inventory(), wholeLab('bob'), 'bob’s lab is all that is left');

    const bobNow = await status(options({ prefix: 'bob' }), {});
    assert.equal(bobNow.exitCode, 0);
    assert.equal(bobNow.complete, true);
    const aliceNow = await status(options({ prefix: 'alice' }), {});
    assert.equal(aliceNow.exitCode, 3);
    assert.equal(aliceNow.complete, false);
    assert.deepEqual(
      aliceNow.resources.filter((r) => r.state !== 'missing').map((r) => `${r.name}: ${r.state}`),
      [],
    );
  });

  it('run twice: the second finds nothing and changes nothing', { timeout: 120_000 }, async () => {
    assert.equal((await runSetup()).exitCode, 0);
    const first = await runCleanup();
    assert.equal(first.exitCode, 0, first.error?.message);
    assert.equal(first.found.length, 21);

    const aws = await newAws();
    const second = await runCleanup({}, aws);
    assert.equal(second.exitCode, 0);
    assert.deepEqual(second.found, []);
    assert.deepEqual(second.deleted, []);
    assert.deepEqual(second.remaining, []);
    assert.ok(aws.calls.length > 0, 'it did look');
    assert.deepEqual(mutating(aws), []);
    assert.deepEqual(await inventory(), NOTHING);
  });

  it('asks before deleting: refuses with nobody to ask, keeps everything when the answer is no, and only lists with --dry-run', { timeout: 120_000 }, async () => {
    assert.equal((await runSetup()).exitCode, 0);

    // No --yes and no terminal: it only reads, then refuses with a usage error, nothing changed.
    const silent = await newAws();
    await assert.rejects(cleanup(options({ yes: undefined }), { reporter: await quiet(), aws: silent }), (error: { exitCode?: number; message?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message ?? '', /would delete 21 resource\(s\) and needs a confirmation/);
      return true;
    });
    assert.deepEqual(silent.calls.filter((c) => c.mutating), []);
    assert.deepEqual(await inventory(), wholeLab(), 'nothing was deleted');

    // Asked, and the answer is no.
    const questions: string[] = [];
    const declined = await newAws();
    const no = await cleanup(options({ yes: undefined }), {
      reporter: await quiet(),
      aws: declined,
      confirm: async (question) => {
        questions.push(question);
        return false;
      },
    });
    assert.equal(questions.length, 1);
    assert.match(questions[0]!, /21 resources/);
    assert.equal(no.cancelled, true);
    assert.equal(no.exitCode, 0);
    assert.deepEqual(no.deleted, []);
    assert.deepEqual(mutating(declined), []);
    assert.equal((await status(options(), {})).complete, true, 'nothing was deleted');

    // --dry-run: lists what would go, deletes nothing, asks nothing.
    const dry = await newAws();
    const plan = await cleanup(options({ yes: undefined, dryRun: true }), {
      reporter: await quiet(),
      aws: dry,
      confirm: async () => assert.fail('--dry-run does not ask'),
    });
    assert.equal(plan.exitCode, 0);
    assert.equal(plan.dryRun, true);
    assert.equal(plan.found.length, 21);
    assert.ok(plan.found.some((r) => r.name === 'POC-Queue') && plan.found.some((r) => r.name === '/aws/lambda/POC-Lambda-2'));
    assert.deepEqual(plan.deleted, []);
    assert.deepEqual(mutating(dry), []);
    assert.deepEqual(await inventory(), wholeLab());
    assert.equal((await status(options(), {})).complete, true);
  });
});

describe('logs', () => {
  it('--follow keeps saying what it waits for: a function that has not run, then the moment it logs', { timeout: 120_000 }, async () => {
    await c.logs.createLogGroup({ logGroupName: '/aws/lambda/POC-Lambda-2' });
    const stop = new AbortController();
    const notices: string[] = [];
    const printed: LogLine[] = [];
    const line = JSON.stringify({ event: 'published', orderID: 'late-order' });
    const run = logs('2', options({ follow: true }), {
      signal: stop.signal,
      print: (lines: LogLine[]) => printed.push(...lines),
      notice: (text: string) => {
        notices.push(text);
        // The function runs only after poc has said it is waiting for it.
        if (notices.length === 1) void writeLambdaLog('POC-Lambda-2', [{ level: 'INFO', text: line }]);
        else stop.abort();
      },
    });
    const result = await run;
    assert.equal(result.exitCode, 0);
    assert.match(notices[0]!, /^POC-Lambda-2 has not run: .*Waiting for its first lines/);
    assert.equal(notices[1], 'POC-Lambda-2 has logged: its lines follow.');
    assert.ok(printed.some((l) => l.message.includes(line)), printed.map((l) => l.message).join('\n'));
  });

  it('says which function has not run, prints what a function logged, and refuses bad choices', { timeout: 120_000 }, async () => {
    assert.equal((await runSetup()).exitCode, 0);
    const printed: LogLine[][] = [];
    const notices: string[] = [];
    const deps = (aws?: Aws) => ({ print: (lines: LogLine[]) => printed.push(lines), notice: (text: string) => notices.push(text), ...(aws ? { aws } : {}) });

    const none = await logs(undefined, options(), deps());
    assert.equal(none.exitCode, 0);
    assert.equal(none.lines.length, 0);
    assert.equal(printed.length, 0, 'nothing to print');
    assert.equal(notices.length, 2, notices.join(' | '));
    const two = notices.find((t) => t.startsWith('POC-Lambda-2 '));
    assert.ok(two, notices.join(' | '));
    assert.match(two, /has not run/);
    assert.doesNotMatch(two, /no log group/, 'setup made the group: the function has simply not run');

    notices.length = 0;
    const line = JSON.stringify({ event: 'order-written', orderID: 'order-in-the-log' });
    await writeLambdaLog('POC-Lambda-1', [{ level: 'INFO', text: line }]);
    // An older line, outside --since 10m, must not be shown.
    await c.logs.createLogStream({ logGroupName: '/aws/lambda/POC-Lambda-1', logStreamName: 'old' });
    await c.logs.putLogEvents({ logGroupName: '/aws/lambda/POC-Lambda-1', logStreamName: 'old', logEvents: [{ timestamp: Date.now() - 20 * 60_000, message: 'an old line' }] });

    const one = await logs('1', options({ since: '10m' }), deps());
    assert.equal(one.exitCode, 0);
    assert.deepEqual(notices, [], 'POC-Lambda-1 has run');
    assert.equal(printed.length, 1);
    const messages = printed[0]!.map((l) => l.message);
    assert.ok(messages.some((m) => m.includes(line)), messages.join('\n'));
    assert.ok(!messages.some((m) => m.includes('an old line')), 'older than --since');
    assert.ok(printed[0]!.every((l) => l.function === 'POC-Lambda-1'));
    assert.deepEqual(one.lines, printed[0]);

    const wider = await logs('1', options({ since: '1h' }), deps());
    assert.ok(wider.lines.some((l) => l.message === 'an old line'), 'a wider --since reaches it');

    for (const [choice, since] of [['3', undefined], ['1', 'abc'], [undefined, '0m']] as const) {
      const aws = await newAws();
      await assert.rejects(logs(choice, options({ since }), deps(aws)), (error: { exitCode?: number }) => error.exitCode === 2, `logs ${choice} --since ${since}`);
      assert.deepEqual(aws.calls, [], 'refused before any AWS call');
    }
  });
});
