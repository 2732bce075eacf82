// Reads that list go through the SDK's paginators with poc's own trimmed clients
// (src/aws/sdk/): every page is read, not only the first. moto answers these listings in
// one page, so the client here answers in pages of one item, as AWS may (IAM pages at 100
// by default; a lab built by hand may carry more).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Aws } from '../src/aws/clients.js';
import { IAM } from '../src/aws/sdk/iam.js';
import type { Ctx } from '../src/engine/resource.js';
import { iamRole } from '../src/resources/iam-role.js';

/** poc's IAM client answering from these lists, one item a page (Marker = the next index). */
function pagedIam(lists: Record<string, Record<string, unknown[]>>, sent: string[]) {
  const client = new IAM({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  client.send = (async (command: { constructor: { name: string }; input: { Marker?: string } }) => {
    const operation = command.constructor.name.replace(/Command$/, '');
    sent.push(`${operation}${command.input.Marker ? ` ${command.input.Marker}` : ''}`);
    if (operation === 'GetRole') return { Role: { Arn: 'arn:aws:iam::123456789012:role/R', AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' } };
    if (operation === 'GetRolePolicy') return { PolicyDocument: '{"Version":"2012-10-17","Statement":[]}' };
    const [member, items] = Object.entries(lists[operation] ?? {})[0] ?? ['', []];
    const at = Number(command.input.Marker ?? 0);
    const more = at + 1 < items.length;
    return { [member]: items.slice(at, at + 1), IsTruncated: more, ...(more ? { Marker: String(at + 1) } : {}) };
  }) as never;
  return client;
}

describe("the SDK's paginators with poc's trimmed clients", () => {
  it("a role's attached and inline policies are read to the last page", async () => {
    const sent: string[] = [];
    const iam = pagedIam(
      {
        ListAttachedRolePolicies: { AttachedPolicies: [{ PolicyArn: 'arn:aws:iam::123456789012:policy/A' }, { PolicyArn: 'arn:aws:iam::123456789012:policy/B' }] },
        ListRolePolicies: { PolicyNames: ['one', 'two', 'three'] },
      },
      sent,
    );
    const role = iamRole({ key: 'role', task: 1, name: 'R', description: '', service: 'lambda.amazonaws.com', policies: [] });
    const ctx = { aws: { client: async () => iam } as unknown as Aws } as Ctx;
    const observed = (await role.observe(ctx))!;
    assert.deepEqual(observed.attached, ['arn:aws:iam::123456789012:policy/A', 'arn:aws:iam::123456789012:policy/B']);
    assert.deepEqual(Object.keys(observed.inline).sort(), ['one', 'three', 'two']);
    assert.deepEqual(sent.filter((s) => s.startsWith('List')).sort(), ['ListAttachedRolePolicies', 'ListAttachedRolePolicies 1', 'ListRolePolicies', 'ListRolePolicies 1', 'ListRolePolicies 2']);
  });
});
