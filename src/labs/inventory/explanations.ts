// What each task of the inventory lab builds and why, as a student meets it: the reason
// in the architecture, the console steps, the JSON involved and the equivalent aws CLI
// commands. The values (names, ARNs, timeouts, policies, the notification) are read from
// the lab's own resources (inventory-lab.ts), computed without AWS, so `poc explain`
// always shows what `poc setup` makes.
import type { DesiredMapping } from '../../resources/event-source-mapping.js';
import type { DesiredPermission } from '../../resources/lambda-permission.js';
import type { DesiredRole } from '../../resources/iam-role.js';
import type { DesiredBucket } from '../../resources/s3-bucket.js';
import type { DesiredTable } from '../../resources/dynamodb-table.js';
import { join } from 'node:path';
import { emailTopicTask, packagePath, sh, functionCli as makeFunctionCli, functionParts, functionSteps as makeFunctionSteps, type FunctionParts, type LabPaper as Paper, type TaskExplanation } from '../paper.js';
import type { InventoryNames } from './names.js';
import { samplesDir } from './samples.js';

/** The inventory lab on paper (see ../paper.ts), its names typed. */
export type LabPaper = Paper & { names: InventoryNames };

interface Explanation {
  why(lab: LabPaper): string;
  steps(lab: LabPaper): string[];
  json?(lab: LabPaper): Record<string, unknown>;
  cli(lab: LabPaper): string[];
}

const SAMPLE = 'inventory-berlin.csv';
/** The sample as poc ships it, by its absolute path: the command works from any folder. */
const samplePath = () => sh(join(samplesDir(), SAMPLE));
const bucketOf = (lab: LabPaper) => lab.all('s3-bucket')[0]!.name;
const roleOf = (lab: LabPaper, name: string) => lab.desired<DesiredRole>('iam-role', name);
const inlineFile = (role: string, policy: string) => `${role}-${policy}.json`;
const TRUST_FILE = 'lambda-trust-policy.json';

const NO_CHANGE_NO_ALERT =
  'DynamoDB Streams writes a record only when an item really changes. Uploading a file again whose counts did not change rewrites the same items, which writes no stream record, so Check-Stock is not called and no alert is sent, even for a count that is 0. To see an alert again, change a count to 0 in the file (or to something else and back) and upload it.';

/** Tasks 1 and 5 have one shape: a log group, a function whose code is bundled (it imports csv-parse). */
const functionSteps = (p: FunctionParts) =>
  makeFunctionSteps(p, `Code > Upload from > .zip file: ${packagePath(p)} (poc's package of ${p.code}.ts with what it imports) > Save.`);
const functionCli = (p: FunctionParts) => makeFunctionCli(p);

const roleNames = (lab: LabPaper) => [lab.names.loadRole, lab.names.checkRole];

