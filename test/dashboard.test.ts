// poc dashboard in a real browser: Debian's Chromium (test/run-tests.js installs it when it
// is missing), driven by playwright-core. The labs' views are shown what each lab's own chain
// makes on the local AWS (poc local: the functions run from their deployed zips, their
// triggers and S3's notifications delivered by its runtime, the API's stage over HTTP, the
// mails in its inbox): an order POSTed at the stage goes through the queue and the table to
// the inbox; CSV files uploaded to S3 are loaded by Load-Inventory and alerted on by
// Check-Stock. No event is built here. The order view's failure states, the page's own
// failures, the server (over plain HTTP: loopback only, GET only, a foreign Host refused, no
// credential in any answer) and the command's life run against plain moto.
// poc local runs the functions on poc's own Node (22 or later, as Lambda's nodejs22.x): run-tests.js
// runs this file under Node 22.
// @node 22
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { dashboard, type DashboardDeps, type DashboardInfo } from '../src/commands/dashboard.js';
import { inventoryView } from '../src/labs/inventory/dashboard-view.js';
import type { DashboardView } from '../src/labs/view.js';
import { AwsFailure } from '../src/errors.js';
import { ROOT, runPoc, type Run } from './helpers/cli.js';
import { directClients } from './helpers/clients.js';
import { expectedNames, motoPerFile, queueUrl, REGION, runSetup, sdk } from './helpers/lab.js';
import { INVENTORY_TABLE } from './helpers/inventory-course.js';
import { startFaultProxy } from './helpers/fault-proxy.js';

// Distinctive on purpose: the tests look for them in everything the server sends.
const ACCESS_KEY = 'AKIADASHBOARDTEST7Q2Z';
const SECRET_KEY = 'dashboard-secret-Wq8rT3vN0pLm5xYz';
const moto = motoPerFile({ resetEach: true, env: { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, POC_BACKOFF_SCALE: '0.01' } });

const WAIT = { timeout: 30_000 };
// What the local AWS's functions do takes seconds on a loaded machine (a cold start is a
// child process unpacking a zip): bounded generously, a hang still fails.
const CHAIN = { timeout: 90_000 };
let browser: BrowserContext;
let profile: string;
let shots: string;

const SAMPLES = join(ROOT, 'src', 'labs', 'inventory', 'samples');
const EMAIL = 'student@example.com';

