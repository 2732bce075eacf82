// What a person reads: each command's text view, as the CLI prints it to a pipe (no
// colour), asserted as text, line for line, for both labs, passing, failing and "could
// not check", and every line within 80 columns. A wording or a column that changes
// fails here; the --json tests elsewhere would not see it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPoc, type Run } from './helpers/cli.js';
import { startFaultProxy } from './helpers/fault-proxy.js';
import { ACCOUNT, EMAIL, REGION, motoPerFile } from './helpers/lab.js';

const moto = motoPerFile({ managedPolicies: true, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });

function poc(args: string[], endpoint = moto.endpoint): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION, COLUMNS: '80', POC_BACKOFF_SCALE: '0.01' };
  delete env.AWS_PROFILE;
  delete env.FORCE_COLOR;
  return runPoc([...args, '--endpoint-url', endpoint], env);
}

/** Every line of what a person reads fits an 80-column terminal. */
function assertFits(text: string) {
  for (const line of text.split('\n')) assert.ok([...line].length <= 80, `${[...line].length} columns: ${line}`);
}

const ORDERS_EMPTY = `Checking the lab in account ${ACCOUNT}, ${REGION}

· not started  1. IAM policies and roles
    ✖ Lambda-Write-DynamoDB does not exist.
    ✖ Lambda-SNS-Publish does not exist.
    ✖ Lambda-DynamoDBStreams-Read does not exist.
    ✖ Lambda-Read-SQS does not exist.
    ✖ Lambda-SQS-DynamoDB does not exist.
    ✖ Lambda-DynamoDBStreams-SNS does not exist.
    ✖ APIGateway-SQS does not exist.
· not started  2. DynamoDB table
    ✖ orders does not exist.
· not started  3. SQS queue
    ✖ POC-Queue does not exist.
    ! POC-Queue-DLQ does not exist: without a dead-letter queue, an order that
      always fails is retried until SQS drops it (4 days).
· not started  4. First function and its SQS trigger
    ✖ POC-Lambda-1 does not exist.
    ✖ POC-Lambda-1 SQS trigger does not exist.
    ! /aws/lambda/POC-Lambda-1 does not exist: Lambda makes it on the first
      run, but then keeps logs forever; poc makes it with 7 days.
· not started  5. DynamoDB stream
    ✖ orders stream does not exist.
· not started  6. SNS topic and email subscription
    ✖ POC-Topic does not exist.
    ✖ POC-Topic email subscription does not exist.
· not started  7. Second function and its stream trigger
    ✖ POC-Lambda-2 does not exist.
    ✖ POC-Lambda-2 stream trigger does not exist.
    ! POC-Lambda-2-Failures does not exist: without it, the stream trigger
      drops a batch of orders that fails every retry, and their notifications
      are lost without a trace.
    ! /aws/lambda/POC-Lambda-2 does not exist: Lambda makes it on the first
      run, but then keeps logs forever; poc makes it with 7 days.
· not started  8. REST API
    ✖ POC-API does not exist.

8 of 8 task(s) need work: 1, 2, 3, 4, 5, 6, 7, 8.
`;

const INVENTORY_EMPTY = `Checking the lab in account ${ACCOUNT}, ${REGION}

· not started  0. Lab environment
    ✖ Inventory does not exist.
    ✖ Inventory stream does not exist.
    ✖ Lambda-Load-Inventory-Role does not exist.
    ✖ Lambda-Check-Stock-Role does not exist.
· not started  1. Load-Inventory function
    ✖ Load-Inventory does not exist.
    ! /aws/lambda/Load-Inventory does not exist: Lambda makes it on the first
      run, but then keeps logs forever; poc makes it with 7 days.
· not started  2. S3 bucket and event
    ✖ Load-Inventory invoke permission for s3.amazonaws.com does not exist.
    ✖ inventory-${ACCOUNT}-${REGION} does not exist.
· not started  4. SNS topic and email subscription
    ✖ NoStock does not exist.
    ✖ NoStock email subscription does not exist.
· not started  5. Check-Stock function and its stream trigger
    ✖ Check-Stock does not exist.
    ✖ Check-Stock stream trigger does not exist.
    ! /aws/lambda/Check-Stock does not exist: Lambda makes it on the first
      run, but then keeps logs forever; poc makes it with 7 days.

5 of 5 task(s) need work: 0, 1, 2, 4, 5.
`;

