// Two `poc setup` of one prefix at once (issue 19 item 3): both finish, the lab has one of
// everything (two SQS or stream triggers would handle every order twice, two REST APIs of
// one name leave the student guessing which one is theirs), and each run says what the
// other did. The race is made certain, not left to timing: the proxy holds the first
// CreateRestApi and the first CreateEventSourceMapping of each function until the other
// run has sent its own, so both runs make one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { setup } from '../src/commands/setup.js';
import { status } from '../src/commands/status.js';
import { createReporter } from '../src/ui/reporter.js';
import { completeLab, directClients, labInventory, normalised, withProxy, type RequestInfo } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

const REGION = 'us-east-1';
const EMAIL = 'student@example.com';
const PREFIX = 'twin';
const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: '0.01' } });

const why = (result: { error?: { message: string; hint?: string } }) => (result.error ? `${result.error.message}\n  ${result.error.hint ?? ''}` : 'no error');

const AUTH = { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=x' };

async function runSetup(endpoint: string, notes: string[]) {
  const aws = await createAws({ endpointUrl: endpoint, region: REGION });
  const reporter = { ...(await createReporter({ json: true })), note: (r: { name: string }, text: string) => notes.push(`${r.name}: ${text}`) };
  return setup({ endpointUrl: endpoint, region: REGION, email: EMAIL, yes: true, prefix: PREFIX }, { reporter, aws });
}

/** A respond hook that holds the first request of each pair (by key) until the second has arrived (bounded). */
function pairsTogether(keyOf: (info: RequestInfo, body: Buffer) => string | undefined) {
  const pairs = new Map<string, { arrived: number; release: () => void; both: Promise<void> }>();
  const met: string[] = [];
  const respond = async (info: RequestInfo, body: Buffer) => {
    const key = keyOf(info, body);
    if (!key) return undefined;
    let pair = pairs.get(key);
    if (!pair) {
      let release = () => {};
      // Bounded: should one run never send its own, the other goes on after 20 s (and the test fails on `met`).
      const both = new Promise<void>((resolve) => {
        release = resolve;
        setTimeout(resolve, 20_000).unref();
      });
      pair = { arrived: 0, release, both };
      pairs.set(key, pair);
    }
    if (++pair.arrived === 2) {
      met.push(key);
      pair.release();
    }
    await pair.both;
    return undefined;
  };
  return { respond, met };
}

for (const [label, emulateAws] of [
  // Lambda refuses the second trigger (409 ResourceConflictException "... already exists ...").
  ['as AWS answers', true],
  // moto makes a second trigger, as poc's local AWS (moto) does.
  ['as moto answers (the local AWS)', false],
] as const) {
  describe(`two setups of one prefix at once, ${label}`, () => {
    it('both finish, one of everything is left, status finds nothing amiss, and each run says what happened', { timeout: 300_000 }, async () => {
      await moto.reset();
      const race = pairsTogether((info, body) => {
        if (info.service === 'apigateway' && info.operation === 'CreateRestApi') return 'api';
        if (info.service === 'lambda' && info.operation === 'CreateEventSourceMapping') return String(JSON.parse(body.toString()).FunctionName);
        return undefined;
      });
      const notes: [string[], string[]] = [[], []];
      await withProxy({ target: moto.endpoint, respond: race.respond, emulateAws }, async (proxy) => {
        const runs = await Promise.all([runSetup(proxy.endpoint, notes[0]), runSetup(proxy.endpoint, notes[1])]);
        for (const run of runs) assert.equal(run.exitCode, 0, why(run));
      });
      assert.deepEqual(race.met.sort(), ['api', `${PREFIX}-POC-Lambda-1`, `${PREFIX}-POC-Lambda-2`], 'each run made its own API and triggers at the same time');
      assert.deepEqual(normalised(await labInventory(moto.endpoint, PREFIX)), normalised(completeLab(PREFIX, EMAIL)));

      const seen = await status({ endpointUrl: moto.endpoint, region: REGION, prefix: PREFIX }, { aws: await createAws({ endpointUrl: moto.endpoint, region: REGION }) });
      assert.equal(seen.exitCode, 0);
      assert.deepEqual(seen.resources.filter((r) => r.state !== 'present').map((r) => `${r.name}: ${(r.reasons ?? []).join('; ')}`), []);

      // What happened is said: one run left the REST API to the other, naming it, and a
      // second trigger was refused (AWS) or deleted (moto) with a word about the other run.
      const all = [...notes[0], ...notes[1]];
      const api = all.filter((n) => /^twin-POC-API: another setup of this lab \(pid \d+ on .+, started .+\) made twin-POC-API at the same time/.test(n));
      assert.equal(api.length, 1, all.join('\n'));
      for (const fn of ['POC-Lambda-1 SQS', 'POC-Lambda-2 stream']) {
        const said = all.filter((n) => n.startsWith(`${PREFIX}-${fn} trigger: `) && /made by someone else \(another setup|another setup of this lab made one at the same time/.test(n));
        assert.ok(said.length >= 1, `${fn} trigger:\n${all.join('\n')}`);
      }
    });
  });
}

describe('two setups of one prefix at once, one of them listing the APIs before the other’s shows', () => {
  it('the run whose API is not the oldest still finds out after its build, deletes its own and uses the other', { timeout: 300_000 }, async () => {
    await moto.reset();
    // Both runs make their API at the same time (held together, as above), in the same
    // second (GetRestApis's createdDate counts seconds), so the oldest is the smaller id.
    // GetRestApis may not list an API made a moment ago (it is eventually consistent):
    // the run whose own API has the larger id is shown only its own on its first look, so
    // it builds that one. Only once it has does it see the other, older one.
    const race = pairsTogether((info) => (info.service === 'apigateway' && info.operation === 'CreateRestApi' ? 'api' : undefined));
    const hidden: string[] = [];
    const runThrough = (notes: string[]) => {
      let mine: string | undefined;
      let looks = 0;
      const respond = async (info: RequestInfo, body: Buffer) => {
        if (info.service === 'apigateway' && info.operation === 'CreateRestApi') mine = JSON.parse(body.toString()).tags['poc:made-by'];
        if (info.service !== 'apigateway' || info.operation !== 'GetRestApis' || !mine || ++looks > 1) return race.respond(info, body);
        const listed = (await (await fetch(`${moto.endpoint}${info.url}`, { headers: AUTH })).json()) as { item: { id: string; name: string; tags?: Record<string, string> }[] };
        const apis = listed.item.filter((a) => a.name === `${PREFIX}-POC-API`);
        const own = apis.find((a) => a.tags?.['poc:made-by'] === mine);
        const older = apis.filter((a) => own && a.id < own.id).map((a) => a.id);
        if (!older.length) return undefined;
        hidden.push(...older);
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: listed.item.filter((a) => !older.includes(a.id)) }) };
      };
      return withProxy({ target: moto.endpoint, respond }, (proxy) => runSetup(proxy.endpoint, notes));
    };
    const notes: [string[], string[]] = [[], []];
    const runs = await Promise.all([runThrough(notes[0]), runThrough(notes[1])]);
    for (const run of runs) assert.equal(run.exitCode, 0, why(run));
    assert.deepEqual(race.met, ['api'], 'both runs made an API at the same time');
    assert.equal(hidden.length, 1, 'one run was not shown the other’s API at first');

    assert.deepEqual(normalised(await labInventory(moto.endpoint, PREFIX)), normalised(completeLab(PREFIX, EMAIL)));
    const c = directClients(moto.endpoint);
    const { items = [] } = await c.apigateway.getRestApis({ limit: 500 });
    c.apigateway.destroy();
    assert.deepEqual(items.map((a) => a.id), hidden, 'the older API is the one left');
    // The run that built the newer one says so, naming the one kept.
    const said = notes.map((n) => n.filter((x) => x.includes(`made ${PREFIX}-POC-API at the same time (${hidden[0]}); this run's (`)));
    assert.equal(said.flat().length, 1, notes.flat().join('\n'));
    const seen = await status({ endpointUrl: moto.endpoint, region: REGION, prefix: PREFIX }, { aws: await createAws({ endpointUrl: moto.endpoint, region: REGION }) });
    assert.deepEqual(seen.resources.filter((r) => r.state !== 'present').map((r) => r.name), []);
  });
});
