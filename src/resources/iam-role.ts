// An IAM role: who may assume it (trust policy), the managed policies attached to it,
// and inline policies for what belongs to this role alone (its own log group, say).
import { hasCode } from '../aws/errors.js';
import type { Ctx, Resource } from '../engine/resource.js';
import { parsePolicy, policy, policyText, samePolicy, type PolicyDocument } from './policy-document.js';
import { tagList } from './tags.js';

export interface RoleSpec {
  key: string;
  task: number;
  name: string;
  description: string;
  /** The service that assumes it, e.g. lambda.amazonaws.com. */
  service: string;
  /** Keys and names of the lab's managed policies to attach. */
  policies: { key: string; name: string }[];
  inline?(ctx: Ctx): Record<string, PolicyDocument>;
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
      const iam = await ctx.aws.client('iam');
      try {
        const [{ Role }, { AttachedPolicies = [] }, { PolicyNames = [] }] = await Promise.all([
          iam.getRole({ RoleName: spec.name }),
          iam.listAttachedRolePolicies({ RoleName: spec.name }),
          iam.listRolePolicies({ RoleName: spec.name }),
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
      const reasons: string[] = [];
      if (!samePolicy(desired.trust, observed.trust)) reasons.push(`its trust policy does not let ${spec.service} (only) assume it`);
      for (const arn of desired.attached) {
        if (!observed.attached.includes(arn)) reasons.push(`policy ${arn.split('/').pop()} is not attached`);
      }
      for (const [name, doc] of Object.entries(desired.inline)) {
        if (!(name in observed.inline)) reasons.push(`inline policy ${name} is missing`);
        else if (!samePolicy(doc, observed.inline[name])) reasons.push(`inline policy ${name} differs from the lab’s`);
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
        await iam.updateAssumeRolePolicy({ RoleName: spec.name, PolicyDocument: policyText(desired.trust) });
      }
      await Promise.all([
        ...desired.attached
          .filter((a) => !observed?.attached.includes(a))
          .map((PolicyArn) => iam.attachRolePolicy({ RoleName: spec.name, PolicyArn })),
        ...Object.entries(desired.inline)
          .filter(([name, doc]) => !observed || !samePolicy(doc, observed.inline[name]))
          .map(([PolicyName, doc]) => iam.putRolePolicy({ RoleName: spec.name, PolicyName, PolicyDocument: policyText(doc) })),
      ]);
      return {
        arn: arn!,
        trust: desired.trust,
        attached: [...new Set([...(observed?.attached ?? []), ...desired.attached])],
        inline: { ...(observed?.inline ?? {}), ...desired.inline },
      };
    },
    async destroy(ctx) {
      const iam = await ctx.aws.client('iam');
      const RoleName = spec.name;
      try {
        // IAM refuses DeleteRole while anything is attached (DeleteConflict).
        const [{ AttachedPolicies = [] }, { PolicyNames = [] }, { InstanceProfiles = [] }] = await Promise.all([
          iam.listAttachedRolePolicies({ RoleName }),
          iam.listRolePolicies({ RoleName }),
          iam.listInstanceProfilesForRole({ RoleName }),
        ]);
        await Promise.all([
          ...AttachedPolicies.map((p) => iam.detachRolePolicy({ RoleName, PolicyArn: p.PolicyArn })),
          ...PolicyNames.map((PolicyName) => iam.deleteRolePolicy({ RoleName, PolicyName })),
          ...InstanceProfiles.map((p) => iam.removeRoleFromInstanceProfile({ RoleName, InstanceProfileName: p.InstanceProfileName })),
        ]);
        await iam.deleteRole({ RoleName });
        return 'deleted';
      } catch (error) {
        if (notFound(error)) return 'absent';
        throw error;
      }
    },
    id: (observed) => observed.arn,
  };
}
