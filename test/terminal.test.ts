// poc at a terminal (a real pseudo-terminal, ./helpers/terminal.ts): the spinner, the
// email prompt and a typo in it, Ctrl-C at a prompt, the cleanup question and --yes,
// NO_COLOR and a narrow window. Against moto; what changed is read back from it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { motoPerFile, sdk } from './helpers/lab.js';
import { runInTerminal } from './helpers/terminal.js';

const moto = motoPerFile({ resetEach: true });
const REGION = 'us-east-1';
const env = () => {
  // A person's terminal: no CI marker, the emulator's keys, no colour preference set.
  const { CI: _ci, NO_COLOR: _nc, FORCE_COLOR: _fc, ...rest } = process.env;
  return { ...rest, AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
};
const PROMPT = /Email address for order notifications:/;
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const COLOUR = /\x1b\[[0-9;]*m/;

async function madeAnything(): Promise<string[]> {
  const c = sdk(moto);
  const [queues, tables, roles, topics] = await Promise.all([c.sqs.listQueues({}), c.dynamodb.listTables({}), c.iam.listRoles({}), c.sns.listTopics({})]);
  return [...(queues.QueueUrls ?? []), ...(tables.TableNames ?? []), ...(roles.Roles ?? []).map((r) => r.RoleName!), ...(topics.Topics ?? []).map((t) => t.TopicArn!)];
}

describe('poc at a terminal', () => {
  it('setup asks for the address, asks again after a typo with the reason, spins through the tasks and subscribes what was typed', { timeout: 240_000 }, async () => {
    const run = await runInTerminal(['setup'], env(), [
      { when: PROMPT, send: 'you@example\r' },
      // Ctrl-U clears the line, as in any terminal prompt.
      { when: /"you@example" is not an email address/, send: '\x15you@example.com\r' },
    ]);
    assert.equal(run.code, 0, run.screen);
    assert.match(run.screen, /"you@example" is not an email address\./);
    assert.match(run.raw, SPINNER, 'the spinner ran');
    assert.match(run.screen, /✔ Task 1 /);
    assert.match(run.screen, /created, 0 repaired/);
    const { Subscriptions = [] } = await sdk(moto).sns.listSubscriptions({});
    assert.deepEqual(Subscriptions.map((s) => s.Endpoint), ['you@example.com']);
  });

  it('Ctrl-C at the email prompt: exit 130 and nothing made', { timeout: 120_000 }, async () => {
    const run = await runInTerminal(['setup'], env(), [{ when: PROMPT, send: '\x03' }]);
    assert.equal(run.code, 130, run.screen);
    assert.deepEqual(await madeAnything(), []);
  });

  it('cleanup asks before deleting: "n" deletes nothing; with --yes it asks nothing and deletes all', { timeout: 240_000 }, async () => {
    const built = await runInTerminal(['setup', '--email', 'you@example.com'], env());
    assert.equal(built.code, 0, built.screen);
    const before = await madeAnything();
    const declined = await runInTerminal(['cleanup'], env(), [{ when: /Delete these \d+ resources\?/, send: 'n\r' }]);
    assert.equal(declined.code, 0, declined.screen);
    assert.deepEqual(await madeAnything(), before, 'nothing deleted after "n"');
    const yes = await runInTerminal(['cleanup', '--yes'], env());
    assert.equal(yes.code, 0, yes.screen);
    assert.doesNotMatch(yes.screen, /Delete these/);
    assert.deepEqual(await madeAnything(), []);
  });

  it('colour at a terminal, none with NO_COLOR; a 40-column window wraps prose to it', { timeout: 120_000 }, async () => {
    const coloured = await runInTerminal(['tasks'], env());
    assert.equal(coloured.code, 0, coloured.screen);
    assert.match(coloured.raw, COLOUR, 'a terminal gets colour');
    const plain = await runInTerminal(['tasks'], { ...env(), NO_COLOR: '1' });
    assert.equal(plain.code, 0, plain.screen);
    assert.doesNotMatch(plain.raw, COLOUR, 'NO_COLOR: no colour codes');
    assert.equal(plain.screen.trim(), coloured.screen.trim(), 'the same words either way');

    const narrow = await runInTerminal(['explain', '3'], env(), [], { columns: 40 });
    assert.equal(narrow.code, 0, narrow.screen);
    // A JSON value or a command's option cannot be broken; every line of prose can.
    const unbreakable = (line: string) => /^\s*["{}[\]]/.test(line) || /\s--[a-z]/.test(line);
    const long = narrow.screen.split('\n').filter((l) => l.length > 40 && !unbreakable(l));
    assert.deepEqual(long, [], 'prose fits the window');
    assert.ok(narrow.screen.split('\n').filter((l) => l.length > 20 && !unbreakable(l)).length > 10, 'there is prose to wrap');
  });
});
