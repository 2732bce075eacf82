// What a function prints, in its CloudWatch log group (/aws/lambda/<name>), one log stream
// per execution environment named as Lambda names them (2026/01/31/[$LATEST]<hex>), with
// Lambda's START / END / REPORT lines, so that `poc logs` and the --wait commands read
// the local AWS as they read AWS. Lines are sent in batches (PutLogEvents), as Lambda does.
import { randomBytes } from 'node:crypto';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

const FLUSH_MS = 100;

export class LogStream {
  readonly group: string;
  readonly name: string;
  private pending: { timestamp: number; message: string }[] = [];
  private ready: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: CloudWatchLogsClient,
    functionName: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.group = `/aws/lambda/${functionName}`;
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    this.name = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
  }

  line(message: string, timestamp = Date.now()) {
    this.pending.push({ timestamp, message });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Sends what is buffered; resolves once CloudWatch Logs has it. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (!batch.length) return this.sending;
    this.sending = this.sending.then(async () => {
      try {
        this.ready ??= this.create();
        await this.ready;
        await this.client.send(new PutLogEventsCommand({ logGroupName: this.group, logStreamName: this.name, logEvents: batch }));
      } catch (error) {
        this.ready = undefined;
        this.onError(error);
      }
    });
    return this.sending;
  }

  private async create() {
    // The group as Lambda makes it on first use (it stays when it exists: poc's setup makes it with a retention).
    await this.client.send(new CreateLogGroupCommand({ logGroupName: this.group })).catch((error) => {
      if ((error as { name?: string }).name !== 'ResourceAlreadyExistsException') throw error;
    });
    await this.client.send(new CreateLogStreamCommand({ logGroupName: this.group, logStreamName: this.name }));
  }
}

/** Lambda's REPORT line. */
export function reportLine(id: string, ms: number, memory: number, usedMb: number, initMs?: number, status?: string): string {
  return [
    `REPORT RequestId: ${id}`,
    `Duration: ${ms.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(ms + (initMs ?? 0))} ms`,
    `Memory Size: ${memory} MB`,
    `Max Memory Used: ${usedMb} MB`,
    ...(initMs !== undefined ? [`Init Duration: ${initMs.toFixed(2)} ms`] : []),
    ...(status ? [`Status: ${status}`] : []),
  ].join('\t');
}
