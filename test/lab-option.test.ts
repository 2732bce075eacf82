// --lab (and POC_LAB) choose the lab of a run; an unknown one is bad input: exit 2, a hint
// listing the labs, and not a single request to AWS (a proxy in front of moto counts them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runPoc } from './helpers/cli.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

const moto = motoPerFile();
let proxy: FaultProxy;

const COMMANDS = ['setup --email a@example.com', 'status', 'check', 'cleanup --yes', 'send-order {"item":"mop"} --via queue', 'upload --wait', 'logs', 'tasks', 'explain 3'];

describe('an unknown lab is refused with exit 2, the list of labs, and no AWS call', () => {
  before(async () => {
    proxy = await startFaultProxy({ target: moto.endpoint, rate: 0 });
  });
  after(async () => {
    await proxy?.close();
  });
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, CI: '1', AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', ...extra });
  const refused = async (args: string[], extra?: NodeJS.ProcessEnv) => {
    const before = proxy.stats.requests;
    const run = await runPoc(args, env(extra));
    assert.equal(run.code, 2, `exit code of poc ${args.join(' ')}\n${run.stderr}`);
    assert.match(run.stderr, /no lab "inventry"/);
    assert.match(run.stderr, /--lab .*orders/s, 'the hint names the labs there are');
    assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
    assert.equal(proxy.stats.requests, before, `poc ${args.join(' ')} sent ${proxy.stats.requests - before} request(s) to AWS`);
  };
  for (const cmd of COMMANDS) {
    it(`${cmd.split(' ')[0]} --lab inventry`, () => refused([...cmd.split(' '), '--lab', 'inventry']));
  }
  it('POC_LAB=inventry status', () => refused(['status'], { POC_LAB: 'inventry' }));
  it('--lab inventory (or POC_LAB=inventory) chooses the inventory lab, whose tasks start at 0', async () => {
    const run = await runPoc(['explain', '0', '--lab', 'inventory'], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Lambda-Load-Inventory-Role/);
    const listed = await runPoc(['tasks', '--json'], env({ POC_LAB: 'inventory' }));
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { tasks: { task: number }[] }).tasks.map((t) => t.task), [0, 1, 2, 3, 4, 5, 6]);
  });
  it('--lab orders is the default lab', async () => {
    const run = await runPoc(['explain', '3', '--lab', 'orders'], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /POC-Queue/);
  });
});