// The local AWS of this file: its own state directory, so that it is no other's.
const stateDir = mkdtempSync(join(tmpdir(), 'poc-dashboard-local-'));
const localEnv: NodeJS.ProcessEnv = { ...process.env, POC_STATE_DIR: stateDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' };
delete localEnv.AWS_ENDPOINT_URL;
delete localEnv.AWS_PROFILE;
const localState = () => JSON.parse(readFileSync(join(stateDir, 'local', 'state.json'), 'utf8')) as { endpoint: string };

/** `poc <args>` on the local AWS, as a user runs it; it must succeed. */
async function pocLocal(...args: string[]): Promise<Run> {
  const run = await runPoc(args, localEnv);
  assert.equal(run.code, 0, `poc ${args.join(' ')} exited ${run.code}:\n${run.stderr}\n${run.stdout}`);
  return run;
}

before(async () => {
  profile = await mkdtemp(join(tmpdir(), 'poc-dashboard-chromium-'));
  shots = await mkdtemp(join(tmpdir(), 'poc-dashboard-shots-'));
  // A persistent context is how playwright takes a fresh --user-data-dir of our own. Without
  // the background-networking flags Chromium's own connections fail on a closed network.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
});

after(async () => {
  await browser?.close();
  await rm(profile, { recursive: true, force: true });
});

/** Starts the dashboard in-process; stop() ends it as Ctrl-C would and waits for it. */
async function startDashboard(view?: DashboardDeps['view'], endpointUrl = moto.endpoint) {
  const controller = new AbortController();
  let ready!: (info: DashboardInfo) => void;
  const started = new Promise<DashboardInfo>((resolve) => (ready = resolve));
  const running = dashboard({ endpointUrl, region: REGION }, { signal: controller.signal, ready, view });
  const info = await Promise.race([started, running.then(() => Promise.reject(new Error('the dashboard ended before it was ready')))]);
  return {
    ...info,
    async stop() {
      controller.abort();
      assert.equal((await running).exitCode, 0);
    },
  };
}

/** `poc dashboard --no-open <args>` in a child process, as a user runs it: its URL once printed; stop() is Ctrl-C. */
async function runDashboard(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['bin/poc.js', 'dashboard', '--no-open', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = /^(http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(stdout);
      if (line) resolve(line[1]);
    });
    void exited.then(({ code }) => reject(new Error(`poc dashboard exited (${code}) before printing its URL:\n${stderr}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    /** Ctrl-C, then how it ended and all it printed. */
    async stop() {
      child.kill('SIGINT');
      // Generous: the machine is shared; a hang would take forever.
      const bound = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const end = await exited;
      clearTimeout(bound);
      return { ...end, stdout, stderr };
    },
  };
}

/** `poc dashboard --local <args>` open in a page while `body` runs; it must stop on Ctrl-C with exit 0. */
async function onLocalDashboard(args: string[], body: (page: Page) => Promise<void>) {
  const board = await runDashboard(['--local', ...args], localEnv);
  const page = await browser.newPage();
  let end: Awaited<ReturnType<typeof board.stop>>;
  try {
    await page.goto(board.url);
    await body(page);
  } finally {
    await page.close();
    end = await board.stop();
  }
  assert.equal(end.code, 0, end.stderr);
}

async function createInventoryTable() {
  await sdk(moto).dynamodb.createTable(INVENTORY_TABLE);
}

/** A row of the Inventory table, written as Load-Inventory writes one. */
async function putStock(store: string, item: string, count: string) {
  await sdk(moto).dynamodb.putItem({ TableName: 'Inventory', Item: { Store: { S: store }, Item: { S: item }, Count: { N: count } } });
}

const INJECTION = '<img src=x onerror="window.__pwned=1">Spoons';

/** One row of a store's table, by the item's name. */
const row = (page: Page, store: string, item: string) => page.locator(`section[data-store="${store}"] tr`, { has: page.locator('td:first-child', { hasText: item }) });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the Host header as given (fetch would not let a test set it). */
function get(port: number, path: string, host = `127.0.0.1:${port}`, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('inventory view', () => {
  it('says so while the table does not exist, then shows it once it does', { timeout: 120_000 }, async () => {
    const server = await startDashboard(() => inventoryView({ table: 'Inventory' }));
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.locator('main .empty', { hasText: 'does not exist yet' }).waitFor(WAIT);
      await createInventoryTable();
      await page.locator('main .empty', { hasText: 'Inventory is empty' }).waitFor(WAIT);
      await putStock('Oslo', 'Skis', '2');
      await page.locator('section[data-store="Oslo"]').waitFor(WAIT);
    } finally {
      await page.close();
      await server.stop();
    }
  });
});

describe('the server', () => {
  it('answers GET on / and /api/snapshot only, at its own host names, and never sends a credential', { timeout: 60_000 }, async () => {
    await createInventoryTable();
    await putStock('Berlin', 'Apples', '1');
    const server = await startDashboard(() => inventoryView({ table: 'Inventory' }));
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const answers: Answer[] = [];
      const page = await get(server.port, '/');
      answers.push(page);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      const snapshot = await get(server.port, '/api/snapshot', `localhost:${server.port}`);
      answers.push(snapshot);
      assert.equal(snapshot.status, 200);
      assert.deepEqual(JSON.parse(snapshot.body).data.stores, [{ store: 'Berlin', items: [{ item: 'Apples', count: 1 }], outOfStock: 0 }]);

      const notFound = await get(server.port, '/api/snapshot/../../etc/passwd');
      answers.push(notFound);
      assert.equal(notFound.status, 404);
      assert.equal((await get(server.port, '/favicon.ico')).status, 404);
      const post = await get(server.port, '/api/snapshot', undefined, 'POST');
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, 'GET');

      // DNS rebinding: another site's name resolving to 127.0.0.1 gets nothing.
      for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, `localhost.evil.example:${server.port}`]) {
        const refused = await get(server.port, '/api/snapshot', host);
        answers.push(refused);
        assert.equal(refused.status, 403, `Host ${host} is refused`);
        assert.doesNotMatch(refused.body, /Apples/);
      }
      for (const a of answers) {
        const text = `${JSON.stringify(a.headers)}\n${a.body}`;
        assert.ok(!text.includes(ACCESS_KEY) && !text.includes(SECRET_KEY), 'no credential in any answer');
      }
    } finally {
      await server.stop();
    }
    // Closed means closed: nothing listens on the port any more.
    await assert.rejects(get(server.port, '/'), /ECONNREFUSED/);
  });
});

describe('the page', () => {
  it('shows why a look at AWS failed, keeps what it last showed, and recovers', { timeout: 60_000 }, async () => {
    let failing = false;
    let looks = 0;
    const view: DashboardView<{ looks: number }> = {
      id: 'test',
      title: 'Test view',
      refreshMs: 500,
      snapshot: async () => {
        if (failing) throw new AwsFailure('Reading the table failed: AccessDeniedException.', 'Give your user dynamodb:Scan on it.');
        return { looks: ++looks };
      },
      render: (data, h) => h('p', { class: 'looks', 'data-looks': data.looks }, `look ${data.looks}`),
    };
    const server = await startDashboard(() => view);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.locator('.looks').waitFor(WAIT);
      failing = true;
      await page.locator('#error.shown', { hasText: 'AccessDeniedException' }).waitFor(WAIT);
      assert.match(await page.locator('#error').innerText(), /Give your user dynamodb:Scan on it/);
      assert.equal(await page.locator('.looks').count(), 1, 'the last good snapshot stays on the page');
      const shownWhileFailing = Number(await page.locator('.looks').getAttribute('data-looks'));
      await page.locator('#status', { hasText: /^last read .* · failed / }).waitFor(WAIT);
      failing = false;
      // The banner goes only when a good snapshot is drawn.
      await page.locator('#error:not(.shown)').waitFor({ state: 'attached', ...WAIT });
      assert.ok(Number(await page.locator('.looks').getAttribute('data-looks')) > shownWhileFailing, 'a new snapshot is drawn');
      assert.match(await page.locator('#status').innerText(), /^updated /);
    } finally {
      await page.close();
      await server.stop();
    }
  });

  it('when the first look fails (the endpoint is gone), says nothing was read, not "Reading AWS…" and "updated"', { timeout: 60_000 }, async () => {
    let failing = true;
    const view: DashboardView<{ ok: boolean }> = {
      id: 'test',
      title: 'Test view',
      refreshMs: 500,
      snapshot: async () => {
        if (failing) throw new AwsFailure('Cannot reach http://127.0.0.1:9/: connection refused.', 'Start the emulator, or leave out --endpoint-url.');
        return { ok: true };
      },
      render: (_data, h) => h('p', { class: 'drawn' }, 'drawn'),
    };
    const server = await startDashboard(() => view);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.locator('#error.shown', { hasText: 'connection refused' }).waitFor(WAIT);
      await page.locator('main .empty', { hasText: 'Nothing read from AWS yet' }).waitFor(WAIT);
      assert.match(await page.locator('#status').innerText(), /^nothing read yet · failed /);
      assert.doesNotMatch(await page.locator('body').innerText(), /Reading AWS|updated/);
      failing = false;
      await page.locator('.drawn').waitFor(WAIT);
      await page.locator('#status', { hasText: /^updated / }).waitFor(WAIT);
    } finally {
      await page.close();
      await server.stop();
    }
  });
});

describe('order view', () => {
  it('shows each resource of a built lab, the queue depths, and changes as the lab does', { timeout: 240_000 }, async () => {
    await runSetup(moto);
    const names = expectedNames();
    const clients = sdk(moto);
    const server = await startDashboard();
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      for (const name of [names.api, names.queue, names.function1, names.table, `${names.table} stream`, names.function2, names.topic]) {
        await page.locator(`.stage[data-resource="${name}"][data-state="present"]`).waitFor(WAIT);
      }
      assert.equal(await page.locator('.stage').count(), 7);
      assert.equal(await page.locator('.state-missing, .state-drifted, .state-error').count(), 0);
      await page.locator('[data-depth="0"]').waitFor(WAIT);
      await page.locator('[data-dlq-depth="0"]').waitFor(WAIT);
      await page.locator(`[data-resource="${names.failures}"] [data-failures-depth="0"]`).waitFor(WAIT);
      await page.locator('.orders .empty', { hasText: 'No orders yet' }).waitFor(WAIT);
      assert.equal(await page.locator('.attention').count(), 0, 'a whole lab with empty failure queues needs no attention');

      // The trigger goes (so nothing takes messages off the queue), then a message arrives.
      const { EventSourceMappings = [] } = await clients.lambda.listEventSourceMappings({ FunctionName: names.function1 });
      assert.equal(EventSourceMappings.length, 1);
      await clients.lambda.deleteEventSourceMapping({ UUID: EventSourceMappings[0].UUID! });
      await clients.sqs.sendMessage({ QueueUrl: await queueUrl(clients, names.queue), MessageBody: JSON.stringify({ item: 'latex gloves' }) });
      await clients.sqs.sendMessage({ QueueUrl: await queueUrl(clients, names.dlq), MessageBody: JSON.stringify({ item: 'broken' }) });
      await page.locator('[data-depth="1"]').waitFor(WAIT);
      await page.locator('[data-dlq-depth="1"]').waitFor(WAIT);
      // A record of a batch the stream trigger gave up on: a failed notification.
      await clients.sqs.sendMessage({ QueueUrl: await queueUrl(clients, names.failures), MessageBody: JSON.stringify({ DDBStreamBatchInfo: { shardId: 'shardId-1' } }) });
      await page.locator(`[data-resource="${names.failures}"] [data-failures-depth="1"]`, { hasText: '1 failed notification' }).waitFor(WAIT);
      await page.locator(`.arrow.state-missing [data-resource="${names.function1} SQS trigger"]`).waitFor(WAIT);
      // What is wrong is said in words at the top, with why: the lost messages first.
      await page.locator('.attention li.alarm', { hasText: `1 order in the DLQ ${names.dlq}: ${names.function1} failed on it every time` }).waitFor(WAIT);
      await page.locator('.attention li.alarm', { hasText: `1 notification failed every retry (${names.failures})` }).waitFor(WAIT);
      assert.equal(await page.locator('.depth.alarm[data-dlq-depth="1"]').count(), 1, 'a non-empty DLQ looks alarming');
      await page.locator(`.attention [data-problem="${names.function1} SQS trigger"]`, { hasText: 'missing' }).waitFor(WAIT);
      // A drifted resource outside the diagram's stages shows its reason too.
      await clients.sqs.setQueueAttributes({ QueueUrl: await queueUrl(clients, names.failures), Attributes: { MessageRetentionPeriod: '60' } });
      await page.locator(`.attention [data-problem="${names.failures}"]`, { hasText: /drifted: .*it keeps messages 60s, want \d+s/ }).waitFor(WAIT);

      // An order as POC-Lambda-1 stores it; its text is shown, not run.
      await clients.dynamodb.putItem({
        TableName: names.table,
        Item: { orderID: { S: 'order-1' }, receivedAt: { S: new Date().toISOString() }, order: { M: { item: { S: '<b>mop</b>' } } } },
      });
      await page.locator('.orders tr[data-order="order-1"]', { hasText: '<b>mop</b>' }).waitFor(WAIT);
      assert.equal(await page.locator('.orders b').count(), 0);
      // Numbers as POC-Lambda-1 stores them, digit for digit: beyond 2^53, and beyond a
      // double's precision; the page shows their text and the rest of it keeps working.
      for (const [id, n] of [['order-big', '12345678901234567'], ['order-huge', '1E+125']]) {
        await clients.dynamodb.putItem({ TableName: names.table, Item: { orderID: { S: id }, receivedAt: { S: new Date().toISOString() }, order: { M: { quantity: { N: n }, sizes: { NS: [n] } } } } });
      }
      await page.locator('.orders tr[data-order="order-big"]', { hasText: '{"quantity":12345678901234567,"sizes":[12345678901234567]}' }).waitFor(WAIT);
      await page.locator('.orders tr[data-order="order-huge"]', { hasText: '"quantity":1E+125' }).waitFor(WAIT);
      await page.locator(`.stage[data-resource="${names.queue}"][data-state="present"]`).waitFor(WAIT);

      const shot = join(shots, 'orders.png');
      await page.screenshot({ path: shot, fullPage: true });
      process.stderr.write(`# order dashboard screenshot: ${shot}\n`);
    } finally {
      await page.close();
      await server.stop();
    }
  });
});

