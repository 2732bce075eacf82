// Follows one order through the pipeline, hop by hop. The order's ID in the table is
// its SQS MessageId (see handlers/orders/lambda-1.ts), so every hop can be looked up by it:
//   taken from the queue   POC-Lambda-1 logged a line naming the MessageId
//   item in orders         GetItem on the table (strongly consistent)
//   notification published POC-Lambda-2 logged "order-announced" for it
// The functions' own log lines are the most direct evidence AWS keeps of what a function
// did, and they need nothing extra set up (an extra subscription would have to be made,
// permitted and cleaned up). CloudWatch Logs takes a few seconds to show new lines.
import { toPocError } from '../../aws/errors.js';
import { sleep } from '../../aws/retry.js';
import { queueUrl } from '../../resources/sqs-queue.js';
import { readLogEvents } from '../../resources/log-group.js';
import type { Session, TryItTools } from '../lab.js';
import type { LabNames } from './names.js';

export interface Hop {
  name: string;
  reached: boolean;
  /** Seconds since the order was sent. */
  seconds?: number;
  detail?: string;
  hint: string;
}

const POLL_MS = 2_000;

export async function follow(session: Session, messageId: string, started: number, timeoutSeconds: number, deps: Pick<TryItTools, 'signal' | 'progress'>): Promise<Hop[]> {
  const { ctx } = session;
  const names = session.names as LabNames;
  const poc = ctx.suggest ?? ((c: string) => `poc ${c}`);
  const deadline = started + timeoutSeconds * 1000;
  const since = started - 60_000;
  const elapsed = () => Math.round((Date.now() - started) / 100) / 10;
  const mentions = async (group: string, event?: string) =>
    (await readLogEvents(ctx, group, since, `"${messageId}"`))?.find((e) => e.message.includes(messageId) && (!event || e.message.includes(`"${event}"`)));

  const hops: { name: string; hint: string; check: () => Promise<string | false> }[] = [
    {
      name: 'taken from the queue',
      hint: `${names.function1} has not logged it. Check its SQS trigger with \`${poc('status')}\` and its log with \`${poc('logs 1')}\`; the order may still be waiting in ${names.queue}.`,
      check: async () => {
        const line = await mentions(names.logGroup1);
        if (!line) return false;
        if (line.message.includes('order-rejected')) throw new OrderRejected(`${names.function1} rejected the order: ${line.message}`);
        return `${names.function1} took it`;
      },
    },
    {
      name: `item in ${names.table}`,
      hint: `${names.function1} took the order but did not write it: \`${poc('logs 1')}\` shows why (for example a permission on the table).`,
      check: async () => {
        const dynamodb = await ctx.aws.client('dynamodb');
        const { Item } = await dynamodb.getItem({ TableName: names.table, Key: { orderID: { S: messageId } }, ConsistentRead: true });
        return Item ? `orderID ${messageId}` : false;
      },
    },
    {
      name: 'notification published',
      hint: `The order is in ${names.table} but ${names.function2} has not announced it: check the stream trigger with \`${poc('status')}\` and \`${poc('logs 2')}\`.`,
      check: async () => ((await mentions(names.logGroup2, 'order-announced')) ? `${names.function2} published it to ${names.topic}; check the inbox of the confirmed subscription` : false),
    },
  ];

  const result: Hop[] = [{ name: 'accepted', reached: true, seconds: elapsed(), detail: `MessageId ${messageId}`, hint: '' }];
  deps.progress?.(`accepted (${elapsed()}s)`);
  let blocked = false;
  for (const hop of hops) {
    if (blocked) {
      result.push({ name: hop.name, reached: false, hint: hop.hint });
      continue;
    }
    let detail: string | false = false;
    for (;;) {
      try {
        detail = await hop.check();
      } catch (error) {
        // Only an order found in the dead-letter queue is reported as being there; any other error is reported as it is.
        if (error instanceof OrderRejected) {
          const inDlq = await inDeadLetterQueue(session, messageId).catch(() => false);
          result.push({
            name: hop.name,
            reached: false,
            detail: error.message,
            hint: inDlq
              ? `The order is in ${names.deadLetterQueue} (it failed every retry); fix the order and send it again.`
              : `${names.function1} will retry it; after 5 failed receives it moves to ${names.deadLetterQueue}. Fix the order and send it again.`,
          });
        } else {
          const failure = toPocError(error, `Following the order (${hop.name})`);
          result.push({ name: hop.name, reached: false, detail: failure.message, hint: failure.hint ?? '' });
        }
        blocked = true;
        break;
      }
      if (detail || Date.now() >= deadline || deps.signal?.aborted) break;
      deps.progress?.(`waiting: ${hop.name} (${elapsed()}s)`);
      await sleep(POLL_MS);
    }
    if (blocked) continue;
    if (detail) {
      result.push({ name: hop.name, reached: true, seconds: elapsed(), detail, hint: '' });
      deps.progress?.(`${hop.name} (${elapsed()}s)`);
    } else {
      result.push({ name: hop.name, reached: false, hint: hop.hint });
      blocked = true;
    }
  }
  return result;
}

/** POC-Lambda-1 logged that it rejected the order (not valid JSON object, etc.). */
class OrderRejected extends Error {}

/** Looks at the dead-letter queue without taking anything from it (visibility timeout 0). */
async function inDeadLetterQueue(session: Session, messageId: string): Promise<boolean> {
  const { ctx, names } = session;
  const url = await queueUrl(ctx, names.deadLetterQueue);
  if (!url) return false;
  const sqs = await ctx.aws.client('sqs');
  const { Messages = [] } = await sqs.receiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 });
  return Messages.some((m) => m.MessageId === messageId);
}
