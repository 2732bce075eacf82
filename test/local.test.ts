// The local AWS (poc local, --local) end to end: the lab built by `setup --local`, orders
// going in over HTTP at the stage and through the queue, the functions run from their
// deployed zips by the runtime, the mails in the local inbox. No event is built here: each
// hop is produced by the one before it. One local AWS serves the file (started by the first
// setup --local, as a user's would be); moto's reset empties it between tests.
// This is where the lab's task 9 is proven for both labs: an order through every hop with
// the notification equal to the stored item, send-order --wait's hops and times, logs of
// what the functions logged, cleanup after it all; the inventory files through S3 ->
// Load-Inventory -> the stream -> Check-Stock -> the alerts, and upload --wait's hops.
// (lifecycle.test.ts and inventory-upload.test.ts keep what needs no function to run.)
// The runtime runs the functions under poc's own Node, and POC-Lambda-1 keeps an order's
// digits with what JSON.parse gives from Node 22 on, so run-tests.js runs this file (poc,
// and so the functions) under Node 22:
// @node 22
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { zipOf } from './helpers/artifacts.js';
import { ROOT, runPoc } from './helpers/cli.js';
import { EMAIL, REGION, localAws, until, type LocalState as State } from './helpers/local-aws.js';

// The runtime's retry waits (five stream retries: 12.5 s) and poc's polls shrink tenfold.
const local = localAws('local-test', { POC_BACKOFF_SCALE: '0.1' });
const { env, poc, state, inbox, notifications, queueUrl, logText, labWithConfirmedMail, file, running } = local;
let c: typeof local.sdk;

/** The queue's messages, visible and in flight: "0 0" once every order was taken and deleted. */
async function depth(name: string): Promise<string> {
  const { Attributes } = await c.sqs.getQueueAttributes({ QueueUrl: await queueUrl(name), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] });
  return `${Attributes?.ApproximateNumberOfMessages} ${Attributes?.ApproximateNumberOfMessagesNotVisible}`;
}

before(async () => {
  // Nothing runs yet: --local says how to start it, and changes nothing.
  const none = await poc('status', '--local');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /No local AWS runs on this machine/);
  assert.match(none.stderr, /poc local start/);
  // The other way it names, setup, needs an address on a new lab: the hint carries one.
  const hint = none.stderr.replace(/\s+/g, ' ');
  assert.match(hint, /`poc setup [^`]*--email [^`]*`, which starts it/);
  assert.match(hint, /`poc setup [^`]*--local[^`]*`, which starts it/);
});

after(() => local.stop());

