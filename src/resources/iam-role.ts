// An IAM role: who may assume it (trust policy), the managed policies attached to it,
// and inline policies for what belongs to this role alone (its own log group, say).
import { hasCode, unlessGone } from '../aws/errors.js';
import { allPages } from '../aws/pages.js';
import { PROPAGATION, retryWhile } from '../aws/retry.js';
import { readOnce, reason, type Ctx, type Reason, type Resource } from '../engine/resource.js';
import { enc, iamConsole } from './console-links.js';
import { attachWaitReason, iamChange, sample, type ObservedPolicy } from './iam-policy.js';
import { allows, asList, breadth, grants, parsePolicy, policy, policyText, samePolicy, type PolicyDocument } from './policy-document.js';
import { tagList } from './tags.js';

export interface RoleSpec {
  key: string;
  task: number;
  name: string;
  description: string;
  /** The service that assumes it, e.g. lambda.amazonaws.com. */
  service: string;
  /** The lab's managed policies to attach (their documents say what the role must be able to do). */
  policies: { key: string; name: string; document(ctx: Ctx): PolicyDocument }[];
  inline?(ctx: Ctx): Record<string, PolicyDocument>;
  /** Inline policies the guide does not have: missing permissions there are only warnings. */
  advisoryInline?: string[];
  /** What the role cannot do without an advisory inline policy, by name (default: its function logs nothing). */
  advisoryWhy?: Record<string, string>;
  /** Resources whose own policy may grant this role what it needs instead (the queue's access policy). */
  resourcePolicies?(ctx: Ctx): { arn: string; exists: boolean; document: PolicyDocument | undefined }[];
  /** For a role without managed policies: what least privilege is for it, e.g. "an inline policy naming the queue". */
  leastPrivilege?: string;
}

export interface DesiredRole {
  trust: PolicyDocument;
  attached: string[];
  inline: Record<string, PolicyDocument>;
}

export interface ObservedRole {
  arn: string;
  trust: PolicyDocument | undefined;
  attached: string[];
  inline: Record<string, PolicyDocument | undefined>;
}

const notFound = (error: unknown) => hasCode(error, 'NoSuchEntity', 'NoSuchEntityException');

export function trustPolicy(service: string): PolicyDocument {
  return policy({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });
}

