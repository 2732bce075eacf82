// The REST API's stage served over HTTP on 127.0.0.1 (src/local/stage.ts), built from what
// is stored in moto: the lab's API as `poc setup` made it, and APIs made by hand (and broken
// by hand) with plain SDK clients, called over real HTTP. What arrives is read back from
// SQS with plain clients.
//
// The stage is given moto itself (motoEndpoint), not the checking proxy: it plays API
// Gateway, and its integration request is API Gateway's own, in the SQS query protocol to
// the queue's path, which botocore's SQS model (JSON protocol) does not describe.
//
// One suite runs on a local AWS (poc local start), whose emulator counts the changes made
// through API Gateway and to IAM's roles: there the stage keeps what it read until one of
// them moves, and the suite checks that a change still reaches the next request. poc local
// runs the functions on poc's own Node (22 or later), so run-tests.js runs this file under Node 22:
// @node 22
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SQS } from '@aws-sdk/client-sqs';
import { runPoc } from './helpers/cli.js';
import { directClients } from './helpers/clients.js';
import { sendOrder } from './helpers/try-it.js';
import { startStage, matchResource, type Stage } from '../src/local/stage.js';
import { callService, IntegrationTimeout, parseServiceUri } from '../src/local/aws-integration.js';
import { escapeJavaScript, inputOf, javaUrlEncode, javaUrlDecode, renderTemplate } from '../src/local/velocity.js';
import { ACCOUNT, REGION, expectedNames, motoPerFile, runSetup, sdk, type Sdk } from './helpers/lab.js';

const moto = motoPerFile({ resetEach: true });
let stage: Stage;

// In each suite's own hook: the file's hooks (motoPerFile's start of moto) run at once.
const startTheStage = () =>
  before(async () => {
    stage ??= await startStage({ endpoint: moto.motoEndpoint, region: REGION });
  });
after(async () => {
  await stage?.close();
});

const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(`${stage.url}${path}`, { method: 'POST', headers, body });

async function labApiId(c: Sdk): Promise<string> {
  const { items = [] } = await c.apigateway.getRestApis({});
  const id = items.find((a) => a.name === expectedNames().api)?.id;
  assert.ok(id, 'setup made the lab API');
  return id;
}

async function drain(sqs: SQS, QueueUrl: string) {
  const { Messages = [] } = await sqs.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
  for (const m of Messages) await sqs.deleteMessage({ QueueUrl, ReceiptHandle: m.ReceiptHandle! });
  return Messages;
}

