// `poc setup --step` driven as a person at a terminal drives it: the real prompt
// (@inquirer's select, through src/ui/prompts.ts) reads keystrokes from a fake terminal,
// and the test types arrow keys and Enter only once the question is on the screen.
// Also the task selections --only and --from/--to, which --step is built on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { Aws } from '../src/aws/clients.js';
import type { LabResult } from '../src/commands/results.js';
import { setup, type SetupOptions } from '../src/commands/setup.js';
import { prompts, type StepAnswer } from '../src/ui/prompts.js';
import { createReporter } from '../src/ui/reporter.js';
import { stepExplanation } from '../src/ui/views.js';
import { EMAIL, labOptions, newAws, REGION, runSetup, runStatus, sdk, useMoto, type Sdk } from './helpers/lab.js';

const getMoto = useMoto();

const TITLES: Record<number, string> = {
  1: 'IAM policies and roles',
  2: 'DynamoDB table',
  3: 'SQS queue',
  4: 'First function and its SQS trigger',
  5: 'DynamoDB stream',
  6: 'SNS topic and email subscription',
  7: 'Second function and its stream trigger',
  8: 'REST API',
};
const CHOICES: Record<StepAnswer, string> = {
  continue: 'continue: build it now',
  skip: 'skip: I will do this one by hand',
  quit: 'quit: stop here',
};
const ORDER: StepAnswer[] = ['continue', 'skip', 'quit'];
const DOWN = '\x1b[B';
const ENTER = '\r';
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** A terminal: keystrokes in, everything shown out (progress and questions on one screen). */
class Terminal {
  private raw = '';
  private closed = false;
  private waiters: { text: string; from: number; resolve(at: number): void; reject(e: Error): void }[] = [];
  readonly input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (_mode: boolean) => this.input });

  /** What a person sees, without colours and cursor moves. */
  get screen(): string {
    return this.raw.replace(ANSI, '');
  }

  /** A stream that writes on this terminal. */
  stream(): Writable {
    return new Writable({
      write: (chunk, _encoding, done) => {
        this.raw += String(chunk);
        this.wake();
        done();
      },
    });
  }

  private wake() {
    const screen = this.screen;
    this.waiters = this.waiters.filter((w) => {
      const at = screen.indexOf(w.text, w.from);
      if (at < 0) return true;
      w.resolve(at + w.text.length);
      return false;
    });
  }

  /** Resolves with the position just after `text` once it is on the screen after `from`. */
  waitFor(text: string, from = 0, ms = 15_000): Promise<number> {
    const at = this.screen.indexOf(text, from);
    if (at >= 0) return Promise.resolve(at + text.length);
    if (this.closed) return Promise.reject(new Error(`"${text}" never appeared; the screen ends with:\n${this.screen.slice(-600)}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`"${text}" did not appear within ${ms} ms; the screen ends with:\n${this.screen.slice(-600)}`)), ms);
      timer.unref();
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      this.waiters.push({ text, from, resolve: (n) => (clearTimeout(timer), resolve(n)), reject: fail });
    });
  }

  type(keys: string) {
    this.input.write(keys);
  }

  /** The command has ended: whatever is still awaited will not appear. */
  close() {
    this.closed = true;
    for (const w of this.waiters) w.reject(new Error(`"${w.text}" never appeared; the screen ends with:\n${this.screen.slice(-600)}`));
    this.waiters = [];
  }
}

/** Answers one question as a person would: waits for it, moves down to the choice, presses Enter. */
async function answer(term: Terminal, task: number, choice: StepAnswer, from: number): Promise<number> {
  const question = `Task ${task} (${TITLES[task]}):`;
  let at = await term.waitFor(question, from);
  for (let i = 1; i <= ORDER.indexOf(choice); i++) {
    term.type(DOWN);
    at = await term.waitFor(`❯ ${CHOICES[ORDER[i]]}`, at); // the highlight has moved
  }
  term.type(ENTER);
  return term.waitFor(`✔ ${question} ${CHOICES[choice]}`, at); // the prompt shows the answer taken
}

interface StepRun {
  result?: LabResult;
  error?: Error & { exitCode?: number; hint?: string };
  /** Tasks setup asked about, in order. */
  asked: number[];
  term: Terminal;
  /** Why the person could not give every answer in the script (undefined when they could). */
  userProblem?: Error;
}

/** Runs setup --step at the fake terminal while a person answers `script` ([task, answer] in order). */
async function runStep(script: [number, StepAnswer][], extra: Partial<SetupOptions> = {}): Promise<StepRun> {
  const term = new Terminal();
  const reporter = await createReporter({ stream: term.stream() as unknown as NodeJS.WriteStream, plain: true });
  const asked: number[] = [];
  const askStep = (task: { number: number; title: string }) => {
    asked.push(task.number);
    if (!script.some(([n]) => n === task.number)) return Promise.reject(new Error(`setup asked about task ${task.number}, which the person did not expect`));
    // Each question gets its own output stream: @inquirer ends the output stream it is
    // given when a question is answered (see the test of prompts() below).
    return prompts({ input: term.input, output: term.stream() }).askStep(task);
  };
  const person = (async () => {
    let at = 0;
    for (const [task, choice] of script) at = await answer(term, task, choice, at);
  })();
  // A person whose question never shows up gives up with Ctrl-C (the prompt then rejects).
  person.catch(() => term.type('\x03'));
  const outcome = await setup(labOptions(getMoto(), { step: true, ...extra }), { reporter, askStep, explain: stepExplanation }).then(
    (result) => ({ result }),
    (error: StepRun['error']) => ({ error }),
  );
  term.close();
  const userProblem = await person.then(
    () => undefined,
    (e: Error) => e,
  );
  return { ...outcome, asked, term, userProblem };
}

const all = (from: number, to: number, choice: StepAnswer = 'continue') =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, choice] as [number, StepAnswer]);

// --- What exists, read with plain SDK clients.
const exists = (p: Promise<unknown>) => p.then(
  () => true,
  () => false,
);
const queueExists = (c: Sdk, name: string) => exists(c.sqs.getQueueUrl({ QueueName: name }));
const functionExists = (c: Sdk, name: string) => exists(c.lambda.getFunctionConfiguration({ FunctionName: name }));
const topicExists = (c: Sdk) => exists(c.sns.getTopicAttributes({ TopicArn: `arn:aws:sns:${REGION}:123456789012:POC-Topic` }));
const tableExists = (c: Sdk) => exists(c.dynamodb.describeTable({ TableName: 'orders' }));
const roleExists = (c: Sdk, name: string) => exists(c.iam.getRole({ RoleName: name }));
const streamOn = async (c: Sdk) => (await c.dynamodb.describeTable({ TableName: 'orders' })).Table?.StreamSpecification?.StreamEnabled === true;
const apiExists = async (c: Sdk) => ((await c.apigateway.getRestApis({})).items ?? []).some((a) => a.name === 'POC-API');
const triggers = async (c: Sdk, fn: string) => ((await c.lambda.listEventSourceMappings({ FunctionName: fn })).EventSourceMappings ?? []).length;
const logGroupExists = async (c: Sdk, name: string) => ((await c.logs.describeLogGroups({ logGroupNamePrefix: name })).logGroups ?? []).some((g) => g.logGroupName === name);

/** Which of tasks 1-8 have their main resources, as seen through the SDK. */
async function built(c: Sdk): Promise<number[]> {
  const has: Record<number, boolean> = {
    1: (await roleExists(c, 'Lambda-SQS-DynamoDB')) && (await roleExists(c, 'Lambda-DynamoDBStreams-SNS')) && (await roleExists(c, 'APIGateway-SQS')),
    2: await tableExists(c),
    3: (await queueExists(c, 'POC-Queue')) && (await queueExists(c, 'POC-Queue-DLQ')),
    4: (await functionExists(c, 'POC-Lambda-1')) && (await triggers(c, 'POC-Lambda-1')) === 1,
    5: (await tableExists(c)) && (await streamOn(c)),
    6: await topicExists(c),
    7: (await functionExists(c, 'POC-Lambda-2')) && (await triggers(c, 'POC-Lambda-2')) === 1,
    8: await apiExists(c),
  };
  return Object.entries(has)
    .filter(([, v]) => v)
    .map(([k]) => Number(k));
}

const tasksOf = (result: LabResult) => [...new Set(result.resources.map((r) => r.task))].sort((a, b) => a - b);

describe('poc setup --step, answered at a terminal', () => {
  it('continue on every task: each is explained and planned before its question, and the lab is complete', { timeout: 60_000 }, async () => {
    const run = await runStep(all(1, 8));
    assert.equal(run.userProblem, undefined, run.userProblem?.message);
    assert.equal(run.error, undefined, run.error?.message);
    assert.equal(run.result!.exitCode, 0);
    assert.equal(run.result!.stoppedAt, undefined);
    assert.deepEqual(run.asked, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(await built(sdk(getMoto())), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal((await runStatus(getMoto())).result.exitCode, 0, 'status: the lab is complete');

    // On the screen, per task: its header, its plan, then the question; then the next task.
    const screen = run.term.screen;
    let at = 0;
    for (let n = 1; n <= 8; n++) {
      const header = screen.indexOf(`── Task ${n}: ${TITLES[n]}`, at);
      assert.ok(header >= at, `task ${n}'s header after task ${n - 1}'s question`);
      const plan = screen.indexOf('Plan:', header);
      const question = screen.indexOf(`Task ${n} (${TITLES[n]}):`, header);
      assert.ok(plan > header && question > plan, `task ${n}: header, plan, question in that order`);
      assert.doesNotMatch(screen.slice(header + 1, question), /── Task \d/, `task ${n}: no other task in between`);
      at = question;
    }
  });

  it('skip task 3: the queue is not built, and task 4, which needs it, stops with a message naming it', { timeout: 60_000 }, async () => {
    const run = await runStep([...all(1, 2), [3, 'skip'], [4, 'continue']]);
    assert.equal(run.userProblem, undefined, run.userProblem?.message);
    assert.deepEqual(run.asked, [1, 2, 3, 4]);
    // setup stops at task 4 (before creating anything of it), keeps what tasks 1-2 built,
    // and says what is missing and how to go on.
    assert.equal(run.error, undefined, run.error?.message);
    const result = run.result!;
    assert.equal(result.exitCode, 1);
    assert.equal(result.error?.message, 'Setup stopped: These tasks need sqs-queue POC-Queue (task 3), which does not exist yet.');
    assert.match(result.error?.hint ?? '', /by hand, or with `?poc setup --only 3\b/);
    assert.match(result.error?.hint ?? '', /poc setup --step --from 4\b/);
    for (const r of result.resources.filter((x) => x.task <= 2)) assert.equal(r.outcome, 'created', r.name);
    for (const r of result.resources.filter((x) => x.task === 4)) assert.equal(r.outcome, 'failed', r.name);
    const c = sdk(getMoto());
    assert.equal(await queueExists(c, 'POC-Queue'), false, 'task 3 skipped: no queue');
    assert.equal(await queueExists(c, 'POC-Queue-DLQ'), false, 'task 3 skipped: no dead-letter queue');
    assert.equal(await functionExists(c, 'POC-Lambda-1'), false, 'nothing of task 4 was made');
    assert.equal(await logGroupExists(c, '/aws/lambda/POC-Lambda-1'), false, 'nothing of task 4 was made');
    assert.deepEqual(await built(c), [1, 2]);
    assert.doesNotMatch(run.term.screen, /── Task 5/, 'the later tasks were not offered');
  });

  it('quit at task 4: tasks 1-3 are built, 4-8 are not, and it says how to continue', { timeout: 60_000 }, async () => {
    const run = await runStep([...all(1, 3), [4, 'quit']]);
    assert.equal(run.userProblem, undefined, run.userProblem?.message);
    assert.equal(run.error, undefined, run.error?.message);
    const result = run.result!;
    assert.equal(result.stoppedAt, 4);
    assert.match(run.term.screen, /Stopped before task 4\. Continue later with: poc setup --step --from 4\b/);
    for (const r of result.resources) {
      if (r.task <= 3) assert.equal(r.outcome, 'created', r.name);
      else assert.deepEqual([r.outcome, r.reasons], ['skipped', ['you stopped here']], r.name);
    }
    assert.deepEqual(tasksOf(result), [1, 2, 3, 4, 5, 6, 7, 8]);
    const c = sdk(getMoto());
    assert.deepEqual(await built(c), [1, 2, 3]);
    assert.equal(await streamOn(c), false);

    // The hint works: continuing from task 4 completes the lab, asking only about 4-8.
    const rest = await runStep(all(4, 8), { from: '4' });
    assert.equal(rest.userProblem, undefined, rest.userProblem?.message);
    assert.equal(rest.error, undefined, rest.error?.message);
    assert.deepEqual(rest.asked, [4, 5, 6, 7, 8]);
    assert.equal((await runStatus(getMoto())).result.exitCode, 0);
  });

  it('the same prompts({ input, output }) shows every question it asks on that output', async () => {
    // What a test (or any caller passing streams) does: one prompts() for the whole run.
    const term = new Terminal();
    const output = term.stream();
    const ask = prompts({ input: term.input, output });
    const first = ask.askStep({ number: 3, title: TITLES[3] });
    await answer(term, 3, 'skip', 0);
    assert.equal(await first, 'skip');
    const second = ask.askStep({ number: 4, title: TITLES[4] });
    try {
      await term.waitFor(`Task 4 (${TITLES[4]}):`, 0, 3000);
      term.type(ENTER);
      assert.equal(await second, 'continue');
    } finally {
      // Whatever happened, answer the pending question so nothing is left waiting.
      term.type(ENTER);
      await second.catch(() => undefined);
    }
  });
});

