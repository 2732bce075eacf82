// poc under faults: a proxy in front of moto throttles, fails, drops and slows a share of
// the calls (test/helpers/fault-proxy.ts), and setup, status, send-order and cleanup
// must still finish with the right result. The end state is read from moto directly,
// never through the proxy, and counted, so a retried Create* that made a second copy shows.
//
// poc's own waits are shrunk with POC_BACKOFF_SCALE; the SDK's own backoff is not (it is
// random(0, base·2^n) with a 1 s base for throttling), which is why the mixed runs use
// a modest rate and the budget case pins the SDK's jitter low in its child process.
import assert from 'node:assert/strict';
import { runPoc } from './helpers/cli.js';
import { before, describe, it } from 'node:test';
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { Lambda } from '@aws-sdk/client-lambda';
import { SQS } from '@aws-sdk/client-sqs';
import { createAws } from '../src/aws/clients.js';
import { cleanup } from '../src/commands/cleanup.js';
import { sendOrder } from './helpers/try-it.js';
import { setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { createReporter } from '../src/ui/reporter.js';
import {
  completeLab,
  concurrentModificationAnswer,
  EMPTY_LAB,
  guideNames,
  labInventory,
  normalised,
  withProxy,
  type FaultKind,
  type FaultRule,
  type RequestInfo,
} from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

const REGION = 'us-east-1';
const EMAIL = 'student@example.com';

const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: '0.01' } });

const opts = (endpoint: string, prefix?: string) => ({ endpointUrl: endpoint, region: REGION, email: EMAIL, yes: true, ...(prefix ? { prefix } : {}) });
const quiet = () => createReporter({ json: true });

async function runSetup(endpoint: string, prefix?: string) {
  const aws = await createAws({ endpointUrl: endpoint, region: REGION });
  return setup(opts(endpoint, prefix), { reporter: await quiet(), aws });
}

/** setup (no prefix) through `endpoint`, with the progress notes it wrote on the way. */
async function setupNoting(endpoint: string) {
  const aws = await createAws({ endpointUrl: endpoint, region: REGION });
  const notes: string[] = [];
  const reporter = { ...(await quiet()), note: (_r: unknown, text: string) => notes.push(text) };
  return { built: await setup(opts(endpoint), { reporter, aws }), notes };
}

/** The error of a failed command, readable in an assertion message. */
const why = (result: { error?: { message: string; hint?: string } }) => (result.error ? `${result.error.message}\n  ${result.error.hint ?? ''}` : 'no error');

describe('every command finishes correctly with ~15% of calls faulted', () => {
  // Two fixed seeds: a failure names its seed, and re-running replays the same faults
  // (the order of concurrent calls may shift which call a draw lands on, not how many).
  for (const seed of [7, 2024]) {
    it(`setup, status, send-order --via queue and cleanup (seed ${seed})`, async () => {
      await moto.reset();
      const prefix = `faults${seed}`;
      const names = guideNames(prefix);
      await withProxy({ target: moto.endpoint, rate: 0.15, seed, slowMs: [200, 500] }, async (proxy) => {
        const built = await runSetup(proxy.endpoint, prefix);
        assert.equal(built.exitCode, 0, `setup failed under faults: ${why(built)}\nfaults: ${JSON.stringify(proxy.stats.byKind)}`);
        assert.deepEqual(normalised(await labInventory(moto.endpoint, prefix)), normalised(completeLab(prefix, EMAIL)), `faults: ${JSON.stringify(proxy.stats.byKind)}`);

        const seen = await status(opts(proxy.endpoint, prefix), { aws: await createAws({ endpointUrl: proxy.endpoint, region: REGION }) });
        assert.equal(seen.exitCode, 0, `status under faults: ${why(seen)}`);
        assert.equal(seen.complete, true);

        await stopMotosOwnTrigger(moto.endpoint, names.functions[0]);
        const N = 20;
        const sent = await sendOrder(JSON.stringify({ item: 'mop' }), { ...opts(proxy.endpoint, prefix), via: 'queue', count: N, concurrency: 5 }, {});
        assert.equal(sent.exitCode, 0, `send-order under faults: ${why(sent)}`);
        assert.equal(sent.summary.accepted, N);
        // SendMessage is not idempotent on a standard queue: an answer lost after SQS took
        // the message makes the SDK's retry send a second copy (with its own MessageId, so
        // a second order). Exactly those, and nothing else, may be extra.
        const lostSends = proxy.count('resetAfter', 'sqs:SendMessage');
        const bodies = await drain(moto.endpoint, names.queues[0]);
        assert.equal(bodies.length, N + lostSends, `${bodies.length} messages for ${N} orders and ${lostSends} lost SendMessage answers`);
        assert.deepEqual([...new Set(bodies.map((b) => JSON.parse(b).sequence as number))].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i + 1));

        const cleaned = await cleanup(opts(proxy.endpoint, prefix), { reporter: await quiet(), aws: await createAws({ endpointUrl: proxy.endpoint, region: REGION }) });
        assert.equal(cleaned.exitCode, 0, `cleanup under faults: ${why(cleaned)}`);
        assert.deepEqual(cleaned.remaining, []);
        assert.deepEqual(await labInventory(moto.endpoint, prefix), EMPTY_LAB);

        // The faults really happened, of every kind (else this test proves nothing).
        for (const kind of ['throttle', 'error500', 'error503', 'resetBefore', 'resetAfter', 'slow'] as FaultKind[]) {
          assert.ok(proxy.count(kind) > 0, `no ${kind} fault was injected: ${JSON.stringify(proxy.stats.byKind)}`);
        }
        assert.ok(proxy.stats.faulted / proxy.stats.requests > 0.08, `only ${proxy.stats.faulted} of ${proxy.stats.requests} calls faulted`);
      });
    });
  }
});