async function depth(sqs: SQS, QueueUrl: string): Promise<number> {
  const { Attributes } = await sqs.getQueueAttributes({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] });
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe("the lab's API, as poc setup built it, served by the local stage", () => {
  startTheStage();
  it('an order POSTed over HTTP lands in POC-Queue byte for byte; the answer is SQS’s, passed through, and send-order reads its MessageId', { timeout: 180_000 }, async () => {
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    const c = sdk(moto);
    const apiId = await labApiId(c);
    const { QueueUrl } = await c.sqs.getQueueUrl({ QueueName: expectedNames().queue });
    const bodies = [
      '{"item":"latex gloves","customerID":"12345","quantity":3}',
      '{"item":"mop","quantity":2,"nested":{"a":[1]}}',
      '{"note":"a&b=c+d%20e 100% sure"}',
      '{"say":"\\"quoted\\" and \'single\'","lines":"one\\ntwo"}',
      '{\n  "pretty": true,\n  "tab":\t"x"\n}',
      '{"name":"Zoë Ünal","city":"東京","mood":"💥","dash":"–"}',
    ];
    for (const body of bodies) {
      const res = await post(`/${apiId}/prod/orders`, body);
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.equal(res.headers.get('content-type'), 'application/json', 'no response template: the body passes through as application/json');
      assert.ok(res.headers.get('x-amzn-requestid'));
      const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1];
      assert.ok(messageId, `SQS's SendMessage answer: ${text}`);
      const messages = await drain(c.sqs, QueueUrl!);
      assert.deepEqual(messages.map((m) => m.MessageId), [messageId]);
      assert.equal(Buffer.from(messages[0]!.Body!).toString('hex'), Buffer.from(body).toString('hex'), `byte for byte: ${body}`);
    }

    // send-order, pointed at the stage's URL, prints the MessageId of the message that arrived.
    const sent = await sendOrder('{"item":"mop","quantity":2}', { endpointUrl: moto.endpoint, region: REGION, apiUrl: `${stage.url}/${apiId}/prod/orders` }, {});
    assert.equal(sent.exitCode, 0, sent.error?.message);
    const [arrived] = await drain(c.sqs, QueueUrl!);
    assert.ok(sent.sent[0]!.messageId);
    assert.equal(sent.sent[0]!.messageId, arrived?.MessageId);
    assert.deepEqual(JSON.parse(arrived!.Body!), { item: 'mop', quantity: 2 });
  });

  it('rejects what is not a non-empty JSON object with 400 and the model’s message, and other content types with 415; nothing reaches the queue', { timeout: 180_000 }, async () => {
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    const c = sdk(moto);
    const apiId = await labApiId(c);
    const { QueueUrl } = await c.sqs.getQueueUrl({ QueueName: expectedNames().queue });
    for (const body of ['not json', '{"item":', '[]', '[{"item":"mop"}]', '"mop"', '42', '{}', 'null', 'true', '']) {
      const res = await post(`/${apiId}/prod/orders`, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} is refused`);
      assert.deepEqual(await res.json(), { message: 'Invalid request body' });
      assert.equal(res.headers.get('x-amzn-errortype'), 'BadRequestException');
    }
    // No Content-Type is taken as application/json, and validated as such.
    const bare = await fetch(`${stage.url}/${apiId}/prod/orders`, { method: 'POST', body: new Blob(['oops']) });
    assert.equal(bare.status, 400);
    // The integration passes nothing through (NEVER): a body of another type is refused.
    const plain = await post(`/${apiId}/prod/orders`, '{"item":"mop"}', { 'content-type': 'text/plain' });
    assert.equal(plain.status, 415);
    assert.deepEqual(await plain.json(), { message: 'Unsupported Media Type' });
    assert.equal(await depth(c.sqs, QueueUrl!), 0, 'nothing reached the queue');
    // A JSON content type with parameters is still application/json.
    const ok = await post(`/${apiId}/prod/orders`, '{"item":"mop"}', { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(ok.status, 200, await ok.text());
    assert.equal(await depth(c.sqs, QueueUrl!), 1);
  });

  it('answers an unknown path or method 403 Missing Authentication Token, an unknown stage or API 403 Forbidden', { timeout: 180_000 }, async () => {
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    const c = sdk(moto);
    const apiId = await labApiId(c);
    const { QueueUrl } = await c.sqs.getQueueUrl({ QueueName: expectedNames().queue });
    const cases: [string, string][] = [
      ['GET', `/${apiId}/prod/orders`],
      ['PUT', `/${apiId}/prod/orders`],
      ['POST', `/${apiId}/prod/`],
      ['POST', `/${apiId}/prod/order`],
      ['POST', `/${apiId}/prod/orders/42`],
    ];
    for (const [method, path] of cases) {
      const res = await fetch(`${stage.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{"item":"mop"}' });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(await res.text(), '{"message":"Missing Authentication Token"}');
      assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    }
    for (const path of [`/${apiId}/dev/orders`, '/nosuchapi/prod/orders', `/${apiId}`, '/']) {
      const res = await post(path, '{"item":"mop"}');
      assert.equal(res.status, 403, path);
      assert.deepEqual(await res.json(), { message: 'Forbidden' });
    }
    const huge = await post(`/${apiId}/prod/orders`, `{"item":"${'x'.repeat(10 * 1024 * 1024)}"}`);
    assert.equal(huge.status, 413, 'over API Gateway’s 10 MB payload quota');
    assert.equal(await depth(c.sqs, QueueUrl!), 0);
  });
});

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/** A queue, a role API Gateway may assume, and an API whose POST /items/{id} sends to the queue through `template`. */
async function handBuilt(c: Sdk, template: string) {
  const { QueueUrl } = await c.sqs.createQueue({ QueueName: 'hand-queue' });
  const role = await c.iam.createRole({ RoleName: 'hand-api-role', AssumeRolePolicyDocument: TRUST });
  const { id: restApiId } = await c.apigateway.createRestApi({ name: 'hand-api' });
  const { items = [] } = await c.apigateway.getResources({ restApiId });
  const items_ = await c.apigateway.createResource({ restApiId: restApiId!, parentId: items.find((r) => r.path === '/')!.id!, pathPart: 'items' });
  const item = await c.apigateway.createResource({ restApiId: restApiId!, parentId: items_.id!, pathPart: '{id}' });
  const validator = await c.apigateway.createRequestValidator({ restApiId: restApiId!, name: 'params', validateRequestParameters: true, validateRequestBody: false });
  const on = { restApiId: restApiId!, resourceId: item.id!, httpMethod: 'POST' };
  await c.apigateway.putMethod({ ...on, authorizationType: 'NONE', requestValidatorId: validator.id, requestParameters: { 'method.request.header.X-Note': true } });
  await c.apigateway.putMethodResponse({ ...on, statusCode: '200', responseParameters: { 'method.response.header.X-Backend-Status': false } });
  await c.apigateway.putMethodResponse({ ...on, statusCode: '400' });
  /** The integration through `template`, its responses, and a deployment (AWS serves a change once deployed). */
  const integrate = async (template: string) => {
    await c.apigateway.putIntegration({
      ...on,
      type: 'AWS',
      integrationHttpMethod: 'POST',
      uri: `arn:aws:apigateway:${REGION}:sqs:path/${ACCOUNT}/hand-queue`,
      credentials: role.Role!.Arn,
      requestParameters: { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" },
      requestTemplates: { 'application/json': template },
      passthroughBehavior: 'WHEN_NO_TEMPLATES',
    });
    await c.apigateway.putIntegrationResponse({
      ...on,
      statusCode: '200',
      responseTemplates: { 'application/json': '{"id":"$input.params(\'id\')","requestId":"$context.requestId","resourcePath":"$context.resourcePath"}' },
      responseParameters: { 'method.response.header.X-Backend-Status': "'sent'" },
    });
    await c.apigateway.putIntegrationResponse({ ...on, statusCode: '400', selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '{"error":"the queue refused it"}' } });
    await c.apigateway.createDeployment({ restApiId: restApiId!, stageName: 'test' });
  };
  await integrate(template);
  return { restApiId: restApiId!, QueueUrl: QueueUrl!, roleArn: role.Role!.Arn!, on, integrate };
}

