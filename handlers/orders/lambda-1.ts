// POC-Lambda-1: SQS (POC-Queue) -> DynamoDB (orders).
// Self-contained: it is zipped alone as index.mjs, so it imports only what the
// nodejs22.x runtime ships.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

// One client per container: reused across warm invocations, created on first use so
// the environment (region, endpoint) is read when the function runs, not when it loads.
let dynamo: DynamoDBClient | undefined;
const client = () => (dynamo ??= new DynamoDBClient({}));

function parseOrder(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Returns true when the record is done (written now or before), false when it must be retried. */
async function writeOrder(record: SQSRecord, tableName: string): Promise<boolean> {
  const { messageId } = record;
  const order = parseOrder(record.body);
  if (!order) {
    // Reported as failed so that, after maxReceiveCount, SQS moves it to the dead-letter queue.
    console.error(JSON.stringify({ event: 'order-rejected', messageId, reason: 'body is not a JSON object' }));
    return false;
  }
  // SQS redelivers a message with the same messageId, so using it as the key and
  // writing only if absent makes a redelivery harmless instead of a second order.
  const orderID = messageId;
  try {
    await client().send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall({ orderID, order, receivedAt: new Date().toISOString() }, { removeUndefinedValues: true }),
        ConditionExpression: 'attribute_not_exists(orderID)',
      }),
    );
    console.log(JSON.stringify({ event: 'order-written', orderID }));
    return true;
  } catch (err) {
    const name = err instanceof Error ? err.name : 'UnknownError';
    if (name === 'ConditionalCheckFailedException') {
      console.log(JSON.stringify({ event: 'order-already-written', orderID }));
      return true;
    }
    console.error(JSON.stringify({ event: 'order-write-failed', messageId, error: name, message: err instanceof Error ? err.message : String(err) }));
    return false;
  }
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const tableName = process.env.TABLE_NAME;
  // Misconfiguration fails the whole batch: every record would fail the same way.
  if (!tableName) throw new Error('TABLE_NAME is not set');
  const done = await Promise.all(event.Records.map((record) => writeOrder(record, tableName)));
  return {
    batchItemFailures: event.Records.filter((_, i) => !done[i]).map((record) => ({ itemIdentifier: record.messageId })),
  };
}
