// A function's deployment package, made by `npm run build` (scripts/function-packages.ts):
// dist/packages/<lab>/<name>.zip, and its CodeSha256 in dist/packages/manifest.json.
// Comparing code reads the manifest (a few hundred bytes); only an upload reads the zip.
// Nothing is bundled, zipped or hashed here, so `poc status` pays nothing for the code.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FunctionPackage {
  /** Its name in the manifest, e.g. "orders/lambda-1". */
  name: string;
  /** base64 SHA-256 of the zip, the form Lambda reports as CodeSha256. */
  codeSha256(): string;
  /** The zip's bytes, as uploaded. */
  zip(): Promise<Buffer>;
}

const REBUILD = 'run `npm run build` in the poc folder';

const manifests = new Map<string, Record<string, { codeSha256: string }>>();

function manifest(folder: string): Record<string, { codeSha256: string }> {
  let read = manifests.get(folder);
  if (!read) {
    try {
      read = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as Record<string, { codeSha256: string }>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`the function packages are missing (${join(folder, 'manifest.json')}); ${REBUILD}`);
      throw error;
    }
    manifests.set(folder, read);
  }
  return read;
}

/** The package `name` ("orders/lambda-1") from poc's dist/packages/. */
export function functionPackage(name: string, moduleUrl: string = import.meta.url): FunctionPackage {
  const folder = join(pocRoot(moduleUrl), 'dist', 'packages');
  return {
    name,
    codeSha256() {
      const entry = manifest(folder)[name];
      if (!entry) throw new Error(`the function package ${name} is not in ${join(folder, 'manifest.json')}; ${REBUILD}`);
      return entry.codeSha256;
    },
    zip: () =>
      readFile(join(folder, `${name}.zip`)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw new Error(`the function package ${join(folder, `${name}.zip`)} is missing; ${REBUILD}`);
        throw error;
      }),
  };
}

/**
 * poc's own folder: the one that holds the dist/ this module runs from, dist/src/resources/
 * as tsc builds it (the tests) or dist/cli/chunks/ as bundled for bin/poc.js. The last
 * /dist/ in the path is poc's own, wherever poc is installed.
 */
export function pocRoot(moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  const dist = here.lastIndexOf(`${sep}dist${sep}`);
  if (dist < 0) throw new Error(`poc runs from ${here}, outside its dist/ folder; ${REBUILD}`);
  return here.slice(0, dist);
}
