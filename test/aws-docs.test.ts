// Behaviour AWS documents (or answers with) that moto does not show: each case here is a
// defect found by reading poc against the AWS documentation, with the answer AWS gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRegion } from '../src/aws/clients.js';
import { Arns } from '../src/aws/arns.js';
import { invokeUrl } from '../src/resources/rest-api.js';
import { lambdaWaitReason } from '../src/resources/lambda-function.js';
import { UsageError } from '../src/errors.js';

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
    const P = await import('../src/lab/policies.js');
    const { labNames } = await import('../src/lab/names.js');
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