describe('the order lab on the local AWS', () => {
  before(async () => {
    // setup --local starts the local AWS when none runs.
    const setup = await poc('setup', '--local', '--email', EMAIL);
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stderr, /Starting the local AWS/);
    c = local.sdk;
    assert.match(setup.stdout, new RegExp(`Orders API: ${state().stageUrl}/\\w+/prod/orders`), 'the invoke URL setup prints is the local stage');
    assert.match(setup.stdout, /poc send-order .* --local/);
    assert.doesNotMatch(setup.stdout, /--via queue|--endpoint-url/);
  });

  beforeEach(() => local.reset());

  it('a second start says it already runs, and where; status counts what it holds', async () => {
    const again = await poc('local', 'start', '--detach');
    assert.equal(again.code, 2);
    assert.match(again.stderr.replace(/\s+/g, ' '), new RegExp(`already runs \\(pid ${state().pid},.* AWS at ${state().endpoint.replace(/[/.]/g, '\\$&')}`));
    await labWithConfirmedMail();
    const status = await poc('local', 'status', '--json');
    assert.equal(status.code, 0, status.stderr);
    const doc = JSON.parse(status.stdout) as { running: boolean; functions: number; mappings: number; mails: number };
    assert.deepEqual([doc.running, doc.functions, doc.mappings, doc.mails], [true, 2, 2, 1]);
  });

  it('the subscription is pending until confirmed; then an order POSTed to the stage URL reaches the inbox as the notification, with the order as JSON', async () => {
    const setup = await poc('setup', '--local', '--email', EMAIL);
    assert.equal(setup.code, 0, setup.stderr);
    const url = /Orders API: (\S+)/.exec(setup.stdout)![1]!;
    // No mail leaves this machine: setup names the local inbox and the command that confirms.
    const said = setup.stdout.replace(/\s+/g, ' ');
    assert.match(said, new RegExp(`a confirmation mail to ${EMAIL} in its inbox\\. \`poc local confirm ${EMAIL}\` follows its link`));
    assert.doesNotMatch(said, /AWS emailed/);
    const [confirmation] = await inbox();
    assert.equal(confirmation?.subject, 'AWS Notification - Subscription Confirmation');
    assert.equal(confirmation?.to, EMAIL);
    const pending = await poc('status', '--local');
    assert.match(pending.stdout, /pending confirmation/);

    // Before the link is followed, SNS delivers nothing to the address.
    const early = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ item: 'before confirming' }) });
    assert.equal(early.status, 200, await early.text());
    await until('POC-Lambda-2 to announce the early order', () => logText('/aws/lambda/POC-Lambda-2'), (t) => t.includes('"order-announced"'));
    assert.equal((await notifications()).length, 0);

    const confirm = await poc('local', 'confirm');
    assert.equal(confirm.code, 0, confirm.stderr);
    assert.match(confirm.stdout, new RegExp(`Confirmed ${EMAIL} to POC-Topic`));
    // Characters that a template or an encoding could mangle on the way: the order is kept byte for byte.
    const body = JSON.stringify({ item: 'latex gloves', customerID: '12345', quantity: 3, note: 'gloves & mops = 100% "sure" + más\nfast' });
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const answer = await res.text();
    assert.equal(res.status, 200, answer);
    const [mail] = await until('the notification in the inbox', notifications, (m) => m.length > 0);
    assert.equal(mail!.to, EMAIL);
    assert.equal(mail!.subject, 'New Order Notification');
    const message = JSON.parse(mail!.message!) as { orderID: string; order: unknown };
    assert.deepEqual(message.order, JSON.parse(body));
    assert.ok(answer.includes(message.orderID), `the order is keyed by the MessageId the API answered: ${answer}`);
    // The notification is the item as POC-Lambda-1 stored it, and the order left the queue.
    const { Item } = await c.dynamodb.getItem({ TableName: 'orders', Key: { orderID: { S: message.orderID } }, ConsistentRead: true });
    assert.ok(Item, `orders has ${message.orderID}`);
    assert.deepEqual(message, unmarshall(Item));
    assert.equal(await depth('POC-Queue'), '0 0');
    assert.ok(mail!.body.startsWith(mail!.message!) && mail!.body.includes('If you wish to stop receiving notifications from this topic'), mail!.body);

    // An order send-order accepts can be announced: 80 KB as JSON, stored (DynamoDB takes
    // 400 KB) and published whole (SNS takes 256 KiB). Refusing it up front would be right too.
    const big = { item: 'cable ties', lengths: Array.from({ length: 40_000 }, (_, i) => i % 10) };
    const sent = await poc('send-order', '--file', file('big-order.json', JSON.stringify(big)), '--local', '--via', 'queue');
    if (sent.code !== 2) {
      assert.equal(sent.code, 0, sent.stderr);
      const mails = await until('the big order’s notification', notifications, (m) => m.length > 1);
      assert.deepEqual((JSON.parse(mails[1]!.message!) as { order: unknown }).order, big);
    }
  });

  it('send-order --local --wait shows every hop, in order, with its time; logs shows what each function logged; cleanup then leaves nothing', async () => {
    await labWithConfirmedMail();
    // logs --follow, started before any order: it says what it waits for, then the lines as they come.
    const follow = running('logs', '2', '--local', '--follow');
    let id = '';
    try {
      await until('logs --follow to say what it waits for', async () => follow.seen.err.replace(/\s+/g, ' '), (e) => /POC-Lambda-2 has not run: .*Waiting for its first lines/.test(e));
      const run = await poc('send-order', '{"item":"sponge"}', '--local', '--wait');
      assert.equal(run.code, 0, run.stderr + run.stdout);
      id = /MessageId (\S+)/.exec(run.stdout)?.[1] ?? '';
      assert.ok(id, run.stdout);
      const hops = [...run.stdout.matchAll(/^\s*✔ (.+?)\s+(\d+\.\d)s {2}(.*)$/gm)].map(([, name, seconds, detail]) => ({ name, seconds: Number(seconds), detail }));
      assert.deepEqual(
        hops.map((h) => h.name),
        ['accepted', 'taken from the queue', 'item in orders', 'notification published'],
        run.stdout,
      );
      assert.match(hops[0]!.detail, new RegExp(id));
      assert.equal(hops[2]!.detail, `orderID ${id}`);
      for (let i = 1; i < hops.length; i++) assert.ok(hops[i]!.seconds >= hops[i - 1]!.seconds, `each hop's time follows the one before: ${run.stdout}`);
      assert.match(run.stderr, /waiting: /, 'it said what it was waiting for');
      await until('the notification in the inbox', notifications, (m) => m.some((x) => x.message?.includes('sponge')));

      await until('logs --follow to print POC-Lambda-2’s line for the order', async () => follow.seen.out, (o) => o.split('\n').some((l) => l.includes(id) && l.includes('"order-announced"')));
      assert.match(follow.seen.err, /POC-Lambda-2 has logged: its lines follow\./);
      assert.match(follow.seen.out, /^\S+Z \[POC-Lambda-2\] START RequestId/m);
    } finally {
      assert.equal(await follow.interrupt(), 0, 'Ctrl-C is how --follow ends');
    }
    const logs = await poc('logs', '1', '--local');
    assert.equal(logs.code, 0, logs.stderr);
    assert.ok(logs.stdout.split('\n').some((l) => /\[POC-Lambda-1\]/.test(l) && l.includes('"order-written"') && l.includes(id)), logs.stdout);

    // Task 10 after the functions ran (their log streams, the stream's mapping): nothing left.
    const cleanup = await poc('cleanup', '--local', '--yes');
    assert.equal(cleanup.code, 0, cleanup.stderr + cleanup.stdout);
    const left = {
      functions: (await c.lambda.listFunctions({})).Functions ?? [],
      mappings: (await c.lambda.listEventSourceMappings({})).EventSourceMappings ?? [],
      queues: (await c.sqs.listQueues({})).QueueUrls ?? [],
      tables: (await c.dynamodb.listTables({})).TableNames ?? [],
      topics: (await c.sns.listTopics({})).Topics ?? [],
      logGroups: (await c.logs.describeLogGroups({})).logGroups ?? [],
      roles: (await c.iam.listRoles({})).Roles ?? [],
    };
    assert.deepEqual(Object.values(left).flat(), [], JSON.stringify(left));
  });

  it('the API rejects a body that is not JSON with 400 and the model’s message; nothing reaches the queue', async () => {
    const setup = await poc('setup', '--local', '--email', EMAIL);
    const url = /Orders API: (\S+)/.exec(setup.stdout)![1]!;
    // No mail leaves this machine: setup names the local inbox and the command that confirms.
    const said = setup.stdout.replace(/\s+/g, ' ');
    assert.match(said, new RegExp(`a confirmation mail to ${EMAIL} in its inbox\\. \`poc local confirm ${EMAIL}\` follows its link`));
    assert.doesNotMatch(said, /AWS emailed/);
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'item=gloves' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Invalid request body/);
    const { Attributes } = await c.sqs.getQueueAttributes({ QueueUrl: await queueUrl('POC-Queue'), AttributeNames: ['All'] });
    assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
    assert.equal(Attributes?.ApproximateNumberOfMessagesNotVisible, '0');
    assert.equal(await logText('/aws/lambda/POC-Lambda-1'), '');
  });

  it('a poison message sent to the queue is retried and lands in the DLQ after 5 receives', async () => {
    await labWithConfirmedMail();
    const url = await queueUrl('POC-Queue');
    // The queue's own visibility timeout paces the retries (60 s in the lab): lowered here by
    // hand, as a student might, so that five receives take seconds. The poller reads it.
    await c.sqs.setQueueAttributes({ QueueUrl: url, Attributes: { VisibilityTimeout: '1' } });
    await c.sqs.sendMessage({ QueueUrl: url, MessageBody: 'not an order {' });
    const dlq = await queueUrl('POC-Queue-DLQ');
    const moved = await until(
      'the poison message in POC-Queue-DLQ',
      async () => (await c.sqs.receiveMessage({ QueueUrl: dlq, MessageSystemAttributeNames: ['ApproximateReceiveCount'], VisibilityTimeout: 0 })).Messages ?? [],
      (m) => m.length > 0,
    );
    assert.equal(moved[0]!.Body, 'not an order {');
    const log = await logText('/aws/lambda/POC-Lambda-1');
    assert.equal((log.match(/^START RequestId/gm) ?? []).length, 5, log);
    assert.equal((await notifications()).length, 0);
  });

  it('an order whose notification fails every retry lands in the on-failure queue with Lambda’s record', async () => {
    await labWithConfirmedMail();
    // The topic goes: POC-Lambda-2's Publish fails (NotFound), on every retry.
    await c.sns.deleteTopic({ TopicArn: `arn:aws:sns:${REGION}:123456789012:POC-Topic` });
    const run = await poc('send-order', '{"item":"lost"}', '--local', '--via', 'queue');
    assert.equal(run.code, 0, run.stderr);
    const failures = await queueUrl('POC-Lambda-2-Failures');
    const [record] = await until('the on-failure record', async () => (await c.sqs.receiveMessage({ QueueUrl: failures, VisibilityTimeout: 0 })).Messages ?? [], (m) => m.length > 0, 150_000);
    const doc = JSON.parse(record!.Body!) as { requestContext: { condition: string; approximateInvokeCount: number; functionArn: string }; DDBStreamBatchInfo: { batchSize: number; streamArn: string } };
    assert.equal(doc.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(doc.requestContext.approximateInvokeCount, 6, 'the first try and MaximumRetryAttempts (5) retries');
    assert.match(doc.requestContext.functionArn, /function:POC-Lambda-2$/);
    assert.equal(doc.DDBStreamBatchInfo.batchSize, 1);
    assert.match(doc.DDBStreamBatchInfo.streamArn, /table\/orders\/stream\//);
  });

  it('a function that runs past its timeout is killed and logged as Lambda logs it (a hand-built function and trigger)', async () => {
    await labWithConfirmedMail();
    const code = await zipOf({ 'index.mjs': 'export const handler = async () => { console.log("working"); await new Promise((r) => setTimeout(r, 5000)); return "never"; };\n' });
    const role = (await c.iam.getRole({ RoleName: 'Lambda-SQS-DynamoDB' })).Role!.Arn!;
    await c.lambda.createFunction({ FunctionName: 'slow', Runtime: 'nodejs22.x', Role: role, Handler: 'index.handler', Timeout: 1, Code: { ZipFile: code } });
    const { QueueUrl } = await c.sqs.createQueue({ QueueName: 'slow-queue', Attributes: { VisibilityTimeout: '30' } });
    const { Attributes } = await c.sqs.getQueueAttributes({ QueueUrl, AttributeNames: ['QueueArn'] });
    await c.lambda.createEventSourceMapping({ FunctionName: 'slow', EventSourceArn: Attributes!.QueueArn!, BatchSize: 1 });
    await c.sqs.sendMessage({ QueueUrl, MessageBody: 'take your time' });
    const log = await until('the timeout in /aws/lambda/slow', () => logText('/aws/lambda/slow'), (t) => t.includes('Task timed out'));
    assert.match(log, /^START RequestId: ([\w-]+) Version: \$LATEST$/m);
    assert.match(log, /\tINFO\tworking/);
    assert.match(log, /^\S+Z [\w-]+ Task timed out after 1\.00 seconds$/m);
    assert.match(log, /^REPORT RequestId: [\w-]+\tDuration: 1000\.00 ms\t.*Status: timeout/m);
  });

  it('a disabled mapping delivers nothing', async () => {
    await labWithConfirmedMail();
    const { EventSourceMappings = [] } = await c.lambda.listEventSourceMappings({ FunctionName: 'POC-Lambda-1' });
    // The runtime reads the mappings again as soon as Lambda's API changed one (tens of ms,
    // more on a loaded machine), and says so in its log: the message goes once it has.
    const logged = readFileSync(state().logFile, 'utf8').length;
    await c.lambda.updateEventSourceMapping({ UUID: EventSourceMappings[0]!.UUID!, Enabled: false });
    await until('the runtime to see the trigger disabled', async () => readFileSync(state().logFile, 'utf8').slice(logged), (t) => /POC-Lambda-1: its trigger on \S+:POC-Queue is disabled: it delivers nothing until it is enabled again/.test(t));
    const url = await queueUrl('POC-Queue');
    await c.sqs.sendMessage({ QueueUrl: url, MessageBody: '{"item":"held"}' });
    // An enabled mapping takes a message within a second (its readers wait in a long poll).
    await delay(2500);
    const { Attributes } = await c.sqs.getQueueAttributes({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] });
    assert.equal(Attributes?.ApproximateNumberOfMessages, '1');
    assert.equal(await logText('/aws/lambda/POC-Lambda-1'), '');
  });

  it('class setup --local for three students keeps each student’s orders and mails apart', async () => {
    const students = ['alice', 'bob', 'carol'];
    const setup = await poc('class', 'setup', '--local', '--students', students.join(','), '--email', '{student}@example.com');
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    assert.equal((await poc('local', 'confirm')).code, 0);
    for (const s of students) {
      const run = await poc('send-order', JSON.stringify({ item: `gloves for ${s}` }), '--local', '--prefix', s, '--via', 'queue');
      assert.equal(run.code, 0, run.stderr);
    }
    const mails = await until('one notification per student', notifications, (m) => m.length >= students.length);
    await delay(3000);
    assert.equal((await notifications()).length, students.length);
    for (const s of students) {
      const theirs = mails.filter((m) => m.to === `${s}@example.com`);
      assert.equal(theirs.length, 1, `${s} gets one mail`);
      assert.equal((JSON.parse(theirs[0]!.message!) as { order: { item: string } }).order.item, `gloves for ${s}`);
    }

    // bob's dashboard shows bob's mails only (his topic's): the confirmation and his order's.
    const board = spawn(process.execPath, ['bin/poc.js', 'dashboard', '--local', '--prefix', 'bob', '--no-open'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      board.stdout.on('data', (d) => (out += d));
      const url = await until('the dashboard’s URL', async () => /^http:\/\/127\.0\.0\.1:\d+\//m.exec(out)?.[0], (u) => u !== undefined);
      const { data } = (await (await fetch(`${url}api/snapshot`)).json()) as { data: { inbox: { to: string; subject: string }[] } };
      assert.deepEqual(data.inbox.map((m) => [m.to, m.subject]).sort(), [
        ['bob@example.com', 'AWS Notification - Subscription Confirmation'],
        ['bob@example.com', 'New Order Notification'],
      ]);
    } finally {
      board.kill('SIGINT');
      await new Promise((resolve) => board.once('close', resolve));
    }
  });

  it('a lab built elsewhere is not there under --local: status says what is missing', async () => {
    const status = await poc('status', '--local', '--prefix', 'elsewhere');
    assert.equal(status.code, 3);
    assert.match(status.stdout, /missing/i);
  });
});

describe('poc local start: life cycle and bad input', () => {
  const other = mkdtempSync(join(tmpdir(), 'poc-local-life-'));
  const envOther = { ...env, POC_STATE_DIR: other };
  after(() => rmSync(other, { recursive: true, force: true }));

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const children = (pid: number) =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('moto-launcher');
        } catch {
          return false;
        }
      })
      .map(Number);

  it('--local conflicts with --endpoint-url and --profile (exit 2, nothing started)', async () => {
    const a = await runPoc(['setup', '--local', '--endpoint-url', 'http://127.0.0.1:1'], envOther);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--local and --endpoint-url/);
    const b = await runPoc(['status', '--local', '--profile', 'x'], envOther);
    assert.equal(b.code, 2);
    assert.equal(existsSync(join(other, 'local', 'state.json')), false);
  });

  it('a busy port is named, with the fix', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const run = await runPoc(['local', 'start', '--port', String(port)], envOther);
    server.close();
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`Port ${port} on 127.0.0.1 is in use`));
    assert.match(run.stderr, /--port/);
  });

  it('Ctrl-C of a foreground start stops everything it started; Ctrl-C during the start too', async () => {
    const child = spawn(process.execPath, ['bin/poc.js', 'local', 'start'], { cwd: ROOT, env: envOther, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await until('the foreground start to be ready', async () => out, (o) => o.includes('Local AWS ready'), 120_000);
    const running = JSON.parse(readFileSync(join(other, 'local', 'state.json'), 'utf8')) as State;
    assert.equal(running.pid, child.pid);
    child.kill('SIGINT');
    assert.equal(await exited, 0, out);
    assert.equal(alive(running.motoPid), false, 'moto is stopped');
    assert.equal(existsSync(join(other, 'local', 'state.json')), false);

    // Interrupted once moto runs but before the runtime is ready.
    const second = spawn(process.execPath, ['bin/poc.js', 'local', 'start'], { cwd: ROOT, env: envOther, stdio: ['ignore', 'pipe', 'pipe'] });
    const secondExit = new Promise<number | null>((r) => second.once('exit', r));
    const [moto] = await until('moto to be started', async () => children(second.pid!), (p) => p.length > 0, 120_000);
    second.kill('SIGINT');
    const code = await secondExit;
    assert.ok(code === 130 || code === 0, `exit ${code}`);
    await until('moto to be gone', async () => alive(moto!), (a) => !a, 10_000);
    assert.equal(existsSync(join(other, 'local', 'state.json')), false);
  });
});

