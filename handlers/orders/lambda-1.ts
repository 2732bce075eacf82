// POC-Lambda-1: SQS (POC-Queue) -> DynamoDB (orders).
// Self-contained: it is zipped alone as index.mjs, so it imports only what the
// nodejs22.x runtime ships.
import { DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

// One client per container: reused across warm invocations, created on first use so
// the environment (region, endpoint) is read when the function runs, not when it loads.
let dynamo: DynamoDBClient | undefined;
const client = () => (dynamo ??= new DynamoDBClient({}));

/**
 * The order as DynamoDB attribute values, built by JSON.parse itself: its reviver gets the
 * source text of each number (context.source, nodejs22.x and later), so a number keeps the
 * digits it was sent with (an N string: 12345678901234567, 1E+125, 1.50), where the parsed
 * value would round an integer beyond 2^53 and marshall would then refuse it. DynamoDB
 * numbers hold 38 significant digits (magnitude 1E-130 to 1E+126): a number beyond that
 * throws a RangeError (the order cannot be stored as sent). Undefined when the body is not
 * a JSON object.
 */
export function parseOrder(body: string): Record<string, AttributeValue> | undefined {
  let top: AttributeValue;
  try {
    top = JSON.parse(body, toAttributeValue) as AttributeValue;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  return top.M;
}

/** JSON.parse's reviver, called innermost first: each value becomes its attribute value. */
function toAttributeValue(this: unknown, _key: string, value: unknown, context?: { source?: string }): AttributeValue {
  if (typeof value === 'number') {
    const source = context?.source;
    // A Node without the source text (before 22) would give only the rounded value: fail, never store other digits.
    if (source === undefined) throw new SourceTextMissing();
    if (!fitsDynamoDb(source)) throw new RangeError(`${source} does not fit a DynamoDB number (38 significant digits, magnitude 1E-130 to 1E+126)`);
    return { N: source };
  }
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  // Arrays and objects: their members were revived already.
  if (Array.isArray(value)) return { L: value as AttributeValue[] };
  return { M: value as Record<string, AttributeValue> };
}

/** This Node's JSON.parse gives no number's source text, so the order's digits cannot be kept. */
class SourceTextMissing extends Error {
  constructor() {
    super(`JSON.parse on Node ${process.versions.node} gives no number's source text (context.source): POC-Lambda-1 needs the nodejs22.x runtime or later to store numbers digit for digit`);
    this.name = 'SourceTextMissing';
  }
}

/** Whether JSON.parse gives a number's source text here (nodejs22.x and later do). */
const KEEPS_DIGITS = JSON.parse('1.50', (_key, value, context?: { source?: string }) => context?.source ?? value) === '1.50';

function fitsDynamoDb(number: string): boolean {
  // Only a leading sign: the exponent's own (1e-5) belongs to the magnitude.
  const [mantissa, exp = '0'] = number.replace(/^-/, '').toLowerCase().split('e');
  const [whole, fraction = ''] = mantissa.split('.');
  const digits = (whole + fraction).replace(/^0+/, '');
  if (!digits) return true; // zero
  const significant = digits.replace(/0+$/, '');
  const magnitude = Number(exp) + whole.replace(/^0+/, '').length - (whole.replace(/^0+/, '') ? 1 : fraction.length - fraction.replace(/^0+/, '').length + 1);
  return significant.length <= 38 && magnitude >= -130 && magnitude <= 125;
}

/** Returns true when the record is done (written now or before), false when it must be retried. */
async function writeOrder(record: SQSRecord, tableName: string): Promise<boolean> {
  const { messageId } = record;
  let order: Record<string, AttributeValue> | undefined;
  try {
    order = parseOrder(record.body);
  } catch (err) {
    // Reported as failed: after maxReceiveCount, SQS moves it to the dead-letter queue.
    console.error(JSON.stringify({ event: 'order-write-failed', messageId, error: (err as Error).name, message: (err as Error).message }));
    return false;
  }
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
        Item: { orderID: { S: orderID }, order: { M: order }, receivedAt: { S: new Date().toISOString() } },
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
  // So does a runtime whose JSON.parse would lose an order's digits: the batch is retried
  // (then parked in the dead-letter queue), nothing is stored rounded.
  if (!KEEPS_DIGITS) throw new SourceTextMissing();
  const done = await Promise.all(event.Records.map((record) => writeOrder(record, tableName)));
  return {
    batchItemFailures: event.Records.filter((_, i) => !done[i]).map((record) => ({ itemIdentifier: record.messageId })),
  };
}
