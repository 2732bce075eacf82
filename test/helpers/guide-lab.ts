// The order lab built BY HAND, the way the written guide does it in the console, with
// plain AWS SDK calls (never with poc's code): policies on "Resource": "*", the roles
// with just those attached (APIGateway-SQS with only the AWS managed logging policy),
// a table without tags, a queue with default attributes and the console's "basic"
// access policy, no dead-letter queue, functions with their own code and no logs
// permission, triggers with the console's defaults, and the API's POST on "/" with the
// guide's (not URL-encoded) mapping template. Options break one thing on purpose.
import { zipOf } from './artifacts.js';
import { ACCOUNT, arn, EMAIL, REGION, type Sdk } from './lab.js';

export const GUIDE = {
  policies: {
    writeDynamoDb: 'Lambda-Write-DynamoDB',
    snsPublish: 'Lambda-SNS-Publish',
    streamsRead: 'Lambda-DynamoDBStreams-Read',
    readSqs: 'Lambda-Read-SQS',
  },
  roles: { sqsDynamoDb: 'Lambda-SQS-DynamoDB', streamsSns: 'Lambda-DynamoDBStreams-SNS', apiSqs: 'APIGateway-SQS' },
  table: 'orders',
  queue: 'POC-Queue',
  function1: 'POC-Lambda-1',
  function2: 'POC-Lambda-2',
  topic: 'POC-Topic',
  api: 'POC-API',
  stage: 'prod',
  managedLogsPolicy: 'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
} as const;

/** The guide's policy actions, each policy on "Resource": "*". */
export const GUIDE_ACTIONS: Record<keyof typeof GUIDE.policies, string[]> = {
  writeDynamoDb: ['dynamodb:PutItem', 'dynamodb:DescribeTable'],
  snsPublish: ['sns:Publish', 'sns:GetTopicAttributes', 'sns:ListTopics'],
  streamsRead: ['dynamodb:GetShardIterator', 'dynamodb:DescribeStream', 'dynamodb:ListStreams', 'dynamodb:GetRecords'],
  readSqs: ['sqs:ChangeMessageVisibility', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
};

export interface QueueStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Resource: string;
}

/** The access policy the SQS console writes with its "Basic" method, as the guide fills it in. */
export function consoleQueuePolicy(senders: string[] = [arn.role(GUIDE.roles.apiSqs)], receivers: string[] = [arn.role(GUIDE.roles.sqsDynamoDb)], owner = true) {
  const queueArn = arn.queue(GUIDE.queue);
  const Statement: QueueStatement[] = [];
  if (owner) Statement.push({ Sid: '__owner_statement', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'SQS:*', Resource: queueArn });
  if (senders.length) Statement.push({ Sid: '__sender_statement', Effect: 'Allow', Principal: { AWS: senders }, Action: 'SQS:SendMessage', Resource: queueArn });
  if (receivers.length) {
    Statement.push({
      Sid: '__receiver_statement',
      Effect: 'Allow',
      Principal: { AWS: receivers },
      Action: ['SQS:ChangeMessageVisibility', 'SQS:DeleteMessage', 'SQS:ReceiveMessage'],
      Resource: queueArn,
    });
  }
  return { Version: '2012-10-17', Id: '__default_policy_ID', Statement };
}

export interface GuideLabOptions {
  /** Actions of each policy (default: the guide's). */
  actions?: Partial<Record<keyof typeof GUIDE.policies, string[]>>;
  /** The service each role's trust policy names (default: lambda / apigateway). */
  trust?: Partial<Record<keyof typeof GUIDE.roles, string>>;
  partitionKey?: string;
  streamViewType?: 'NEW_IMAGE' | 'KEYS_ONLY' | 'NEW_AND_OLD_IMAGES' | 'OLD_IMAGE';
  /** The queue's access policy (default: the console's basic one naming the two roles). */
  queuePolicy?: object;
  sqsTrigger?: boolean;
  subscription?: boolean;
  /** The stream trigger: enabled (default), created disabled, reading another table's stream, or none. */
  streamTrigger?: 'enabled' | 'disabled' | 'other-table' | 'none';
  /** The queue the API's integration sends to (default POC-Queue). */
  apiQueue?: string;
  deploy?: boolean;
}

const star = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
const trustOf = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

