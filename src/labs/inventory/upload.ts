// poc upload: tasks 3 and 6. Uploads inventory files to the lab's bucket and, with
// --wait, follows each file hop by hop:
//   stored      PutObject answered
//   loaded      Load-Inventory logged its inventory-file-loaded line for the file
//   items       every row of the file is in the table with the file's count (strongly consistent reads)
//   alerts      Check-Stock logged stock-alert-sent for each count that became 0
// The files are read and parsed here first, with the function's own parser, so bad input
// is refused before any AWS call and the rows to look for are known exactly.
//
// DynamoDB Streams writes a record only when an item actually changes, so a count that
// was already 0 before the upload gives no stream record and no alert: the counts are
// read before the upload, and such an item is reported as "already 0", not waited for.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { hasCode } from '../../aws/errors.js';
import { sleep } from '../../aws/retry.js';
import { setupCommand } from '../../suggest.js';
import { AwsFailure, EXIT, UsageError } from '../../errors.js';
import { someOf } from '../../ui/format.js';
import { loggedJson, readLogEvents } from '../../resources/log-group.js';
import type { Session, TryItTools } from '../lab.js';
import { checkTimeoutHasWait, followTimeout } from '../try-it.js';
import { checkedBucketName, type InventoryNames } from './names.js';
import { TABLE_KEYS } from './inventory-lab.js';
import { samplesDir } from './samples.js';

/** Its own options; the global ones (prefix, region, ...) reach it through the session. */
export interface UploadOptions {
  wait?: boolean;
  timeout?: string | number;
  /** --yes: many alert mails are sent without asking. */
  yes?: boolean;
}

/** confirm asks before an upload that would send many alert mails (undefined when nobody can answer). */
export type UploadDeps = TryItTools;

export interface Row {
  store: string;
  item: string;
  count: number;
}

export interface Hop {
  name: string;
  reached: boolean;
  /** Seconds since the upload began. */
  seconds?: number;
  detail?: string;
  hint?: string;
}

export interface UploadedFile {
  file: string;
  key: string;
  rows: number;
  /** Lines the function will not write (it logs them too), by reason. */
  rejected: Record<string, number>;
  /** "Store / Item" of each row at 0. */
  zeroCounts: string[];
  /** Zero counts that were 0 before the upload: no stream record, so no alert. */
  alreadyZero?: string[];
  versionId?: string;
  hops?: Hop[];
}

export interface UploadResult {
  account: string;
  region: string;
  prefix: string;
  bucket: string;
  files: UploadedFile[];
  /** The person declined to send that many alerts: nothing was uploaded. */
  cancelled?: boolean;
  error?: AwsFailure;
  exitCode: number;
}

interface Parsed {
  path: string;
  key: string;
  body: Buffer;
  rows: Row[];
  rejected: Record<string, number>;
}

const POLL_MS = 2_000;
/** How far back the functions' lines are read: a little before the upload, as clocks may differ. */
const LOOK_BACK_MS = 60_000;
const LOADED_PATTERN = '"inventory-file-loaded"';
const ALERT_PATTERN = '"stock-alert"';
/** BatchGetItem takes at most 100 keys a call. */
const GET_BATCH = 100;
const READ_ATTEMPTS = 8;
const SPREADSHEETS = ['.xlsx', '.xls', '.ods', '.numbers'];
/** More zero counts than this in one upload means as many alert mails to every subscriber: asked first. */
export const MANY_ALERTS = 100;

export async function sampleFiles(): Promise<string[]> {
  const dir = samplesDir();
  const names = await readdir(dir).catch(() => {
    throw new UsageError(`The sample files are missing from ${dir}.`, 'Reinstall poc, or name the files to upload: poc upload stock.csv');
  });
  return names.filter((n) => n.endsWith('.csv')).sort().map((n) => join(dir, n));
}

const label = (r: { store: string; item: string }) => `${r.store} / ${r.item}`;
const rowKey = (r: { store: string; item: string }) => JSON.stringify([r.store, r.item]);

