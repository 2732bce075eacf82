// Behaviour AWS documents (or answers with) that moto does not show: each case here is a
// defect found by reading poc against the AWS documentation, with the answer AWS gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRegion } from '../src/aws/clients.js';
import { Arns } from '../src/aws/arns.js';
import { invokeUrl } from '../src/resources/rest-api.js';
import { lambdaWaitReason } from '../src/resources/lambda-function.js';
import { UsageError } from '../src/errors.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compactJson, hintFor, orderBody, parseOrder, postOrder } from '../src/labs/orders/send-order.js';

process.env.POC_BACKOFF_SCALE ??= '0.01';

/** An error as the SDK throws it for a service's answer. */
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('Lambda: a stream trigger during IAM propagation', () => {
  it('"Cannot access stream ... Please ensure the role can perform ..." is a wait for IAM, like the SQS wording', () => {
    // Lambda's answer to CreateEventSourceMapping for a DynamoDB stream whose role's new
    // permissions have not propagated yet (InvalidParameterValueException, HTTP 400).
    const stream = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-12-01T10:00:00.000';
    for (const message of [
      `Cannot access stream ${stream}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.`,
      `Cannot access stream ${stream}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, ListShards, and ListStreams Actions on your stream in IAM.`,
    ]) {
      assert.match(lambdaWaitReason(awsError('InvalidParameterValueException', message)) ?? '', /IAM/);
    }
    assert.match(lambdaWaitReason(awsError('InvalidParameterValueException', 'The provided execution role does not have permissions to call ReceiveMessage on SQS')) ?? '', /IAM/);
    // Any other invalid parameter is a real error.
    assert.equal(lambdaWaitReason(awsError('InvalidParameterValueException', 'Unsupported MaximumRetryAttempts: 20000')), undefined);
  });
});

describe('regions and partitions', () => {
  it('accepts every well-formed region name, including new partitions', () => {
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-7', 'eusc-de-east-1', 'us-gov-west-1', 'cn-north-1', 'us-isob-east-1', 'mx-central-1']) {
      assert.equal(validateRegion(region), region);
    }
    for (const bad of ['europe', 'us_east_1', 'US-EAST-1', 'us-east', 'us-east-1a', '-us-east-1', 'us-east-1 ']) {
      assert.throws(() => validateRegion(bad), UsageError, bad);
    }
  });
  it('takes the partition and DNS suffix from the SDK’s partition data', () => {
    const cases: [string, string, string][] = [
      ['us-east-1', 'aws', 'amazonaws.com'],
      ['cn-northwest-1', 'aws-cn', 'amazonaws.com.cn'],
      ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
      // The AWS European Sovereign Cloud: its own partition and DNS suffix.
      ['eusc-de-east-1', 'aws-eusc', 'amazonaws.eu'],
      ['us-iso-east-1', 'aws-iso', 'c2s.ic.gov'],
    ];
    for (const [region, partition, suffix] of cases) {
      const arns = new Arns(region, '123456789012');
      assert.equal(arns.partition, partition, region);
      assert.ok(arns.role('r').startsWith(`arn:${partition}:iam::123456789012:`), region);
      assert.equal(invokeUrl({ region, arns }, 'abc123', 'prod', 'orders'), `https://abc123.execute-api.${region}.${suffix}/prod/orders`);
    }
  });
});

describe('least privilege: the lab grants what its code and triggers use, nothing more', () => {
  it('each policy lists exactly the documented or used actions', async () => {
    const P = await import('../src/labs/orders/policies.js');
    const { labNames } = await import('../src/labs/orders/names.js');
    const inputs = { arns: new Arns('us-east-1', '123456789012'), names: labNames() };
    const actions = (doc: { Statement: { Action?: unknown }[] }) => doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    // POC-Lambda-1 only calls PutItem; POC-Lambda-2 only Publish.
    assert.deepEqual(actions(P.writeDynamoDbPolicy(inputs)), ['dynamodb:PutItem']);
    assert.deepEqual(actions(P.snsPublishPolicy(inputs)), ['sns:Publish']);
    // The SQS trigger: the three actions the Lambda docs list for the execution role.
    assert.deepEqual(actions(P.readSqsPolicy(inputs)), ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
    // poc makes each log group itself, so the function only writes streams and events into it.
    assert.deepEqual(actions(P.ownLogsPolicy(inputs, '/aws/lambda/POC-Lambda-1')), ['logs:CreateLogStream', 'logs:PutLogEvents']);
  });
});

describe('send-order: what the API’s answers mean', () => {
  it('tells the validator’s 400 apart from SQS errors mapped through the integration, naming the fix for each', () => {
    // API Gateway's request validator (the Order model) answers this body.
    assert.match(hintFor(400, '{"message": "Invalid request body"}'), /must be a JSON object/);
    // SQS's own errors, passed through the integration's 4\d{2} response as SQS wrote them.
    const sqs = (code: string, message: string) => `<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message><Detail/></Error><RequestId>r</RequestId></ErrorResponse>`;
    const denied = hintFor(400, sqs('AccessDenied', 'Access to the resource https://sqs.us-east-1.amazonaws.com/123456789012/POC-Queue is denied.'));
    assert.doesNotMatch(denied, /JSON object/);
    assert.match(denied, /APIGateway-SQS.*access policy/);
    const kms = hintFor(400, sqs('KMS.AccessDeniedException', 'User is not authorized to perform kms:GenerateDataKey'));
    assert.match(kms, /encryption key/);
    assert.doesNotMatch(kms, /JSON object/);
    const invalid = hintFor(400, JSON.stringify({ Error: { Code: 'InvalidParameterValue', Message: 'Value for parameter MessageBody is invalid.' } }));
    assert.match(invalid, /mapping template/);
    assert.doesNotMatch(invalid, /JSON object/);
  });

  it('right after setup, retries while the new deployment answers 403/404/503, says what it waits for, and is bounded', async () => {
    const answers = [403, 404, 503, 200];
    let seen = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = answers[Math.min(seen++, answers.length - 1)];
        res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"SendMessageResponse":{"SendMessageResult":{"MessageId":"m-1"}}}' : '{"message":"Missing Authentication Token"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/orders`;
    try {
      const notes: string[] = [];
      const res = await postOrder(url, '{"item":"gloves"}', undefined, (n) => notes.push(n));
      assert.equal(res.status, 200);
      assert.equal(seen, 4);
      assert.ok(notes.length === 3 && notes.every((n) => /new deployment/.test(n)), notes.join(' | '));
      // A stage that never comes up: the last answer is given back after a bounded number of tries.
      answers.splice(0, answers.length, 403);
      seen = 0;
      const never = await postOrder(url, '{"item":"gloves"}', undefined, () => {});
      assert.equal(never.status, 403);
      assert.ok(seen > 1 && seen <= 10, `${seen} tries`);
      // SQS's error mapped to 500 may follow a message that was sent: not retried.
      answers.splice(0, answers.length, 500);
      seen = 0;
      assert.equal((await postOrder(url, '{}', undefined, () => {})).status, 500);
      assert.equal(seen, 1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('send-order sends an order digit for digit', () => {
  it('an integer beyond 2^53 is sent as typed, not rounded by JSON.parse/JSON.stringify', () => {
    const text = '{\n  "customerID": 12345678901234567,\n  "note": "a  b \\" c"\n}\n';
    assert.equal(orderBody(parseOrder(text, 'test'), compactJson(text)), '{"customerID":12345678901234567,"note":"a  b \\" c"}');
  });
});
