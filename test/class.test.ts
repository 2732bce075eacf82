// `poc class`: ten students in one account at once, through a proxy in front of moto that
// enforces API Gateway's, Lambda's and CloudWatch Logs' account quotas as AWS documents
// them (the real limits, time run 20 times faster), so the runs prove that no call goes
// over a quota and that nothing is retried into a storm. Then a grid with students broken on purpose at different tasks,
// discovery (tagged labs, a hand-built untagged one, bo kept apart from bob and bo-b),
// cleanup interrupted with Ctrl-C in the real CLI and resumed, and bad input refused
// with exit 2 before any AWS call.
//
// The tests of one describe share one moto and run in order: each starts from what the
// previous one left (the class built, then broken, then cleaned up).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createAws, type Aws } from '../src/aws/clients.js';
import { createPacer, inTurn, TokenBucket } from '../src/aws/pacing.js';
import { controlledClock } from './helpers/clock.js';
import { classCheck, classCleanup, classSetup, classStatus, type ClassDeps, type ClassGrid, type ClassOptions } from '../src/commands/class.js';
import { createReporter } from '../src/ui/reporter.js';
import { studentReporters } from '../src/ui/class-progress.js';
import { runPoc, ROOT } from './helpers/cli.js';
import { createAwsClock } from './helpers/aws-clock.js';
import { AWS_PROFILE } from './helpers/aws-profile.js';
import { completeLab, EMPTY_LAB, labInventory, normalised, startFaultProxy, type FaultProxy, type QuotaRule } from './helpers/fault-proxy.js';
import { motoPerFile, REGION, sdk } from './helpers/lab.js';

const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: '0.01' } });

/** Time runs this much faster for the pacer and the proxy alike. */
const SCALE = 0.05;

// The account's quotas as AWS documents them (API Gateway's for creating, deploying and
// managing an API; Lambda's control plane; CloudWatch Logs'), each with its source in
// helpers/aws-profile.ts, not taken from src/: a test that used poc's own table would agree
// with poc's mistakes. Not Lambda's "15 a second for the other requests": time run 20 times
// faster makes it one call every 3 ms, finer than the machine's scheduling, so its bucket
// would count jitter, not poc's pace (aws-clock-wait.test.ts holds poc to it at AWS's pace).
const QUOTAS: QuotaRule[] = AWS_PROFILE.quotas.filter((r) => !r.others);
// The service's total (a rate with a burst) forgives half a token: the loaded machine's
// scheduling decides when a request lands. An operation's own quota forgives nothing.
const SLACK = 0.5;

const STUDENTS = ['bo', 'bob', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];
const emailOf = (student: string) => `teacher+${student}@example.com`;
const EMAIL_TEMPLATE = 'teacher+{student}@example.com';

// The class runs on AWS's clock (helpers/aws-clock.ts): roles, tables, functions and
// triggers become usable as late as on AWS, time run SCALE times faster.
const quotaProxy = (extra: Partial<Parameters<typeof startFaultProxy>[0]> = {}) =>
  startFaultProxy({ target: moto.endpoint, clock: createAwsClock(AWS_PROFILE, SCALE), quotas: { rules: QUOTAS, timeScale: SCALE, slack: SLACK }, ...extra });

async function classDeps(endpoint: string): Promise<ClassDeps & { aws: Aws }> {
  const reporter = await createReporter({ json: true });
  const aws = await createAws({ endpointUrl: endpoint, region: REGION, pacing: { timeScale: SCALE } });
  return { reporter, studentReporter: studentReporters(reporter), aws };
}

const opts = (endpoint: string, extra: Partial<ClassOptions> = {}): ClassOptions => ({ endpointUrl: endpoint, region: REGION, ...extra });

/** No quota was exceeded: no refusal, and no more than `count` calls in any `seconds`. */
function assertWithinQuotas(proxy: FaultProxy) {
  assert.deepEqual(proxy.stats.overQuota, {}, 'calls refused for a quota');
  for (const rule of QUOTAS.filter((r) => r.operation)) {
    const times = proxy.stats.arrivals[`${rule.service}:${rule.operation}`] ?? [];
    const window = rule.seconds * 1000 * SCALE;
    for (let i = rule.count; i < times.length; i++) {
      assert.ok(times[i] - times[i - rule.count] >= window, `${rule.operation}: ${rule.count + 1} calls within ${Math.round(times[i] - times[i - rule.count])} ms; the quota allows ${rule.count} every ${window} ms`);
    }
  }
}