/** Builds tasks 1-8 as the guide does. Returns what a breaking test may need. */
export async function buildGuideLab(c: Sdk, o: GuideLabOptions = {}): Promise<{ streamArn: string; apiId: string; rootId: string }> {
  // Task 1: four policies on "*", three roles.
  for (const [key, name] of Object.entries(GUIDE.policies) as [keyof typeof GUIDE.policies, string][]) {
    await c.iam.createPolicy({ PolicyName: name, PolicyDocument: star(o.actions?.[key] ?? GUIDE_ACTIONS[key]) });
  }
  const roles: [keyof typeof GUIDE.roles, string, string[]][] = [
    ['sqsDynamoDb', 'lambda.amazonaws.com', [GUIDE.policies.writeDynamoDb, GUIDE.policies.readSqs].map(arn.policy)],
    ['streamsSns', 'lambda.amazonaws.com', [GUIDE.policies.snsPublish, GUIDE.policies.streamsRead].map(arn.policy)],
    ['apiSqs', 'apigateway.amazonaws.com', [GUIDE.managedLogsPolicy]],
  ];
  for (const [key, service, attached] of roles) {
    const RoleName = GUIDE.roles[key];
    await c.iam.createRole({ RoleName, AssumeRolePolicyDocument: trustOf(o.trust?.[key] ?? service) });
    for (const PolicyArn of attached) await c.iam.attachRolePolicy({ RoleName, PolicyArn });
  }

  // Task 2: the table, console defaults (provisioned), no tags.
  const key = o.partitionKey ?? 'orderID';
  await c.dynamodb.createTable({
    TableName: GUIDE.table,
    AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
  });

  // Task 3: the queue with default attributes and the console's access policy; no DLQ.
  const { QueueUrl } = await c.sqs.createQueue({ QueueName: GUIDE.queue, Attributes: { Policy: JSON.stringify(o.queuePolicy ?? consoleQueuePolicy()) } });
  if (!QueueUrl) throw new Error('no queue URL');

  // Task 4: POC-Lambda-1 (Python, default settings) and its SQS trigger (console defaults).
  // Any small zip: a function built by hand has its own code, which check does not compare.
  const ZipFile = await zipOf({ 'lambda_function.py': 'def lambda_handler(event, context):\n    return event\n' });
  await c.lambda.createFunction({
    FunctionName: GUIDE.function1,
    Runtime: 'python3.12',
    Role: arn.role(GUIDE.roles.sqsDynamoDb),
    Handler: 'lambda_function.lambda_handler',
    Code: { ZipFile },
  });
  if (o.sqsTrigger !== false) {
    await c.lambda.createEventSourceMapping({ FunctionName: GUIDE.function1, EventSourceArn: arn.queue(GUIDE.queue), BatchSize: 10, Enabled: true });
  }

  // Task 5: the stream, turned on after the table exists, as the guide does.
  const { TableDescription } = await c.dynamodb.updateTable({
    TableName: GUIDE.table,
    StreamSpecification: { StreamEnabled: true, StreamViewType: o.streamViewType ?? 'NEW_IMAGE' },
  });
  const streamArn = TableDescription?.LatestStreamArn ?? (await c.dynamodb.describeTable({ TableName: GUIDE.table })).Table!.LatestStreamArn!;

  // Task 6: topic and email subscription.
  const { TopicArn } = await c.sns.createTopic({ Name: GUIDE.topic });
  if (o.subscription !== false) await c.sns.subscribe({ TopicArn, Protocol: 'email', Endpoint: EMAIL });

  // Task 7: POC-Lambda-2 and its stream trigger.
  await c.lambda.createFunction({
    FunctionName: GUIDE.function2,
    Runtime: 'python3.12',
    Role: arn.role(GUIDE.roles.streamsSns),
    Handler: 'lambda_function.lambda_handler',
    Code: { ZipFile },
  });
  const trigger = o.streamTrigger ?? 'enabled';
  if (trigger !== 'none') {
    let source = streamArn;
    if (trigger === 'other-table') {
      const other = await c.dynamodb.createTable({
        TableName: 'orders-old',
        AttributeDefinitions: [{ AttributeName: 'orderID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'orderID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      });
      source = other.TableDescription!.LatestStreamArn!;
    }
    await c.lambda.createEventSourceMapping({
      FunctionName: GUIDE.function2,
      EventSourceArn: source,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      Enabled: trigger !== 'disabled',
    });
  }

  // Task 8: POST on the API's root, integrated with SQS by path override, deployed.
  const { id: apiId } = await c.apigateway.createRestApi({ name: GUIDE.api, endpointConfiguration: { types: ['REGIONAL'] } });
  const { items = [] } = await c.apigateway.getResources({ restApiId: apiId });
  const rootId = items.find((r) => r.path === '/')!.id!;
  const restApiId = apiId!;
  await c.apigateway.putMethod({ restApiId, resourceId: rootId, httpMethod: 'POST', authorizationType: 'NONE' });
  await c.apigateway.putIntegration({
    restApiId,
    resourceId: rootId,
    httpMethod: 'POST',
    type: 'AWS',
    integrationHttpMethod: 'POST',
    uri: `arn:aws:apigateway:${REGION}:sqs:path/${ACCOUNT}/${o.apiQueue ?? GUIDE.queue}`,
    credentials: arn.role(GUIDE.roles.apiSqs),
    requestParameters: { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" },
    requestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=$input.body' },
  });
  await c.apigateway.putMethodResponse({ restApiId, resourceId: rootId, httpMethod: 'POST', statusCode: '200' });
  await c.apigateway.putIntegrationResponse({ restApiId, resourceId: rootId, httpMethod: 'POST', statusCode: '200' });
  if (o.deploy !== false) await c.apigateway.createDeployment({ restApiId, stageName: GUIDE.stage });
  return { streamArn, apiId: restApiId, rootId };
}