/**
 * Moto difference: on every SendMessage to a queue with an enabled trigger, moto itself
 * receives a batch and "invokes" the function (it cannot run its code), then deletes the
 * batch or counts a receive, so messages vanish or drift to the DLQ while being sent.
 * Lambda's poller is not part of what is tested here: disable the trigger in moto
 * (directly, after setup and status have been checked) and count what the queue holds.
 */
async function stopMotosOwnTrigger(endpoint: string, functionName: string): Promise<void> {
  const lambda = new Lambda({ endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    const { EventSourceMappings = [] } = await lambda.listEventSourceMappings({ FunctionName: functionName });
    assert.equal(EventSourceMappings.length, 1);
    await lambda.updateEventSourceMapping({ UUID: EventSourceMappings[0].UUID, Enabled: false });
  } finally {
    lambda.destroy();
  }
}

/** Every message body in the queue, read and deleted straight from moto. */
async function drain(endpoint: string, queue: string): Promise<string[]> {
  const sqs = new SQS({ endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    const { QueueUrl } = await sqs.getQueueUrl({ QueueName: queue });
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 });
      if (!Messages.length) return bodies;
      bodies.push(...Messages.map((m) => m.Body!));
      await sqs.deleteMessageBatch({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) });
    }
  } finally {
    sqs.destroy();
  }
}

describe('a lost answer to a call that took effect (the retry meets "already exists")', () => {
  // The connection drops after the service acted: the SDK retries, and the retry finds
  // what the first attempt made. One run per call setup makes (each with its own
  // prefix, all at once), so each failure names exactly one call. Where moto would make
  // a silent duplicate instead of answering as AWS does (a second trigger for the same
  // function and source), the proxy answers as AWS does (emulateAws, on by default).
  const CALLS: [string, string][] = [
    ['iam', 'CreatePolicy'],
    ['iam', 'CreateRole'],
    ['iam', 'AttachRolePolicy'],
    ['iam', 'PutRolePolicy'],
    ['dynamodb', 'CreateTable'],
    ['dynamodb', 'UpdateTable'],
    ['sqs', 'CreateQueue'],
    ['logs', 'CreateLogGroup'],
    ['logs', 'PutRetentionPolicy'],
    ['lambda', 'CreateFunction'],
    ['lambda', 'CreateEventSourceMapping'],
    ['sns', 'CreateTopic'],
    ['sns', 'Subscribe'],
    ['apigateway', 'CreateRestApi'],
    ['apigateway', 'CreateModel'],
    ['apigateway', 'CreateRequestValidator'],
    ['apigateway', 'CreateResource'],
    ['apigateway', 'PutMethod'],
    ['apigateway', 'PutIntegration'],
    ['apigateway', 'PutMethodResponse'],
    ['apigateway', 'PutIntegrationResponse'],
    ['apigateway', 'CreateDeployment'],
  ];
  before(async () => {
    await moto.reset();
  });
  const CASES = [
    ...CALLS.map(([service, operation]) => ({ name: `${service}:${operation}`, prefix: `lost-${operation}`.toLowerCase(), rules: [{ service, operation, kind: 'resetAfter', times: 1 }] as FaultRule[] })),
    {
      // The twin a lost CreateRestApi answer leaves behind is deleted, and that answer is lost too.
      name: 'apigateway:CreateRestApi, then the DeleteRestApi of its twin',
      prefix: 'lost-twin',
      rules: [
        { service: 'apigateway', operation: 'CreateRestApi', kind: 'resetAfter', times: 1 },
        { service: 'apigateway', operation: 'DeleteRestApi', kind: 'resetAfter', times: 1 },
      ] as FaultRule[],
    },
  ];
  describe('setup completes in one run, with nothing made twice', { concurrency: true }, () => {
    for (const { name, prefix: long, rules } of CASES) {
      it(name, async () => {
        const prefix = long.slice(0, 30);
        await withProxy({ target: moto.endpoint, rules }, async (proxy) => {
          const built = await runSetup(proxy.endpoint, prefix);
          for (const rule of rules) {
            const op = `${rule.service}:${rule.operation}`;
            assert.equal(proxy.count('resetAfter', op), 1, `the fault was not injected on ${op}; calls seen: ${[...new Set(proxy.stats.seen)].join(', ')}`);
          }
          assert.equal(built.exitCode, 0, `setup failed after a lost ${name} answer: ${why(built)}`);
          assert.deepEqual(normalised(await labInventory(moto.endpoint, prefix)), normalised(completeLab(prefix, EMAIL)));
          // And what was built is what the lab wants (status reads it all back, straight from moto).
          const seen = await status(opts(moto.endpoint, prefix), { aws: await createAws({ endpointUrl: moto.endpoint, region: REGION }) });
          const off = seen.resources.filter((r) => r.state !== 'present').map((r) => `${r.name}: ${(r.reasons ?? []).join('; ')}`);
          assert.deepEqual(off, [], `after a lost ${name} answer setup said done, but status finds`);
        });
      });
    }
  });
});