describe('Lambda’s SQS scaling on the local AWS', () => {
  // Lambda reads a queue with five batches at once and more while messages wait, never more
  // than the mapping's ScalingConfig.MaximumConcurrency (src/local/pollers.ts cites the docs).
  // A hand-built function that takes 1.5 s per message shows how many ran at the same time:
  // six messages, so three rounds of two when capped, and five at once when not.
  before(async () => {
    // Run alone (--test-name-pattern), nothing has started the local AWS yet.
    if (!existsSync(join(local.stateDir, 'local', 'state.json'))) assert.equal((await poc('local', 'start', '--detach')).code, 0);
  });

  it('a queue with messages waiting is read by several batches at once, at most ScalingConfig.MaximumConcurrency', async () => {
    await local.reset();
    c ??= local.sdk;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const role = (await c.iam.createRole({ RoleName: 'scaling-test', AssumeRolePolicyDocument: JSON.stringify(trust) })).Role!.Arn!;
    const code = await zipOf({ 'index.mjs': 'export const handler = async () => { const start = Date.now(); await new Promise((r) => setTimeout(r, 1500)); console.log(`span ${start} ${Date.now()}`); };\n' });
    const cases = [
      { name: 'capped', maximumConcurrency: 2 },
      { name: 'uncapped', maximumConcurrency: undefined },
    ];
    for (const { name, maximumConcurrency } of cases) {
      await c.lambda.createFunction({ FunctionName: name, Runtime: 'nodejs22.x', Role: role, Handler: 'index.handler', Timeout: 10, Code: { ZipFile: code } });
      const { QueueUrl } = await c.sqs.createQueue({ QueueName: `${name}-queue`, Attributes: { VisibilityTimeout: '60' } });
      const { Attributes } = await c.sqs.getQueueAttributes({ QueueUrl, AttributeNames: ['QueueArn'] });
      await c.sqs.sendMessageBatch({ QueueUrl, Entries: Array.from({ length: 6 }, (_, i) => ({ Id: String(i), MessageBody: `message ${i}` })) });
      await c.lambda.createEventSourceMapping({ FunctionName: name, EventSourceArn: Attributes!.QueueArn!, BatchSize: 1, ScalingConfig: maximumConcurrency ? { MaximumConcurrency: maximumConcurrency } : undefined });
    }
    const spans = async (name: string) => [...(await logText(`/aws/lambda/${name}`)).matchAll(/span (\d+) (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    /** The most runs under way at one moment. */
    const mostAtOnce = (runs: (readonly [number, number])[]) => Math.max(...runs.map(([start]) => runs.filter(([s, e]) => s <= start && start < e).length));
    const environments = async (name: string) => ((await c.logs.describeLogStreams({ logGroupName: `/aws/lambda/${name}` })).logStreams ?? []).length;

    const capped = await until('the 6 messages of the capped mapping handled', () => spans('capped'), (s) => s.length === 6, 180_000);
    assert.equal(mostAtOnce(capped), 2, `two at once, never more: ${JSON.stringify(capped)}`);
    assert.ok((await environments('capped')) <= 2, 'no more than two execution environments');

    const uncapped = await until('the 6 messages of the uncapped mapping handled', () => spans('uncapped'), (s) => s.length === 6, 180_000);
    assert.ok(mostAtOnce(uncapped) > 1, `several at once: ${JSON.stringify(uncapped)}`);
    assert.ok((await environments('uncapped')) >= 5, 'five batches at once from the start: five execution environments at least');
  });
});
