// The CLI as a user runs it, on each Node major poc supports (package.json "engines";
// run-tests.js runs this file once under Node 22 and once under Node 24): both labs set up,
// read, tried and cleaned up against moto.
//
// `status` runs from an install without the build tools: no esbuild, no archiver, no zips
// and no handler sources, only dist/cli and dist/packages/manifest.json. A status that
// still bundled, zipped or hashed the functions' code would fail there; it must find the
// lab complete, its code the same as the build's.
// @node 22 24
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runCommand, type Run } from './helpers/cli.js';
import { EMAIL, motoPerFile, REGION } from './helpers/lab.js';
import { awsEnv } from './helpers/moto.js';

const moto = motoPerFile();

/** What the build needs and a command must not: left out of the install below. */
const BUILD_ONLY = ['esbuild', '@esbuild', 'archiver', 'typescript', 'node22', 'node24', '.bin'];

/** poc installed without its build tools and with only the packages' manifest. */
function installWithoutBuildTools(): string {
  const root = mkdtempSync(join(tmpdir(), 'poc-install-'));
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  cpSync(join(ROOT, 'dist', 'cli'), join(root, 'dist', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist', 'packages'));
  cpSync(join(ROOT, 'dist', 'packages', 'manifest.json'), join(root, 'dist', 'packages', 'manifest.json'));
  mkdirSync(join(root, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules')).filter((n) => !BUILD_ONLY.includes(n))) {
    symlinkSync(join(ROOT, 'node_modules', name), join(root, 'node_modules', name), 'dir');
  }
  return root;
}

const stripped = installWithoutBuildTools();
after(() => rmSync(stripped, { recursive: true, force: true }));

/** bin/poc.js of `root` under this process's Node (22 or 24), against moto. */
function poc(args: string[], root = ROOT): Promise<Run> {
  return runCommand(process.execPath, [join(root, 'bin', 'poc.js'), ...args, '--endpoint-url', moto.endpoint, '--region', REGION], {
    cwd: ROOT,
    env: { ...process.env, ...awsEnv(moto.endpoint, REGION), CI: '1' },
  });
}

const ok = (run: Run, what: string) => assert.equal(run.code, 0, `${what} on Node ${process.version}:\n${run.stdout}\n${run.stderr}`);

describe(`the CLI on Node ${process.versions.node.split('.')[0]}`, () => {
  const labs = [
    { lab: 'orders', tryIt: ['send-order', '{"item":"mop","quantity":2}', '--via', 'queue'] },
    { lab: 'inventory', tryIt: ['upload', join(ROOT, 'src', 'labs', 'inventory', 'samples', 'inventory-berlin.csv')] },
  ];
  for (const { lab, tryIt } of labs) {
    it(`sets up, reads, tries and cleans up the ${lab} lab`, { timeout: 300_000 }, async () => {
      assert.match(process.version, /^v(22|24)\./, 'run-tests.js runs this file under the Node majors Lambda runs');
      ok(await poc(['setup', '--lab', lab, '--email', EMAIL, '--yes']), 'setup');

      const status = await poc(['status', '--lab', lab, '--json'], stripped);
      ok(status, 'status without the build tools');
      const report = JSON.stringify(JSON.parse(status.stdout));
      assert.doesNotMatch(report, /code differs/, 'the deployed code is the build’s');

      ok(await poc([...tryIt, '--lab', lab]), tryIt[0]!);
      ok(await poc(['cleanup', '--lab', lab, '--yes']), 'cleanup');
      assert.equal((await poc(['status', '--lab', lab], stripped)).code, 3, 'nothing of the lab is left');
    });
  }
});
