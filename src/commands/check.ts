// poc check [task ...]: grades a lab built by hand against the guide, task by task.
// It is the observe walk with each resource's lenient grading (see Resource.check).
import { checkAll, type Verdict } from '../engine/walks.js';
import { EXIT } from '../errors.js';
import { buildingTasks } from '../labs/lab.js';
import { openSession, validateEmail, validateGlobals, type Deps, type GlobalOptions } from './context.js';
import { parseTaskList } from './task-args.js';

export interface CheckOptions extends GlobalOptions {
  email?: string;
}

export interface CheckedTask {
  task: number;
  title: string;
  passed: boolean;
  /** Anything of the task exists (see TaskGrade.started). */
  started: boolean;
  /** passed, failed (something of it exists), or not-started: what `class check` shows too. */
  verdict: Verdict;
  findings: string[];
  warnings: string[];
}

export interface CheckResult {
  account: string;
  region: string;
  prefix: string;
  tasks: CheckedTask[];
  exitCode: number;
}

export async function check(taskArgs: string[], options: CheckOptions, deps: Deps): Promise<CheckResult> {
  const { lab, names } = validateGlobals(options);
  const building = buildingTasks(lab);
  const wanted = taskArgs.length ? parseTaskList(taskArgs, building, lab) : building;
  // The same address rules as setup: a typo is bad input (exit 2), not a failing grade.
  const email = validateEmail(options.email, lab);
  const session = await openSession(options, deps, { email }, { artifacts: false });
  // Everything is observed: a task's grade may depend on another's (the queue's access
  // policy can grant a role what its own policies do not).
  const grades = await checkAll((await lab.load()).resources(names, session), session.ctx);
  const tasks = grades
    .filter((g) => wanted.includes(g.task))
    .map((g) => ({ task: g.task, title: lab.tasks.find((t) => t.number === g.task)!.title, passed: g.passed, started: g.started, verdict: g.verdict, findings: g.findings, warnings: g.warnings }));
  return {
    account: session.account,
    region: session.region,
    prefix: names.prefix,
    tasks,
    exitCode: tasks.every((t) => t.passed) ? EXIT.ok : EXIT.incomplete,
  };
}