describe('poc setup --step without a person to answer', () => {
  it('without a terminal and without --yes: exit code 2 before any AWS call', async () => {
    const aws: Aws = await newAws(getMoto());
    await assert.rejects(
      setup(labOptions(getMoto(), { step: true }), { reporter: await createReporter({ json: true }), aws, explain: stepExplanation }),
      (error: Error & { exitCode?: number; hint?: string }) => {
        assert.equal(error.exitCode, 2, `${error.name}: ${error.message}`);
        assert.match(error.message, /--step/);
        assert.match(error.hint ?? '', /--yes/);
        return true;
      },
    );
    assert.deepEqual(aws.calls, []);
  });

  it('the CLI: poc setup --step with no terminal exits 2, makes no AWS call, says to add --yes', async () => {
    const ROOT = fileURLToPath(new URL('../../', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    delete env.AWS_ENDPOINT_URL;
    delete env.AWS_PROFILE;
    delete env.CI;
    const args = ['bin/poc.js', 'setup', '--step', '--email', EMAIL, '--verbose', '--endpoint-url', getMoto().endpoint, '--region', REGION];
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^Error: --step asks before each task, but nobody can answer here/m);
    assert.match(run.stderr, /add --yes/);
    assert.doesNotMatch(run.stderr, /^\s*aws \w+ \w+/m, '--verbose lists no AWS call');
    assert.deepEqual((await sdk(getMoto()).iam.listRoles({})).Roles ?? [], []);
  });

  it('--step --yes goes through every task without asking, printing each task’s explanation in order', { timeout: 60_000 }, async () => {
    const term = new Terminal();
    const reporter = await createReporter({ stream: term.stream() as unknown as NodeJS.WriteStream, plain: true });
    const asked: number[] = [];
    const result = await setup(labOptions(getMoto(), { step: true, yes: true }), {
      reporter,
      askStep: async (task) => {
        asked.push(task.number);
        return 'quit';
      },
      explain: stepExplanation,
    });
    assert.equal(result.exitCode, 0, result.error?.message);
    assert.equal(result.stoppedAt, undefined);
    assert.deepEqual(asked, [], '--yes answers every question');
    assert.equal((await runStatus(getMoto())).result.exitCode, 0);

    // Each task's header, then a bit of its explanation, in task order (lines wrap: compare words).
    const words = term.screen.replace(/\s+/g, ' ');
    const explained: Record<number, string> = {
      1: 'Every part of the pipeline acts as an IAM role',
      2: 'The table is where an order becomes a record',
      3: 'The queue decouples taking an order from processing it.',
      4: 'POC-Lambda-1 is the consumer of the queue.',
      5: "A DynamoDB stream is the table's change feed",
      6: 'SNS fans out: POC-Lambda-2 publishes each new order once to POC-Topic',
      7: 'POC-Lambda-2 turns stored orders into notifications.',
      8: 'The REST API is the front door',
    };
    let at = 0;
    for (let n = 1; n <= 8; n++) {
      const header = words.indexOf(`── Task ${n}: ${TITLES[n]}`, at);
      assert.ok(header >= 0, `the header of task ${n}, after task ${n - 1}`);
      const text = words.indexOf(explained[n], header);
      const next = n < 8 ? words.indexOf(`── Task ${n + 1}:`, header) : words.length;
      assert.ok(text > header && text < next, `task ${n}'s explanation between its header and the next`);
      at = text;
    }
  });
});

describe('poc setup --only / --from / --to', () => {
  it('--only 3,4 with tasks 1 and 2 already built builds only 3 and 4, changing nothing of 1 and 2', async () => {
    const moto = getMoto();
    assert.equal((await runSetup(moto, { to: '2' })).result.exitCode, 0);
    const c = sdk(moto);
    assert.deepEqual(await built(c), [1, 2]);
    const { result, aws } = await runSetup(moto, { only: '3,4' });
    assert.equal(result.exitCode, 0, result.error?.message);
    assert.deepEqual(tasksOf(result), [3, 4]);
    for (const r of result.resources) assert.equal(r.outcome, 'created', r.name);
    const writers = new Set(aws.calls.filter((x) => x.mutating).map((x) => x.service));
    assert.ok(!writers.has('iam') && !writers.has('dynamodb'), `no change to tasks 1-2; mutating services: ${[...writers].join(', ')}`);
    assert.deepEqual(await built(c), [1, 2, 3, 4]);
  });

  it('--from 4 --to 6 builds tasks 4, 5 and 6 only', async () => {
    const moto = getMoto();
    assert.equal((await runSetup(moto, { to: '3' })).result.exitCode, 0);
    const { result } = await runSetup(moto, { from: '4', to: '6' });
    assert.equal(result.exitCode, 0, result.error?.message);
    assert.deepEqual(tasksOf(result), [4, 5, 6]);
    for (const r of result.resources) assert.equal(r.outcome, 'created', r.name);
    assert.deepEqual(await built(sdk(moto)), [1, 2, 3, 4, 5, 6]);
  });

  it('--only 1,2 on a lab missing the other tasks says the selected ones are done and the rest is not', async () => {
    const moto = getMoto();
    assert.equal((await runSetup(moto, { to: '2' })).result.exitCode, 0);
    const { setupView } = await import('../src/ui/views.js');
    const { selectLab } = await import('../src/labs/index.js');
    for (const dryRun of [true, false]) {
      const { result } = await runSetup(moto, { only: '1,2', dryRun });
      assert.equal(result.exitCode, 0, result.error?.message);
      assert.deepEqual(result.selected, [1, 2]);
      assert.deepEqual(result.incomplete, [3, 4, 5, 6, 7, 8]);
      const text = setupView(result, dryRun, selectLab('orders'), labOptions(moto, { only: '1,2' })).replace(/\n\s*/g, ' ');
      assert.doesNotMatch(text, /the lab is complete/i, text);
      assert.match(text, dryRun ? /Nothing to do in the selected tasks 1, 2/ : /Nothing changed: every resource in the selected tasks 1, 2 was already/, text);
      assert.match(text, /The lab is not complete: tasks 3, 4, 5, 6, 7, 8 are missing or drifted \(not selected\)/, text);
    }
    // The whole lab built: --only says the rest is complete too.
    assert.equal((await runSetup(moto)).result.exitCode, 0);
    const { result } = await runSetup(moto, { only: '1,2', dryRun: true });
    assert.deepEqual(result.incomplete, []);
  });

  it('--only 5 on an empty account stops with a message naming the table and task 2', async () => {
    const moto = getMoto();
    await assert.rejects(runSetup(moto, { only: '5' }), (error: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(error.exitCode, 1);
      assert.equal(error.message, 'These tasks need dynamodb-table orders (task 2), which does not exist yet.');
      assert.match(error.hint ?? '', /poc setup --only 2\b/);
      return true;
    });
    assert.deepEqual((await sdk(moto).dynamodb.listTables({})).TableNames ?? [], []);
  });
});
