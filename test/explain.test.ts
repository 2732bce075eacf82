// `poc explain` and `poc tasks`, as a student runs them: the CLI as a child process,
// first with no AWS account at all (no AWS_* variables, an empty home folder), where both
// must work, quickly and without loading the AWS SDK; then against moto, where ARNs carry
// the account and `tasks` reports how far each task is.
import assert from 'node:assert/strict';
import { bareEnv as bareHome, ROOT, runPoc, section, type Run } from './helpers/cli.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { credentialsHinted } from '../src/commands/tasks.js';
import { setup } from '../src/commands/setup.js';
import { breakCommand, commandParts, formatJson, wrap } from '../src/ui/explain-view.js';
import { createReporter } from '../src/ui/reporter.js';
import { ACCOUNT, queueUrl, REGION, sdk, TASK_TITLES, useMoto } from './helpers/lab.js';

// dist/test/explain.test.js -> the package root
const scratch = mkdtempSync(join(tmpdir(), 'poc-explain-'));
const EMPTY_HOME = join(scratch, 'home');
mkdirSync(EMPTY_HOME);
after(() => rmSync(scratch, { recursive: true, force: true }));

const TITLES = TASK_TITLES;


/** A machine with no AWS account: nothing AWS_* in the environment, an empty home. */
const bareEnv = (extra: NodeJS.ProcessEnv = {}) => bareHome(EMPTY_HOME, extra);

function poc(args: string[], env: NodeJS.ProcessEnv = bareEnv()): Promise<Run> {
  return runPoc(args, env);
}

const taskLines = (stdout: string) => stdout.split('\n').filter((l) => /^\s*\d+\. /.test(l));

// ---------------------------------------------------------------------------------------

