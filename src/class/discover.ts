// Finds every student's lab in the account when no class list is given: by poc's tags
// (poc:lab=<id>, poc:prefix=<p>, one paged Resource Groups Tagging API listing), and by
// the lab's names, for labs built by hand in the console (untagged): a resource named as
// the lab names it for prefix p is p's. Matching is exact: the whole name must be the
// lab's name of that kind for that prefix, so bo-POC-Queue is bo's, bob-POC-Queue bob's
// and bo-b-POC-Queue bo-b's, never one another's.
import type { Aws } from '../aws/clients.js';
import { errorMessage } from '../aws/errors.js';
import { allPages } from '../aws/pages.js';
import type { AnyResource } from '../engine/resource.js';
import type { Lab, LabPlace } from '../labs/lab.js';

export interface FoundStudent {
  prefix: string;
  /** How it was found. */
  via: ('tags' | 'names')[];
  /** A few of its resources' names, for the record. */
  seen: string[];
}

export interface Discovery {
  students: FoundStudent[];
  /** What could not be looked at, and the lab without a prefix (nobody's in a class). */
  notes: string[];
  /** Each kind's names in the account, as read whole (not narrowed by a prefix): a later estimate reads them here, not again. */
  listed: Map<string, string[]>;
}

type Lister = (aws: Aws, namePrefix: string) => Promise<string[]>;

// The account's names of each kind a lab's names can be found by. Kinds that belong to
// another resource (a table's stream, a topic's subscription, a function's trigger) are
// found through it.
const LISTERS: Record<string, Lister> = {
  'iam-role': async (aws) => {
    const [client, { paginateListRoles }] = await Promise.all([aws.client('iam'), import('../aws/sdk/iam.js')]);
    return (await allPages(paginateListRoles({ client, pageSize: 1000 }, {}), (p) => p.Roles)).map((r) => r.RoleName ?? '');
  },
  'iam-policy': async (aws) => {
    const [client, { paginateListPolicies }] = await Promise.all([aws.client('iam'), import('../aws/sdk/iam.js')]);
    return (await allPages(paginateListPolicies({ client, pageSize: 1000 }, { Scope: 'Local' }), (p) => p.Policies)).map((p) => p.PolicyName ?? '');
  },
  'dynamodb-table': async (aws) => {
    const [client, { paginateListTables }] = await Promise.all([aws.client('dynamodb'), import('../aws/sdk/dynamodb.js')]);
    return allPages(paginateListTables({ client }, {}), (p) => p.TableNames);
  },
  'sqs-queue': async (aws) => {
    const [client, { paginateListQueues }] = await Promise.all([aws.client('sqs'), import('../aws/sdk/sqs.js')]);
    return (await allPages(paginateListQueues({ client, pageSize: 1000 }, {}), (p) => p.QueueUrls)).map((u) => u.split('/').pop() ?? '');
  },
  'lambda-function': async (aws) => {
    const [client, { paginateListFunctions }] = await Promise.all([aws.client('lambda'), import('../aws/sdk/lambda.js')]);
    return (await allPages(paginateListFunctions({ client }, {}), (p) => p.Functions)).map((f) => f.FunctionName ?? '');
  },
  'sns-topic': async (aws) => {
    const [client, { paginateListTopics }] = await Promise.all([aws.client('sns'), import('../aws/sdk/sns.js')]);
    return (await allPages(paginateListTopics({ client }, {}), (p) => p.Topics)).map((t) => t.TopicArn?.split(':').pop() ?? '');
  },
  'rest-api': async (aws) => {
    const [client, { paginateGetRestApis }] = await Promise.all([aws.client('apigateway'), import('../aws/sdk/apigateway.js')]);
    return (await allPages(paginateGetRestApis({ client, pageSize: 500 }, {}), (p) => p.items)).map((a) => a.name ?? '');
  },
  'log-group': async (aws, namePrefix) => {
    const [client, { paginateDescribeLogGroups }] = await Promise.all([aws.client('logs'), import('../aws/sdk/logs.js')]);
    const input = namePrefix ? { logGroupNamePrefix: namePrefix } : {};
    return (await allPages(paginateDescribeLogGroups({ client }, input), (p) => p.logGroups)).map((g) => g.logGroupName ?? '');
  },
};

/** The account's names of one kind of resource (REST APIs, roles, ...), as discovery reads them. */
export function accountNames(aws: Aws, type: string): Promise<string[]> {
  const lister = LISTERS[type];
  if (!lister) throw new Error(`no lister for ${type}`);
  return lister(aws, '');
}

// A prefix no student has, to read where the lab puts a prefix in each of its names.
const MARK = 'pocmarkzq';

interface Template {
  type: string;
  before: string;
  after: string;
}

/** Where the prefix goes in each of the lab's names, by kind. */
function templates(marked: AnyResource[]): Template[] {
  return marked
    .filter((r) => r.name.includes(MARK))
    .map((r) => {
      const at = r.name.indexOf(MARK);
      return { type: r.type, before: r.name.slice(0, at), after: r.name.slice(at + MARK.length) };
    });
}

