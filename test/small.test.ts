// The smaller ones of issue 10: task lists, function names, durations, -y, status layout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFunctionChoice, parseSince } from '../src/commands/logs.js';
import { parseTaskList } from '../src/commands/task-args.js';
import { PocError } from '../src/errors.js';
import { statusView } from '../src/ui/views.js';
import { runPoc } from './helpers/cli.js';
import { motoPerFile } from './helpers/lab.js';

const moto = motoPerFile();
const TASKS = [1, 2, 3, 4, 5, 6, 7, 8];
const usage = (fn: () => unknown, hint?: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof PocError && e.exitCode === 2 && (!hint || hint.test(`${e.message} ${e.hint}`)));

describe('smaller ones', { concurrency: true }, () => {
  it("--only '' is refused, not taken as every task; --only 3-5 is a range", () => {
    usage(() => parseTaskList([''], TASKS), /No task given/);
    assert.deepEqual(parseTaskList(['3-5'], TASKS), [3, 4, 5]);
    assert.deepEqual(parseTaskList(['1,3-4'], TASKS), [1, 3, 4]);
    usage(() => parseTaskList(['7-9'], TASKS));
  });

  it('logs takes the function by its name too', () => {
    assert.deepEqual(parseFunctionChoice('POC-Lambda-1'), [1]);
    assert.deepEqual(parseFunctionChoice('alice-POC-Lambda-2'), [2]);
    usage(() => parseFunctionChoice('POC-Lambda-3'));
  });

  it('--since 100d names the limit it applies', () => {
    usage(() => parseSince('100d'), /more than 30 days back.*at most 30d/);
    assert.throws(() => parseSince('100d'), (e: PocError) => !/keeps logs 7 days; use at most 30d/.test(e.hint ?? ''));
  });

  it('status detail lines start under the names', () => {
    const text = statusView({
      account: '1',
      region: 'us-east-1',
      prefix: '',
      complete: true,
      resources: [{ task: 3, type: 'sqs-queue', name: 'POC-Queue', state: 'present', details: { messages: 0, inFlight: 0 }, summary: '0 waiting, 0 in flight' }],
      exitCode: 0,
    });
    const lines = text.split('\n');
    const row = lines.find((l) => l.includes('POC-Queue'))!;
    const detail = lines[lines.indexOf(row) + 1];
    assert.equal(detail.search(/\S/), row.indexOf('POC-Queue'), text);
  });

  it('status of a lab with many missing resources does not list them all on one line', () => {
    const resources = Array.from({ length: 20 }, (_, i) => ({ task: 1, type: 'iam-role', name: `role-${i}`, state: 'missing', reasons: ['does not exist'] }));
    const text = statusView({ account: '1', region: 'us-east-1', prefix: '', complete: false, resources, exitCode: 3 });
    assert.ok(text.split('\n').every((l) => l.length <= 120), text);
  });

  it('-y is --yes', async () => {
    const env = { ...process.env, CI: '1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
    const run = await runPoc(['cleanup', '-y', '--prefix', 'none', '--endpoint-url', moto.endpoint], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Nothing to delete/);
  });
});

describe('tasks with the endpoint unreachable', () => {
  it('lists the tasks and says why there are no states, exit 0 (as explain does)', { timeout: 120_000 }, async () => {
    const env = { ...process.env, CI: '1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
    const run = await runPoc(['tasks', '--endpoint-url', 'http://127.0.0.1:9'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Clean up/);
    assert.match(run.stderr, /127\.0\.0\.1:9/);
  });
});
