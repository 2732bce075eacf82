// Load-Inventory: S3 (an inventory CSV uploaded) -> DynamoDB (Inventory).
// Bundled with esbuild (src/resources/lambda-bundle.ts): the CSV parser is inside the
// zip, the AWS SDK is the nodejs22.x runtime's own.
//
// One summary line per file (`inventory-file-loaded`), whatever happened to it, so no
// upload is ever silent: rows written, rows rejected and why, by line number.
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { parse, type CsvError } from 'csv-parse/sync';

// One client each per container, made on first use so the environment is read when the function runs.
let dynamo: DynamoDBClient | undefined;
let s3: S3Client | undefined;
const db = () => (dynamo ??= new DynamoDBClient({}));
const storage = () => (s3 ??= new S3Client({}));

export interface Row {
  line: number;
  store: string;
  item: string;
  count: number;
}

export interface Rejected {
  line: number;
  reason: string;
}

export interface FileSummary {
  bucket: string;
  key: string;
  encoding?: string;
  header?: 'ok' | 'reordered' | 'missing' | 'unrecognised';
  rowsWritten: number;
  rowsRejected: number;
  /** Rejected rows by reason, e.g. { "count is not a whole number >= 0": 2 }. */
  reasons: Record<string, number>;
  /** Set when the whole file could not be handled (object gone, write failed). */
  error?: string;
  /** With error: whether running again can help (a failed write can; a deleted object cannot). */
  retry?: boolean;
}

const COLUMNS = ['store', 'item', 'count'] as const;
// DynamoDB's key limits: a partition key value is at most 2048 bytes, a sort key value 1024.
const MAX_STORE_BYTES = 2048;
const MAX_ITEM_BYTES = 1024;
const BATCH = 25; // BatchWriteItem's limit per call
const WRITE_ATTEMPTS = 8;

/** S3 event keys are URL-encoded, with '+' for a space ("inventory berlin.csv" arrives as "inventory+berlin.csv"). */
export function decodeKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * Text of the file: a UTF-16 file (Excel's "Unicode text") is recognised by its byte-order
 * mark, or by NUL bytes in every other place when it has none; a UTF-8 BOM is dropped;
 * bytes that are not UTF-8 are read as Windows-1252, what a spreadsheet saves elsewhere.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: string } {
  const b = bytes;
  if (b[0] === 0xff && b[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(b.subarray(2)), encoding: 'utf-16le' };
  if (b[0] === 0xfe && b[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(b.subarray(2)), encoding: 'utf-16be' };
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(b.subarray(3)), encoding: 'utf-8 (with BOM)' };
  if (b.length >= 4 && b.length % 2 === 0) {
    const sample = b.subarray(0, Math.min(b.length, 200));
    const zeros = (parity: number) => sample.filter((v, i) => i % 2 === parity && v === 0).length;
    const half = sample.length / 2;
    if (zeros(1) === half) return { text: new TextDecoder('utf-16le').decode(b), encoding: 'utf-16le (no BOM)' };
    if (zeros(0) === half) return { text: new TextDecoder('utf-16be').decode(b), encoding: 'utf-16be (no BOM)' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(b), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(b), encoding: 'windows-1252' };
  }
}

interface Parsed {
  records: { line: number; fields: string[] }[];
  rejected: Rejected[];
}

// csv-parse puts the line of an error on the error itself, untyped.
const errorLine = (error: unknown) => {
  const lines = (error as { lines?: unknown } | undefined)?.lines;
  return typeof lines === 'number' ? lines : undefined;
};

function parseRecords(text: string): Parsed {
  const rejected: Rejected[] = [];
  const options = {
    info: true as const,
    // A row with too few or too many fields is judged below, by line, not fatal to the file.
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    // A row the parser cannot read (a stray quote) is skipped and reported, not fatal.
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      rejected.push({ line: errorLine(error) ?? 0, reason: `not valid CSV (${error?.code ?? 'unreadable'})` });
      return undefined;
    },
  };
  const read = (to?: number) =>
    (parse(text, to === undefined ? options : { ...options, to_line: to }) as unknown as { record: string[]; info: { lines: number } }[]).map((r) => ({
      line: r.info.lines,
      fields: r.record,
    }));
  try {
    return { records: read(), rejected };
  } catch (error) {
    // An error that ends parsing (a quote never closed): keep the rows before it, reject the rest.
    const line = errorLine(error) ?? 1;
    rejected.length = 0;
    const records = line > 1 ? read(line - 1) : [];
    rejected.push({ line, reason: `not valid CSV from here to the end of the file (${(error as CsvError).code ?? 'unreadable'})` });
    return { records, rejected };
  }
}

const isHeaderLike = (fields: string[]) => !/^-?\d+(\.\d+)?$/.test(fields[2] ?? '');