describe('poc dashboard for a user who may not read CloudWatch Logs', () => {
  it('shows the lab and its orders, and says of each order only that POC-Lambda-2\'s log could not be read', { timeout: 120_000 }, async () => {
    await runSetup(moto);
    const names = expectedNames();
    await sdk(moto).dynamodb.putItem({ TableName: names.table, Item: { orderID: { S: 'order-1' }, receivedAt: { S: new Date().toISOString() }, order: { M: { item: { S: 'mop' } } } } });
    // As AWS answers a user whose policy lacks logs:FilterLogEvents.
    const denied = JSON.stringify({ __type: 'AccessDeniedException', message: 'User: arn:aws:iam::123456789012:user/student is not authorized to perform: logs:FilterLogEvents' });
    const proxy = await startFaultProxy({ target: moto.endpoint, respond: (info) => (info.operation === 'FilterLogEvents' ? { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: denied } : undefined) });
    const server = await startDashboard(undefined, proxy.endpoint);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.locator(`.orders tr[data-order="order-1"][data-announced="unknown"]`, { hasText: `could not read /aws/lambda/${names.function2}: AccessDeniedException` }).waitFor(WAIT);
      await page.locator(`.stage[data-resource="${names.queue}"][data-state="present"]`).waitFor(WAIT);
      assert.equal(await page.locator('.state-error').count(), 0, 'the rest of the page is read as usual');
      assert.equal(await page.locator('#error.shown').count(), 0, 'no look at AWS failed as a whole');
    } finally {
      await page.close();
      await server.stop();
      await proxy.close();
    }
  });
});

