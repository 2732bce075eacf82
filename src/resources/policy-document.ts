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