/**
 * The prefix whose lab has exactly this name of this kind; '' for the unprefixed lab.
 * `onCapitals` hears of a name that would be a lab's but for capital letters in its prefix
 * (built by hand as "Alice-…"): poc addresses lowercase prefixes only.
 */
export function prefixOf(lab: Lab, forms: Template[], type: string, name: string, onCapitals?: (prefix: string) => void): string | undefined {
  const candidates: string[] = [];
  for (const t of forms.filter((f) => f.type === type)) {
    const plain = t.before + t.after.replace(/^-/, '');
    if (name === plain) candidates.push('');
    if (!name.startsWith(t.before) || !name.endsWith(t.after) || name.length <= t.before.length + t.after.length) continue;
    const prefix = name.slice(t.before.length, name.length - t.after.length);
    if (!usable(lab, prefix)) {
      if (prefix !== prefix.toLowerCase() && usable(lab, prefix.toLowerCase())) onCapitals?.(prefix);
      continue;
    }
    candidates.push(prefix);
  }
  // Two of the lab's names of one kind where one ends the other ("Queue", "POC-Queue"):
  // the longer name (the shorter prefix) is the one meant.
  return candidates.sort((a, b) => a.length - b.length)[0];
}

function usable(lab: Lab, prefix: string): boolean {
  try {
    lab.names(prefix);
    return true;
  } catch {
    return false;
  }
}

/** `suggest` builds a poc command with the class run's account options (src/suggest.ts). */
export async function discoverStudents(lab: Lab, aws: Aws, place: LabPlace, suggest: (command: string) => string = (c) => `poc ${c}`): Promise<Discovery> {
  const parts = await lab.load();
  const forms = templates(parts.resources(lab.names(MARK), place));
  const found = new Map<string, FoundStudent>();
  const notes: string[] = [];
  let unprefixed = false;
  const capitals = new Map<string, string>();
  const listed = new Map<string, string[]>();
  const add = (prefix: string, via: 'tags' | 'names', name: string) => {
    if (!prefix) {
      unprefixed = true;
      return;
    }
    const f = found.get(prefix) ?? { prefix, via: [], seen: [] };
    if (!f.via.includes(via)) f.via.push(via);
    if (f.seen.length < 3 && !f.seen.includes(name)) f.seen.push(name);
    found.set(prefix, f);
  };

  const byTags = async () => {
    try {
      const [client, { paginateGetResources }] = await Promise.all([aws.client('tagging'), import('../aws/sdk/tagging.js')]);
      const mapped = await allPages(paginateGetResources({ client, pageSize: 100 }, { TagFilters: [{ Key: 'poc:lab', Values: [lab.id] }] }), (p) => p.ResourceTagMappingList);
      for (const m of mapped) {
        const prefix = m.Tags?.find((t) => t.Key === 'poc:prefix')?.Value ?? '';
        try {
          lab.names(prefix);
        } catch {
          continue; // a tag someone edited by hand into something no lab name can carry
        }
        add(prefix, 'tags', m.ResourceARN?.split(/[:/]/).pop() ?? '');
      }
    } catch (error) {
      notes.push(`Could not list the tagged resources (${errorMessage(error)}); students were found by their resources' names only.`);
    }
  };

  const byNames = async (type: string) => {
    const lister = LISTERS[type];
    const mine = forms.filter((f) => f.type === type);
    // Narrow a listing by the part every name of this kind starts with (log groups' /aws/lambda/).
    const common = mine.every((f) => f.before === mine[0].before) ? mine[0].before : '';
    try {
      const names = await lister(aws, common);
      if (!common) listed.set(type, names);
      for (const name of names) {
        const prefix = prefixOf(lab, forms, type, name, (p) => capitals.set(p, capitals.get(p) ?? name));
        if (prefix !== undefined) add(prefix, 'names', name);
      }
    } catch (error) {
      notes.push(`Could not list the account's ${type}s (${errorMessage(error)}).`);
    }
  };

  const types = [...new Set(forms.map((f) => f.type))].filter((t) => LISTERS[t]);
  await Promise.all([byTags(), ...types.map(byNames)]);
  for (const [prefix, name] of capitals) {
    // Not a student poc can address: said, so that a lab built by hand is not silently left out.
    notes.push(
      `${name} looks like part of the ${lab.id} lab with the prefix "${prefix}", which poc cannot address: prefixes are lowercase (S3 names are, and IAM ignores case). It is left out of the class; rebuild it with --prefix ${prefix.toLowerCase()}, and delete the "${prefix}" resources by hand.`,
    );
  }
  if (unprefixed) notes.push(`A lab without a prefix exists too; it is nobody's in the class (see it with \`${suggest('status')}\`).`);
  return { students: [...found.values()].sort((a, b) => a.prefix.localeCompare(b.prefix)), notes, listed };
}
