// A Lambda trigger (event source mapping). Found by function and kind of source, so a
// re-run reuses the one that exists, a duplicate is removed, and a trigger still
// reading an old stream (its ARN changes when the stream is re-enabled) is replaced.
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { hasCode, unlessGone } from '../aws/errors.js';
import { allPages } from '../aws/pages.js';
import { PROPAGATION, pollUntil, retryWhile, STATE_POLL } from '../aws/retry.js';
import { reason, type Ctx, type Reason, type Resource } from '../engine/resource.js';
import { consoleHome, enc } from './console-links.js';
import { lambdaWaitReason } from './lambda-function.js';

export type SourceKind = 'sqs' | 'dynamodb-stream';

export interface MappingSpec {
  key: string;
  task: number;
  functionName: string;
  kind: SourceKind;
  needs: string[];
  /** The queue or stream ARN; undefined while the source does not exist. */
  source(ctx: Ctx): string | undefined;
  batchSize: number;
  startingPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** Handlers report failed records so only those are retried. */
  reportBatchItemFailures: boolean;
  /** Streams only: without a bound, one failing record blocks its shard until it expires (24 h). */
  maximumRetryAttempts?: number;
  /**
   * Streams only (Lambda applies DestinationConfig to Kinesis, DynamoDB Streams and Kafka
   * sources): the SQS queue or SNS topic that receives a record of each batch the trigger
   * gives up on. Lambda sends an invocation record (the shard and the first and last
   * sequence numbers of the batch, the error), not the records themselves; without one the
   * batch is dropped without a trace. The function's execution role needs sqs:SendMessage
   * (or sns:Publish) on it.
   */
  onFailure?(ctx: Ctx): string | undefined;
  /** Streams only: a failing batch is split in two and each half retried, so one bad record does not sink its neighbours. */
  bisectOnError?: boolean;
  /** What one record is in the lab's words (the order lab's "order"), for check's advice. */
  record?: string;
}

export interface DesiredMapping {
  source: string | undefined;
  batchSize: number;
  responseTypes: string[];
  maximumRetryAttempts?: number;
  /** The on-failure destination's ARN, when the lab wants one (streams only). */
  onFailure?: string;
  bisectOnError?: boolean;
}

export interface ObservedMapping {
  /** Every trigger of this kind on the function (normally one). */
  mappings: {
    uuid: string;
    source: string;
    state: string;
    batchSize: number;
    responseTypes: string[];
    maximumRetryAttempts?: number;
    onFailure?: string;
    bisectOnError?: boolean;
  }[];
}

const ofKind = (kind: SourceKind, arn: string) => (kind === 'sqs' ? arn.includes(':sqs:') : arn.includes(':dynamodb:') && arn.includes('/stream/'));

function summary(m: EventSourceMappingConfiguration) {
  return {
    uuid: m.UUID!,
    source: m.EventSourceArn ?? '',
    state: m.State ?? '',
    batchSize: m.BatchSize ?? 0,
    responseTypes: m.FunctionResponseTypes ?? [],
    maximumRetryAttempts: m.MaximumRetryAttempts,
    onFailure: m.DestinationConfig?.OnFailure?.Destination || undefined,
    bisectOnError: m.BisectBatchOnFunctionError,
  };
}

/** The stream-only settings, sent only when the lab sets them (Lambda refuses them on an SQS trigger). */
function streamSettings(desired: DesiredMapping) {
  return {
    ...(desired.onFailure ? { DestinationConfig: { OnFailure: { Destination: desired.onFailure } } } : {}),
    ...(desired.bisectOnError !== undefined ? { BisectBatchOnFunctionError: desired.bisectOnError } : {}),
  };
}

async function list(ctx: Ctx, functionName: string, kind: SourceKind) {
  return (await listAll(ctx, functionName)).filter((m) => m.State !== 'Deleting' && ofKind(kind, m.EventSourceArn ?? '')).map(summary);
}

async function listAll(ctx: Ctx, functionName: string): Promise<EventSourceMappingConfiguration[]> {
  const [client, { paginateListEventSourceMappings }] = await Promise.all([ctx.aws.client('lambda'), import('../aws/sdk/lambda.js')]);
  let found: EventSourceMappingConfiguration[];
  try {
    found = await allPages(paginateListEventSourceMappings({ client }, { FunctionName: functionName }), (p) => p.EventSourceMappings);
  } catch (error) {
    if (hasCode(error, 'ResourceNotFoundException')) return [];
    throw error;
  }
  return found;
}

/**
 * Lambda refuses to delete (or change) a trigger that is Creating or Updating with
 * ResourceInUseException (Lambda API reference: "you tried to update an event source mapping
 * in the CREATING state, or you tried to delete an event source mapping currently UPDATING"):
 * wait for it to settle, then delete. A deleted one is Deleting "for several seconds".
 */
async function deleteMapping(ctx: Ctx, uuid: string): Promise<void> {
  const lambda = await ctx.aws.client('lambda');
  try {
    await retryWhile(() => lambda.deleteEventSourceMapping({ UUID: uuid }), lambdaWaitReason, STATE_POLL, ctx.note, ctx.signal);
  } catch (error) {
    if (!hasCode(error, 'ResourceNotFoundException')) throw error;
  }
}

