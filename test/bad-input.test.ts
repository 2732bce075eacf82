// Bad input, for every command and option: exit 2, a message that names the fix, no
// stack trace, and not a single request to AWS (a proxy in front of moto counts them).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runPoc } from './helpers/cli.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { directClients } from './helpers/clients.js';
import { motoPerFile } from './helpers/lab.js';

const moto = motoPerFile();
let proxy: FaultProxy;

const AWS_COMMANDS = ['setup --email a@example.com', 'status', 'check', 'cleanup --yes', 'send-order {"item":"mop"} --via queue', 'logs', 'tasks', 'explain 3'];

const cases: { what: string; args: string; hint: RegExp }[] = [
  ...AWS_COMMANDS.flatMap((cmd) => [
    { what: `${cmd.split(' ')[0]}: an unknown option`, args: `${cmd} --frobnicate`, hint: /unknown option '--frobnicate'/ },
    { what: `${cmd.split(' ')[0]}: a bad prefix`, args: `${cmd} --prefix bad_prefix!`, hint: /--prefix .*letters, digits and single hyphens/s },
    { what: `${cmd.split(' ')[0]}: a prefix with capitals (it would share zed's bucket and IAM names)`, args: `${cmd} --prefix Zed`, hint: /capital letters.*--prefix zed/s },
    { what: `${cmd.split(' ')[0]}: a too-long prefix`, args: `${cmd} --prefix ${'a'.repeat(40)}`, hint: /at most \d+ fit/ },
    { what: `${cmd.split(' ')[0]}: a malformed endpoint URL`, args: `${cmd} --endpoint-url ftp://x`, hint: /--endpoint-url .*http/s },
    { what: `${cmd.split(' ')[0]}: a region that is not one`, args: `${cmd} --region moon`, hint: /region code such as us-east-1/ },
  ]),
  { what: 'an unknown command', args: 'deploy', hint: /unknown command 'deploy'/ },
  { what: 'setup: a bad email', args: 'setup --email not-an-email', hint: /--email\s+you@example.com/ },
  { what: 'setup: an old runtime', args: 'setup --email a@example.com --runtime nodejs16.x', hint: /nodejs22.x, nodejs24.x/ },
  { what: 'setup: an unknown task', args: 'setup --only 11', hint: /Valid tasks: 1\. IAM policies and roles/ },
  { what: 'setup: --from after --to', args: 'setup --from 6 --to 4', hint: /--from/ },
  { what: 'setup: --step without a terminal', args: 'setup --step', hint: /--yes/ },
  { what: 'check: an unknown task', args: 'check 11', hint: /Valid tasks/ },
  { what: 'check: a task that is not a number', args: 'check x', hint: /Valid tasks/ },
  { what: 'explain: an unknown task', args: 'explain 11', hint: /10\. Clean up/ },
  // Without a terminal and --yes cleanup reads first (see below), but bad input still goes before any call.
  { what: 'cleanup: no terminal, no --yes, a bad prefix', args: 'cleanup --prefix bad_prefix!', hint: /--prefix .*letters, digits and single hyphens/s },
  { what: 'send-order: not JSON', args: 'send-order {item', hint: /not valid JSON/ },
  { what: 'send-order: not an object', args: 'send-order [1,2]', hint: /must be a JSON object/ },
  { what: 'send-order: an empty object', args: 'send-order {}', hint: /at least one field/ },
  { what: 'send-order: a bad --count', args: 'send-order {"a":1} --count 0', hint: /--count must be a whole number/ },
  { what: 'send-order: a bad --via', args: 'send-order {"a":1} --via email', hint: /Allowed choices are api, queue/ },
  { what: 'send-order: no order at all (its example carries the run’s prefix and region: runPoc checks every hint)', args: 'send-order --prefix zed --region eu-west-1', hint: /No order given\.\s+Pass it as JSON:\s+`poc send-order '\{"item":"latex gloves","customerID":"12345"\}' --prefix zed --region eu-west-1( --lab orders)?`/ },
  { what: 'logs: an unknown function', args: 'logs 3', hint: /Use 1 for POC-Lambda-1/ },
  { what: 'logs: a bad duration', args: 'logs --since yesterday', hint: /30s, 10m, 2h or 1d/ },
  { what: 'a mistyped region (one slip from a listed one)', args: 'status --region us-eats-1', hint: /"us-eats-1" is not an AWS region\. Did you mean us-east-1\?/ },
  { what: 'send-order: --timeout without --wait', args: 'send-order {"a":1} --timeout 30', hint: /--timeout sets how long --wait follows, and there is no --wait/ },
  { what: 'upload: --timeout without --wait', args: 'upload --lab inventory --timeout 30', hint: /--timeout sets how long --wait follows/ },
  { what: 'setup: {student} in --email (only class fills it in)', args: 'setup --email me+{student}@example.com', hint: /\{student\}\s+in\s+it,\s+which\s+only\s+poc's\s+class\s+commands\s+fill\s+in/ },
  { what: 'setup: --only with an empty place between commas', args: 'setup --only 1,,2', hint: /"1,,2" has an empty place between commas/ },
  { what: 'setup: --only with a range from high to low', args: 'setup --only 3-1', hint: /3-1 is a range from a higher task to a lower one\.\s+Write it low to high: 1-3/ },
  { what: 'inventory: a prefix S3 reserves names the bucket the lab would make', args: 'status --lab inventory --prefix sthree', hint: /"sthree-inventory-<account>-<region>"\s+uses a prefix or suffix that\s+S3\s+reserves/ },
];

describe('bad input is refused with exit 2, a hint, and no AWS call', () => {
  before(async () => {
    proxy = await startFaultProxy({ target: moto.endpoint, rate: 0 });
  });
  after(async () => {
    await proxy?.close();
  });
  for (const c of cases) {
    it(c.what, async () => {
      const before = proxy.stats.requests;
      const env = { ...process.env, CI: '1', AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
      // Split like a shell would, keeping the JSON arguments whole.
      const run = await runPoc(c.args.split(' '), env);
      assert.equal(run.code, 2, `exit code of poc ${c.args}\n${run.stderr}`);
      assert.match(run.stderr, c.hint);
      assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
      assert.equal(proxy.stats.requests, before, `poc ${c.args} sent ${proxy.stats.requests - before} request(s) to AWS`);
    });
  }
});

describe('missing configuration is one rule: exit 2, nothing sent', () => {
  it('no credentials anywhere: exit 2 (like no region, or a missing profile), saying how to configure them', async () => {
    const proxy = await startFaultProxy({ target: moto.endpoint, rate: 0 });
    try {
      const home = mkdtempSync(join(tmpdir(), 'poc-nocreds-'));
      const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')) as [string, string][]);
      Object.assign(env, { CI: '1', HOME: home, USERPROFILE: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: 'us-east-1' });
      const run = await runPoc(['status'], env);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /No AWS credentials found/);
      assert.match(run.stderr, /aws configure/);
      assert.equal(proxy.stats.requests, 0);
      const noRegion = await runPoc(['status'], { ...env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: '' });
      assert.equal(noRegion.code, 2, noRegion.stderr);
      assert.match(noRegion.stderr, /No AWS region is set/);
    } finally {
      await proxy.close();
    }
  });
});

describe('cleanup without a terminal and without --yes: reads, and refuses only when something would be deleted', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy({ target: moto.endpoint, rate: 0 });
  });
  after(async () => {
    await proxy?.close();
  });
  const env = () => ({ ...process.env, CI: '1', AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  const changes = (from: number) => proxy.stats.seen.slice(from).filter((op) => !/:(Get|List|Describe)/.test(op));

  it('nothing to delete: exit 0 and says so, no confirmation needed', async () => {
    const from = proxy.stats.seen.length;
    const run = await runPoc(['cleanup', '--prefix', 'nobody'], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout + run.stderr, /nothing/i);
    assert.doesNotMatch(run.stderr, /--yes/);
    assert.deepEqual(changes(from), []);
  });

  it('something to delete: exit 2 naming --yes, and nothing changed', async () => {
    const c = directClients(moto.endpoint);
    const { QueueUrl } = await c.sqs.createQueue({ QueueName: 'someone-POC-Queue' });
    try {
      const from = proxy.stats.seen.length;
      const run = await runPoc(['cleanup', '--prefix', 'someone'], env());
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /would delete 1 resource/);
      assert.match(run.stderr, /--yes/);
      assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
      assert.deepEqual(changes(from), [], 'only reads');
      assert.ok((await c.sqs.getQueueUrl({ QueueName: 'someone-POC-Queue' })).QueueUrl, 'the queue is still there');
    } finally {
      await c.sqs.deleteQueue({ QueueUrl });
      for (const client of Object.values(c)) client.destroy();
    }
  });
});
