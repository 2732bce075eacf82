// The benchmark's independent baseline: the order lab on an empty account as a plain
// script would build it, with the same AWS SDK and the same clients, one call after the
// other, without poc's engine or resource model (nothing read first: the account is known
// to be empty). It makes what poc's lab has, each with the fewest calls: the failures
// queue of POC-Lambda-2's trigger, and the API's model, validator and 200/400/500 responses.
// Under AWS's clock it does what a plain script does: the SDK's waiters for the table and
// the functions, and a second's pause before trying again what AWS answers "not yet".
// Usage: node dist/bench/baseline.js <endpoint-url>; prints nothing.
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDB, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { IAM } from '@aws-sdk/client-iam';
import { Lambda, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { SNS } from '@aws-sdk/client-sns';
import { SQS } from '@aws-sdk/client-sqs';
import { STS } from '@aws-sdk/client-sts';
import archiver from 'archiver';
import { readFileSync } from 'node:fs';

const endpoint = process.argv[2];
const region = 'us-east-1';
const config = { region, endpoint };
const sts = new STS(config);
const iam = new IAM(config);
const dynamodb = new DynamoDB(config);
const sqs = new SQS(config);
const logs = new CloudWatchLogs(config);
const lambda = new Lambda(config);
const sns = new SNS(config);
const apigateway = new APIGateway(config);

/** A one-file zip of the built handler, made with archiver as a script would (or `zip`). */
async function zipOf(path: string, name: string): Promise<Buffer> {
  const archive = archiver('zip');
  const chunks: Buffer[] = [];
  archive.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  archive.append(readFileSync(path), { name });
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * What a plain script does when AWS answers "not yet" (a role Lambda cannot assume yet, a
 * policy not yet attachable, a function or table still changing): try again a second later.
 */
async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const name = (error as Error).name;
      if (attempt >= 60 || !['InvalidParameterValueException', 'NoSuchEntityException', 'ResourceConflictException', 'ResourceInUseException'].includes(name)) throw error;
      await new Promise((r) => setTimeout(r, 1000 * Number(process.env.POC_BACKOFF_SCALE ?? '1')));
    }
  }
}

const doc = (Action: string[], Resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] });
const trust = (Service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service }, Action: 'sts:AssumeRole' }] });

const { Account: account } = await sts.getCallerIdentity({});
const arn = (service: string, rest: string) => `arn:aws:${service}:${region}:${account}:${rest}`;
const tableArn = arn('dynamodb', 'table/orders');
const queueArn = arn('sqs', 'POC-Queue');
const topicArn = arn('sns', 'POC-Topic');

// Task 1
const policy = async (name: string, document: string) => (await iam.createPolicy({ PolicyName: name, PolicyDocument: document })).Policy!.Arn!;
const write = await policy('Lambda-Write-DynamoDB', doc(['dynamodb:PutItem', 'dynamodb:DescribeTable'], tableArn));
const publish = await policy('Lambda-SNS-Publish', doc(['sns:Publish'], topicArn));
const streams = await policy('Lambda-DynamoDBStreams-Read', doc(['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream', 'dynamodb:ListStreams'], `${tableArn}/stream/*`));
const readSqs = await policy('Lambda-Read-SQS', doc(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], queueArn));
const role = async (name: string, service: string, attach: string[], inline: Record<string, string>) => {
  const created = (await iam.createRole({ RoleName: name, AssumeRolePolicyDocument: trust(service) })).Role!.Arn!;
  for (const PolicyArn of attach) await patiently(() => iam.attachRolePolicy({ RoleName: name, PolicyArn }));
  for (const [PolicyName, PolicyDocument] of Object.entries(inline)) await iam.putRolePolicy({ RoleName: name, PolicyName, PolicyDocument });
  return created;
};
const logsDoc = (group: string) => doc(['logs:CreateLogStream', 'logs:PutLogEvents'], arn('logs', `log-group:${group}:*`));
const role1 = await role('Lambda-SQS-DynamoDB', 'lambda.amazonaws.com', [write, readSqs], { 'write-own-logs': logsDoc('/aws/lambda/POC-Lambda-1') });
const role2 = await role('Lambda-DynamoDBStreams-SNS', 'lambda.amazonaws.com', [publish, streams], {
  'write-own-logs': logsDoc('/aws/lambda/POC-Lambda-2'),
  'send-failures': doc(['sqs:SendMessage'], arn('sqs', 'POC-Lambda-2-Failures')),
});
const apiRole = await role('APIGateway-SQS', 'apigateway.amazonaws.com', [], { 'send-to-queue': doc(['sqs:SendMessage'], queueArn) });

