// `poc status` against moto, in-process: missing on an empty account, present after
// setup, and what it says when parts are deleted or changed by hand. Always read-only.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { status } from '../src/commands/status.js';
import { EMAIL, entry, expectedNames, queueUrl, REGION, runSetup, runStatus, sdk, useMoto } from './helpers/lab.js';

const getMoto = useMoto();

describe('poc status (in-process, against moto)', () => {
  it('on an empty account: exit code 3, every resource missing, nothing changed', async () => {
    const { result, aws } = await runStatus(getMoto());
    assert.equal(result.exitCode, 3);
    assert.equal(result.complete, false);
    assert.equal(result.error, undefined);
    assert.equal(result.resources.length, 21);
    for (const r of result.resources) assert.equal(r.state, 'missing', `${r.name} is ${r.state}`);
    assert.ok(aws.calls.length > 0);
    assert.deepEqual(aws.calls.filter((c) => c.mutating), []);
  });

  it('after setup: exit code 0, every resource present, with details', async () => {
    const moto = getMoto();
    const n = expectedNames();
    const setupRun = await runSetup(moto);
    assert.equal(setupRun.result.exitCode, 0);

    const { result, aws } = await runStatus(moto);
    assert.equal(result.exitCode, 0);
    assert.equal(result.complete, true);
    for (const r of result.resources) assert.equal(r.state, 'present', `${r.name} is ${r.state}: ${r.reasons?.join('; ') ?? ''}`);
    assert.deepEqual(aws.calls.filter((c) => c.mutating), [], 'status is read-only');
    assert.equal(result.apiUrl, setupRun.result.apiUrl);
    // Moto confirms email subscriptions at once; real AWS lists them as pending confirmation
    // until the link in the email is clicked. Either way the address is named.
    assert.match(String(entry(result.resources, `${n.topic} email subscription`).details?.subscriptions), new RegExp(EMAIL.replace('.', '\\.')));
    const trigger = entry(result.resources, `${n.function2} stream trigger`);
    const { Table } = await sdk(moto).dynamodb.describeTable({ TableName: n.table });
    assert.equal(trigger.details?.source, Table!.LatestStreamArn);
    assert.equal(entry(result.resources, `${n.table} stream`).details?.viewType, 'NEW_IMAGE');
  });

  it('counts the notifications the stream trigger gave up on, kept in the failures queue', async () => {
    const moto = getMoto();
    const n = expectedNames();
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    const before = entry((await runStatus(moto)).result.resources, n.failures);
    assert.equal(before.summary, '0 failed notifications kept');
    // What Lambda sends when it gives up on a batch: an invocation record naming the shard
    // and sequence numbers, not the records (moto cannot run the trigger, so it is put by hand).
    const record = { requestContext: { condition: 'RetryAttemptsExhausted' }, DDBStreamBatchInfo: { shardId: 'shardId-1', startSequenceNumber: '1', endSequenceNumber: '3', batchSize: 3 } };
    await sdk(moto).sqs.sendMessage({ QueueUrl: await queueUrl(sdk(moto), n.failures), MessageBody: JSON.stringify(record) });
    const { result } = await runStatus(moto);
    const failures = entry(result.resources, n.failures);
    assert.equal(failures.state, 'present');
    assert.equal(failures.summary, '1 failed notification kept');
    assert.equal(failures.details?.messages, 1);
  });

  it('after the dead-letter queue is deleted by hand: exit code 3 and the DLQ is missing', async () => {
    const moto = getMoto();
    const clients = sdk(moto);
    const n = expectedNames();
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    await clients.sqs.deleteQueue({ QueueUrl: await queueUrl(clients, n.dlq) });

    const { result } = await runStatus(moto);
    assert.equal(result.exitCode, 3);
    assert.equal(result.complete, false);
    assert.equal(entry(result.resources, n.dlq).state, 'missing');
    // The main queue's redrive policy still names the DLQ's ARN, which is what status compares:
    // it reports the queue itself as present (the missing DLQ is reported on its own line).
    assert.equal(entry(result.resources, n.queue).state, 'present');
    for (const r of result.resources) {
      if (r.name !== n.dlq) assert.equal(r.state, 'present', `${r.name} is ${r.state}`);
    }
  });

  it('reports a queue changed by hand as drifted, with the reason', async () => {
    const moto = getMoto();
    const clients = sdk(moto);
    const n = expectedNames();
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    await clients.sqs.setQueueAttributes({ QueueUrl: await queueUrl(clients, n.queue), Attributes: { VisibilityTimeout: '30' } });

    const { result } = await runStatus(moto);
    assert.equal(result.exitCode, 3);
    const queue = entry(result.resources, n.queue);
    assert.equal(queue.state, 'drifted');
    assert.ok(queue.reasons?.some((r) => /visibility timeout is 30s/.test(r)), queue.reasons?.join('; '));
  });

  it(
    'against an endpoint nothing listens on: exit code 1, with a hint about the connection or --endpoint-url',
    async () => {
      const port = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const address = server.address();
          server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
        });
      });
      await assert.rejects(status({ endpointUrl: `http://127.0.0.1:${port}`, region: REGION }, {}), (error: Error & { exitCode?: number; hint?: string }) => {
        assert.equal(error.exitCode, 1);
        assert.match(error.hint ?? '', /network|--endpoint-url/);
        return true;
      });
    },
  );
});