const TEMPLATE = "Action=SendMessage&MessageBody=$util.urlEncode(\"id=$input.params('id');note=$input.params('X-Note');item=$input.path('$.item');api=$context.apiId;stage=$context.stage;path=$context.resourcePath\")";

describe('an API built by hand with plain SDK calls, as the console or another tool would', () => {
  startTheStage();
  it('sends what its own template makes (path parameter, header, JSONPath, $context), answers through its response template, and checks its required header', { timeout: 120_000 }, async () => {
    const c = sdk(moto);
    const api = await handBuilt(c, TEMPLATE);
    const res = await post(`/${api.restApiId}/test/items/42`, '{"item":"mop & bucket"}', { 'content-type': 'application/json', 'x-note': 'urgent' });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual(JSON.parse(text), { id: '42', requestId: res.headers.get('x-amzn-requestid'), resourcePath: '/items/{id}' });
    assert.equal(res.headers.get('x-backend-status'), 'sent');
    const [message] = await drain(c.sqs, api.QueueUrl);
    assert.equal(message?.Body, `id=42;note=urgent;item=mop & bucket;api=${api.restApiId};stage=test;path=/items/{id}`);

    // The validator checks the required header before anything is sent.
    const missing = await post(`/${api.restApiId}/test/items/42`, '{"item":"mop"}');
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), { message: 'Missing required request parameters: [X-Note]' });
    // WHEN_NO_TEMPLATES with a template defined: another content type is refused.
    const xml = await post(`/${api.restApiId}/test/items/42`, '<item/>', { 'content-type': 'application/xml', 'x-note': 'n' });
    assert.equal(xml.status, 415);
    assert.equal(await depth(c.sqs, api.QueueUrl), 0);
  });

  it('maps SQS’s error by selection pattern, and answers 500 when no integration response matches and none is the default', { timeout: 120_000 }, async () => {
    const c = sdk(moto);
    const api = await handBuilt(c, TEMPLATE);
    // The queue is gone: SQS answers 400 (NonExistentQueue), selected by 4\d{2}.
    await c.sqs.deleteQueue({ QueueUrl: api.QueueUrl });
    const refused = await post(`/${api.restApiId}/test/items/1`, '{"item":"mop"}', { 'content-type': 'application/json', 'x-note': 'n' });
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), { error: 'the queue refused it' });
    // Without the 400 mapping and with 200 no longer the default, nothing matches SQS's 400: API Gateway's 500.
    await c.apigateway.deleteIntegrationResponse({ ...api.on, statusCode: '400' });
    await c.apigateway.deleteIntegrationResponse({ ...api.on, statusCode: '200' });
    await c.apigateway.putIntegrationResponse({ ...api.on, statusCode: '200', selectionPattern: '2\\d{2}' });
    const unmatched = await post(`/${api.restApiId}/test/items/1`, '{"item":"mop"}', { 'content-type': 'application/json', 'x-note': 'n' });
    assert.equal(unmatched.status, 500);
    assert.deepEqual(await unmatched.json(), { message: 'Internal server error' });
  });

  it('answers 500 when its role cannot be assumed (no trust in API Gateway, or no such role), and sends nothing', { timeout: 120_000 }, async () => {
    const c = sdk(moto);
    const api = await handBuilt(c, TEMPLATE);
    const send = () => post(`/${api.restApiId}/test/items/7`, '{"item":"mop"}', { 'content-type': 'application/json', 'x-note': 'n' });
    const stderr = captureStderr();
    try {
      await c.iam.updateAssumeRolePolicy({ RoleName: 'hand-api-role', PolicyDocument: TRUST.replace('apigateway.amazonaws.com', 'lambda.amazonaws.com') });
      const untrusted = await send();
      assert.equal(untrusted.status, 500);
      assert.deepEqual(await untrusted.json(), { message: 'Internal server error' });
      await c.iam.deleteRole({ RoleName: 'hand-api-role' });
      const gone = await send();
      assert.equal(gone.status, 500);
    } finally {
      stderr.stop();
    }
    assert.match(stderr.text(), /API Gateway does not have permission to assume the provided role arn:aws:iam::\d{12}:role\/hand-api-role/);
    assert.equal(await depth(c.sqs, api.QueueUrl), 0, 'nothing was sent');
  });

  it('a MOCK integration answers from its templates; an HTTP integration is a clear 500 with the reason on stderr', { timeout: 120_000 }, async () => {
    const c = sdk(moto);
    const { id: restApiId } = await c.apigateway.createRestApi({ name: 'mock-api' });
    const root = (await c.apigateway.getResources({ restApiId })).items!.find((r) => r.path === '/')!;
    const proxy = await c.apigateway.createResource({ restApiId: restApiId!, parentId: root.id!, pathPart: '{proxy+}' });
    const health = await c.apigateway.createResource({ restApiId: restApiId!, parentId: root.id!, pathPart: 'health' });
    const mock = { restApiId: restApiId!, resourceId: health.id!, httpMethod: 'GET' };
    await c.apigateway.putMethod({ ...mock, authorizationType: 'NONE' });
    await c.apigateway.putMethodResponse({ ...mock, statusCode: '200' });
    await c.apigateway.putMethodResponse({ ...mock, statusCode: '418' });
    await c.apigateway.putIntegration({ ...mock, type: 'MOCK', requestTemplates: { 'application/json': '#if($input.params(\'teapot\') == "yes"){"statusCode": 418}#else{"statusCode": 200}#end' } });
    await c.apigateway.putIntegrationResponse({ ...mock, statusCode: '200', responseTemplates: { 'application/json': '{"ok":true,"stage":"$context.stage","path":"$context.path","method":"$context.httpMethod","q":"$util.escapeJavaScript($input.params(\'q\'))","color":"$stageVariables.color","ip":"$context.identity.sourceIp","agent":"$context.identity.userAgent","account":"$context.accountId","api":"$context.apiId","epoch":$context.requestTimeEpoch,"time":"$context.requestTime","id":"$context.requestId"}' } });
    await c.apigateway.putIntegrationResponse({ ...mock, statusCode: '418', selectionPattern: '418', responseTemplates: { 'application/json': '{"ok":false}' } });
    const any = { restApiId: restApiId!, resourceId: proxy.id!, httpMethod: 'ANY' };
    await c.apigateway.putMethod({ ...any, authorizationType: 'NONE' });
    await c.apigateway.putIntegration({ ...any, type: 'HTTP_PROXY', integrationHttpMethod: 'ANY', uri: 'http://127.0.0.1:9/{proxy}' });
    await c.apigateway.createDeployment({ restApiId: restApiId!, stageName: 'v1', variables: { color: 'blue' } });

    const before = Date.now();
    const ok = await fetch(`${stage.url}/${restApiId}/v1/health?q=${encodeURIComponent('say "hi"')}`, { headers: { 'User-Agent': 'stage-test/1' } });
    assert.equal(ok.status, 200);
    const { epoch, time, id, ...rest } = (await ok.json()) as { epoch: number; time: string; id: string };
    assert.deepEqual(rest, { ok: true, stage: 'v1', path: '/v1/health', method: 'GET', q: 'say "hi"', color: 'blue', ip: '127.0.0.1', agent: 'stage-test/1', account: ACCOUNT, api: restApiId });
    assert.ok(epoch >= before - 1000 && epoch <= Date.now(), `requestTimeEpoch ${epoch}`);
    assert.match(time, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    assert.equal(id, ok.headers.get('x-amzn-requestid'));
    const teapot = await fetch(`${stage.url}/${restApiId}/v1/health?teapot=yes`);
    assert.equal(teapot.status, 418);
    assert.deepEqual(await teapot.json(), { ok: false });
    assert.equal((await fetch(`${stage.url}/${restApiId}/v1/health`, { method: 'DELETE' })).status, 403, 'no DELETE on /health');

    // Anything else below the root goes to {proxy+} (greedy), whose HTTP_PROXY integration the stage does not run.
    const stderr = captureStderr();
    let other: Response;
    try {
      other = await fetch(`${stage.url}/${restApiId}/v1/some/deep/path`, { method: 'PATCH', body: 'x' });
    } finally {
      stderr.stop();
    }
    assert.equal(other.status, 500);
    assert.deepEqual(await other.json(), { message: 'Internal server error' });
    assert.match(stderr.text(), /HTTP_PROXY integration, which the local stage does not support/);
  });
});

