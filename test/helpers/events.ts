// Real SQS messages and DynamoDB stream records, wrapped as the Lambda service wraps
// them, for tests that call the handlers in-process (moto cannot run Lambda code).
// Shared by the handler tests and the end-to-end tests that drive the pipeline by hand.
import { mock } from 'node:test';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';

export interface Queue {
  url: string;
  arn: string;
}

async function describeQueue(sqs: SQSClient, url: string): Promise<Queue> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: Attributes!.QueueArn! };
}

export async function createQueue(sqs: SQSClient, name: string, attributes?: Record<string, string>): Promise<Queue> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return describeQueue(sqs, QueueUrl!);
}

/** An existing queue (one poc made), by name. */
export async function findQueue(sqs: SQSClient, name: string): Promise<Queue> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  return describeQueue(sqs, QueueUrl!);
}

/**
 * Receives until the `count` messages the test expects have come (waiting for them, at most
 * `within` ms), then once more for any beyond, so an exact count can be asserted. An empty
 * receive proves nothing on SQS (a short poll samples some of its servers, and SNS delivers
 * to a queue over time), so a test waits for what it expects; with `count` 0 (nothing
 * expected) this is one receive: what is there now.
 */
export async function receiveAll(sqs: SQSClient, queue: Queue, count: number, within = 15_000): Promise<Message[]> {
  const all: Message[] = [];
  const deadline = Date.now() + within;
  const receive = async (waitSeconds: number) => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    all.push(...Messages);
    return Messages.length;
  };
  while (all.length < count && Date.now() < deadline) await receive(1);
  while ((await receive(0)) > 0);
  return all;
}

/** The event the Lambda service hands a function for these messages of this queue. */
export function sqsEvent(queue: Queue, messages: Message[], region = 'us-east-1'): SQSEvent {
  return {
    Records: messages.map(
      (m): SQSRecord => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: m.Attributes as unknown as SQSRecord['attributes'],
        messageAttributes: Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
            k,
            { dataType: v.DataType!, stringValue: v.StringValue, stringListValues: [], binaryListValues: [] },
          ]),
        ),
        md5OfBody: m.MD5OfBody!,
        eventSource: 'aws:sqs',
        eventSourceARN: queue.arn,
        awsRegion: region,
      }),
    ),
  };
}

/** Every record on the table's latest stream so far, as the Lambda service would hand them over. */
export async function streamEvent(dynamo: DynamoDBClient, streams: DynamoDBStreamsClient, table: string): Promise<DynamoDBStreamEvent> {
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: table }));
  const streamArn = Table!.LatestStreamArn!;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: DynamoDBRecord[] = [];
  for (const shard of StreamDescription!.Shards ?? []) {
    let { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (ShardIterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
      if (!page.Records?.length) break;
      for (const r of page.Records) {
        const { ApproximateCreationDateTime, ...rest } = r.dynamodb!;
        records.push({
          eventID: r.eventID,
          eventName: r.eventName as DynamoDBRecord['eventName'],
          eventVersion: r.eventVersion,
          eventSource: r.eventSource,
          awsRegion: r.awsRegion,
          // Lambda gives epoch seconds where the SDK gives a Date; the images need no change
          // (no binary attributes here, which Lambda would give as base64 strings).
          dynamodb: { ...(rest as DynamoDBRecord['dynamodb']), ApproximateCreationDateTime: ApproximateCreationDateTime && ApproximateCreationDateTime.getTime() / 1000 },
          eventSourceARN: streamArn,
        });
      }
      ShardIterator = page.NextShardIterator;
    }
  }
  return { Records: records };
}

export interface CapturedLine {
  level: 'INFO' | 'ERROR';
  text: string;
}

/**
 * Captures console.log / console.error while a handler runs: `events` gives the handlers'
 * structured (JSON) lines by event name, `lines` every line as written, for tests that
 * pass them on to CloudWatch Logs as the Lambda runtime would.
 */
export function captureLogs() {
  const lines: CapturedLine[] = [];
  const parsed: Record<string, unknown>[] = [];
  const keep = (level: CapturedLine['level']) => (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    lines.push({ level, text });
    try {
      parsed.push(JSON.parse(String(args[0])));
    } catch {
      // not one of the handlers' JSON lines
    }
  };
  const log = mock.method(console, 'log', keep('INFO'));
  const error = mock.method(console, 'error', keep('ERROR'));
  return {
    lines,
    events: (name: string) => parsed.filter((l) => l.event === name),
    restore: () => {
      log.mock.restore();
      error.mock.restore();
    },
  };
}
