// Lambda's pollers, one per event source mapping found in the local AWS (ListEventSourceMappings),
// each with the mapping's own settings, read again while it runs; and the S3 notifications
// the emulator recorded, delivered as asynchronous invokes. The runtime knows no lab: a
// mapping made by hand behaves as the lab's.
//   SQS      long poll (20 s); batch of BatchSize; the queue's visibility timeout; delete on
//            success; ReportBatchItemFailures; a failed batch comes back after the timeout,
//            its receive count grown, so the queue's redrive policy applies. Five batches
//            at a time, more while the queue has more, up to ScalingConfig.MaximumConcurrency
//            (SQS_SCALING below).
//   streams  per shard, in order, from StartingPosition; BatchSize; MaximumRetryAttempts;
//            BisectBatchOnFunctionError; DestinationConfig.OnFailure gets Lambda's record.
//            Idle, it waits for the emulator's next stream record (a long poll on
//            /_poc/changes), not a timer: no record waits, and an idle stream costs nothing.
//   S3       asynchronous invoke: two retries after an error (AWS waits 1 then 2 minutes;
//            here 1 then 2 seconds, a local run should not take minutes).
// The retries' waits (not the polling) shrink with POC_BACKOFF_SCALE, as poc's own do: the
// tests prove five stream retries without waiting 12 s for them.
import { ListEventSourceMappingsCommand, type EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { backoffScale } from '../aws/retry.js';
import { CHANGES_WAIT_S, changes } from './changes.js';
import type { Functions, InvokeResult } from './functions.js';

const ASYNC_RETRY_MS = [1_000, 2_000];
/** After an error (a poller stopped, the emulator did not answer), the next try comes this much later (ms). */
const RETRY_MS = 1_000;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * How Lambda scales an SQS mapping (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html):
 * "When messages are available, Lambda starts processing five batches at a time with five
 * concurrent invocations of your function. If messages are still available, Lambda increases
 * the number of processes that are reading batches by up to 300 more instances per minute. The
 * maximum number of batches that an event source mapping can process simultaneously is 1,000.
 * When traffic is low, Lambda scales back the processing to five concurrent batches".
 * ScalingConfig.MaximumConcurrency (2 to 1000) "limits the number of concurrent instances that
 * the Amazon SQS event source can invoke" (API_ScalingConfig.html).
 */
export const SQS_SCALING = { startBatches: 5, maxBatches: 1000, growEveryMs: 60_000 / 300 };

/** The readers a mapping starts with and may grow to. */
function sqsBatches(m: EventSourceMappingConfiguration): { start: number; max: number } {
  const max = Math.min(m.ScalingConfig?.MaximumConcurrency ?? SQS_SCALING.maxBatches, SQS_SCALING.maxBatches);
  return { start: Math.min(SQS_SCALING.startBatches, max), max };
}

export interface PollerDeps {
  endpoint: string;
  functions: Functions;
  log: (text: string) => void;
  signal: AbortSignal;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const sqsClients = new Map<string, SQSClient>();
function sqsClient(endpoint: string, region: string) {
  let c = sqsClients.get(region);
  if (!c) sqsClients.set(region, (c = new SQSClient({ region, endpoint, credentials })));
  return c;
}

/** The queue URL of a queue ARN (arn:aws:sqs:region:account:name). */
async function queueUrlOf(endpoint: string, arn: string): Promise<{ url: string; client: SQSClient }> {
  const [, , , region, account, name] = arn.split(':');
  const client = sqsClient(endpoint, region!);
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
  return { url: QueueUrl!, client };
}

/** A DynamoDB Streams call (JSON protocol). poc has no Streams client among its dependencies; the protocol is four fields. */
async function streams<T>(endpoint: string, region: string, operation: string, input: object): Promise<T> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDBStreams_20120810.${operation}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as T & { __type?: string; message?: string };
  if (!res.ok) throw Object.assign(new Error(`${operation}: ${body.message ?? res.status}`), { name: String(body.__type ?? 'StreamsError').split('#').pop() });
  return body;
}

/** Every running poller by mapping UUID; `discover` starts new ones and stops those gone. */
export class Pollers {
  private readonly running = new Map<string, { mapping: EventSourceMappingConfiguration; stop: AbortController; done: Promise<void> }>();
  constructor(private readonly deps: PollerDeps) {}

  /** A poller stopped on an error since the last `discover`: `watch` looks again soon, to start it anew. */
  private failed = false;
  private wakeWatch = () => {};

  get count() {
    return this.running.size;
  }

  /**
   * Reads the mappings (`discover`), then again each time Lambda's API changed something (the
   * launcher's "lambda" counter, long-polled: nothing is read while nothing changes), and one
   * second after a poller stopped on an error. Resolves when the runtime stops.
   */
  async watch() {
    const { endpoint, signal, log } = this.deps;
    let mark = -1; // the counter as of the last discover
    while (!signal.aborted) {
      if (mark >= 0 && !this.failed) {
        const wake = new AbortController();
        this.wakeWatch = () => wake.abort();
        const waiting = AbortSignal.any([signal, wake.signal]);
        try {
          while (!waiting.aborted && (await changes(endpoint, 'lambda', mark, CHANGES_WAIT_S, waiting)) === mark);
        } catch (error) {
          if (!waiting.aborted) (log(`waiting for changes to the event source mappings: ${(error as Error).message}`), await sleep(RETRY_MS, signal));
        }
      }
      if (this.failed) await sleep(RETRY_MS, signal);
      if (signal.aborted) return;
      try {
        const now = await changes(endpoint, 'lambda', -1, 0, signal);
        const res = await fetch(`${endpoint}/_poc/regions`, { signal });
        const { regions } = (await res.json()) as { regions: { region: string }[] };
        await this.discover([...new Set(regions.map((r) => r.region))]);
        mark = now;
      } catch (error) {
        if (!signal.aborted) (log(`reading the event source mappings: ${(error as Error).message}`), await sleep(RETRY_MS, signal));
      }
    }
  }

  /** Reads the mappings of these regions and brings the pollers in line. */
  async discover(regions: string[]) {
    this.failed = false;
    const seen = new Set<string>();
    for (const region of regions) {
      let Marker: string | undefined;
      do {
        const page = await this.deps.functions.client(region).send(new ListEventSourceMappingsCommand({ Marker }));
        for (const m of page.EventSourceMappings ?? []) {
          seen.add(m.UUID!);
          const current = this.running.get(m.UUID!);
          if (current) {
            // Said when it happens, so that whoever disabled a trigger sees the runtime act on it.
            if (this.disabled(current.mapping) !== this.disabled(m)) this.deps.log(`${m.FunctionArn}: its trigger on ${m.EventSourceArn} is ${this.disabled(m) ? 'disabled: it delivers nothing until it is enabled again' : 'enabled again'}`);
            current.mapping = m;
          } else this.start(m);
        }
        Marker = page.NextMarker;
      } while (Marker);
    }
    for (const [uuid, p] of this.running) if (!seen.has(uuid)) (p.stop.abort(), this.running.delete(uuid));
  }

  private start(mapping: EventSourceMappingConfiguration) {
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, this.deps.signal]);
    const entry = { mapping, stop, done: Promise.resolve() };
    const live = () => entry.mapping;
    const service = mapping.EventSourceArn?.split(':')[2];
    const loop = service === 'sqs' ? () => this.sqs(live, signal) : service === 'dynamodb' ? () => this.stream(live, signal) : undefined;
    if (!loop) return;
    this.running.set(mapping.UUID!, entry);
    entry.done = loop().catch((error) => {
      if (!signal.aborted) {
        this.deps.log(`poller of ${mapping.EventSourceArn} stopped: ${(error as Error).message}`);
        this.failed = true;
        this.wakeWatch();
      }
      this.running.delete(mapping.UUID!);
    });
  }

  async close() {
    for (const p of this.running.values()) p.stop.abort();
    await Promise.all([...this.running.values()].map((p) => p.done));
    this.running.clear();
  }

  /** An invoke; the runtime's own failure to run it (no code, say) is logged and counts as the function's error. */
  private invoke(functionArn: string, event: unknown): Promise<InvokeResult> {
    return invokeLogged(this.deps, functionArn, event);
  }

  private disabled(m: EventSourceMappingConfiguration) {
    return m.State !== undefined && m.State !== 'Enabled' && m.State !== 'Creating' && m.State !== 'Updating';
  }

  // ---- SQS ----

  /** The mapping's readers of the queue, each a receive -> invoke -> delete loop, scaled as Lambda scales them (SQS_SCALING). */
  private async sqs(mapping: () => EventSourceMappingConfiguration, outer: AbortSignal) {
    const arn = mapping().EventSourceArn!;
    const queue = await queueUrlOf(this.deps.endpoint, arn);
    const failed = new AbortController();
    const signal = AbortSignal.any([outer, failed.signal]);
    const scaling = { readers: 0, grownAt: 0 };
    const readers = new Set<Promise<void>>();
    let failure: unknown;
    const add = () => {
      scaling.readers++;
      const reader: Promise<void> = this.sqsReader(mapping, queue, scaling, add, signal)
        .catch((error) => {
          failure ??= error;
          failed.abort();
        })
        .finally(() => readers.delete(reader));
      readers.add(reader);
    };
    for (let i = 0; i < sqsBatches(mapping()).start; i++) add();
    while (readers.size) await Promise.race(readers);
    if (failure && !outer.aborted) throw failure;
  }

  private async sqsReader(
    mapping: () => EventSourceMappingConfiguration,
    { url, client }: { url: string; client: SQSClient },
    scaling: { readers: number; grownAt: number },
    grow: () => void,
    signal: AbortSignal,
  ) {
    const arn = mapping().EventSourceArn!;
    const region = arn.split(':')[3]!;
    while (!signal.aborted) {
      const m = mapping();
      // MaximumConcurrency lowered while this runs: the readers beyond it stop.
      if (scaling.readers > sqsBatches(m).max) return void scaling.readers--;
      if (this.disabled(m)) {
        await sleep(1000, signal);
        continue;
      }
      const batch = Math.min(m.BatchSize ?? 10, 10);
      let messages: Message[];
      try {
        ({ Messages: messages = [] } = await client.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: batch, WaitTimeSeconds: 20, AttributeNames: ['All'], MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
          { abortSignal: signal },
        ));
      } catch (error) {
        if (signal.aborted) return;
        if ((error as { name?: string }).name?.includes('NonExistentQueue')) throw error;
        await sleep(1000, signal);
        continue;
      }
      if (!messages.length || signal.aborted || this.disabled(mapping())) {
        // Received and then stopped: give them back at once, as Lambda does when a mapping is disabled.
        if (messages.length) await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: messages.map((x, i) => ({ Id: String(i), ReceiptHandle: x.ReceiptHandle!, VisibilityTimeout: 0 })) })).catch(() => undefined);
        // The queue is quiet: back to the starting number of readers.
        else if (scaling.readers > sqsBatches(mapping()).start) return void scaling.readers--;
        continue;
      }
      // A full batch says the queue had more to give: one reader more, at Lambda's pace.
      const now = Date.now();
      if (messages.length === batch && scaling.readers < sqsBatches(m).max && now - scaling.grownAt >= SQS_SCALING.growEveryMs) {
        scaling.grownAt = now;
        grow();
      }
      const event = { Records: messages.map((x) => sqsRecord(x, arn, region)) };
      const outcome = await this.invoke(m.FunctionArn!, event);
      let done = messages;
      if (!outcome.ok) done = [];
      else if (m.FunctionResponseTypes?.includes('ReportBatchItemFailures')) {
        const failures = (outcome.result as { batchItemFailures?: { itemIdentifier?: string }[] } | null)?.batchItemFailures;
        if (Array.isArray(failures) && failures.length) {
          const ids = new Set(failures.map((f) => f.itemIdentifier));
          // An identifier that names no message of the batch fails the whole batch (Lambda's rule).
          done = failures.every((f) => f.itemIdentifier && messages.some((x) => x.MessageId === f.itemIdentifier)) ? messages.filter((x) => !ids.has(x.MessageId)) : [];
        }
      }
      if (done.length) {
        await client
          .send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: done.map((x, i) => ({ Id: String(i), ReceiptHandle: x.ReceiptHandle! })) }))
          .catch((error) => this.deps.log(`deleting messages from ${arn}: ${(error as Error).message}`));
      }
    }
  }

  // ---- DynamoDB streams ----

  private async stream(mapping: () => EventSourceMappingConfiguration, signal: AbortSignal) {
    const arn = mapping().EventSourceArn!;
    const region = arn.split(':')[3]!;
    const iterators = new Map<string, string | undefined>();
    // The stream counter as of the last look: a record written after it wakes the wait below.
    let mark = await changes(this.deps.endpoint, 'stream', -1, 0, signal);
    // The shards are read again after a wait or when one closes, not before every batch.
    let describe = true;
    while (!signal.aborted) {
      const m = mapping();
      if (this.disabled(m)) {
        await sleep(1000, signal);
        continue;
      }
      if (describe) {
        describe = false;
        const { StreamDescription } = await streams<{ StreamDescription: { Shards?: { ShardId: string }[] } }>(this.deps.endpoint, region, 'DescribeStream', { StreamArn: arn });
        for (const shard of StreamDescription.Shards ?? []) {
          if (iterators.has(shard.ShardId)) continue;
          const type = m.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON';
          const { ShardIterator } = await streams<{ ShardIterator: string }>(this.deps.endpoint, region, 'GetShardIterator', { StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: type });
          iterators.set(shard.ShardId, ShardIterator);
        }
      }
      let got = 0;
      for (const [shardId, iterator] of iterators) {
        if (!iterator || signal.aborted) continue;
        const page = await streams<{ Records?: StreamRecord[]; NextShardIterator?: string }>(this.deps.endpoint, region, 'GetRecords', { ShardIterator: iterator, Limit: m.BatchSize ?? 100 });
        iterators.set(shardId, page.NextShardIterator);
        // A closed shard: its children are new shards.
        if (!page.NextShardIterator) describe = true;
        const records = (page.Records ?? []).map((r) => ({ ...r, awsRegion: region, eventSourceARN: arn }));
        got += records.length;
        // In order: the shard's next batch waits until this one is done (or given up).
        if (records.length) await this.streamBatch(m, shardId, records, 0, signal);
      }
      if (!got && !signal.aborted) {
        describe = true;
        mark = await changes(this.deps.endpoint, 'stream', mark, CHANGES_WAIT_S, signal).catch((error) => {
          if (signal.aborted) return mark;
          throw error;
        });
      }
    }
  }

  private async streamBatch(m: EventSourceMappingConfiguration, shardId: string, records: StreamRecord[], retries: number, signal: AbortSignal): Promise<void> {
    for (let attempt = retries; !signal.aborted; attempt++) {
      const outcome = await this.invoke(m.FunctionArn!, { Records: records });
      if (outcome.ok) {
        // ReportBatchItemFailures: the batch is retried from the first record reported failed
        // (by its SequenceNumber); an identifier that names none fails the whole batch.
        const failures = m.FunctionResponseTypes?.includes('ReportBatchItemFailures') ? (outcome.result as { batchItemFailures?: { itemIdentifier?: string }[] } | null)?.batchItemFailures : undefined;
        if (!Array.isArray(failures) || !failures.length) return;
        const at = failures.map((f) => records.findIndex((r) => r.dynamodb.SequenceNumber === f.itemIdentifier));
        records = records.slice(at.some((i) => i < 0) ? 0 : Math.min(...at));
      }
      const max = m.MaximumRetryAttempts ?? -1;
      // Splitting a batch in two does not count against the retries (Lambda's rule); each half carries on.
      if (m.BisectBatchOnFunctionError && records.length > 1) {
        const half = Math.ceil(records.length / 2);
        await this.streamBatch(m, shardId, records.slice(0, half), attempt, signal);
        await this.streamBatch(m, shardId, records.slice(half), attempt, signal);
        return;
      }
      if (max !== -1 && attempt >= max) {
        await this.onFailure(m, shardId, records, attempt + 1, outcome);
        return;
      }
      // Lambda retries a stream batch with a growing backoff (not documented further): 0.5 s doubling to 5 s.
      await sleep(Math.min(500 * 2 ** (attempt - retries), 5_000) * backoffScale(), signal);
    }
  }

  /** Lambda's on-failure record for a stream batch given up, sent to the mapping's destination queue. */
  private async onFailure(m: EventSourceMappingConfiguration, shardId: string, records: StreamRecord[], invokeCount: number, outcome: InvokeResult) {
    const destination = m.DestinationConfig?.OnFailure?.Destination;
    this.deps.log(`${m.FunctionArn}: gave up a batch of ${records.length} record(s) of ${m.EventSourceArn} after ${invokeCount} attempts${destination ? `, sent to ${destination}` : ''}`);
    if (!destination?.startsWith('arn:aws:sqs:')) return;
    const first = records[0]!.dynamodb;
    const last = records[records.length - 1]!.dynamodb;
    const arrival = (r: StreamRecord['dynamodb']) => new Date(Number(r.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
    const record = {
      requestContext: { requestId: crypto.randomUUID(), functionArn: m.FunctionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: invokeCount },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: outcome.functionError ?? 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber,
        endSequenceNumber: last.SequenceNumber,
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: m.EventSourceArn,
      },
    };
    try {
      const { url, client } = await queueUrlOf(this.deps.endpoint, destination);
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(record) }));
    } catch (error) {
      this.deps.log(`sending the on-failure record to ${destination}: ${(error as Error).message}`);
    }
  }
}