describe('on a running local AWS, where the stage keeps what it read until API Gateway or IAM changes something', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'poc-local-stage-'));
  const env: NodeJS.ProcessEnv = { ...process.env, POC_STATE_DIR: stateDir, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  delete env.AWS_ENDPOINT_URL;
  delete env.AWS_PROFILE;
  let local: { endpoint: string; stageUrl: string };
  before(async () => {
    const run = await runPoc(['local', 'start', '--detach'], env);
    assert.equal(run.code, 0, run.stderr);
    local = JSON.parse(readFileSync(join(stateDir, 'local', 'state.json'), 'utf8')) as typeof local;
  });
  after(async () => {
    await runPoc(['local', 'stop'], env);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a new mapping template is used from the next request on; a role API Gateway may no longer assume fails the next one, and works again once trusted', { timeout: 120_000 }, async () => {
    const c = directClients(local.endpoint, REGION);
    const api = await handBuilt(c, TEMPLATE);
    const send = (note: string) => fetch(`${local.stageUrl}/${api.restApiId}/test/items/42`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-note': note }, body: '{"item":"mop"}' });
    const sent = async (note: string) => {
      const res = await send(note);
      assert.equal(res.status, 200, await res.text());
      return (await drain(c.sqs, api.QueueUrl)).map((m) => m.Body);
    };
    // Twice as built: the second is answered from what the stage kept.
    for (const note of ['first', 'second']) assert.deepEqual(await sent(note), [`id=42;note=${note};item=mop;api=${api.restApiId};stage=test;path=/items/{id}`]);

    // Another template, deployed. (moto has no UpdateIntegration: PutIntegration replaces the whole integration.)
    await api.integrate("Action=SendMessage&MessageBody=$util.urlEncode(\"v2 $input.params('X-Note') $input.path('$.item')\")");
    assert.deepEqual(await sent('third'), ['v2 third mop']);

    // API Gateway may no longer assume the role: the credentials the stage kept are not used.
    await c.iam.updateAssumeRolePolicy({ RoleName: 'hand-api-role', PolicyDocument: TRUST.replace('apigateway.amazonaws.com', 'lambda.amazonaws.com') });
    const refused = await send('fourth');
    assert.equal(refused.status, 500);
    assert.deepEqual(await refused.json(), { message: 'Internal server error' });
    assert.equal(await depth(c.sqs, api.QueueUrl), 0, 'nothing was sent');
    await c.iam.updateAssumeRolePolicy({ RoleName: 'hand-api-role', PolicyDocument: TRUST });
    assert.deepEqual(await sent('fifth'), ['v2 fifth mop']);
    for (const client of Object.values(c)) client.destroy();
  });
});

