// Runs the built CLI (bin/poc.js) as a user would, in a child process. Every command the
// run suggests is checked on the way (./hints.ts): it must parse and carry the run's
// selection, or the test that ran it fails, whatever it was testing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hintProblems } from './hints.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A machine with no AWS account: nothing AWS_* in the environment, `home` (empty) as its home, no colour. */
export function bareEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && k !== 'CI' && k !== 'FORCE_COLOR') env[k] = v;
  return { ...env, HOME: home, USERPROFILE: home, NO_COLOR: '1', ...extra };
}

/** A command run to its end, stdin closed: its exit code and all it printed. */
export function runCommand(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `nodeArgs` go before the script (e.g. --import a hook); stdin is closed. */
export async function runPoc(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<Run> {
  const run = await runCommand(process.execPath, [...nodeArgs, 'bin/poc.js', ...args], { cwd: ROOT, env });
  const problems = hintProblems(args, `${run.stdout}\n${run.stderr}`);
  if (problems.length) throw new Error(`poc ${args.join(' ')} suggested commands that would not run as is or would act on another lab:\n  ${problems.join('\n  ')}\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`);
  return run;
}

/** The lines of a section of explain's text, from its heading to the next heading. */
export function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `no "${heading}" section in:\n${text}`);
  const end = lines.findIndex((l, i) => i > start && /^[A-Z][\w ]+$/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}
