// A DynamoDB table and its stream (the order lab's tasks 2 and 5): two resources on one AWS object,
// because the lab builds and checks them as separate steps.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { errorMessage, hasCode } from '../aws/errors.js';
import { retryWhile, STATE_POLL, TABLE_POLL, WAIT_SECONDS, watchedWait } from '../aws/retry.js';
import { forget, readOnce, reason, type Ctx, type Reason, type Resource } from '../engine/resource.js';
import { consoleHome, enc } from './console-links.js';
import { tagList } from './tags.js';

export interface ObservedTable {
  arn: string;
  status: string;
  partitionKey: string;
  partitionKeyType: string;
  /** The sort (RANGE) key, '' when the table has none. */
  sortKey: string;
  sortKeyType: string;
  billingMode: string;
  itemCount: number;
  streamEnabled: boolean;
  streamViewType?: string;
  streamArn?: string;
}

const describeKey = (name: string) => `dynamodb:DescribeTable:${name}`;

export async function describeTable(ctx: Ctx, name: string): Promise<ObservedTable | undefined> {
  return readOnce(ctx, describeKey(name), async () => {
    const dynamodb = await ctx.aws.client('dynamodb');
    try {
      const { Table } = await dynamodb.describeTable({ TableName: name });
      return fromDescription(Table!);
    } catch (error) {
      if (hasCode(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  });
}

function fromDescription(t: TableDescription): ObservedTable {
  const hash = t.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '';
  const range = t.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName ?? '';
  const enabled = t.StreamSpecification?.StreamEnabled === true;
  return {
    arn: t.TableArn!,
    status: t.TableStatus ?? 'UNKNOWN',
    partitionKey: hash,
    partitionKeyType: t.AttributeDefinitions?.find((a) => a.AttributeName === hash)?.AttributeType ?? '',
    sortKey: range,
    sortKeyType: range ? (t.AttributeDefinitions?.find((a) => a.AttributeName === range)?.AttributeType ?? '') : '',
    billingMode: t.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
    itemCount: t.ItemCount ?? 0,
    streamEnabled: enabled,
    streamViewType: enabled ? t.StreamSpecification?.StreamViewType : undefined,
    streamArn: enabled ? t.LatestStreamArn : undefined,
  };
}

async function waitActive(ctx: Ctx, name: string): Promise<ObservedTable> {
  const { waitUntilTableExists } = await import('../aws/sdk/dynamodb.js');
  ctx.note(`waiting for table ${name} to be ACTIVE`);
  // The waiter succeeds on TableStatus ACTIVE, which is also what UpdateTable needs.
  await watchedWait(await ctx.aws.client('dynamodb'), `table ${name} to be ACTIVE`, ctx.signal, (client, abortSignal) =>
    waitUntilTableExists({ client, maxWaitTime: WAIT_SECONDS.table, minDelay: TABLE_POLL.minDelay, maxDelay: TABLE_POLL.maxDelay, abortSignal }, { TableName: name }),
  );
  forget(ctx, describeKey(name));
  return (await describeTable(ctx, name))!;
}

export interface TableSpec {
  key: string;
  task: number;
  name: string;
  partitionKey: string;
  /** A sort key (String), for a table whose items are found by two values (the inventory's Store and Item). */
  sortKey?: string;
}

export interface DesiredTable {
  partitionKey: string;
  sortKey?: string;
}

const keysText = (partition: string, sort?: string) => `partition key ${partition} (String)${sort ? ` and sort key ${sort} (String)` : ''}`;

export function dynamodbTable(spec: TableSpec): Resource<DesiredTable, ObservedTable> {
  return {
    key: spec.key,
    task: spec.task,
    type: 'dynamodb-table',
    name: spec.name,
    needs: [],
    desired: () => ({ partitionKey: spec.partitionKey, ...(spec.sortKey ? { sortKey: spec.sortKey } : {}) }),
    observe: (ctx) => describeTable(ctx, spec.name),
    diff(desired, observed) {
      const reasons: Reason[] = [];
      if (observed.partitionKey !== desired.partitionKey || observed.partitionKeyType !== 'S') {
        reasons.push(reason('partition-key', `its partition key is ${observed.partitionKey} (${observed.partitionKeyType}), want ${desired.partitionKey} (String)`));
      }
      if (observed.sortKey !== (desired.sortKey ?? '') || (desired.sortKey && observed.sortKeyType !== 'S')) {
        reasons.push(
          reason('sort-key', observed.sortKey ? `its sort key is ${observed.sortKey} (${observed.sortKeyType})${desired.sortKey ? `, want ${desired.sortKey} (String)` : ', want none'}` : `it has no sort key, want ${desired.sortKey} (String)`),
        );
      }
      if (observed.status !== 'ACTIVE') reasons.push(reason('not-active', `it is ${observed.status}, not yet ACTIVE`));
      return reasons;
    },
    async ensure(ctx, desired, observed) {
      if (observed && (observed.partitionKey !== desired.partitionKey || observed.sortKey !== (desired.sortKey ?? ''))) {
        const { AwsFailure } = await import('../errors.js');
        throw new AwsFailure(
          `Table ${spec.name} exists with ${keysText(observed.partitionKey, observed.sortKey)}; the lab needs ${keysText(desired.partitionKey, desired.sortKey)}, and a key cannot be changed.`,
          // Only this table: cleanup would delete the whole lab.
          `Delete just this table (\`${(ctx.suggestAws ?? ((c: string) => `aws ${c}`))(`dynamodb delete-table --table-name ${spec.name}`)}\`, or in the DynamoDB console), then run \`${(ctx.suggest ?? ((c: string) => `poc ${c}`))('setup')}\` again.`,
        );
      }
      if (!observed) {
        const dynamodb = await ctx.aws.client('dynamodb');
        forget(ctx, describeKey(spec.name));
        await dynamodb.createTable({
          TableName: spec.name,
          AttributeDefinitions: [desired.partitionKey, ...(desired.sortKey ? [desired.sortKey] : [])].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
          KeySchema: [{ AttributeName: desired.partitionKey, KeyType: 'HASH' }, ...(desired.sortKey ? [{ AttributeName: desired.sortKey, KeyType: 'RANGE' as const }] : [])],
          // On-demand: a lab's few orders cost next to nothing and nothing is billed while idle.
          BillingMode: 'PAY_PER_REQUEST',
          Tags: tagList(ctx.tags),
        });
      }
      return waitActive(ctx, spec.name);
    },
    async destroy(ctx) {
      const dynamodb = await ctx.aws.client('dynamodb');
      const current = await describeTable(ctx, spec.name);
      if (!current) return 'absent';
      if (current.status !== 'ACTIVE' && current.status !== 'DELETING') await waitActive(ctx, spec.name);
      try {
        await dynamodb.deleteTable({ TableName: spec.name });
      } catch (error) {
        if (hasCode(error, 'ResourceNotFoundException')) return 'absent';
        throw error;
      }
      const { waitUntilTableNotExists } = await import('../aws/sdk/dynamodb.js');
      ctx.note(`waiting for table ${spec.name} to be deleted`);
      await watchedWait(dynamodb, `table ${spec.name} to be deleted`, ctx.signal, (client, abortSignal) =>
        waitUntilTableNotExists({ client, maxWaitTime: WAIT_SECONDS.tableDeleted, minDelay: TABLE_POLL.minDelay, maxDelay: TABLE_POLL.maxDelay, abortSignal }, { TableName: spec.name }),
      );
      forget(ctx, describeKey(spec.name));
      return 'deleted';
    },
    id: (observed) => observed.arn,
    details: (observed) => ({ status: observed.status, items: observed.itemCount, billing: observed.billingMode }),
    summary: (observed) => `${observed.itemCount} items (approximate, refreshed by AWS about every 6 hours)`,
    consoleLink: (region) => `${consoleHome(region, 'dynamodbv2')}/home?region=${region}#table?name=${enc(spec.name)}`,
  };
}

/**
 * Enabling a stream on a table that has one: the DynamoDB API reference (UpdateTable,
 * StreamSpecification) says ValidationException, and AWS answers "Table already has an
 * enabled stream: TableName: ..."; moto answers ResourceInUseException "Cannot enable stream".
 */
export function streamAlreadyEnabled(error: unknown): boolean {
  const message = errorMessage(error);
  return (hasCode(error, 'ValidationException') && /already has an enabled stream/i.test(message)) || (hasCode(error, 'ResourceInUseException') && /Cannot enable stream/i.test(message));
}

/**
 * UpdateTable while the table is UPDATING (its previous change, or another run's, still under
 * way): ResourceInUseException, "wait for the ongoing update to complete and attempt the
 * request again" (DynamoDB API reference, UpdateTable and ResourceInUseException). Not the
 * stream-already-enabled answer moto gives under the same code (streamAlreadyEnabled).
 */
function tableBusy(error: unknown, table: string): string | undefined {
  return hasCode(error, 'ResourceInUseException') && !streamAlreadyEnabled(error) ? `table ${table} to finish its current update` : undefined;
}

export interface StreamSpec {
  key: string;
  task: number;
  table: { key: string; name: string };
  viewType: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'OLD_IMAGE';
  /** Why the lab needs this view type, said when it differs. */
  viewTypeWhy?: string;
}

export interface ObservedStream {
  arn: string;
  viewType: string;
}

export function dynamodbStream(spec: StreamSpec): Resource<{ viewType: string }, ObservedStream> {
  const table = spec.table.name;
  async function setStream(ctx: Ctx, enabled: boolean) {
    const dynamodb = await ctx.aws.client('dynamodb');
    forget(ctx, describeKey(table));
    try {
      await retryWhile(
        () =>
          dynamodb.updateTable({
            TableName: table,
            StreamSpecification: enabled ? { StreamEnabled: true, StreamViewType: spec.viewType } : { StreamEnabled: false },
          }),
        (error) => tableBusy(error, table),
        STATE_POLL,
        ctx.note,
        ctx.signal,
      );
    } catch (error) {
      // A retried call whose first answer was lost finds the stream already switched off.
      if (!enabled && hasCode(error, 'ValidationException') && /not enabled|already (been )?disabled|no stream/i.test(errorMessage(error))) return waitActive(ctx, table);
      // ... or already on (our own lost answer, or another run of the same prefix): look
      // again, as a create that meets "already exists" does, and accept it if it is the lab's.
      if (!(enabled && streamAlreadyEnabled(error))) throw error;
      forget(ctx, describeKey(table));
      const now = await describeTable(ctx, table);
      if (!now?.streamEnabled || now.streamViewType !== spec.viewType) throw error;
    }
    return waitActive(ctx, table);
  }
  return {
    key: spec.key,
    task: spec.task,
    type: 'dynamodb-stream',
    name: `${table} stream`,
    needs: [spec.table.key],
    // DeleteTable disables the table's stream, and DynamoDB deletes it 24 hours later
    // (DeleteTable, API reference): turning it off first would only wait out an UPDATING table.
    goesWith: spec.table.key,
    desired: () => ({ viewType: spec.viewType }),
    async observe(ctx) {
      const t = await describeTable(ctx, table);
      return t?.streamEnabled && t.streamArn ? { arn: t.streamArn, viewType: t.streamViewType ?? '' } : undefined;
    },
    diff: (desired, observed) =>
      observed.viewType === desired.viewType ? [] : [reason('view-type', `its view type is ${observed.viewType}, want ${desired.viewType}${spec.viewTypeWhy ? ` (${spec.viewTypeWhy})` : ''}`)],
    async ensure(ctx, _desired, observed) {
      // DynamoDB cannot change the view type of an enabled stream: turn it off, then on.
      // The stream gets a new ARN; the trigger that read the old one is repaired after this.
      if (observed) await setStream(ctx, false);
      const after = await setStream(ctx, true);
      return { arn: after.streamArn!, viewType: after.streamViewType! };
    },
    async destroy(ctx) {
      const t = await describeTable(ctx, table);
      if (!t?.streamEnabled) return 'absent';
      await setStream(ctx, false);
      return 'deleted';
    },
    id: (observed) => observed.arn,
    details: (observed) => ({ viewType: observed.viewType }),
    summary: (observed) => `${observed.viewType} ${observed.arn}`,
    consoleLink: (region) => `${consoleHome(region, 'dynamodbv2')}/home?region=${region}#table?name=${enc(table)}&tab=exports-and-streams`,
  };
}
