// A class shares one client per service and one pacer: the account's quotas and the SDK's
// retry quota are the whole class's, not one student's. These tests need no emulator: a
// controlled clock for the pacer, a tiny local server that throttles for the retries.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, mock } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { createPacer } from '../src/aws/pacing.js';
import { withTestKeys } from './helpers/clients.js';

describe('a class against the account quotas', () => {
  it('CloudWatch Logs FilterLogEvents (5 per second per account and region, not raisable): a class polling logs together stays under it', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      // Real time, no scale: the clock is the test's.
      const pacer = createPacer({ timeScale: 1 });
      const went: number[] = [];
      let now = 0;
      // Twelve students' `logs --wait` polls at once; each answer comes back at once.
      const calls = Array.from({ length: 12 }, async () => {
        const done = await pacer.take('logs', 'FilterLogEvents');
        went.push(now);
        done();
      });
      const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
      await settle();
      assert.equal(went.length, 5, 'five go at once');
      for (const step of [999, 1, 999, 1]) {
        now += step;
        mock.timers.tick(step);
        await settle();
      }
      await Promise.all(calls);
      assert.deepEqual(went, [0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000, 2000], 'at most 5 in any second');
      // Reading the log groups (DescribeLogGroups) is not held back by it.
      const other = await Promise.race([pacer.take('logs', 'DescribeLogGroups').then(() => 'went'), settle().then(() => 'waits')]);
      assert.equal(other, 'went');
    } finally {
      mock.timers.reset();
    }
  });

  it('150 throttling answers in a row, from many students’ calls on one shared client, are all retried', { timeout: 120_000 }, async () => {
    let throttled = 0;
    let answered = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (throttled < 150) {
          throttled++;
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' }));
          return;
        }
        answered++;
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ Table: { TableName: 'orders', TableStatus: 'ACTIVE' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await withTestKeys(async () => {
      try {
        const aws = await createAws({ endpointUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1' });
        const dynamodb = await aws.client('dynamodb');
        // 150 calls at once (thirty students reading five tables): every first answer is a
        // throttle. The SDK's shared retry quota (500, 5 a throttled retry) would refuse the 101st retry.
        const results = await Promise.allSettled(Array.from({ length: 150 }, () => dynamodb.describeTable({ TableName: 'orders' })));
        const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
        assert.equal(failed.length, 0, `${failed.length} calls were not retried: ${failed[0]?.reason}`);
        assert.equal(throttled, 150);
        assert.equal(answered, 150, 'each call was retried once and answered');
        dynamodb.destroy();
      } finally {
        server.close();
      }
    });
  });
});
