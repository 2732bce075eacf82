// Progress of a class: one line per student and finished task ("alice  ✔ task 3 SQS
// queue"), the notes of each student's walk, and the long waits for an account quota
// with what is waited for and about how long. Everything goes through the run's
// reporter, so --json stays one document and pipes get plain lines.
import type { PaceWait } from '../aws/pacing.js';
import { aboutDuration } from '../aws/pacing.js';
import type { AnyResource } from '../engine/resource.js';
import type { ResourceReport } from '../engine/walks.js';
import { style } from './format.js';
import type { Reporter } from './reporter.js';

export function studentReporters(parent: Reporter, width = 12): (student: string) => Reporter {
  const s = style(process.stderr);
  return (student) => {
    const silent = student === '';
    const who = student.padEnd(width);
    const members = new Map<number, string[]>();
    const reports = new Map<string, ResourceReport>();
    let titles: Record<number, string> = {};
    const line = (text: string) => {
      if (!silent) parent.info(`${who} ${text}`);
    };
    return {
      begin(resources: AnyResource[], taskTitles: Record<number, string>) {
        titles = taskTitles;
        members.clear();
        reports.clear();
        for (const r of resources) members.set(r.task, [...(members.get(r.task) ?? []), r.key]);
      },
      start() {},
      note(resource: AnyResource, text: string) {
        line(s.dim(`… ${resource.name}: ${text}`));
      },
      done(resource: AnyResource, report: ResourceReport) {
        reports.set(resource.key, report);
        const keys = members.get(resource.task) ?? [];
        if (!keys.every((k) => reports.has(k))) return;
        const mine = keys.map((k) => reports.get(k)!);
        const failed = mine.find((r) => r.outcome === 'failed');
        const worked = mine.filter((r) => r.outcome !== 'skipped').length;
        // ✔ only for a task wholly done: one stopped part-way (Ctrl-C) says so, as the summary will.
        const mark = failed ? s.bad('✖') : worked === mine.length ? s.good('✔') : s.dim('·');
        const why = failed ? `: ${failed.error?.message ?? failed.reasons[0] ?? ''}` : worked === mine.length ? '' : worked ? ` (stopped part-way: ${worked} of ${mine.length} done)` : ' (not attempted)';
        line(`${mark} task ${resource.task} ${titles[resource.task] ?? ''}${why}`);
      },
      end() {},
      info(text: string) {
        // Each student's command opens with its account and region; the class says it once.
        if (!/^Account /.test(text)) line(text);
      },
      warn(text: string) {
        if (!silent) parent.warn(`${student}: ${text}`);
      },
      call: (call) => parent.call(call),
    };
  };
}

/** "API Gateway: deleting 12 APIs (1 call every 30 s for the account): about 6 minutes". */
export function paceWaitLine(wait: PaceWait): string {
  const q = wait.quota;
  const rate = q.count === 1 ? `1 call every ${q.seconds} s` : `${q.count} calls every ${q.seconds === 1 ? 'second' : `${q.seconds} s`}`;
  return `${wait.serviceLabel}: ${wait.doing} (its quota: ${rate} for the whole account): ${aboutDuration(wait.etaMs)}`;
}
