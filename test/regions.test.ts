// IAM is global, the lab's other resources regional: a second region with the same prefix
// must not rewrite (setup) or delete (cleanup) the IAM that a lab in the first region runs on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { cleanup } from '../src/commands/cleanup.js';
import { setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { PocError } from '../src/errors.js';
import { createReporter } from '../src/ui/reporter.js';
import { motoPerFile, sdk } from './helpers/lab.js';

const moto = motoPerFile();
const EMAIL = 'a@example.com';

/** The prefix's roles and managed policies, each with its documents (IAM is global: no region). */
async function iamOf(prefix: string): Promise<string[]> {
  const { iam } = sdk(moto);
  const roles = ((await iam.listRoles({})).Roles ?? []).filter((r) => r.RoleName!.startsWith(`${prefix}-`));
  const withInline = await Promise.all(
    roles.map(async (r) => {
      const names = (await iam.listRolePolicies({ RoleName: r.RoleName })).PolicyNames ?? [];
      const docs = await Promise.all(names.map(async (n) => (await iam.getRolePolicy({ RoleName: r.RoleName, PolicyName: n })).PolicyDocument));
      return `role ${r.RoleName} ${JSON.stringify(docs)}`;
    }),
  );
  const policies = ((await iam.listPolicies({ Scope: 'Local' })).Policies ?? []).filter((p) => p.PolicyName!.startsWith(`${prefix}-`)).map((p) => `policy ${p.PolicyName} v${p.DefaultVersionId}`);
  return [...withInline, ...policies].sort();
}
// Both labs: the order lab's IAM is managed policies, the inventory lab's roles carry inline ones.
for (const lab of ['orders', 'inventory']) {
const opts = (region: string, prefix: string) => ({ endpointUrl: moto.endpoint, region, prefix, lab });

describe(`${lab} lab: a lab of the same prefix in another region`, { concurrency: true }, () => {
  it('setup in a second region refuses with exit 2 before any change, naming the region and --prefix', async () => {
    const prefix = `xr-setup-${lab.slice(0, 3)}`;
    const first = await setup({ ...opts('us-east-1', prefix), email: EMAIL }, { reporter: await createReporter({ json: true }) });
    assert.equal(first.exitCode, 0, first.error?.message);
    const aws = await createAws({ endpointUrl: moto.endpoint, region: 'eu-west-1' });
    await assert.rejects(
      setup({ ...opts('eu-west-1', prefix), email: EMAIL }, { reporter: await createReporter({ json: true }), aws }),
      (error: unknown) => {
        assert.ok(error instanceof PocError);
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /us-east-1/);
        assert.match(error.hint ?? '', /--prefix/);
        assert.match(error.hint ?? '', /--region eu-west-1/, 'the suggested command keeps this run’s options');
        return true;
      },
    );
    assert.deepEqual(aws.calls.filter((c) => c.mutating).map((c) => `${c.service}:${c.operation}`), [], 'no change was made');
    const there = await status(opts('us-east-1', prefix), {});
    assert.equal(there.exitCode, 0, 'the first lab is intact');
  });

  it('cleanup in a second region keeps the IAM that serves the first region’s lab, and says so', async () => {
    const prefix = `xr-clean-${lab.slice(0, 3)}`;
    const first = await setup({ ...opts('us-east-1', prefix), email: EMAIL }, { reporter: await createReporter({ json: true }) });
    assert.equal(first.exitCode, 0, first.error?.message);
    const iamBefore = await iamOf(prefix);
    assert.ok(iamBefore.length > 0);
    const cleaned = await cleanup({ ...opts('eu-west-1', prefix), yes: true }, { reporter: await createReporter({ json: true }) });
    assert.equal(cleaned.exitCode, 0, cleaned.error?.message);
    assert.deepEqual(cleaned.found.filter((r) => r.type.startsWith('iam-')), [], 'IAM is not listed for deletion');
    assert.match(cleaned.notes.join('\n'), /us-east-1/);
    assert.deepEqual(await iamOf(prefix), iamBefore, 'every role and policy, with its inline policies, as before');
    const there = await status(opts('us-east-1', prefix), {});
    assert.equal(there.exitCode, 0, 'the first lab is intact');
  });
});
}
