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
 * The order as DynamoDB attribute values, read from the JSON text itself: a number keeps
 * the digits it was sent with (an N string), where JSON.parse would round an integer beyond
 * 2^53 and marshall would then refuse it. DynamoDB numbers hold 38 significant digits
 * (magnitude 1E-130 to 1E+126): a number beyond that throws a RangeError (the order cannot
 * be stored as sent). Undefined when the body is not a JSON object.
 */
export function parseOrder(body: string): Record<string, AttributeValue> | undefined {
  try {
    JSON.parse(body); // validity: JSON.parse's own checks and messages
  } catch {
    return undefined;
  }
  let i = 0;
  const space = () => {
    while (i < body.length && ' \t\n\r'.includes(body[i])) i++;
  };
  const value = (): AttributeValue => {
    space();
    const c = body[i];
    if (c === '{') {
      i++;
      const M: Record<string, AttributeValue> = {};
      space();
      if (body[i] === '}') return i++, { M };
      for (;;) {
        space();
        const key = (value() as { S: string }).S;
        space();
        i++; // ':'
        M[key] = value();
        space();
        if (body[i++] === '}') return { M };
      }
    }
    if (c === '[') {
      i++;
      const L: AttributeValue[] = [];
      space();
      if (body[i] === ']') return i++, { L };
      for (;;) {
        L.push(value());
        space();
        if (body[i++] === ']') return { L };
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      const S = JSON.parse(body.slice(i, j + 1)) as string;
      i = j + 1;
      return { S };
    }
    const literal = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(body.slice(i, i + 4096))![0];
    i += literal.length;
    if (literal === 'true' || literal === 'false') return { BOOL: literal === 'true' };
    if (literal === 'null') return { NULL: true };
    if (!fitsDynamoDb(literal)) throw new RangeError(`${literal} does not fit a DynamoDB number (38 significant digits, magnitude 1E-130 to 1E+126)`);
    return { N: literal };
  };
  const top = value();
  return top.M;
}

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
    console.error(JSON.stringify({ event: 'order-write-failed', messageId, error: 'RangeError', message: (err as Error).message }));
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
  const done = await Promise.all(event.Records.map((record) => writeOrder(record, tableName)));
  return {
    batchItemFailures: event.Records.filter((_, i) => !done[i]).map((record) => ({ itemIdentifier: record.messageId })),
  };
}
