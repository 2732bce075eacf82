// The lab's whole lifecycle against moto, with the commands called in-process, where no
// function needs to run: setup -> status -> cleanup, cleanup's harder cases (a half-built
// lab, two students' prefixes, a second run, no confirmation), send-order --wait stopping
// at the first hop nobody reached, and what logs says and refuses. What is read back is
// read with plain AWS SDK clients, never with poc's own code.
// An order through every hop (the functions run from their deployed zips, each hop made by
// the one before), send-order --wait's hops and times, and logs of what a function logged
// are proven on the local AWS, in test/local.test.ts.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { IAM } from '@aws-sdk/client-iam';
import { Lambda } from '@aws-sdk/client-lambda';
import { SNS } from '@aws-sdk/client-sns';
import { SQS } from '@aws-sdk/client-sqs';
import { createAws, type Aws } from '../src/aws/clients.js';
import { cleanup, type CleanupOptions } from '../src/commands/cleanup.js';
import { logs, type LogLine } from '../src/commands/logs.js';
import { sendOrder } from './helpers/try-it.js';
import { setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { createReporter } from '../src/ui/reporter.js';
import { findQueue, receiveAll } from './helpers/events.js';
import { awsEnv, startMoto, type Moto } from './helpers/moto.js';

const REGION = 'us-east-1';
const EMAIL = 'student@example.com';
const ORDER = { item: 'latex gloves', customerID: '12345', quantity: 3 };

let moto: Moto;
let c: ReturnType<typeof clients>;

function clients() {
  const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return {
    apigateway: new APIGateway(config),
    dynamodb: new DynamoDB(config),
    iam: new IAM(config),
    lambda: new Lambda(config),
    logs: new CloudWatchLogs(config),
    sns: new SNS(config),
    sqs: new SQS(config),
  };
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

describe('send-order --wait follows the order hop by hop', () => {
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
  it('says which function has not run, keeps to --since, and refuses bad choices', { timeout: 120_000 }, async () => {
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

    // --since is a window: a line 20 minutes old (put there by hand: no run now can log in
    // the past) is outside 10m and inside 1h. What a function logs when it runs is shown
    // by the logs of a real order in test/local.test.ts.
    notices.length = 0;
    await c.logs.createLogStream({ logGroupName: '/aws/lambda/POC-Lambda-1', logStreamName: 'old' });
    await c.logs.putLogEvents({ logGroupName: '/aws/lambda/POC-Lambda-1', logStreamName: 'old', logEvents: [{ timestamp: Date.now() - 20 * 60_000, message: 'an old line' }] });
    const recent = await logs('1', options({ since: '10m' }), deps());
    assert.equal(recent.exitCode, 0);
    assert.deepEqual(recent.lines, [], 'older than --since');
    assert.equal(printed.length, 0);
    assert.match(notices.join(' | '), /^POC-Lambda-1 has not run: no log lines in the last 10m/);
    const wider = await logs('1', options({ since: '1h' }), deps());
    assert.deepEqual(wider.lines.map((l) => [l.function, l.message]), [['POC-Lambda-1', 'an old line']], 'a wider --since reaches it');
    assert.deepEqual(printed, [wider.lines]);

    for (const [choice, since] of [['3', undefined], ['1', 'abc'], [undefined, '0m']] as const) {
      const aws = await newAws();
      await assert.rejects(logs(choice, options({ since }), deps(aws)), (error: { exitCode?: number }) => error.exitCode === 2, `logs ${choice} --since ${since}`);
      assert.deepEqual(aws.calls, [], 'refused before any AWS call');
    }
  });
});
