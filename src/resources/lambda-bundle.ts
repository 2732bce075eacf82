// A function whose code imports a library (the inventory lab's CSV parser) is bundled:
// esbuild puts the handler and what it imports into one ES module, leaving out the AWS
// SDK v3 that the nodejs runtime ships, and the bundle is zipped as index.mjs with the
// deterministic zip beside this file. esbuild's output depends only on its input and its
// version (pinned exactly in package.json), so the same code gives the same bytes, the
// same CodeSha256, and no re-upload.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pocRoot, zipBuffer, type Package } from './lambda-zip.js';

/** What the runtime provides: the bundle keeps these as imports. */
export const RUNTIME_PROVIDED = ['@aws-sdk/*'];

/** The Node version the bundle is written for (nodejs22.x). */
export const BUNDLE_TARGET = 'node22';

// Paths in the bundle's module comments are relative to poc's own folder, so they do not
// name the machine's directories (and the hash does not change with where poc is installed).
const POC_ROOT = pocRoot();

export async function bundleCode(entry: string): Promise<Buffer> {
  if (!existsSync(entry)) throw new Error(`the function code ${entry} is missing; run \`npm run build\` in the poc folder`);
  // Loaded on use: esbuild is needed only when a function is built, not for `poc --help`.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: existsSync(join(POC_ROOT, 'package.json')) ? POC_ROOT : dirname(entry),
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    external: RUNTIME_PROVIDED,
    // Readable in the Lambda console's code view, which is part of what the lab teaches.
    minify: false,
    legalComments: 'inline',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error(`esbuild produced no output for ${relative(POC_ROOT, entry)}`);
  return Buffer.from(file.contents);
}

/** The deployment package of a bundled handler: one file, index.mjs (handler "index.handler"). */
export async function bundleZip(entry: string): Promise<Package> {
  return zipBuffer(await bundleCode(entry), 'index.mjs');
}
