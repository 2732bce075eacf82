// class setup follows setup's rules (a function on nodejs24.x stays there, a built lab
// needs no --email, the class's --email does not subscribe a second address to a lab that
// has one), and --dry-run is a plan: printed, exit 0, nothing changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { classSetup, type ClassOptions } from '../src/commands/class.js';
import { studentReporters } from '../src/ui/class-progress.js';
import { createReporter } from '../src/ui/reporter.js';
import { runPoc } from './helpers/cli.js';
import { motoPerFile, REGION, runSetup, sdk } from './helpers/lab.js';

const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: '0.01' } });
const opts = (extra: Partial<ClassOptions>): ClassOptions => ({ endpointUrl: moto.endpoint, region: REGION, ...extra });

async function deps() {
  const reporter = await createReporter({ json: true });
  const aws = await createAws({ endpointUrl: moto.endpoint, region: REGION });
  return { reporter, studentReporter: studentReporters(reporter), aws };
}

async function subscriptions(prefix: string): Promise<string[]> {
  const c = sdk(moto);
  const { Topics = [] } = await c.sns.listTopics({});
  const topic = Topics.find((t) => t.TopicArn!.endsWith(`:${prefix}-POC-Topic`))!;
  const { Subscriptions = [] } = await c.sns.listSubscriptionsByTopic({ TopicArn: topic.TopicArn });
  return Subscriptions.map((s) => s.Endpoint!).sort();
}

describe('class setup, as setup does it', () => {
  it('--dry-run prints the plan, exits 0 and changes nothing', { timeout: 120_000 }, async () => {
    const run = await runPoc(['class', 'setup', '--students', 'dry1,dry2', '--dry-run', '--to', '3', '--endpoint-url', moto.endpoint, '--region', REGION], { ...process.env, CI: '1' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Class setup \(dry run: nothing was changed\)/);
    assert.match(run.stdout, /dry1\s+3\s+dry1-POC-Queue/);
    assert.match(run.stdout, /`poc class setup --to 3 --students dry1,dry2 --region us-east-1 --endpoint-url [^`]+` does it/);
    assert.doesNotMatch(run.stdout, /failed|not yet/);
    const c = sdk(moto);
    assert.deepEqual((await c.sqs.listQueues({ QueueNamePrefix: 'dry' })).QueueUrls ?? [], []);
    assert.deepEqual((await c.dynamodb.listTables({})).TableNames?.filter((t) => t.startsWith('dry')) ?? [], []);
  });

  it('keeps a nodejs24.x function on 24, needs no --email on a built lab, and --email does not subscribe a second address', { timeout: 300_000 }, async () => {
    const built = await runSetup(moto, { prefix: 'n24', runtime: 'nodejs24.x', email: 'own@example.com' });
    assert.equal(built.result.exitCode, 0, built.result.error?.message);

    // No --runtime, no --email: as setup, the lab keeps both.
    const again = await classSetup(opts({ students: 'n24' }), await deps());
    assert.equal(again.exitCode, 0, JSON.stringify(again.students));
    const c = sdk(moto);
    for (const fn of ['n24-POC-Lambda-1', 'n24-POC-Lambda-2']) assert.equal((await c.lambda.getFunctionConfiguration({ FunctionName: fn })).Runtime, 'nodejs24.x', fn);
    assert.deepEqual(await subscriptions('n24'), ['own@example.com']);

    // The class's address template is for labs without a subscription: n24 keeps its own.
    const template = await classSetup(opts({ students: 'n24', email: 'teacher+{student}@example.com' }), await deps());
    assert.equal(template.exitCode, 0, JSON.stringify(template.students));
    assert.deepEqual(await subscriptions('n24'), ['own@example.com']);

    // A student with no lab yet still needs an address: exit 2, and nothing changed for anyone.
    const d = await deps();
    await assert.rejects(classSetup(opts({ students: 'n24,fresh' }), d), (e: { exitCode?: number; message?: string }) => e.exitCode === 2 && /No address for fresh\b/.test(e.message ?? ''));
    assert.deepEqual(d.aws.calls.filter((x) => x.mutating).map((x) => x.operation), []);
  });
});
