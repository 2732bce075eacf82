// What setup, status and check accept must agree: a runtime setup offers is not drift,
// and a setting that breaks the pipeline is a finding for the grader.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { check } from '../src/commands/check.js';
import { setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { PocError } from '../src/errors.js';
import { createReporter } from '../src/ui/reporter.js';
import { directClients } from './helpers/clients.js';
import { motoPerFile } from './helpers/lab.js';

const moto = motoPerFile();
const REGION = 'us-east-1';
const base = (prefix: string) => ({ endpointUrl: moto.endpoint, region: REGION, prefix });
const build = async (prefix: string, extra: { runtime?: string } = {}) => {
  const result = await setup({ ...base(prefix), email: 'a@example.com', ...extra }, { reporter: await createReporter({ json: true }) });
  assert.equal(result.exitCode, 0, result.error?.message);
  return result;
};

describe('settings setup, status and check agree on', { concurrency: true }, () => {
  it('a supported runtime already deployed: status accepts it and a plain setup keeps it', async () => {
    const prefix = 'rt24';
    await build(prefix, { runtime: 'nodejs24.x' });
    const seen = await status(base(prefix), {});
    assert.deepEqual(seen.resources.filter((r) => r.state !== 'present').map((r) => `${r.name}: ${r.reasons?.join('; ')}`), []);
    assert.equal(seen.exitCode, 0);
    const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
    const again = await setup({ ...base(prefix) }, { reporter: await createReporter({ json: true }), aws });
    assert.equal(again.exitCode, 0, again.error?.message);
    assert.deepEqual(aws.calls.filter((c) => c.mutating).map((c) => c.operation), [], 'a plain setup changes nothing');
    const { lambda } = directClients(moto.endpoint, REGION);
    for (const fn of [`${prefix}-POC-Lambda-1`, `${prefix}-POC-Lambda-2`]) {
      assert.equal((await lambda.getFunctionConfiguration({ FunctionName: fn })).Runtime, 'nodejs24.x', fn);
    }
    // --runtime still asks for another one.
    await build(prefix, { runtime: 'nodejs22.x' });
    assert.equal((await lambda.getFunctionConfiguration({ FunctionName: `${prefix}-POC-Lambda-1` })).Runtime, 'nodejs22.x');
  });

  it('check fails task 4 when POC-Lambda-1’s TABLE_NAME names a table that is not the lab’s', async () => {
    const prefix = 'badenv';
    await build(prefix);
    const { lambda } = directClients(moto.endpoint, REGION);
    await lambda.updateFunctionConfiguration({ FunctionName: `${prefix}-POC-Lambda-1`, Environment: { Variables: { TABLE_NAME: 'no-such-table' } } });
    const graded = await check(['4'], base(prefix), {});
    const task4 = graded.tasks.find((t) => t.task === 4)!;
    assert.equal(task4.passed, false, JSON.stringify(task4));
    assert.match(task4.findings.join('\n'), /TABLE_NAME is no-such-table/);
    assert.equal(graded.exitCode, 3);
  });

  it('check --email rejects what setup rejects, before any AWS call', async () => {
    const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
    await assert.rejects(check([], { ...base('x'), email: 'bad' }, { aws }), (e: unknown) => e instanceof PocError && e.exitCode === 2);
    assert.equal(aws.calls.length, 0);
  });
});

describe('send-order --wait', () => {
  it('an error while following a hop is reported as it is, not as "went to the dead-letter queue"', { timeout: 120_000 }, async () => {
    const prefix = 'follow';
    await build(prefix);
    const { startFaultProxy } = await import('./helpers/fault-proxy.js');
    const { openSession } = await import('../src/commands/context.js');
    const { follow } = await import('../src/labs/orders/follow-order.js');
    // CloudWatch Logs unreachable: the first hop's lookup fails with a dropped connection.
    const proxy = await startFaultProxy({ target: moto.endpoint, rules: [{ service: 'logs', kind: 'resetBefore' }] });
    try {
      const session = await openSession({ endpointUrl: proxy.endpoint, region: REGION, prefix }, {});
      const hops = await follow(session, '00000000-0000-0000-0000-000000000000', Date.now(), 60, {});
      const taken = hops.find((h) => h.name === 'taken from the queue')!;
      assert.equal(taken.reached, false);
      assert.doesNotMatch(`${taken.detail} ${taken.hint}`, /dead-letter/i);
      assert.match(taken.detail ?? '', /lost the connection/);
    } finally {
      await proxy.close();
    }
  });
});
