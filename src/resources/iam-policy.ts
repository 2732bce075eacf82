// A customer-managed IAM policy. A changed document becomes a new default version;
// IAM keeps at most five versions, so the old ones are pruned.
import { hasCode, unlessGone } from '../aws/errors.js';
import { allPages } from '../aws/pages.js';
import { PROPAGATION, retryWhile } from '../aws/retry.js';
import { reason, type Ctx, type Resource } from '../engine/resource.js';
import { enc, iamConsole } from './console-links.js';
import { allows, breadth, grants, grantsText, parsePolicy, policyText, samePolicy, type PolicyDocument } from './policy-document.js';
import { tagList } from './tags.js';

export interface PolicySpec {
  key: string;
  task: number;
  name: string;
  description: string;
  document(ctx: Ctx): PolicyDocument;
  needs?: string[];
}

export interface ObservedPolicy {
  arn: string;
  defaultVersionId: string;
  document: PolicyDocument | undefined;
  attachmentCount: number;
}

export function iamPolicy(spec: PolicySpec): Resource<PolicyDocument, ObservedPolicy> {
  const arnOf = (ctx: Ctx) => ctx.arns.policy(spec.name);

  /**
   * Deletes all but the newest `keep` non-default versions. Never the default one (the
   * IAM API reference: DeletePolicyVersion cannot delete the default version; DeletePolicy
   * does) nor those in `protect`: ListPolicyVersions may be stale right after
   * CreatePolicyVersion and show the version just made as not (yet) the default.
   */
  async function deleteOldVersions(ctx: Ctx, keep: number, protect: string[] = []) {
    const iam = await ctx.aws.client('iam');
    const { Versions = [] } = await iam.listPolicyVersions({ PolicyArn: arnOf(ctx) });
    const old = Versions.filter((v) => !v.IsDefaultVersion && !protect.includes(v.VersionId ?? '')).sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));
    for (const v of old.slice(0, Math.max(0, old.length - keep))) {
      try {
        await iamChange(ctx, () => unlessGone(iam.deletePolicyVersion({ PolicyArn: arnOf(ctx), VersionId: v.VersionId }), 'NoSuchEntity', 'NoSuchEntityException'));
      } catch (error) {
        // A stale list called it old, but IAM says it is the default: keep it.
        if (!hasCode(error, 'DeleteConflict', 'DeleteConflictException')) throw error;
      }
    }
  }

  return {
    key: spec.key,
    task: spec.task,
    type: 'iam-policy',
    name: spec.name,
    needs: spec.needs ?? [],
    desired: (ctx) => spec.document(ctx),
    async observe(ctx) {
      const iam = await ctx.aws.client('iam');
      try {
        const { Policy } = await iam.getPolicy({ PolicyArn: arnOf(ctx) });
        const { PolicyVersion } = await iam.getPolicyVersion({ PolicyArn: arnOf(ctx), VersionId: Policy!.DefaultVersionId! });
        return {
          arn: Policy!.Arn!,
          defaultVersionId: Policy!.DefaultVersionId!,
          document: parsePolicy(PolicyVersion?.Document),
          attachmentCount: Policy!.AttachmentCount ?? 0,
        };
      } catch (error) {
        if (hasCode(error, 'NoSuchEntity', 'NoSuchEntityException')) return undefined;
        throw error;
      }
    },
    diff: (desired, observed) => (samePolicy(desired, observed.document) ? [] : [reason('document', 'its document differs from the lab’s')]),
    async ensure(ctx, desired, observed) {
      const iam = await ctx.aws.client('iam');
      if (!observed) {
        const { Policy } = await iam.createPolicy({
          PolicyName: spec.name,
          Description: spec.description,
          PolicyDocument: policyText(desired),
          Tags: tagList(ctx.tags),
        });
        return { arn: Policy!.Arn!, defaultVersionId: Policy!.DefaultVersionId ?? 'v1', document: desired, attachmentCount: 0 };
      }
      // Make room first (at most five versions), then keep only the new default.
      await deleteOldVersions(ctx, 3, [observed.defaultVersionId]);
      const { PolicyVersion } = await iamChange(ctx, () => iam.createPolicyVersion({ PolicyArn: observed.arn, PolicyDocument: policyText(desired), SetAsDefault: true }));
      await deleteOldVersions(ctx, 0, [PolicyVersion!.VersionId!]);
      return { ...observed, defaultVersionId: PolicyVersion!.VersionId!, document: desired };
    },
    async destroy(ctx) {
      const [iam, { paginateListEntitiesForPolicy }] = await Promise.all([ctx.aws.client('iam'), import('../aws/sdk/iam.js')]);
      const PolicyArn = arnOf(ctx);
      try {
        // A lab built by hand may have it attached to anything; IAM refuses to delete it until detached.
        const attached = await allPages(paginateListEntitiesForPolicy({ client: iam }, { PolicyArn }), (p) => [p]);
        const gone = (step: Promise<unknown>) => unlessGone(step, 'NoSuchEntity', 'NoSuchEntityException');
        for (const r of attached.flatMap((p) => p.PolicyRoles ?? [])) await gone(iam.detachRolePolicy({ PolicyArn, RoleName: r.RoleName }));
        for (const u of attached.flatMap((p) => p.PolicyUsers ?? [])) await gone(iam.detachUserPolicy({ PolicyArn, UserName: u.UserName }));
        for (const g of attached.flatMap((p) => p.PolicyGroups ?? [])) await gone(iam.detachGroupPolicy({ PolicyArn, GroupName: g.GroupName }));
        await deleteOldVersions(ctx, 0);
        await retryWhile(() => iam.deletePolicy({ PolicyArn }), detachWaitReason, PROPAGATION, ctx.note, ctx.signal);
        return 'deleted';
      } catch (error) {
        if (hasCode(error, 'NoSuchEntity', 'NoSuchEntityException')) return 'absent';
        throw error;
      }
    },
    check(_ctx, desired, observed) {
      const needed = grants(desired);
      const findings = needed
        .filter((g) => !allows([observed.document], g.action, sample(g.resource)))
        .map((g) => `${spec.name} does not allow ${g.action} on ${g.resource}.`);
      // Each resource named once, however many actions it needs.
      const wanted = grantsText(needed);
      const warnings = breadth(observed.document, needed.map((g) => g.action)).map((b) => `${spec.name} ${b}. Least privilege: ${wanted}.`);
      return { findings, warnings };
    },
    id: (observed) => observed.arn,
    consoleLink: (region, observed) => `${iamConsole(region)}#/policies/details/${enc(observed.arn)}`,
  };
}

