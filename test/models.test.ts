// The API-model check itself (test/helpers/model-check.ts): requests built by the real
// SDK clients, captured as they would go on the wire, decoded and checked against
// botocore's models. A request AWS would refuse is reported with its operation, member,
// value and constraint; a good one is not. And the strings the lab defines are plain
// ASCII where the models restrict them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { IAM } from '@aws-sdk/client-iam';
import { Lambda } from '@aws-sdk/client-lambda';
import { SNS } from '@aws-sdk/client-sns';
import { SQS } from '@aws-sdk/client-sqs';
import { Arns } from '../src/aws/arns.js';
import type { Ctx } from '../src/engine/resource.js';
import { LABS } from '../src/labs/index.js';
import { javaPattern, serviceModel } from './helpers/aws-models.js';
import { checkRequest, formatViolation, type WireRequest } from './helpers/model-check.js';

class Captured extends Error {
  constructor(readonly request: WireRequest) {
    super('captured');
  }
}

/** The request a client would send, signed, without sending it. */
async function onTheWire(send: (config: object) => Promise<unknown>): Promise<WireRequest> {
  const requestHandler = {
    handle: async (request: { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }) => {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(request.query ?? {})) for (const one of [v].flat()) query.append(k, one ?? '');
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body as string | Uint8Array);
      throw new Captured({ method: request.method, url: request.path + (query.size ? `?${query}` : ''), headers, body });
    },
  };
  const config = { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, requestHandler, maxAttempts: 1 };
  try {
    await send(config);
  } catch (error) {
    if (error instanceof Captured) return error.request;
    throw error;
  }
  throw new Error('nothing was sent');
}

const problems = (req: WireRequest) => checkRequest(req).violations.map(formatViolation);
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