interface StreamRecord {
  eventID?: string;
  eventName?: string;
  dynamodb: { SequenceNumber?: string; ApproximateCreationDateTime?: number | string };
  [key: string]: unknown;
}

/** An SQS message as Lambda puts it in the event. */
function sqsRecord(x: Message, arn: string, region: string) {
  const messageAttributes: Record<string, object> = {};
  for (const [name, a] of Object.entries(x.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      stringValue: a.StringValue,
      binaryValue: a.BinaryValue ? Buffer.from(a.BinaryValue).toString('base64') : undefined,
      stringListValues: a.StringListValues ?? [],
      binaryListValues: (a.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: a.DataType,
    };
  }
  return {
    messageId: x.MessageId,
    receiptHandle: x.ReceiptHandle,
    body: x.Body,
    attributes: x.Attributes ?? {},
    messageAttributes,
    md5OfBody: x.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}

function invokeLogged(deps: PollerDeps, functionArn: string, event: unknown): Promise<InvokeResult> {
  return deps.functions.invoke(functionArn, event).catch((error: Error) => {
    deps.log(`could not invoke ${functionArn}: ${error.message}`);
    return { ok: false, error: { errorType: (error as { name?: string }).name ?? 'InvokeError', errorMessage: error.message } };
  });
}

/** S3 notifications to Lambda, as the emulator recorded them, run as asynchronous invokes. */
export async function deliverS3Events(deps: PollerDeps & { moto: string }) {
  let after = 0;
  while (!deps.signal.aborted) {
    let items: { seq: number; functionArn: string; event: unknown }[];
    try {
      const res = await fetch(`${deps.moto}/_poc/s3-events?after=${after}&wait=20`, { signal: deps.signal });
      const doc = (await res.json()) as { items: typeof items; next: number };
      items = doc.items;
      // After a reset the sequence goes on: nothing is delivered twice.
      after = doc.next;
    } catch {
      if (deps.signal.aborted) return;
      await sleep(1000, deps.signal);
      continue;
    }
    for (const item of items) void asyncInvoke(deps, item.functionArn, item.event);
  }
}

async function asyncInvoke(deps: PollerDeps, functionArn: string, event: unknown) {
  for (let attempt = 0; attempt <= ASYNC_RETRY_MS.length && !deps.signal.aborted; attempt++) {
    if (attempt) await sleep(ASYNC_RETRY_MS[attempt - 1]! * backoffScale(), deps.signal);
    const outcome = await invokeLogged(deps, functionArn, event);
    if (outcome.ok) return;
    if (outcome.error?.errorType === 'ResourceNotFoundException') return;
  }
  deps.log(`${functionArn}: an asynchronous invoke failed three times; the event is dropped (no on-failure destination)`);
}
