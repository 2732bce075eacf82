// The inventory lab's resources: what each of its building tasks makes (the tasks, names
// and settings are in index.ts). Everything specific to this lab lives in this folder and
// in handlers/inventory/; the engine and the commands only walk it.
import { stateOf, type AnyResource } from '../../engine/resource.js';
import type { Arns } from '../../aws/arns.js';
import { dynamodbStream, dynamodbTable, type ObservedStream } from '../../resources/dynamodb-table.js';
import { eventSourceMapping } from '../../resources/event-source-mapping.js';
import { iamRole } from '../../resources/iam-role.js';
import { lambdaFunction } from '../../resources/lambda-function.js';
import { lambdaPermission } from '../../resources/lambda-permission.js';
import { logGroup } from '../../resources/log-group.js';
import { bucketArn, s3Bucket } from '../../resources/s3-bucket.js';
import { emailSubscription, snsTopic } from '../../resources/sns-topic.js';
import type { LabPlace } from '../lab.js';
import { checkedBucketName, type InventoryNames } from './names.js';
import * as P from './policies.js';

/** The table's keys and the attribute Load-Inventory writes, as the course names them. */
export const TABLE_KEYS = { partition: 'Store', sort: 'Item', count: 'Count' } as const;
/** The entry poc keeps in the bucket's notification configuration. */
export const NOTIFICATION_ID = 'poc-load-inventory';
/** The Sid of the statement that lets S3 invoke Load-Inventory. */
export const PERMISSION_SID = 'poc-s3-invoke';

/** A few dozen rows a file; a big one is read and written in seconds. */
export const LOAD_TIMEOUT_SECONDS = 30;
export const CHECK_TIMEOUT_SECONDS = 10;
const LOG_RETENTION_DAYS = 7;
const LOGS_WHY = 'Lambda makes it on the first run, but then keeps logs forever; poc makes it with 7 days';

export const KEYS = {
  table: 'table',
  stream: 'stream',
  loadRole: 'role:load-inventory',
  checkRole: 'role:check-stock',
  loadLogs: 'logs:load-inventory',
  loadFunction: 'function:load-inventory',
  permission: 'permission:s3-invoke',
  bucket: 'bucket',
  topic: 'topic',
  subscription: 'subscription',
  checkLogs: 'logs:check-stock',
  checkFunction: 'function:check-stock',
  trigger: 'trigger:stream',
};

/** The resources of tasks 0-5 in task order; `needs` gives the order they can be built in. */
export function inventoryLabResources(names: InventoryNames, place: LabPlace): AnyResource[] {
  const k = KEYS;
  const bucket = checkedBucketName(names.prefix, place);
  const p = (ctx: { arns: Arns }) => ({ arns: ctx.arns, names, bucket });
  return [
    // Task 0: what the course's lab environment has before the student starts.
    dynamodbTable({ key: k.table, task: 0, name: names.table, partitionKey: TABLE_KEYS.partition, sortKey: TABLE_KEYS.sort }),
    dynamodbStream({ key: k.stream, task: 0, table: { key: k.table, name: names.table }, viewType: 'NEW_IMAGE', viewTypeWhy: 'Check-Stock needs the item’s new count' }),
    iamRole({
      key: k.loadRole,
      task: 0,
      name: names.loadRole,
      description: `Execution role of ${names.loadFunction}: read the uploaded files, write ${names.table}.`,
      service: 'lambda.amazonaws.com',
      policies: [],
      inline: (ctx) => ({ 'load-inventory': P.loadInventoryPolicy(p(ctx)), 'write-own-logs': P.ownLogsPolicy(p(ctx), names.loadLogGroup) }),
      advisoryInline: ['write-own-logs'],
      leastPrivilege: `an inline policy allowing s3:GetObject and s3:ListBucket in ${bucket} and BatchWriteItem/PutItem on ${names.table} only`,
    }),
    iamRole({
      key: k.checkRole,
      task: 0,
      name: names.checkRole,
      description: `Execution role of ${names.checkFunction}: read the ${names.table} stream, publish to ${names.topic}.`,
      service: 'lambda.amazonaws.com',
      policies: [],
      inline: (ctx) => ({ 'check-stock': P.checkStockPolicy(p(ctx)), 'write-own-logs': P.ownLogsPolicy(p(ctx), names.checkLogGroup) }),
      advisoryInline: ['write-own-logs'],
      leastPrivilege: `an inline policy allowing the ${names.table} stream's reads and sns:Publish on ${names.topic} only`,
    }),
    // Task 1
    logGroup({ key: k.loadLogs, task: 1, name: names.loadLogGroup, retentionDays: LOG_RETENTION_DAYS, beyondGuide: LOGS_WHY }),
    lambdaFunction({
      key: k.loadFunction,
      task: 1,
      name: names.loadFunction,
      description: `Loads inventory files uploaded to ${bucket} into the ${names.table} table.`,
      needs: [k.loadRole, k.loadLogs],
      roleName: names.loadRole,
      handler: 'index.handler',
      timeoutSeconds: LOAD_TIMEOUT_SECONDS,
      memoryMb: 128,
      environment: () => ({ TABLE_NAME: names.table }),
      environmentLabel: 'table name',
      // Bundled: the CSV parser goes into the zip; the runtime has the AWS SDK.
      package: 'inventory/load-inventory',
    }),
    // Task 2: the permission first, since S3 checks it when the notification is written.
    lambdaPermission({
      key: k.permission,
      task: 2,
      functionName: names.loadFunction,
      statementId: PERMISSION_SID,
      principal: 's3.amazonaws.com',
      sourceArn: (ctx) => bucketArn(ctx, bucket),
      needs: [k.loadFunction],
    }),
    s3Bucket({
      key: k.bucket,
      task: 2,
      name: bucket,
      needs: [k.loadFunction, k.permission],
      notification: { id: NOTIFICATION_ID, functionArn: (ctx) => ctx.arns.function(names.loadFunction) },
    }),
    // Task 4
    snsTopic({ key: k.topic, task: 4, name: names.topic }),
    emailSubscription({ key: k.subscription, task: 4, topic: { key: k.topic, name: names.topic }, receives: 'out-of-stock alerts' }),
    // Task 5
    logGroup({ key: k.checkLogs, task: 5, name: names.checkLogGroup, retentionDays: LOG_RETENTION_DAYS, beyondGuide: LOGS_WHY }),
    lambdaFunction({
      key: k.checkFunction,
      task: 5,
      name: names.checkFunction,
      description: `Alerts ${names.topic} when an item of ${names.table} runs out of stock.`,
      needs: [k.checkRole, k.checkLogs, k.topic],
      roleName: names.checkRole,
      handler: 'index.handler',
      timeoutSeconds: CHECK_TIMEOUT_SECONDS,
      memoryMb: 128,
      environment: (ctx) => ({ TOPIC_ARN: ctx.arns.topic(names.topic) }),
      environmentLabel: 'topic ARN',
      package: 'inventory/check-stock',
    }),
    eventSourceMapping({
      key: k.trigger,
      task: 5,
      functionName: names.checkFunction,
      kind: 'dynamodb-stream',
      needs: [k.checkFunction, k.stream],
      source: (ctx) => stateOf<ObservedStream>(ctx, k.stream)?.arn,
      batchSize: 100,
      // TRIM_HORIZON: the counts loaded in task 3, before this trigger existed, are still in
      // the stream (24 h) and are checked too; LATEST would skip them.
      startingPosition: 'TRIM_HORIZON',
      reportBatchItemFailures: true,
      maximumRetryAttempts: 5,
      record: 'count change',
    }),
  ];
}