describe('poc dashboard, the command', () => {
  it('prints its URL, serves until Ctrl-C, then closes and exits 0', { timeout: 60_000 }, async () => {
    const board = await runDashboard(['--endpoint-url', moto.endpoint, '--region', REGION], { ...process.env, CI: '1', AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY });
    const page = await get(board.port, '/api/snapshot');
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes(ACCESS_KEY) && !page.body.includes(SECRET_KEY));
    assert.equal(JSON.parse(page.body).data.stages[0].main.name, 'POC-API');

    const { code, signal, stdout, stderr } = await board.stop();
    assert.equal(signal, null, `poc dashboard did not stop on Ctrl-C:\n${stderr}`);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, board.url + '\n', 'the URL is all stdout says');
    await assert.rejects(get(board.port, '/'), /ECONNREFUSED/);
  });
});

describe('bad input', () => {
  for (const port of ['0', '70000', 'http', '80.5']) {
    it(`--port ${port}: exit 2 before any AWS call`, { timeout: 30_000 }, async () => {
      // No endpoint answers on port 9: any AWS call would fail differently (exit 1).
      const run = await runPoc(['dashboard', '--no-open', '--port', port, '--endpoint-url', 'http://127.0.0.1:9', '--region', REGION], { ...process.env, CI: '1' });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--port must be a port number from 1 to 65535/);
      assert.equal(run.stdout, '');
    });
  }

  it('a port already in use is a usage error that names the fix', { timeout: 30_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await assert.rejects(
        dashboard({ endpointUrl: moto.endpoint, region: REGION, port }, { signal: new AbortController().signal, view: () => inventoryView({ table: 'Inventory' }) }),
        (error: { exitCode?: number; message?: string; hint?: string }) => {
          assert.equal(error.exitCode, 2);
          assert.match(error.message ?? '', new RegExp(`Port ${port} on 127.0.0.1 is already in use`));
          assert.match(error.hint ?? '', /--port/);
          return true;
        },
      );
    } finally {
      taken.close();
    }
  });
});

