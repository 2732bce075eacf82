// send-order --wait and upload --wait on AWS's clock: each lab built through a proxy that
// answers as AWS does over time (helpers/aws-clock.ts) in front of a local AWS, whose
// runtime runs the functions, so that every hop an order or a file makes is real. The
// resources' states run SCALE times faster; the account's quotas run at AWS's own pace, so
// that what --wait reads while it waits (CloudWatch Logs' FilterLogEvents: 5 a second for
// the account) is held to the real quota. The local runtime needs Node 22 or later:
// @node 22
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAwsClock } from './helpers/aws-clock.js';
import { AWS_PROFILE } from './helpers/aws-profile.js';
import { ROOT } from './helpers/cli.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { localAws } from './helpers/local-aws.js';
import { show, timedRun, unexplainedWaits, type Timed } from './helpers/timed-run.js';

const SCALE = 0.02;
const EMAIL = 'student@example.com';
const local = localAws('clock-wait');
let proxy: FaultProxy;

before(async () => {
  const start = await local.poc('local', 'start', '--detach');
  assert.equal(start.code, 0, start.stderr);
  proxy = await startFaultProxy({ target: local.state().endpoint, clock: createAwsClock(AWS_PROFILE, SCALE), quotas: { rules: AWS_PROFILE.quotas, timeScale: 1, slack: 0.5 } });
});
after(async () => {
  await proxy?.close();
  await local.stop();
});

const run = (...args: string[]) => timedRun(args, proxy, { POC_STATE_DIR: local.stateDir, POC_BACKOFF_SCALE: String(SCALE), POC_PACING_SCALE: '1' });

/** The command exited 0 and named every wait longer than a second. */
function ok(r: Timed, what: string) {
  assert.equal(r.code, 0, `${what}: ${show(r)}\n${r.stdout}`);
  assert.deepEqual(unexplainedWaits(r), [], `${what}: ${show(r)}`);
}

describe('--wait on AWS’s clock, the functions run by the local AWS', () => {
  it('send-order --wait follows an order through every hop within the quotas; setup and cleanup around it make no error', { timeout: 300_000 }, async () => {
    await local.reset();
    ok(await run('setup', '--email', EMAIL, '--yes'), 'setup');
    const sent = await run('send-order', '{"item":"mop"}', '--via', 'queue', '--wait');
    ok(sent, 'send-order --wait');
    const hops = [...sent.stdout.matchAll(/^\s*✔ (.+?)\s+\d+\.\ds {2}/gm)].map(([, name]) => name);
    assert.deepEqual(hops, ['accepted', 'taken from the queue', 'item in orders', 'notification published'], sent.stdout);
    ok(await run('cleanup', '--yes'), 'cleanup');
    assert.deepEqual(proxy.stats.overQuota, {}, `calls refused for a quota; FilterLogEvents arrived at ${(proxy.stats.arrivals['logs:FilterLogEvents'] ?? []).map((t) => Math.round(t)).join(', ')}`);
  });

  it('upload --wait follows the six sample files to their items and alerts within the quotas', { timeout: 300_000 }, async () => {
    await local.reset();
    ok(await run('setup', '--lab', 'inventory', '--email', EMAIL, '--yes'), 'setup');
    const up = await run('upload', '--lab', 'inventory', '--wait');
    ok(up, 'upload --wait');
    // Each sample file, then its four hops, each reached.
    const files = readdirSync(join(ROOT, 'src', 'labs', 'inventory', 'samples')).filter((f) => f.endsWith('.csv')).sort();
    assert.equal(files.length, 6);
    const said = [...up.stdout.matchAll(/^\s*(?:(\S+\.csv): \d+ rows|([✔✖]) (.+?)\s+\d+\.\ds {2})/gm)].map(([, file, mark, hop]) => file ?? `${mark} ${hop}`);
    assert.deepEqual(said, files.flatMap((f) => [f, '✔ stored', '✔ loaded by Load-Inventory', '✔ items in Inventory', '✔ alerts from Check-Stock']), up.stdout);
    ok(await run('cleanup', '--lab', 'inventory', '--yes'), 'cleanup');
    assert.deepEqual(proxy.stats.overQuota, {}, `calls refused for a quota; FilterLogEvents arrived at ${(proxy.stats.arrivals['logs:FilterLogEvents'] ?? []).map((t) => Math.round(t)).join(', ')}`);
  });
});
