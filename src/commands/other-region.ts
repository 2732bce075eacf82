// IAM names are global, the ARNs in the lab's policies regional: a lab of the same prefix
// in another region shares its policies and roles with this one. Setting up here would
// rewrite them (and break that lab); cleaning up here would delete what that lab runs on.
// The policy documents say which region they serve: the managed policies' (the order lab)
// and the roles' inline ones (the inventory lab's roles carry only inline policies).
import { toPocError } from '../aws/errors.js';
import type { AnyResource, Ctx } from '../engine/resource.js';
import { observation, type Readings } from '../engine/walks.js';
import type { PolicyDocument } from '../resources/policy-document.js';

export interface OtherRegionLab {
  /** The region the existing policies name. */
  region: string;
  /** The policies that name it. */
  policies: string[];
}

const ARN_REGION = /^arn:[^:]+:[^:]+:([^:]+):/;

function regionsIn(document: PolicyDocument | undefined): string[] {
  const found = new Set<string>();
  for (const statement of document?.Statement ?? []) {
    for (const resource of [statement.Resource ?? []].flat()) {
      const region = ARN_REGION.exec(String(resource))?.[1];
      if (region && region !== '*') found.add(region);
    }
  }
  return [...found];
}

/** The lab (same prefix, same account) that the existing IAM policies serve in another region, if any. */
export async function labInOtherRegion(resources: AnyResource[], ctx: Ctx, readings?: Readings): Promise<OtherRegionLab | undefined> {
  const iam = resources.filter((r) => r.type === 'iam-policy' || r.type === 'iam-role');
  const seen = await Promise.all(
    iam.map(async (p) => {
      try {
        const observed = (await observation(p, ctx, readings)) as { document?: PolicyDocument; inline?: Record<string, PolicyDocument | undefined> } | undefined;
        const documents = [observed?.document, ...Object.values(observed?.inline ?? {})];
        return { name: p.name, regions: [...new Set(documents.flatMap(regionsIn))] };
      } catch (error) {
        throw toPocError(error, `Reading ${p.type} ${p.name}`);
      }
    }),
  );
  const elsewhere = seen.flatMap((s) => s.regions.filter((r) => r !== ctx.region).map((region) => ({ region, name: s.name })));
  if (!elsewhere.length) return undefined;
  const region = elsewhere[0].region;
  return { region, policies: [...new Set(elsewhere.filter((e) => e.region === region).map((e) => e.name))] };
}