describe('the API-model check', () => {
  it('passes a good IAM CreateRole, tags and all, and names its operation', async () => {
    const req = await onTheWire((c) => new IAM(c).createRole({ RoleName: 'APIGateway-SQS', AssumeRolePolicyDocument: TRUST, Description: "Used by POC-API's integration.", Tags: [{ Key: 'poc:lab', Value: 'orders' }] }));
    const checked = checkRequest(req);
    assert.equal(checked.operation, 'CreateRole');
    assert.deepEqual(checked.violations, []);
    assert.deepEqual(checked.input?.Tags, [{ Key: 'poc:lab', Value: 'orders' }], 'Tags.member.1.Key decoded as a list of structures');
  });

  it("reports a Description with U+2019 (’) against IAM's roleDescriptionType pattern", async () => {
    const req = await onTheWire((c) => new IAM(c).createRole({ RoleName: 'APIGateway-SQS', AssumeRolePolicyDocument: TRUST, Description: 'Used by POC-API’s integration.' }));
    const found = problems(req);
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, /^iam:CreateRole Description = "Used by POC-API’s integration\." violates pattern .*\\u0020-\\u007E.* \[roleDescriptionType\]$/);
  });

  it('reports a name too long, a tag key too long (nested in a list), a missing required member and an unknown name', async () => {
    const req = await onTheWire((c) => new IAM(c).createRole({ RoleName: 'r'.repeat(65), AssumeRolePolicyDocument: undefined as unknown as string, Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }));
    req.body = Buffer.concat([req.body, Buffer.from('&Colour=blue')]);
    const found = problems(req);
    assert.ok(found.some((f) => /^iam:CreateRole RoleName = "r{65}" violates length <= 64 \(is 65\)/.test(f)), found.join('\n'));
    assert.ok(found.some((f) => /^iam:CreateRole Tags\[0\]\.Key = "k{129}" violates length <= 128/.test(f)), found.join('\n'));
    assert.ok(found.some((f) => /^iam:CreateRole AssumeRolePolicyDocument = undefined violates required/.test(f)), found.join('\n'));
    assert.ok(found.some((f) => f === 'iam:CreateRole Colour = "blue" violates a member the model defines (unknown name)'), found.join('\n'));
  });

  it('reports a bad enum and a number out of range in JSON (DynamoDB) and rest-json (Lambda)', async () => {
    const table = await onTheWire((c) =>
      new DynamoDB(c).createTable({ TableName: 'orders', BillingMode: 'CHEAP' as 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'orderID', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'orderID', KeyType: 'HASH' }] }),
    );
    assert.deepEqual(problems(table), ['dynamodb:CreateTable BillingMode = "CHEAP" violates enum PROVISIONED|PAY_PER_REQUEST [BillingMode]']);
    const fn = await onTheWire((c) => new Lambda(c).createFunction({ FunctionName: 'POC Lambda', Role: 'arn:aws:iam::123456789012:role/r', Runtime: 'nodejs99.x' as 'nodejs22.x', Handler: 'index.handler', Timeout: 0, Code: { ZipFile: Buffer.from('zip') } }));
    const found = problems(fn);
    assert.ok(found.some((f) => f.startsWith('lambda:CreateFunction FunctionName = "POC Lambda" violates pattern')), found.join('\n'));
    assert.ok(found.some((f) => f.startsWith('lambda:CreateFunction Runtime = "nodejs99.x" violates enum')), found.join('\n'));
    assert.ok(found.some((f) => f.startsWith('lambda:CreateFunction Timeout = 0 violates >= 1')), found.join('\n'));
    assert.equal(found.length, 3, found.join('\n'));
  });

  it('maps rest-json requests by URI template, labels and query string, and reports unknown body names', async () => {
    const get = await onTheWire((c) => new Lambda(c).getFunctionConfiguration({ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:POC-Lambda-1', Qualifier: '$LATEST' }));
    const checked = checkRequest(get);
    assert.equal(checked.operation, 'GetFunctionConfiguration');
    assert.deepEqual(checked.input, { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:POC-Lambda-1', Qualifier: '$LATEST' });
    assert.deepEqual(checked.violations, []);

    const put = await onTheWire((c) => new APIGateway(c).putIntegration({ restApiId: 'abc123', resourceId: 'r1', httpMethod: 'POST', type: 'AWS', integrationHttpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:sqs:path/123456789012/POC-Queue' }));
    const integration = checkRequest(put);
    assert.equal(integration.operation, 'PutIntegration');
    assert.deepEqual(integration.violations, []);
    const body = JSON.parse(put.body.toString('utf8'));
    put.body = Buffer.from(JSON.stringify({ ...body, type: 'SQS', colour: 'blue' }));
    assert.deepEqual(problems(put), [
      'apigateway:PutIntegration colour = "blue" violates a member the model defines (unknown name)',
      'apigateway:PutIntegration type = "SQS" violates enum HTTP|AWS|MOCK|HTTP_PROXY|AWS_PROXY [IntegrationType]',
    ]);
  });

  it('decodes SNS maps (Attributes.entry.1.key) and SQS JSON, and reports a map value too long', async () => {
    const topic = await onTheWire((c) => new SNS(c).createTopic({ Name: 'POC-Topic', Attributes: { DisplayName: 'orders' }, Tags: [{ Key: 'poc:lab', Value: 'orders' }] }));
    const checked = checkRequest(topic);
    assert.deepEqual(checked.violations, []);
    assert.deepEqual(checked.input?.Attributes, { DisplayName: 'orders' });
    const send = await onTheWire((c) => new SQS(c).sendMessage({ QueueUrl: 'http://127.0.0.1:1/123456789012/POC-Queue', MessageBody: '{"item":"mop"}', DelaySeconds: 901 }));
    assert.deepEqual(problems(send), []);
    // DelaySeconds has no range in SQS's model (0-900 is only in its documentation): nothing hand-written is added.
    const group = await onTheWire((c) => new CloudWatchLogs(c).createLogGroup({ logGroupName: '/aws/lambda/POC-Lambda-1', tags: { 'poc:lab': 'order’s' } }));
    assert.deepEqual(problems(group).map((p) => p.replace(/pattern .*/, 'pattern')), ['logs:CreateLogGroup tags{poc:lab} = "order’s" violates pattern'], 'a map value, against \\p{L}\\p{Z}\\p{N}');
  });

  it('decodes S3 rest-xml bodies (flattened lists, enums) by the operation\'s URI template and literal query', () => {
    const s3 = (url: string, xml: string): WireRequest => ({ method: 'PUT', url, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/s3/aws4_request', 'content-type': 'application/xml' }, body: Buffer.from(xml) });
    const tagging = checkRequest(s3('/inventory-bucket?tagging', '<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>poc:lab</Key><Value>inventory</Value></Tag></TagSet></Tagging>'));
    assert.equal(tagging.operation, 'PutBucketTagging');
    assert.deepEqual(tagging.input, { Bucket: 'inventory-bucket', Tagging: { TagSet: [{ Key: 'poc:lab', Value: 'inventory' }] } });
    assert.deepEqual(tagging.violations, []);
    const notification = s3(
      '/inventory-bucket?notification',
      // The model names the elements CloudFunctionConfiguration and CloudFunction (S3's old names), as the SDK sends them.
      '<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CloudFunctionConfiguration><CloudFunction>arn:aws:lambda:us-east-1:123456789012:function:Load-Inventory</CloudFunction><Event>s3:ObjectCreated:*</Event><Event>s3:ObjectCreated:Anything</Event><Colour>blue</Colour></CloudFunctionConfiguration></NotificationConfiguration>',
    );
    const found = problems(notification);
    assert.deepEqual((checkRequest(notification).input?.NotificationConfiguration as { LambdaFunctionConfigurations?: { Events: string[] }[] }).LambdaFunctionConfigurations?.[0]?.Events, ['s3:ObjectCreated:*', 's3:ObjectCreated:Anything'], 'a flattened list of repeated elements');
    assert.equal(checkRequest(notification).operation, 'PutBucketNotificationConfiguration');
    assert.deepEqual(found.map((f) => f.replace(/ violates (enum|a member).*/, ' violates $1')), [
      's3:PutBucketNotificationConfiguration NotificationConfiguration.LambdaFunctionConfigurations[0].Colour = "blue" violates a member',
      's3:PutBucketNotificationConfiguration NotificationConfiguration.LambdaFunctionConfigurations[0].Events[1] = "s3:ObjectCreated:Anything" violates enum',
    ]);
  });

  it('tells apart S3 operations that share a method and template by their required header or query member', () => {
    const s3 = (method: string, url: string, headers: Record<string, string> = {}): WireRequest => ({ method, url, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/s3/aws4_request', ...headers }, body: Buffer.from('store,item,count\n') });
    assert.equal(checkRequest(s3('PUT', '/inventory-bucket/berlin.csv?x-id=PutObject')).operation, 'PutObject');
    assert.equal(checkRequest(s3('PUT', '/inventory-bucket/berlin.csv', { 'x-amz-copy-source': 'other/berlin.csv' })).operation, 'CopyObject');
    assert.equal(checkRequest(s3('DELETE', '/inventory-bucket/berlin.csv')).operation, 'DeleteObject');
    assert.equal(checkRequest(s3('DELETE', '/inventory-bucket/berlin.csv?uploadId=abc')).operation, 'AbortMultipartUpload');
    assert.deepEqual(checkRequest(s3('PUT', '/inventory-bucket/berlin.csv?x-id=PutObject')).violations, []);
  });

  it('reports a request of a service it has no model for, rather than letting it through', () => {
    const found = problems({ method: 'POST', url: '/', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/kinesis/aws4_request' }, body: Buffer.alloc(0) });
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^kinesis:\? .* violates a service with a model/);
  });
});

describe("the models' Java patterns, in JavaScript", () => {
  it('match the whole value, as AWS does', () => {
    assert.equal(javaPattern('[a-z]+').test('abc'), true);
    assert.equal(javaPattern('[a-z]+').test('abc1'), false, 'not a search: the whole value must match');
  });
  it("keep \\p{L}/\\p{Z}/\\p{N} as Unicode categories and read \\p{Print} and \\s as Java's ASCII classes", () => {
    const tag = javaPattern('^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$');
    assert.equal(tag.test('Straße 1 été:x'), true, 'letters of any script');
    assert.equal(tag.test('a’b'), false, 'U+2019 is punctuation, not a letter');
    const print = javaPattern('\\p{Print}+');
    assert.equal(print.test('plain ASCII ~'), true);
    assert.equal(print.test('é'), false, 'Java\'s \\p{Print} is US-ASCII only');
    assert.equal(javaPattern('a\\sb').test('a\u00a0b'), false, "Java's \\s is ASCII whitespace");
    assert.equal(javaPattern('[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*').test('Used by POC-API\'s integration'), true);
  });
  it('compile for every pattern of every model the labs use', () => {
    for (const id of ['iam', 'sts', 'sns', 'sqs', 'dynamodb', 'dynamodbstreams', 'logs', 'lambda', 'apigateway', 's3']) {
      for (const [name, shape] of Object.entries(serviceModel(id).shapes)) {
        if (shape.pattern) assert.doesNotThrow(() => javaPattern(shape.pattern!), `${id} ${name}: ${shape.pattern}`);
      }
    }
  });
});

describe('the strings the lab defines', () => {
  it('are plain ASCII in what poc sends to create each resource (descriptions, names, tags)', async () => {
    // A fake client that records the create call each resource's ensure makes first and
    // stops it at the next call: the inputs are what poc would send, built from names alone.
    const sent: { op: string; input: Record<string, unknown> }[] = [];
    let stuck = () => {};
    const aws = {
      region: 'us-east-1',
      calls: [],
      identity: async () => ({ account: '123456789012', arn: 'arn:aws:iam::123456789012:user/student' }),
      client: async (service: string) =>
        new Proxy({}, {
          // Not a thenable: `await aws.client(...)` must give the client itself.
          get: (_, op) => op === 'then' ? undefined : async (input: Record<string, unknown>) => {
            // Anything else never answers: the resource stops there, with nothing left to reject.
            if (typeof op !== 'string' || !/^(create|put|tag|subscribe)/i.test(op)) {
              stuck();
              return new Promise(() => {});
            }
            sent.push({ op: `${service}:${op}`, input });
            return {};
          },
        }),
    };
    // Every registered lab: a new lab's descriptions and tags are covered without editing this test.
    for (const lab of LABS) {
      const names = lab.names('alice');
      const place = { account: '123456789012', region: 'us-east-1' };
      const ctx = { aws, ...place, arns: new Arns('us-east-1', '123456789012'), names, settings: { runtime: lab.settings.defaultRuntime, email: 'student@example.com' }, tags: lab.tags('alice'), state: new Map(), reads: new Map(), note() {} } as unknown as Ctx;
      for (const resource of (await lab.load()).resources(names, place)) {
        // Done when ensure settles (it fails on the fake's empty answers) or waits on a call that never answers.
        const waiting = new Promise<void>((resolve) => (stuck = resolve));
        const run = Promise.resolve().then(() => resource.ensure(ctx, resource.desired(ctx), undefined)).catch(() => undefined);
        await Promise.race([run, waiting]);
      }
    }
    const strings: [string, string][] = [];
    const collect = (where: string, value: unknown) => {
      if (typeof value === 'string') strings.push([where, value]);
      else if (Array.isArray(value)) value.forEach((v, i) => collect(`${where}[${i}]`, v));
      else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) for (const [k, v] of Object.entries(value)) collect(`${where}.${k}`, v);
    };
    for (const { op, input } of sent) for (const [k, v] of Object.entries(input)) if (/description|name|tags/i.test(k)) collect(`${op} ${k}`, v);
    const described = strings.filter(([w]) => /Description/.test(w)).map(([w]) => w.split(' ')[0]);
    assert.ok(described.includes('iam:createRole') && described.includes('iam:createPolicy') && described.includes('lambda:createFunction'), `descriptions were seen: ${described.join(', ')}`);
    assert.ok(strings.some(([w]) => /Tags/i.test(w)), 'tags were seen');
    const notAscii = strings.filter(([, v]) => /[^\t\n\r\x20-\x7e]/.test(v));
    assert.deepEqual(notAscii, [], 'strings poc sends that a model pattern such as roleDescriptionType would refuse');
  });
});
