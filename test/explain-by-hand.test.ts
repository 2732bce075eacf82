// What a student types: every building task of both labs done by hand, exactly as
// `poc explain N` prints it. The text view is read as a person reads it (the JSON files to
// save under their names, the commands with their "\" continuations), the placeholders are
// filled in as the text says, and the commands run with the real aws CLI in an empty folder
// against the emulator (behind the API-model check). Then `poc check` must pass every task
// and `poc status` must find nothing missing or drifted: the by-hand lab is the lab setup makes.
// The clean-up task's commands (orders' task 10) must then leave nothing `poc cleanup` would find.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CheckResult } from '../src/commands/check.js';
import { DEFAULT_LAB, LABS } from '../src/labs/index.js';
import { buildingTasks } from '../src/labs/lab.js';
import { startAwsCli } from './helpers/aws-cli.js';
import { bareEnv, runCommand, runPoc, section, type Run } from './helpers/cli.js';
import { ACCOUNT, EMAIL, motoPerFile } from './helpers/lab.js';

const scratch = mkdtempSync(join(tmpdir(), 'poc-by-hand-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SAVE_NOTE = 'Save each JSON above under its name in the current folder first.';
/** The address explain's commands subscribe, which a student replaces with their own. */
const EXAMPLE_EMAIL = 'you@example.com';

/** What a person takes from explain's text: the files to save and the shell lines to run. */
function byHand(text: string): { files: Map<string, string>; script: string } {
  const files = new Map<string, string>();
  const json = text.split('\n').includes('The JSON') ? section(text, 'The JSON') : [];
  for (let i = 0; i < json.length; i++) {
    const name = /^  (\S+\.json)$/.exec(json[i]);
    if (!name) continue;
    const body: string[] = [];
    while (i + 1 < json.length && json[i + 1].startsWith('    ')) body.push(json[++i].slice(4));
    files.set(name[1], `${body.join('\n')}\n`);
  }
  const cli = section(text, 'With the AWS CLI');
  // The note before the commands is prose, not a command; it is there exactly when files are.
  assert.equal(cli[0] === `  ${SAVE_NOTE}`, files.size > 0, `the note "${SAVE_NOTE}" stands before the commands when there are files to save`);
  const lines = cli.slice(files.size ? 1 : 0).filter((l) => l.trim());
  for (const line of lines) assert.match(line, /^  /, 'every line of the commands is indented as printed');
  return { files, script: lines.map((l) => l.slice(2)).join('\n') };
}

/** Runs a task's commands in bash as pasted: any command that fails fails the task, named. */
function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const strict = `set -eo pipefail\nshopt -s inherit_errexit\ntrap 'echo "failed: $BASH_COMMAND" >&2' ERR\n`;
  return runCommand('bash', ['-c', strict + script], { cwd, env });
}

describe('the aws CLI commands of poc explain, run as printed, build a lab that check passes', () => {
  const moto = motoPerFile({ resetEach: true });

  // One lab as a student with no account configured reads it (placeholders to fill in),
  // the other as one with an account (the ARNs filled in), with a prefix and another region.
  const runs = [
    { lab: 'orders', region: 'us-east-1', account: false, prefix: undefined },
    { lab: 'inventory', region: 'eu-west-1', account: true, prefix: 'ann' },
  ] as const;

  for (const run of runs) {
    const lab = LABS.find((l) => l.id === run.lab)!;
    const tasks = buildingTasks(lab);
    // The task `poc cleanup` does (orders' 10; the inventory lab has none): its commands must leave nothing.
    const cleanup = lab.tasks.find((t) => t.hint === 'cleanup')?.number;
    const title = `${lab.id}: tasks ${tasks.join(', ')}${cleanup === undefined ? '' : ` and ${cleanup}`} by hand`;
    it(`${title} (${run.account ? `account known, region ${run.region}, prefix ${run.prefix}` : 'no account: placeholders filled in'})`, async () => {
      const folder = mkdtempSync(join(scratch, `${lab.id}-`)); // the student's folder, empty
      const home = mkdtempSync(join(scratch, 'home-'));
      const keys = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      const student = bareEnv(home, { ...keys, AWS_DEFAULT_REGION: run.region, AWS_ENDPOINT_URL: moto.endpoint });
      // As a student types them: no --lab for the default lab.
      const selection = [...(lab.id === DEFAULT_LAB ? [] : ['--lab', lab.id]), ...(run.prefix ? ['--prefix', run.prefix] : [])];
      // What the text tells a student to fill in: the account and the region, and their address.
      const fill = (s: string) => s.replaceAll('<ACCOUNT_ID>', ACCOUNT).replaceAll('<REGION>', run.region).replaceAll(EXAMPLE_EMAIL, EMAIL);

      const explained = await Promise.all(
        [...tasks, ...(cleanup === undefined ? [] : [cleanup])].map(async (task) => {
          const shown = await runPoc(['explain', String(task), ...selection], run.account ? student : bareEnv(home, {}));
          assert.equal(shown.code, 0, shown.stderr);
          if (run.account) assert.doesNotMatch(shown.stdout, /<[A-Z_]+>/, 'with an account nothing is left to fill in');
          else assert.match(shown.stdout, /No AWS account is known here, so <ACCOUNT_ID> and <REGION> stand for yours/);
          return { task, ...byHand(shown.stdout) };
        }),
      );

      const services = new Set(explained.flatMap((e) => [...e.script.matchAll(/\baws (\w+) /g)].map(([, s]) => s.replace(/^s3api$/, 's3'))));
      const aws = await startAwsCli(moto.endpoint, [...services], mkdtempSync(join(scratch, 'aws-')), student);
      const byHandRun = async ({ task, files, script }: (typeof explained)[number]) => {
        for (const [name, body] of files) {
          JSON.parse(body); // valid JSON as printed
          writeFileSync(join(folder, name), fill(body));
        }
        // A `poc` line is poc doing the same task (the text says so); by hand means the aws lines.
        const commands = script.split('\n').filter((l) => !l.startsWith('poc ')).join('\n');
        assert.doesNotMatch(fill([commands, ...files.values()].join('\n')), /<[A-Z_]+>/, 'every placeholder is one the text says how to fill in');
        const ran = await runScript(fill(commands), folder, { ...student, PATH: aws.path });
        assert.equal(ran.code, 0, `task ${task}'s commands, as printed, failed:\n${ran.stderr}\n--- the commands:\n${fill(commands)}`);
      };
      try {
        for (const task of explained.filter((e) => e.task !== cleanup)) await byHandRun(task);

        // As setup's lab does: every task passes, with no finding and no warning.
        const checked = await runPoc(['check', '--json', '--email', EMAIL, ...selection], student);
        assert.equal(checked.code, 0, `check passes every task of the lab built by hand:\n${checked.stdout}\n${checked.stderr}`);
        const graded = (JSON.parse(checked.stdout) as CheckResult).tasks;
        assert.deepEqual(graded.map((t) => t.task), tasks);
        for (const t of graded) assert.deepEqual({ task: t.task, passed: t.passed, findings: t.findings, warnings: t.warnings }, { task: t.task, passed: true, findings: [], warnings: [] });
        const status = await runPoc(['status', ...selection], student);
        assert.equal(status.code, 0, `status finds the lab complete:\n${status.stdout}\n${status.stderr}`);
        assert.doesNotMatch(status.stdout, /differs|drift|missing/i, 'nothing drifted');

        if (cleanup === undefined) return;
        await byHandRun(explained.find((e) => e.task === cleanup)!);
        const left = await runPoc(['cleanup', '--dry-run', ...selection], student);
        assert.equal(left.code, 0, left.stderr);
        assert.match(left.stdout, /Nothing to delete/, `the cleanup commands leave nothing of the lab:\n${left.stdout}`);
      } finally {
        aws.close();
      }
    });
  }
});
