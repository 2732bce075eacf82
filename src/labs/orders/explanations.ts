// What each task of the order lab builds and why, as a student meets it: the reason in
// the architecture, the console steps, the JSON involved and the equivalent aws CLI
// commands. The values (names, ARNs, timeouts, policies, the API's integration) are not
// written here: they are read from the lab's own resources (order-lab.ts), computed
// without AWS, so `poc explain` always shows what `poc setup` makes.
import type { DesiredMapping } from '../../resources/event-source-mapping.js';
import type { DesiredFunction } from '../../resources/lambda-function.js';
import type { PolicyDocument } from '../../resources/policy-document.js';
import { invokeUrl, type DesiredApi } from '../../resources/rest-api.js';
import type { DesiredRole } from '../../resources/iam-role.js';
import type { DesiredQueue } from '../../resources/sqs-queue.js';
import { emailTopicTask, packagePath, functionCli as makeFunctionCli, functionParts as baseParts, functionSteps as makeFunctionSteps, last, sh, type FunctionParts as BaseParts, type LabPaper as Paper, type TaskExplanation } from '../paper.js';
import { SAMPLE_ORDER, type LabNames } from './names.js';

/** The order lab on paper (see ../paper.ts), its names typed. */
export type LabPaper = Paper & { names: LabNames };

interface Explanation {
  why(lab: LabPaper): string;
  steps(lab: LabPaper): string[];
  json?(lab: LabPaper): Record<string, unknown>;
  cli(lab: LabPaper): string[];
}

// ---------------------------------------------------------------------------------------
// Small helpers for the texts.


function duration(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds % 86400 === 0) return unit(seconds / 86400, 'day');
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  return unit(seconds, 'second');
}

/** NEW_IMAGE -> "New image", as the console writes the choice. */
const consoleLabel = (value: string) => value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, ' ');
const queueUrlOf = (queue: string) => `$(aws sqs get-queue-url --queue-name ${queue} --query QueueUrl --output text)`;
const apiIdOf = (api: string) => `$(aws apigateway get-rest-apis --query "items[?name=='${api}'].id | [0]" --output text)`;

/** The service a trust policy lets assume the role, e.g. "lambda" for lambda.amazonaws.com. */
function trustedService(trust: PolicyDocument): string {
  const principal = trust.Statement[0]?.Principal as { Service?: string } | undefined;
  return String(principal?.Service ?? 'service').replace(/\.amazonaws\.com$/, '');
}
const trustFile = (trust: PolicyDocument) => `${trustedService(trust)}-trust-policy.json`;
const SERVICE_LABEL: Record<string, string> = { lambda: 'Lambda', apigateway: 'API Gateway' };

interface Role {
  name: string;
  desired: DesiredRole;
}
const roles = (lab: LabPaper): Role[] => lab.all('iam-role').map((r) => ({ name: r.name, desired: r.desired(lab.ctx) as DesiredRole }));
const inlineFile = (role: string, policy: string) => `${role}-${policy}.json`;

/** The queue's attributes in the form SQS's API (and so the CLI) takes them: every value a string. */
function queueAttributes(q: DesiredQueue): Record<string, string> {
  return {
    VisibilityTimeout: String(q.visibilityTimeout),
    MessageRetentionPeriod: String(q.retentionSeconds),
    ...(q.policy ? { Policy: JSON.stringify(q.policy) } : {}),
    ...(q.redrive ? { RedrivePolicy: JSON.stringify(q.redrive) } : {}),
  };
}

/** Tasks 4 and 7 have one shape: a log group, a function, its trigger. */
interface FunctionParts extends BaseParts {
  trigger: DesiredMapping;
}
function functionParts(lab: LabPaper, fn: string, logGroup: string, code: string): FunctionParts {
  return { ...baseParts(lab, fn, logGroup, code), trigger: lab.desired<DesiredMapping>('event-source-mapping', fn) };
}
const functionSteps = (p: FunctionParts) => makeFunctionSteps(p, `Code > Upload from > .zip file: ${packagePath(p)} (poc's package of ${p.code}.ts) > Save.`);
const functionCli = (p: FunctionParts) => makeFunctionCli(p);

const responseTypes = (m: DesiredMapping) => (m.responseTypes.length ? ` --function-response-types ${m.responseTypes.join(' ')}` : '');

