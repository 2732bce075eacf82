// An SQS standard queue, with its attributes (access policy, redrive policy, timeouts).
import { deletion, hasCode } from '../aws/errors.js';
import { PROPAGATION, retryWhile } from '../aws/retry.js';
import { reason, type Ctx, type Reason, type Resource } from '../engine/resource.js';
import { consoleHome, enc } from './console-links.js';
import { identityDocuments } from './iam-role.js';
import { allows, asList, parsePolicy, policyText, samePolicy, type PolicyDocument } from './policy-document.js';

export interface QueueSpec {
  key: string;
  task: number;
  name: string;
  needs?: string[];
  beyondGuide?: string;
  attributes(ctx: Ctx): DesiredQueue;
  /** For check: the least visibility timeout that works with the consumer as it is. */
  minVisibilityTimeout?(ctx: Ctx): number | undefined;
  /** The lab's words for check's advice. */
  words?: {
    /** What is delivered twice when the timeout is too short, e.g. "an order still being written". */
    inFlight?: string;
    /** How to close an access policy open to anyone, e.g. "name the APIGateway-SQS role instead". */
    closePolicy?: string;
    /** What each message it keeps stands for, e.g. "failed notification": status then counts them ("3 failed notifications kept"). */
    kept?: string;
  };
}

/** What takes messages away from the pipeline, in a person's words (check). */
const CONSUMING: [string, string][] = [
  ['sqs:ReceiveMessage', 'receive'],
  ['sqs:DeleteMessage', 'delete'],
  ['sqs:PurgeQueue', 'purge'],
];

