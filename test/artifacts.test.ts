// What moto cannot run, run from the real artifacts (helpers/artifacts.ts): the runtime a
// function zip runs in offers only the AWS SDK. (The API's template and model as stored
// are run by the local stage: local-stage.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureFunctionZips, invoke, runtimePackages, unpack, zipOf } from './helpers/artifacts.js';
import { awsEnv } from './helpers/moto.js';
import { expectedNames, motoPerFile, runSetup, sdk } from './helpers/lab.js';

const moto = motoPerFile({ resetEach: true });

describe('the Lambda runtime the unpacked zips run in', () => {
  it('offers the AWS SDK v3 and nothing else of the project: an import outside it fails there', { timeout: 120_000 }, async () => {
    // archiver is in the project's node_modules (this test process imports it)...
    await import('archiver');
    assert.ok(runtimePackages().includes('@aws-sdk/client-sqs'));
    assert.ok(runtimePackages().some((p) => p.startsWith('@smithy/')), 'the SDK brings what it needs');
    assert.ok(!runtimePackages().includes('archiver') && !runtimePackages().includes('commander'));
    // Lambda promises the SDK's clients, not its utilities: a function bundles those.
    assert.ok(!runtimePackages().includes('@aws-sdk/util-dynamodb'));
    const env = awsEnv(moto.endpoint);
    // ...but a function that imports it cannot load in the runtime.
    const outside = unpack(await zipOf({ 'index.mjs': "import archiver from 'archiver';\nexport const handler = async () => typeof archiver;\n" }));
    const failed = await invoke(outside, 'index.handler', {}, env);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /Cannot find package 'archiver'/);
    // The SDK is there, and so is a module the zip itself carries; a missing one is not.
    const inside = unpack(await zipOf({ 'index.mjs': "import { SQSClient } from '@aws-sdk/client-sqs';\nimport { two } from './lib.mjs';\nexport const handler = async (event) => ({ sdk: typeof SQSClient, two: two(), got: event.x, node: process.version });\n", 'lib.mjs': 'export const two = () => 2;\n' }));
    const ok = await invoke(inside, 'index.handler', { x: 'y' }, env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual({ ...(ok.result as object), node: undefined }, { sdk: 'function', two: 2, got: 'y', node: undefined });
    // Under the Node major of the function's runtime, not the test runner's.
    assert.match(String((ok.result as { node: string }).node), /^v22\./);
    assert.match(String(((await invoke(inside, 'index.handler', {}, env, 'nodejs24.x')).result as { node: string }).node), /^v24\./);
    const incomplete = unpack(await zipOf({ 'index.mjs': "import { two } from './lib.mjs';\nexport const handler = async () => two();\n" }));
    const missing = await invoke(incomplete, 'index.handler', {}, env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Cannot find module .*lib\.mjs/);
    // The handler string is followed: a wrong export name fails as the runtime's does.
    const wrong = await invoke(inside, 'index.main', {}, env);
    assert.match(wrong.stderr, /HandlerNotFound/);
  });

  it('runs the zips exactly as setup uploaded them, through their configured handler strings', { timeout: 180_000 }, async () => {
    const capture = captureFunctionZips();
    const { result } = await runSetup(moto).finally(capture.stop);
    assert.equal(result.exitCode, 0, result.error?.message);
    const names = expectedNames();
    const c = sdk(moto);
    for (const fn of [names.function1, names.function2]) {
      const zip = capture.zips.get(fn);
      assert.ok(zip, `the CreateFunction request for ${fn} carried its zip`);
      const config = await c.lambda.getFunctionConfiguration({ FunctionName: fn });
      assert.match(config.Runtime ?? '', /^nodejs/);
      const task = unpack(zip);
      // An empty batch: the module loads in the runtime, the export named by the handler
      // string answers; under the configured runtime's Node and the other one a lab keeps.
      for (const runtime of new Set([config.Runtime!, 'nodejs22.x', 'nodejs24.x'])) {
        const ran = await invoke(task, config.Handler!, { Records: [] }, { ...awsEnv(moto.endpoint), ...config.Environment?.Variables, AWS_LAMBDA_FUNCTION_NAME: fn }, runtime);
        assert.equal(ran.code, 0, `${fn} on ${runtime}: ${ran.stderr}`);
        assert.deepEqual(ran.result, { batchItemFailures: [] }, `${fn} on ${runtime}`);
      }
    }
  });
});
