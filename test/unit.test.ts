// The pure parts: names and prefixes, input validation, policy comparison and
// evaluation, the dependency-graph runner, the deployment package.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { validateEndpointUrl, validateRegion, isMutating } from '../src/aws/clients.js';
import { validateEmail, validateRuntime } from '../src/commands/context.js';
import { parseTaskList, BUILDING_TASKS } from '../src/commands/task-args.js';
import { selectTasks } from '../src/commands/setup.js';
import { messageIdOf, orderBody, parseOrder } from '../src/labs/orders/send-order.js';
import { parseFunctionChoice, parseSince } from '../src/commands/logs.js';
import { runGraph } from '../src/engine/graph.js';
import { applyAll, destroyAll, readAhead } from '../src/engine/walks.js';
import { forget, readOnce, type AnyResource } from '../src/engine/resource.js';
import { EXIT, UsageError } from '../src/errors.js';
import { labNames, MAX_PREFIX_LENGTH } from '../src/labs/orders/names.js';
import { allows, breadth, parsePolicy, samePolicy, type PolicyDocument } from '../src/resources/policy-document.js';
import { functionPackage, pocRoot } from '../src/resources/function-package.js';
import { emailSubscription } from '../src/resources/sns-topic.js';
import { eventSourceMapping } from '../src/resources/event-source-mapping.js';
import type { Ctx } from '../src/engine/resource.js';

const usage = (fn: () => unknown) => assert.throws(fn, (e: unknown) => e instanceof UsageError && e.exitCode === EXIT.usage);

describe('names and --prefix', () => {
  it('keeps the guide’s names without a prefix and namespaces every one with it', () => {
    const plain = labNames();
    assert.equal(plain.queue, 'POC-Queue');
    assert.equal(plain.logGroup1, '/aws/lambda/POC-Lambda-1');
    const alice = labNames('alice');
    for (const [key, value] of Object.entries(alice)) {
      if (key === 'prefix') continue;
      assert.ok(value.includes('alice-'), `${key} = ${value}`);
    }
    assert.equal(alice.table, 'alice-orders');
  });
  it('accepts the longest legal prefix and keeps every name within 64 characters', () => {
    const longest = `a${'b'.repeat(MAX_PREFIX_LENGTH - 1)}`;
    const names = labNames(longest);
    for (const [key, value] of Object.entries(names)) if (!key.startsWith('logGroup') && key !== 'prefix') assert.ok(value.length <= 64, `${key} is ${value.length}`);
  });
  it('rejects prefixes that some service would refuse', () => {
    for (const bad of ['bad_prefix!', '1abc', 'a--b', 'a-', 'with space', 'é', `a${'b'.repeat(MAX_PREFIX_LENGTH)}`]) usage(() => labNames(bad));
  });
});

