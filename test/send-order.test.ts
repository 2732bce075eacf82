// poc send-order (task 9), called in-process against moto: what it refuses before any
// AWS call, where it reads the order from, what it sends to the API (a local stand-in
// server, since moto cannot serve a deployed stage over HTTP) and to the queue.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { SQS } from '@aws-sdk/client-sqs';
import { createAws, type Aws } from '../src/aws/clients.js';
import { sendOrder, type SendOrderDeps, type SendOrderOptions } from './helpers/try-it.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import { createQueue, receiveAll, type Queue } from './helpers/events.js';
import { startMoto, type Moto } from './helpers/moto.js';

const REGION = 'us-east-1';
const ORDER = { item: 'latex gloves', customerID: '12345', quantity: 3, notes: ['nitrile', 'size M'] };
const ORDER_JSON = JSON.stringify(ORDER);

let moto: Moto;
let sqs: SQS;
let dir: string;

before(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.POC_BACKOFF_SCALE = '0.01';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMoto();
  sqs = new SQS({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  dir = await mkdtemp(join(tmpdir(), 'poc-send-order-'));
});

after(async () => {
  sqs?.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await moto.reset();
});

const options = (extra: Partial<SendOrderOptions> = {}): SendOrderOptions => ({ endpointUrl: moto.endpoint, region: REGION, yes: true, ...extra });
const newAws = () => createAws({ endpointUrl: moto.endpoint, region: REGION });

/** POC-Queue alone is all that --via queue needs; made by hand, it has no trigger to take the messages. */
const labQueue = (): Promise<Queue> => createQueue(sqs, 'POC-Queue');

async function depth(queue: Queue): Promise<string> {
  const { Attributes } = await sqs.getQueueAttributes({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages'] });
  return Attributes!.ApproximateNumberOfMessages!;
}

describe('bad input is refused before any AWS call', () => {
  // One byte over what fits: the notification carries the order inside the stored item
  // ({"orderID":"<36 characters>","order":…,"receivedAt":"<24 characters>"}, 99 bytes more),
  // in one SNS message of at most 256 KiB (262,144 bytes).
  const room = 256 * 1024 - 99;
  const big = JSON.stringify({ note: 'x'.repeat(room - 11 + 1) });
  const cases: { name: string; input?: string; options?: Partial<SendOrderOptions>; deps?: Partial<SendOrderDeps>; message: RegExp }[] = [
    { name: 'not JSON', input: 'not json', message: /not valid JSON/ },
    { name: 'an array', input: '[1,2]', message: /must be a JSON object, not an array/ },
    { name: 'a string', input: '"text"', message: /must be a JSON object, not a string/ },
    { name: 'null', input: 'null', message: /must be a JSON object, not null/ },
    { name: 'a number', input: '42', message: /must be a JSON object, not a number/ },
    { name: 'an empty object', input: '{}', message: /empty object/ },
    { name: 'an order one byte over what one notification holds', input: big, message: new RegExp(`${room + 1} bytes; at most ${room} fit`) },
    { name: 'no order at all', input: undefined, message: /No order given/ },
    // What POC-Lambda-1 could never store (it would end in the dead-letter queue).
    { name: 'a number beyond DynamoDB’s range (1e400)', input: '{"item":"tea","quantity":1e400}', message: /cannot be stored: 1e400 does not fit a DynamoDB number/ },
    { name: 'a number of 39 significant digits', input: `{"item":"tea","n":${'1'.repeat(39)}}`, message: /cannot be stored: 1{39} does not fit/ },
    { name: 'a number below DynamoDB’s smallest (1e-131)', input: '{"item":"tea","n":[1e-131]}', message: /cannot be stored: 1e-131/ },
    { name: 'nesting 33 levels deep', input: `{"a":${'['.repeat(32)}1${']'.repeat(32)}}`, message: /nests 33 levels deep; DynamoDB stores at most 32/ },
    { name: '--count 0', input: ORDER_JSON, options: { count: 0 }, message: /--count must be a whole number from 1 to/ },
    { name: '--count x', input: ORDER_JSON, options: { count: 'x' }, message: /--count must be a whole number/ },
    { name: '--count 100001', input: ORDER_JSON, options: { count: '100001' }, message: /--count must be a whole number/ },
    { name: '--count 2.5', input: ORDER_JSON, options: { count: '2.5' }, message: /--count must be a whole number/ },
    { name: '--concurrency 0', input: ORDER_JSON, options: { concurrency: 0 }, message: /--concurrency must be a whole number/ },
    { name: '--timeout 0', input: ORDER_JSON, options: { timeout: '0', wait: true }, message: /--timeout must be a whole number/ },
    { name: '--wait with --count', input: ORDER_JSON, options: { count: 2, wait: true }, message: /--wait follows one order/ },
    { name: '--via email', input: ORDER_JSON, options: { via: 'email' }, message: /--via must be api or queue/ },
    { name: '--api-url that is not http', input: ORDER_JSON, options: { via: 'api', apiUrl: 'ftp://example.com/orders' }, message: /not an http\(s\) URL/ },
    { name: 'both an argument and --file', input: ORDER_JSON, options: { file: 'FILE' }, message: /either as an argument or with --file/ },
    { name: 'a missing --file', input: undefined, options: { file: 'MISSING' }, message: /Cannot read .*no such file/ },
    { name: 'a --file that is not an order', input: undefined, options: { file: 'NOT_ORDER' }, message: /must be a JSON object/ },
    { name: '- with no standard input', input: '-', message: /reads the order from standard input, but that is a terminal/ },
    { name: '- with an empty standard input', input: '-', deps: { stdin: async () => '' }, message: /standard input is not valid JSON/ },
  ];

  for (const test of cases) {
    it(`${test.name}: exit code 2, nothing sent`, { timeout: 60_000 }, async () => {
      const queue = await labQueue();
      const file = test.options?.file;
      const paths: Record<string, string> = { FILE: join(dir, 'valid.json'), MISSING: join(dir, 'no-such-order.json'), NOT_ORDER: join(dir, 'list.json') };
      await writeFile(paths.FILE!, ORDER_JSON);
      await writeFile(paths.NOT_ORDER!, '[{"item":"gloves"}]');
      // Should the check ever be missed, the first AWS call stops the run (no 100001 sends).
      const stop = new AbortController();
      const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION, onCall: () => stop.abort() });
      await assert.rejects(
        sendOrder(test.input, options({ via: 'queue', ...test.options, ...(file ? { file: paths[file] } : {}) }), { aws, signal: stop.signal, ...test.deps }),
        (error: { exitCode?: number; name?: string; message?: string }) => {
          assert.equal(error.name, 'UsageError');
          assert.equal(error.exitCode, 2);
          assert.match(error.message ?? '', test.message);
          return true;
        },
      );
      assert.deepEqual(aws.calls, [], 'no AWS call was made');
      assert.equal(await depth(queue), '0', 'POC-Queue received nothing');
    });
  }

  it('takes what DynamoDB can hold: 38 digits, 1E+125, 1e-130, nesting 32 levels deep', { timeout: 60_000 }, async () => {
    const queue = await labQueue();
    const aws = await newAws();
    const orders = [`{"n":${'9'.repeat(38)}}`, '{"n":-1.5e-3}', '{"n":9.9999999999999999999999999999999999999E+125}', '{"n":1e-130}', `{"a":${'['.repeat(31)}1${']'.repeat(31)}}`];
    for (const order of orders) assert.equal((await sendOrder(order, options({ via: 'queue' }), { aws })).exitCode, 0, order);
    assert.equal(await depth(queue), String(orders.length));
  });

  it('counts bytes, not characters, against the limit', { timeout: 60_000 }, async () => {
    const queue = await labQueue();
    // 'é' is two bytes in UTF-8: under the limit in characters, over it in bytes.
    const body = JSON.stringify({ note: 'é'.repeat(140_000) });
    assert.ok(body.length < 262_144 && Buffer.byteLength(body) > 262_144);
    const aws = await newAws();
    await assert.rejects(sendOrder(body, options({ via: 'queue' }), { aws }), (error: { exitCode?: number }) => error.exitCode === 2);
    assert.deepEqual(aws.calls, []);
    assert.equal(await depth(queue), '0');
  });
});

describe('where the order comes from', () => {
  it('--file: the queue gets exactly the order in the file', { timeout: 60_000 }, async () => {
    const queue = await labQueue();
    const path = join(dir, 'order.json');
    await writeFile(path, `${JSON.stringify(ORDER, null, 2)}\n`);
    const result = await sendOrder(undefined, options({ via: 'queue', file: path }), {});
    assert.equal(result.exitCode, 0, result.error?.message);
    const messages = await receiveAll(sqs, queue, 1);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.Body, ORDER_JSON);
    assert.equal(messages[0]!.MessageId, result.sent[0]!.messageId);
  });

  it('- reads standard input once', { timeout: 60_000 }, async () => {
    const queue = await labQueue();
    let reads = 0;
    const result = await sendOrder('-', options({ via: 'queue' }), {
      stdin: async () => {
        reads++;
        return `  ${ORDER_JSON}\n`;
      },
    });
    assert.equal(result.exitCode, 0, result.error?.message);
    assert.equal(reads, 1);
    const messages = await receiveAll(sqs, queue, 1);
    assert.deepEqual(messages.map((m) => m.Body), [ORDER_JSON]);
    assert.equal(result.target, queue.url);
  });

  it('--via queue with no queue says to run setup, and exits 1', { timeout: 60_000 }, async () => {
    await assert.rejects(sendOrder(ORDER_JSON, options({ via: 'queue' }), {}), (error: { exitCode?: number; message?: string; hint?: string }) => {
      assert.equal(error.exitCode, 1);
      assert.match(error.message ?? '', /POC-Queue does not exist/);
      assert.match(error.hint ?? '', /poc setup/);
      return true;
    });
  });
});

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in for the deployed API on 127.0.0.1: records each request and gives the canned answer. */
async function standIn(status: number, answer: string, contentType = 'application/json'): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(status, { 'Content-Type': contentType });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/prod/orders`, seen, server };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('--via api (the default) against a stand-in API', () => {
  it('POSTs the order as JSON to the URL and reports the MessageId from the JSON answer', { timeout: 60_000 }, async () => {
    const api = await standIn(200, '{"SendMessageResponse":{"SendMessageResult":{"MessageId":"abc-123","MD5OfMessageBody":"x"},"ResponseMetadata":{"RequestId":"r-1"}}}');
    try {
      const aws = await newAws();
      const result = await sendOrder(ORDER_JSON, options({ apiUrl: api.url }), { aws });
      assert.equal(result.exitCode, 0, result.error?.message);
      assert.equal(result.via, 'api');
      assert.equal(result.target, api.url);
      assert.equal(result.sent.length, 1);
      assert.equal(result.sent[0]!.messageId, 'abc-123');
      assert.equal(result.sent[0]!.status, 200);
      assert.equal(result.sent[0]!.ok, true);
      assert.equal(api.seen.length, 1, 'one request');
      const [request] = api.seen;
      assert.equal(request!.method, 'POST');
      assert.equal(request!.url, '/prod/orders');
      assert.equal(request!.headers['content-type'], 'application/json');
      assert.equal(request!.body, ORDER_JSON);
      assert.deepEqual(
        aws.calls.filter((call) => call.service !== 'sts'),
        [],
        'with --api-url nothing else in AWS is needed to send',
      );
    } finally {
      await close(api.server);
    }
  });

  it('a 400 answer fails with exit code 1 and a hint about the JSON object', { timeout: 60_000 }, async () => {
    const api = await standIn(400, '{"message": "Invalid request body"}');
    try {
      const result = await sendOrder(ORDER_JSON, options({ apiUrl: api.url }), {});
      assert.equal(result.exitCode, 1);
      assert.equal(result.sent[0]!.ok, false);
      assert.equal(result.sent[0]!.status, 400);
      assert.equal(result.sent[0]!.body, '{"message": "Invalid request body"}');
      assert.deepEqual(result.summary.accepted, 0);
      assert.ok(result.error);
      assert.match(result.error.message, /HTTP 400/);
      assert.match(result.error.hint ?? '', /JSON object/);
      assert.equal(api.seen.length, 1);
    } finally {
      await close(api.server);
    }
  });

  it('reads the MessageId from an XML answer', { timeout: 60_000 }, async () => {
    const api = await standIn(
      200,
      '<?xml version="1.0"?><SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><SendMessageResult><MessageId>x-1</MessageId><MD5OfMessageBody>abc</MD5OfMessageBody></SendMessageResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></SendMessageResponse>',
      'text/xml',
    );
    try {
      const result = await sendOrder(ORDER_JSON, options({ apiUrl: api.url }), {});
      assert.equal(result.exitCode, 0, result.error?.message);
      assert.equal(result.sent[0]!.messageId, 'x-1');
    } finally {
      await close(api.server);
    }
  });

  it('--wait with an answer that has no MessageId fails with exit code 1 instead of waiting', { timeout: 60_000 }, async () => {
    const api = await standIn(200, '{}');
    try {
      const started = Date.now();
      const result = await sendOrder(ORDER_JSON, options({ apiUrl: api.url, wait: true, timeout: 30 }), {});
      assert.ok(Date.now() - started < 10_000, 'it did not wait for the timeout');
      assert.equal(result.exitCode, 1);
      assert.match(result.error?.message ?? '', /no MessageId/);
      assert.equal(result.hops, undefined);
    } finally {
      await close(api.server);
    }
  });

  it('an API that cannot be reached is reported as not accepted, exit code 1', { timeout: 60_000 }, async () => {
    const api = await standIn(200, '{}');
    await close(api.server); // nothing listens there now
    const result = await sendOrder(ORDER_JSON, options({ apiUrl: api.url }), {});
    assert.equal(result.exitCode, 1);
    assert.equal(result.sent[0]!.ok, false);
    assert.equal(result.sent[0]!.status, undefined);
    assert.ok(result.sent[0]!.error, 'the network error is kept');
    assert.match(result.error?.message ?? '', /1 of 1 order\(s\) were not accepted/);
  });

  it('without --api-url, sends to POC-API’s invoke URL for the prod stage', { timeout: 60_000 }, async () => {
    const built = await setup({ endpointUrl: moto.endpoint, region: REGION, email: 'student@example.com' }, { reporter: await createReporter({ json: true }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    const apigateway = new APIGateway({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const { items = [] } = await apigateway.getRestApis({});
    apigateway.destroy();
    const apis = items.filter((a) => a.name === 'POC-API');
    assert.equal(apis.length, 1);
    const expected = `https://${apis[0]!.id}.execute-api.${REGION}.amazonaws.com/prod/orders`;

    // The invoke URL is real AWS's, which is not there for moto's API (and there may be no
    // network at all): the send fails, and must be reported, not thrown. Bounded by a signal.
    const signal = AbortSignal.timeout(10_000);
    const result = await sendOrder(ORDER_JSON, options(), { signal });
    assert.equal(result.via, 'api');
    assert.equal(result.target, expected);
    assert.equal(result.exitCode, 1);
    assert.equal(result.sent.length, 1);
    assert.equal(result.sent[0]!.ok, false);
  });

  it('without --api-url and without POC-API says to run setup', { timeout: 60_000 }, async () => {
    await assert.rejects(sendOrder(ORDER_JSON, options(), {}), (error: { exitCode?: number; message?: string; hint?: string }) => {
      assert.equal(error.exitCode, 1);
      assert.match(error.message ?? '', /POC-API does not exist/);
      assert.match(error.hint ?? '', /poc setup/);
      return true;
    });
  });
});