const count = (proxy: FaultProxy, op: string) => proxy.stats.seen.filter((s) => s === op).length;

function cell(grid: ClassGrid, student: string, task: number) {
  const row = grid.students.find((r) => r.student === student);
  assert.ok(row, `no row for ${student}; rows: ${grid.students.map((r) => r.student).join(', ')}`);
  return row.cells.find((c) => c.task === task)!;
}

const states = (grid: ClassGrid, student: string) => grid.students.find((r) => r.student === student)!.cells.map((c) => c.state);

describe('a class of ten in one account', () => {
  it('class setup builds ten labs at once within API Gateway’s quotas, nothing retried', { timeout: 600_000 }, async () => {
    await moto.reset();
    const proxy = await quotaProxy();
    try {
      const grid = await classSetup(opts(proxy.endpoint, { students: STUDENTS.join(','), email: EMAIL_TEMPLATE }), await classDeps(proxy.endpoint));
      const failed = grid.students.flatMap((r) => r.cells.filter((c) => c.state !== 'built').map((c) => `${r.student} task ${c.task}: ${c.state} ${c.reason ?? ''}`));
      assert.deepEqual(failed, []);
      assert.equal(grid.exitCode, 0);
      assertWithinQuotas(proxy);
      // One CreateRestApi and one CreateDeployment per student: none was throttled and retried.
      assert.equal(count(proxy, 'apigateway:CreateRestApi'), STUDENTS.length);
      assert.equal(count(proxy, 'apigateway:CreateDeployment'), STUDENTS.length);
      // Said before it started: the first deployment about 5 s in, then CreateDeployment's 1 every 5 s for the other nine.
      assert.deepEqual(grid.expected, { ms: (5 + (STUDENTS.length - 1) * 5) * 1000 * SCALE, why: `API Gateway creates one API every 3 s and deploys one every 5 s per account: ${STUDENTS.length} APIs to build` });
    } finally {
      await proxy.close();
    }
    for (const s of STUDENTS) assert.deepEqual(normalised(await labInventory(moto.endpoint, s)), normalised(completeLab(s, emailOf(s))), s);
  });

  it('class setup --to 3 pre-builds tasks 1-3 only, for a student who starts at task 4', { timeout: 300_000 }, async () => {
    const deps = await classDeps(moto.endpoint);
    const grid = await classSetup(opts(moto.endpoint, { students: 'late', to: '3' }), deps);
    assert.equal(grid.exitCode, 0, JSON.stringify(grid.students));
    assert.deepEqual(grid.tasks.map((t) => t.number), [1, 2, 3]);
    const inv = await labInventory(moto.endpoint, 'late');
    assert.deepEqual([inv.tables, inv.queues, inv.functions, inv.apis], [['late-orders'], ['late-POC-Queue', 'late-POC-Queue-DLQ'], [], []]);
  });

  it('class check: one grid; each broken student fails only where broken, with the first finding; the others pass', { timeout: 300_000 }, async () => {
    const c = sdk(moto);
    // s1: queue deleted (task 3); s2: the stream's trigger disabled (task 7); s3: first
    // function deleted (task 4); s4: its table cannot be read (access denied, task 2);
    // s5: stream turned off (task 5: as if never made).
    await c.sqs.deleteQueue({ QueueUrl: (await c.sqs.getQueueUrl({ QueueName: 's1-POC-Queue' })).QueueUrl });
    const { EventSourceMappings = [] } = await c.lambda.listEventSourceMappings({ FunctionName: 's2-POC-Lambda-2' });
    await c.lambda.updateEventSourceMapping({ UUID: EventSourceMappings[0].UUID, Enabled: false });
    await c.lambda.deleteFunction({ FunctionName: 's3-POC-Lambda-1' });
    await c.dynamodb.updateTable({ TableName: 's5-orders', StreamSpecification: { StreamEnabled: false } });
    const proxy = await quotaProxy({
      respond: (info, body) =>
        info.service === 'dynamodb' && info.operation === 'DescribeTable' && body.toString().includes('"s4-orders"')
          ? { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: 'User is not authorized to perform: dynamodb:DescribeTable' }) }
          : undefined,
    });
    try {
      const grid = await classCheck(opts(proxy.endpoint, { students: [...STUDENTS, 'late'].join(','), email: EMAIL_TEMPLATE }), await classDeps(proxy.endpoint));
      assert.equal(grid.exitCode, 3);
      assert.equal(grid.students.length, 11);
      assertWithinQuotas(proxy);

      assert.equal(cell(grid, 's1', 3).state, 'failed');
      assert.match(cell(grid, 's1', 3).reason!, /s1-POC-Queue does not exist/);
      assert.equal(cell(grid, 's2', 7).state, 'failed');
      assert.match(cell(grid, 's2', 7).reason!, /s2-POC-Lambda-2.*disabled/i);
      assert.equal(cell(grid, 's3', 4).state, 'failed');
      assert.match(cell(grid, 's3', 4).reason!, /s3-POC-Lambda-1 does not exist/);
      assert.equal(cell(grid, 's5', 5).state, 'not-started');
      assert.equal(cell(grid, 's4', 2).state, 'failed');
      assert.match(cell(grid, 's4', 2).reason!, /s4-orders.*could not be read.*access denied/i);
      // What was not broken still passes for the broken students.
      for (const [student, task] of [['s1', 2], ['s2', 5], ['s3', 7], ['s4', 8], ['s5', 6]] as const) assert.equal(cell(grid, student, task).state, 'passed', `${student} task ${task}`);
      assert.deepEqual(states(grid, 'late'), ['passed', 'passed', 'passed', 'not-started', 'not-started', 'not-started', 'not-started', 'not-started']);
      for (const s of ['bo', 'bob', 's6', 's7', 's8']) assert.deepEqual(states(grid, s), Array(8).fill('passed'), s);
    } finally {
      await proxy.close();
    }
  });

  it('class status: the same grid from status (missing / drifted / present)', { timeout: 300_000 }, async () => {
    const grid = await classStatus(opts(moto.endpoint, { students: 's1,s2,s6,late' }), await classDeps(moto.endpoint));
    assert.equal(grid.exitCode, 3);
    assert.equal(cell(grid, 's1', 3).state, 'drifted');
    assert.match(cell(grid, 's1', 3).reason!, /^s1-POC-Queue: does not exist/);
    assert.equal(cell(grid, 's2', 7).state, 'drifted');
    assert.deepEqual(states(grid, 's6'), Array(8).fill('present'));
    assert.deepEqual(states(grid, 'late').slice(3), Array(5).fill('missing'));
  });

  it('class check --json (the CLI): the whole grid as one document, exit 3', { timeout: 120_000 }, async () => {
    const run = await runPoc(['class', 'check', '--json', '--students', 's1,s6', '--endpoint-url', moto.endpoint, '--region', REGION], {
      ...process.env,
      CI: '1',
      POC_PACING_SCALE: String(SCALE),
    });
    assert.equal(run.code, 3, run.stderr);
    const doc = JSON.parse(run.stdout) as ClassGrid; // throws unless stdout is one document
    assert.deepEqual(doc.students.map((r) => r.student), ['s1', 's6']);
    assert.deepEqual(doc.tasks.map((t) => t.number), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(doc.students[0].cells[2], { task: 3, state: 'failed', reason: 's1-POC-Queue does not exist.' });
    assert.deepEqual(states(doc, 's6'), Array(8).fill('passed'));
    assert.equal(doc.exitCode, 3);
  });

  it('discovery: every student by tags and names, a hand-built untagged lab by names, bo apart from bob and bo-b', { timeout: 300_000 }, async () => {
    // Built by hand in the console: plain SDK calls, no tags. bo-b-POC-Queue is bo-b's,
    // never bo's (nor bob's).
    const c = sdk(moto);
    await c.dynamodb.createTable({
      TableName: 'hand-orders',
      AttributeDefinitions: [{ AttributeName: 'orderID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'orderID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    await c.sns.createTopic({ Name: 'hand-POC-Topic' });
    await c.sqs.createQueue({ QueueName: 'bo-b-POC-Queue' });
    // A lab built by hand with a capital in its prefix: poc cannot address it (prefixes are
    // lowercase), so it is not a student, but the instructor is told of it.
    await c.sns.createTopic({ Name: 'Carol-POC-Topic' });
    const grid = await classStatus(opts(moto.endpoint), await classDeps(moto.endpoint));
    const found = Object.fromEntries((grid.discovered ?? []).map((d) => [d.prefix, d.via.sort()]));
    assert.deepEqual(Object.keys(found).sort(), ['bo', 'bo-b', 'bob', 'hand', 'late', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']);
    assert.deepEqual(
      grid.notes.filter((n) => n.includes('Carol')),
      ['Carol-POC-Topic looks like part of the orders lab with the prefix "Carol", which poc cannot address: prefixes are lowercase (S3 names are, and IAM ignores case). It is left out of the class; rebuild it with --prefix carol, and delete the "Carol" resources by hand.'],
    );
    assert.deepEqual(found.hand, ['names']);
    assert.deepEqual(found['bo-b'], ['names']);
    assert.deepEqual(found.bob, ['names', 'tags']);
    // Only what was built by hand is there: the table (task 2) and the topic (task 6).
    assert.deepEqual(states(grid, 'hand').map((s, i) => (i === 1 || i === 5 ? s !== 'missing' : s === 'missing')), Array(8).fill(true), states(grid, 'hand').join());

    // Cleaning up bo touches nothing of bob's or bo-b's.
    const cleaned = await classCleanup(opts(moto.endpoint, { students: 'bo', yes: true }), await classDeps(moto.endpoint));
    assert.equal(cleaned.exitCode, 0, JSON.stringify(cleaned.students));
    assert.deepEqual(await labInventory(moto.endpoint, 'bo'), EMPTY_LAB);
    assert.deepEqual(normalised(await labInventory(moto.endpoint, 'bob')), normalised(completeLab('bob', emailOf('bob'))));
    assert.deepEqual((await c.sqs.listQueues({ QueueNamePrefix: 'bo-b-' })).QueueUrls?.map((u) => u.split('/').pop()), ['bo-b-POC-Queue']);
  });

  const APIS_LEFT = ['bob', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'].length;
  it('class cleanup: Ctrl-C mid-run exits 130 and lists what is left per student; a second run finishes, nothing left for anyone', { timeout: 600_000 }, async () => {
    const proxy = await quotaProxy({ latencyMs: 50 });
    let run: { code: number | null; stdout: string; stderr: string; stopped: boolean };
    try {
      run = await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['bin/poc.js', 'class', 'cleanup', '--yes', '--endpoint-url', proxy.endpoint, '--region', REGION], {
          cwd: ROOT,
          env: { ...process.env, CI: '1', POC_BACKOFF_SCALE: '0.01', POC_PACING_SCALE: String(SCALE) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        let stopped = false;
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => {
          stderr += d;
          // Stop while the APIs wait for DeleteRestApi's quota, once one of them is gone.
          if (!stopped && /deleting \d+ APIs/.test(stderr) && /✔ task 8 /.test(stderr)) {
            stopped = true;
            child.kill('SIGINT');
          }
        });
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr, stopped }));
      });
    } finally {
      await proxy.close();
    }
    assert.ok(run.stopped, `cleanup ended before the SIGINT:\n${run.stderr}`);
    assert.equal(run.code, 130, `exit code; stderr:\n${run.stderr}`);
    assert.match(run.stderr, /API Gateway: deleting \d+ APIs \(its quota: 1 call every 30 s for the whole account\): (a few seconds|about \d+ (seconds|minutes?))/, 'the long wait is shown with an estimate');
    // Said before the first deletion: DeleteRestApi's 1 every 30 s alone makes it take (n-1) x 30 s.
    assert.match(run.stderr.replace(/\s+/g, ' '), new RegExp(`API Gateway deletes one API every 30 s per account: ${APIS_LEFT} APIs to delete, so this takes about ${((APIS_LEFT - 1) * 30) / 60} minutes or more \\(x${SCALE} here: about ${Math.round(((APIS_LEFT - 1) * 30 * SCALE) / 5) * 5} seconds\\)`));
    // Before the students' walks begin (their first call that is not a listing), the account's
    // APIs were read once: discovery's reading also makes the estimate.
    const listing = /^(sts:GetCallerIdentity|tagging:GetResources|\w+:(List\w+|GetRestApis|DescribeLogGroups))$/;
    const beforeWalks = proxy.stats.seen.slice(0, proxy.stats.seen.findIndex((s) => !listing.test(s)));
    assert.equal(beforeWalks.filter((s) => s === 'apigateway:GetRestApis').length, 1, beforeWalks.join(', '));
    assert.match(run.stderr, /Interrupted/);
    assert.match(run.stdout, /Still there:/, 'what is left, per student');
    assertWithinQuotas(proxy);
    const deletesBefore = count(proxy, 'apigateway:DeleteRestApi');

    // The second run: no list, so every student with something left is found again.
    const again = await quotaProxy();
    try {
      const result = await classCleanup(opts(again.endpoint, { yes: true }), await classDeps(again.endpoint));
      assert.equal(result.exitCode, 0, JSON.stringify(result.students, null, 1));
      assert.ok(result.students.length > 0, 'the first run left something to finish');
      assertWithinQuotas(again);
      // Each API deleted exactly once over both runs: nothing was refused and retried.
      assert.equal(deletesBefore + count(again, 'apigateway:DeleteRestApi'), APIS_LEFT);
    } finally {
      await again.close();
    }
    for (const s of [...STUDENTS, 'late']) assert.deepEqual(await labInventory(moto.endpoint, s), EMPTY_LAB, s);
    const none = await classStatus(opts(moto.endpoint), await classDeps(moto.endpoint));
    // The hand-built labs (hand, bo-b) were found and cleaned up too: they carry the lab's names.
    assert.deepEqual(none.students.map((r) => r.student), []);
  });
});

describe('bad input: exit 2, no AWS call', () => {
  const roster = join(tmpdir(), `poc-roster-${process.pid}.txt`);
  writeFileSync(roster, 'alice   # the first\n\nbob bob@example.com\ncarol is late\n');
  const cases: [string, string[], RegExp][] = [
    ['a bad roster line', ['check', '--roster', roster], /line 4: "carol is late"/],
    ['a name that cannot be a prefix', ['status', '--students', 'alice,b_o'], /"b_o" cannot be a prefix/],
    ['an empty list', ['check', '--students', ''], /names no student/],
    ['a name twice', ['cleanup', '--yes', '--students', 'bob,bob'], /listed twice/],
    ['a name with capitals (IAM ignores case, S3 names are lowercase)', ['cleanup', '--yes', '--students', 'bob,Bob'], /"Bob" cannot be a prefix.*capital letters/s],
    ['a missing roster', ['check', '--roster', join(tmpdir(), 'no-such-roster.txt')], /Cannot read the roster/],
  ];
  for (const [label, args, message] of cases) {
    it(label, { timeout: 120_000 }, async () => {
      const proxy = await startFaultProxy({ target: moto.endpoint });
      try {
        const run = await runPoc(['class', ...args, '--endpoint-url', proxy.endpoint, '--region', REGION], { ...process.env, CI: '1' });
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, message);
        assert.equal(proxy.stats.requests, 0, `AWS calls: ${proxy.stats.seen.join(', ')}`);
      } finally {
        await proxy.close();
      }
    });
  }
});

describe('the class from a roster', () => {
  it('one name a line, # comments and blank lines ignored, an email after the name, {student} in --email', async () => {
    const { parseStudents } = await import('../src/class/students.js');
    const { selectLab } = await import('../src/labs/index.js');
    const roster = '# Monday group\nalice\n\n  bob   bob@example.com   # his own inbox\nteam-3\n';
    const students = parseStudents({ roster: 'class.txt', email: 'me+{student}@example.com' }, selectLab('orders'), () => roster);
    assert.deepEqual(students, [
      { prefix: 'alice', email: 'me+alice@example.com' },
      { prefix: 'bob', email: 'bob@example.com', fromRoster: true },
      { prefix: 'team-3', email: 'me+team-3@example.com' },
    ]);
    assert.throws(() => parseStudents({ roster: 'class.txt' }, selectLab('orders'), () => 'alice\nbob not-an-address\n'), /class\.txt line 2 \(bob\): "not-an-address" is not an email address/);
    assert.throws(() => parseStudents({ roster: 'class.txt' }, selectLab('orders'), () => '# nobody yet\n\n'), /names no student/);
    assert.throws(() => parseStudents({ students: 'alice', roster: 'class.txt' }, selectLab('orders'), () => 'bob'), /either --students or --roster/);
  });
});

describe('the pacer', () => {
  it('lets one call of a "1 every 30 s" quota go per window, counted from the end of the last; a Ctrl-C ends the waits', async () => {
    const clock = controlledClock();
    const controller = new AbortController();
    const pacer = createPacer({ timeScale: 0.01, signal: controller.signal, clock });
    const spans: [number, number][] = [];
    // DeleteRestApi: 1 every 30 s -> 300 ms at this scale; each "call" takes 50 ms.
    const calls = Promise.all(
      [0, 1, 2].map(async () => {
        const done = await pacer.take('apigateway', 'DeleteRestApi');
        const began = clock.now();
        await new Promise<void>((r) => clock.setTimeout(r, 50));
        spans.push([began, clock.now()]);
        done();
      }),
    );
    await clock.advance(750);
    await calls;
    assert.deepEqual(spans, [[0, 50], [350, 400], [700, 750]], 'each call begins a whole window (300 ms) after the last one ended');
    // The third call's window runs until 1050: a fourth call now has to wait, and Ctrl-C ends that wait.
    const waiting = pacer.take('apigateway', 'DeleteRestApi');
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    // Operations without a quota of their own share the service's total (burst 40, a tenth
    // kept in reserve); others are not paced. (A pacer of its own: this one's waits now end at once.)
    const fresh = createPacer({ timeScale: 0.01, clock });
    let went = 0;
    for (let i = 0; i < 36; i++) void fresh.take('apigateway', 'GetRestApis').then(() => went++);
    for (let i = 0; i < 100; i++) void fresh.take('sqs', 'SendMessage').then(() => went++);
    await clock.advance(0);
    assert.equal(went, 136, 'a burst within the quota waits for nothing');
    void fresh.take('apigateway', 'GetRestApis').then(() => went++);
    await clock.advance(0);
    assert.equal(went, 136, 'the 37th waits: four tokens stay in reserve for requests held up on the way');
    await clock.advance(1);
    assert.equal(went, 137, 'then goes one interval later (10 per second at x0.01: 1 ms)');
  });

  it('serves waiting calls in their turn (a class’s student order), then first come, first served', async () => {
    const clock = controlledClock();
    const pacer = createPacer({ timeScale: 0.01, clock });
    const order: string[] = [];
    // CreateDeployment: 1 every 5 s -> 50 ms at this scale. Student 0's call goes at once;
    // then students 2, 1 and 1 queue, in that order.
    const call = (turn: number, name: string) => inTurn(turn, async () => (await pacer.take('apigateway', 'CreateDeployment'))()).then(() => order.push(name));
    const all = Promise.all([call(0, 'first'), call(2, 'third student'), call(1, 'second student, a'), call(1, 'second student, b')]);
    await clock.advance(200);
    await all;
    assert.deepEqual(order, ['first', 'second student, a', 'second student, b', 'third student']);
  });

  it('a call waiting for its quota keeps the process alive until it goes (the CLI must not exit half-way)', { timeout: 60_000 }, async () => {
    const script = `
      const { createPacer } = await import(${JSON.stringify(new URL('../src/aws/pacing.js', import.meta.url).href)});
      const pacer = createPacer({ timeScale: 0.01 });
      for (let i = 0; i < 3; i++) (await pacer.take('apigateway', 'DeleteRestApi'))();
      process.stdout.write('all three went');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => child.once('close', resolve));
    assert.equal(code, 0);
    assert.equal(out, 'all three went');
  });

  it('a rate with a burst: the burst less a tenth (at least one token) goes at once, the next call waits one interval', async () => {
    const clock = controlledClock();
    const b = new TokenBucket({ count: 5, seconds: 2, burst: 5 }, 1, clock);
    assert.equal(b.eta(), 0);
    for (let i = 0; i < 4; i++) (await b.take())();
    assert.equal(b.eta(), 400, 'the fifth of an instant burst waits 1/(5 per 2 s) = 400 ms: one token stays in reserve');
    let fifth: number | undefined;
    void b.take().then(() => (fifth = clock.now()));
    await clock.advance(399);
    assert.equal(fifth, undefined, 'not before its interval');
    await clock.advance(1);
    assert.equal(fifth, 400);
    // Idle, it refills to the burst less the reserve, not beyond.
    await clock.advance(10_000);
    for (let i = 0; i < 4; i++) (await b.take())();
    assert.equal(b.eta(), 400);
  });
});
