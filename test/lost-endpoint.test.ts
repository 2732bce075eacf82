// The endpoint lost mid-run, and Ctrl-C during cleanup: poc must neither hang nor say what
// it does not know. The "emulator" here is a proxy in front of moto that is shut down in
// the middle of a run (connections then are refused, as when moto or the network is gone).
// The bounds asserted are the user's, generous for a loaded machine, not tuned to pass. The
// Ctrl-C run uses poc's real delays; the lost-endpoint runs scale them by LOST_SCALE (the
// 30 s poc gives an unreachable endpoint becomes 3 s), which only makes them end sooner.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import { labInventory, startFaultProxy } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

const REGION = 'us-east-1';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const moto = motoPerFile();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from the moment `onStderr` acted to the end of the run. */
  afterAct?: number;
}

const LOST_SCALE = '0.1';

/** Runs bin/poc.js; when stderr first matches `when`, calls act() and times the rest of the run. */
function poc(args: string[], when: RegExp, act: (child: ReturnType<typeof spawn>) => void | Promise<void>, backoffScale?: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION };
  delete env.POC_BACKOFF_SCALE;
  if (backoffScale) env.POC_BACKOFF_SCALE = backoffScale;
  const child = spawn(process.execPath, ['bin/poc.js', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let actedAt: number | undefined;
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    if (actedAt === undefined && when.test(stderr)) {
      actedAt = Date.now();
      void act(child);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, afterAct: actedAt === undefined ? undefined : Date.now() - actedAt }));
  });
}

describe('the endpoint lost mid-run', { concurrency: true }, () => {
  it('setup waiting for the table to be ACTIVE: the lost endpoint is reported within 60 s, naming it, the wait and the way on', { timeout: 180_000 }, async () => {
    let created = false;
    // AWS takes a while to make a table ACTIVE; moto makes it at once. Answer DescribeTable
    // as AWS does meanwhile (CREATING), so that the waiter is what runs when the endpoint goes.
    const proxy = await startFaultProxy({
      target: moto.endpoint,
      respond: (info) => {
        if (info.service === 'dynamodb' && info.operation === 'CreateTable') created = true;
        if (!(created && info.service === 'dynamodb' && info.operation === 'DescribeTable')) return undefined;
        return {
          status: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: JSON.stringify({
            Table: {
              TableName: 'lost-orders',
              TableStatus: 'CREATING',
              TableArn: `arn:aws:dynamodb:${REGION}:123456789012:table/lost-orders`,
              KeySchema: [{ AttributeName: 'orderID', KeyType: 'HASH' }],
              AttributeDefinitions: [{ AttributeName: 'orderID', AttributeType: 'S' }],
            },
          }),
        };
      },
    });
    const endpoint = proxy.endpoint;
    const run = await poc(
      ['setup', '--email', 'a@example.com', '--endpoint-url', endpoint, '--region', REGION, '--prefix', 'lost', '--only', '2'],
      /waiting for table lost-orders to be ACTIVE/,
      () => proxy.close(),
      LOST_SCALE,
    );
    assert.ok(run.afterAct !== undefined, `the table wait never started:\n${run.stderr}`);
    assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr}`);
    assert.ok(run.afterAct! < 60_000, `took ${run.afterAct} ms after the endpoint went away`);
    const headline = run.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? '';
    const error = run.stderr.slice(run.stderr.indexOf('Error: '));
    assert.match(error, new RegExp(endpoint.replace(/[.:/]/g, '\\$&')), `names the endpoint:\n${error}`);
    assert.match(headline, /table lost-orders/, `the headline names the resource waited on:\n${error}`);
    assert.match(error, /still running/, 'says what to check');
    assert.match(error, /run\s+`?poc setup[^`]*`?\s+again|run the same command again/, `and the way on:\n${error}`);
    assert.doesNotMatch(run.stderr, /observedResponses|TimeoutError/, 'no raw waiter output');
  });

  it('cleanup after the endpoint is lost lists what it could not check as such, not as "Still there"', { timeout: 180_000 }, async () => {
    const prefix = 'lost-clean';
    const built = await setup({ endpointUrl: moto.endpoint, region: REGION, email: 'a@example.com', prefix }, { reporter: await createReporter({ json: true }), aws: await createAws({ endpointUrl: moto.endpoint, region: REGION }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    const proxy = await startFaultProxy({ target: moto.endpoint, latencyMs: 50 });
    // The endpoint goes away once the first deletion has been answered.
    const run = await poc(['cleanup', '--yes', '--endpoint-url', proxy.endpoint, '--region', REGION, '--prefix', prefix], /Task 8 /, () => proxy.close(), LOST_SCALE);
    assert.ok(run.afterAct !== undefined, `cleanup never reported task 8:\n${run.stderr}`);
    assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr}`);
    assert.ok(run.afterAct! < 90_000, `took ${run.afterAct} ms after the endpoint went away`);
    assert.doesNotMatch(run.stdout, /Still there:[\s\S]*-Lambda-Write-DynamoDB/, `an unread policy is not "still there":\n${run.stdout}`);
    assert.match(run.stdout, /Could not check/, run.stdout);
    assert.match(run.stdout, new RegExp(`${prefix}-Lambda-Write-DynamoDB`), 'the unchecked ones are named');
  });
});

describe('Ctrl-C during cleanup', () => {
  it('stops within 10 s with exit 130, lists what is left, and does not wait for deletions it never made', { timeout: 120_000 }, async () => {
    const prefix = 'sigint-clean';
    const built = await setup({ endpointUrl: moto.endpoint, region: REGION, email: 'a@example.com', prefix }, { reporter: await createReporter({ json: true }), aws: await createAws({ endpointUrl: moto.endpoint, region: REGION }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    const proxy = await startFaultProxy({ target: moto.endpoint, latencyMs: 150 });
    try {
      const run = await poc(['cleanup', '--yes', '--endpoint-url', proxy.endpoint, '--region', REGION, '--prefix', prefix], /Account /, (child) => {
        setTimeout(() => child.kill('SIGINT'), 400);
      });
      assert.equal(run.code, 130, `exit code; stderr:\n${run.stderr}`);
      assert.ok(run.afterAct! < 10_400, `took ${run.afterAct} ms after Ctrl-C`);
      assert.doesNotMatch(run.stderr, /waiting for AWS to finish deleting/);
      const left = await labInventory(moto.endpoint, prefix);
      assert.ok(left.roles.length > 0, `the SIGINT came after cleanup had finished:\n${run.stderr}`);
      assert.match(run.stdout, /Still there:/, run.stdout);
      for (const role of left.roles) assert.match(run.stdout, new RegExp(role), `${role} is left and listed`);
    } finally {
      await proxy.close();
    }
  });
});