/** The rows of an inventory file, and the lines that are not rows, with why. */
export function parseInventory(bytes: Uint8Array): { rows: Row[]; rejected: Rejected[]; encoding: string; header: FileSummary['header'] } {
  const { text, encoding } = decodeText(bytes);
  const { records, rejected } = parseRecords(text);
  let order: number[] = [0, 1, 2];
  let header: FileSummary['header'] = 'missing';
  const first = records[0];
  if (first && isHeaderLike(first.fields)) {
    records.shift();
    const names = first.fields.map((f) => f.replace(/^\uFEFF/, '').trim().toLowerCase());
    if (names.length === 3 && COLUMNS.every((c, i) => names[i] === c)) header = 'ok';
    else if (names.length === 3 && COLUMNS.every((c) => names.includes(c))) {
      header = 'reordered';
      order = COLUMNS.map((c) => names.indexOf(c));
    } else {
      // Read as the course's column order; the summary says the header was not understood.
      header = 'unrecognised';
    }
  }
  const rows: Row[] = [];
  for (const { line, fields } of records) {
    if (fields.length !== 3) {
      rejected.push({ line, reason: `has ${fields.length} field${fields.length === 1 ? '' : 's'}, want 3 (store,item,count)` });
      continue;
    }
    const [store, item, count] = order.map((i) => fields[i]!);
    if (!store) rejected.push({ line, reason: 'store is empty' });
    else if (!item) rejected.push({ line, reason: 'item is empty' });
    else if (Buffer.byteLength(store) > MAX_STORE_BYTES) rejected.push({ line, reason: `store is longer than ${MAX_STORE_BYTES} bytes` });
    else if (Buffer.byteLength(item) > MAX_ITEM_BYTES) rejected.push({ line, reason: `item is longer than ${MAX_ITEM_BYTES} bytes` });
    else if (!/^\d+$/.test(count) || !Number.isSafeInteger(Number(count))) rejected.push({ line, reason: 'count is not a whole number >= 0' });
    else rows.push({ line, store, item, count: Number(count) });
  }
  // One store and item twice in a file: the later line wins, as row-by-row writes would
  // (and BatchWriteItem refuses a batch that names one key twice).
  const last = new Map<string, Row>();
  for (const row of rows) {
    const key = JSON.stringify([row.store, row.item]);
    const earlier = last.get(key);
    if (earlier) rejected.push({ line: earlier.line, reason: 'same store and item as a later line, which is written instead' });
    last.set(key, row);
  }
  return { rows: [...last.values()].sort((a, b) => a.line - b.line), rejected: rejected.sort((a, b) => a.line - b.line), encoding, header };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** BatchWriteItem in batches of 25; what DynamoDB leaves unprocessed (throttling) is sent again with backoff. */
async function writeRows(table: string, rows: Row[], written: (n: number) => void): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    let pending: WriteRequest[] = rows.slice(i, i + BATCH).map((r) => ({
      PutRequest: { Item: { Store: { S: r.store }, Item: { S: r.item }, Count: { N: String(r.count) } } },
    }));
    for (let attempt = 1; pending.length; attempt++) {
      if (attempt > 1) {
        if (attempt > WRITE_ATTEMPTS) throw Object.assign(new Error(`${pending.length} rows still unprocessed after ${WRITE_ATTEMPTS} tries`), { name: 'UnprocessedItems' });
        // Exponential backoff with full jitter, as AWS advises for unprocessed items.
        await pause(Math.random() * Math.min(2_000, 50 * 2 ** attempt));
      }
      const { UnprocessedItems } = await db().send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = UnprocessedItems?.[table] ?? [];
    }
    written(Math.min(BATCH, rows.length - i));
  }
}

const countBy = (rejected: Rejected[]) => rejected.reduce<Record<string, number>>((acc, r) => ((acc[r.reason] = (acc[r.reason] ?? 0) + 1), acc), {});

async function loadFile(record: S3EventRecord, table: string): Promise<FileSummary> {
  const bucket = record.s3.bucket.name;
  const key = decodeKey(record.s3.object.key);
  const summary: FileSummary = { bucket, key, rowsWritten: 0, rowsRejected: 0, reasons: {} };
  let bytes: Uint8Array;
  try {
    const object = await storage().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    bytes = await object.Body!.transformToByteArray();
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    summary.error = `${name}: could not read the object (${error instanceof Error ? error.message : String(error)})`;
    // Deleted since the upload (or its bucket): no retry can bring it back.
    summary.retry = name !== 'NoSuchKey' && name !== 'NoSuchBucket';
    return summary;
  }
  const { rows, rejected, encoding, header } = parseInventory(bytes);
  Object.assign(summary, { encoding, header, rowsRejected: rejected.length, reasons: countBy(rejected) });
  for (const r of rejected) console.error(JSON.stringify({ event: 'inventory-row-rejected', bucket, key, line: r.line, reason: r.reason }));
  if (header !== 'ok') {
    console.error(JSON.stringify({ event: 'inventory-header-problem', bucket, key, header, expected: COLUMNS.join(',') }));
  }
  try {
    // Counted batch by batch, so a failure part-way says how many rows did arrive.
    await writeRows(table, rows, (n) => (summary.rowsWritten += n));
  } catch (error) {
    summary.retry = true;
    summary.error = `${error instanceof Error ? error.name : 'Error'}: writing to ${table} failed (${error instanceof Error ? error.message : String(error)})`;
  }
  return summary;
}

/**
 * Every record of the event is a file (S3 may deliver several in one event). The function
 * fails (so that Lambda's asynchronous retry runs it again) only when a file could not be
 * read or written; rewriting rows is harmless (PutItem replaces the item). Bad rows are
 * not retried: they would fail the same way.
 */
export async function handler(event: S3Event): Promise<{ files: FileSummary[] }> {
  const table = process.env.TABLE_NAME;
  if (!table) throw new Error('TABLE_NAME is not set');
  const files: FileSummary[] = [];
  for (const record of event.Records ?? []) {
    // A "folder" made in the console is a zero-byte object whose key ends in '/': not a file.
    if (record.s3.object.key.endsWith('/')) continue;
    const summary = await loadFile(record, table);
    files.push(summary);
    const line = JSON.stringify({ event: 'inventory-file-loaded', ...summary });
    if (summary.error || summary.rowsRejected) console.error(line);
    else console.log(line);
  }
  const failed = files.filter((f) => f.error && f.retry);
  if (failed.length) throw new Error(`could not load ${failed.map((f) => `s3://${f.bucket}/${f.key} (${f.error})`).join('; ')}`);
  return { files };
}
