// Every command poc suggests carries the options that select the same lab and account:
// advice that drops --prefix, --region, --profile or --endpoint-url acts on another lab.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pocCommand } from '../src/commands/suggest.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import { runPoc } from './helpers/cli.js';
import { motoPerFile } from './helpers/lab.js';
import { awsEnv } from './helpers/moto.js';

const moto = motoPerFile();
const REGION = 'us-east-1';
const env = () => ({ ...process.env, ...awsEnv('', REGION), AWS_ENDPOINT_URL: '', CI: '1' });
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const selecting = (prefix: string) => `--prefix ${prefix} --region ${REGION} --endpoint-url ${moto.endpoint}`;

describe('suggested commands', { concurrency: true }, () => {
  it('pocCommand carries prefix, region, profile and endpoint, quoted for the shell', () => {
    assert.equal(
      pocCommand({ prefix: 'alice', region: 'eu-west-1', profile: 'my lab', endpointUrl: 'http://127.0.0.1:5000', json: true, yes: true }, 'setup --only 2'),
      "poc setup --only 2 --prefix alice --region eu-west-1 --profile 'my lab' --endpoint-url http://127.0.0.1:5000",
    );
    assert.equal(pocCommand({}, 'status'), 'poc status');
  });

  it('status of an incomplete lab suggests setup with the same options', async () => {
    const run = await runPoc(['status', '--prefix', 'noemail', '--region', REGION, '--endpoint-url', moto.endpoint], env());
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, new RegExp(esc(`poc setup ${selecting('noemail')}`)), run.stdout);
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
    assert.match(run.stderr, new RegExp(esc(`poc setup ${selecting('nolab')}`)), run.stderr);
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
    const run = await runPoc(['send-order', '{"item":"mop"}', '--prefix', prefix, '--region', REGION, '--endpoint-url', moto.endpoint], env());
    assert.equal(run.code, 1, run.stderr);
    const all = (run.stdout + run.stderr).replace(/\n\s+/g, ' ');
    assert.match(all, new RegExp(esc(built.apiUrl!)), 'names the URL');
    assert.match(all, /ENOTFOUND|ECONNREFUSED|EAI_AGAIN|getaddrinfo/, 'names the cause');
    assert.match(all, new RegExp(esc(`poc send-order --via queue ${selecting(prefix)}`)), all);
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
    const { withoutRunAgain } = await import('../src/commands/suggest.js');
    assert.equal(withoutRunAgain('Is the endpoint at http://x still running? Start it again, then run the same command again.'), 'Is the endpoint at http://x still running? Start it again.');
    assert.equal(withoutRunAgain('AWS had not caught up yet; this is usually transient. Run the same command again.'), 'AWS had not caught up yet; this is usually transient.');
  });

});