/** Reads and checks one file as Load-Inventory will read it: exit 2 for what it cannot load at all. */
async function readInventoryFile(path: string): Promise<Parsed> {
  const { parseInventory } = await import('../../../handlers/inventory/load-inventory.js');
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`, 'Check the path, or leave the files out to upload the six sample files.');
  });
  if (!info.isFile()) throw new UsageError(`${path} is not a file.`, 'Name CSV files, e.g. poc upload stock/*.csv');
  const body = await readFile(path);
  if (body.toString('utf8').trim() === '') throw new UsageError(`${path} is empty.`, 'An inventory file has a header store,item,count and a row per item, e.g. Berlin,Echo Dot,12');
  const ext = extname(path).toLowerCase();
  if (SPREADSHEETS.includes(ext)) throw new UsageError(`${path} is a spreadsheet, not a CSV file.`, 'Save it as CSV (File > Save as > CSV) with the columns store,item,count, and upload that.');
  const { rows, rejected } = parseInventory(body);
  if (!rows.length) {
    throw new UsageError(
      `${path} is not an inventory CSV: no line of it is a row of store,item,count${rejected.length ? ` (${rejected[0]!.reason} on line ${rejected[0]!.line})` : ''}.`,
      'Write a header store,item,count and a row per item, e.g. Berlin,Echo Dot,12',
    );
  }
  const reasons: Record<string, number> = {};
  for (const r of rejected) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  return { path, key: basename(path), body, rows: rows.map(({ store, item, count }) => ({ store, item, count })), rejected: reasons };
}

/** The current counts of these items (undefined: no such item), read strongly consistent. */
async function countsOf(session: Session, table: string, rows: { store: string; item: string }[], signal?: AbortSignal): Promise<Map<string, number | undefined>> {
  const dynamodb = await session.aws.client('dynamodb');
  const unique = [...new Map(rows.map((r) => [rowKey(r), r])).values()];
  const found = new Map<string, number | undefined>();
  for (let i = 0; i < unique.length; i += GET_BATCH) {
    let keys: Record<string, AttributeValue>[] = unique.slice(i, i + GET_BATCH).map((r) => ({ [TABLE_KEYS.partition]: { S: r.store }, [TABLE_KEYS.sort]: { S: r.item } }));
    for (let attempt = 0; keys.length; attempt++) {
      if (attempt >= READ_ATTEMPTS) throw new AwsFailure(`DynamoDB left ${keys.length} item(s) of ${table} unread ${READ_ATTEMPTS} times (throttling).`, 'Run the same command again in a moment.');
      if (attempt) await sleep(Math.min(2_000, 100 * 2 ** attempt), signal);
      const page = await dynamodb.batchGetItem(
        { RequestItems: { [table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: '#s, #i, #c', ExpressionAttributeNames: { '#s': TABLE_KEYS.partition, '#i': TABLE_KEYS.sort, '#c': TABLE_KEYS.count } } } },
        { abortSignal: signal },
      );
      for (const item of page.Responses?.[table] ?? []) {
        const n = Number(item[TABLE_KEYS.count]?.N);
        found.set(rowKey({ store: item[TABLE_KEYS.partition]?.S ?? '', item: item[TABLE_KEYS.sort]?.S ?? '' }), Number.isFinite(n) ? n : undefined);
      }
      // What DynamoDB did not get to (throttling) is asked for again.
      keys = (page.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, AttributeValue>[];
    }
  }
  return found;
}

/** A poc command to suggest, with the options that select this run's lab. */
const suggestion = (session: Session) => session.ctx.suggest ?? ((command: string) => `poc ${command}`);

function tableMissing(session: Session, names: InventoryNames, cause: unknown): AwsFailure {
  return new AwsFailure(`Table ${names.table} does not exist.`, `Build the lab first: \`${suggestion(session)(setupCommand({}, true))}\``, { cause });
}

/** The ids of the lines the two functions logged since then (lines the follow must not take for this upload's). */
async function loggedIds(session: Session, names: InventoryNames, since: number): Promise<Set<string>> {
  const [loaded, alerts] = await Promise.all([
    readLogEvents(session.ctx, names.loadLogGroup, since, LOADED_PATTERN),
    readLogEvents(session.ctx, names.checkLogGroup, since, ALERT_PATTERN),
  ]);
  return new Set([...(loaded ?? []), ...(alerts ?? [])].map((e) => e.id));
}

