// The inventory lab (--lab inventory) against moto, with the commands called in-process:
// setup builds tasks 0-5 and what it built is read back with plain SDK clients (the key
// schema and stream, the roles' policies, the functions, the bucket's notification and
// the function's permission, the topic and subscription, the stream trigger); a re-run
// sends no mutating call; two prefixes are kept apart; cleanup leaves nothing, the bucket
// and its every object version included; check accepts the course's AWS managed policies
// with least-privilege warnings; tasks, explain, status and setup --step take task 0.
// Expected names and ARNs are spelled out here, not taken from src/.
//
// Moto differences: email subscriptions come back confirmed (AWS: pending), and the AWS
// managed policies exist only because moto starts with MOTO_IAM_LOAD_MANAGED_POLICIES.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S3 } from '@aws-sdk/client-s3';
import type { Aws } from '../src/aws/clients.js';
import { check } from '../src/commands/check.js';
import { cleanup } from '../src/commands/cleanup.js';
import { explain } from '../src/commands/explain.js';
import { selectTasks, setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { parseTask, parseTaskList } from '../src/commands/task-args.js';
import { tasks } from '../src/commands/tasks.js';
import { selectLab } from '../src/labs/index.js';
import { buildingTasks } from '../src/labs/lab.js';
import { upload } from './helpers/try-it.js';
import { createReporter } from '../src/ui/reporter.js';
import { statusView } from '../src/ui/views.js';
import { ACCOUNT, EMAIL, list, motoPerFile, newAws, parseDocument, REGION, sdk } from './helpers/lab.js';

const moto = motoPerFile({ resetEach: true, managedPolicies: true, env: { POC_BACKOFF_SCALE: '0.01', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });

const LAB = 'inventory';
const n = (prefix: string, base: string) => (prefix ? `${prefix}-${base}` : base);
const bucketOf = (prefix = '') => `${prefix ? `${prefix.toLowerCase()}-` : ''}inventory-${ACCOUNT}-${REGION}`;
const tableArn = (prefix = '') => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${n(prefix, 'Inventory')}`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const logArn = (group: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}`;

const options = (extra: Record<string, unknown> = {}) => ({ endpointUrl: moto.endpoint, region: REGION, lab: LAB, email: EMAIL, yes: true, ...extra });
const quiet = () => createReporter({ json: true });
const mutating = (aws: Aws) => aws.calls.filter((c) => c.mutating).map((c) => `${c.service}:${c.operation}`);
const s3 = () => new S3({ endpoint: moto.endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

async function runSetup(extra: Record<string, unknown> = {}, aws?: Aws) {
  return setup(options(extra), { reporter: await quiet(), ...(aws ? { aws } : {}) });
}

/** Every resource the lab makes lists as, by kind, read with the SDK. */
async function everything() {
  const c = sdk(moto);
  const last = (text: string | undefined, sep: string) => (text ?? '').split(sep).pop()!;
  return {
    buckets: ((await s3().listBuckets({})).Buckets ?? []).map((b) => b.Name!).sort(),
    roles: ((await c.iam.listRoles({})).Roles ?? []).map((r) => r.RoleName!).sort(),
    tables: ((await c.dynamodb.listTables({})).TableNames ?? []).sort(),
    functions: ((await c.lambda.listFunctions({})).Functions ?? []).map((f) => f.FunctionName!).sort(),
    mappings: ((await c.lambda.listEventSourceMappings({})).EventSourceMappings ?? []).map((m) => last(m.FunctionArn, ':')).sort(),
    topics: ((await c.sns.listTopics({})).Topics ?? []).map((t) => last(t.TopicArn, ':')).sort(),
    subscriptions: ((await c.sns.listSubscriptions({})).Subscriptions ?? []).map((s) => last(s.TopicArn, ':')).sort(),
    logGroups: ((await c.logs.describeLogGroups({})).logGroups ?? []).map((g) => g.logGroupName!).sort(),
  };
}
type Everything = Awaited<ReturnType<typeof everything>>;
const NOTHING: Everything = { buckets: [], roles: [], tables: [], functions: [], mappings: [], topics: [], subscriptions: [], logGroups: [] };

function wholeLab(prefix = ''): Everything {
  const p = (base: string) => n(prefix, base);
  return {
    buckets: [bucketOf(prefix)],
    roles: [p('Lambda-Check-Stock-Role'), p('Lambda-Load-Inventory-Role')].sort(),
    tables: [p('Inventory')],
    functions: [p('Check-Stock'), p('Load-Inventory')].sort(),
    mappings: [p('Check-Stock')],
    topics: [p('NoStock')],
    subscriptions: [p('NoStock')],
    logGroups: [`/aws/lambda/${p('Check-Stock')}`, `/aws/lambda/${p('Load-Inventory')}`].sort(),
  };
}
const merge = (a: Everything, b: Everything) => Object.fromEntries(Object.keys(a).map((k) => [k, [...a[k as keyof Everything], ...b[k as keyof Everything]].sort()])) as Everything;

async function inlinePolicy(role: string, name: string) {
  const { PolicyDocument } = await sdk(moto).iam.getRolePolicy({ RoleName: role, PolicyName: name });
  return parseDocument(PolicyDocument).Statement.map((s) => ({ Effect: s.Effect, Action: list(s.Action), Resource: s.Resource }));
}

describe('setup --lab inventory', () => {
  it('builds tasks 0-5 as the course names them, read back through the SDK; a re-run changes nothing', { timeout: 120_000 }, async () => {
    const aws = await newAws(moto);
    const built = await runSetup({}, aws);
    assert.equal(built.exitCode, 0, built.error?.message);
    assert.deepEqual(await everything(), wholeLab());
    assert.equal((built as unknown as { bucket?: string }).bucket, bucketOf(), 'the bucket to upload to is an output');
    assert.deepEqual([...new Set(built.resources.map((r) => r.task))], [0, 1, 2, 4, 5]);

    const c = sdk(moto);
    // Task 0: the table, keyed by Store and Item, on demand, its stream NEW_IMAGE.
    const { Table } = await c.dynamodb.describeTable({ TableName: 'Inventory' });
    assert.deepEqual(Table!.KeySchema, [
      { AttributeName: 'Store', KeyType: 'HASH' },
      { AttributeName: 'Item', KeyType: 'RANGE' },
    ]);
    assert.deepEqual(
      Table!.AttributeDefinitions!.map((a) => [a.AttributeName, a.AttributeType]).sort(),
      [
        ['Item', 'S'],
        ['Store', 'S'],
      ],
    );
    assert.equal(Table!.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(Table!.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });

    // The roles: trusted by Lambda, least privilege inline, nothing attached.
    for (const role of ['Lambda-Load-Inventory-Role', 'Lambda-Check-Stock-Role']) {
      const { Role } = await c.iam.getRole({ RoleName: role });
      assert.deepEqual(parseDocument(Role!.AssumeRolePolicyDocument).Statement.map((s) => [s.Effect, s.Principal, s.Action]), [['Allow', { Service: 'lambda.amazonaws.com' }, 'sts:AssumeRole']]);
      assert.deepEqual((await c.iam.listAttachedRolePolicies({ RoleName: role })).AttachedPolicies, []);
    }
    assert.deepEqual(await inlinePolicy('Lambda-Load-Inventory-Role', 'load-inventory'), [
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${bucketOf()}/*` },
      // So that a deleted file answers NoSuchKey (final), not 403 AccessDenied (retried, and blamed on permissions).
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${bucketOf()}` },
      { Effect: 'Allow', Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], Resource: tableArn() },
    ]);
    assert.deepEqual(await inlinePolicy('Lambda-Check-Stock-Role', 'check-stock'), [
      { Effect: 'Allow', Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], Resource: `${tableArn()}/stream/*` },
      { Effect: 'Allow', Action: ['dynamodb:ListStreams'], Resource: '*' },
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: `arn:aws:sns:${REGION}:${ACCOUNT}:NoStock` },
    ]);
    assert.deepEqual(await inlinePolicy('Lambda-Load-Inventory-Role', 'write-own-logs'), [
      { Effect: 'Allow', Action: ['logs:CreateLogGroup'], Resource: logArn('/aws/lambda/Load-Inventory') },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logArn('/aws/lambda/Load-Inventory')}:*` },
    ]);

    // Tasks 1 and 5: the functions, their settings and their log groups.
    const load = await c.lambda.getFunctionConfiguration({ FunctionName: 'Load-Inventory' });
    assert.equal(load.Role, `arn:aws:iam::${ACCOUNT}:role/Lambda-Load-Inventory-Role`);
    assert.equal(load.Handler, 'index.handler');
    assert.equal(load.Runtime, 'nodejs22.x');
    assert.deepEqual(load.Environment?.Variables, { TABLE_NAME: 'Inventory' });
    const checkFn = await c.lambda.getFunctionConfiguration({ FunctionName: 'Check-Stock' });
    assert.equal(checkFn.Role, `arn:aws:iam::${ACCOUNT}:role/Lambda-Check-Stock-Role`);
    assert.deepEqual(checkFn.Environment?.Variables, { TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:NoStock` });
    const groups = (await c.logs.describeLogGroups({ logGroupNamePrefix: '/aws/lambda/' })).logGroups ?? [];
    assert.deepEqual(groups.map((g) => [g.logGroupName, g.retentionInDays]).sort(), [
      ['/aws/lambda/Check-Stock', 7],
      ['/aws/lambda/Load-Inventory', 7],
    ]);

    // Task 2: S3 may invoke Load-Inventory for this bucket in this account, and the bucket does on every object created.
    const { Policy } = await c.lambda.getPolicy({ FunctionName: 'Load-Inventory' });
    const [statement, ...more] = (JSON.parse(Policy!) as { Statement: Record<string, unknown>[] }).Statement;
    assert.equal(more.length, 0);
    assert.deepEqual(statement!.Principal, { Service: 's3.amazonaws.com' });
    assert.equal(statement!.Action, 'lambda:InvokeFunction');
    assert.equal(statement!.Resource, fnArn('Load-Inventory'));
    const condition = JSON.stringify(statement!.Condition);
    assert.ok(condition.includes(`arn:aws:s3:::${bucketOf()}`) && condition.includes(ACCOUNT), condition);
    const notification = await s3().getBucketNotificationConfiguration({ Bucket: bucketOf() });
    assert.deepEqual(notification.LambdaFunctionConfigurations?.map((l) => [l.LambdaFunctionArn, l.Events]), [[fnArn('Load-Inventory'), ['s3:ObjectCreated:*']]]);
    const ops = aws.calls.map((call) => call.operation);
    assert.ok(ops.indexOf('AddPermission') < ops.indexOf('PutBucketNotificationConfiguration'), 'the permission is made before S3 validates the notification');
    assert.deepEqual((await s3().getPublicAccessBlock({ Bucket: bucketOf() })).PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual((await s3().getBucketTagging({ Bucket: bucketOf() })).TagSet, [{ Key: 'poc:lab', Value: 'inventory' }]);

    // Task 4: the topic and the email subscription.
    const { Subscriptions = [] } = await c.sns.listSubscriptionsByTopic({ TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:NoStock` });
    assert.deepEqual(Subscriptions.map((s) => [s.Protocol, s.Endpoint]), [['email', EMAIL]]);

    // Task 5: the stream trigger reads the table's stream, oldest record first, reporting failed records.
    const { EventSourceMappings = [] } = await c.lambda.listEventSourceMappings({ FunctionName: 'Check-Stock' });
    assert.equal(EventSourceMappings.length, 1);
    const [mapping] = EventSourceMappings;
    assert.equal(mapping!.EventSourceArn, Table!.LatestStreamArn);
    assert.equal(mapping!.StartingPosition, 'TRIM_HORIZON');
    assert.deepEqual(mapping!.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.equal(mapping!.MaximumRetryAttempts, 5);

    // A re-run: not one mutating call.
    const again = await newAws(moto);
    const second = await runSetup({}, again);
    assert.equal(second.exitCode, 0, second.error?.message);
    assert.deepEqual(new Set(second.resources.map((r) => r.outcome)), new Set(['unchanged']));
    assert.deepEqual(mutating(again), [], 'a second setup changes nothing');

    // status: complete, and it prints task 0 under its own heading.
    const st = await status(options(), {});
    assert.equal(st.exitCode, 0, JSON.stringify(st.resources.filter((r) => r.state !== 'present')));
    assert.equal((st as unknown as { bucket?: string }).bucket, bucketOf());
    const view = statusView(st);
    assert.match(view, /^Task 0$/m);
    assert.ok(view.indexOf('Task 0') < view.indexOf('Inventory'), 'the table is listed under Task 0');

    // check: a lab built by poc passes every building task, task 0 included.
    const graded = await check([], options(), {});
    assert.deepEqual(graded.tasks.map((t) => [t.task, t.passed]), [0, 1, 2, 4, 5].map((t) => [t, true]));
    assert.equal(graded.exitCode, 0);

    // tasks: states for the building tasks, the hint for the tests.
    const listed = await tasks(options(), {});
    assert.deepEqual(listed.tasks.map((t) => [t.task, t.state]), [
      [0, 'done'],
      [1, 'done'],
      [2, 'done'],
      [3, null],
      [4, 'done'],
      [5, 'done'],
      [6, null],
    ]);
    // The command as it runs as is: this run's endpoint and region, and the lab.
    assert.match(listed.tasks[3]!.hint ?? '', /^poc upload --wait --region us-east-1 --endpoint-url \S+ --lab inventory$/);
  });

  it('two prefixes are kept apart: each has its own bucket and names, and cleaning up one leaves the other whole', { timeout: 150_000 }, async () => {
    assert.equal((await runSetup({ prefix: 'alice' })).exitCode, 0);
    // Bob and bob would share the bucket (S3 names are lowercase) and, on AWS, every IAM
    // name (IAM ignores case): a prefix with capitals is refused before anything is made.
    await assert.rejects(runSetup({ prefix: 'Bob' }), (e: { exitCode?: number; hint?: string }) => e.exitCode === 2 && /--prefix bob\b/.test(e.hint ?? ''));
    assert.deepEqual(await everything(), wholeLab('alice'));
    assert.equal((await runSetup({ prefix: 'bob' })).exitCode, 0);
    assert.deepEqual(await everything(), merge(wholeLab('alice'), wholeLab('bob')));
    // Each Load-Inventory may read its own bucket only.
    assert.equal((await inlinePolicy('bob-Lambda-Load-Inventory-Role', 'load-inventory'))[0]!.Resource, `arn:aws:s3:::${bucketOf('bob')}/*`);
    const perm = JSON.parse((await sdk(moto).lambda.getPolicy({ FunctionName: 'alice-Load-Inventory' })).Policy!) as { Statement: { Condition: unknown }[] };
    assert.match(JSON.stringify(perm.Statement[0]!.Condition), new RegExp(bucketOf('alice')));

    const cleaned = await cleanup(options({ prefix: 'alice' }), { reporter: await quiet() });
    assert.equal(cleaned.exitCode, 0, cleaned.error?.message);
    assert.deepEqual(await everything(), wholeLab('bob'), 'only alice’s lab is gone');
    const bob = await status(options({ prefix: 'bob' }), {});
    assert.equal(bob.exitCode, 0, 'bob’s lab is complete');
  });

  it('cleanup leaves nothing: the bucket with every object version, the functions, trigger, logs, topic, table and roles', { timeout: 120_000 }, async () => {
    assert.equal((await runSetup()).exitCode, 0);
    // Files uploaded, versioning switched on by a student, and a file uploaded twice.
    await upload([], options(), {});
    await s3().putBucketVersioning({ Bucket: bucketOf(), VersioningConfiguration: { Status: 'Enabled' } });
    await upload([], options(), {});
    const versions = await s3().listObjectVersions({ Bucket: bucketOf() });
    assert.ok((versions.Versions ?? []).length >= 12, `versions in the bucket: ${versions.Versions?.length}`);

    const cleaned = await cleanup(options(), { reporter: await quiet() });
    assert.equal(cleaned.exitCode, 0, cleaned.error?.message);
    assert.deepEqual(cleaned.remaining, []);
    assert.equal(cleaned.deleted.length, cleaned.found.length);
    assert.deepEqual(await everything(), NOTHING);
    const again = await cleanup(options(), { reporter: await quiet() });
    assert.equal(again.exitCode, 0);
    assert.deepEqual(again.found, [], 'a second cleanup finds nothing');
  });
});

describe('check --lab inventory with the course’s managed policies', () => {
  it('passes with least-privilege warnings naming each AWS managed policy; without any policy it fails task 0', { timeout: 120_000 }, async () => {
    assert.equal((await runSetup()).exitCode, 0);
    const iam = sdk(moto).iam;
    // As the course builds the roles: AWS managed policies, no inline ones for the work.
    const course = {
      'Lambda-Load-Inventory-Role': ['AmazonS3ReadOnlyAccess', 'AmazonDynamoDBFullAccess'],
      'Lambda-Check-Stock-Role': ['AmazonDynamoDBFullAccess', 'AmazonSNSFullAccess'],
    };
    for (const [role, managed] of Object.entries(course)) {
      await iam.deleteRolePolicy({ RoleName: role, PolicyName: role.includes('Load') ? 'load-inventory' : 'check-stock' });
      for (const name of managed) await iam.attachRolePolicy({ RoleName: role, PolicyArn: `arn:aws:iam::aws:policy/${name}` });
    }
    const graded = await check(['0'], options(), {});
    assert.equal(graded.exitCode, 0, JSON.stringify(graded.tasks));
    const [task0] = graded.tasks;
    assert.equal(task0!.task, 0);
    assert.deepEqual(task0!.findings, []);
    for (const name of ['AmazonS3ReadOnlyAccess', 'AmazonDynamoDBFullAccess', 'AmazonSNSFullAccess']) {
      assert.ok(task0!.warnings.some((w) => w.includes(`AWS managed policy ${name}`) && /Least privilege/.test(w)), `a warning names ${name}: ${task0!.warnings.join(' | ')}`);
    }
    // Without them, the role cannot do its job: a finding, not a warning.
    await iam.detachRolePolicy({ RoleName: 'Lambda-Load-Inventory-Role', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' });
    const broken = await check(['0'], options(), {});
    assert.equal(broken.exitCode, 3);
    assert.deepEqual(broken.tasks[0]!.findings, [
      `Lambda-Load-Inventory-Role cannot s3:GetObject on arn:aws:s3:::${bucketOf()}/*.`,
      `Lambda-Load-Inventory-Role cannot s3:ListBucket on arn:aws:s3:::${bucketOf()}.`,
    ]);
  });
});

describe('task 0 is a task like the others', () => {
  const lab = selectLab('inventory');
  it('task lists, --only/--from/--to and explain take 0; the tests (3, 6) build nothing', () => {
    assert.deepEqual(buildingTasks(lab), [0, 1, 2, 4, 5]);
    assert.deepEqual(selectTasks({ only: '0' }, lab), [0]);
    assert.deepEqual(selectTasks({ from: '0', to: '2' }, lab), [0, 1, 2]);
    assert.deepEqual(selectTasks({}, lab), [0, 1, 2, 4, 5]);
    assert.deepEqual(parseTaskList(['0,5'], buildingTasks(lab), lab), [0, 5]);
    assert.throws(() => parseTaskList(['3'], buildingTasks(lab), lab), /No task 3/);
    assert.equal(parseTask('0', lab), 0);
    assert.throws(() => parseTask('7', lab), /choose 0-6/);
  });

  it('explain works for every task, its values from the lab’s resources', async () => {
    // What each building task makes, by the names setup gives it (its commands are run as
    // printed in explain-by-hand.test.ts); a stream, trigger, permission or subscription has no
    // AWS name of its own (poc describes it: "Inventory stream", with spaces).
    const lab = selectLab(LAB);
    const made = (await lab.load()).resources(lab.names(''), { account: ACCOUNT, region: REGION }).filter((r) => !r.name.includes(' '));
    for (const t of [0, 1, 2, 3, 4, 5, 6]) {
      const e = await explain(String(t), { lab: LAB, endpointUrl: moto.endpoint, region: REGION }, {});
      assert.equal(e.task, t);
      assert.ok(e.why.length > 200 && e.steps.length > 0 && e.cli.length > 0, `task ${t} has why, steps and commands`);
      const names = made.filter((r) => r.task === t).map((r) => r.name);
      if (buildingTasks(lab).includes(t)) assert.ok(names.length > 0, `task ${t} builds something`);
      for (const name of names) {
        assert.ok(e.steps.join('\n').includes(name), `task ${t}'s console steps name ${name}`);
        assert.ok(e.cli.join('\n').includes(name), `task ${t}'s aws commands name ${name}`);
      }
    }
    const zero = await explain('0', { lab: LAB, prefix: 'alice', endpointUrl: moto.endpoint, region: REGION }, {});
    assert.ok(zero.cli.some((l) => l.includes('--key-schema AttributeName=Store,KeyType=HASH AttributeName=Item,KeyType=RANGE')), zero.cli.join('\n'));
    assert.ok(zero.cli.some((l) => l.includes('put-role-policy --role-name alice-Lambda-Load-Inventory-Role --policy-name load-inventory')));
    const two = await explain('2', { lab: LAB, endpointUrl: moto.endpoint, region: REGION }, {});
    assert.ok(two.steps[0]!.includes(`name ${bucketOf()}`), two.steps[0]);
    assert.ok(two.cli.findIndex((l) => l.includes('add-permission')) < two.cli.findIndex((l) => l.includes('put-bucket-notification-configuration')));
    for (const t of ['5', '6']) assert.match((await explain(t, { lab: LAB, endpointUrl: moto.endpoint, region: REGION }, {})).why, /no stream record/, `task ${t} says an unchanged re-upload sends no alert`);
  });

  it('setup --step can stop before task 0, and says so (stoppedAt 0, not "not stopped")', { timeout: 60_000 }, async () => {
    const result = await setup(options({ step: true, yes: false }), { reporter: await quiet(), askStep: async () => 'quit', explain: () => '' });
    assert.equal(result.stoppedAt, 0);
    assert.deepEqual(await everything(), NOTHING, 'nothing was built');
  });
});

describe('--prefix for the inventory lab', () => {
  const lab = selectLab('inventory');
  it('every name a prefix passes is valid, the bucket’s included, before any AWS call', () => {
    assert.throws(() => lab.names('sthree'), /S3 bucket name/);
    assert.throws(() => lab.names('a'.repeat(lab.maxPrefixLength + 1)), /at most/);
    const longest = 'a'.repeat(lab.maxPrefixLength);
    assert.doesNotThrow(() => lab.names(longest));
    assert.ok(`${longest}-inventory-${ACCOUNT}-ap-southeast-5`.length <= 63);
    assert.ok(`${longest}-Lambda-Load-Inventory-Role`.length <= 64);
    assert.throws(() => lab.names('al_ice'), /not usable/);
  });
});