describe('a lost answer to a delete that took effect (the retry meets "not found")', () => {
  const CALLS: [string, string][] = [
    ['iam', 'DetachRolePolicy'],
    ['iam', 'DeleteRolePolicy'],
    ['iam', 'DeleteRole'],
    ['iam', 'DeletePolicy'],
    ['dynamodb', 'DeleteTable'],
    ['sqs', 'DeleteQueue'],
    ['logs', 'DeleteLogGroup'],
    ['lambda', 'DeleteFunction'],
    ['lambda', 'DeleteEventSourceMapping'],
    ['sns', 'Unsubscribe'],
    ['sns', 'DeleteTopic'],
    ['apigateway', 'DeleteRestApi'],
  ];
  before(async () => {
    await moto.reset();
  });
  describe('cleanup completes in one run and leaves nothing', { concurrency: true }, () => {
    for (const [service, operation] of CALLS) {
      it(`${service}:${operation}`, async () => {
        const prefix = `gone-${operation}`.slice(0, 30).toLowerCase();
        const built = await runSetup(moto.endpoint, prefix);
        assert.equal(built.exitCode, 0, why(built));
        const rules: FaultRule[] = [{ service, operation, kind: 'resetAfter', times: 1 }];
        await withProxy({ target: moto.endpoint, rules }, async (proxy) => {
          const cleaned = await cleanup(opts(proxy.endpoint, prefix), { reporter: await quiet(), aws: await createAws({ endpointUrl: proxy.endpoint, region: REGION }) });
          assert.equal(proxy.count('resetAfter', `${service}:${operation}`), 1, `the fault was not injected; calls seen: ${[...new Set(proxy.stats.seen)].join(', ')}`);
          assert.equal(cleaned.exitCode, 0, `cleanup failed after a lost ${operation} answer: ${why(cleaned)}`);
          assert.deepEqual(await labInventory(moto.endpoint, prefix), EMPTY_LAB);
        });
      });
    }
  });
});

describe('IAM propagation: Lambda refuses a just-created role for a while', () => {
  it('CreateFunction and CreateEventSourceMapping are retried with explained waits, and setup completes', async () => {
    await moto.reset();
    const rules: FaultRule[] = [
      { service: 'lambda', operation: 'CreateFunction', kind: 'iamPropagation', times: 4 },
      { service: 'lambda', operation: 'CreateEventSourceMapping', kind: 'iamPropagation', times: 3 },
    ];
    await withProxy({ target: moto.endpoint, rules }, async (proxy) => {
      const { built, notes } = await setupNoting(proxy.endpoint);
      assert.equal(built.exitCode, 0, why(built));
      assert.equal(proxy.count('iamPropagation'), 7);
      assert.ok(notes.some((n) => /IAM to let Lambda assume the just-created role/.test(n)), `notes: ${notes.join(' | ')}`);
      assert.ok(notes.some((n) => /IAM to show Lambda the just-attached permissions/.test(n)), `notes: ${notes.join(' | ')}`);
      assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(completeLab('', EMAIL)));
    });
  });
});