// ---------------------------------------------------------------------------------------
// The ten tasks.

const EXPLANATIONS: Record<number, Explanation> = {
  1: {
    why: ({ names: n }) =>
      `Every part of the pipeline acts as an IAM role, and each role may do only what its job needs, on the exact resources it needs: least privilege. ${n.function1} runs as ${n.sqsDynamoDbRole} and may read ${n.queue} and write the ${n.table} table; ${n.function2} runs as ${n.streamsSnsRole} and may read the table's stream and publish to ${n.topic}; the API runs as ${n.apiSqsRole} and may only send to ${n.queue}.

A role has two halves. Its trust policy says who may assume it (the Lambda or the API Gateway service); its permission policies say what it may do. Because the policies name ARNs, not "*", a buggy or compromised function cannot touch anything else in the account. The one "Resource": "*" is dynamodb:ListStreams, which AWS cannot scope to a table. Each function's role may also write its own log group, and nobody else's, so you can see what the function did. (The guide gives ${n.apiSqsRole} only a logging policy, so it can send only because the queue's access policy names it; here the role itself may send to the queue too, so the API keeps working if the queue policy is edited.)`,
    steps(lab) {
      const steps = lab
        .all('iam-policy')
        .map((p) => `IAM > Policies > Create policy > JSON: paste ${p.name}.json (below) > Next: name ${p.name} > Create policy.`);
      for (const r of roles(lab)) {
        const service = trustedService(r.desired.trust);
        const attached = r.desired.attached.map(last);
        steps.push(
          `IAM > Roles > Create role > AWS service, use case ${SERVICE_LABEL[service] ?? service} > Next${attached.length ? `: attach ${attached.join(' and ')}` : ''} > Next: name ${r.name} > Create role.`,
        );
      }
      for (const r of roles(lab)) {
        for (const inline of Object.keys(r.desired.inline)) {
          steps.push(`IAM > Roles > ${r.name} > Add permissions > Create inline policy > JSON: paste ${inlineFile(r.name, inline)} > name ${inline} > Create policy.`);
        }
      }
      return steps;
    },
    json(lab) {
      const json: Record<string, unknown> = {};
      for (const p of lab.all('iam-policy')) json[`${p.name}.json`] = p.desired(lab.ctx);
      for (const r of roles(lab)) json[trustFile(r.desired.trust)] = r.desired.trust;
      for (const r of roles(lab)) for (const [inline, doc] of Object.entries(r.desired.inline)) json[inlineFile(r.name, inline)] = doc;
      return json;
    },
    cli(lab) {
      const cli = lab.all('iam-policy').map((p) => `aws iam create-policy --policy-name ${p.name} --policy-document file://${p.name}.json`);
      for (const r of roles(lab)) {
        cli.push(`aws iam create-role --role-name ${r.name} --assume-role-policy-document file://${trustFile(r.desired.trust)}`);
        for (const arn of r.desired.attached) cli.push(`aws iam attach-role-policy --role-name ${r.name} --policy-arn ${arn}`);
        for (const inline of Object.keys(r.desired.inline)) {
          cli.push(`aws iam put-role-policy --role-name ${r.name} --policy-name ${inline} --policy-document file://${inlineFile(r.name, inline)}`);
        }
      }
      return cli;
    },
  },

  2: {
    why: ({ names: n, desired }) => {
      const key = desired<{ partitionKey: string }>('dynamodb-table').partitionKey;
      return `The table is where an order becomes a record: durable, readable, and (task 5) the source of the change feed that announces it. Its partition key ${key} is the order's SQS MessageId, and ${n.function1} writes an item only if no item with that key exists yet (a conditional put). That makes the write idempotent, which matters because SQS delivers at least once: a message can arrive twice, and the second delivery changes nothing.

The table is on-demand (pay per request): no capacity to plan or to pay for while no orders come in, and a spike of orders is not throttled by a provisioned limit.`;
    },
    steps: ({ names: n, desired }) => [
      `DynamoDB > Tables > Create table: name ${n.table}, partition key ${desired<{ partitionKey: string }>('dynamodb-table').partitionKey} (String).`,
      'Table settings: Customize settings > Capacity mode: On-demand > Create table.',
      "Wait until the table's status is Active.",
    ],
    cli: ({ names: n, desired }) => {
      const key = desired<{ partitionKey: string }>('dynamodb-table').partitionKey;
      return [
        `aws dynamodb create-table --table-name ${n.table} --attribute-definitions AttributeName=${key},AttributeType=S --key-schema AttributeName=${key},KeyType=HASH --billing-mode PAY_PER_REQUEST`,
        `aws dynamodb wait table-exists --table-name ${n.table}`,
      ];
    },
  },

  3: {
    why: ({ names: n, desired }) => {
      const q = desired<DesiredQueue>('sqs-queue', n.queue);
      const dlq = desired<DesiredQueue>('sqs-queue', n.deadLetterQueue);
      const fn = desired<DesiredFunction>('lambda-function', n.function1);
      return `The queue decouples taking an order from processing it. The API only has to hand the order to SQS, which answers in milliseconds and keeps it (up to ${duration(q.retentionSeconds)}) until ${n.function1} has written it. If the function is slow, failing or being redeployed, orders wait instead of being lost, and a burst of orders is absorbed by the queue and worked off as fast as Lambda scales.

SQS delivers at least once. A message being processed is only hidden for the visibility timeout (${duration(q.visibilityTimeout)}: Lambda advises at least six times the function's timeout, here ${duration(fn.timeout)}) and comes back if the function did not finish it. After ${q.redrive?.maxReceiveCount} failed receives an order moves to the dead-letter queue ${n.deadLetterQueue} (kept ${duration(dlq.retentionSeconds)}) instead of being retried forever: a poison message is set aside where you can read it, and the others flow on.

The access policy is the queue's own side of least privilege: only ${n.apiSqsRole} may send, only ${n.sqsDynamoDbRole} may receive.`;
    },
    steps: ({ names: n, desired }) => {
      const q = desired<DesiredQueue>('sqs-queue', n.queue);
      const dlq = desired<DesiredQueue>('sqs-queue', n.deadLetterQueue);
      return [
        `SQS > Create queue > Standard: name ${n.deadLetterQueue}, message retention period ${duration(dlq.retentionSeconds)} > Create queue.`,
        `SQS > Create queue > Standard: name ${n.queue}, visibility timeout ${duration(q.visibilityTimeout)}, message retention period ${duration(q.retentionSeconds)}.`,
        `Access policy: Advanced > paste ${n.queue}-access-policy.json (below).`,
        `Dead-letter queue: Enabled > choose ${n.deadLetterQueue}, maximum receives ${q.redrive?.maxReceiveCount} > Create queue.`,
      ];
    },
    json: ({ names: n, desired }) => {
      const q = desired<DesiredQueue>('sqs-queue', n.queue);
      return {
        [`${n.queue}-access-policy.json`]: q.policy,
        [`${n.queue}-redrive-policy.json`]: q.redrive,
        [`${n.queue}-attributes.json`]: queueAttributes(q),
      };
    },
    cli: ({ names: n, desired }) => {
      const dlq = queueAttributes(desired<DesiredQueue>('sqs-queue', n.deadLetterQueue));
      return [
        `aws sqs create-queue --queue-name ${n.deadLetterQueue} --attributes ${Object.entries(dlq).map(([k, v]) => `${k}=${v}`).join(',')}`,
        `aws sqs create-queue --queue-name ${n.queue} --attributes file://${n.queue}-attributes.json`,
      ];
    },
  },

  4: {
    why: (lab) => {
      const { names: n } = lab;
      const p = functionParts(lab, n.function1, n.logGroup1, 'handlers/orders/lambda-1');
      return `${n.function1} is the consumer of the queue. Nobody calls it: its trigger (an event source mapping) is run by Lambda, which polls ${n.queue}, hands the function batches of up to ${p.trigger.batchSize} orders, and deletes from the queue what the function reports as done. More orders waiting means more pollers and more copies of the function, up to the account's limits.

The function writes each order to ${n.table} with its MessageId as orderID, only if it is not there yet, so a redelivered message cannot create a second order. A message that is not a JSON object is reported as a batch item failure: only that message returns to the queue (and after a few tries goes to the dead-letter queue) while the rest of the batch is written.

Its log group is made first, with a ${p.retentionDays}-day retention: the one Lambda would make by itself keeps logs, and bills for them, forever.`;
    },
    steps: (lab) => {
      const { names: n } = lab;
      const p = functionParts(lab, n.function1, n.logGroup1, 'handlers/orders/lambda-1');
      return [
        ...functionSteps(p),
        `Add trigger > SQS: queue ${n.queue}, batch size ${p.trigger.batchSize}${p.trigger.responseTypes.length ? ', Report batch item failures on' : ''} > Add.`,
      ];
    },
    cli: (lab) => {
      const { names: n } = lab;
      const p = functionParts(lab, n.function1, n.logGroup1, 'handlers/orders/lambda-1');
      return [
        ...functionCli(p),
        `aws lambda create-event-source-mapping --function-name ${n.function1} --event-source-arn ${p.trigger.source} --batch-size ${p.trigger.batchSize}${responseTypes(p.trigger)}`,
      ];
    },
  },

  5: {
    why: ({ names: n, desired }) =>
      `A DynamoDB stream is the table's change feed: every write to ${n.table} becomes a record in the stream, kept 24 hours, in order for each item. With view type ${desired<{ viewType: string }>('dynamodb-stream').viewType} each record carries the item as it is after the write, which is all ${n.function2} needs to announce the order.

The stream decouples storing from reacting: ${n.function1} knows nothing of notifications, and anything else that should happen when an order is stored (a stock update, an analytics feed) can be added as another reader without touching the writer or slowing it down.`,
    steps: ({ names: n, desired }) => [
      `DynamoDB > Tables > ${n.table} > Exports and streams > DynamoDB stream details > Turn on.`,
      `View type: ${consoleLabel(desired<{ viewType: string }>('dynamodb-stream').viewType)} > Turn on stream.`,
    ],
    cli: ({ names: n, desired }) => [
      `aws dynamodb update-table --table-name ${n.table} --stream-specification StreamEnabled=true,StreamViewType=${desired<{ viewType: string }>('dynamodb-stream').viewType}`,
      `aws dynamodb describe-table --table-name ${n.table} --query Table.LatestStreamArn --output text`,
    ],
  },

  6: emailTopicTask<LabPaper>({ publisher: ({ names: n }) => n.function2, each: 'each new order', today: 'one email address', another: "a warehouse's queue", messages: 'notifications' }),

  7: {
    why: (lab) => {
      const { names: n } = lab;
      const p = functionParts(lab, n.function2, n.logGroup2, 'handlers/orders/lambda-2');
      const failures = lab.desired<DesiredQueue>('sqs-queue', n.failuresQueue);
      return `${n.function2} turns stored orders into notifications. Its trigger reads the ${n.table} stream and hands the function batches of up to ${p.trigger.batchSize} records; the function publishes only INSERTs (new orders, not changes to old ones) to ${n.topic}, as readable JSON with the subject "New Order Notification".

The trigger starts at TRIM_HORIZON, the oldest record still in the stream, so no order written while the trigger was missing is skipped (the price: a re-created trigger may announce an order twice). A failing record is retried ${p.trigger.maximumRetryAttempts} times and then given up: without that bound one bad record would block its shard, and every order behind it, for 24 hours. A failing batch is first split in two (bisect on error) so one bad order does not take its neighbours with it, and a batch given up on is not dropped without a trace: the trigger sends a record of it to the queue ${n.failuresQueue} (kept ${duration(failures.retentionSeconds)}). Lambda sends where the orders are (the shard and the first and last sequence numbers), not the orders themselves; \`${lab.poc('status')}\` counts the failed notifications kept there. The role ${n.streamsSnsRole} may send to that queue and to no other.

Like the first function, it has its own log group with a ${p.retentionDays}-day retention, made before the function.`;
    },
    steps: (lab) => {
      const { names: n } = lab;
      const p = functionParts(lab, n.function2, n.logGroup2, 'handlers/orders/lambda-2');
      const failures = lab.desired<DesiredQueue>('sqs-queue', n.failuresQueue);
      return [
        `SQS > Create queue > Standard: name ${n.failuresQueue}, message retention period ${duration(failures.retentionSeconds)} > Create queue.`,
        ...functionSteps(p),
        `Add trigger > DynamoDB: table ${n.table}, batch size ${p.trigger.batchSize}, starting position Trim horizon, retry attempts ${p.trigger.maximumRetryAttempts}${p.trigger.bisectOnError ? ', Split batch on error on' : ''}${p.trigger.responseTypes.length ? ', Report batch item failures on' : ''}${p.trigger.onFailure ? `, On-failure destination: SQS queue ${n.failuresQueue}` : ''} > Add.`,
      ];
    },
    cli: (lab) => {
      const { names: n } = lab;
      const p = functionParts(lab, n.function2, n.logGroup2, 'handlers/orders/lambda-2');
      const stream = `$(aws dynamodb describe-table --table-name ${n.table} --query Table.LatestStreamArn --output text)`;
      const retries = p.trigger.maximumRetryAttempts !== undefined ? ` --maximum-retry-attempts ${p.trigger.maximumRetryAttempts}` : '';
      const bisect = p.trigger.bisectOnError ? ' --bisect-batch-on-function-error' : '';
      const onFailure = p.trigger.onFailure ? ` --destination-config '{"OnFailure":{"Destination":"${p.trigger.onFailure}"}}'` : '';
      const failures = queueAttributes(lab.desired<DesiredQueue>('sqs-queue', n.failuresQueue));
      return [
        `aws sqs create-queue --queue-name ${n.failuresQueue} --attributes ${Object.entries(failures).map(([k, v]) => `${k}=${v}`).join(',')}`,
        ...functionCli(p),
        `aws lambda create-event-source-mapping --function-name ${n.function2} --event-source-arn ${stream} --starting-position TRIM_HORIZON --batch-size ${p.trigger.batchSize}${retries}${bisect}${onFailure}${responseTypes(p.trigger)}`,
      ];
    },
  },

  8: {
    why: ({ names: n, desired }) => {
      const api = desired<DesiredApi>('rest-api');
      return `The REST API is the front door: a public HTTPS endpoint, POST /${api.path}, that a shop's web page can call, with no server to run or patch. It calls SQS SendMessage itself (an AWS service integration) as the role ${n.apiSqsRole}, so no function sits in between: the order is in the queue before the API answers, and the answer carries its MessageId.

SQS's API takes a form, not JSON, so the integration sends Content-Type application/x-www-form-urlencoded and its request template URL-encodes the order into MessageBody. The API also checks what comes in: a request model (${api.model.name}: a JSON object with at least one field) and a validator reject anything else with 400 before it reaches the queue, other content types get 415, and SQS errors come back as 4xx/5xx instead of a misleading 200.

Nothing is live until it is deployed: a deployment to the stage ${api.stage} gives the invoke URL.`;
    },
    steps: ({ names: n, desired }) => {
      const api = desired<DesiredApi>('rest-api');
      const errors = Object.entries(api.responses).filter(([, pattern]) => pattern);
      return [
        `API Gateway > Create API > REST API > Build: name ${n.api}, endpoint type Regional > Create API.`,
        `Models > Create model: name ${api.model.name}, content type application/json, schema ${api.model.name}-model.json (below) > Create.`,
        `Resources > Create resource: resource name ${api.path} > Create resource.`,
        `/${api.path} > Create method: POST, integration type AWS service, region ${api.uri.split(':')[3]}, service Simple Queue Service (SQS), HTTP method POST, action type Use path override, path override ${api.uri.split(':path/')[1]}, execution role ${api.credentials} > Create method.`,
        `Method request > Edit: request validator Validate body; request body: add application/json with model ${api.model.name} > Save.`,
        `Integration request > Edit: request body passthrough Never; URL request headers parameters: add Content-Type mapped from ${Object.values(api.requestParameters).join(', ')}; mapping templates: add ${Object.entries(api.requestTemplates).map(([type, template]) => `${type} with the template ${template}`).join('; ')} > Save.`,
        `Method responses: create ${errors.map(([code]) => code).join(' and ')}. Integration responses: create ${errors.map(([code, pattern]) => `${code} with HTTP status regex ${pattern}`).join(', and ')}.`,
        `Deploy API > New stage: name ${api.stage} > Deploy. The stage shows the invoke URL; orders go to <invoke URL>/${api.path}.`,
      ];
    },
    json: ({ names: n, desired }) => {
      const api = desired<DesiredApi>('rest-api');
      return {
        [`${api.model.name}-model.json`]: JSON.parse(api.model.schema),
        // Exactly what `aws apigateway put-integration --cli-input-json` takes.
        [`${n.api}-integration.json`]: {
          httpMethod: 'POST',
          type: 'AWS',
          integrationHttpMethod: 'POST',
          uri: api.uri,
          credentials: api.credentials,
          requestParameters: api.requestParameters,
          requestTemplates: api.requestTemplates,
          passthroughBehavior: 'NEVER',
        },
      };
    },
    cli: ({ names: n, desired, ctx }) => {
      const api = desired<DesiredApi>('rest-api');
      const on = '--rest-api-id $API_ID --resource-id $RESOURCE_ID --http-method POST';
      const cli = [
        `API_ID=$(aws apigateway create-rest-api --name ${n.api} --endpoint-configuration types=REGIONAL --query id --output text)`,
        `ROOT_ID=$(aws apigateway get-resources --rest-api-id $API_ID --query "items[?path=='/'].id" --output text)`,
        `aws apigateway create-model --rest-api-id $API_ID --name ${api.model.name} --content-type application/json --schema file://${api.model.name}-model.json`,
        `VALIDATOR_ID=$(aws apigateway create-request-validator --rest-api-id $API_ID --name validate-body --validate-request-body --query id --output text)`,
        `RESOURCE_ID=$(aws apigateway create-resource --rest-api-id $API_ID --parent-id $ROOT_ID --path-part ${api.path} --query id --output text)`,
        `aws apigateway put-method ${on} --authorization-type NONE --request-validator-id $VALIDATOR_ID --request-models application/json=${api.model.name}`,
        `aws apigateway put-integration --rest-api-id $API_ID --resource-id $RESOURCE_ID --cli-input-json file://${n.api}-integration.json`,
      ];
      for (const [code, pattern] of Object.entries(api.responses)) {
        cli.push(`aws apigateway put-method-response ${on} --status-code ${code}`);
        cli.push(`aws apigateway put-integration-response ${on} --status-code ${code}${pattern ? ` --selection-pattern ${sh(pattern)}` : ''}`);
      }
      cli.push(`aws apigateway create-deployment --rest-api-id $API_ID --stage-name ${api.stage}`);
      cli.push(`echo ${invokeUrl(ctx, '$API_ID', api.stage, api.path)}`);
      return cli;
    },
  },

  9: {
    why: ({ names: n }) =>
      `Each part can look right and the pipeline still not deliver: a missing permission or a wrong setting only shows when an order flows through. So send one in at the front door and follow it out.

The API answers with the SQS MessageId, and that id is also the order's orderID in the table, so the same id can be looked for at every hop: in ${n.function1}'s log, in the ${n.table} table, in ${n.function2}'s log, and finally in your inbox ("New Order Notification"). Where it stops names the part to look at: still in ${n.queue} or in ${n.deadLetterQueue} means ${n.function1} or its role; in the table but no email means the stream trigger, ${n.function2}, or a subscription that was never confirmed.`,
    steps: ({ names: n, desired }) => {
      const api = desired<DesiredApi>('rest-api');
      return [
        `API Gateway > ${n.api} > Resources > /${api.path} POST > Test: request body ${SAMPLE_ORDER} > Test. The response is 200 with a MessageId.`,
        `Or send it as a web page would: POST the order to <invoke URL>/${api.path} with Content-Type: application/json.`,
        `DynamoDB > Tables > ${n.table} > Explore table items: an item whose orderID is that MessageId.`,
        `Your inbox: "New Order Notification", with the order as JSON.`,
        `No item or no email? CloudWatch > Log groups > ${n.logGroup1} and ${n.logGroup2}; SQS > ${n.deadLetterQueue} > Send and receive messages > Poll for messages.`,
      ];
    },
    cli: ({ names: n, desired, ctx, poc }) => {
      const api = desired<DesiredApi>('rest-api');
      return [
        poc(`send-order ${sh(SAMPLE_ORDER)} --wait`),
        `API_ID=${apiIdOf(n.api)}`,
        `curl -X POST -H 'Content-Type: application/json' -d ${sh(SAMPLE_ORDER)} ${invokeUrl(ctx, '$API_ID', api.stage, api.path)}`,
        `aws sqs send-message --queue-url ${queueUrlOf(n.queue)} --message-body ${sh('{"item":"mop","customerID":"12345"}')}`,
        `aws dynamodb scan --table-name ${n.table}`,
        `aws logs tail ${n.logGroup1} --since 10m`,
        `aws logs tail ${n.logGroup2} --since 10m`,
        `aws sqs get-queue-attributes --queue-url ${queueUrlOf(n.deadLetterQueue)} --attribute-names ApproximateNumberOfMessages`,
      ];
    },
  },

  10: {
    why: ({ poc }) =>
      `Serverless bills for use, but not everything left behind is free or harmless. The table and the logs are storage that bills every month, and the API is a public endpoint anyone can post to, each call writing an item and sending an email. Roles and policies left behind are permissions waiting to be misused.

Delete in an order AWS accepts: the API before the queue and the role it uses, the triggers before their functions, policies detached from the roles before either is deleted. Also delete what was made on the side: the functions' log groups and triggers (event source mappings), which deleting a function does not remove. \`${poc('cleanup')}\` does all of this for the lab's names, and then checks that nothing is left.`,
    steps: ({ names: n }) => [
      `API Gateway > ${n.api} > Delete API.`,
      `Lambda > ${n.function1} and ${n.function2} > Configuration > Triggers: delete each trigger; then Actions > Delete function.`,
      `CloudWatch > Log groups: delete ${n.logGroup1} and ${n.logGroup2}.`,
      `SNS > Topics > ${n.topic} > Delete (its subscriptions go with it).`,
      `DynamoDB > Tables > ${n.table} > Delete table (its stream goes with it).`,
      `SQS > ${n.queue}, ${n.deadLetterQueue} and ${n.failuresQueue} > Delete.`,
      `IAM > Roles: delete ${n.sqsDynamoDbRole}, ${n.streamsSnsRole} and ${n.apiSqsRole}.`,
      `IAM > Policies: delete ${n.writeDynamoDbPolicy}, ${n.snsPublishPolicy}, ${n.streamsReadPolicy} and ${n.readSqsPolicy}.`,
    ],
    cli: (lab) => {
      const { names: n, arns } = lab;
      const cli = [lab.poc('cleanup'), `aws apigateway delete-rest-api --rest-api-id ${apiIdOf(n.api)}`];
      for (const [fn, logGroup] of [
        [n.function2, n.logGroup2],
        [n.function1, n.logGroup1],
      ]) {
        cli.push(
          `for uuid in $(aws lambda list-event-source-mappings --function-name ${fn} --query 'EventSourceMappings[].UUID' --output text); do aws lambda delete-event-source-mapping --uuid $uuid; done`,
          `aws lambda delete-function --function-name ${fn}`,
          `aws logs delete-log-group --log-group-name ${logGroup}`,
        );
      }
      cli.push(
        `aws sns delete-topic --topic-arn ${arns.topic(n.topic)}`,
        `aws dynamodb delete-table --table-name ${n.table}`,
        `aws sqs delete-queue --queue-url ${queueUrlOf(n.queue)}`,
        `aws sqs delete-queue --queue-url ${queueUrlOf(n.deadLetterQueue)}`,
        `aws sqs delete-queue --queue-url ${queueUrlOf(n.failuresQueue)}`,
      );
      for (const r of roles(lab)) {
        for (const arn of r.desired.attached) cli.push(`aws iam detach-role-policy --role-name ${r.name} --policy-arn ${arn}`);
        for (const inline of Object.keys(r.desired.inline)) cli.push(`aws iam delete-role-policy --role-name ${r.name} --policy-name ${inline}`);
        cli.push(`aws iam delete-role --role-name ${r.name}`);
      }
      for (const p of lab.all('iam-policy')) cli.push(`aws iam delete-policy --policy-arn ${arns.policy(p.name)}`);
      return cli;
    },
  },
};

/** The explanation of one task, for this lab on paper. */
export function explainTask(task: number, lab: LabPaper): TaskExplanation {
  const e = EXPLANATIONS[task];
  if (!e) throw new Error(`task ${task} has no explanation`);
  return { why: e.why(lab), steps: e.steps(lab), json: e.json?.(lab) ?? {}, cli: e.cli(lab) };
}

