// `poc check` against moto: it grades a lab task by task. An empty account fails every
// task, a lab built by `poc setup` passes clean, a lab built by hand exactly as the
// written guide does it passes with warnings naming each looser choice, and a lab broken
// on purpose fails only the task that is broken, with a finding that says what to fix.
// Labs are built with plain AWS SDK calls (test/helpers/guide-lab.ts), never with poc.
//
// Moto differences that matter here: email subscriptions come back confirmed (real AWS:
// pending, which check warns about), and AWS managed policies exist only because moto
// starts with MOTO_IAM_LOAD_MANAGED_POLICIES=true.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { check, type CheckResult } from '../src/commands/check.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import { runPoc } from './helpers/cli.js';
import { ACCOUNT, arn, EMAIL, newAws, REGION, sdk, TASK_TITLES } from './helpers/lab.js';
import { buildGuideLab, consoleQueuePolicy, GUIDE, GUIDE_ACTIONS, type GuideLabOptions } from './helpers/guide-lab.js';
import { startMoto, type Moto } from './helpers/moto.js';

let moto: Moto | undefined;
before(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  // The guide's APIGateway-SQS role has the AWS managed AmazonAPIGatewayPushToCloudWatchLogs.
  moto = await startMoto({ managedPolicies: true });
});
after(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto!.reset();
});
const getMoto = () => {
  if (!moto) throw new Error('moto has not started');
  return moto;
};

const options = () => ({ endpointUrl: getMoto().endpoint, region: REGION });
const runCheck = (tasks: string[] = [], extra: { email?: string } = {}) => check(tasks, { ...options(), ...extra }, {});
const guideLab = (o: GuideLabOptions = {}) => buildGuideLab(sdk(getMoto()), o);

const TITLES = TASK_TITLES.slice(0, 8);

const failed = (r: CheckResult) => r.tasks.filter((t) => !t.passed).map((t) => t.task);
const task = (r: CheckResult, n: number) => {
  const t = r.tasks.find((x) => x.task === n);
  if (!t) throw new Error(`task ${n} was not graded; graded: ${r.tasks.map((x) => x.task).join(', ')}`);
  return t;
};
const show = (r: CheckResult) => JSON.stringify(r.tasks.filter((t) => t.findings.length).map((t) => ({ task: t.task, findings: t.findings })), null, 1);

/** Exit 3, only this task fails, and its findings are exactly these. */
function assertOnlyFails(r: CheckResult, n: number, findings: (string | RegExp)[]) {
  assert.equal(r.exitCode, 3, `exit code 3 when a task fails; ${show(r)}`);
  assert.deepEqual(failed(r), [n], `only task ${n} fails; ${show(r)}`);
  const got = task(r, n).findings;
  assert.equal(got.length, findings.length, `task ${n}'s findings: ${JSON.stringify(got)}`);
  findings.forEach((f, i) => {
    if (typeof f === 'string') assert.equal(got[i], f);
    else assert.match(got[i], f);
  });
  for (const t of r.tasks) if (t.task !== n) assert.deepEqual(t.findings, [], `task ${t.task} has no findings`);
}

const queueArn = arn.queue(GUIDE.queue);
const role = (name: string) => arn.role(name);

