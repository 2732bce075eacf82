// The lab's policy documents. Each names the exact ARNs it needs; where AWS cannot
// scope an action to a resource, a comment says so.
import type { Arns } from '../../aws/arns.js';
import { allow, policy, type PolicyDocument } from '../../resources/policy-document.js';
import type { LabNames } from './names.js';

export interface PolicyInputs {
  arns: Arns;
  names: LabNames;
}

// What Lambda's SQS trigger needs, as the AWS docs list it for the execution role
// (AWSLambdaSQSQueueExecutionRole; "Configuring a queue to trigger a Lambda function"):
// ReceiveMessage, DeleteMessage, GetQueueAttributes. Not ChangeMessageVisibility: the
// trigger leaves a failed message to its visibility timeout, and the handler never calls it.
export const SQS_CONSUMER_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

export function writeDynamoDbPolicy({ arns, names }: PolicyInputs): PolicyDocument {
  // POC-Lambda-1 only writes (handlers/lambda-1.ts); it never describes the table.
  return policy(allow(['dynamodb:PutItem'], arns.table(names.table)));
}

export function snsPublishPolicy({ arns, names }: PolicyInputs): PolicyDocument {
  // POC-Lambda-2 only publishes (handlers/lambda-2.ts).
  return policy(allow(['sns:Publish'], arns.topic(names.topic)));
}

export function streamsReadPolicy({ arns, names }: PolicyInputs): PolicyDocument {
  return policy(
    // The stream's ARN ends in a label that changes whenever the stream is re-enabled,
    // so the policy names every stream of this one table.
    allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], arns.tableStreams(names.table)),
    // ListStreams acts on the account, not on a table or stream: AWS cannot scope it.
    allow(['dynamodb:ListStreams'], '*'),
  );
}

export function readSqsPolicy({ arns, names }: PolicyInputs): PolicyDocument {
  return policy(allow(SQS_CONSUMER_ACTIONS, arns.queue(names.queue)));
}

/**
 * Inline on each function's role: it may write its own logs and nobody else's. Not
 * logs:CreateLogGroup: poc makes the group itself (with a retention), before the function.
 */
export function ownLogsPolicy({ arns }: PolicyInputs, logGroup: string): PolicyDocument {
  return policy(allow(['logs:CreateLogStream', 'logs:PutLogEvents'], `${arns.logGroup(logGroup)}:*`));
}

/** Inline on APIGateway-SQS: the API's integration sends the order with this role. */
export function sendToQueuePolicy({ arns, names }: PolicyInputs): PolicyDocument {
  return policy(allow(['sqs:SendMessage'], arns.queue(names.queue)));
}

/**
 * Inline on Lambda-DynamoDBStreams-SNS: the stream trigger sends its record of a batch it
 * gives up on to the failures queue with the function's execution role (Lambda: an SQS
 * on-failure destination needs sqs:SendMessage on the queue), and only to that queue.
 */
export function keepFailuresPolicy({ arns, names }: PolicyInputs): PolicyDocument {
  return policy(allow(['sqs:SendMessage'], arns.queue(names.failuresQueue)));
}

/** The queue's access policy, as the guide writes it: only these two roles. */
export function queueAccessPolicy({ arns, names }: PolicyInputs): PolicyDocument {
  const queue = arns.queue(names.queue);
  return {
    Version: '2012-10-17',
    Id: `${names.queue}-access`,
    Statement: [
      { Sid: 'ApiSends', Effect: 'Allow', Principal: { AWS: arns.role(names.apiSqsRole) }, Action: ['sqs:SendMessage'], Resource: queue },
      { Sid: 'FunctionReceives', Effect: 'Allow', Principal: { AWS: arns.role(names.sqsDynamoDbRole) }, Action: SQS_CONSUMER_ACTIONS, Resource: queue },
    ],
  };
}
