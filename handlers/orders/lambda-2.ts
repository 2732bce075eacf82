// POC-Lambda-2: DynamoDB stream of `orders` -> SNS (POC-Topic).
// Self-contained: it is zipped alone as index.mjs, so it imports only what the
// nodejs22.x runtime ships.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

// One client per container: reused across warm invocations, created on first use so
// the environment (region, endpoint) is read when the function runs, not when it loads.
let sns: SNSClient | undefined;
const client = () => (sns ??= new SNSClient({}));

// Numbers are read as DynamoDB stores them (wrapNumbers: the digits as text), so an order's
// 12345678901234567 is announced as 12345678901234567, not rounded, and a 38-digit decimal
// does not make unmarshall throw. JSON.stringify cannot write such a number itself: each is
// written as a marked string and the marks removed afterwards. A Set is written as a list.
const MARK = `\u0000n${Math.random().toString(36).slice(2)}:`;
const readable = (_key: string, value: unknown) =>
  isNumberValue(value) ? `${MARK}${value.value}` : value instanceof Set ? [...value] : value;
const isNumberValue = (value: unknown): value is { value: string } =>
  typeof value === 'object' && value !== null && !(value instanceof Set) && typeof (value as { value?: unknown }).value === 'string' && Object.keys(value).length === 1;
const MARKED = new RegExp(`"${MARK.replace('\u0000', '\\\\u0000')}(-?[0-9.eE+-]+)"`, 'g');
const unmark = (json: string) => json.replace(MARKED, '$1');

const SNS_MAX_BYTES = 256 * 1024;

async function announce(record: DynamoDBRecord, topicArn: string): Promise<void> {
  // The lambda event types binary values as base64 strings, the SDK as bytes; unmarshall copes with both.
  const item = unmarshall(record.dynamodb!.NewImage as Record<string, AttributeValue>, { wrapNumbers: true });
  // Indented JSON reads best, but an SNS message is at most 256 KiB: a large order that
  // only fits compact is sent compact rather than not at all.
  const pretty = unmark(JSON.stringify(item, readable, 2));
  const Message = Buffer.byteLength(pretty, 'utf8') <= SNS_MAX_BYTES ? pretty : unmark(JSON.stringify(item, readable));
  const { MessageId } = await client().send(new PublishCommand({ TopicArn: topicArn, Subject: 'New Order Notification', Message }));
  console.log(JSON.stringify({ event: 'order-announced', orderID: item.orderID, messageId: MessageId }));
}

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const topicArn = process.env.TOPIC_ARN;
  // Misconfiguration fails the whole batch: every record would fail the same way.
  if (!topicArn) throw new Error('TOPIC_ARN is not set');
  // Sequential on purpose: for a stream, Lambda retries from the reported record onwards,
  // so only the first failure may be reported and nothing after it may have been sent.
  for (const record of event.Records) {
    // A notification is for a new order; updates and deletes are not news.
    if (record.eventName !== 'INSERT') continue;
    if (!record.dynamodb?.NewImage) {
      // Retrying cannot add an image the stream does not carry; say why and move on.
      console.error(JSON.stringify({ event: 'order-not-announced', sequenceNumber: record.dynamodb?.SequenceNumber, reason: 'no NewImage: the stream view type must be NEW_IMAGE' }));
      continue;
    }
    try {
      await announce(record, topicArn);
    } catch (err) {
      const name = err instanceof Error ? err.name : 'UnknownError';
      console.error(JSON.stringify({ event: 'order-announce-failed', sequenceNumber: record.dynamodb.SequenceNumber, error: name, message: err instanceof Error ? err.message : String(err) }));
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb.SequenceNumber! }] };
    }
  }
  return { batchItemFailures: [] };
}
