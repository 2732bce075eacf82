// Check-Stock: DynamoDB stream of `Inventory` -> SNS (NoStock).
// Bundled like Load-Inventory (src/resources/lambda-bundle.ts); it needs only the runtime's SDK.
//
// Which records alert: an INSERT or MODIFY whose new image has Count 0. The stream's view
// type is NEW_IMAGE, so the old count is not in the record; none is needed, because
// DynamoDB Streams writes a record only when an item is actually modified (a PutItem
// that leaves an item as it was writes none). For an Inventory item (key Store + Item,
// one other attribute, Count), a MODIFY therefore means the count changed: with Count 0,
// it just ran out. So re-uploading a file whose counts did not change sends no alert.
// Should the view type be NEW_AND_OLD_IMAGES, an OldImage with Count 0 too (the item
// changed otherwise, still out of stock) is not news, and is skipped.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

let sns: SNSClient | undefined;
const client = () => (sns ??= new SNSClient({}));

export const SUBJECT = 'Inventory Alert!';
export const alertText = (store: string, item: string) => `${store} is out of stock of ${item}`;

const countOf = (image: Record<string, AttributeValue> | undefined) => (image?.Count?.N === undefined ? undefined : Number(image.Count.N));

/** The store and item to alert for, or undefined when the record is not an out-of-stock change. */
export function outOfStock(record: DynamoDBRecord): { store: string; item: string } | undefined {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const image = record.dynamodb?.NewImage;
  if (countOf(image) !== 0) return undefined;
  if (record.dynamodb?.OldImage && countOf(record.dynamodb.OldImage) === 0) return undefined;
  const store = image?.Store?.S;
  const item = image?.Item?.S;
  return store !== undefined && item !== undefined ? { store, item } : undefined;
}

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const topicArn = process.env.TOPIC_ARN;
  // Misconfiguration fails the whole batch: every record would fail the same way.
  if (!topicArn) throw new Error('TOPIC_ARN is not set');
  // Sequential on purpose: for a stream, Lambda retries from the reported record onwards,
  // so only the first failure may be reported and nothing after it may have been sent.
  for (const record of event.Records) {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    if ((record.eventName === 'INSERT' || record.eventName === 'MODIFY') && !record.dynamodb?.NewImage) {
      // Retrying cannot add an image the stream does not carry; say why and move on.
      console.error(JSON.stringify({ event: 'stock-not-checked', sequenceNumber, reason: 'no NewImage: the stream view type must be NEW_IMAGE' }));
      continue;
    }
    const out = outOfStock(record);
    if (!out) continue;
    try {
      const { MessageId } = await client().send(new PublishCommand({ TopicArn: topicArn, Subject: SUBJECT, Message: alertText(out.store, out.item) }));
      console.log(JSON.stringify({ event: 'stock-alert-sent', store: out.store, item: out.item, messageId: MessageId }));
    } catch (err) {
      const name = err instanceof Error ? err.name : 'UnknownError';
      console.error(JSON.stringify({ event: 'stock-alert-failed', store: out.store, item: out.item, sequenceNumber, error: name, message: err instanceof Error ? err.message : String(err) }));
      return { batchItemFailures: [{ itemIdentifier: sequenceNumber! }] };
    }
  }
  return { batchItemFailures: [] };
}
