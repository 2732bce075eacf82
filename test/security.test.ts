// Least privilege and secrets. After setup, every policy the lab made is read back from
// moto (the managed policies' default versions, every role's trust and inline policies,
// what is attached to each role, the queue's access policy) and audited: no wildcard
// action, no "Resource": "*" except for actions AWS cannot scope, no principal "*".
// And the CLI never prints the credentials it runs with, in any output mode, on success
// or on error.
import assert from 'node:assert/strict';
import { runPoc } from './helpers/cli.js';
import { after, describe, it } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import { directClients, guideNames, startFaultProxy, type CannedAnswer, type FaultProxy } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const EMAIL = 'student@example.com';

/** Actions that act on the account, not on a resource: AWS only accepts "Resource": "*" for them. */
const UNSCOPABLE = ['dynamodb:ListStreams'];

const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: '0.01' } });

interface Statement {
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: string | string[];
  NotResource?: unknown;
  Condition?: unknown;
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** IAM hands documents back URL-encoded; SQS as plain JSON. */
function parse(text: string | undefined, where: string): Statement[] {
  assert.ok(text, `${where} has no document`);
  const json = text.trimStart().startsWith('{') ? text : decodeURIComponent(text);
  const doc = JSON.parse(json) as { Statement: Statement | Statement[] };
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

/** What is too broad in an identity policy (empty when it is least privilege). */
function auditIdentityPolicy(where: string, statements: Statement[]): string[] {
  const problems: string[] = [];
  for (const [i, s] of statements.entries()) {
    const at = `${where} statement ${i + 1}`;
    if (s.NotAction !== undefined) problems.push(`${at} uses NotAction (allows everything else)`);
    if (s.NotResource !== undefined) problems.push(`${at} uses NotResource (allows everything else)`);
    if (s.Effect !== 'Allow') continue;
    const actions = list(s.Action);
    for (const a of actions.filter((a) => a.includes('*'))) problems.push(`${at} allows the wildcard action ${a}`);
    if (list(s.Resource).some((r) => r === '*')) {
      const unscoped = actions.filter((a) => !UNSCOPABLE.some((u) => u.toLowerCase() === a.toLowerCase()));
      if (unscoped.length) problems.push(`${at} allows ${unscoped.join(', ')} on "Resource": "*"`);
    }
    for (const r of list(s.Resource).filter((r) => r !== '*' && /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r))) {
      problems.push(`${at} names every resource of a service (${r})`);
    }
  }
  return problems;
}

/** What is wrong with a resource policy: principals other than the given ones, wildcards. */
function auditResourcePolicy(where: string, statements: Statement[], principals: string[]): string[] {
  const problems = auditIdentityPolicy(where, statements);
  for (const [i, s] of statements.entries()) {
    const at = `${where} statement ${i + 1}`;
    if (s.NotPrincipal !== undefined) problems.push(`${at} uses NotPrincipal`);
    if (s.Effect !== 'Allow') continue;
    if (s.Principal === '*') {
      problems.push(`${at} allows any principal ("*")`);
      continue;
    }
    const p = (s.Principal ?? {}) as Record<string, unknown>;
    for (const [kind, values] of Object.entries(p)) {
      for (const v of list(values)) {
        if (kind !== 'AWS' || !principals.includes(v)) problems.push(`${at} allows ${kind} principal ${v}`);
      }
    }
    if (!Object.keys(p).length) problems.push(`${at} names no principal`);
  }
  return problems;
}

describe('the audit itself flags what it must (so a pass means something)', () => {
  it('flags wildcard actions, "Resource": "*", service-wide ARNs, NotAction and foreign principals', () => {
    assert.deepEqual(auditIdentityPolicy('ok', [{ Effect: 'Allow', Action: ['dynamodb:ListStreams'], Resource: '*' }]), []);
    assert.equal(auditIdentityPolicy('p', [{ Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:us-east-1:1:q' }]).length, 1);
    assert.equal(auditIdentityPolicy('p', [{ Effect: 'Allow', Action: '*', Resource: '*' }]).length, 2);
    assert.equal(auditIdentityPolicy('p', [{ Effect: 'Allow', Action: ['sns:Publish'], Resource: '*' }]).length, 1);
    assert.equal(auditIdentityPolicy('p', [{ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:ListStreams'], Resource: '*' }]).length, 1);
    assert.equal(auditIdentityPolicy('p', [{ Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: 'arn:aws:dynamodb:us-east-1:1:*' }]).length, 1);
    assert.equal(auditIdentityPolicy('p', [{ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:sqs:us-east-1:1:q' }]).length, 1);
    const mine = `arn:aws:iam::${ACCOUNT}:role/APIGateway-SQS`;
    assert.deepEqual(auditResourcePolicy('q', [{ Effect: 'Allow', Principal: { AWS: mine }, Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:1:q' }], [mine]), []);
    assert.equal(auditResourcePolicy('q', [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:1:q' }], [mine]).length, 1);
    assert.equal(auditResourcePolicy('q', [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:1:q' }], [mine]).length, 1);
    assert.equal(auditResourcePolicy('q', [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:1:q' }], [mine]).length, 1);
  });
});

describe('every policy the lab makes is least privilege', () => {
  it('managed policies, trust and inline policies, attachments and the queue policy', async () => {
    await moto.reset();
    const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
    const built = await setup({ endpointUrl: moto.endpoint, region: REGION, email: EMAIL }, { reporter: await createReporter({ json: true }), aws });
    assert.equal(built.exitCode, 0, built.error?.message);

    const c = directClients(moto.endpoint);
    const names = guideNames();
    const problems: string[] = [];
    const labPolicyArns = names.policies.map((p) => `arn:aws:iam::${ACCOUNT}:policy/${p}`);
    let audited = 0;

    for (const arn of labPolicyArns) {
      const { Policy } = await c.iam.getPolicy({ PolicyArn: arn });
      const { PolicyVersion } = await c.iam.getPolicyVersion({ PolicyArn: arn, VersionId: Policy!.DefaultVersionId! });
      const statements = parse(PolicyVersion?.Document, arn);
      assert.ok(statements.length, `${arn} grants nothing`);
      problems.push(...auditIdentityPolicy(`policy ${Policy!.PolicyName}`, statements));
      audited++;
    }

    const services: Record<string, string> = {
      [names.roles[0]]: 'lambda.amazonaws.com',
      [names.roles[1]]: 'lambda.amazonaws.com',
      [names.roles[2]]: 'apigateway.amazonaws.com',
    };
    for (const role of names.roles) {
      const { Role } = await c.iam.getRole({ RoleName: role });
      // Trust: exactly the one service that uses the role may assume it.
      for (const [i, s] of parse(Role!.AssumeRolePolicyDocument, `${role} trust policy`).entries()) {
        const at = `role ${role} trust statement ${i + 1}`;
        if (s.Effect !== 'Allow') continue;
        if (s.Principal === '*') problems.push(`${at} lets anyone assume the role`);
        const p = (s.Principal ?? {}) as Record<string, unknown>;
        assert.deepEqual(Object.keys(p), ['Service'], `${at} trusts ${JSON.stringify(s.Principal)}`);
        assert.deepEqual(list(p.Service), [services[role]], `${at} trusts ${JSON.stringify(s.Principal)}`);
        assert.deepEqual(list(s.Action), ['sts:AssumeRole'], `${at} allows ${JSON.stringify(s.Action)}`);
      }
      audited++;
      const { PolicyNames = [] } = await c.iam.listRolePolicies({ RoleName: role });
      for (const name of PolicyNames) {
        const { PolicyDocument } = await c.iam.getRolePolicy({ RoleName: role, PolicyName: name });
        problems.push(...auditIdentityPolicy(`role ${role} inline policy ${name}`, parse(PolicyDocument, `${role}/${name}`)));
        audited++;
      }
      // Only the lab's own policies are attached: no AWS managed FullAccess policy.
      const { AttachedPolicies = [] } = await c.iam.listAttachedRolePolicies({ RoleName: role });
      for (const p of AttachedPolicies) if (!labPolicyArns.includes(p.PolicyArn!)) problems.push(`role ${role} has ${p.PolicyArn} attached`);
    }

    for (const queue of names.queues) {
      const { QueueUrl } = await c.sqs.getQueueUrl({ QueueName: queue });
      const { Attributes = {} } = await c.sqs.getQueueAttributes({ QueueUrl, AttributeNames: ['Policy'] });
      // The DLQ needs none: only SQS itself moves messages there. Nor does the failures queue:
      // Lambda sends to it with the function's execution role, whose own policy grants it.
      if (queue !== names.queues[0] && !Attributes.Policy) continue;
      const principals = [`arn:aws:iam::${ACCOUNT}:role/${names.roles[2]}`, `arn:aws:iam::${ACCOUNT}:role/${names.roles[0]}`];
      const statements = parse(Attributes.Policy, `${queue} access policy`);
      problems.push(...auditResourcePolicy(`queue ${queue} access policy`, statements, principals));
      for (const s of statements) assert.deepEqual(list(s.Resource), [`arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`], `${queue}'s policy is about ${JSON.stringify(s.Resource)}`);
      // Both lab roles are named: the API's role may send, the function's role may receive.
      const named = statements.flatMap((s) => list((s.Principal as { AWS?: unknown } | undefined)?.AWS));
      assert.deepEqual([...new Set(named)].sort(), [...principals].sort());
      audited++;
    }

    for (const client of Object.values(c)) client.destroy();
    assert.ok(audited >= 4 + 3 + 3 + 1, `only ${audited} documents were audited`);
    assert.deepEqual(problems, []);
  });
});

// ---- credentials never appear in any output ----

const SECRETS = { AWS_ACCESS_KEY_ID: 'AKIASECRETKEYID1234', AWS_SECRET_ACCESS_KEY: 'verysecretvalue/abc+123', AWS_SESSION_TOKEN: 'sessiontokenvalue123' };
/** Each secret as written, and as it would look URL-encoded or in JSON. */
const LEAKS = Object.values(SECRETS).flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1), s.slice(0, 12)]);

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...SECRETS, CI: '1', AWS_REGION: REGION, POC_BACKOFF_SCALE: '0.01' };
  delete env.AWS_PROFILE;
  return runPoc(args, env);
}

function assertNoSecrets(run: { stdout: string; stderr: string }, what: string) {
  for (const leak of LEAKS) {
    assert.ok(!run.stdout.includes(leak), `${what}: stdout shows ${leak}`);
    assert.ok(!run.stderr.includes(leak), `${what}: stderr shows ${leak}`);
  }
}

const xmlError = (status: number, code: string, message: string): CannedAnswer => ({
  status,
  headers: { 'content-type': 'text/xml' },
  body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>x</RequestId></ErrorResponse>`,
});

describe('credentials never appear in the output', () => {
  let proxy: FaultProxy | undefined;
  after(async () => {
    await proxy?.close();
  });

  it('setup --verbose --json, status --verbose, status --json', async () => {
    await moto.reset();
    const endpoint = ['--endpoint-url', moto.endpoint, '--region', REGION];
    const runs = {
      'setup --verbose --json': await cli(['setup', '--email', EMAIL, ...endpoint, '--verbose', '--json']),
      'status --verbose': await cli(['status', ...endpoint, '--verbose']),
      'status --json': await cli(['status', ...endpoint, '--json']),
    };
    assert.equal(runs['setup --verbose --json'].code, 0, runs['setup --verbose --json'].stderr);
    assert.equal(runs['status --verbose'].code, 0, runs['status --verbose'].stderr);
    // There was something to leak: every call listed, and the whole result as JSON.
    assert.match(runs['status --verbose'].stderr, /aws iam GetPolicy/, 'status --verbose lists the calls');
    assert.match(runs['setup --verbose --json'].stdout, /"account": "123456789012"/);
    for (const [what, run] of Object.entries(runs)) assertNoSecrets(run, what);
  });

  it('rejected credentials: exit 1, says how to configure credentials, shows none of them (also with --verbose)', async () => {
    // moto accepts any key: the proxy answers sts as AWS does for a key it does not know.
    proxy = await startFaultProxy({
      target: moto.endpoint,
      respond: (info) => (info.service === 'sts' ? xmlError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.') : undefined),
    });
    for (const args of [['status'], ['status', '--verbose'], ['setup', '--email', EMAIL, '--verbose'], ['setup', '--email', EMAIL, '--json']]) {
      const run = await cli([...args, '--endpoint-url', proxy.endpoint, '--region', REGION]);
      const what = args.join(' ');
      assert.equal(run.code, 1, `${what}: exit code; stderr:\n${run.stderr}`);
      assert.match(run.stderr, /credentials/i, `${what}: says the credentials are the problem`);
      assert.match(run.stderr, /aws configure|AWS_ACCESS_KEY_ID/, `${what}: says how to configure them`);
      assertNoSecrets(run, what);
    }
  });

  it('an AWS error half-way (with --verbose stack traces) shows none of them', async () => {
    await moto.reset();
    await proxy?.close();
    proxy = await startFaultProxy({
      target: moto.endpoint,
      respond: (info) =>
        info.operation === 'CreateRole'
          ? xmlError(403, 'AccessDenied', `User: arn:aws:iam::${ACCOUNT}:user/student is not authorized to perform: iam:CreateRole`)
          : undefined,
    });
    const run = await cli(['setup', '--email', EMAIL, '--endpoint-url', proxy.endpoint, '--region', REGION, '--verbose']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /access denied/i);
    assertNoSecrets(run, 'setup --verbose, access denied');
  });
});