describe('the parts of the stage', () => {
  it('renders API Gateway’s $util like the Java originals', () => {
    assert.equal(javaUrlEncode('a b&c=d+e%f'), 'a+b%26c%3Dd%2Be%25f');
    assert.equal(javaUrlEncode('.-*_~!\'()'), '.-*_%7E%21%27%28%29');
    assert.equal(javaUrlEncode('é日💥\n'), '%C3%A9%E6%97%A5%F0%9F%92%A5%0A');
    assert.equal(javaUrlDecode('a+b%26c%3D%C3%A9'), 'a b&c=é');
    assert.equal(escapeJavaScript('it\'s "x"/\\\n\té'), 'it\\\'s \\"x\\"\\/\\\\\\n\\t\\u00E9');
    const render = (template: string, body: string) => renderTemplate(template, { input: inputOf(body, { path: { id: '7' }, querystring: { q: 'x' }, header: { 'X-Note': 'n' } }) });
    assert.equal(render('Action=SendMessage&MessageBody=$util.urlEncode($input.body)', '{"a":"b c"}'), 'Action=SendMessage&MessageBody=%7B%22a%22%3A%22b+c%22%7D');
    assert.equal(render("$input.json('$.a.b[1]') $input.path('$.a.b').size() $input.params('id')$input.params('q')$input.params('x-note')", '{"a":{"b":[1,{"c":2}]}}'), '{"c":2} 2 7xn');
    assert.equal(render('#set($o = $util.parseJson($input.body))$o.items[0].name $util.base64Encode("hé") $util.base64Decode("aMOp")', '{"items":[{"name":"mop"}]}'), 'mop aMOp hé');
  });

  it('signs the integration request for the URI’s service and region as the role, and gives up after the integration’s timeout', { timeout: 30_000 }, async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      if (req.url?.startsWith('/hang')) return; // never answers
      res.end('<ok/>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const role = { accessKeyId: 'ASIAROLE', secretAccessKey: 'secret', sessionToken: 'token' };
    try {
      const target = parseServiceUri('arn:aws:apigateway:eu-west-1:sns:action/Publish&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A1%3At');
      assert.deepEqual(target, { region: 'eu-west-1', service: 'sns', path: '/', query: [['Action', 'Publish'], ['TopicArn', 'arn:aws:sns:eu-west-1:1:t']] });
      const answer = await callService(endpoint, target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: [], body: 'Message=hi' }, role, 5_000);
      assert.equal(answer.body, '<ok/>');
      assert.match(String(seen[0]!.authorization), /^AWS4-HMAC-SHA256 Credential=ASIAROLE\/\d{8}\/eu-west-1\/sns\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
      assert.equal(seen[0]!['x-amz-security-token'], 'token');
      await assert.rejects(callService(endpoint, { ...parseServiceUri('arn:aws:apigateway:us-east-1:sqs:path/hang'), path: '/hang' }, { method: 'POST', headers: {}, query: [], body: '' }, role, 300), IntegrationTimeout);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('finds resources as API Gateway does: literal before {param} before {greedy+}', () => {
    const resources = ['/', '/orders', '/orders/{id}', '/orders/latest', '/{proxy+}'].map((path, i) => ({ id: `r${i}`, path }));
    const at = (p: string) => {
      const found = matchResource(resources, p.split('/').filter(Boolean));
      return found && [found.resource.path, found.pathParams];
    };
    assert.deepEqual(at('/'), ['/', {}]);
    assert.deepEqual(at('/orders/latest'), ['/orders/latest', {}]);
    assert.deepEqual(at('/orders/42'), ['/orders/{id}', { id: '42' }]);
    assert.deepEqual(at('/orders/42/items'), ['/{proxy+}', { proxy: 'orders/42/items' }]);
    assert.deepEqual(at('/other'), ['/{proxy+}', { proxy: 'other' }]);
    assert.equal(matchResource(resources.slice(0, 4), ['nothing']), undefined);
  });
});

/** What this process writes to stderr (the stage's notes) until stop(). */
function captureStderr() {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return { text: () => text, stop: () => void (process.stderr.write = original) };
}