describe('text views, as printed to a pipe at 80 columns', () => {
  it('setup --dry-run: the plan of both labs, on an empty account', { timeout: 600_000 }, async () => {
    const orders = await poc(['setup', '--dry-run', '--email', EMAIL]);
    assert.equal(orders.code, 0, orders.stderr);
    assert.equal(
      orders.stdout,
      `21 resource(s) would be created or repaired:
${['Lambda-Write-DynamoDB', 'Lambda-SNS-Publish', 'Lambda-DynamoDBStreams-Read', 'Lambda-Read-SQS', 'Lambda-SQS-DynamoDB', 'Lambda-DynamoDBStreams-SNS', 'APIGateway-SQS', 'orders', 'POC-Queue-DLQ', 'POC-Queue', '/aws/lambda/POC-Lambda-1', 'POC-Lambda-1', 'POC-Lambda-1 SQS trigger', 'orders stream', 'POC-Topic', 'POC-Topic email subscription', 'POC-Lambda-2-Failures', '/aws/lambda/POC-Lambda-2', 'POC-Lambda-2', 'POC-Lambda-2 stream trigger', 'POC-API']
  .map((name) => `  + create  ${name}\n`)
  .join('')}`,
    );
    const inventory = await poc(['setup', '--lab', 'inventory', '--dry-run', '--email', EMAIL]);
    assert.equal(inventory.code, 0, inventory.stderr);
    assert.equal(
      inventory.stdout,
      `13 resource(s) would be created or repaired:
${['Inventory', 'Inventory stream', 'Lambda-Load-Inventory-Role', 'Lambda-Check-Stock-Role', '/aws/lambda/Load-Inventory', 'Load-Inventory', 'Load-Inventory invoke permission for s3.amazonaws.com', `inventory-${ACCOUNT}-${REGION}`, 'NoStock', 'NoStock email subscription', '/aws/lambda/Check-Stock', 'Check-Stock', 'Check-Stock stream trigger']
  .map((name) => `  + create  ${name}\n`)
  .join('')}`,
    );
    for (const run of [orders, inventory]) assertFits(run.stdout);
  });

  it('check: every task not started on an empty account, for both labs (exit 3)', { timeout: 600_000 }, async () => {
    const orders = await poc(['check']);
    assert.equal(orders.code, 3, orders.stderr);
    assert.equal(orders.stdout, ORDERS_EMPTY);
    const inventory = await poc(['check', '--lab', 'inventory']);
    assert.equal(inventory.code, 3, inventory.stderr);
    assert.equal(inventory.stdout, INVENTORY_EMPTY);
    for (const run of [orders, inventory]) assertFits(run.stdout);
  });

  it('check after setup: every task passes; a table that cannot be read is "could not be read", not passed nor missing', { timeout: 600_000 }, async () => {
    for (const lab of ['orders', 'inventory']) {
      const built = await poc(['setup', '--lab', lab, '--yes', '--email', EMAIL]);
      assert.equal(built.code, 0, built.stderr);
    }
    const orders = await poc(['check']);
    assert.equal(orders.code, 0, orders.stderr);
    const passed = (tasks: string[], n: number) => `Checking the lab in account ${ACCOUNT}, ${REGION}\n\n${tasks.map((t) => `✔ passed  ${t}\n`).join('')}\nAll ${n} checked task(s) pass.\n`;
    const ORDER_TASKS = ['1. IAM policies and roles', '2. DynamoDB table', '3. SQS queue', '4. First function and its SQS trigger', '5. DynamoDB stream', '6. SNS topic and email subscription', '7. Second function and its stream trigger', '8. REST API'];
    const INVENTORY_TASKS = ['0. Lab environment', '1. Load-Inventory function', '2. S3 bucket and event', '4. SNS topic and email subscription', '5. Check-Stock function and its stream trigger'];
    assert.equal(orders.stdout, passed(ORDER_TASKS, 8));
    const inventory = await poc(['check', '--lab', 'inventory']);
    assert.equal(inventory.code, 0, inventory.stderr);
    assert.equal(inventory.stdout, passed(INVENTORY_TASKS, 5));

    const denied = (table: string) => ({
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: `User is not authorized to perform: dynamodb:DescribeTable on ${table}` }),
    });
    const proxy = await startFaultProxy({
      target: moto.endpoint,
      respond: (info, body) => (info.service === 'dynamodb' && info.operation === 'DescribeTable' ? denied(JSON.parse(body.toString()).TableName) : undefined),
    });
    try {
      const unread = await poc(['check'], proxy.endpoint);
      assert.equal(unread.code, 3, unread.stderr);
      const lines = unread.stdout.split('\n');
      const at = lines.indexOf('✖ failed  2. DynamoDB table');
      assert.ok(at > 0, unread.stdout);
      assert.match(lines[at + 1]!, /^ {4}✖ orders: could not be read \(/);
      assert.match(unread.stdout, /access denied/i);
      assert.ok(lines.includes('✔ passed  1. IAM policies and roles'), 'what could be read still passes');
      assert.match(lines.at(-2)!, /^\d of 8 task\(s\) need work: (\d, )*2(, \d)*\.$/);
      assertFits(unread.stdout);
    } finally {
      await proxy.close();
    }
  });

  it('logs lines, the send-order --count summary and the class grid (after the lab above is built)', { timeout: 600_000 }, async () => {
    const { CloudWatchLogs } = await import('@aws-sdk/client-cloudwatch-logs');
    const logs = new CloudWatchLogs({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const group = '/aws/lambda/POC-Lambda-1';
    const none = await poc(['logs', '1']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^POC-Lambda-1 has not run: no log lines in the last 10m\.$/m);
    const at = Date.now() - 5_000;
    await logs.createLogStream({ logGroupName: group, logStreamName: 'one' });
    await logs.putLogEvents({ logGroupName: group, logStreamName: 'one', logEvents: [{ timestamp: at, message: 'START RequestId: r1 Version: $LATEST\n' }, { timestamp: at + 1, message: 'END RequestId: r1\n' }] });
    const two = await poc(['logs', '1']);
    assert.equal(two.code, 0, two.stderr);
    const stamp = (ms: number) => new Date(ms).toISOString();
    assert.equal(two.stdout, `${stamp(at)} [POC-Lambda-1] START RequestId: r1 Version: $LATEST\n${stamp(at + 1)} [POC-Lambda-1] END RequestId: r1\n`);

    const sent = await poc(['send-order', '{"item":"latex gloves"}', '--count', '3', '--via', 'queue']);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /^3 of 3 accepted, 0 failed, in \d+\.\ds \(\d+\.\d orders\/s\)\.\n$/);

    const student = await poc(['setup', '--prefix', 'ann', '--yes', '--email', EMAIL]);
    assert.equal(student.code, 0, student.stderr);
    const grid = await poc(['class', 'check', '--students', 'ann,bo']);
    assert.equal(grid.code, 3, grid.stderr);
    assert.equal(
      grid.stdout,
      `Class check: orders lab, account ${ACCOUNT}, ${REGION}, 2 student(s)

student     1  2  3  4  5  6  7  8
ann         ✔  ✔  ✔  ✔  ✔  ✔  ✔  ✔
bo          ·  ·  ·  ·  ·  ·  ·  ·

Tasks: 1 IAM policies and roles; 2 DynamoDB table; 3 SQS queue; 4 First
  function and its SQS trigger; 5 DynamoDB stream; 6 SNS topic and email
  subscription; 7 Second function and its stream trigger; 8 REST API
✔ passed   ✖ failed   · not started   ! could not read / run

1 of 2 student(s) pass every task; not yet: bo.
`,
    );
    for (const run of [two, sent, grid]) assertFits(run.stdout);
  });
});
