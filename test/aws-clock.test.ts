// poc under AWS's clock (helpers/aws-clock.ts, figures in helpers/aws-profile.ts): a role
// Lambda cannot assume yet, a table CREATING then UPDATING, a function Pending then
// InProgress, triggers Creating, an S3 notification refused until the permission is
// visible, an email subscription pending, and the account quotas, all by the age of each
// resource, time run SCALE times faster. Every command must finish with no error, and
// say what it waits for whenever it falls silent for long.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { createAwsClock, type AwsClock } from './helpers/aws-clock.js';
import { AWS_PROFILE } from './helpers/aws-profile.js';
import { completeLab, EMPTY_LAB, labInventory, normalised, startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';
import { show, timedRun, unexplainedWaits } from './helpers/timed-run.js';

/** 8 s of IAM propagation become 160 ms; API Gateway's DeleteRestApi 1 every 30 s, 0.6 s. */
const SCALE = 0.02;
const EMAIL = 'student@example.com';
const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: String(SCALE), POC_PACING_SCALE: String(SCALE) } });
// On this clock 1 s asleep (helpers/timed-run.ts) is already 50 s of AWS's time.
const run = (args: string[]) => timedRun(args, proxy, { POC_BACKOFF_SCALE: String(SCALE), POC_PACING_SCALE: String(SCALE) });

let clock: AwsClock;
let proxy: FaultProxy;

/** A new clock (nothing made yet) and its proxy for the describe that calls it. */
function onAFreshClock() {
  before(async () => {
    clock = createAwsClock(AWS_PROFILE, SCALE);
    proxy = await startFaultProxy({ target: moto.endpoint, clock });
  });
  after(() => proxy?.close());
}

describe('the order lab on AWS’s clock (time x' + SCALE + ')', () => {
  onAFreshClock();

  it('setup, status, check, send-order --via queue, setup again and cleanup: no error, every long wait named', { timeout: 300_000 }, async () => {
    await moto.reset();
    const setup = await run(['setup', '--email', EMAIL, '--yes']);
    assert.equal(setup.code, 0, show(setup));
    assert.deepEqual(unexplainedWaits(setup), [], show(setup));
    assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(completeLab('', EMAIL)));

    for (const args of [['status'], ['check'], ['send-order', '{"item":"mop"}', '--via', 'queue'], ['setup', '--yes']]) {
      const r = await run(args);
      // The subscription is pending (nobody clicks the link in a test): status and check say
      // so, and it is not an error.
      assert.equal(r.code, 0, `${args.join(' ')}: ${show(r)}\n${r.stdout}`);
      assert.deepEqual(unexplainedWaits(r), [], `${args.join(' ')}: ${show(r)}`);
    }

    const cleanup = await run(['cleanup', '--yes']);
    assert.equal(cleanup.code, 0, show(cleanup));
    assert.deepEqual(unexplainedWaits(cleanup), [], show(cleanup));
    assert.deepEqual(normalised(await labInventory(moto.endpoint)), EMPTY_LAB);
    assert.deepEqual(proxy.stats.overQuota, {}, 'calls refused for a quota');
    // The clock was met: AWS's states were reported to poc (or its early calls refused).
    assert.ok(clock.rewrites > 0 || Object.keys(clock.refusals).length > 0, 'the clock never acted');
  });
});

describe('the clock’s quotas', () => {
  it('say how long until the account is idle again (the bench waits that long before timing a command)', async () => {
    const quotas = await startFaultProxy({ target: moto.endpoint, quotas: { rules: AWS_PROFILE.quotas, timeScale: 1 } });
    const apigateway = new APIGateway({ endpoint: quotas.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });
    try {
      assert.equal(quotas.quietMs(), 0, 'nothing called yet');
      await apigateway.deleteRestApi({ restApiId: 'none' }).catch(() => undefined);
      // DeleteRestApi: 1 every 30 s for the account, counted from its arrival.
      const quiet = quotas.quietMs();
      assert.ok(quiet > 25_000 && quiet <= 30_000, `${quiet} ms`);
    } finally {
      apigateway.destroy();
      await quotas.close();
    }
  });
});

describe('the inventory lab on AWS’s clock', () => {
  onAFreshClock();

  it('setup (the bucket notification after the permission S3 must see), status, upload, cleanup: no error, every long wait named', { timeout: 300_000 }, async () => {
    await moto.reset();
    for (const args of [['setup', '--lab', 'inventory', '--email', EMAIL, '--yes'], ['status', '--lab', 'inventory'], ['upload', '--lab', 'inventory'], ['cleanup', '--lab', 'inventory', '--yes']]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${show(r)}\n${r.stdout}`);
      assert.deepEqual(unexplainedWaits(r), [], `${args.join(' ')}: ${show(r)}`);
    }
    assert.deepEqual(proxy.stats.overQuota, {}, 'calls refused for a quota');
    assert.ok(clock.rewrites > 0 || Object.keys(clock.refusals).length > 0, 'the clock never acted');
  });
});
