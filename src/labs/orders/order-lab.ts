// The order-pipeline lab's resources: what each of its building tasks makes (the tasks
// themselves, its names and settings are in index.ts). Everything specific to this lab
// lives in this folder and in handlers/orders/; the engine and the commands only walk it.
import { stateOf, type AnyResource, type Ctx } from '../../engine/resource.js';
import { parsePolicy } from '../../resources/policy-document.js';
import type { ObservedQueue } from '../../resources/sqs-queue.js';
import type { ObservedFunction } from '../../resources/lambda-function.js';
import { dynamodbStream, dynamodbTable } from '../../resources/dynamodb-table.js';
import { eventSourceMapping } from '../../resources/event-source-mapping.js';
import { iamPolicy } from '../../resources/iam-policy.js';
import { iamRole } from '../../resources/iam-role.js';
import { lambdaFunction } from '../../resources/lambda-function.js';
import { logGroup } from '../../resources/log-group.js';
import { restApi } from '../../resources/rest-api.js';
import { emailSubscription, snsTopic } from '../../resources/sns-topic.js';
import { sqsQueue } from '../../resources/sqs-queue.js';
import type { ObservedStream } from '../../resources/dynamodb-table.js';
import { BASE_NAMES, labNames, type LabNames } from './names.js';
import * as P from './policies.js';

export const STAGE = 'prod';
export const API_PATH = 'orders';

/** Lambda's guidance: a queue's visibility timeout at least six times the function's timeout. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
export const VISIBILITY_TIMEOUT_SECONDS = 6 * FUNCTION_TIMEOUT_SECONDS;
/** After this many failed receives an order moves to the dead-letter queue instead of retrying forever. */
export const MAX_RECEIVE_COUNT = 5;
const FOUR_DAYS = 4 * 24 * 3600;
const FOURTEEN_DAYS = 14 * 24 * 3600;
const LOG_RETENTION_DAYS = 7;
const LOGS_WHY = 'Lambda makes it on the first run, but then keeps logs forever; poc makes it with 7 days';



