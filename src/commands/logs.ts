// poc logs [N]: the lab's functions' CloudWatch logs, newest last; --follow keeps polling.
import { sleep } from '../aws/retry.js';
import { UsageError } from '../errors.js';
import { selectLab } from '../labs/index.js';
import type { Lab } from '../labs/lab.js';
import { readLogEvents, type LogEvent } from '../resources/log-group.js';
import { openSession, validateGlobals, type Deps, type GlobalOptions } from './context.js';

export interface LogsOptions extends GlobalOptions {
  since?: string;
  follow?: boolean;
}

export interface LogLine extends LogEvent {
  function: string;
}

export interface LogsDeps extends Deps {
  /** Receives lines as they are found (all at once, then more with --follow). */
  print: (lines: LogLine[]) => void;
  /** Says a function has no log lines (yet). */
  notice: (text: string) => void;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const FOLLOW_POLL_MS = 2_000;
/** While following a function that has not logged: how often to say it is still waited for. */
const STILL_WAITING_MS = 60_000;

export function parseSince(text: string | undefined): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text ?? '10m');
  if (!match || Number(match[1]) === 0) throw new UsageError(`--since "${text}" is not a duration.`, 'Use a number and a unit: 30s, 10m, 2h or 1d.');
  const ms = Number(match[1]) * UNITS[match[2]];
  if (ms > 30 * UNITS.d) throw new UsageError(`--since ${text} is more than 30 days back.`, 'Use at most 30d (the log groups poc makes keep 7 days; one Lambda made by itself keeps everything).');
  return ms;
}

/** Which of the lab's functions, by position from 1 (the order lab's POC-Lambda-1 and -2), or by its own name. */
export function parseFunctionChoice(choice: string | undefined, lab: Lab = selectLab()): number[] {
  const all = lab.functions.map((_, i) => i + 1);
  if (choice === undefined) return all;
  if (all.map(String).includes(choice)) return [Number(choice)];
  // The function's own name works too (with or without the prefix).
  const named = lab.functions.findIndex((f) => choice.toLowerCase() === f.baseName.toLowerCase() || choice.toLowerCase().endsWith(`-${f.baseName.toLowerCase()}`));
  if (named >= 0) return [named + 1];
  const each = lab.functions.map((f, i) => `${i + 1} for ${f.baseName} (${f.role})`).join(', ');
  throw new UsageError(`"${choice}" is not one of the lab's functions.`, `Use ${each}, or leave it out for ${all.length === 2 ? 'both' : 'all'}.`);
}

export async function logs(choice: string | undefined, options: LogsOptions, deps: LogsDeps): Promise<{ lines: LogLine[]; exitCode: number }> {
  const { lab, names } = validateGlobals(options);
  const which = parseFunctionChoice(choice, lab);
  const sinceMs = parseSince(options.since);
  const session = await openSession(options, deps, {}, { clients: ['logs'] });
  const targets = which.map((n) => lab.functions[n - 1]).map((f) => ({ fn: f.name(names), group: f.logGroup(names) }));

  let start = Date.now() - sinceMs;
  const seen = new Set<string>();
  const all: LogLine[] = [];
  /** Functions without lines yet, with when they were last said to be waited for. */
  const silent = new Map<string, number>();
  for (let round = 0; ; round++) {
    const found = await Promise.all(targets.map(async (t) => ({ t, events: await readLogEvents(session.ctx, t.group, start) })));
    const fresh: LogLine[] = [];
    for (const { t, events } of found) {
      if (round === 0 && !events?.length && !silent.has(t.fn)) {
        silent.set(t.fn, Date.now());
        const waiting = options.follow ? ' Waiting for its first lines (Ctrl-C stops).' : '';
        deps.notice(`${t.fn} has not run${events ? '' : ' yet (it has no log group)'}: no log lines in the last ${options.since ?? '10m'}.${waiting}`);
      } else if (silent.has(t.fn) && events?.length) {
        // Following, a silence said at the start is ended in words, so nobody wonders which function spoke.
        silent.delete(t.fn);
        deps.notice(`${t.fn} has logged: its lines follow.`);
      } else if (silent.has(t.fn) && Date.now() - silent.get(t.fn)! >= STILL_WAITING_MS) {
        silent.set(t.fn, Date.now());
        deps.notice(`Still waiting for ${t.fn}'s first log lines (Ctrl-C stops).`);
      }
      for (const e of events ?? []) if (!seen.has(e.id)) fresh.push({ ...e, function: t.fn });
    }
    fresh.sort((a, b) => a.timestamp - b.timestamp);
    for (const e of fresh) seen.add(e.id);
    if (fresh.length) {
      all.push(...fresh);
      deps.print(fresh);
      // Lines can arrive late and out of order; look back a little and rely on `seen`.
      start = Math.max(start, fresh[fresh.length - 1].timestamp - 60_000);
    }
    if (!options.follow || deps.signal?.aborted) break;
    try {
      await sleep(FOLLOW_POLL_MS, deps.signal);
    } catch {
      break;
    }
  }
  return { lines: all, exitCode: 0 };
}