describe('input validation', () => {
  it('emails', () => {
    assert.equal(validateEmail(' you@example.com '), 'you@example.com');
    for (const bad of ['not-an-email', 'a@b', '@example.com', 'a b@example.com', 'a@-example.com']) usage(() => validateEmail(bad));
  });
  it('runtimes, regions, endpoints', () => {
    assert.equal(validateRuntime(undefined), 'nodejs22.x');
    assert.equal(validateRuntime('nodejs24.x'), 'nodejs24.x');
    usage(() => validateRuntime('nodejs16.x'));
    assert.equal(validateRegion('eu-west-1'), 'eu-west-1');
    usage(() => validateRegion('europe'));
    assert.equal(validateEndpointUrl('http://127.0.0.1:5000/'), 'http://127.0.0.1:5000');
    usage(() => validateEndpointUrl('ftp://x'));
    usage(() => validateEndpointUrl('not a url'));
  });
  it('orders: a non-empty JSON object that fits one notification', () => {
    assert.deepEqual(parseOrder('{"item":"mop"}', 'test'), { item: 'mop' });
    for (const bad of ['not json', '[1,2]', '"text"', 'null', '42', '{}']) usage(() => parseOrder(bad, 'test'));
    assert.equal(orderBody({ item: 'x'.repeat(1000) }).length, 1000 + '{"item":""}'.length);
    usage(() => orderBody({ item: 'x'.repeat(256 * 1024) }));
    // Multi-byte characters count as bytes, as SNS counts them.
    usage(() => orderBody({ item: 'é'.repeat(140 * 1024) }));
  });
  it('finds the MessageId in SQS’s answer as JSON or XML', () => {
    assert.equal(messageIdOf('{"SendMessageResponse":{"SendMessageResult":{"MessageId":"m-1"}}}'), 'm-1');
    assert.equal(messageIdOf('<SendMessageResponse><SendMessageResult><MessageId>m-2</MessageId></SendMessageResult></SendMessageResponse>'), 'm-2');
    assert.equal(messageIdOf('{"message":"Invalid request body"}'), undefined);
  });
  it('durations and task lists', () => {
    assert.equal(parseSince('10m'), 600_000);
    assert.equal(parseSince('2h'), 7_200_000);
    for (const bad of ['abc', '10', '0m', '-5m', '99d']) usage(() => parseSince(bad));
    assert.deepEqual(parseFunctionChoice(undefined), [1, 2]);
    usage(() => parseFunctionChoice('3'));
    assert.deepEqual(parseTaskList(['3,4', '4', '1'], BUILDING_TASKS), [1, 3, 4]);
    usage(() => parseTaskList(['9'], BUILDING_TASKS));
    usage(() => parseTaskList(['x'], BUILDING_TASKS));
    assert.deepEqual(selectTasks({ from: '4', to: '6' }), [4, 5, 6]);
    assert.deepEqual(selectTasks({}), [1, 2, 3, 4, 5, 6, 7, 8]);
    usage(() => selectTasks({ from: '6', to: '4' }));
    usage(() => selectTasks({ only: '3', from: '1' }));
  });
  it('tells read calls from changes', () => {
    assert.equal(isMutating('GetRole'), false);
    assert.equal(isMutating('ListEventSourceMappings'), false);
    assert.equal(isMutating('CreateRole'), true);
    assert.equal(isMutating('PutRolePolicy'), true);
  });
});