export function iamRole(spec: RoleSpec): Resource<DesiredRole, ObservedRole> {
  return {
    key: spec.key,
    task: spec.task,
    type: 'iam-role',
    name: spec.name,
    needs: spec.policies.map((p) => p.key),
    desired: (ctx) => ({
      trust: trustPolicy(spec.service),
      attached: spec.policies.map((p) => ctx.arns.policy(p.name)),
      inline: spec.inline?.(ctx) ?? {},
    }),
    async observe(ctx) {
      const [iam, sdk] = await Promise.all([ctx.aws.client('iam'), import('../aws/sdk/iam.js')]);
      try {
        const [{ Role }, AttachedPolicies, PolicyNames] = await Promise.all([
          iam.getRole({ RoleName: spec.name }),
          allPages(sdk.paginateListAttachedRolePolicies({ client: iam }, { RoleName: spec.name }), (p) => p.AttachedPolicies),
          allPages(sdk.paginateListRolePolicies({ client: iam }, { RoleName: spec.name }), (p) => p.PolicyNames),
        ]);
        const inline: Record<string, PolicyDocument | undefined> = {};
        await Promise.all(
          PolicyNames.map(async (PolicyName) => {
            const { PolicyDocument } = await iam.getRolePolicy({ RoleName: spec.name, PolicyName });
            inline[PolicyName] = parsePolicy(PolicyDocument);
          }),
        );
        return {
          arn: Role!.Arn!,
          trust: parsePolicy(Role!.AssumeRolePolicyDocument),
          attached: AttachedPolicies.map((p) => p.PolicyArn!),
          inline,
        };
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    diff(desired, observed) {
      const reasons: Reason[] = [];
      if (!samePolicy(desired.trust, observed.trust)) reasons.push(reason('trust', `its trust policy does not let ${spec.service} (only) assume it`));
      for (const arn of desired.attached) {
        if (!observed.attached.includes(arn)) reasons.push(reason('policy-detached', `policy ${arn.split('/').pop()} is not attached`));
      }
      for (const [name, doc] of Object.entries(desired.inline)) {
        if (!(name in observed.inline)) reasons.push(reason('inline-missing', `inline policy ${name} is missing`));
        else if (!samePolicy(doc, observed.inline[name])) reasons.push(reason('inline-differs', `inline policy ${name} differs from the lab’s`));
      }
      return reasons;
    },
    async ensure(ctx, desired, observed) {
      const iam = await ctx.aws.client('iam');
      let arn = observed?.arn;
      if (!observed) {
        const { Role } = await iam.createRole({
          RoleName: spec.name,
          Description: spec.description,
          AssumeRolePolicyDocument: policyText(desired.trust),
          Tags: tagList(ctx.tags),
        });
        arn = Role!.Arn!;
      } else if (!samePolicy(desired.trust, observed.trust)) {
        await iamChange(ctx, () => iam.updateAssumeRolePolicy({ RoleName: spec.name, PolicyDocument: policyText(desired.trust) }));
      }
      await Promise.all([
        ...desired.attached
          .filter((a) => !observed?.attached.includes(a))
          .map((PolicyArn) => retryWhile(() => iam.attachRolePolicy({ RoleName: spec.name, PolicyArn }), attachWaitReason, PROPAGATION, ctx.note, ctx.signal)),
        ...Object.entries(desired.inline)
          .filter(([name, doc]) => !observed || !samePolicy(doc, observed.inline[name]))
          .map(([PolicyName, doc]) => iamChange(ctx, () => iam.putRolePolicy({ RoleName: spec.name, PolicyName, PolicyDocument: policyText(doc) }))),
      ]);
      return {
        arn: arn!,
        trust: desired.trust,
        attached: [...new Set([...(observed?.attached ?? []), ...desired.attached])],
        inline: { ...(observed?.inline ?? {}), ...desired.inline },
      };
    },
    async destroy(ctx) {
      const [iam, sdk] = await Promise.all([ctx.aws.client('iam'), import('../aws/sdk/iam.js')]);
      const RoleName = spec.name;
      try {
        // IAM refuses DeleteRole while anything is attached (DeleteConflict).
        const [AttachedPolicies, PolicyNames, InstanceProfiles] = await Promise.all([
          allPages(sdk.paginateListAttachedRolePolicies({ client: iam }, { RoleName }), (p) => p.AttachedPolicies),
          allPages(sdk.paginateListRolePolicies({ client: iam }, { RoleName }), (p) => p.PolicyNames),
          allPages(sdk.paginateListInstanceProfilesForRole({ client: iam }, { RoleName }), (p) => p.InstanceProfiles),
        ]);
        // Each step may meet its own earlier attempt (a retried call whose answer was lost).
        const gone = (step: Promise<unknown>) => unlessGone(step, 'NoSuchEntity', 'NoSuchEntityException');
        await Promise.all([
          ...AttachedPolicies.map((p) => iamChange(ctx, () => gone(iam.detachRolePolicy({ RoleName, PolicyArn: p.PolicyArn })))),
          ...PolicyNames.map((PolicyName) => iamChange(ctx, () => gone(iam.deleteRolePolicy({ RoleName, PolicyName })))),
          ...InstanceProfiles.map((p) => gone(iam.removeRoleFromInstanceProfile({ RoleName, InstanceProfileName: p.InstanceProfileName }))),
        ]);
        await iam.deleteRole({ RoleName });
        return 'deleted';
      } catch (error) {
        if (notFound(error)) return 'absent';
        throw error;
      }
    },
    async check(ctx, desired, observed) {
      const findings: string[] = [];
      const warnings: string[] = [];
      const trusted = (observed.trust?.Statement ?? []).some(
        (st) => st.Effect === 'Allow' && asList(st.Action).some((a) => a === 'sts:AssumeRole' || a === 'sts:*' || a === '*') && asList((st.Principal as { Service?: unknown } | undefined)?.Service).includes(spec.service),
      );
      if (!trusted) findings.push(`${spec.name}'s trust policy does not let ${spec.service} assume it.`);

      // What the role can do: its attached policies (the lab's, AWS managed ones, any other) and inline ones.
      const labPolicies = new Map(spec.policies.map((p) => [ctx.arns.policy(p.name), p]));
      const attachedDocs = await attachedDocuments(ctx, observed);
      const identity = [...attachedDocs, ...Object.values(observed.inline)];
      const resources = spec.resourcePolicies?.(ctx) ?? [];
      const can = (action: string, resource: string) =>
        allows(identity, action, sample(resource)) || allows(resources.map((r) => r.document), action, sample(resource), observed.arn);

      const required = [...spec.policies.map((p) => p.document(ctx)), ...Object.entries(desired.inline).filter(([n]) => !spec.advisoryInline?.includes(n)).map(([, d]) => d)];
      for (const g of required.flatMap(grants)) {
        if (can(g.action, g.resource)) continue;
        // Either side may grant it; when the resource with its own policy exists, its
        // check names the gap, so one mistake does not fail two tasks.
        if (resources.some((r) => r.exists && r.arn === g.resource)) continue;
        findings.push(`${spec.name} cannot ${g.action} on ${g.resource}.`);
      }
      for (const [name, doc] of Object.entries(desired.inline).filter(([n]) => spec.advisoryInline?.includes(n))) {
        const missing = grants(doc).filter((g) => !can(g.action, g.resource));
        if (!missing.length) continue;
        const resources = [...new Set(grants(doc).map((g) => g.resource))];
        const why = spec.advisoryWhy?.[name];
        const [on, where] = why ? [`on ${resources.join(', ')}, ${why}`, ''] : ['on its own log group, so its function logs nothing', ` on ${resources.join(', ')}`];
        warnings.push(`${spec.name} cannot ${missing.map((g) => g.action).join(', ')} ${on}. Add an inline policy (${name}) allowing ${missing.length === 1 ? 'it' : 'them'}${where}.`);
      }
      const wanted = spec.policies.map((p) => p.name).join(' and ') || spec.leastPrivilege || 'an inline policy naming what it needs';
      observed.attached.forEach((arn, i) => {
        if (labPolicies.has(arn)) return;
        const name = arn.split('/').pop();
        warnings.push(`${spec.name} has ${arn.includes(':aws:policy/') ? 'the AWS managed policy ' : ''}${name} attached. Least privilege: ${wanted}, scoped to the lab’s resources.`);
        for (const b of breadth(attachedDocs[i], [])) if (b.includes('"*"') || b.includes('every action')) warnings.push(`${name} ${b}.`);
      });
      for (const p of spec.policies) {
        if (!observed.attached.includes(ctx.arns.policy(p.name))) warnings.push(`${p.name} is not attached to ${spec.name}.`);
      }
      return { findings, warnings };
    },
    id: (observed) => observed.arn,
    consoleLink: (region) => `${iamConsole(region)}#/roles/details/${enc(spec.name)}`,
  };
}

/** The documents of a role's attached policies: the lab's from this walk's state, others (AWS managed ones) read once. */
export async function attachedDocuments(ctx: Ctx, role: ObservedRole): Promise<(PolicyDocument | undefined)[]> {
  const iam = await ctx.aws.client('iam');
  return Promise.all(
    role.attached.map(async (arn) => {
      const known = [...ctx.state.values()].find((v) => (v as ObservedPolicy | undefined)?.arn === arn && 'defaultVersionId' in (v as object)) as ObservedPolicy | undefined;
      if (known) return known.document;
      return readOnce(ctx, `iam:policy-document:${arn}`, async () => {
        const { Policy } = await iam.getPolicy({ PolicyArn: arn });
        const { PolicyVersion } = await iam.getPolicyVersion({ PolicyArn: arn, VersionId: Policy!.DefaultVersionId! });
        return parsePolicy(PolicyVersion?.Document);
      });
    }),
  );
}

/** Everything a role's own policies allow, if the walk has seen the role (undefined otherwise). */
export async function identityDocuments(ctx: Ctx, roleArn: string): Promise<(PolicyDocument | undefined)[] | undefined> {
  const role = [...ctx.state.values()].find((v) => (v as ObservedRole | undefined)?.arn === roleArn && 'trust' in (v as object)) as ObservedRole | undefined;
  return role && [...(await attachedDocuments(ctx, role)), ...Object.values(role.inline)];
}