describe('poc check (in-process, against moto)', () => {
  it('an empty account: exit 3, every task 1-8 fails, each finding naming what is missing', async () => {
    const r = await runCheck();
    assert.equal(r.exitCode, 3);
    assert.equal(r.account, ACCOUNT);
    assert.deepEqual(
      r.tasks.map((t) => [t.task, t.title, t.passed]),
      TITLES.map((title, i) => [i + 1, title, false]),
    );
    const missing: Record<number, string[]> = {
      1: [...Object.values(GUIDE.policies), ...Object.values(GUIDE.roles)],
      2: ['orders'],
      3: ['POC-Queue'],
      4: ['POC-Lambda-1', 'POC-Lambda-1 SQS trigger'],
      5: ['orders stream'],
      6: ['POC-Topic', 'POC-Topic email subscription'],
      7: ['POC-Lambda-2', 'POC-Lambda-2 stream trigger'],
      8: ['POC-API'],
    };
    for (const [n, names] of Object.entries(missing)) {
      assert.deepEqual(task(r, Number(n)).findings, names.map((name) => `${name} does not exist.`), `task ${n}`);
    }
  });

  it('a lab built by poc setup: exit 0, every task passes, no findings and no warnings', async () => {
    const result = await setup({ ...options(), email: EMAIL }, { reporter: await createReporter({ json: true }) });
    assert.equal(result.exitCode, 0, result.error?.message);
    const r = await runCheck();
    assert.equal(r.exitCode, 0, show(r));
    assert.deepEqual(failed(r), []);
    assert.equal(r.tasks.length, 8);
    // On real AWS the subscription stays unconfirmed until the link is clicked, and check
    // rightly warns about it; moto confirms at once. Every other warning would be a fault.
    const confirmation = /has not confirmed the subscription yet/;
    for (const t of r.tasks) {
      assert.deepEqual(t.findings, [], `task ${t.task}`);
      assert.deepEqual(t.warnings.filter((w) => !confirmation.test(w)), [], `task ${t.task}: poc's own lab has nothing looser than it should be`);
    }
  });

  it('a lab built by hand as the guide does: every task passes, with a warning naming each looser choice', async () => {
    await guideLab();
    // As if the student (or Lambda, with a logs permission) made POC-Lambda-2's log group: no retention.
    await sdk(getMoto()).logs.createLogGroup({ logGroupName: '/aws/lambda/POC-Lambda-2' });
    const r = await runCheck();
    assert.equal(r.exitCode, 0, show(r));
    assert.deepEqual(failed(r), []);
    for (const t of r.tasks) assert.deepEqual(t.findings, [], `task ${t.task}`);

    const expectWarning = (n: number, pattern: RegExp) =>
      assert.ok(task(r, n).warnings.some((w) => pattern.test(w)), `task ${n}: a warning matching ${pattern}; have ${JSON.stringify(task(r, n).warnings, null, 1)}`);
    // Task 1: "Resource": "*" on each policy, with the least-privilege alternative named.
    const t = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`;
    expectWarning(1, new RegExp(`^Lambda-Write-DynamoDB allows dynamodb:PutItem, dynamodb:DescribeTable on every resource \\("Resource": "\\*"\\)\\. Least privilege: dynamodb:PutItem on ${t}\\.$`));
    // The guide's extra grants that nothing uses are named (the function only writes; the
    // SQS trigger needs no ChangeMessageVisibility), while every task still passes.
    expectWarning(1, /^Lambda-Write-DynamoDB also allows dynamodb:DescribeTable, which the pipeline does not need/);
    expectWarning(1, /^Lambda-Read-SQS also allows sqs:ChangeMessageVisibility, which the pipeline does not need/);
    expectWarning(1, new RegExp(`^Lambda-Read-SQS allows .*on every resource .*Least privilege: sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on ${queueArn}\\.$`));
    expectWarning(1, new RegExp(`^Lambda-SNS-Publish allows .*on every resource .*Least privilege: sns:Publish on ${arn.topic('POC-Topic')}`));
    expectWarning(1, /^Lambda-SNS-Publish also allows sns:GetTopicAttributes, sns:ListTopics, which the pipeline does not need/);
    // Each ARN said once, with the actions it needs (not once per action).
    expectWarning(1, new RegExp(`^Lambda-DynamoDBStreams-Read allows .*on every resource .*Least privilege: dynamodb:DescribeStream, dynamodb:GetRecords, dynamodb:GetShardIterator on ${t}/stream/\\*; dynamodb:ListStreams on \\*\\.$`));
    // ... the AWS managed policy on APIGateway-SQS ...
    expectWarning(1, /^APIGateway-SQS has the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs attached\. Least privilege: /);
    // ... and functions that cannot write their logs.
    expectWarning(1, /^Lambda-SQS-DynamoDB cannot .*logs:PutLogEvents on its own log group, so its function logs nothing\. Add an inline policy/);
    expectWarning(1, /^Lambda-DynamoDBStreams-SNS cannot .*logs:PutLogEvents on its own log group, so its function logs nothing/);
    // Task 3: no dead-letter queue.
    expectWarning(3, /^POC-Queue-DLQ does not exist: without a dead-letter queue, an order that always fails is retried/);
    expectWarning(3, /^POC-Queue: it has no dead-letter queue\.$/);
    // Task 4: the log group Lambda would make keeps logs forever; no ReportBatchItemFailures.
    expectWarning(4, /^\/aws\/lambda\/POC-Lambda-1 does not exist: .*keeps logs forever/);
    expectWarning(4, /^POC-Lambda-1's SQS trigger: it does not let the function report failed records \(ReportBatchItemFailures\); one bad order then makes the whole batch retry\.$/);
    // Task 7: a log group without retention.
    expectWarning(7, /^\/aws\/lambda\/POC-Lambda-2 keeps logs forever \(and bills for them\); 7 days is plenty for a lab\.$/);
    expectWarning(7, /^POC-Lambda-2's stream trigger: it does not let the function report failed records/);
    // ... and nowhere to keep a notification that failed every retry (the guide has no such queue).
    expectWarning(7, /^POC-Lambda-2-Failures does not exist: without it, the stream trigger drops a batch of orders that fails every retry/);
    expectWarning(7, /^POC-Lambda-2's stream trigger: it keeps no record of a batch that fails every retry \(no on-failure destination; want POC-Lambda-2-Failures\)\.$/);
    expectWarning(7, /^POC-Lambda-2's stream trigger: it does not split a failing batch/);
    expectWarning(1, new RegExp(`^Lambda-DynamoDBStreams-SNS cannot sqs:SendMessage on ${arn.queue('POC-Lambda-2-Failures')}, so its stream trigger cannot keep a record of a notification that failed every retry\\. Add an inline policy \\(send-failures\\) allowing it\\.$`));
    // Task 8: the template does not URL-encode the body; nothing validates it.
    expectWarning(8, /^POST \/'s template sends the body without URL-encoding it: an order containing & or \+ arrives cut or altered\. Use MessageBody=\$util\.urlEncode\(\$input\.body\)\.$/);
    expectWarning(8, /^POST \/ does not validate the body, so any text reaches the queue; add a request validator and a model/);
    // The table and the stream are as the lab wants. (Task 6 is left out: moto confirms the
    // subscription at once, real AWS warns until the link is clicked; see the unit tests.)
    for (const n of [2, 5]) assert.deepEqual(task(r, n).warnings, [], `task ${n}`);
    for (const w of r.tasks.flatMap((x) => x.warnings)) assert.doesNotMatch(w, /undefined|\[object/, 'a readable warning');
  });

  describe('a lab broken on purpose fails only the broken task, saying what to fix', () => {
    it('task 1: Lambda-Read-SQS without sqs:DeleteMessage', async () => {
      await guideLab({ actions: { readSqs: GUIDE_ACTIONS.readSqs.filter((a) => a !== 'sqs:DeleteMessage') } });
      assertOnlyFails(await runCheck(), 1, [`Lambda-Read-SQS does not allow sqs:DeleteMessage on ${queueArn}.`]);
    });

    it('task 1: Lambda-DynamoDBStreams-SNS trusted by the wrong service (ec2 instead of lambda)', async () => {
      await guideLab({ trust: { streamsSns: 'ec2.amazonaws.com' } });
      assertOnlyFails(await runCheck(), 1, ["Lambda-DynamoDBStreams-SNS's trust policy does not let lambda.amazonaws.com assume it."]);
    });

    it('task 2: the table with partition key id', async () => {
      await guideLab({ partitionKey: 'id' });
      assertOnlyFails(await runCheck(), 2, ['orders: its partition key is id (S), want orderID (String).']);
    });

    it("task 3: the console's access policy with senders left at \"only the queue owner\"", async () => {
      // The console keeps its owner statement (Principal: the account). An account principal
      // only delegates to the account's IAM policies, and APIGateway-SQS's own policy (the
      // AWS managed logging one) has no sqs:SendMessage: on AWS, the API cannot send.
      await guideLab({ queuePolicy: consoleQueuePolicy([], [role(GUIDE.roles.sqsDynamoDb)]) });
      assertOnlyFails(await runCheck(), 3, ["POC-Queue's access policy does not let APIGateway-SQS send."]);
    });

    it('task 3: an access policy (JSON editor) naming the wrong role as sender', async () => {
      const policy = consoleQueuePolicy([role(GUIDE.roles.sqsDynamoDb)], [role(GUIDE.roles.sqsDynamoDb)], false);
      // The receiver statement lists every action the trigger needs, so only the sender is wrong.
      (policy.Statement[1] as { Action: string[] }).Action = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'];
      await guideLab({ queuePolicy: policy });
      // The guide grants the send in the queue's policy (task 3); its APIGateway-SQS role
      // (task 1) is exactly as the guide says, so task 1 should not be failed for it.
      assertOnlyFails(await runCheck(), 3, ["POC-Queue's access policy does not let APIGateway-SQS send."]);
    });

    it('task 3: an access policy that lets anyone receive, delete and purge the orders (a finding naming the statement, not a warning)', async () => {
      const policy = consoleQueuePolicy();
      policy.Statement.push({ Sid: 'OpenToAll', Effect: 'Allow', Principal: '*', Action: ['SQS:ReceiveMessage', 'SQS:DeleteMessage', 'SQS:PurgeQueue'], Resource: queueArn } as never);
      await guideLab({ queuePolicy: policy });
      assertOnlyFails(await runCheck(), 3, ['POC-Queue\'s access policy statement "OpenToAll" lets anyone (any AWS account) receive, delete and purge its messages; name only Lambda-SQS-DynamoDB there.']);
      // {"AWS": "*"} is anyone too; a statement without a Sid is named by its place.
      const wide = consoleQueuePolicy();
      wide.Statement.push({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'SQS:ReceiveMessage', Resource: queueArn } as never);
      await getMoto().reset();
      await guideLab({ queuePolicy: wide });
      assertOnlyFails(await runCheck(), 3, [/^POC-Queue's access policy statement #4 lets anyone \(any AWS account\) receive its messages;/]);
    });

    it("not broken: a receiver statement without sqs:GetQueueAttributes, which the role's own policy grants", async () => {
      // Same account: what the role's identity policy allows needs no grant in the queue's
      // policy too (an Allow in either suffices). The trigger can read the queue.
      await guideLab({ queuePolicy: consoleQueuePolicy([role(GUIDE.roles.apiSqs)], [role(GUIDE.roles.sqsDynamoDb)], false) });
      const r = await runCheck();
      assert.equal(r.exitCode, 0, show(r));
    });

    it('task 4: POC-Lambda-1 without its SQS trigger', async () => {
      await guideLab({ sqsTrigger: false });
      assertOnlyFails(await runCheck(), 4, ['POC-Lambda-1 SQS trigger does not exist.']);
    });

    it('task 5: the stream with view type KEYS_ONLY', async () => {
      // Moto cannot re-enable a stream on a table that had one: the table is made with KEYS_ONLY.
      await guideLab({ streamViewType: 'KEYS_ONLY' });
      assertOnlyFails(await runCheck(), 5, [/^orders stream: its view type is KEYS_ONLY, want NEW_IMAGE \(the second function needs the new order.s attributes\)\.$/]);
    });

    it('task 6: the topic without a subscription', async () => {
      await guideLab({ subscription: false });
      assertOnlyFails(await runCheck(), 6, ['POC-Topic email subscription does not exist.']);
    });

    it('task 6: --email names an address that is not subscribed', async () => {
      await guideLab();
      assertOnlyFails(await runCheck([], { email: 'someone.else@example.com' }), 6, ['someone.else@example.com is not subscribed to POC-Topic.']);
      assert.equal((await runCheck([], { email: EMAIL })).exitCode, 0, 'the subscribed address passes');
    });

    it('task 7: the stream trigger disabled', async () => {
      await guideLab({ streamTrigger: 'disabled' });
      assertOnlyFails(await runCheck(), 7, ["POC-Lambda-2's stream trigger: it is disabled."]);
    });

    it("task 7: the stream trigger reading another table's stream (names that table)", async () => {
      await guideLab({ streamTrigger: 'other-table' });
      assertOnlyFails(await runCheck(), 7, [/^POC-Lambda-2's stream trigger: it reads .*orders-old.*, not the lab’s current stream\.$/]);
    });

    it('task 8: the integration sending to another queue', async () => {
      await guideLab({ apiQueue: 'Other-Queue' });
      const uri = `arn:aws:apigateway:${REGION}:sqs:path/${ACCOUNT}`;
      assertOnlyFails(await runCheck(), 8, [`POST / calls ${uri}/Other-Queue; it must use the SQS path override ${ACCOUNT}/POC-Queue (${uri}/POC-Queue).`]);
    });

    it('task 8: the API not deployed', async () => {
      await guideLab({ deploy: false });
      assertOnlyFails(await runCheck(), 8, ['POC-API is not deployed to a stage named prod.']);
    });
  });

  it('grades only the tasks asked for, and the exit code follows them', async () => {
    await guideLab({ streamViewType: 'KEYS_ONLY' });
    const both = await runCheck(['3', '5']);
    assert.deepEqual(both.tasks.map((t) => [t.task, t.passed]), [[3, true], [5, false]]);
    assert.equal(both.exitCode, 3);
    assert.deepEqual((await runCheck(['5,3'])).tasks.map((t) => t.task), [3, 5], 'a comma list, in task order');
    const three = await runCheck(['3']);
    assert.deepEqual(three.tasks.map((t) => t.task), [3]);
    assert.equal(three.exitCode, 0, 'task 5 is broken, but only task 3 was asked for');
  });

  for (const args of [['11'], ['x'], ['9'], ['0'], ['3', 'x']]) {
    it(`check ${args.join(' ')}: exit code 2 before any AWS call`, async () => {
      const aws = await newAws(getMoto());
      await assert.rejects(check(args, options(), { aws }), (error: Error & { exitCode?: number; hint?: string }) => {
        assert.equal(error.exitCode, 2, `${error.name}: ${error.message}`);
        assert.match(error.message, new RegExp(`No task ${args.at(-1)}\\b`));
        assert.match(error.hint ?? '', /Valid tasks: 1\. IAM policies and roles; .*8\. REST API\./);
        return true;
      });
      assert.deepEqual(aws.calls, []);
    });
  }
});

// ---------------------------------------------------------------------------------------
// The CLI as a child process: --json is one document on stdout, in the documented shape.


function poc(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
  delete env.AWS_ENDPOINT_URL;
  delete env.AWS_PROFILE;
  delete env.AWS_REGION;
  delete env.CI;
  return runPoc([...args, '--endpoint-url', getMoto().endpoint, '--region', REGION], env);
}

interface TaskJson {
  task: number;
  title: string;
  passed: boolean;
  /** Something of the task exists ("failed" rather than "not started"). */
  started: boolean;
  verdict: 'passed' | 'failed' | 'not-started';
  findings: string[];
  warnings: string[];
}

function assertTaskShape(t: TaskJson) {
  assert.deepEqual(Object.keys(t).sort(), ['findings', 'passed', 'started', 'task', 'title', 'verdict', 'warnings']);
  assert.equal(typeof t.started, 'boolean');
  assert.equal(t.verdict, t.passed ? 'passed' : t.started ? 'failed' : 'not-started');
  assert.equal(typeof t.task, 'number');
  assert.equal(t.title, TITLES[t.task - 1]);
  assert.equal(typeof t.passed, 'boolean');
  for (const list of [t.findings, t.warnings]) {
    assert.ok(Array.isArray(list));
    for (const s of list) assert.equal(typeof s, 'string');
  }
}

describe('poc check --json (the CLI)', () => {
  it('on an empty account: exit 3, one document with every task failed', async () => {
    const run = await poc(['check', '--json']);
    assert.equal(run.code, 3, run.stderr);
    assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
    const doc = JSON.parse(run.stdout) as { tasks: TaskJson[] }; // throws unless stdout is one document
    assert.deepEqual(doc.tasks.map((t) => t.task), [1, 2, 3, 4, 5, 6, 7, 8]);
    for (const t of doc.tasks) {
      assertTaskShape(t);
      assert.equal(t.passed, false);
      assert.equal(t.started, false, `nothing of task ${t.task} exists`);
      assert.ok(t.findings.length > 0, `task ${t.task} says what is missing`);
    }
    assert.deepEqual(doc.tasks[1].findings, ['orders does not exist.']);
  });

  it('check and class check give each task of one lab the same verdict: passed, failed or not started', async () => {
    // Tasks 1 and 2 built, then one of task 1's grants taken away: 1 failed, 2 passed, 3-8 not started.
    const built = await poc(['setup', '--prefix', 'agree', '--only', '1,2', '--email', EMAIL, '--yes']);
    assert.equal(built.code, 0, built.stderr);
    await sdk(getMoto()).iam.detachRolePolicy({ RoleName: 'agree-Lambda-SQS-DynamoDB', PolicyArn: arn.policy('agree-Lambda-Write-DynamoDB') });
    const one = await poc(['check', '--prefix', 'agree', '--json']);
    const grid = await poc(['class', 'check', '--students', 'agree', '--json']);
    assert.equal(one.code, 3, one.stderr);
    assert.equal(grid.code, 3, grid.stderr);
    const verdicts = (JSON.parse(one.stdout) as { tasks: TaskJson[] }).tasks.map((t) => [t.task, t.verdict]);
    const cells = (JSON.parse(grid.stdout) as { students: { cells: { task: number; state: string }[] }[] }).students[0].cells.map((c) => [c.task, c.state]);
    assert.deepEqual(verdicts, [[1, 'failed'], [2, 'passed'], ...[3, 4, 5, 6, 7, 8].map((n) => [n, 'not-started'])]);
    assert.deepEqual(cells, verdicts);
    // And in words, as the grid's legend says them.
    const text = (await poc(['check', '--prefix', 'agree'])).stdout.split('\n');
    for (const line of ['✖ failed  1. IAM policies and roles', '✔ passed  2. DynamoDB table', '· not started  3. SQS queue', '· not started  8. REST API']) assert.ok(text.includes(line), `${line}\n${text.join('\n')}`);
  });

  it('check 5 --json on a KEYS_ONLY stream: only task 5, failed, naming both view types', async () => {
    await guideLab({ streamViewType: 'KEYS_ONLY' });
    const run = await poc(['check', '5', '--json']);
    assert.equal(run.code, 3, run.stderr);
    const doc = JSON.parse(run.stdout) as { tasks: TaskJson[] };
    assert.equal(doc.tasks.length, 1);
    const [t] = doc.tasks;
    assertTaskShape(t);
    assert.equal(t.task, 5);
    assert.equal(t.passed, false);
    assert.equal(t.started, true, 'the stream exists, with the wrong view type');
    assert.equal(t.findings.length, 1);
    assert.match(t.findings[0], /KEYS_ONLY.*NEW_IMAGE/);
    assert.deepEqual(t.warnings, []);

    const all = await poc(['check', '--json']);
    assert.equal(all.code, 3);
    const passed = (JSON.parse(all.stdout) as { tasks: TaskJson[] }).tasks.filter((x) => x.passed).map((x) => x.task);
    assert.deepEqual(passed, [1, 2, 3, 4, 6, 7, 8]);
  });
});