async function functionExists(session: Session, name: string): Promise<boolean> {
  const lambda = await session.aws.client('lambda');
  try {
    await lambda.getFunctionConfiguration({ FunctionName: name });
    return true;
  } catch (error) {
    if (hasCode(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
}

export async function upload(paths: string[], options: UploadOptions, deps: UploadDeps): Promise<UploadResult> {
  // Every file is read and checked before anything is sent (the session checks the global options).
  checkTimeoutHasWait(options);
  const timeoutSeconds = followTimeout(options.timeout);
  const files = paths.length ? paths : await sampleFiles();
  const parsed: Parsed[] = [];
  for (const path of files) parsed.push(await readInventoryFile(path));
  const twice = parsed.map((p) => p.key).filter((k, i, all) => all.indexOf(k) !== i);
  if (twice.length) throw new UsageError(`Two files would be uploaded as ${twice[0]}.`, 'Each file is stored under its name in the bucket: rename one, or upload them one at a time.');
  // Check-Stock mails every subscriber once per count that becomes 0: a big file of zeros
  // is hundreds of mails, which a person should choose to send (and SNS's email rate limits).
  const alerts = parsed.reduce((n, p) => n + p.rows.filter((r) => r.count === 0).length, 0);
  const tooMany = alerts > MANY_ALERTS && !options.yes;
  const manyAlerts = `This upload has ${alerts} items at 0: it would send up to ${alerts} out-of-stock alert emails to every subscriber of the lab's topic (none for an item already at 0).`;
  if (tooMany && !deps.confirm) {
    throw new UsageError(`${manyAlerts} That needs a confirmation, but nobody can answer here (no terminal). Nothing was uploaded.`, 'Add --yes to send them, or upload a file with fewer counts at 0.');
  }

  const session = await deps.session();
  const names = session.names as unknown as InventoryNames;
  const bucket = checkedBucketName(names.prefix, session);
  const base = { account: session.account, region: session.region, prefix: names.prefix, bucket };
  if (tooMany) {
    deps.progress?.(manyAlerts);
    if (!(await deps.confirm!(`Send up to ${alerts} alert emails?`))) return { ...base, files: [], cancelled: true, exitCode: EXIT.ok };
  }
  const allRows = parsed.flatMap((p) => p.rows);
  // Before the upload: which items are already at 0 (and so will not alert again).
  let before = new Map<string, number | undefined>();
  if (options.wait) {
    try {
      before = await countsOf(session, names.table, allRows, deps.signal);
    } catch (error) {
      if (hasCode(error, 'ResourceNotFoundException')) throw tableMissing(session, names, error);
      throw error;
    }
  }

  // The functions' lines already logged (an upload of the same file a minute ago) are not this upload's:
  // known by their event ids, which do not depend on this machine's clock agreeing with AWS's.
  const started = Date.now();
  const earlier = options.wait ? await loggedIds(session, names, started - LOOK_BACK_MS) : new Set<string>();
  const s3 = await session.aws.client('s3');
  const elapsed = () => Math.round((Date.now() - started) / 100) / 10;
  const uploaded: UploadedFile[] = [];
  for (const p of parsed) {
    try {
      const put = await s3.putObject({ Bucket: bucket, Key: p.key, Body: p.body, ContentType: 'text/csv', ExpectedBucketOwner: session.account }, { abortSignal: deps.signal });
      const zero = p.rows.filter((r) => r.count === 0);
      uploaded.push({
        file: p.path,
        key: p.key,
        rows: p.rows.length,
        rejected: p.rejected,
        zeroCounts: zero.map(label),
        ...(options.wait ? { alreadyZero: zero.filter((r) => before.get(rowKey(r)) === 0).map(label) } : {}),
        ...(put.VersionId ? { versionId: put.VersionId } : {}),
        ...(options.wait ? { hops: [{ name: 'stored', reached: true, seconds: elapsed(), detail: `s3://${bucket}/${p.key}${put.VersionId ? ` (version ${put.VersionId})` : ''}` }] } : {}),
      });
      deps.progress?.(`${p.key}: stored in s3://${bucket} (${elapsed()}s)`);
    } catch (error) {
      if (hasCode(error, 'NoSuchBucket')) {
        throw new AwsFailure(`The lab's bucket ${bucket} does not exist.`, `Build it first: \`${suggestion(session)(setupCommand({}, true))}\` (task 2 makes the bucket).`, { cause: error });
      }
      throw error;
    }
  }
  if (!options.wait) return { ...base, files: uploaded, exitCode: EXIT.ok };

  await follow(session, names, parsed, uploaded, { started, earlier }, timeoutSeconds, deps);
  const stuck = uploaded.flatMap((f) => (f.hops ?? []).filter((h) => !h.reached).slice(0, 1).map((h) => ({ f, h })));
  const first = stuck[0];
  return {
    ...base,
    files: uploaded,
    error:
      first &&
      new AwsFailure(
        // A hop with a detail failed (the function said why); one without was not reached in time.
        `${first.f.key}${stuck.length > 1 ? ` (and ${stuck.length - 1} other file${stuck.length > 2 ? 's' : ''})` : ''} ${first.h.detail ? `stopped at “${first.h.name}”: ${first.h.detail}` : `did not reach “${first.h.name}” within ${timeoutSeconds}s`}.`,
        first.h.hint,
      ),
    exitCode: first ? EXIT.failure : EXIT.ok,
  };
}

/** Follows every file at once, one log read per function a round, until each is through or the time is up. */
async function follow(
  session: Session,
  names: InventoryNames,
  parsed: Parsed[],
  files: UploadedFile[],
  { started, earlier }: { started: number; earlier: Set<string> },
  timeoutSeconds: number,
  deps: UploadDeps,
): Promise<void> {
  const { ctx } = session;
  const deadline = started + timeoutSeconds * 1000;
  const since = started - LOOK_BACK_MS;
  const linesOf = async (group: string, pattern: string) =>
    ((await readLogEvents(ctx, group, since, pattern)) ?? []).filter((e) => !earlier.has(e.id)).map((e) => loggedJson(e.message)).filter((j): j is Record<string, unknown> => j !== undefined);
  const elapsed = () => Math.round((Date.now() - started) / 100) / 10;
  const checkBuilt = await functionExists(session, names.checkFunction);
  const cmd = (command: string) => `\`${suggestion(session)(command)}\``;
  // The last file in the command that names an item sets its count.
  const finalCount = new Map<string, number>();
  for (const p of parsed) for (const r of p.rows) finalCount.set(rowKey(r), r.count);

  type Stage = 'loaded' | 'items' | 'alerts' | 'done' | 'failed';
  const state = files.map((f) => ({ f, stage: 'loaded' as Stage, hops: [...(f.hops ?? [])] }));
  const rowsOf = (key: string) => parsed.find((p) => p.key === key)!.rows;
  // The zero counts an alert is due for: those that were not 0 before and stay 0 after this command.
  const due = (f: UploadedFile) => rowsOf(f.key).filter((r) => r.count === 0 && finalCount.get(rowKey(r)) === 0 && !(f.alreadyZero ?? []).includes(label(r)));

  const hopNames = { loaded: `loaded by ${names.loadFunction}`, items: `items in ${names.table}`, alerts: `alerts from ${names.checkFunction}` };
  const hints = {
    loaded: `${names.loadFunction} has not logged the file. Check the bucket's event notification and the function's permission with ${cmd('status')}, and its log with ${cmd('logs 1')}.`,
    items: `${names.loadFunction} logged the file but its rows are not all in ${names.table}: ${cmd('logs 1')} shows why (for example a permission on the table).`,
    alerts: `The counts are in ${names.table} but ${names.checkFunction} has not alerted: check its stream trigger with ${cmd('status')} and its log with ${cmd('logs 2')}.`,
  };
  const reach = (s: (typeof state)[number], name: string, detail: string, next: Stage) => {
    s.hops.push({ name, reached: true, seconds: elapsed(), detail });
    s.stage = next;
    deps.progress?.(`${s.f.key}: ${name} (${elapsed()}s)`);
  };
  const fail = (s: (typeof state)[number], name: string, detail: string | undefined, hint: string) => {
    s.hops.push({ name, reached: false, detail, hint });
    s.stage = 'failed';
  };

  for (;;) {
    const open = state.filter((s) => s.stage !== 'done' && s.stage !== 'failed');
    if (!open.length) break;
    // Hop 2: the function's summary line for each file.
    if (open.some((s) => s.stage === 'loaded')) {
      const lines = (await linesOf(names.loadLogGroup, LOADED_PATTERN)).filter((j) => j.event === 'inventory-file-loaded');
      for (const s of open.filter((o) => o.stage === 'loaded')) {
        const line = lines.filter((j) => j.key === s.f.key && j.bucket !== undefined).pop();
        if (!line) continue;
        if (line.error) {
          fail(s, hopNames.loaded, `${names.loadFunction} could not load it: ${String(line.error)}`, `${cmd('logs 1')} shows the whole error; a permission it names is granted by ${cmd('setup')}.`);
          continue;
        }
        const rejected = Number(line.rowsRejected ?? 0);
        reach(s, hopNames.loaded, `${Number(line.rowsWritten ?? 0)} rows written${rejected ? `, ${rejected} rejected (see ${cmd('logs 1')})` : ''}`, 'items');
      }
    }
    // Hop 3: the rows, as the file has them, in the table.
    const loading = open.filter((s) => s.stage === 'items');
    if (loading.length) {
      let now: Map<string, number | undefined>;
      try {
        now = await countsOf(session, names.table, loading.flatMap((s) => rowsOf(s.f.key)), deps.signal);
      } catch (error) {
        if (hasCode(error, 'ResourceNotFoundException')) throw tableMissing(session, names, error);
        throw error;
      }
      for (const s of loading) {
        const rows = rowsOf(s.f.key);
        const there = rows.filter((r) => now.get(rowKey(r)) === finalCount.get(rowKey(r)));
        if (there.length === rows.length) reach(s, hopNames.items, `${rows.length} item${rows.length === 1 ? '' : 's'} with the file's counts`, 'alerts');
      }
    }
    // Hop 4: an alert for every count that became 0.
    const alerting = open.filter((s) => s.stage === 'alerts');
    if (alerting.length) {
      const lines = checkBuilt ? await linesOf(names.checkLogGroup, ALERT_PATTERN) : [];
      for (const s of alerting) {
        const wanted = due(s.f);
        const already = s.f.alreadyZero ?? [];
        const note = already.length ? `; no alert for ${already.join(', ')}: already 0 before this upload, and an unchanged item writes no stream record` : '';
        if (!wanted.length) {
          reach(s, hopNames.alerts, `${s.f.zeroCounts.length ? 'none due' : 'no count of 0 in the file'}${note}`, 'done');
          continue;
        }
        if (!checkBuilt) {
          reach(s, hopNames.alerts, `not followed: ${names.checkFunction} is not built yet (task 5); ${wanted.map(label).join(', ')} will alert once it is${note}`, 'done');
          continue;
        }
        const failed = lines.find((j) => j.event === 'stock-alert-failed' && wanted.some((r) => j.store === r.store && j.item === r.item));
        if (failed) {
          fail(s, hopNames.alerts, `${names.checkFunction} could not publish ${failed.store} / ${failed.item}: ${String(failed.error)} ${String(failed.message ?? '')}`.trim(), `Its role must allow sns:Publish on ${names.topic}: ${cmd('check 0')}, then ${cmd('setup')} repairs it.`);
          continue;
        }
        const sent = wanted.filter((r) => lines.some((j) => j.event === 'stock-alert-sent' && j.store === r.store && j.item === r.item));
        if (sent.length === wanted.length) reach(s, hopNames.alerts, `${someOf(wanted.map((r) => `${r.store} is out of stock of ${r.item}`))}${note}`, 'done');
      }
    }
    if (Date.now() >= deadline || deps.signal?.aborted) break;
    const waiting = state.filter((s) => s.stage !== 'done' && s.stage !== 'failed');
    if (!waiting.length) break;
    deps.progress?.(`waiting: ${waiting.map((s) => `${s.f.key} ${hopNames[s.stage as keyof typeof hopNames]}`).join(', ')} (${elapsed()}s)`);
    await sleep(POLL_MS, deps.signal).catch(() => {});
  }
  // What was not reached, and every hop after it.
  const order: (keyof typeof hopNames)[] = ['loaded', 'items', 'alerts'];
  for (const s of state) {
    if (s.stage === 'done') {
      s.f.hops = s.hops;
      continue;
    }
    const from = s.stage === 'failed' ? order.length : order.indexOf(s.stage as keyof typeof hopNames);
    if (s.stage !== 'failed') s.hops.push({ name: hopNames[order[from]!], reached: false, hint: hints[order[from]!] });
    const failedAt = s.stage === 'failed' ? order.findIndex((o) => hopNames[o] === s.hops[s.hops.length - 1]!.name) : from;
    for (const later of order.slice(failedAt + 1)) s.hops.push({ name: hopNames[later], reached: false, hint: hints[later] });
    s.f.hops = s.hops;
  }
}
