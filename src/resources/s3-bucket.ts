// An S3 bucket: in the lab's region, public access blocked, tagged, and its event
// notification that invokes a function for every object created.
//
// Bucket names are global across all AWS accounts, so every call names the expected
// owner (ExpectedBucketOwner): should the name belong to someone else (taken, or taken
// over after a cleanup), S3 refuses instead of letting poc write to, empty or delete
// another account's bucket.
//
// The notification configuration is one document that PutBucketNotificationConfiguration
// replaces whole. poc keeps what others put there (topics, queues, EventBridge, triggers
// of other functions) and replaces only its own entry (any entry for its function), so a
// re-run does not wipe a student's additions; an entry of theirs that overlaps poc's
// (same event type, overlapping prefix/suffix) is refused by S3, and the error says which.
import type { LambdaFunctionConfiguration, NotificationConfiguration, PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { errorMessage, hasCode } from '../aws/errors.js';
import { PROPAGATION, retryWhile } from '../aws/retry.js';
import { reason, type Ctx, type Reason, type Resource } from '../engine/resource.js';
import { AwsFailure } from '../errors.js';
import { tagList } from './tags.js';

export interface BucketNotification {
  /** The entry's Id in the configuration (poc's own, e.g. "poc-load-inventory"). */
  id: string;
  /** The function to invoke. */
  functionArn(ctx: Ctx): string;
  /** Default s3:ObjectCreated:* (every way an object is made: put, post, copy, multipart). */
  events?: string[];
  suffix?: string;
  prefix?: string;
}

export interface BucketSpec {
  key: string;
  task: number;
  name: string;
  /** The function and its invoke permission: S3 validates the destination when the notification is written. */
  needs: string[];
  notification?: BucketNotification;
}

export interface DesiredBucket {
  region: string;
  publicAccessBlock: Required<Pick<PublicAccessBlockConfiguration, 'BlockPublicAcls' | 'IgnorePublicAcls' | 'BlockPublicPolicy' | 'RestrictPublicBuckets'>>;
  notification?: LambdaFunctionConfiguration;
}

export interface ObservedBucket {
  name: string;
  arn: string;
  region: string;
  publicAccessBlock?: PublicAccessBlockConfiguration;
  /** The whole notification configuration, everyone's entries. */
  notifications: NotificationConfiguration;
}

const BLOCK_ALL = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const CREATED = 's3:ObjectCreated:*';
const CREATED_KINDS = ['Put', 'Post', 'Copy', 'CompleteMultipartUpload'].map((k) => `s3:ObjectCreated:${k}`);
/** DeleteObjects takes at most 1000 keys per call. */
const DELETE_BATCH = 1000;
const EMPTY_ROUNDS = 5;

export const bucketArn = (ctx: Pick<Ctx, 'arns'>, name: string) => `arn:${ctx.arns.partition}:s3:::${name}`;

/**
 * Why a name cannot be a general purpose bucket's (the S3 naming rules), or undefined.
 * For the lab to check its names before any AWS call.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `"${name}" has ${name.length} characters; a bucket name has 3 to 63`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return `"${name}" may hold only lowercase letters, digits, '.' and '-', and must start and end with a letter or digit`;
  if (name.includes('..')) return `"${name}" has two periods in a row`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `"${name}" is shaped like an IP address`;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return `"${name}" uses a prefix or suffix that S3 reserves`;
  return undefined;
}

const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const noSuchBucket = (error: unknown) => hasCode(error, 'NoSuchBucket') || (hasCode(error, 'NotFound') && status(error) === 404);

function takenError(name: string, cause: unknown, certain = true): AwsFailure {
  return new AwsFailure(
    certain
      ? `The bucket name ${name} belongs to another AWS account (S3 bucket names are shared by every account in the world).`
      : `S3 refuses access to bucket ${name}: it belongs to another AWS account (bucket names are shared by every account in the world), or your identity may not read it (s3:ListBucket).`,
    `Choose a name of your own: run again with another --prefix (the bucket name includes it).${certain ? '' : ' If the bucket is yours, your identity needs s3:ListBucket on it.'}`,
    { cause },
  );
}

const rules = (c: LambdaFunctionConfiguration) =>
  Object.fromEntries((c.Filter?.Key?.FilterRules ?? []).map((r) => [String(r.Name).toLowerCase(), r.Value ?? '']));
const covers = (events: string[] = [], wanted: string[]) =>
  wanted.every((w) => events.includes(w) || (w === CREATED && CREATED_KINDS.every((k) => events.includes(k))));

/** The entry that does what poc's does (by function, events and filter, not by Id: one made in the console counts). */
function matching(observed: ObservedBucket, want: LambdaFunctionConfiguration): LambdaFunctionConfiguration | undefined {
  const w = rules(want);
  return (observed.notifications.LambdaFunctionConfigurations ?? []).find((c) => {
    const r = rules(c);
    return c.LambdaFunctionArn === want.LambdaFunctionArn && covers(c.Events, want.Events ?? []) && (r.prefix ?? '') === (w.prefix ?? '') && (r.suffix ?? '') === (w.suffix ?? '');
  });
}

/** Every version and delete marker, a page of at most 1000 at a time, until the bucket is empty. */
async function emptyBucket(ctx: Ctx, name: string): Promise<number> {
  const s3 = await ctx.aws.client('s3');
  let removed = 0;
  for (;;) {
    // Always the first page: what was listed is deleted, so the next list starts after it.
    const page = await s3.listObjectVersions({ Bucket: name, MaxKeys: DELETE_BATCH, ExpectedBucketOwner: ctx.account });
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (!objects.length) return removed;
    ctx.note(`emptying bucket ${name} (${removed + objects.length} objects and versions so far)`);
    for (let i = 0; i < objects.length; i += DELETE_BATCH) {
      const { Errors = [] } = await s3.deleteObjects({
        Bucket: name,
        Delete: { Objects: objects.slice(i, i + DELETE_BATCH), Quiet: true },
        ExpectedBucketOwner: ctx.account,
      });
      if (Errors.length) {
        const first = Errors[0]!;
        throw new AwsFailure(
          `Could not delete ${Errors.length} object(s) of bucket ${name}; the first, ${first.Key}${first.VersionId ? ` (version ${first.VersionId})` : ''}: ${first.Code}: ${first.Message}.`,
          'An object lock or a bucket policy may protect them; remove it in the S3 console, then run cleanup again.',
        );
      }
    }
    removed += objects.length;
  }
}

export function s3Bucket(spec: BucketSpec): Resource<DesiredBucket, ObservedBucket> {
  async function read(ctx: Ctx): Promise<ObservedBucket | undefined> {
    const s3 = await ctx.aws.client('s3');
    const owner = { Bucket: spec.name, ExpectedBucketOwner: ctx.account };
    let region: string;
    try {
      const head = await s3.headBucket(owner);
      region = head.BucketRegion ?? ctx.region;
    } catch (error) {
      if (noSuchBucket(error) || status(error) === 404) return undefined;
      if (status(error) === 403) throw takenError(spec.name, error, false);
      if (status(error) === 301) {
        throw new AwsFailure(
          `The bucket ${spec.name} is in another region than ${ctx.region}; S3 can notify only a function in the bucket's own region.`,
          'If it is yours from an earlier run in that region, run cleanup there (with that --region and the same --prefix); otherwise choose another --prefix.',
          { cause: error },
        );
      }
      throw error;
    }
    const [publicAccessBlock, notifications] = await Promise.all([
      s3.getPublicAccessBlock(owner).then(
        (r) => r.PublicAccessBlockConfiguration,
        (error) => {
          if (hasCode(error, 'NoSuchPublicAccessBlockConfiguration')) return undefined;
          throw error;
        },
      ),
      s3.getBucketNotificationConfiguration(owner).then(({ $metadata: _m, ...config }) => config as NotificationConfiguration),
    ]);
    return { name: spec.name, arn: bucketArn(ctx, spec.name), region, publicAccessBlock, notifications };
  }

  function desiredEntry(ctx: Ctx): LambdaFunctionConfiguration | undefined {
    const n = spec.notification;
    if (!n) return undefined;
    const FilterRules = [
      ...(n.prefix ? [{ Name: 'prefix' as const, Value: n.prefix }] : []),
      ...(n.suffix ? [{ Name: 'suffix' as const, Value: n.suffix }] : []),
    ];
    return {
      Id: n.id,
      LambdaFunctionArn: n.functionArn(ctx),
      Events: (n.events ?? [CREATED]) as LambdaFunctionConfiguration['Events'],
      ...(FilterRules.length ? { Filter: { Key: { FilterRules } } } : {}),
    };
  }

  /** Everyone else's entries as they are, poc's own replaced. */
  function merged(observed: ObservedBucket | undefined, want: LambdaFunctionConfiguration): NotificationConfiguration {
    const current = structuredClone(observed?.notifications ?? {});
    const others = (current.LambdaFunctionConfigurations ?? []).filter((c) => c.Id !== want.Id && c.LambdaFunctionArn !== want.LambdaFunctionArn);
    const out: NotificationConfiguration = { ...current, LambdaFunctionConfigurations: [...others, want] };
    // S3 hands filter rule names back as "Prefix"/"Suffix"; its API model allows only the lowercase spelling.
    for (const list of [out.LambdaFunctionConfigurations, out.QueueConfigurations, out.TopicConfigurations]) {
      for (const c of list ?? []) {
        for (const rule of c.Filter?.Key?.FilterRules ?? []) rule.Name = String(rule.Name).toLowerCase() as 'prefix' | 'suffix';
      }
    }
    return out;
  }

  const reasons = (desired: DesiredBucket, observed: ObservedBucket): Reason[] => {
    const out: Reason[] = [];
    if (observed.region !== desired.region) out.push(reason('region', `it is in ${observed.region}, want ${desired.region}`));
    const pab = observed.publicAccessBlock ?? {};
    const open = Object.keys(BLOCK_ALL).filter((k) => pab[k as keyof PublicAccessBlockConfiguration] !== true);
    // Open public access is a risk, not a break: uploads still reach the function.
    if (open.length) out.push(reason('public-access', open.length === 4 ? 'public access is not blocked' : `public access is not fully blocked (${open.join(', ')} off)`, 'warning'));
    if (desired.notification && !matching(observed, desired.notification)) {
      const fn = desired.notification.LambdaFunctionArn!.split(':').pop();
      out.push(reason('notification', `uploads do not invoke ${fn} (no event notification for ${(desired.notification.Events ?? []).join(', ')} to it)`));
    }
    return out;
  };

  return {
    key: spec.key,
    task: spec.task,
    type: 's3-bucket',
    name: spec.name,
    needs: spec.needs,
    desired: (ctx) => ({ region: ctx.region, publicAccessBlock: BLOCK_ALL, notification: desiredEntry(ctx) }),
    observe: read,
    diff: reasons,
    async ensure(ctx, desired, observed) {
      const s3 = await ctx.aws.client('s3');
      const owner = { Bucket: spec.name, ExpectedBucketOwner: ctx.account };
      if (!observed) {
        try {
          await retryWhile(
            () =>
              s3.createBucket({
                Bucket: spec.name,
                // us-east-1 is the default and refuses to be named; every other region must be.
                ...(ctx.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: ctx.region as never } }),
              }),
            // Right after a bucket of this name was deleted, S3 may still be settling it.
            (error) => (hasCode(error, 'OperationAborted') ? 'S3 to finish a conflicting operation on this bucket name (it was deleted moments ago)' : undefined),
            PROPAGATION,
            ctx.note,
            ctx.signal,
          );
        } catch (error) {
          if (hasCode(error, 'BucketAlreadyExists')) throw takenError(spec.name, error);
          // Ours already (a lost answer, or a run in parallel): the same bucket.
          if (!hasCode(error, 'BucketAlreadyOwnedByYou')) throw error;
        }
      }
      // A bucket just made may not be seen by every S3 front end for a moment.
      const settle = <T>(call: () => Promise<T>) =>
        retryWhile(call, (error) => (noSuchBucket(error) ? 'S3 to show the new bucket everywhere' : undefined), PROPAGATION, ctx.note, ctx.signal);
      if (!observed) await settle(() => s3.putBucketTagging({ ...owner, Tagging: { TagSet: tagList(ctx.tags) } }));
      if (!observed || reasons(desired, observed).some((r) => r.code === 'public-access')) {
        await settle(() => s3.putPublicAccessBlock({ ...owner, PublicAccessBlockConfiguration: desired.publicAccessBlock }));
      }
      if (desired.notification && (!observed || !matching(observed, desired.notification))) {
        const configuration = merged(observed, desired.notification);
        try {
          await settle(() =>
            retryWhile(
              () => s3.putBucketNotificationConfiguration({ ...owner, NotificationConfiguration: configuration }),
              // The function's permission for S3 was perhaps added seconds ago; S3 checks it here.
              (error) =>
                hasCode(error, 'InvalidArgument') && /Unable to validate/i.test(errorMessage(error)) ? 'Lambda to show S3 the permission to invoke the function' : undefined,
              PROPAGATION,
              ctx.note,
              ctx.signal,
            ),
          );
        } catch (error) {
          if (hasCode(error, 'InvalidArgument') && /overlap/i.test(errorMessage(error))) {
            throw new AwsFailure(
              `Bucket ${spec.name} already has an event notification for the same events: ${errorMessage(error)}`,
              `Remove the other notification (S3 console > ${spec.name} > Properties > Event notifications), then run the same command again.`,
              { cause: error },
            );
          }
          throw error;
        }
      }
      const now = await read(ctx);
      if (!now) throw new AwsFailure(`Bucket ${spec.name} was created but S3 does not show it yet.`, 'Run the same command again in a moment: it continues where it stopped.');
      return now;
    },
    async destroy(ctx) {
      const s3 = await ctx.aws.client('s3');
      for (let round = 1; ; round++) {
        try {
          // A bucket must be empty, every version and delete marker included, before S3 deletes it.
          await emptyBucket(ctx, spec.name);
          await s3.deleteBucket({ Bucket: spec.name, ExpectedBucketOwner: ctx.account });
          return 'deleted';
        } catch (error) {
          if (noSuchBucket(error)) return 'absent';
          // An upload arrived between emptying and deleting: empty it again.
          if (hasCode(error, 'BucketNotEmpty') && round < EMPTY_ROUNDS) continue;
          if (status(error) === 403 && hasCode(error, 'AccessDenied') && /owner/i.test(errorMessage(error))) throw takenError(spec.name, error, false);
          throw error;
        }
      }
    },
    check(_ctx, desired, observed) {
      const found = reasons(desired, observed);
      return {
        // Without the trigger (or in another region) uploads go nowhere; open public access is a risk, not a break.
        findings: found.filter((r) => r.severity === 'finding').map((r) => `${spec.name}: ${r.text}.`),
        warnings: found.filter((r) => r.severity === 'warning').map((r) => `${spec.name}: ${r.text}; turn on Block Public Access: what the lab uploads is not for the world.`),
      };
    },
    id: (observed) => observed.arn,
    details: (observed) => ({
      // A lab's output (the bucket to upload to) is read from here.
      bucket: observed.name,
      region: observed.region,
      notifications:
        (observed.notifications.LambdaFunctionConfigurations?.length ?? 0) +
        (observed.notifications.QueueConfigurations?.length ?? 0) +
        (observed.notifications.TopicConfigurations?.length ?? 0),
    }),
  };
}