const EXPLANATIONS: Record<number, Explanation> = {
  0: {
    why: ({ names: n, desired }) => {
      const t = desired<DesiredTable>('dynamodb-table');
      return `The course builds this before you start: the table the stock lives in, and the two roles the functions run as.

${n.table} holds one item per store and item: partition key ${t.partitionKey} and sort key ${t.sortKey}, so "Berlin, Echo Dot" and "Berlin, Echo Show" are two items of one partition, and uploading a store's file again replaces its items instead of adding more. The count is an ordinary attribute, Count. The table is on-demand (pay per request): nothing to plan, nothing billed while idle. Its stream (view type NEW_IMAGE) is the change feed Check-Stock reads in task 5: every item written with a new count becomes a record carrying the item as it is now.

Each function runs as its own role, allowed only what its job needs on the exact resources it needs (least privilege): ${n.loadRole} may read the uploaded files of the lab's bucket and write rows to ${n.table}; ${n.checkRole} may read ${n.table}'s stream and publish to ${n.topic}. Both may write their own log group and nobody else's. (The course attaches AmazonS3ReadOnlyAccess, AmazonDynamoDBFullAccess and AmazonSNSFullAccess instead: they work, but let a buggy function read every bucket and delete every table of the account; poc's check accepts them with a warning.) The one "Resource": "*" is dynamodb:ListStreams, which AWS cannot scope to a table.`;
    },
    steps: (lab) => {
      const { names: n, desired } = lab;
      const t = desired<DesiredTable>('dynamodb-table');
      const steps = [
        `DynamoDB > Tables > Create table: name ${n.table}, partition key ${t.partitionKey} (String), sort key ${t.sortKey} (String).`,
        'Table settings: Customize settings > Capacity mode: On-demand > Create table.',
        `${n.table} > Exports and streams > DynamoDB stream details > Turn on: view type New image > Turn on stream.`,
      ];
      for (const role of roleNames(lab)) {
        steps.push(`IAM > Roles > Create role > AWS service, use case Lambda > Next (attach nothing) > Next: name ${role} > Create role.`);
        for (const inline of Object.keys(roleOf(lab, role).inline)) {
          steps.push(`IAM > Roles > ${role} > Add permissions > Create inline policy > JSON: paste ${inlineFile(role, inline)} (below) > name ${inline} > Create policy.`);
        }
      }
      return steps;
    },
    json: (lab) => {
      const json: Record<string, unknown> = { [TRUST_FILE]: roleOf(lab, lab.names.loadRole).trust };
      for (const role of roleNames(lab)) for (const [inline, doc] of Object.entries(roleOf(lab, role).inline)) json[inlineFile(role, inline)] = doc;
      return json;
    },
    cli: (lab) => {
      const { names: n, desired } = lab;
      const t = desired<DesiredTable>('dynamodb-table');
      const cli = [
        `aws dynamodb create-table --table-name ${n.table} --attribute-definitions AttributeName=${t.partitionKey},AttributeType=S AttributeName=${t.sortKey},AttributeType=S --key-schema AttributeName=${t.partitionKey},KeyType=HASH AttributeName=${t.sortKey},KeyType=RANGE --billing-mode PAY_PER_REQUEST --stream-specification StreamEnabled=true,StreamViewType=${desired<{ viewType: string }>('dynamodb-stream').viewType}`,
        `aws dynamodb wait table-exists --table-name ${n.table}`,
      ];
      for (const role of roleNames(lab)) {
        cli.push(`aws iam create-role --role-name ${role} --assume-role-policy-document file://${TRUST_FILE}`);
        for (const inline of Object.keys(roleOf(lab, role).inline)) cli.push(`aws iam put-role-policy --role-name ${role} --policy-name ${inline} --policy-document file://${inlineFile(role, inline)}`);
      }
      return cli;
    },
  },

  1: {
    why: (lab) => {
      const { names: n } = lab;
      const p = functionParts(lab, n.loadFunction, n.loadLogGroup, 'handlers/inventory/load-inventory');
      return `${n.loadFunction} turns an uploaded file into items. S3 calls it (task 2) with an event naming the bucket and the key of each new object; it reads the object, parses it as CSV with the header store,item,count, and writes every row to ${n.table} as {Store, Item, Count}, 25 rows a call (BatchWriteItem), sending again what DynamoDB leaves unprocessed.

Files come as spreadsheets save them: a UTF-8 byte-order mark, Windows line ends, UTF-16 ("Unicode text"), columns in another order. Those are read. A row that is not store,item,whole count is not written but logged with its line number and reason, and every file ends in one summary line (inventory-file-loaded: rows written, rows rejected), so no upload is ever silent. Keys arrive URL-encoded in the event ("inventory berlin.csv" as "inventory+berlin.csv") and are decoded; every record of the event is a file, not only the first.

The CSV parser is a library, so the function is bundled: one file with the handler and the parser, the AWS SDK left to the runtime. The same source gives the same bytes, so a re-run uploads nothing. Its log group is made first, with a ${p.retentionDays}-day retention: the one Lambda would make by itself keeps logs, and bills for them, forever.`;
    },
    steps: (lab) => functionSteps(functionParts(lab, lab.names.loadFunction, lab.names.loadLogGroup, 'handlers/inventory/load-inventory')),
    cli: (lab) => functionCli(functionParts(lab, lab.names.loadFunction, lab.names.loadLogGroup, 'handlers/inventory/load-inventory')),
  },

  2: {
    why: (lab) => {
      const { names: n } = lab;
      const bucket = bucketOf(lab);
      return `Stores upload their inventory files to the bucket ${bucket}. A bucket's name is shared by every AWS account in the world, so it carries the account and the region (and the prefix); S3 also requires it to be lowercase and at most 63 characters.

An event notification makes the bucket call ${n.loadFunction} for every object created (s3:ObjectCreated:*: a put, a post, a copy or a multipart upload). Nothing polls: the upload itself starts the load.

S3 may invoke the function only if the function's resource policy lets it: a permission for s3.amazonaws.com, limited to this bucket (SourceArn) in this account (SourceAccount, because a bucket ARN names no account). It has to exist before the notification: S3 checks the destination when the notification is saved ("Unable to validate the following destination configurations"), and for a few seconds after the permission is added S3 may not see it yet (then save the notification again). Public access to the bucket is blocked: inventory files are not for the world.`;
    },
    steps: (lab) => {
      const { names: n } = lab;
      const bucket = bucketOf(lab);
      return [
        `S3 > Buckets > Create bucket: name ${bucket}, region ${lab.ctx.region}, Block all public access on > Create bucket.`,
        `${bucket} > Properties > Event notifications > Create event notification: name ${lab.desired<DesiredBucket>('s3-bucket').notification?.Id}, event types All object create events, destination Lambda function ${n.loadFunction} > Save changes.`,
        `(The console adds the permission for S3 to ${n.loadFunction} itself: Lambda > ${n.loadFunction} > Configuration > Permissions > Resource-based policy statements shows it.)`,
      ];
    },
    json: (lab) => {
      const b = lab.desired<DesiredBucket>('s3-bucket');
      return { 'notification.json': { LambdaFunctionConfigurations: [b.notification] }, 'public-access-block.json': b.publicAccessBlock };
    },
    cli: (lab) => {
      const { names: n } = lab;
      const bucket = bucketOf(lab);
      const perm = lab.desired<DesiredPermission>('lambda-permission');
      return [
        // The permission first: S3 may not see it for a few seconds, and the bucket's two
        // commands give it that time before the notification is saved.
        `aws lambda add-permission --function-name ${n.loadFunction} --statement-id poc-s3-invoke --action ${perm.action} --principal ${perm.principal} --source-arn ${perm.sourceArn} --source-account ${perm.sourceAccount}`,
        // s3 mb sends the CLI's region as the LocationConstraint, and none in us-east-1, which
        // refuses one: the one command works in every region, known here or not.
        `aws s3 mb s3://${bucket}`,
        `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration file://public-access-block.json`,
        `aws s3api put-bucket-notification-configuration --bucket ${bucket} --notification-configuration file://notification.json`,
      ];
    },
  },

  3: {
    why: ({ names: n, poc }) =>
      `Upload the course's inventory files and see them arrive: each file becomes one item per row in ${n.table}. The six sample files hold 36 items of six stores, one of them at 0 in each store.

If no items appear, follow the file: the upload is in the bucket, so the question is whether ${n.loadFunction} ran (its log group shows an inventory-file-loaded line for the file, with the rows written and rejected) and, if it ran, what it says: an access denied on GetObject or BatchWriteItem names a missing permission; rejected rows name their line and reason. \`${poc('upload --wait')}\` does this following for you.`,
    steps: ({ names: n }) => [
      `S3 > Buckets > the lab bucket > Upload > Add files: the six inventory-*.csv files > Upload.`,
      `DynamoDB > Tables > ${n.table} > Explore table items: an item for every row, e.g. Store Berlin, Item Echo Dot, Count 12.`,
      `No items? CloudWatch > Log groups > ${n.loadLogGroup}: the inventory-file-loaded line for each file.`,
    ],
    cli: (lab) => {
      const { names: n } = lab;
      return [
        lab.poc('upload --wait'),
        `aws s3 cp ${samplePath()} s3://${bucketOf(lab)}/${SAMPLE}`,
        `aws dynamodb query --table-name ${n.table} --key-condition-expression 'Store = :s' --expression-attribute-values '{":s":{"S":"Berlin"}}'`,
        `aws logs tail ${n.loadLogGroup} --since 10m`,
      ];
    },
  },

  4: emailTopicTask<LabPaper>({ publisher: () => 'Check-Stock', each: 'each out-of-stock alert', today: "one store manager's email address", another: "a purchasing system's queue", messages: 'alerts' }),

  5: {
    why: (lab) => {
      const { names: n } = lab;
      const p = functionParts(lab, n.checkFunction, n.checkLogGroup, 'handlers/inventory/check-stock');
      const trigger = lab.desired<DesiredMapping>('event-source-mapping');
      return `${n.checkFunction} turns a count of 0 into an alert. Its trigger reads the ${n.table} stream and hands the function batches of up to ${trigger.batchSize} records; for each new or changed item whose Count is 0 it publishes "<Store> is out of stock of <Item>" to ${n.topic}, subject "Inventory Alert!". ${n.loadFunction} knows nothing of alerts: reacting to changes is the stream's job, and another reader could be added without touching the writer.

${NO_CHANGE_NO_ALERT}

The trigger starts at TRIM_HORIZON, the oldest record still in the stream (24 hours), so the counts loaded in task 3, before the trigger existed, are checked too. A failing record is retried ${trigger.maximumRetryAttempts} times and then given up: without that bound one bad record would block its shard, and every change behind it, for 24 hours. The function reports the first record it could not publish, so only that one and those after it are retried.

Like ${n.loadFunction}, it has its own log group with a ${p.retentionDays}-day retention, made before the function.`;
    },
    steps: (lab) => {
      const { names: n } = lab;
      const trigger = lab.desired<DesiredMapping>('event-source-mapping');
      return [
        ...functionSteps(functionParts(lab, n.checkFunction, n.checkLogGroup, 'handlers/inventory/check-stock')),
        `Add trigger > DynamoDB: table ${n.table}, batch size ${trigger.batchSize}, starting position Trim horizon, retry attempts ${trigger.maximumRetryAttempts}${trigger.responseTypes.length ? ', Report batch item failures on' : ''} > Add.`,
      ];
    },
    cli: (lab) => {
      const { names: n } = lab;
      const trigger = lab.desired<DesiredMapping>('event-source-mapping');
      const stream = `$(aws dynamodb describe-table --table-name ${n.table} --query Table.LatestStreamArn --output text)`;
      return [
        ...functionCli(functionParts(lab, n.checkFunction, n.checkLogGroup, 'handlers/inventory/check-stock')),
        `aws lambda create-event-source-mapping --function-name ${n.checkFunction} --event-source-arn ${stream} --starting-position TRIM_HORIZON --batch-size ${trigger.batchSize} --maximum-retry-attempts ${trigger.maximumRetryAttempts}${trigger.responseTypes.length ? ` --function-response-types ${trigger.responseTypes.join(' ')}` : ''}`,
      ];
    },
  },

  6: {
    why: ({ names: n, poc }) =>
      `Each part can look right and the whole still not deliver: a missing permission or trigger only shows when a file flows through. So upload a file and follow it out: stored in the bucket, loaded by ${n.loadFunction} (its log line names the file and the rows written), the items in ${n.table}, and, for each count of 0, an alert from ${n.checkFunction} ("Inventory Alert!" in your inbox).

${NO_CHANGE_NO_ALERT} So if you loaded the sample files in task 3, uploading them again now sends no alerts; the alerts for them came when the trigger was made (it starts at the oldest record in the stream). \`${poc('upload --wait')}\` says so for each count that was already 0.`,
    steps: ({ names: n }) => [
      `Edit a sample file: set one item's count to 0 (one that is not 0 yet), save it as CSV.`,
      'S3 > Buckets > the lab bucket > Upload > Add files: that file > Upload.',
      `DynamoDB > Tables > ${n.table} > Explore table items: its Count is 0.`,
      'Your inbox: "Inventory Alert!": "<Store> is out of stock of <Item>".',
      `No alert? CloudWatch > Log groups > ${n.checkLogGroup}: a stock-alert-sent or stock-alert-failed line; SNS > ${n.topic} > Subscriptions: is it Confirmed?`,
    ],
    cli: (lab) => {
      const { names: n } = lab;
      return [
        lab.poc('upload --wait'),
        `aws s3 cp ${samplePath()} s3://${bucketOf(lab)}/${SAMPLE}`,
        `aws dynamodb scan --table-name ${n.table} --filter-expression '#c = :zero' --expression-attribute-names '{"#c":"Count"}' --expression-attribute-values '{":zero":{"N":"0"}}'`,
        `aws logs tail ${n.loadLogGroup} --since 10m`,
        `aws logs tail ${n.checkLogGroup} --since 10m`,
      ];
    },
  },
};

/** The explanation of one task, for this lab on paper. */
export function explainTask(task: number, lab: LabPaper): TaskExplanation {
  const e = EXPLANATIONS[task];
  if (!e) throw new Error(`task ${task} has no explanation`);
  return { why: e.why(lab), steps: e.steps(lab), json: e.json?.(lab) ?? {}, cli: e.cli(lab) };
}
