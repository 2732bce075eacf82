// A function's deployment package, built in memory. The zip is byte-for-byte the same
// for the same code (fixed entry date and mode), so its SHA-256 can be compared with
// the CodeSha256 Lambda reports, and unchanged code is never uploaded again.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface Package {
  zip: Buffer;
  /** base64 SHA-256 of the zip, the form Lambda reports as CodeSha256. */
  sha256: string;
}

const FIXED_DATE = new Date('2020-01-01T00:00:00Z');

export async function zipFile(path: string, entryName: string): Promise<Package> {
  const code = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new Error(`the function code ${path} is missing; run \`npm run build\` in the poc folder`);
    }
    throw error;
  });
  return zipBuffer(code, entryName);
}

/** The same deterministic zip, of code already in memory (a bundle). */
export async function zipBuffer(code: Buffer, entryName: string): Promise<Package> {
  const { default: archiver } = await import('archiver');
  const archive = archiver('zip', { zlib: { level: 9 } });
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  archive.append(code, { name: entryName, date: FIXED_DATE, mode: 0o644 });
  await archive.finalize();
  await ended;
  const zip = Buffer.concat(chunks);
  return { zip, sha256: createHash('sha256').update(zip).digest('base64') };
}