/** A concrete ARN a wildcard ARN stands for (the stream's label is not known in advance). */
export function sample(resource: string): string {
  return resource === '*' ? '*' : resource.replace(/\*/g, 'example');
}

/**
 * IAM refuses a change while another change to the same entity is under way (parallel
 * attach/put on one role, or another student's run on a shared policy): error
 * ConcurrentModification, "multiple requests to change this object were submitted
 * simultaneously. Wait a few minutes and submit your request again." The SDK does not
 * retry it, so poc does, with the retry policy of src/aws/retry.ts.
 */
export function iamWaitReason(error: unknown): string | undefined {
  return hasCode(error, 'ConcurrentModification', 'ConcurrentModificationException') ? 'IAM to finish another change to the same role or policy' : undefined;
}

/**
 * IAM is eventually consistent ("Changes that I make are not always immediately visible",
 * IAM User Guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency):
 * AttachRolePolicy right after CreatePolicy (or CreateRole) may answer NoSuchEntity for
 * what was just made. In setup both exist by then (the policy is a need of the role), so
 * the answer means "not yet": retried, bounded, like the role-propagation errors.
 */
export function attachWaitReason(error: unknown): string | undefined {
  if (hasCode(error, 'NoSuchEntity', 'NoSuchEntityException')) return 'IAM to see the policy or role just made (IAM is eventually consistent)';
  return iamWaitReason(error);
}

/** DeletePolicy right after its last detach may still count the attachment (DeleteConflict): the same eventual consistency. */
function detachWaitReason(error: unknown): string | undefined {
  if (hasCode(error, 'DeleteConflict', 'DeleteConflictException')) return 'IAM to see the policy detached (IAM is eventually consistent)';
  return iamWaitReason(error);
}

export function iamChange<T>(ctx: Ctx, call: () => Promise<T>): Promise<T> {
  return retryWhile(call, iamWaitReason, PROPAGATION, ctx.note, ctx.signal);
}