// Task 2
await dynamodb.createTable({ TableName: 'orders', AttributeDefinitions: [{ AttributeName: 'orderID', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'orderID', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' });
await waitUntilTableExists({ client: dynamodb, maxWaitTime: 120, minDelay: 1 }, { TableName: 'orders' });

// Task 3
await sqs.createQueue({ QueueName: 'POC-Queue-DLQ', Attributes: { MessageRetentionPeriod: String(14 * 86400) } });
const queuePolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: apiRole }, Action: 'sqs:SendMessage', Resource: queueArn },
    { Effect: 'Allow', Principal: { AWS: role1 }, Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: queueArn },
  ],
});
await sqs.createQueue({
  QueueName: 'POC-Queue',
  Attributes: { VisibilityTimeout: '60', Policy: queuePolicy, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('sqs', 'POC-Queue-DLQ'), maxReceiveCount: 5 }) },
});

// Where POC-Lambda-2's trigger records a batch that keeps failing.
await sqs.createQueue({ QueueName: 'POC-Lambda-2-Failures', Attributes: { MessageRetentionPeriod: String(14 * 86400) } });

// Task 4
const fn = async (name: string, roleArn: string, code: string, Variables: Record<string, string>) => {
  await logs.createLogGroup({ logGroupName: `/aws/lambda/${name}` });
  await logs.putRetentionPolicy({ logGroupName: `/aws/lambda/${name}`, retentionInDays: 7 });
  // tsc's output of the lab's handler (dist/handlers/orders/), zipped alone as poc deploys it.
  const ZipFile = await zipOf(new URL(`../handlers/orders/${code}.js`, import.meta.url).pathname, 'index.mjs');
  await patiently(() => lambda.createFunction({ FunctionName: name, Runtime: 'nodejs22.x', Role: roleArn, Handler: 'index.handler', Code: { ZipFile }, Timeout: 10, MemorySize: 128, Environment: { Variables } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 120, minDelay: 1 }, { FunctionName: name });
};
await fn('POC-Lambda-1', role1, 'lambda-1', { TABLE_NAME: 'orders' });
await patiently(() => lambda.createEventSourceMapping({ FunctionName: 'POC-Lambda-1', EventSourceArn: queueArn, BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] }));

// Task 5
await dynamodb.updateTable({ TableName: 'orders', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } });
// The stream's ARN once the table is ACTIVE again.
await waitUntilTableExists({ client: dynamodb, maxWaitTime: 120, minDelay: 1 }, { TableName: 'orders' });
const { Table } = await dynamodb.describeTable({ TableName: 'orders' });

// Task 6
await sns.createTopic({ Name: 'POC-Topic' });
await sns.subscribe({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'bench@example.com' });

// Task 7
await fn('POC-Lambda-2', role2, 'lambda-2', { TOPIC_ARN: topicArn });
await patiently(() => lambda.createEventSourceMapping({
  FunctionName: 'POC-Lambda-2',
  EventSourceArn: Table!.LatestStreamArn!,
  StartingPosition: 'TRIM_HORIZON',
  BatchSize: 10,
  FunctionResponseTypes: ['ReportBatchItemFailures'],
  MaximumRetryAttempts: 5,
  BisectBatchOnFunctionError: true,
  DestinationConfig: { OnFailure: { Destination: arn('sqs', 'POC-Lambda-2-Failures') } },
}));

// Task 8
const { id: restApiId } = await apigateway.createRestApi({ name: 'POC-API', endpointConfiguration: { types: ['REGIONAL'] } });
const { items } = await apigateway.getResources({ restApiId });
const { id: resourceId } = await apigateway.createResource({ restApiId, parentId: items!.find((r) => r.path === '/')!.id!, pathPart: 'orders' });
await apigateway.createModel({ restApiId, name: 'Order', contentType: 'application/json', schema: JSON.stringify({ type: 'object', minProperties: 1 }) });
const { id: requestValidatorId } = await apigateway.createRequestValidator({ restApiId, name: 'validate-body', validateRequestBody: true });
await apigateway.putMethod({ restApiId, resourceId, httpMethod: 'POST', authorizationType: 'NONE', requestValidatorId, requestModels: { 'application/json': 'Order' } });
await apigateway.putIntegration({
  restApiId,
  resourceId,
  httpMethod: 'POST',
  type: 'AWS',
  integrationHttpMethod: 'POST',
  uri: `arn:aws:apigateway:${region}:sqs:path/${account}/POC-Queue`,
  credentials: apiRole,
  requestParameters: { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" },
  requestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' },
  passthroughBehavior: 'NEVER',
});
for (const [statusCode, selectionPattern] of [['200', undefined], ['400', '4\\d{2}'], ['500', '5\\d{2}']]) {
  await apigateway.putMethodResponse({ restApiId, resourceId, httpMethod: 'POST', statusCode });
  await apigateway.putIntegrationResponse({ restApiId, resourceId, httpMethod: 'POST', statusCode, selectionPattern });
}
await apigateway.createDeployment({ restApiId, stageName: 'prod' });
