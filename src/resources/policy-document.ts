// IAM-style policy documents: compared by meaning, not by bytes, because AWS hands
// them back re-serialised (IAM URL-encodes them, SQS re-orders keys, a one-element
// list may come back as a plain string).

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
  [key: string]: unknown;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Id?: string;
  Statement: Statement[];
}

export function parsePolicy(text: string | undefined): PolicyDocument | undefined {
  if (!text) return undefined;
  const decoded = text.trimStart().startsWith('%') ? decodeURIComponent(text) : text;
  return JSON.parse(decoded) as PolicyDocument;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (items.length === 1) return items[0];
    return items.map((i) => JSON.stringify(i)).sort().map((i) => JSON.parse(i));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => k !== 'Sid' && k !== 'Id')
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** True when both documents grant the same thing (Sid and Id do not count). */
export function samePolicy(a: PolicyDocument | undefined, b: PolicyDocument | undefined): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export function policyText(doc: PolicyDocument): string {
  return JSON.stringify(doc);
}

export function allow(actions: string[], resources: string | string[], extra: Partial<Statement> = {}): Statement {
  return { Effect: 'Allow', Action: actions, Resource: resources, ...extra };
}

export function policy(...statements: Statement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

export function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

// --- Evaluating what a policy allows (for `poc check`): Allow and Deny, Action and
// Resource with IAM's * and ? wildcards. NotAction/NotResource and Conditions are rare
// in a hand-built lab; a statement using them is not counted as allowing anything.

function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '');
}

const matchesAny = (patterns: string[], value: string, caseInsensitive: boolean) => patterns.some((p) => globToRegExp(p, caseInsensitive).test(value));

function principalMatches(principal: unknown, arn: string | undefined): boolean {
  if (arn === undefined) return true;
  if (principal === '*') return true;
  if (principal && typeof principal === 'object') {
    const aws = asList((principal as { AWS?: unknown }).AWS);
    // An account principal (root, or a bare account ID) grants nothing by itself: it hands
    // the decision to the identity's own IAM policies, which are evaluated separately.
    return aws.includes('*') || aws.includes(arn);
  }
  return false;
}

function statementApplies(s: Statement, action: string, resource: string, principal?: string): boolean {
  if (s.NotAction !== undefined || s.NotResource !== undefined || s.Condition !== undefined) return false;
  if (principal !== undefined && !principalMatches(s.Principal, principal)) return false;
  return matchesAny(asList(s.Action), action, true) && matchesAny(asList(s.Resource), resource, false);
}

/** Does this set of documents allow the action on the resource (for the principal, in a resource policy)? */
export function allows(docs: (PolicyDocument | undefined)[], action: string, resource: string, principal?: string): boolean {
  const statements = docs.flatMap((d) => d?.Statement ?? []);
  const applicable = statements.filter((s) => statementApplies(s, action, resource, principal));
  return applicable.some((s) => s.Effect === 'Allow') && !applicable.some((s) => s.Effect === 'Deny');
}

/**
 * Does this trust policy let the service principal (apigateway.amazonaws.com) call
 * sts:AssumeRole? An Allow names it (or *) and no Deny does. Unlike `allows`, a Condition
 * is taken as met: the usual ones (aws:SourceAccount, aws:SourceArn) hold for the caller
 * the trust is written for, and the local stage must not refuse a role AWS would accept.
 */
export function trustsService(doc: PolicyDocument | undefined, service: string): boolean {
  const statements: Statement[] = doc ? (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) : [];
  const applies = (s: Statement) => {
    const p = s.Principal as { Service?: unknown; AWS?: unknown } | string | undefined;
    const named = p === '*' || (typeof p === 'object' && (asList(p.Service).includes(service) || asList(p.AWS).includes('*')));
    return named && s.NotAction === undefined && matchesAny(asList(s.Action), 'sts:AssumeRole', true);
  };
  return statements.some((s) => s.Effect === 'Allow' && applies(s)) && !statements.some((s) => s.Effect === 'Deny' && applies(s));
}

/** Every (action, resource) pair a document grants, as listed (for "wants" lists). */
export function grants(doc: PolicyDocument): { action: string; resource: string }[] {
  return doc.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => asList(s.Action).flatMap((action) => asList(s.Resource).map((resource) => ({ action, resource }))));
}

/** Where a document is looser than needed: wildcard resources or actions, and actions beyond `needed`. */
export function breadth(doc: PolicyDocument | undefined, needed: string[]): string[] {
  const notes: string[] = [];
  for (const s of doc?.Statement ?? []) {
    if (s.Effect !== 'Allow') continue;
    const actions = asList(s.Action);
    if (asList(s.Resource).includes('*') && !actions.every((a) => NEEDS_STAR.includes(a.toLowerCase()))) notes.push(`allows ${actions.join(', ')} on every resource ("Resource": "*")`);
    const wild = actions.filter((a) => a.includes('*'));
    if (wild.length) notes.push(`allows every action matching ${wild.join(', ')}`);
    const extra = actions.filter((a) => !a.includes('*') && !needed.some((n) => n.toLowerCase() === a.toLowerCase()));
    if (extra.length) notes.push(`also allows ${extra.join(', ')}, which the pipeline does not need`);
  }
  return notes;
}

/** Grants in words, each resource named once: "a, b on arn:…:queue; c on *". */
export function grantsText(gs: { action: string; resource: string }[]): string {
  const byResource = new Map<string, string[]>();
  for (const g of gs) byResource.set(g.resource, [...(byResource.get(g.resource) ?? []), g.action]);
  return [...byResource].map(([resource, actions]) => `${actions.join(', ')} on ${resource}`).join('; ');
}

/** Actions AWS cannot scope to a resource: "Resource": "*" is the only way to grant them. */
export const NEEDS_STAR = ['dynamodb:liststreams', 'sns:listtopics', 'sqs:listqueues', 'logs:describelogGroups'.toLowerCase()];
