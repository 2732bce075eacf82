// What moto cannot run, run from the real artifacts (helpers/artifacts.ts): the runtime a
// function zip runs in offers only the AWS SDK; the API's mapping template as stored,
// rendered by a Velocity engine, delivers any order to SQS byte for byte; its request
// model as stored accepts objects only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureFunctionZips, invoke, javaUrlEncode, renderTemplate, requestValidator, runtimePackages, sendLikeApiGateway, storedApi, unpack, zipOf } from './helpers/artifacts.js';
import { awsEnv } from './helpers/moto.js';
import { expectedNames, motoPerFile, runSetup, sdk } from './helpers/lab.js';

const moto = motoPerFile({ resetEach: true });

describe('the Lambda runtime the unpacked zips run in', () => {
  it('offers the AWS SDK v3 and nothing else of the project: an import outside it fails there', { timeout: 30_000 }, async () => {
    // archiver is in the project's node_modules (this test process imports it)...
    await import('archiver');
    assert.ok(runtimePackages().includes('@aws-sdk/client-sqs'));
    assert.ok(runtimePackages().some((p) => p.startsWith('@smithy/')), 'the SDK brings what it needs');
    assert.ok(!runtimePackages().includes('archiver') && !runtimePackages().includes('commander'));
    const env = awsEnv(moto.endpoint);
    // ...but a function that imports it cannot load in the runtime.
    const outside = unpack(await zipOf({ 'index.mjs': "import archiver from 'archiver';\nexport const handler = async () => typeof archiver;\n" }));
    const failed = await invoke(outside, 'index.handler', {}, env);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /Cannot find package 'archiver'/);
    // The SDK is there, and so is a module the zip itself carries; a missing one is not.
    const inside = unpack(await zipOf({ 'index.mjs': "import { SQSClient } from '@aws-sdk/client-sqs';\nimport { two } from './lib.mjs';\nexport const handler = async (event) => ({ sdk: typeof SQSClient, two: two(), got: event.x });\n", 'lib.mjs': 'export const two = () => 2;\n' }));
    const ok = await invoke(inside, 'index.handler', { x: 'y' }, env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(ok.result, { sdk: 'function', two: 2, got: 'y' });
    const incomplete = unpack(await zipOf({ 'index.mjs': "import { two } from './lib.mjs';\nexport const handler = async () => two();\n" }));
    const missing = await invoke(incomplete, 'index.handler', {}, env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Cannot find module .*lib\.mjs/);
    // The handler string is followed: a wrong export name fails as the runtime's does.
    const wrong = await invoke(inside, 'index.main', {}, env);
    assert.match(wrong.stderr, /HandlerNotFound/);
  });

  it('runs the zips exactly as setup uploaded them, through their configured handler strings', { timeout: 60_000 }, async () => {
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
      // An empty batch: the module loads in the runtime, the export named by the handler string answers.
      const ran = await invoke(task, config.Handler!, { Records: [] }, { ...awsEnv(moto.endpoint), ...config.Environment?.Variables, AWS_LAMBDA_FUNCTION_NAME: fn });
      assert.equal(ran.code, 0, `${fn}: ${ran.stderr}`);
      assert.deepEqual(ran.result, { batchItemFailures: [] }, fn);
    }
  });
});

describe("the API's integration as stored", () => {
  it('URL-encodes like java.net.URLEncoder', () => {
    assert.equal(javaUrlEncode('a b&c=d+e%f'), 'a+b%26c%3Dd%2Be%25f');
    assert.equal(javaUrlEncode('.-*_~!\'()'), '.-*_%7E%21%27%28%29');
    assert.equal(javaUrlEncode('é日💥\n'), '%C3%A9%E6%97%A5%F0%9F%92%A5%0A');
    assert.equal(renderTemplate('Action=SendMessage&MessageBody=$util.urlEncode($input.body)', '{"a":"b c"}'), 'Action=SendMessage&MessageBody=%7B%22a%22%3A%22b+c%22%7D');
  });

  it('delivers orders with &, =, +, %, spaces, quotes, newlines and non-ASCII text to SQS byte for byte', { timeout: 60_000 }, async () => {
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    const c = sdk(moto);
    const { integration } = await storedApi(c.apigateway, expectedNames().api);
    assert.equal(integration.type, 'AWS');
    const bodies = [
      '{"item":"latex gloves","customerID":"12345","quantity":3}',
      '{"note":"a&b=c+d%20e 100% sure"}',
      '{"say":"\\"quoted\\" and \'single\'","lines":"one\\ntwo"}',
      '{\n  "pretty": true,\n  "tab":\t"x"\n}',
      '{"name":"Zoë Ünal","city":"東京","mood":"💥","dash":"–"}',
    ];
    const { QueueUrl } = await c.sqs.getQueueUrl({ QueueName: expectedNames().queue });
    for (const body of bodies) {
      const answer = await sendLikeApiGateway(integration, body, moto.motoEndpoint);
      assert.equal(answer.status, 200, `${answer.sent}\n${answer.text}`);
      const { Messages = [] } = await c.sqs.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
      assert.equal(Messages.length, 1);
      assert.equal(Buffer.from(Messages[0]!.Body!).toString('hex'), Buffer.from(body).toString('hex'), `byte for byte: ${body}`);
      await c.sqs.deleteMessage({ QueueUrl, ReceiptHandle: Messages[0]!.ReceiptHandle! });
    }
  });

  it('its request model, as a draft-04 schema, accepts objects and rejects arrays, strings, numbers and {}', { timeout: 60_000 }, async () => {
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    const { model, validator } = await storedApi(sdk(moto).apigateway, expectedNames().api);
    assert.equal(validator?.validateRequestBody, true, 'the POST method validates its body');
    assert.ok(model?.schema, 'the POST method requires a model');
    const valid = requestValidator(model.schema);
    for (const ok of [{ item: 'mop' }, { item: 'mop', quantity: 2, nested: { a: [1] } }]) assert.equal(valid(ok), true, JSON.stringify(ok));
    for (const bad of [[], [{ item: 'mop' }], 'mop', 42, {}, null, true]) assert.equal(valid(bad), false, JSON.stringify(bad));
  });
});