describe('policy documents', () => {
  const doc = (statement: object): PolicyDocument => ({ Version: '2012-10-17', Statement: [statement as PolicyDocument['Statement'][number]] });
  it('compares by meaning: URL-encoding, key order, one-element lists and Sids do not matter', () => {
    const a = doc({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: 'arn:q' });
    const b = parsePolicy(encodeURIComponent(JSON.stringify({ Statement: [{ Resource: ['arn:q'], Sid: 'x', Action: 'sqs:SendMessage', Effect: 'Allow' }], Version: '2012-10-17' })));
    assert.ok(samePolicy(a, b));
    assert.ok(!samePolicy(a, doc({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' })));
  });
  it('evaluates wildcards, denies and principals', () => {
    const star = doc({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' });
    assert.ok(allows([star], 'dynamodb:PutItem', 'arn:aws:dynamodb:r:1:table/orders'));
    assert.ok(!allows([star], 'sqs:SendMessage', 'arn:q'));
    const deny = doc({ Effect: 'Deny', Action: 'dynamodb:PutItem', Resource: '*' });
    assert.ok(!allows([star, deny], 'dynamodb:PutItem', 'arn:aws:dynamodb:r:1:table/orders'));
    const queue = doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:role/A' }, Action: 'sqs:SendMessage', Resource: 'arn:q' });
    assert.ok(allows([queue], 'sqs:SendMessage', 'arn:q', 'arn:aws:iam::1:role/A'));
    assert.ok(!allows([queue], 'sqs:SendMessage', 'arn:q', 'arn:aws:iam::1:role/B'));
  });
  it('names what is looser than needed', () => {
    const notes = breadth(doc({ Effect: 'Allow', Action: ['sns:Publish', 'sns:ListTopics'], Resource: '*' }), ['sns:Publish']);
    assert.ok(notes.some((n) => n.includes('"Resource": "*"')));
    assert.ok(notes.some((n) => n.includes('sns:ListTopics')));
    assert.deepEqual(breadth(doc({ Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' }), ['dynamodb:ListStreams']), []);
  });
});

describe('dependency graph', () => {
  it('runs independent work at once, in as many rounds as the graph is deep', async () => {
    const deps: Record<string, string[]> = { a: [], b: [], c: ['a', 'b'], d: ['c'], e: [] };
    const started: string[][] = [];
    let round: string[] = [];
    const results = await runGraph(Object.keys(deps), (k) => deps[k], async (k) => {
      round.push(k);
      await new Promise((r) => setTimeout(r, 20));
      if (round.length) started.push(round), (round = []);
      return k.toUpperCase();
    });
    assert.deepEqual([...results.values()].map((r) => r.status), ['done', 'done', 'done', 'done', 'done']);
    assert.deepEqual(started.map((r) => r.sort()), [['a', 'b', 'e'], ['c'], ['d']]);
  });
  it('skips what depends on a failure and starts nothing new after it', async () => {
    const deps: Record<string, string[]> = { a: [], b: ['a'], c: [] };
    const results = await runGraph(Object.keys(deps), (k) => deps[k], async (k) => {
      if (k === 'a') throw new Error('boom');
      await new Promise((r) => setTimeout(r, 10));
      return k;
    });
    assert.equal(results.get('a')!.status, 'failed');
    assert.deepEqual(results.get('b'), { status: 'skipped', because: 'a' });
    assert.equal(results.get('c')!.status, 'done');
  });
  it('honours a concurrency limit', async () => {
    let running = 0;
    let most = 0;
    await runGraph(['a', 'b', 'c', 'd'], () => [], async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    }, undefined, 1);
    assert.equal(most, 1);
  });
});

describe('readings taken ahead of a walk (readAhead)', () => {
  const bareCtx = () => ({ state: new Map(), reads: new Map(), note: () => {} }) as unknown as Ctx;
  /** A resource kind for the engine alone: observe is counted, ensure makes it. */
  const fake = (key: string, needs: string[], look: (ctx: Ctx) => Promise<unknown> = async () => undefined) => {
    const seen = { observed: 0 };
    let made: string | undefined;
    const resource: AnyResource = {
      key,
      task: 1,
      type: 'fake',
      name: key,
      needs,
      desired: () => 'made',
      observe: async (ctx) => {
        seen.observed++;
        await look(ctx);
        return made;
      },
      diff: () => [],
      ensure: async () => (made = 'made'),
      destroy: async () => 'absent',
      id: () => key,
    };
    return { resource, seen };
  };

  it('a reading holds while what it looked at is unchanged, and only that', async () => {
    const ctx = bareCtx();
    const looker = fake('looker', [], async (c) => {
      c.state.get('queue');
      await readOnce(c, 'describe', async () => 'table');
    });
    const blind = fake('blind', []);
    const whole = fake('whole', [], async (c) => [...c.state.values()]);
    const readings = readAhead([looker.resource, blind.resource, whole.resource], ctx);
    await Promise.all([...readings.values()].map((r) => r.value));
    const holds = (key: string, needsUnchanged?: boolean) => readings.get(key)!.holds(ctx, needsUnchanged);
    assert.deepEqual([holds('looker'), holds('blind'), holds('whole')], [true, true, true]);
    ctx.state.set('role', 'made');
    assert.equal(holds('looker'), true, 'a state nobody looked at changed');
    assert.equal(holds('whole', false), false, 'one that looked at the whole state holds only while its needs are unchanged');
    assert.equal(holds('whole', true), true);
    ctx.state.set('queue', 'made');
    assert.equal(holds('looker'), false, 'the state it looked at changed');
    assert.equal(holds('blind'), true);
    const again = readAhead([looker.resource], bareCtx());
    const fresh = again.get('looker')!;
    await fresh.value;
    const ctx2 = bareCtx();
    assert.equal(fresh.holds(ctx2), false, 'another walk does not share its reads');
  });

  it('a shared read forgotten after a change makes the readings that used it stale', async () => {
    const ctx = bareCtx();
    const looker = fake('looker', [], (c) => readOnce(c, 'describe', async () => 'table'));
    const reading = readAhead([looker.resource], ctx).get('looker')!;
    await reading.value;
    assert.equal(reading.holds(ctx), true);
    forget(ctx, 'describe');
    assert.equal(reading.holds(ctx), false);
  });

  it('setup does not read again what its reading found missing when nothing it looked at changed; it does when it did', async () => {
    const ctx = bareCtx();
    const base = fake('base', []);
    const blind = fake('blind', ['base']);
    const looking = fake('looking', ['base'], async (c) => c.state.get('base'));
    const reports = await applyAll([base.resource, blind.resource, looking.resource], ctx);
    assert.deepEqual(reports.map((r) => r.outcome), ['created', 'created', 'created']);
    assert.equal(blind.seen.observed, 1, 'read once, ahead of the walk');
    assert.equal(looking.seen.observed, 2, 'read again after base was made, since it looked at base');
  });
});

describe('a resource built ahead of its needs (buildsAhead)', () => {
  const bareCtx = (concurrency?: number) => ({ state: new Map(), reads: new Map(), note: () => {}, concurrency }) as unknown as Ctx;
  /** `log` records what happens in order; `ensure` of the early one notes its two parts. */
  const kinds = (log: string[], failNeed = false) => {
    const need: AnyResource = {
      key: 'need', task: 1, type: 'fake', name: 'need', needs: [],
      desired: () => 'made', observe: async () => undefined, diff: () => [],
      ensure: async () => {
        await new Promise((r) => setTimeout(r, 30));
        if (failNeed) throw new Error('need refused');
        log.push('need made');
        return 'made';
      },
      destroy: async () => 'absent', id: () => 'need',
    };
    const early: AnyResource = {
      key: 'early', task: 2, type: 'fake', name: 'early', needs: ['need'], buildsAhead: true,
      desired: () => 'made', observe: async () => undefined, diff: () => [],
      ensure: async (ctx) => {
        log.push('early: part without its needs');
        await ctx.needsDone?.();
        log.push('early: part using them');
        return 'made';
      },
      destroy: async () => 'absent', id: () => 'early',
    };
    return [need, early];
  };

  it('begins with the first round and waits for its needs only where it uses them', async () => {
    const log: string[] = [];
    const notes: string[] = [];
    const reports = await applyAll(kinds(log), bareCtx(), { note: (_r, text) => notes.push(text) });
    assert.deepEqual(log, ['early: part without its needs', 'need made', 'early: part using them']);
    assert.deepEqual(reports.map((r) => r.outcome), ['created', 'created']);
    assert.deepEqual(notes, ['waiting for fake need']);
  });

  it('stops part-way, reported as skipped and not as failed, when a need fails', async () => {
    const log: string[] = [];
    const reports = await applyAll(kinds(log, true), bareCtx());
    assert.deepEqual(log, ['early: part without its needs']);
    assert.equal(reports[0].outcome, 'failed');
    assert.equal(reports[1].outcome, 'skipped');
    assert.deepEqual(reports[1].reasons, ['stopped part-way: fake need did not finish']);
  });

  it('keeps its place after its needs under a fixed concurrency (one at a time: no slot held while waiting)', async () => {
    const log: string[] = [];
    const reports = await applyAll(kinds(log), bareCtx(1));
    assert.deepEqual(log, ['need made', 'early: part without its needs', 'early: part using them']);
    assert.deepEqual(reports.map((r) => r.outcome), ['created', 'created']);
  });

  it('the graph gives back its slot while a node waits part-way (after), so a limit of one cannot deadlock', async () => {
    const log: string[] = [];
    const results = await runGraph(['waits', 'other'], () => [], async (k, after) => {
      log.push(`${k} starts`);
      if (k === 'waits') await after(['other']);
      log.push(`${k} ends`);
    }, undefined, 1);
    assert.deepEqual([...results.values()].map((r) => r.status), ['done', 'done']);
    assert.deepEqual(log, ['waits starts', 'other starts', 'other ends', 'waits ends']);
  });
});

describe('cleanup of a resource deleted with another (goesWith: a table\'s stream)', () => {
  const bareCtx = () => ({ state: new Map(), reads: new Map(), note: () => {} }) as unknown as Ctx;
  const fake = (key: string, needs: string[], log: string[], extra: Partial<AnyResource> = {}): AnyResource => ({
    key, task: 1, type: 'fake', name: key, needs,
    desired: () => 'made', observe: async () => 'made', diff: () => [], ensure: async () => 'made', id: () => key,
    destroy: async () => {
      await new Promise((r) => setTimeout(r, 10));
      if (extra.name === 'refuses') throw new Error(`${key} refused`);
      log.push(key);
      return 'deleted';
    },
    ...extra,
  });
  // table <- stream <- trigger: the trigger needs the stream, which goes with the table.
  const lab = (log: string[], table: Partial<AnyResource> = {}) => [
    fake('table', [], log, table),
    fake('stream', ['table'], log, { goesWith: 'table' }),
    fake('trigger', ['stream'], log),
  ];

  it('is not deleted on its own: what needs it goes first, then the other, and it is reported deleted with it', async () => {
    const log: string[] = [];
    const done: string[] = [];
    const reports = await destroyAll(lab(log), bareCtx(), { done: (r, report) => done.push(`${r.key}:${report.outcome}`) });
    assert.deepEqual(log, ['trigger', 'table']);
    assert.deepEqual(reports.map((r) => [r.key, r.outcome]), [['table', 'deleted'], ['stream', 'deleted'], ['trigger', 'deleted']]);
    assert.deepEqual(reports[1]!.reasons, ['deleted with fake table']);
    assert.deepEqual(done, ['trigger:deleted', 'table:deleted', 'stream:deleted']);
  });

  it('is reported failed when the other could not be deleted', async () => {
    const reports = await destroyAll(lab([], { name: 'refuses' }), bareCtx());
    assert.deepEqual(reports.map((r) => [r.key, r.outcome]), [['table', 'failed'], ['stream', 'failed'], ['trigger', 'deleted']]);
  });

  it('is deleted on its own when the other is not being deleted', async () => {
    const log: string[] = [];
    const reports = await destroyAll(lab(log).slice(1), bareCtx());
    assert.deepEqual(log, ['trigger', 'stream']);
    assert.deepEqual(reports.map((r) => r.outcome), ['deleted', 'deleted']);
  });
});

describe('an email subscription as real AWS reports it (unconfirmed until the link is clicked)', () => {
  // moto confirms email subscriptions at once, so this is where the pending path is tested.
  const sub = emailSubscription({ key: 'subscription', task: 6, topic: { key: 'topic', name: 'POC-Topic' } });
  const observed = {
    subscriptions: [
      { arn: 'PendingConfirmation', protocol: 'email', endpoint: 'new@example.com', pending: true },
      { arn: 'arn:aws:sns:us-east-1:1:POC-Topic:abc', protocol: 'email', endpoint: 'old@example.com', pending: false },
    ],
  };
  it('status and setup say who still has to confirm', () => {
    const d = sub.details!(observed);
    assert.equal(d.awaitingConfirmation, 'new@example.com');
    assert.match(String(d.subscriptions), /new@example\.com \(pending confirmation\), old@example\.com \(confirmed\)/);
    assert.equal(sub.details!({ subscriptions: [observed.subscriptions[1]] }).awaitingConfirmation, undefined);
  });
  it('check passes a pending subscription with a warning, and fails a missing address', async () => {
    const pending = await sub.check!({} as Ctx, { email: 'new@example.com' }, observed);
    assert.deepEqual(pending.findings, []);
    assert.match(pending.warnings.join(), /new@example\.com has not confirmed the subscription yet/);
    const missing = await sub.check!({} as Ctx, { email: 'other@example.com' }, observed);
    assert.deepEqual(missing.findings, ['other@example.com is not subscribed to POC-Topic.']);
  });
  it('a re-run with the same address does not subscribe again, even while it is pending', () => {
    assert.deepEqual(sub.diff({ email: 'NEW@example.com' }, observed), []);
  });
});

describe("the functions' packages location", () => {
  it('is dist/packages from a module built by tsc and from a chunk of the bundle', async () => {
    const root = await mkdtemp(join(tmpdir(), 'poc-root-'));
    await mkdir(join(root, 'dist', 'packages', 'orders'), { recursive: true });
    await writeFile(join(root, 'dist', 'packages', 'manifest.json'), JSON.stringify({ 'orders/lambda-1': { codeSha256: 'c2hh', size: 3 } }));
    await writeFile(join(root, 'dist', 'packages', 'orders', 'lambda-1.zip'), 'zip');
    for (const module of [`${root}/dist/src/resources/function-package.js`, `${root}/dist/cli/chunks/chunk-ABC.js`]) {
      const pkg = functionPackage('orders/lambda-1', pathToFileURL(module).href);
      assert.equal(pkg.codeSha256(), 'c2hh');
      assert.equal((await pkg.zip()).toString(), 'zip');
    }
    assert.equal(pocRoot(pathToFileURL(`${root}/dist/cli/chunks/chunk-ABC.js`).href), root);
  });

  it('finds the built packages of this checkout', () => {
    for (const name of ['orders/lambda-1', 'orders/lambda-2', 'inventory/load-inventory', 'inventory/check-stock']) {
      assert.match(functionPackage(name).codeSha256(), /^[A-Za-z0-9+/]{43}=$/);
    }
  });

  it('says how to fix a poc that runs outside its dist folder or was not built', async () => {
    assert.throws(() => functionPackage('orders/lambda-1', pathToFileURL('/opt/poc/src/resources/function-package.js').href), /npm run build/);
    const root = await mkdtemp(join(tmpdir(), 'poc-root-'));
    const unbuilt = functionPackage('orders/lambda-1', pathToFileURL(`${root}/dist/src/resources/function-package.js`).href);
    assert.throws(() => unbuilt.codeSha256(), /function packages are missing.*npm run build/);
    await assert.rejects(unbuilt.zip(), /npm run build/);
  });
});

describe('a stream trigger’s on-failure destination and bisect (event-source-mapping kind)', () => {
  const stream = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024';
  const queue = 'arn:aws:sqs:us-east-1:123456789012:failures';
  const ctx = {} as Ctx;
  const base = { key: 'k', task: 1, functionName: 'f', needs: [], source: () => stream, batchSize: 10, reportBatchItemFailures: false };
  const mapping = (extra: object = {}) => ({ mappings: [{ uuid: 'u', source: stream, state: 'Enabled', batchSize: 10, responseTypes: [], ...extra }] });

  it('wants them when the spec sets them, and names what is missing or different by code', () => {
    const kind = eventSourceMapping({ ...base, kind: 'dynamodb-stream', onFailure: () => queue, bisectOnError: true });
    const desired = kind.desired(ctx);
    assert.equal(desired.onFailure, queue);
    assert.deepEqual(kind.diff(desired, mapping()).map((r) => [r.code, r.severity]), [['no-failure-destination', 'warning'], ['bisect', 'warning']]);
    assert.deepEqual(kind.diff(desired, mapping({ onFailure: 'arn:aws:sqs:us-east-1:123456789012:other', bisectOnError: true })).map((r) => r.code), ['failure-destination']);
    assert.deepEqual(kind.diff(desired, mapping({ onFailure: queue, bisectOnError: true })), []);
    assert.deepEqual(kind.details!(mapping({ onFailure: queue, bisectOnError: true })), { source: stream, state: 'Enabled', batchSize: 10, onFailure: queue, bisectOnError: true });
  });

  it('a trigger that does not ask for them (an SQS one) neither wants nor reports them', () => {
    const kind = eventSourceMapping({ ...base, kind: 'sqs', source: () => queue });
    const desired = kind.desired(ctx);
    assert.equal('onFailure' in desired || 'bisectOnError' in desired, false);
    assert.deepEqual(kind.diff(desired, { mappings: [{ uuid: 'u', source: queue, state: 'Enabled', batchSize: 10, responseTypes: [] }] }), []);
  });
});