/** The resources of tasks 1-8 in task order; `needs` gives the order they can be built in. */
export function orderLabResources(names: LabNames = labNames()): AnyResource[] {
  const k = {
    writeDynamoDb: 'policy:write-dynamodb',
    snsPublish: 'policy:sns-publish',
    streamsRead: 'policy:streams-read',
    readSqs: 'policy:read-sqs',
    sqsDynamoDbRole: 'role:sqs-dynamodb',
    streamsSnsRole: 'role:streams-sns',
    apiRole: 'role:api-sqs',
    table: 'table',
    dlq: 'queue:dlq',
    queue: 'queue',
    logs1: 'logs:function-1',
    function1: 'function:1',
    trigger1: 'trigger:sqs',
    stream: 'stream',
    topic: 'topic',
    subscription: 'subscription',
    logs2: 'logs:function-2',
    failures: 'queue:failures',
    function2: 'function:2',
    trigger2: 'trigger:stream',
    api: 'api',
  };
  const p = (ctx: { arns: import('../../aws/arns.js').Arns }) => ({ arns: ctx.arns, names });
  const queuePolicy = (ctx: Ctx) => {
    const queue = stateOf<ObservedQueue>(ctx, k.queue);
    return [{ arn: ctx.arns.queue(names.queue), exists: queue !== undefined, document: parsePolicy(queue?.attributes.Policy) }];
  };

  return [
    // Task 1
    iamPolicy({ key: k.writeDynamoDb, task: 1, name: names.writeDynamoDbPolicy, description: 'POC-Lambda-1 writes orders to the orders table.', document: (ctx) => P.writeDynamoDbPolicy(p(ctx)) }),
    iamPolicy({ key: k.snsPublish, task: 1, name: names.snsPublishPolicy, description: 'POC-Lambda-2 publishes to POC-Topic.', document: (ctx) => P.snsPublishPolicy(p(ctx)) }),
    iamPolicy({ key: k.streamsRead, task: 1, name: names.streamsReadPolicy, description: "POC-Lambda-2's trigger reads the orders stream.", document: (ctx) => P.streamsReadPolicy(p(ctx)) }),
    iamPolicy({ key: k.readSqs, task: 1, name: names.readSqsPolicy, description: "POC-Lambda-1's trigger reads POC-Queue.", document: (ctx) => P.readSqsPolicy(p(ctx)) }),
    iamRole({
      key: k.sqsDynamoDbRole,
      task: 1,
      name: names.sqsDynamoDbRole,
      description: 'Execution role of POC-Lambda-1: read POC-Queue, write orders.',
      service: 'lambda.amazonaws.com',
      policies: [
        { key: k.writeDynamoDb, name: names.writeDynamoDbPolicy, document: (ctx) => P.writeDynamoDbPolicy(p(ctx)) },
        { key: k.readSqs, name: names.readSqsPolicy, document: (ctx) => P.readSqsPolicy(p(ctx)) },
      ],
      inline: (ctx) => ({ 'write-own-logs': P.ownLogsPolicy(p(ctx), names.logGroup1) }),
      advisoryInline: ['write-own-logs'],
      resourcePolicies: queuePolicy,
    }),
    iamRole({
      key: k.streamsSnsRole,
      task: 1,
      name: names.streamsSnsRole,
      description: 'Execution role of POC-Lambda-2: read the orders stream, publish to POC-Topic.',
      service: 'lambda.amazonaws.com',
      policies: [
        { key: k.snsPublish, name: names.snsPublishPolicy, document: (ctx) => P.snsPublishPolicy(p(ctx)) },
        { key: k.streamsRead, name: names.streamsReadPolicy, document: (ctx) => P.streamsReadPolicy(p(ctx)) },
      ],
      inline: (ctx) => ({ 'write-own-logs': P.ownLogsPolicy(p(ctx), names.logGroup2), 'send-failures': P.keepFailuresPolicy(p(ctx)) }),
      // The guide has neither: without them the function logs nothing, and a failed notification leaves no trace.
      advisoryInline: ['write-own-logs', 'send-failures'],
      advisoryWhy: { 'send-failures': 'so its stream trigger cannot keep a record of a notification that failed every retry' },
    }),
    iamRole({
      key: k.apiRole,
      task: 1,
      name: names.apiSqsRole,
      description: "Used by POC-API's integration to send orders to POC-Queue.",
      service: 'apigateway.amazonaws.com',
      policies: [],
      inline: (ctx) => ({ 'send-to-queue': P.sendToQueuePolicy(p(ctx)) }),
      // The guide grants the send only in the queue's access policy, which also works.
      resourcePolicies: queuePolicy,
      leastPrivilege: 'an inline policy naming the queue',
    }),
    // Task 2
    dynamodbTable({ key: k.table, task: 2, name: names.table, partitionKey: 'orderID' }),
    // Task 3
    sqsQueue({
      key: k.dlq,
      task: 3,
      name: names.deadLetterQueue,
      beyondGuide: 'without a dead-letter queue, an order that always fails is retried until SQS drops it (4 days)',
      attributes: () => ({ visibilityTimeout: 30, retentionSeconds: FOURTEEN_DAYS }),
    }),
    sqsQueue({
      key: k.queue,
      task: 3,
      name: names.queue,
      // The access policy names both roles, and SQS checks that its principals exist.
      needs: [k.dlq, k.apiRole, k.sqsDynamoDbRole],
      words: { inFlight: 'an order still being written', closePolicy: `name the ${BASE_NAMES.apiSqsRole} role instead` },
      minVisibilityTimeout: (ctx) => {
        const consumer = stateOf<ObservedFunction>(ctx, k.function1);
        return consumer && 6 * consumer.timeout;
      },
      attributes: (ctx) => ({
        visibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
        retentionSeconds: FOUR_DAYS,
        policy: P.queueAccessPolicy(p(ctx)),
        redrive: { deadLetterTargetArn: ctx.arns.queue(names.deadLetterQueue), maxReceiveCount: MAX_RECEIVE_COUNT },
      }),
    }),
    // Task 4
    logGroup({ key: k.logs1, task: 4, name: names.logGroup1, retentionDays: LOG_RETENTION_DAYS, beyondGuide: LOGS_WHY }),
    lambdaFunction({
      key: k.function1,
      task: 4,
      name: names.function1,
      description: 'Takes orders from POC-Queue and writes them to the orders table.',
      needs: [k.sqsDynamoDbRole, k.logs1],
      roleName: names.sqsDynamoDbRole,
      handler: 'index.handler',
      timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
      memoryMb: 128,
      environment: () => ({ TABLE_NAME: names.table }),
      environmentLabel: 'table name / topic ARN',
      package: 'orders/lambda-1',
    }),
    eventSourceMapping({
      key: k.trigger1,
      task: 4,
      functionName: names.function1,
      kind: 'sqs',
      needs: [k.function1, k.queue],
      source: (ctx) => ctx.arns.queue(names.queue),
      batchSize: 10,
      reportBatchItemFailures: true,
      record: 'order',
    }),
    // Task 5
    dynamodbStream({ key: k.stream, task: 5, table: { key: k.table, name: names.table }, viewType: 'NEW_IMAGE', viewTypeWhy: 'the second function needs the new order’s attributes' }),
    // Task 6
    snsTopic({ key: k.topic, task: 6, name: names.topic }),
    emailSubscription({ key: k.subscription, task: 6, topic: { key: k.topic, name: names.topic }, receives: 'orders' }),
    // Task 7
    sqsQueue({
      key: k.failures,
      task: 7,
      name: names.failuresQueue,
      beyondGuide: 'without it, the stream trigger drops a batch of orders that fails every retry, and their notifications are lost without a trace',
      attributes: () => ({ visibilityTimeout: 30, retentionSeconds: FOURTEEN_DAYS }),
      words: { kept: 'failed notification' },
    }),
    logGroup({ key: k.logs2, task: 7, name: names.logGroup2, retentionDays: LOG_RETENTION_DAYS, beyondGuide: LOGS_WHY }),
    lambdaFunction({
      key: k.function2,
      task: 7,
      name: names.function2,
      description: 'Announces each new order in the orders table on POC-Topic.',
      needs: [k.streamsSnsRole, k.logs2, k.topic],
      roleName: names.streamsSnsRole,
      handler: 'index.handler',
      timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
      memoryMb: 128,
      environment: (ctx) => ({ TOPIC_ARN: ctx.arns.topic(names.topic) }),
      environmentLabel: 'table name / topic ARN',
      package: 'orders/lambda-2',
    }),
    eventSourceMapping({
      key: k.trigger2,
      task: 7,
      functionName: names.function2,
      kind: 'dynamodb-stream',
      // Deleted before its failures queue, so no failed batch is sent to a queue being removed.
      needs: [k.function2, k.stream, k.failures],
      source: (ctx) => stateOf<ObservedStream>(ctx, k.stream)?.arn,
      batchSize: 10,
      // TRIM_HORIZON: every order still in the stream (24 h) is announced, including any
      // written while the trigger was missing or being repaired. LATEST would silently
      // skip those; the price is that a re-created trigger may announce an order twice.
      startingPosition: 'TRIM_HORIZON',
      reportBatchItemFailures: true,
      maximumRetryAttempts: 5,
      // A batch that still fails is recorded in the failures queue: its shard and sequence
      // numbers (Lambda sends where the records are, not the records), so the orders can be
      // found in the table and announced again. Bisecting first narrows it to the bad order.
      onFailure: (ctx) => ctx.arns.queue(names.failuresQueue),
      bisectOnError: true,
      record: 'order',
    }),
    // Task 8
    restApi({
      key: k.api,
      task: 8,
      name: names.api,
      description: 'Takes orders for the cleaning-supplies shop and queues them in POC-Queue.',
      needs: [k.queue, k.apiRole],
      path: API_PATH,
      stage: STAGE,
      model: {
        name: 'Order',
        schema: { $schema: 'http://json-schema.org/draft-04/schema#', title: 'Order', type: 'object', minProperties: 1 },
        description: 'An order: a JSON object with at least one field.',
      },
      message: 'order',
      integration: (ctx) => ({
        uri: ctx.arns.apiGatewaySqsPath(names.queue),
        credentials: ctx.arns.role(names.apiSqsRole),
        // SQS's query API takes a form, so the JSON order is URL-encoded into MessageBody.
        requestParameters: { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" },
        requestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' },
        responses: { '200': undefined, '400': '4\\d{2}', '500': '5\\d{2}' },
      }),
    }),
  ];
}