export function eventSourceMapping(spec: MappingSpec): Resource<DesiredMapping, ObservedMapping> {
  const label = spec.kind === 'sqs' ? 'SQS trigger' : 'stream trigger';
  const keep = (desired: DesiredMapping, observed: ObservedMapping) => observed.mappings.find((m) => m.source === desired.source);

  /** Waits until the trigger is Enabled; false when it is gone or going (another run deleted it: see settle). */
  async function waitEnabled(ctx: Ctx, uuid: string): Promise<boolean> {
    const lambda = await ctx.aws.client('lambda');
    let gone = false;
    await pollUntil(
      async () => {
        const found = await unlessGone(lambda.getEventSourceMapping({ UUID: uuid }), 'ResourceNotFoundException');
        gone = !found || found.State === 'Deleting';
        return gone || found?.State === 'Enabled' ? true : `the ${label} of ${spec.functionName} to be Enabled (it is ${found?.State})`;
      },
      STATE_POLL,
      ctx.note,
      ctx.signal,
    );
    return !gone;
  }

  /**
   * Lambda refuses a second trigger for one function and source (409 ResourceConflictException
   * "... provided mapping already exists ... UUID ...", which the walk settles by looking
   * again), but an emulator (moto, so poc's local AWS) makes one: two setups of one prefix at
   * once would each make one, and every order would be handled twice. So after a create the
   * triggers of this source are listed again and only the one with the smallest UUID is
   * kept, whoever made the others: every run that sees both keeps the same one, and the one
   * every run keeps is never deleted. Returns the one kept.
   */
  async function settle(ctx: Ctx, source: string, made: string): Promise<string> {
    const same = (await list(ctx, spec.functionName, spec.kind)).filter((m) => m.source === source).map((m) => m.uuid).sort();
    const kept = same[0] ?? made;
    for (const uuid of same.slice(1)) await deleteMapping(ctx, uuid);
    if (same.length > 1) ctx.note(`${same.length} ${label}s for one source: another setup of this lab made one at the same time; kept ${kept}, deleted ${same.slice(1).join(', ')}`);
    else if (kept !== made) ctx.note(`another setup of this lab made the same ${label} at the same time and kept its own (${kept}); this run's is deleted`);
    return kept;
  }

  return {
    key: spec.key,
    task: spec.task,
    type: 'event-source-mapping',
    name: `${spec.functionName} ${label}`,
    needs: spec.needs,
    desired: (ctx) => ({
      source: spec.source(ctx),
      batchSize: spec.batchSize,
      responseTypes: spec.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
      maximumRetryAttempts: spec.maximumRetryAttempts,
      ...(spec.onFailure ? { onFailure: spec.onFailure(ctx) } : {}),
      ...(spec.bisectOnError !== undefined ? { bisectOnError: spec.bisectOnError } : {}),
    }),
    async observe(ctx) {
      const mappings = await list(ctx, spec.functionName, spec.kind);
      return mappings.length ? { mappings } : undefined;
    },
    diff(desired, observed) {
      const reasons: Reason[] = [];
      const current = keep(desired, observed);
      if (!desired.source) reasons.push(reason('source-missing', `its source does not exist yet`));
      else if (!current) reasons.push(reason('wrong-source', `it reads ${observed.mappings[0].source.split(':').slice(5).join(':')}, not the lab’s ${spec.kind === 'sqs' ? 'queue' : 'current stream'}`));
      if ('onFailure' in desired && !desired.onFailure) reasons.push(reason('failure-destination-missing', 'its on-failure destination does not exist yet'));
      if (observed.mappings.length > 1) reasons.push(reason('duplicates', `${observed.mappings.length} ${label}s exist; want one`));
      if (current) {
        if (current.state === 'Disabled') reasons.push(reason('disabled', 'it is disabled'));
        if (current.batchSize !== desired.batchSize) reasons.push(reason('batch-size', `its batch size is ${current.batchSize}, want ${desired.batchSize}`, 'warning'));
        if (desired.responseTypes.join() !== current.responseTypes.join()) reasons.push(reason('no-batch-failures', 'it does not let the function report failed records (ReportBatchItemFailures)', 'warning'));
        if (desired.maximumRetryAttempts !== undefined && current.maximumRetryAttempts !== desired.maximumRetryAttempts) {
          reasons.push(reason('retries', `it retries a failing record ${current.maximumRetryAttempts === -1 || current.maximumRetryAttempts === undefined ? 'until it expires' : `${current.maximumRetryAttempts} times`}, want ${desired.maximumRetryAttempts}`, 'warning'));
        }
        if (desired.onFailure && current.onFailure !== desired.onFailure) {
          reasons.push(
            current.onFailure
              ? reason('failure-destination', `it sends a record of failed batches to ${current.onFailure.split(':').pop()}, want ${desired.onFailure.split(':').pop()}`, 'warning')
              : reason('no-failure-destination', `it keeps no record of a batch that fails every retry (no on-failure destination; want ${desired.onFailure.split(':').pop()})`, 'warning'),
          );
        }
        if (desired.bisectOnError !== undefined && Boolean(current.bisectOnError) !== desired.bisectOnError) {
          reasons.push(reason('bisect', desired.bisectOnError ? 'it does not split a failing batch to isolate the bad record (BisectBatchOnFunctionError)' : 'it splits failing batches (BisectBatchOnFunctionError)', 'warning'));
        }
      }
      return reasons;
    },
    async ensure(ctx, desired, observed) {
      const lambda = await ctx.aws.client('lambda');
      if (!desired.source) throw new Error(`cannot create the ${label}: its source does not exist`);
      if ('onFailure' in desired && !desired.onFailure) throw new Error(`cannot create the ${label}: its on-failure destination does not exist`);
      const current = observed && keep(desired, observed);
      // Extra triggers would deliver every order twice; wrong-source ones read nothing useful.
      for (const m of observed?.mappings ?? []) {
        if (m !== current) await deleteMapping(ctx, m.uuid);
      }
      let uuid: string;
      if (!current) {
        // A trigger for this function and source that is still Deleting (a cleanup just
        // before, or the duplicate removed above) still counts for Lambda: a new one now
        // would be refused as already existing. Wait until it is gone.
        await pollUntil(
          async () => {
            const deleting = (await listAll(ctx, spec.functionName)).some((m) => m.State === 'Deleting' && m.EventSourceArn === desired.source);
            return deleting ? `the old ${label} of ${spec.functionName} to finish deleting` : true;
          },
          STATE_POLL,
          ctx.note,
          ctx.signal,
        );
        const created = await retryWhile(
          () =>
            lambda.createEventSourceMapping({
              FunctionName: spec.functionName,
              EventSourceArn: desired.source,
              BatchSize: desired.batchSize,
              FunctionResponseTypes: desired.responseTypes as 'ReportBatchItemFailures'[],
              StartingPosition: spec.startingPosition,
              MaximumRetryAttempts: desired.maximumRetryAttempts,
              ...streamSettings(desired),
              Enabled: true,
              Tags: ctx.tags,
            }),
          lambdaWaitReason,
          PROPAGATION,
          ctx.note,
          ctx.signal,
        );
        uuid = created.UUID!;
        // The one kept may yet be deleted by a run that saw one with a smaller UUID: settle again.
        for (let round = 1; ; round++) {
          uuid = await settle(ctx, desired.source, uuid);
          if (await waitEnabled(ctx, uuid)) break;
          if (round >= 3) throw new Error(`the ${label} of ${spec.functionName} kept being deleted while it was made (is another poc setup or cleanup of this lab running?)`);
        }
      } else {
        uuid = current.uuid;
        if (this.diff(desired, { mappings: [current] }).length) {
          await retryWhile(
            () =>
              lambda.updateEventSourceMapping({
                UUID: uuid,
                Enabled: true,
                BatchSize: desired.batchSize,
                FunctionResponseTypes: desired.responseTypes as 'ReportBatchItemFailures'[],
                MaximumRetryAttempts: desired.maximumRetryAttempts,
                ...streamSettings(desired),
              }),
            lambdaWaitReason,
            PROPAGATION,
            ctx.note,
            ctx.signal,
          );
        }
        if (!(await waitEnabled(ctx, uuid))) throw new Error(`the ${label} of ${spec.functionName} was deleted while it was updated (is a poc cleanup of this lab running?)`);
      }
      return { mappings: await list(ctx, spec.functionName, spec.kind) };
    },
    async destroy(ctx) {
      const mappings = await list(ctx, spec.functionName, spec.kind);
      if (!mappings.length) return 'absent';
      for (const m of mappings) await deleteMapping(ctx, m.uuid);
      return 'deleted';
    },
    check(_ctx, desired, observed) {
      const reasons = this.diff(desired, observed);
      // Wrong source, duplicates or a disabled trigger break the pipeline (findings); the rest is advice.
      // The batch size is poc's preference; any size works.
      const advice = (r: Reason) => r.severity === 'warning' && r.code !== 'batch-size';
      return {
        findings: reasons.filter((r) => r.severity === 'finding').map((r) => `${spec.functionName}'s ${label}: ${r.text}.`),
        warnings: reasons
          .filter(advice)
          .map((r) => `${spec.functionName}'s ${label}: ${r.text}${r.code === 'no-batch-failures' ? `; one bad ${spec.record ?? 'record'} then makes the whole batch retry` : ''}.`),
      };
    },
    id: (observed) => observed.mappings[0]?.uuid,
    details: (observed) => ({
      source: observed.mappings[0]?.source,
      state: observed.mappings[0]?.state,
      batchSize: observed.mappings[0]?.batchSize,
      ...(spec.onFailure ? { onFailure: observed.mappings[0]?.onFailure, bisectOnError: observed.mappings[0]?.bisectOnError } : {}),
    }),
    summary: (observed) => `${observed.mappings[0]?.state}, batch ${observed.mappings[0]?.batchSize}`,
    consoleLink: (region) => `${consoleHome(region, 'lambda')}/home?region=${region}#/functions/${enc(spec.functionName)}?tab=configure`,
  };
}
