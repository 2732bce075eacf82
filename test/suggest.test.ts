// Every command poc suggests carries the options that select the same lab and account:
// advice that drops --prefix, --region, --profile or --endpoint-url acts on another lab.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pocCommand } from '../src/suggest.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPoc } from './helpers/cli.js';
import { hintsIn, shellWords } from './helpers/hints.js';
import { motoPerFile, sdk } from './helpers/lab.js';
import { awsEnv } from './helpers/moto.js';

const moto = motoPerFile();
const REGION = 'us-east-1';
const env = () => ({ ...process.env, ...awsEnv('', REGION), AWS_ENDPOINT_URL: '', CI: '1' });
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const selecting = (prefix: string) => `--prefix ${prefix} --region ${REGION} --endpoint-url ${moto.endpoint}`;

describe('suggested commands', { concurrency: true }, () => {
  it('pocCommand carries prefix, region, profile and endpoint, quoted for the shell', () => {
    // A run's options, --json and --yes among them: those two do not select a lab.
    const run = { prefix: 'alice', region: 'eu-west-1', profile: 'my lab', endpointUrl: 'http://127.0.0.1:5000', json: true, yes: true };
    assert.equal(
      pocCommand(run, 'setup --only 2'),
      "poc setup --only 2 --prefix alice --region eu-west-1 --profile 'my lab' --endpoint-url http://127.0.0.1:5000",
    );
    assert.equal(pocCommand({}, 'status'), 'poc status');
  });

  it('status of an empty prefix suggests setup with the same options, and an address (there is no subscription yet)', async () => {
    const run = await runPoc(['status', '--prefix', 'noemail', '--region', REGION, '--endpoint-url', moto.endpoint], env());
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, new RegExp(esc(`poc setup --email you@example.com ${selecting('noemail')}`)), run.stdout);
  });

  it('cleanup --dry-run suggests cleanup with the same options', async () => {
    const prefix = 'dry';
    const built = await setup({ endpointUrl: moto.endpoint, region: REGION, prefix, email: 'a@example.com', only: '2' }, { reporter: await createReporter({ json: true }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    const run = await runPoc(['cleanup', '--dry-run', '--prefix', prefix, '--region', REGION, '--endpoint-url', moto.endpoint], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(esc(`poc cleanup ${selecting(prefix)}`)), run.stdout);
  });

  it('send-order without a lab suggests setup with the same options', async () => {
    const run = await runPoc(['send-order', '{"item":"mop"}', '--prefix', 'nolab', '--region', REGION, '--endpoint-url', moto.endpoint], env());
    assert.equal(run.code, 1, run.stderr);
    // The queue may exist with a subscription: no placeholder address that would subscribe a second one.
    assert.match(run.stderr.replace(/\n\s+/g, ' '), new RegExp(esc(`\`poc setup ${selecting('nolab')} --lab orders\``)), run.stderr);
  });

  it('setup --only a task whose prerequisite is missing suggests setup --only with the same options', async () => {
    const run = await runPoc(['setup', '--only', '4', '--prefix', 'needs', '--region', REGION, '--endpoint-url', moto.endpoint], env());
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr.replace(/\n\s+/g, ' '), new RegExp(esc(`poc setup --only 1,2,3 ${selecting('needs')}`).replace(/1,2,3/, '[0-9,]+')), run.stderr);
  });

  it('send-order to an API an emulator cannot serve names the URL, the cause and --via queue', async () => {
    const prefix = 'via';
    const built = await setup({ endpointUrl: moto.endpoint, region: REGION, prefix, email: 'a@example.com' }, { reporter: await createReporter({ json: true }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    assert.match(built.apiUrl ?? '', /^https:\/\//);
    const run = await runPoc(['send-order', '{"item":"mop"}', '--count', '5', '--prefix', prefix, '--region', REGION, '--endpoint-url', moto.endpoint], env());
    assert.equal(run.code, 1, run.stderr);
    const all = (run.stdout + run.stderr).replace(/\n\s+/g, ' ');
    assert.match(all, new RegExp(esc(built.apiUrl!)), 'names the URL');
    assert.match(all, /ENOTFOUND|ECONNREFUSED|EAI_AGAIN|getaddrinfo/, 'names the cause');
    // This very order, straight to the queue, runs as is.
    assert.match(all, new RegExp(esc(`\`poc send-order '{"item":"mop"}' --count 5 --via queue ${selecting(prefix)} --lab orders\``)), all);
  });
});

describe('what the issue found: each hint carries the run’s selection and what it needs to run as is', () => {
  // A function: moto's endpoint is known once the file's tests start.
  const at = () => ['--region', REGION, '--endpoint-url', moto.endpoint];
  const build = async (prefix: string, only: string) => {
    const r = await setup({ endpointUrl: moto.endpoint, region: REGION, prefix, email: 'a@example.com', only }, { reporter: await createReporter({ json: true }) });
    assert.equal(r.exitCode, 0, r.error?.message);
  };
  const tables = async (prefix: string) => ((await sdk(moto).dynamodb.listTables({})).TableNames ?? []).filter((t) => t === `${prefix}-orders`).length;
  const flat = (run: { stdout: string; stderr: string }) => (run.stdout + run.stderr).replace(/\n\s+/g, ' ');

  it('class cleanup --dry-run names the roster’s students; its hint, run, deletes theirs and nobody else’s', { timeout: 240_000 }, async () => {
    for (const p of ['ra', 'rb', 'rc']) await build(p, '2');
    const roster = join(tmpdir(), `poc-hint-roster-${process.pid}.txt`);
    writeFileSync(roster, 'ra\nrb\n');
    const dry = await runPoc(['class', 'cleanup', '--roster', roster, '--dry-run', ...at()], env());
    assert.equal(dry.code, 0, dry.stderr);
    const [hint] = hintsIn(dry.stdout);
    assert.equal(hint, `poc class cleanup --roster ${roster} ${at().join(' ')}`);
    const run = await runPoc([...shellWords(hint).slice(1), '--yes'], env());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual([await tables('ra'), await tables('rb'), await tables('rc')], [0, 0, 1], 'rc was not on the roster: its lab is whole');
  });

  it('cleanup --dry-run’s hint, run, deletes this prefix’s lab only', { timeout: 120_000 }, async () => {
    for (const p of ['da', 'dab']) await build(p, '2');
    const dry = await runPoc(['cleanup', '--dry-run', '--prefix', 'da', ...at()], env());
    const [hint] = hintsIn(dry.stdout);
    const run = await runPoc([...shellWords(hint).slice(1), '--yes'], env());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual([await tables('da'), await tables('dab')], [0, 1]);
  });

  it('tasks on an emulator: the test task’s command has the order, --via queue and the selection; no "Add --prefix"', { timeout: 60_000 }, async () => {
    const run = await runPoc(['tasks', '--prefix', 'zed', ...at()], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(esc(`\`poc send-order '{"item":"latex gloves","customerID":"12345"}' --wait --via queue ${selecting('zed')}\``)), run.stdout);
    assert.match(run.stdout, new RegExp(esc(`\`poc cleanup ${selecting('zed')}\``)));
    assert.doesNotMatch(run.stdout, /Add --prefix/);
  });

  it('class status: the lab without a prefix is shown with a status command for this account', { timeout: 120_000 }, async () => {
    await build('', '2');
    const run = await runPoc(['class', 'status', ...at()], env());
    assert.match(flat(run), new RegExp(esc(`\`poc status --region ${REGION} --endpoint-url ${moto.endpoint} --lab orders\``)), flat(run));
  });

  it('the region conflict suggests setup with an address (the new prefix has no subscription) and status in the lab’s region', { timeout: 120_000 }, async () => {
    await build('rg', '1');
    const run = await runPoc(['setup', '--prefix', 'rg', '--region', 'eu-west-1', '--endpoint-url', moto.endpoint], env());
    assert.equal(run.code, 2, run.stderr);
    assert.match(flat(run), new RegExp(esc(`\`poc setup --email you@example.com --prefix rg-eu-west-1 --region eu-west-1 --endpoint-url ${moto.endpoint}\``)), flat(run));
    assert.match(flat(run), new RegExp(esc(`\`poc status --prefix rg --region ${REGION} --endpoint-url ${moto.endpoint}\``)), flat(run));
  });

  it('a table with the wrong key: delete just that table (aws CLI, this account), not the whole lab', { timeout: 60_000 }, async () => {
    await sdk(moto).dynamodb.createTable({ TableName: 'tk-orders', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' });
    const run = await runPoc(['setup', '--only', '2', '--prefix', 'tk', ...at()], env());
    assert.equal(run.code, 1, run.stderr);
    assert.match(flat(run), new RegExp(esc(`\`aws dynamodb delete-table --table-name tk-orders --region ${REGION} --endpoint-url ${moto.endpoint}\``)), flat(run));
  });
});

describe('copyable commands are never wrapped', () => {
  it('wrap keeps a backticked command and a quoted order whole', async () => {
    const { wrap } = await import('../src/ui/format.js');
    const cmd = '`poc setup --prefix alice --region eu-west-1 --endpoint-url http://127.0.0.1:5000`';
    const order = `'{"item":"latex gloves","customerID":"12345"}'`;
    const lines = wrap(`Run ${cmd} first, or quote the order for your shell, e.g. poc send-order ${order} and try again.`, '  ', '  ', 40);
    assert.ok(lines.some((l) => l.includes(cmd)), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes(order)), lines.join('\n'));
  });
});

describe('the way on is said once', () => {
  it('withoutRunAgain drops the generic advice that setup and cleanup replace with their own', async () => {
    const { withoutRunAgain } = await import('../src/suggest.js');
    assert.equal(withoutRunAgain('Is the endpoint at http://x still running? Start it again, then run the same command again.'), 'Is the endpoint at http://x still running? Start it again.');
    assert.equal(withoutRunAgain('AWS had not caught up yet; this is usually transient. Run the same command again.'), 'AWS had not caught up yet; this is usually transient.');
  });

});
