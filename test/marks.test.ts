// A task's mark and the summary say what happened: no ✔ over "missing" (dry-run) or
// "skipped" (an interrupted or stepped setup), and no "Nothing changed" when nothing ran.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyResource } from '../src/engine/resource.js';
import type { ResourceReport } from '../src/engine/walks.js';
import { createReporter } from '../src/ui/reporter.js';
import { setupView } from '../src/ui/views.js';
import { selectLab } from '../src/labs/index.js';

const table = { key: 'table', task: 2, type: 'dynamodb-table', name: 'orders' } as AnyResource;
const queue = { key: 'queue', task: 3, type: 'sqs-queue', name: 'POC-Queue' } as AnyResource;

async function printed(reports: [AnyResource, Partial<ResourceReport>][]): Promise<string> {
  let text = '';
  const stream = { isTTY: false, write: (t: string) => ((text += t), true) } as unknown as NodeJS.WriteStream;
  const reporter = await createReporter({ stream, plain: true });
  reporter.begin(reports.map(([r]) => r), { 2: 'DynamoDB table', 3: 'SQS queue' }, 'Checking');
  for (const [r, report] of reports) reporter.done!(r, { key: r.key, task: r.task, type: r.type, name: r.name, reasons: [], ...report });
  reporter.end();
  return text;
}

describe('task marks', () => {
  it('dry-run lines are indented as setup lines are (two spaces, then a mark)', async () => {
    const plan = await printed([[table, { state: 'missing', reasons: ['does not exist'] }], [queue, { state: 'drifted', reasons: ['it has no access policy'] }]]);
    const built = await printed([[table, { outcome: 'created' }], [queue, { outcome: 'updated' }]]);
    const rows = (text: string) => text.split('\n').filter((l) => /orders|POC-Queue$/.test(l));
    assert.deepEqual(rows(plan).map((l) => /^ */.exec(l)![0].length), [2, 2], plan);
    assert.deepEqual(rows(built).map((l) => /^ */.exec(l)![0].length), [2, 2], built);
    assert.match(plan, /^ {2}\+ missing +dynamodb-table +orders$/m);
    assert.match(plan, /^ {2}~ drifted +sqs-queue +POC-Queue$/m);
  });

  it('dry-run: a task with a missing resource gets no ✔', async () => {
    const text = await printed([[table, { state: 'missing', reasons: ['does not exist'] }], [queue, { state: 'present' }]]);
    assert.doesNotMatch(text, /✔ Task 2/, text);
    assert.match(text, /✔ Task 3/, text);
  });

  it('a skipped task gets no ✔', async () => {
    const text = await printed([[table, { outcome: 'created' }], [queue, { outcome: 'skipped', reasons: ['not attempted: the run stopped first'] }]]);
    assert.match(text, /✔ Task 2/, text);
    assert.doesNotMatch(text, /✔ Task 3/, text);
  });
});

describe('the setup summary', () => {
  const result = (outcomes: string[], stoppedAt?: number) => ({
    account: '123456789012',
    region: 'us-east-1',
    prefix: '',
    resources: outcomes.map((outcome, i) => ({ task: i + 1, type: 'sqs-queue', name: `q${i}`, outcome })),
    exitCode: 0,
    ...(stoppedAt ? { stoppedAt } : {}),
  });

  it('quitting before task 1 does not say "Nothing changed: every resource was already as the lab wants it"', () => {
    const text = setupView(result(['skipped', 'skipped'], 1), false, selectLab('orders'));
    assert.doesNotMatch(text, /already as the lab wants it/);
    assert.match(text, /stopped before task 1/);
  });

  it('counts skipped resources', () => {
    assert.match(setupView(result(['created', 'skipped']), false, selectLab('orders')), /1 skipped/);
  });
});
