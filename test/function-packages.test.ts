// The functions' deployment packages that `npm run build` makes (scripts/function-packages.ts):
// what each zip holds, and that the same source gives the same bytes, hence the same
// CodeSha256, under every Node major and from any folder, so "code differs" never means
// "built elsewhere".
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildPackages, zipFiles, type Manifest } from '../scripts/function-packages.js';
import { ROOT } from './helpers/cli.js';
import { LAMBDA_NODE_MAJORS, nodeBinary } from './helpers/lambda-node.js';

const PACKAGES = join(ROOT, 'dist', 'packages');
const built = JSON.parse(readFileSync(join(PACKAGES, 'manifest.json'), 'utf8')) as Manifest;
const scratch = mkdtempSync(join(tmpdir(), 'poc-packages-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A zip as another reader (Python's zipfile, standing in for Lambda's) sees it. */
function read(zip: string): { bad: string | null; entries: [string, string, number, number[]][]; text: string } {
  const run = spawnSync(process.env.POC_PYTHON ?? 'python3', ['-c', [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'print(json.dumps({"bad": z.testzip(), "entries": [[i.filename, oct(i.external_attr >> 16), i.compress_type, list(i.date_time)] for i in z.infolist()], "text": z.read(z.infolist()[0].filename).decode()}))',
  ].join('\n'), zip], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe('the function packages', () => {
  it('are one per handler, each one stored rw-r--r-- index.mjs with a fixed date', () => {
    assert.deepEqual(Object.keys(built).sort(), ['inventory/check-stock', 'inventory/load-inventory', 'orders/lambda-1', 'orders/lambda-2']);
    for (const name of Object.keys(built)) {
      const zip = read(join(PACKAGES, `${name}.zip`));
      assert.equal(zip.bad, null);
      // Stored (0), not deflated: the bytes do not depend on which zlib a Node build carries.
      assert.deepEqual(zip.entries, [['index.mjs', '0o100644', 0, [2020, 1, 1, 0, 0, 0]]], name);
    }
  });

  it('import nothing but the SDK clients the runtime ships and node: builtins; bundle the rest, with no machine paths', () => {
    for (const name of Object.keys(built)) {
      const { text: code } = read(join(PACKAGES, `${name}.zip`));
      // Static imports and re-exports start a line in esbuild's and tsc's output; dynamic ones and require may be anywhere.
      const specifiers = [
        ...code.matchAll(/^(?:import|export)\s(?:[^;'"]*?\sfrom\s*)?["']([^"']+)["']/gm),
        ...code.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']/g),
      ].map((m) => m[1]!);
      assert.ok(specifiers.length > 0, `${name}: found its imports`);
      assert.deepEqual(specifiers.filter((s) => !/^@aws-sdk\/client-[a-z0-9-]+$/.test(s) && !s.startsWith('node:')), [], `${name} imports only what the runtime has`);
      assert.ok(!code.includes(ROOT) && !code.includes(tmpdir()), `${name}: no machine paths in the package`);
    }
    assert.match(read(join(PACKAGES, 'inventory/load-inventory.zip')).text, /node_modules\/csv-parse\//);
    // Lambda promises "a version of the SDK", not util-dynamodb: POC-Lambda-2 carries it.
    assert.match(read(join(PACKAGES, 'orders/lambda-2.zip')).text, /\/\/ node_modules\/@aws-sdk\/util-dynamodb\/dist-es\/unmarshall\.js\n/);
    // Nothing to bundle: the handler as tsc wrote it, comments kept for the console's code view.
    assert.equal(read(join(PACKAGES, 'orders/lambda-1.zip')).text, readFileSync(join(ROOT, 'dist', 'handlers', 'orders', 'lambda-1.js'), 'utf8'));
  });

  it('are the same bytes when built again, under each Node major, and in another folder', { timeout: 120_000 }, async () => {
    const same = (manifest: Manifest, where: string) => assert.deepEqual(manifest, built, `the packages built ${where} are the build's`);
    same(await buildPackages(ROOT, join(scratch, 'again')), `again under Node ${process.version}`);
    for (const major of LAMBDA_NODE_MAJORS) {
      const out = join(scratch, `node${major}`);
      execFileSync(nodeBinary(major), [join(ROOT, 'dist', 'scripts', 'function-packages.js'), '--root', ROOT, '--out', out]);
      same(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')), `under Node ${major}`);
    }
    // Another checkout: the built handlers in a folder of another name, its node_modules a link.
    const clone = join(scratch, 'another-clone');
    cpSync(join(ROOT, 'dist', 'handlers'), join(clone, 'dist', 'handlers'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    same(await buildPackages(clone), `in ${clone}`);
  });

  it('change when the code does', async () => {
    const one = await zipFiles([['index.mjs', Buffer.from('export const handler = async () => 1;\n')]]);
    assert.ok(one.equals(await zipFiles([['index.mjs', Buffer.from('export const handler = async () => 1;\n')]])));
    assert.ok(!one.equals(await zipFiles([['index.mjs', Buffer.from('export const handler = async () => 2;\n')]])));
  });
});