describe('poc explain without an AWS account', () => {
  for (let task = 1; task <= 10; task++) {
    it(`explain ${task}: exit 0, the title, why, console steps and commands, nothing wider than it must be`, async () => {
      const run = await poc(['explain', String(task)]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '', 'nothing on stderr: no account is not a problem');
      const [first] = run.stdout.split('\n');
      assert.equal(first, `Task ${task} · ${TITLES[task - 1]}`);
      assert.match(run.stdout, /<ACCOUNT_ID>/, 'the account is a placeholder');
      assert.doesNotMatch(run.stdout, /\d{12}/, 'no account number was invented');
      const why = section(run.stdout, 'Why').filter(Boolean);
      assert.ok(why.length >= 3, 'a real explanation');
      for (const l of why) assert.ok(l.length <= 78, `prose wrapped at 78: ${JSON.stringify(l)}`);
      assert.ok(section(run.stdout, 'In the console').some((l) => /^\s+1\. /.test(l)), 'numbered console steps');
      const cli = section(run.stdout, 'With the AWS CLI');
      assert.ok(cli.some((l) => /^\s+(aws|poc) /.test(l)), 'aws or poc commands');
      for (const l of run.stdout.split('\n')) {
        if (l.length <= 80) continue;
        // Only an ARN, a line of JSON or a path into poc's own folder (as long as where it is
        // installed) may not fit: none can be broken.
        assert.ok(/arn:/.test(l) || /^\s+"/.test(l) || l.includes(ROOT), `line wider than 80 columns: ${JSON.stringify(l)}`);
      }
    });
  }

  it('explain 1 shows the policy documents with <ACCOUNT_ID> and the aws iam commands that use them', async () => {
    const run = await poc(['explain', '1']);
    assert.equal(run.code, 0, run.stderr);
    const json = section(run.stdout, 'The JSON').join('\n');
    assert.match(json, /"Resource": "arn:aws:dynamodb:<REGION>:<ACCOUNT_ID>:table\/orders"/);
    assert.match(json, /"Resource": "arn:aws:sqs:<REGION>:<ACCOUNT_ID>:POC-Queue"/);
    assert.match(json, /"Principal": \{ "Service": "lambda\.amazonaws\.com" \}/, 'the trust policy');
    assert.match(json, /"Principal": \{ "Service": "apigateway\.amazonaws\.com" \}/);
    const cli = section(run.stdout, 'With the AWS CLI').join('\n');
    assert.match(cli, /aws iam create-policy --policy-name Lambda-Write-DynamoDB \\\n\s+--policy-document file:\/\/Lambda-Write-DynamoDB\.json/);
    assert.match(cli, /aws iam attach-role-policy --role-name Lambda-SQS-DynamoDB \\\n\s+--policy-arn arn:aws:iam::<ACCOUNT_ID>:policy\/Lambda-Read-SQS/);
  });

  it('explain 1 --json: the documents are the ones setup makes, as parseable JSON', async () => {
    const run = await poc(['explain', '1', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { task: number; title: string; why: string; steps: string[]; json: Record<string, any>; cli: string[] };
    assert.deepEqual(Object.keys(doc), ['task', 'title', 'why', 'steps', 'json', 'cli']);
    assert.equal(doc.task, 1);
    assert.equal(doc.title, TITLES[0]);
    assert.ok(doc.why.length > 200);
    assert.deepEqual(doc.json['Lambda-Write-DynamoDB.json'], {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: 'arn:aws:dynamodb:<REGION>:<ACCOUNT_ID>:table/orders' }],
    });
    assert.deepEqual(doc.json['lambda-trust-policy.json'], {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    // Every file a command reads is one the explanation gives.
    for (const command of doc.cli) {
      for (const [, file] of command.matchAll(/file:\/\/(\S+)/g)) assert.ok(file in doc.json, `${file} is explained`);
    }
    assert.ok(doc.cli.includes('aws iam create-policy --policy-name Lambda-Read-SQS --policy-document file://Lambda-Read-SQS.json'));
    assert.ok(!doc.cli.some((c) => c.includes('\\\n')), 'JSON commands are not broken into lines');
  });

  it('explain 3 and 8 give the queue policies and the API integration', async () => {
    const queue = JSON.parse((await poc(['explain', '3', '--json'])).stdout) as { json: Record<string, any>; cli: string[] };
    assert.deepEqual(queue.json['POC-Queue-redrive-policy.json'], { deadLetterTargetArn: 'arn:aws:sqs:<REGION>:<ACCOUNT_ID>:POC-Queue-DLQ', maxReceiveCount: 5 });
    const access = queue.json['POC-Queue-access-policy.json'];
    assert.deepEqual(
      access.Statement.map((s: any) => s.Principal.AWS),
      ['arn:aws:iam::<ACCOUNT_ID>:role/APIGateway-SQS', 'arn:aws:iam::<ACCOUNT_ID>:role/Lambda-SQS-DynamoDB'],
    );
    // What the CLI sends as attributes: strings, the policies as JSON text.
    const attributes = queue.json['POC-Queue-attributes.json'];
    assert.deepEqual(JSON.parse(attributes.Policy), access);
    assert.equal(attributes.VisibilityTimeout, '60');
    assert.ok(queue.cli.includes('aws sqs create-queue --queue-name POC-Queue --attributes file://POC-Queue-attributes.json'));

    const api = JSON.parse((await poc(['explain', '8', '--json'])).stdout) as { json: Record<string, any>; cli: string[] };
    const integration = api.json['POC-API-integration.json'];
    assert.equal(integration.uri, 'arn:aws:apigateway:<REGION>:sqs:path/<ACCOUNT_ID>/POC-Queue');
    assert.equal(integration.credentials, 'arn:aws:iam::<ACCOUNT_ID>:role/APIGateway-SQS');
    assert.deepEqual(integration.requestTemplates, { 'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' });
    assert.deepEqual(integration.requestParameters, { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" });
    assert.ok(api.cli.some((c) => c.startsWith('aws apigateway put-integration ') && c.includes('--cli-input-json file://POC-API-integration.json')));
    assert.ok(api.cli.some((c) => c.startsWith('aws apigateway create-deployment ') && c.includes('--stage-name prod')));
  });

  it('explain 9 and 10 name the test and the delete commands', async () => {
    const test = JSON.parse((await poc(['explain', '9', '--json'])).stdout) as { cli: string[] };
    assert.ok(test.cli.some((c) => c.startsWith('poc send-order ') && c.includes('--wait')));
    assert.ok(test.cli.some((c) => c.startsWith('aws sqs send-message ')));
    const clean = JSON.parse((await poc(['explain', '10', '--json'])).stdout) as { cli: string[] };
    for (const command of ['aws apigateway delete-rest-api', 'aws lambda delete-function --function-name POC-Lambda-1', 'aws dynamodb delete-table --table-name orders', 'aws iam delete-role --role-name APIGateway-SQS', 'aws sns delete-topic']) {
      assert.ok(clean.cli.some((c) => c.startsWith(command)), command);
    }
    // IAM refuses to delete a role with policies attached: detach comes first.
    const detach = clean.cli.findIndex((c) => c.startsWith('aws iam detach-role-policy --role-name Lambda-SQS-DynamoDB'));
    const remove = clean.cli.findIndex((c) => c.startsWith('aws iam delete-role --role-name Lambda-SQS-DynamoDB'));
    assert.ok(detach >= 0 && detach < remove, 'detach before delete');
  });

  it('--prefix alice names every resource alice-…', async () => {
    const run = await poc(['explain', '3', '--prefix', 'alice']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /alice-POC-Queue\b/);
    assert.match(run.stdout, /arn:aws:iam::<ACCOUNT_ID>:role\/alice-APIGateway-SQS/);
    assert.match(run.stdout, /aws sqs create-queue --queue-name alice-POC-Queue-DLQ/);
    assert.doesNotMatch(run.stdout, /[^-]POC-Queue/, 'no unprefixed queue name');
  });

  it('the poc commands it names carry the run\'s selection (prefix, region, lab), in prose and commands', async () => {
    // runPoc checks every suggested command against the run's options too (helpers/hints.ts).
    const status = await poc(['explain', '7', '--lab', 'orders', '--prefix', 'zed', '--region', 'eu-west-1']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout.replace(/\s+/g, ' '), /`poc status --prefix zed --region eu-west-1 --lab orders` counts/);
    const upload = await poc(['explain', '3', '--lab', 'inventory', '--prefix', 'zed']);
    assert.equal(upload.code, 0, upload.stderr);
    assert.match(upload.stdout, /^ {2}poc upload --wait --prefix zed --lab inventory$/m);
  });

  it('--region fills in the region without an account', async () => {
    const run = await poc(['explain', '6', '--region', 'eu-west-1', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const cli = (JSON.parse(run.stdout) as { cli: string[] }).cli.join('\n');
    assert.match(cli, /arn:aws:sns:eu-west-1:<ACCOUNT_ID>:POC-Topic/);
    assert.doesNotMatch(cli, /<REGION>/);
  });

  for (const bad of ['11', 'x', '0']) {
    it(`explain ${bad}: exit 2, listing the tasks there are`, async () => {
      const run = await poc(['explain', bad]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, new RegExp(`"${bad}" is not a task of the lab: choose 1-10`));
      TITLES.forEach((title, i) => assert.ok(run.stderr.includes(`${i + 1}. ${title}`), `lists task ${i + 1}`));
    });
  }

  it('explain with no task: exit 2, listing the tasks', async () => {
    const run = await poc(['explain']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Which task\?/);
    assert.ok(run.stderr.includes('10. Clean up'));
  });

  it('a bad --prefix is still bad usage (exit 2), account or not', async () => {
    const run = await poc(['explain', '3', '--prefix', 'no_underscores']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--prefix "no_underscores"/);
  });
});

describe('poc tasks without an AWS account', () => {
  it('lists the ten tasks, numbered, without states, exit 0', async () => {
    const run = await poc(['tasks']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const lines = taskLines(run.stdout);
    assert.equal(lines.length, 10);
    lines.forEach((line, i) => assert.equal(line.trim(), `${i + 1}. ${TITLES[i]}`));
    assert.match(run.stdout, /No AWS credentials found/);
  });

  it('--json: every state is null', async () => {
    const run = await poc(['tasks', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { tasks: TITLES.map((title, i) => ({ task: i + 1, title, state: null })) });
  });

  it('credentials but no region: still lists them, and says on stderr why there are no states', async () => {
    const run = await poc(['tasks', '--json'], bareEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' }));
    assert.equal(run.code, 0, run.stderr);
    assert.ok((JSON.parse(run.stdout) as { tasks: { state: unknown }[] }).tasks.every((t) => t.state === null));
    assert.match(run.stderr, /Task states are not shown: No AWS region is set/);
  });

  it('an unreadable credentials file: the reason is said, the list still printed', async () => {
    const home = mkdtempSync(join(scratch, 'home-'));
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), '[default]\nregion = us-east-1\n');
    // A profile that does not exist: the SDK finds no credentials for it.
    const run = await poc(['tasks', '--profile', 'nobody-here'], bareEnv({ HOME: home, USERPROFILE: home, AWS_EC2_METADATA_DISABLED: 'true' }));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(taskLines(run.stdout).length, 10);
    assert.match(run.stderr, /Task states are not shown/);
  });
});

describe('credentialsHinted', () => {
  it('is false with nothing, true with any sign of credentials', () => {
    const saved = process.env.HOME;
    const home = mkdtempSync(join(scratch, 'hint-'));
    process.env.HOME = home;
    try {
      assert.equal(credentialsHinted({}, {}), false);
      assert.equal(credentialsHinted({}, { AWS_REGION: 'us-east-1' }), false, 'a region is not a credential');
      assert.equal(credentialsHinted({ region: 'us-east-1' }, {}), false);
      assert.equal(credentialsHinted({ profile: 'dev' }, {}), true);
      assert.equal(credentialsHinted({ endpointUrl: 'http://127.0.0.1:5000' }, {}), true);
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
        assert.equal(credentialsHinted({}, { [name]: 'x' }), true, name);
      }
      mkdirSync(join(home, '.aws'));
      writeFileSync(join(home, '.aws', 'config'), '[default]\n');
      assert.equal(credentialsHinted({}, {}), true, '~/.aws/config');
    } finally {
      process.env.HOME = saved;
    }
  });
});

// ---------------------------------------------------------------------------------------
// Neither command loads the AWS SDK when it has no account to use. A preloaded module
// hook notes every module Node loads; the SDK is a loaded file under @aws-sdk/ or
// @smithy/ (tsc's output loads node_modules) or a chunk of the bundle built from them
// (esbuild marks each bundled file with its node_modules path). The probe is first
// shown to see a load (status loads the SDK).

describe('no AWS SDK without an account', () => {
  const probe = join(scratch, 'sdk-probe.mjs');
  const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.SDK_PROBE_OUT, url + '\\n');
  return next(url, context);
}`;
  writeFileSync(probe, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`);
  const isSdk = (url: string) => {
    if (url.includes('/@aws-sdk/') || url.includes('/@smithy/')) return true;
    const text = readFileSync(fileURLToPath(url), 'utf8');
    return /node_modules\/(@aws-sdk|@smithy)\//.test(text);
  };
  async function sdkModulesLoadedBy(args: string[]): Promise<{ run: Run; loaded: string[] }> {
    const out = join(scratch, `probe-${args.join('-')}-${Date.now()}.txt`);
    writeFileSync(out, '');
    const run = await poc(args, bareEnv({ NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`, SDK_PROBE_OUT: out }));
    const urls = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    assert.ok(urls.some((u) => u.endsWith('/bin/poc.js')), 'the probe saw poc start');
    return { run, loaded: urls.filter(isSdk) };
  }

  it('the probe sees the SDK when a command loads it (status)', async () => {
    const { loaded } = await sdkModulesLoadedBy(['status']);
    const sts = (url: string) => url.includes('/@aws-sdk/client-sts/') || readFileSync(fileURLToPath(url), 'utf8').includes('node_modules/@aws-sdk/client-sts/');
    assert.ok(loaded.some(sts), `status loaded: ${loaded.slice(0, 5).join(', ')}`);
  });

  for (const args of [['explain', '3'], ['explain', '8', '--json'], ['tasks'], ['tasks', '--json']]) {
    it(`poc ${args.join(' ')} loads none of it`, async () => {
      const { run, loaded } = await sdkModulesLoadedBy(args);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(loaded, []);
    });
  }
});

// ---------------------------------------------------------------------------------------

describe('against moto', () => {
  const getMoto = useMoto();
  const awsEnv = () => bareEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  const at = () => ['--endpoint-url', getMoto().endpoint, '--region', REGION];

  async function states(): Promise<(string | null)[]> {
    const run = await poc(['tasks', '--json', ...at()], awsEnv());
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { tasks: { state: string | null }[] }).tasks.map((t) => t.state);
  }

  it('explain fills in the account and region', async () => {
    const run = await poc(['explain', '1', ...at()], awsEnv());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`Account ${ACCOUNT} in ${REGION}`));
    assert.match(run.stdout, new RegExp(`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`));
    assert.match(run.stdout, new RegExp(`--policy-arn arn:aws:iam::${ACCOUNT}:policy/Lambda-Write-DynamoDB`));
    assert.doesNotMatch(run.stdout, /<ACCOUNT_ID>|<REGION>/);
  });

  it('explain falls back to placeholders, and says why, when the account cannot be reached', async () => {
    const run = await poc(['explain', '3', '--endpoint-url', 'http://127.0.0.1:9', '--region', REGION], awsEnv());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /arn:aws:sqs:us-east-1:<ACCOUNT_ID>:POC-Queue/);
    assert.match(run.stderr, /ARNs show placeholders/);
  });

  it('tasks: not started, then done after setup, then partly when a queue goes', async () => {
    assert.deepEqual(await states(), [...Array(8).fill('not started'), null, null]);

    const reporter = await createReporter({ json: true });
    const result = await setup({ endpointUrl: getMoto().endpoint, region: REGION, email: 'a@example.com' }, { reporter });
    assert.equal(result.exitCode, 0, result.error?.message);
    assert.deepEqual(await states(), [...Array(8).fill('done'), null, null]);

    const clients = sdk(getMoto());
    await clients.sqs.deleteQueue({ QueueUrl: await queueUrl(clients, 'POC-Queue-DLQ') });
    const after = await states();
    assert.equal(after[2], 'partly', 'task 3 lost its dead-letter queue');
    assert.deepEqual(after.slice(0, 2), ['done', 'done']);

    const run = await poc(['tasks', ...at()], awsEnv());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`Account ${ACCOUNT} in ${REGION}`));
    assert.match(run.stdout, /^\s+3\. SQS queue\s+partly \(1 of 2\)$/m);
    assert.match(run.stdout, /^\s+1\. IAM policies and roles\s+done$/m);
    // The test's command as it runs as is here: an order, and this run's endpoint (which serves no API stage: --via queue).
    assert.match(run.stdout, /^\s+9\. Test the pipeline\s+`poc send-order '\{"item":"latex gloves","customerID":"12345"\}' --wait --via queue --region us-east-1 --endpoint-url http:\/\/127\.0\.0\.1:\d+`$/m);
  });
});

// ---------------------------------------------------------------------------------------

describe('explain-view helpers', () => {
  it('wrap keeps lines within the width and loses no word', () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve';
    const lines = wrap(text, '  ', '  ', 20);
    for (const l of lines) assert.ok(l.length <= 20, l);
    assert.equal(lines.join(' ').replace(/\s+/g, ' ').trim(), text);
  });

  it('commands break before options, never inside quotes, and paste back as the same command', () => {
    const command = `aws sqs send-message --queue-url $(aws sqs get-queue-url --queue-name POC-Queue --query QueueUrl --output text) --message-body '{"a":"x --not-an-option"}'`;
    assert.ok(commandParts(command).includes(`--message-body '{"a":"x --not-an-option"}'`));
    const lines = breakCommand(command, '  ', '      ', 60);
    assert.ok(lines.length > 1);
    lines.slice(0, -1).forEach((l) => assert.ok(l.endsWith(' \\') && l.length <= 60, l));
    // What a shell reads: each " \\\n" plus indentation is one space.
    assert.equal(lines.join('\n').replace(/ \\\n\s+/g, ' ').trim(), command);
  });

  it('a comment stays whole at the end, after the last " \\", so the command still pastes', () => {
    const command = 'aws s3api create-bucket --bucket b --create-bucket-configuration LocationConstraint=<REGION>   # in us-east-1: leave out --create-bucket-configuration';
    const parts = commandParts(command);
    assert.equal(parts.at(-1), '# in us-east-1: leave out --create-bucket-configuration');
    const lines = breakCommand(command, '  ', '      ', 60);
    const comment = lines.findIndex((l) => l.includes('#'));
    assert.equal(comment, lines.length - 1, 'nothing follows the comment');
    lines.slice(0, -1).forEach((l) => assert.ok(l.endsWith(' \\') && !l.includes('#'), l));
    assert.equal(lines.join('\n').replace(/ \\\n\s+/g, ' ').trim(), command.replace(/\s+#/, ' #'));
  });

  it('formatJson keeps short parts on one line and stays valid JSON', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['a:B', 'c:D'], Resource: 'x'.repeat(100) }] };
    const text = formatJson(doc);
    assert.deepEqual(JSON.parse(text), doc);
    assert.match(text, /"Action": \["a:B", "c:D"\]/);
    assert.match(text, /^\{\n {2}"Version"/, 'the top level is expanded');
  });
});