describe('under --local: what each lab’s own chain makes, as it happens', () => {
  before(async () => {
    await pocLocal('local', 'start', '--detach');
  });
  beforeEach(async () => {
    const res = await fetch(`${localState().endpoint}/moto-api/reset`, { method: 'POST' });
    assert.equal(res.status, 200);
  });
  after(async () => {
    await runPoc(['local', 'stop'], localEnv);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('the order lab: an order POSTed at the stage URL goes through the queue to the table, is announced by POC-Lambda-2, and its mail arrives in the inbox', { timeout: 300_000 }, async () => {
    const setup = await pocLocal('setup', '--local', '--email', EMAIL);
    const stageUrl = /Orders API: (\S+)/.exec(setup.stdout)?.[1];
    assert.ok(stageUrl, setup.stdout);
    await pocLocal('local', 'confirm');
    const names = expectedNames();
    await onLocalDashboard([], async (page) => {
      for (const name of [names.api, names.queue, names.function1, names.table, `${names.table} stream`, names.function2, names.topic]) {
        await page.locator(`.stage[data-resource="${name}"][data-state="present"]`).waitFor(WAIT);
      }
      await page.locator('.orders .empty', { hasText: 'No orders yet' }).waitFor(WAIT);
      // Below the lab, its inbox: the confirmation mail the subscription got, nothing else yet.
      const inbox = page.locator('.inbox');
      await inbox.locator('h2', { hasText: /^Inbox \(local\): 1 mail$/ }).waitFor(WAIT);
      assert.match(await inbox.locator('tbody tr').innerText(), new RegExp(`${EMAIL}\\s+AWS Notification - Subscription Confirmation\\s+http://127\\.0\\.0\\.1:\\d+/_poc/confirm\\?`));

      const order = { item: 'latex gloves', customerID: '12345' };
      const res = await fetch(stageUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(order) });
      const answer = await res.text();
      assert.equal(res.status, 200, answer);
      // The order's ID in the table is the MessageId SQS gave it (POC-Lambda-1 stores it so).
      const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(answer)?.[1];
      assert.ok(messageId, answer);
      const stored = page.locator(`.orders tr[data-order="${messageId}"]`);
      await stored.waitFor(CHAIN);
      assert.match(await stored.innerText(), new RegExp(`${messageId}\\s+${JSON.stringify(order).replace(/[{}]/g, '\\$&')}`));
      // Then POC-Lambda-2, run from the table's stream, publishes its notification: the row says when.
      await page.locator(`.orders tr[data-order="${messageId}"][data-announced="yes"]`).waitFor(CHAIN);
      assert.match(await stored.locator('td').last().innerText(), new RegExp(`^✔ published by ${names.function2} \\d`));
      const mail = inbox.locator('tbody tr[data-kind="notification"]', { hasText: messageId });
      await mail.waitFor(CHAIN);
      assert.match(await mail.innerText(), new RegExp(`${EMAIL}\\s+New Order Notification\\s+.*"item": "latex gloves", "customerID": "12345"`));
      await inbox.locator('h2', { hasText: /^Inbox \(local\): 2 mails$/ }).waitFor(WAIT);
      // Nothing stuck or lost on the way.
      await page.locator(`.stage[data-resource="${names.queue}"] [data-depth="0"]`, { hasText: '0 waiting · 0 in flight' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-dlq-depth="0"]').count(), 1);
      assert.equal(await page.locator('[data-failures-depth="0"]').count(), 1);
      assert.equal(await page.locator('.attention').count(), 0);

      const shot = join(shots, 'orders-local.png');
      await page.screenshot({ path: shot, fullPage: true });
      process.stderr.write(`# order dashboard (--local) screenshot: ${shot}\n`);
    });
  });

  it('the inventory lab: files uploaded to S3 show as stores and counts once Load-Inventory has loaded them, zero counts marked, names escaped, and Check-Stock’s alerts arrive in the inbox', { timeout: 300_000 }, async () => {
    const files = mkdtempSync(join(tmpdir(), 'poc-dashboard-files-'));
    const file = (name: string, text: string) => {
      writeFileSync(join(files, name), text);
      return join(files, name);
    };
    try {
      await onLocalDashboard(['--lab', 'inventory'], async (page) => {
        // Opened before the lab is built: it says so, and how mail would come (the setup command for this lab).
        await page.locator('main .empty', { hasText: 'The table Inventory does not exist yet' }).waitFor(WAIT);
        await page.locator('.inbox .empty', { hasText: 'No mail yet. An email subscription gets its confirmation mail here: `poc setup --email you@example.com --local --lab inventory`, then `poc local confirm`.' }).waitFor(WAIT);
        await pocLocal('setup', '--local', '--lab', 'inventory', '--email', EMAIL);
        await pocLocal('local', 'confirm');
        const samples = readdirSync(SAMPLES).filter((n) => n.endsWith('.csv')).sort().map((n) => join(SAMPLES, n));
        // With them, an item name made to look like markup (CSV-quoted: it holds quotes).
        await pocLocal('upload', '--local', '--lab', 'inventory', ...samples, file('inventory-berlin-extra.csv', `store,item,count\nBerlin,"${INJECTION.replace(/"/g, '""')}",4\n`));
        // Spelled out from the course's files, not computed with poc's code.
        await page.locator('.summary', { hasText: '6 stores, 37 items, 6 out of stock' }).waitFor(CHAIN);
        assert.deepEqual(await page.locator('section[data-store]').evaluateAll((els) => els.map((e) => e.getAttribute('data-store'))), ['Berlin', 'Calcutta', 'Karachi', 'Pusan', 'Shanghai', 'Springfield']);
        assert.match(await row(page, 'Berlin', 'Echo Dot').innerText(), /Echo Dot\s+12/);
        assert.match(await row(page, 'Calcutta', 'Echo Show').innerText(), /Echo Show\s+14/);
        assert.match(await row(page, 'Springfield', 'Amazon Tap').innerText(), /Amazon Tap\s+1\s*$/);
        // Zero counts are marked (class and words) and look different from the others.
        const zeros = [
          ['Berlin', 'Echo Plus'],
          ['Calcutta', 'Echo (2nd Gen)'],
          ['Karachi', 'Echo Plus'],
          ['Pusan', 'Echo Show'],
          ['Shanghai', 'Amazon Tap'],
          ['Springfield', 'Echo Show'],
        ];
        for (const [store, item] of zeros) {
          assert.match((await row(page, store, item).getAttribute('class')) ?? '', /\bout\b/, `${store} ${item} is marked out of stock`);
          assert.match(await row(page, store, item).innerText(), /0 · out of stock/);
        }
        assert.equal(await page.locator('section[data-store] tr.out').count(), zeros.length, 'only the zero counts are marked');
        assert.doesNotMatch((await row(page, 'Berlin', 'Echo Dot').getAttribute('class')) ?? '', /\bout\b/);
        // Runs in the page; the tests compile without the DOM's types, hence globalThis.
        const background = (store: string, item: string) =>
          row(page, store, item)
            .locator('td')
            .first()
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            .evaluate((td) => (globalThis as any).getComputedStyle(td).backgroundColor as string);
        const [outColour, inColour] = [await background('Berlin', 'Echo Plus'), await background('Berlin', 'Echo Dot')];
        assert.notEqual(outColour, inColour, `an out-of-stock row is coloured (${outColour} vs ${inColour})`);
        assert.match(await page.locator('section[data-store="Berlin"] h2').innerText(), /1 out/);

        // An item name from an uploaded file is text, never markup.
        assert.match(await row(page, 'Berlin', 'Spoons').innerText(), /<img src=x onerror="window.__pwned=1">Spoons\s+4/);
        assert.equal(await page.locator('main img').count(), 0);
        assert.equal(await page.evaluate('window.__pwned'), undefined);

        // Check-Stock's alerts, one per zero count, in the inbox below (with the confirmation).
        const inbox = page.locator('.inbox');
        const alert = (store: string, item: string) => inbox.locator('tbody tr[data-kind="notification"]', { hasText: `${store} is out of stock of ${item}` });
        for (const [store, item] of zeros) await alert(store, item).waitFor(CHAIN);
        await inbox.locator('h2', { hasText: /^Inbox \(local\): 7 mails$/ }).waitFor(WAIT);
        assert.match(await alert('Berlin', 'Echo Plus').innerText(), new RegExp(`${EMAIL}\\s+Inventory Alert!\\s+Berlin is out of stock of Echo Plus`));

        // More uploads while the page is open: a new store, and a count that drops to zero.
        await pocLocal('upload', '--local', '--lab', 'inventory', file('inventory-madrid.csv', 'store,item,count\nMadrid,Echo Dot,0\nMadrid,Echo Show,9\n'));
        await pocLocal('upload', '--local', '--lab', 'inventory', file('inventory-berlin.csv', readFileSync(join(SAMPLES, 'inventory-berlin.csv'), 'utf8').replace('Berlin,Echo Dot,12', 'Berlin,Echo Dot,0')));
        await page.locator('.summary', { hasText: '7 stores, 39 items, 8 out of stock' }).waitFor(CHAIN);
        assert.match((await row(page, 'Madrid', 'Echo Dot').getAttribute('class')) ?? '', /\bout\b/);
        assert.match(await row(page, 'Madrid', 'Echo Show').innerText(), /Echo Show\s+9/);
        assert.match((await row(page, 'Berlin', 'Echo Dot').getAttribute('class')) ?? '', /\bout\b/);
        assert.match(await page.locator('section[data-store="Berlin"] h2').innerText(), /2 out/);
        await alert('Madrid', 'Echo Dot').waitFor(CHAIN);
        await alert('Berlin', 'Echo Dot').waitFor(CHAIN);
        // Berlin's Echo Plus was 0 and stays 0: no second alert for it.
        await inbox.locator('h2', { hasText: /^Inbox \(local\): 9 mails$/ }).waitFor(WAIT);
        assert.equal(await alert('Berlin', 'Echo Plus').count(), 1);

        // A count written by hand beyond 2^53 (Load-Inventory refuses those) is shown digit for digit.
        const { dynamodb } = directClients(localState().endpoint, REGION);
        await dynamodb.putItem({ TableName: 'Inventory', Item: { Store: { S: 'Madrid' }, Item: { S: 'Grains of sand' }, Count: { N: '12345678901234567' } } }).finally(() => dynamodb.destroy());
        await page.locator('section[data-store="Madrid"] tr[data-item="Grains of sand"]').waitFor(WAIT);
        assert.match(await row(page, 'Madrid', 'Grains of sand').innerText(), /Grains of sand\s+12345678901234567\s*$/);

        const shot = join(shots, 'inventory-local.png');
        await page.screenshot({ path: shot, fullPage: true });
        process.stderr.write(`# inventory dashboard (--local) screenshot: ${shot}\n`);
      });
    } finally {
      rmSync(files, { recursive: true, force: true });
    }
  });
});
