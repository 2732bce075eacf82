// A function's deployment package, built in memory. The zip is byte-for-byte the same
// for the same code (fixed entry date and mode), so its SHA-256 can be compared with
// the CodeSha256 Lambda reports, and unchanged code is never uploaded again.
//
// One file in a zip is a few fixed headers around a deflate stream (PKWARE APPNOTE 4.3),
// written here with node:zlib: a zip library (archiver) took 0.2-0.3 s to load, on the
// critical path of every `poc status`, which needs the hash, for ~10 ms of compression.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';

export interface Package {
  zip: Buffer;
  /** base64 SHA-256 of the zip, the form Lambda reports as CodeSha256. */
  sha256: string;
}

// 2020-01-01 00:00:00 in MS-DOS form: ((year-1980)<<9 | month<<5 | day) and (h<<11 | m<<5 | s/2).
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const DEFLATE = 8;
const VERSION = 20; // 2.0: deflate
const UNIX = 3 << 8; // "made by" Unix, so the external attributes carry the file mode
const MODE = 0o100644; // a regular file, rw-r--r--

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip holding `data` as the one file `entryName`. */
export function zipOne(data: Buffer, entryName: string): Buffer {
  const name = Buffer.from(entryName, 'utf8');
  const packed = deflateRawSync(data, { level: 9 });
  const crc = crc32(data);

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(VERSION, 4);
  local.writeUInt16LE(0x0800, 6); // the name is UTF-8
  local.writeUInt16LE(DEFLATE, 8);
  local.writeUInt16LE(DOS_TIME, 10);
  local.writeUInt16LE(DOS_DATE, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);

  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(UNIX | VERSION, 4);
  central.writeUInt16LE(VERSION, 6);
  central.writeUInt16LE(0x0800, 8);
  central.writeUInt16LE(DEFLATE, 10);
  central.writeUInt16LE(DOS_TIME, 12);
  central.writeUInt16LE(DOS_DATE, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(packed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE((MODE << 16) >>> 0, 38);
  central.writeUInt32LE(0, 42); // the local header's offset

  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + packed.length, 16);

  return Buffer.concat([local, name, packed, central, name, end]);
}

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
  const zip = zipOne(code, entryName);
  return { zip, sha256: createHash('sha256').update(zip).digest('base64') };
}

/**
 * dist/handlers/<path>.js (path like "orders/lambda-1"), found from this module's place in
 * dist/: dist/src/resources/ as tsc builds it (the tests), dist/cli/chunks/ as bundled for
 * bin/poc.js. The last /dist/ in the path is poc's own, wherever poc is installed.
 */
export function handlerFile(path: string, moduleUrl: string = import.meta.url): string {
  return join(pocRoot(moduleUrl), 'dist', 'handlers', `${path}.js`);
}

/** poc's own folder: the one that holds the dist/ this module runs from. */
export function pocRoot(moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  const dist = here.lastIndexOf(`${sep}dist${sep}`);
  if (dist < 0) throw new Error(`poc runs from ${here}, outside its dist/ folder; run \`npm run build\` in the poc folder`);
  return here.slice(0, dist);
}
