// What a command needs is made ready while STS answers, and only what it needs: the SDK
// clients its walk calls load before the account is known, and the function zips are
// built only by walks that compare code (status, tasks, setup), never by check or cleanup.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Aws, Identity, ServiceName } from '../src/aws/clients.js';
import { openSession } from '../src/commands/context.js';
import type { Ctx } from '../src/engine/resource.js';
import { lambdaFunction } from '../src/resources/lambda-function.js';
import { functionPackage } from '../src/resources/function-package.js';

function fakeAws(clients: Record<string, unknown> = {}) {
  const requested: ServiceName[] = [];
  let answer!: (who: Identity) => void;
  const identity = new Promise<Identity>((resolve) => (answer = resolve));
  const aws = {
    region: 'us-east-1',
    calls: [],
    client: async (service: ServiceName) => {
      requested.push(service);
      return clients[service] ?? {};
    },
    identity: () => identity,
  } as unknown as Aws;
  return { aws, requested, answer };
}

describe('opening a session', () => {
  it('asks for the clients the walk needs before STS has answered', async () => {
    const { aws, requested, answer } = fakeAws();
    const session = openSession({}, { aws }, {}, { clients: ['iam', 'lambda'] });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(requested, ['sts', 'iam', 'lambda'], 'requested while the account is still unknown');
    answer({ account: '123456789012', arn: 'arn:aws:iam::123456789012:user/x' });
    assert.equal((await session).account, '123456789012');
  });
});

describe("a function's code", () => {
  const deployed = { FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:F', CodeSha256: 'c29tZXRoaW5nIGVsc2U=', Runtime: 'nodejs22.x', Role: 'arn:aws:iam::123456789012:role/R', Handler: 'index.handler', Timeout: 10, MemorySize: 128 };
  const make = (pkg = 'orders/lambda-1') =>
    lambdaFunction({
      key: 'function:1', task: 4, name: 'F', description: '', needs: [], roleName: 'R', handler: 'index.handler', timeoutSeconds: 10, memoryMb: 128,
      environment: () => ({}),
      package: pkg,
    });
  const ctxWith = (artifacts: boolean | undefined) => {
    const { aws } = fakeAws({ lambda: { getFunctionConfiguration: async () => deployed } });
    return { aws, artifacts, arns: { role: (n: string) => `arn:aws:iam::123456789012:role/${n}` }, settings: { runtime: 'nodejs22.x' } } as unknown as Ctx;
  };

  it("is compared with the build's package by walks that compare code", async () => {
    const fn = make();
    const ctx = ctxWith(true);
    assert.ok(fn.diff(fn.desired(ctx), (await fn.observe(ctx))!).some((r) => r.code === 'code'));
    const same = { ...(await fn.observe(ctx))!, codeSha256: functionPackage('orders/lambda-1').codeSha256() };
    assert.deepEqual(fn.diff(fn.desired(ctx), same).filter((r) => r.code === 'code'), []);
  });

  it('is not read by walks that do not compare it (check, cleanup)', async () => {
    // A package the build never made: reading it would throw.
    const fn = make('orders/not-built');
    const observed = (await fn.observe(ctxWith(false)))!;
    assert.equal(observed.codeSha256, deployed.CodeSha256);
    await assert.rejects(fn.observe(ctxWith(true)), /not in .*manifest\.json; run `npm run build`/);
  });
});
