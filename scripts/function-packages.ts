// The labs' function packages, made once by `npm run build` (not by every command): each
// handler in dist/handlers/<lab>/<name>.js becomes dist/packages/<lab>/<name>.zip, and
// dist/packages/manifest.json records each zip's CodeSha256 (base64 SHA-256, as Lambda
// reports it). Commands compare that hash with the deployed function's and upload the zip
// as it is: no bundler, no zip library and no hashing at run time.
//
// A handler that imports more than the AWS SDK clients the nodejs runtime ships (a library,
// or an SDK utility such as @aws-sdk/util-dynamodb, which Lambda does not promise) is
// bundled with esbuild into one ES module; one that imports only SDK clients is zipped as
// tsc wrote it, comments and all, for the Lambda console's code view.
//
// The bytes depend on the content alone, so "code differs" means the code differs, on any
// machine: esbuild is pinned exactly; the bundle's path comments are relative to the
// project; the zip's entries are stored, not deflated (zlib builds, e.g. Node 22's and 24's,
// may deflate the same bytes differently), with a fixed date, mode and order.
//
// Usage: node dist/scripts/function-packages.js [--root <project>] [--out <folder>]
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import archiver from 'archiver';
import { build } from 'esbuild';

/** What the Lambda Node.js runtime ships and every handler may leave as an import. */
export const RUNTIME_PROVIDED = ['@aws-sdk/client-*'];

/** The Node version the bundles are written for: the lab's oldest runtime, nodejs22.x. */
export const BUNDLE_TARGET = 'node22';

/** Every entry's date: DOS time has no zone, and archiver writes it in UTC. */
export const ENTRY_DATE = new Date(Date.UTC(2020, 0, 1));

/** One package's line in the manifest. */
export interface PackageEntry {
  /** base64 SHA-256 of the zip: what Lambda reports as CodeSha256. */
  codeSha256: string;
  /** The zip's size in bytes. */
  size: number;
}

/** dist/packages/manifest.json: package name ("orders/lambda-1") to its entry. */
export type Manifest = Record<string, PackageEntry>;

/** A zip of these files, in this order, each stored as a regular rw-r--r-- file dated ENTRY_DATE. */
export async function zipFiles(files: [name: string, data: Buffer][]): Promise<Buffer> {
  const archive = archiver('zip', { store: true });
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((done, fail) => {
    archive.on('end', done);
    archive.on('error', fail);
    archive.on('warning', fail);
  });
  for (const [name, data] of files) archive.append(data, { name, date: ENTRY_DATE, mode: 0o644 });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** The code of one handler as it is deployed: tsc's output, or the bundle when it imports more than SDK clients. */
export async function handlerCode(entry: string, root: string): Promise<Buffer> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    external: RUNTIME_PROVIDED,
    // Libraries' ES modules (not their CommonJS builds), so that no require() is left in an ES module.
    mainFields: ['module', 'main'],
    // A linked node_modules (npm link, pnpm) must not put the machine's paths in the comments.
    preserveSymlinks: true,
    // Readable in the Lambda console's code view, which is part of what the lab teaches.
    minify: false,
    legalComments: 'inline',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  const inputs = Object.keys(result.metafile.inputs);
  return inputs.length === 1 ? readFileSync(entry) : Buffer.from(file.contents);
}

/** Builds every handler's package into `out` and writes the manifest there; returns it. */
export async function buildPackages(root: string, out = join(root, 'dist', 'packages')): Promise<Manifest> {
  const handlers = join(root, 'dist', 'handlers');
  const manifest: Manifest = {};
  rmSync(out, { recursive: true, force: true });
  for (const lab of readdirSync(handlers).sort()) {
    for (const file of readdirSync(join(handlers, lab)).filter((f) => f.endsWith('.js')).sort()) {
      const name = `${lab}/${file.slice(0, -'.js'.length)}`;
      const zip = await zipFiles([['index.mjs', await handlerCode(join(handlers, lab, file), root)]]);
      const target = join(out, `${name}.zip`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, zip);
      manifest[name] = { codeSha256: createHash('sha256').update(zip).digest('base64'), size: zip.length };
    }
  }
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { root: { type: 'string' }, out: { type: 'string' } } });
  const root = resolve(values.root ?? '.');
  await buildPackages(root, values.out ? resolve(values.out) : undefined);
}