describe('--count', () => {
  it('sends 25 numbered orders, at most 4 at a time', { timeout: 60_000 }, async () => {
    const queue = await labQueue();
    const aws: Aws = await newAws();
    let inFlight = 0;
    let most = 0;
    (await aws.client('sqs')).middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'SendMessageCommand') return next(args);
        most = Math.max(most, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );
    const progress: string[] = [];
    const result = await sendOrder(ORDER_JSON, options({ via: 'queue', count: 25, concurrency: 4 }), { aws, progress: (t) => progress.push(t) });
    assert.equal(result.exitCode, 0, result.error?.message);
    assert.deepEqual(result.summary.total, 25);
    assert.deepEqual([result.summary.accepted, result.summary.failed], [25, 0]);
    assert.deepEqual(result.sent.map((s) => s.sequence), Array.from({ length: 25 }, (_, i) => i + 1));
    assert.ok(result.sent.every((s) => s.ok && s.messageId));
    assert.equal(new Set(result.sent.map((s) => s.messageId)).size, 25, 'every order has its own MessageId');
    assert.equal(aws.calls.filter((call) => call.operation === 'SendMessage').length, 25);
    assert.ok(most <= 4, `at most 4 at once, saw ${most}`);
    assert.ok(most > 1, `orders were sent side by side, saw ${most}`);
    assert.deepEqual(progress, ['25/25 sent']);

    const messages = await receiveAll(sqs, queue, 25);
    assert.equal(messages.length, 25);
    const bodies = messages.map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
    assert.deepEqual(bodies.map((b) => b.sequence).sort((a, b) => Number(a) - Number(b)), Array.from({ length: 25 }, (_, i) => i + 1));
    for (const { sequence, ...rest } of bodies) assert.deepEqual(rest, ORDER, `order ${sequence} is the order plus its number`);
    assert.deepEqual(new Set(messages.map((m) => m.MessageId)), new Set(result.sent.map((s) => s.messageId)));
    const bySequence = new Map(result.sent.map((s) => [s.sequence, s.messageId]));
    for (const m of messages) assert.equal(bySequence.get(JSON.parse(m.Body!).sequence), m.MessageId, 'each MessageId is reported against its own order');
  });
});