describe('API Gateway makes one change to a REST API at a time', () => {
  it('the proxy refuses a change sent while another change to the same API is under way, as API Gateway does', async () => {
    await moto.reset();
    await withProxy({ target: moto.endpoint }, async (proxy) => {
      const apigateway = new APIGateway({ endpoint: proxy.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      try {
        const { id: restApiId, rootResourceId: resourceId } = await apigateway.createRestApi({ name: 'together' });
        await apigateway.putMethod({ restApiId, resourceId, httpMethod: 'POST', authorizationType: 'NONE' });
        // Two method responses of one method sent together, as setup once sent them.
        const both = await Promise.allSettled(['200', '400'].map((statusCode) => apigateway.putMethodResponse({ restApiId, resourceId, httpMethod: 'POST', statusCode })));
        const refused = both.filter((b) => b.status === 'rejected').map((b) => (b as PromiseRejectedResult).reason as Error);
        assert.equal(refused.length, 1, 'one of two changes sent together must be refused');
        assert.equal(refused[0].name, 'ConflictException');
        assert.match(refused[0].message, /concurrent modification/);
      } finally {
        apigateway.destroy();
      }
    });
  });

  it('setup makes the API one change at a time, and waits out a change somebody else is making', async () => {
    await moto.reset();
    let refusedOnce = false;
    // Somebody else is changing the API when setup puts its integration: refused once.
    const respond = (info: RequestInfo) => {
      if (refusedOnce || info.service !== 'apigateway' || info.operation !== 'PutIntegration') return undefined;
      refusedOnce = true;
      return concurrentModificationAnswer();
    };
    await withProxy({ target: moto.endpoint, respond }, async (proxy) => {
      const { built, notes } = await setupNoting(proxy.endpoint);
      assert.equal(built.exitCode, 0, why(built));
      assert.ok(refusedOnce, 'the integration was never put');
      assert.equal(proxy.stats.seen.filter((op) => op === 'apigateway:PutIntegration').length, 2, 'the refused change is made again, once');
      assert.ok(notes.some((n) => /another change to the API to finish/.test(n)), `notes: ${notes.join(' | ')}`);
      assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(completeLab('', EMAIL)));
    });
  });
});

describe('the retry budget runs out', () => {
  it('every sqs CreateQueue throttled: setup exits 1 saying what failed and how to resume, no stack trace; healed, setup completes', async () => {
    await moto.reset();
    await withProxy({ target: moto.endpoint, rules: [{ service: 'sqs', operation: 'CreateQueue', kind: 'throttle' }] }, async (proxy) => {
      const run = await cli(['setup', '--email', EMAIL, '--endpoint-url', proxy.endpoint, '--region', REGION]);
      assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr}`);
      // The SDK tried 8 times (SDK_MAX_ATTEMPTS) for the queue it started on, then gave up.
      assert.ok(proxy.count('throttle', 'sqs:CreateQueue') >= 8, JSON.stringify(proxy.stats.byKind));
      assert.match(run.stderr, /Error: .*POC-Queue/, 'the error names what failed');
      assert.match(run.stderr, /RequestThrottled|Rate exceeded|throttl/i, 'the error says why');
      assert.match(run.stderr.replace(/\n\s+/g, ' '), /poc setup[^`\n]*`? again/, 'the hint says how to resume');
      assert.doesNotMatch(run.stderr + run.stdout, /^\s+at .+(:\d+:\d+\)?|native\))$/m, 'no stack trace');
      // What finished before the queue is kept.
      const partial = await labInventory(moto.endpoint);
      assert.equal(Object.keys(partial.policies).length, 4);
      assert.deepEqual(partial.queues, []);

      proxy.setRules([]);
      const healed = await runSetup(proxy.endpoint);
      assert.equal(healed.exitCode, 0, why(healed));
      assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(completeLab('', EMAIL)));
    });
  });
});

/**
 * Runs bin/poc.js. The SDK's retry delay is random(0, 1 s·2^n) for throttling, ~35 s for
 * 8 attempts on average; Math.random is pinned low in the child (and only there) so the
 * same 8 attempts take a fraction of a second. Nothing else in poc draws from it.
 */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, CI: '1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', POC_BACKOFF_SCALE: '0.01' };
  return runPoc(args, env, ['--import', 'data:text/javascript,Math.random=()=>0.02']);
}