export interface DesiredQueue {
  visibilityTimeout: number;
  retentionSeconds: number;
  policy?: PolicyDocument;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export interface ObservedQueue {
  url: string;
  arn: string;
  attributes: Record<string, string>;
  depth: number;
  inFlight: number;
}

const NOT_FOUND = ['QueueDoesNotExist', 'NonExistentQueue', 'AWS.SimpleQueueService.NonExistentQueue'];
const notFound = (error: unknown) => hasCode(error, ...NOT_FOUND);

function toAttributes(d: DesiredQueue): Record<string, string> {
  return {
    VisibilityTimeout: String(d.visibilityTimeout),
    MessageRetentionPeriod: String(d.retentionSeconds),
    ...(d.policy ? { Policy: policyText(d.policy) } : {}),
    ...(d.redrive ? { RedrivePolicy: JSON.stringify(d.redrive) } : {}),
  };
}

/** Why SQS refuses now but will accept soon: both are documented waits, not failures. */
export function queueWaitReason(error: unknown): string | undefined {
  if (hasCode(error, 'QueueDeletedRecently', 'AWS.SimpleQueueService.QueueDeletedRecently')) {
    return 'SQS to allow the name again (a queue deleted less than 60 seconds ago cannot be re-created yet)';
  }
  if (policyRefused(error) && (error as { principalsAreNew?: boolean }).principalsAreNew) {
    return 'IAM to make the just-created roles known to SQS (its access policy names them)';
  }
  return undefined;
}

/** SQS's answer to an access policy it will not take: InvalidAttributeValue "Invalid value for the parameter Policy." */
const policyRefused = (error: unknown) => hasCode(error, 'InvalidAttributeValue', 'InvalidParameterValue') && /Policy|principal/i.test(String((error as Error).message));

/** IAM typically shows a new role everywhere within seconds; a minute is generous. */
const NEW_PRINCIPAL_MS = 90_000;

/**
 * SQS refuses a policy naming a role it cannot see yet, and a policy that is simply wrong,
 * with the same answer. Only the first is worth waiting for: a principal the policy names
 * is new when IAM's CreateDate for it is within the last minute and a half (a role this
 * run made has just been created). Otherwise the refusal is final and AWS's message stands.
 */
async function namesNewPrincipal(ctx: Ctx, document: PolicyDocument | undefined): Promise<boolean> {
  const roles = (document?.Statement ?? []).flatMap((st) => asList((st.Principal as { AWS?: unknown } | undefined)?.AWS)).filter((p) => /^arn:[^:]+:iam::\d{12}:role\//.test(p));
  if (!roles.length) return false;
  const iam = await ctx.aws.client('iam');
  const created = await Promise.all(
    roles.map(async (arn) => {
      try {
        return (await iam.getRole({ RoleName: arn.split('/').pop()! })).Role?.CreateDate?.getTime();
      } catch (error) {
        if (hasCode(error, 'NoSuchEntity', 'NoSuchEntityException')) return undefined;
        throw error;
      }
    }),
  );
  return created.some((t) => t !== undefined && Date.now() - t < NEW_PRINCIPAL_MS);
}

/** Runs a create/set of the queue's attributes, marking a policy refusal with whether its principals are new. */
async function withPolicyCheck<T>(ctx: Ctx, document: PolicyDocument | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (policyRefused(error) && error && typeof error === 'object') Object.assign(error, { principalsAreNew: await namesNewPrincipal(ctx, document) });
    throw error;
  }
}

export async function queueUrl(ctx: Ctx, name: string): Promise<string | undefined> {
  const sqs = await ctx.aws.client('sqs');
  try {
    return (await sqs.getQueueUrl({ QueueName: name })).QueueUrl;
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

export function sqsQueue(spec: QueueSpec): Resource<DesiredQueue, ObservedQueue> {
  async function read(ctx: Ctx, url: string): Promise<ObservedQueue> {
    const sqs = await ctx.aws.client('sqs');
    const { Attributes = {} } = await sqs.getQueueAttributes({ QueueUrl: url, AttributeNames: ['All'] });
    return {
      url,
      arn: Attributes.QueueArn ?? ctx.arns.queue(spec.name),
      attributes: Attributes,
      depth: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }
  return {
    key: spec.key,
    task: spec.task,
    type: 'sqs-queue',
    name: spec.name,
    beyondGuide: spec.beyondGuide,
    needs: spec.needs ?? [],
    desired: (ctx) => spec.attributes(ctx),
    async observe(ctx) {
      const url = await queueUrl(ctx, spec.name);
      if (!url) return undefined;
      try {
        return await read(ctx, url);
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    diff(desired, observed) {
      const a = observed.attributes;
      const reasons: Reason[] = [];
      if (Number(a.VisibilityTimeout) !== desired.visibilityTimeout) reasons.push(reason('visibility-timeout', `its visibility timeout is ${a.VisibilityTimeout}s, want ${desired.visibilityTimeout}s`));
      if (Number(a.MessageRetentionPeriod) !== desired.retentionSeconds) reasons.push(reason('retention', `it keeps messages ${a.MessageRetentionPeriod}s, want ${desired.retentionSeconds}s`));
      if (desired.policy && !samePolicy(desired.policy, parsePolicy(a.Policy))) reasons.push(reason('access-policy', a.Policy ? 'its access policy differs from the lab’s' : 'it has no access policy'));
      if (desired.redrive) {
        const r = a.RedrivePolicy ? (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string }) : undefined;
        if (!r) reasons.push(reason('no-dead-letter-queue', 'it has no dead-letter queue', 'warning'));
        else if (r.deadLetterTargetArn !== desired.redrive.deadLetterTargetArn || Number(r.maxReceiveCount) !== desired.redrive.maxReceiveCount) {
          reasons.push(reason('redrive', `its redrive policy differs (want ${desired.redrive.maxReceiveCount} receives, then ${desired.redrive.deadLetterTargetArn.split(':').pop()})`, 'warning'));
        }
      }
      return reasons;
    },
    async ensure(ctx, desired, observed) {
      const sqs = await ctx.aws.client('sqs');
      const attributes = toAttributes(desired);
      if (!observed) {
        const { QueueUrl } = await retryWhile(
          () => withPolicyCheck(ctx, desired.policy, () => sqs.createQueue({ QueueName: spec.name, Attributes: attributes, tags: ctx.tags })),
          queueWaitReason,
          PROPAGATION,
          ctx.note,
          ctx.signal,
        );
        return read(ctx, QueueUrl!);
      }
      await retryWhile(() => withPolicyCheck(ctx, desired.policy, () => sqs.setQueueAttributes({ QueueUrl: observed.url, Attributes: attributes })), queueWaitReason, PROPAGATION, ctx.note, ctx.signal);
      return read(ctx, observed.url);
    },
    async destroy(ctx) {
      const url = await queueUrl(ctx, spec.name);
      if (!url) return 'absent';
      const sqs = await ctx.aws.client('sqs');
      return deletion(sqs.deleteQueue({ QueueUrl: url }), ...NOT_FOUND);
    },
    async check(ctx, desired, observed) {
      // What the pipeline needs is who may send and receive; the rest is advice. In one
      // account, the queue's policy or the principal's own policies may grant it.
      const current = parsePolicy(observed.attributes.Policy);
      const findings: string[] = [];
      for (const st of desired.policy?.Statement ?? []) {
        for (const principal of asList((st.Principal as { AWS?: unknown }).AWS)) {
          const own = (await identityDocuments(ctx, principal)) ?? [];
          const missing = asList(st.Action).filter((a) => !allows([current], a, observed.arn, principal) && !allows(own, a, observed.arn));
          const who = principal.split('/').pop();
          if (missing.length) findings.push(`${spec.name}'s access policy does not let ${who} ${missing.length === 1 && missing[0] === 'sqs:SendMessage' ? 'send' : missing.join(', ')}.`);
        }
      }
      const stranger = `arn:${observed.arn.split(':')[1]}:iam::000000000000:role/someone-else`;
      // Anyone who may receive, delete or purge takes the messages from the pipeline: that is
      // a fault, not advice ("Make sure that queues aren't publicly accessible", Amazon SQS
      // security best practices, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html).
      // A statement with a Condition (aws:SourceArn ...) is not counted as open (see allows).
      const consumers = (desired.policy?.Statement ?? [])
        .filter((st) => allows([{ Version: '2012-10-17', Statement: [st] }], 'sqs:ReceiveMessage', observed.arn))
        .flatMap((st) => asList((st.Principal as { AWS?: unknown } | undefined)?.AWS).map((p) => p.split('/').pop()));
      (current?.Statement ?? []).forEach((st, i) => {
        const open = CONSUMING.filter(([action]) => allows([{ Version: '2012-10-17', Statement: [st] }], action, observed.arn, stranger) && allows([current], action, observed.arn, stranger));
        if (!open.length) return;
        const what = open.map(([, verb]) => verb);
        findings.push(
          `${spec.name}'s access policy statement ${st.Sid ? `"${st.Sid}"` : `#${i + 1}`} lets anyone (any AWS account) ${what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what.at(-1)}` : what[0]} its messages; name ${consumers.length ? `only ${consumers.join(', ')}` : 'only the roles that read it'} there.`,
        );
      });
      // poc's own timeouts and retention are its choices, not the guide's: only the rule
      // that makes them matter (six times the consumer's timeout) is checked.
      const warnings = this.diff(desired, observed)
        .filter((r) => r.severity === 'warning')
        .map((r) => `${spec.name}: ${r.text}.`);
      const least = spec.minVisibilityTimeout?.(ctx);
      const visibility = Number(observed.attributes.VisibilityTimeout);
      if (least !== undefined && visibility < least) {
        warnings.push(`${spec.name}'s visibility timeout is ${visibility}s; Lambda advises at least six times its function's timeout (${least}s), or ${spec.words?.inFlight ?? 'a message still being processed'} is delivered again.`);
      }
      if (current && allows([current], 'sqs:SendMessage', observed.arn, stranger)) warnings.push(`${spec.name}'s access policy lets anyone (any AWS account) send to it; ${spec.words?.closePolicy ?? 'name the roles that send to it instead'}.`);
      return { findings, warnings };
    },
    id: (observed) => observed.arn,
    details: (observed) => ({ url: observed.url, messages: observed.depth, inFlight: observed.inFlight }),
    summary: (observed) =>
      spec.words?.kept ? `${observed.depth} ${spec.words.kept}${observed.depth === 1 ? '' : 's'} kept` : `${observed.depth} waiting, ${observed.inFlight} in flight`,
    consoleLink: (region, observed) => `${consoleHome(region, 'sqs')}/v3/home?region=${region}#/queues/${enc(observed.url)}`,
  };
}
