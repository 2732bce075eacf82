// The only code that writes progress to the terminal. Progress and diagnostics go to
// stderr (results go to stdout, printed by the CLI), so `poc status --json | jq` works.
// On a terminal: one spinner naming what is being worked on; elsewhere (pipes, CI):
// plain lines. Either way, finished tasks are printed whole and in task order, even
// when the engine works on several tasks at once. With --json: nothing at all.
import type { AwsCall } from '../aws/clients.js';
import type { AnyResource } from '../engine/resource.js';
import type { ResourceReport, WalkEvents } from '../engine/walks.js';
import { outcomeLine, style } from './format.js';

export interface Reporter extends WalkEvents {
  /** Announces a walk over these resources, grouped by task, tasks in the order first listed. */
  begin(resources: AnyResource[], taskTitles: Record<number, string>, verb: string): void;
  /** Ends the walk: prints whatever is still buffered and stops the spinner. */
  end(): void;
  info(text: string): void;
  warn(text: string): void;
  call(call: AwsCall): void;
}

export interface ReporterOptions {
  json?: boolean;
  verbose?: boolean;
  stream?: NodeJS.WriteStream;
  /** Force plain lines (tests, CI) even on a terminal. */
  plain?: boolean;
}

interface Spinner {
  text: string;
  start(): Spinner;
  stop(): Spinner;
  clear(): Spinner;
}

export async function createReporter(options: ReporterOptions = {}): Promise<Reporter> {
  const stream = options.stream ?? process.stderr;
  const quiet = options.json === true;
  const interactive = !quiet && !options.plain && stream.isTTY === true && !process.env.CI;
  let spinner: Spinner | undefined;
  if (interactive) {
    const { default: ora } = await import('ora');
    spinner = ora({ stream, discardStdin: false }) as unknown as Spinner;
  }
  const s = style(stream);

  let tasks: number[] = [];
  let titles: Record<number, string> = {};
  let verb = '';
  const members = new Map<number, AnyResource[]>();
  const reports = new Map<string, ResourceReport>();
  const active = new Map<string, string>();
  let printedUpTo = -1;

  const write = (line: string) => {
    if (quiet) return;
    if (spinner) {
      spinner.clear();
      stream.write(`${line}\n`);
      refresh();
    } else stream.write(`${line}\n`);
  };

  function refresh() {
    if (!spinner) return;
    if (!active.size) {
      spinner.stop();
      return;
    }
    const [first] = active.values();
    spinner.text = active.size > 1 ? `${first} (+${active.size - 1} more)` : first;
    spinner.start();
  }

  function flush(all = false) {
    while (printedUpTo + 1 < tasks.length) {
      const task = tasks[printedUpTo + 1];
      const rs = members.get(task) ?? [];
      const done = rs.every((r) => reports.has(r.key));
      if (!done && !all) break;
      // The mark says what happened to the task: ✔ only when every resource of it is done.
      const mine = rs.map((r) => reports.get(r.key));
      const outcomes = mine.map((r) => r?.outcome);
      const failed = outcomes.includes('failed');
      const notDone = !done || outcomes.includes('skipped');
      const toDo = mine.some((r) => r?.state === 'missing' || r?.state === 'drifted');
      const mark = failed ? s.bad('✖') : notDone ? s.dim('·') : toDo ? s.warn('○') : s.good('✔');
      const header = `${mark} ${s.bold(`Task ${task}`)} ${titles[task] ?? ''}`;
      write(header);
      for (const r of rs) {
        const report = reports.get(r.key);
        if (report) write(outcomeLine(report, s));
      }
      printedUpTo++;
    }
  }

  return {
    begin(resources, taskTitles, walkVerb) {
      titles = taskTitles;
      verb = walkVerb;
      members.clear();
      reports.clear();
      for (const r of resources) members.set(r.task, [...(members.get(r.task) ?? []), r]);
      // Tasks are printed in the order the walk lists them (cleanup lists them in reverse).
      tasks = [...members.keys()];
      printedUpTo = -1;
    },
    start(resource) {
      active.set(resource.key, `${verb} ${resource.type} ${resource.name}`);
      refresh();
    },
    note(resource, text) {
      active.set(resource.key, `${resource.name}: ${text}`);
      if (spinner) refresh();
      else write(s.dim(`  … ${resource.name}: ${text}`));
    },
    done(resource, report) {
      active.delete(resource.key);
      reports.set(resource.key, report);
      flush();
      refresh();
    },
    end() {
      active.clear();
      flush(true);
      spinner?.stop();
    },
    info: (text) => write(text),
    warn: (text) => write(s.warn(`! ${text}`)),
    call(call) {
      if (options.verbose) write(s.dim(`  aws ${call.service} ${call.operation}${call.mutating ? ' (changes)' : ''}`));
    },
  };
}
