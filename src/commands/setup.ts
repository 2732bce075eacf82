// poc setup: tasks 1-8, created or repaired in dependency order; safe to run again.
import type { AnyResource, Ctx } from '../engine/resource.js';
import { applyAll, observation, observeAll, readAhead, type ResourceReport } from '../engine/walks.js';
import { AwsFailure, PocError, UsageError } from '../errors.js';
import { buildingTasks, taskTitles as titlesOf, type Lab, type LabTask } from '../labs/lab.js';
import { selectLab } from '../labs/index.js';
import type { StepAnswer } from '../ui/prompts.js';
import type { Reporter } from '../ui/reporter.js';
import { parseTaskList } from './task-args.js';
import { openSession, validateEmail, validateGlobals, validateRuntime, type Deps, type GlobalOptions } from './context.js';
import { firstError, outputsOf, toJson, type LabResult } from './results.js';
import { labInOtherRegion } from './other-region.js';
import { pocCommand, setupCommand, withoutRunAgain } from '../suggest.js';

export interface SetupOptions extends GlobalOptions {
  email?: string;
  runtime?: string;
  dryRun?: boolean;
  /** Teaching mode: explain and plan each task, then ask. */
  step?: boolean;
  only?: string;
  from?: string;
  to?: string;
}

export interface SetupDeps extends Deps {
  reporter: Reporter;
  /** Asks for the email address when a person is at the terminal; absent otherwise. */
  askEmail?: (question: string, validate?: (answer: string) => true | string) => Promise<string>;
  /** Asks what to do with a task in --step mode; absent when nobody can answer. */
  askStep?: (task: LabTask) => Promise<StepAnswer>;
  /** The explanation printed before a task in --step mode. */
  explain?: (task: number, ctx: Ctx, lab: Lab) => string | Promise<string>;
  /** Whether to read the tasks left out by --only/--from/--to, to say if the lab is complete (class setup does not). */
  readRest?: boolean;
}

/** Which of the lab's building tasks to run: --only 3,4 or --from 4 --to 6 (validated, before any AWS call). */
export function selectTasks(options: Pick<SetupOptions, 'only' | 'from' | 'to'>, lab: Lab = selectLab()): number[] {
  const BUILDING_TASKS = buildingTasks(lab);
  if (options.only !== undefined && (options.from !== undefined || options.to !== undefined)) {
    throw new UsageError('Use either --only or --from/--to, not both.', 'For example --only 3,4 or --from 4 --to 6.');
  }
  if (options.only !== undefined) return parseTaskList([options.only], BUILDING_TASKS, lab);
  const [from] = options.from !== undefined ? parseTaskList([options.from], BUILDING_TASKS, lab) : [BUILDING_TASKS[0]];
  const [to] = options.to !== undefined ? parseTaskList([options.to], BUILDING_TASKS, lab) : [BUILDING_TASKS[BUILDING_TASKS.length - 1]];
  if (from > to) throw new UsageError(`--from ${from} comes after --to ${to}.`, 'Give the first task with --from and the last with --to.');
  return BUILDING_TASKS.filter((t) => t >= from && t <= to);
}

export async function setup(options: SetupOptions, deps: SetupDeps): Promise<LabResult> {
  // Everything that can be checked without AWS is checked first: bad input changes nothing.
  const { lab, names } = validateGlobals(options);
  let email = validateEmail(options.email, lab);
  // No --runtime: new functions get the default, existing ones keep a supported runtime.
  const runtime = options.runtime === undefined ? undefined : validateRuntime(options.runtime, lab);
  const tasks = selectTasks(options, lab);
  if (options.step && !options.yes && !deps.askStep) {
    throw new UsageError('--step asks before each task, but nobody can answer here (no terminal).', 'Run it at a terminal, or add --yes to go through every step without asking.');
  }
  const { reporter } = deps;

  const session = await openSession(options, { ...deps, note: undefined }, { email, runtime });
  const { ctx } = session;
  reporter.info(`Account ${session.account} in ${session.region}${names.prefix ? `, prefix ${names.prefix}` : ''}`);
  const all = (await lab.load()).resources(names, session);
  const resources = all.filter((r) => tasks.includes(r.task));
  // What the walk will look at is read at once, with the policies the region check reads
  // and the subscription a re-run without --email looks for: one round of reads for all.
  // --step reads each task when it comes to it, after the earlier ones are built; a fixed
  // concurrency keeps the level-by-level walk.
  // The tasks left out (--only 1,2): read too, so that the result can say whether the lab
  // is complete beyond them, not only that the chosen ones are.
  const rest = deps.readRest === false || options.step ? [] : all.filter((r) => !tasks.includes(r.task) && buildingTasks(lab).includes(r.task));
  const wanted = all.filter((r) => resources.includes(r) || rest.includes(r) || r.type === 'iam-policy' || r.type === 'iam-role' || resources.some((s) => s.needs.includes(r.key)));
  const readings = options.step || ctx.concurrency !== undefined ? undefined : readAhead(wanted, ctx);
  const elsewhere = await labInOtherRegion(all, ctx, readings);
  if (elsewhere) {
    throw new UsageError(
      `A lab${names.prefix ? ` with prefix ${names.prefix}` : ''} already exists in ${elsewhere.region}: its IAM policies and roles (${elsewhere.policies.join(', ')}) name that region's resources, and IAM names are shared by every region, so setup here would rewrite them and break that lab. Nothing was changed.`,
      `Give this region's lab its own --prefix: \`${pocCommand({ ...options, prefix: names.prefix ? `${names.prefix}-${session.region}` : session.region }, setupCommand(options, true))}\`\nOr work on the existing lab: \`${pocCommand({ ...options, region: elsewhere.region }, 'status')}\``,
    );
  }

  if (!email && !options.dryRun && resources.some((r) => r.type === 'sns-subscription')) {
    // The first run needs an address; a re-run may keep the existing subscription.
    const subscription = resources.find((r) => r.type === 'sns-subscription')!;
    const existing = await observation(subscription, ctx, readings);
    if (!existing) {
      if (!deps.askEmail) {
        throw new UsageError(lab.settings.email?.missing ?? 'setup needs an email address for the subscription.', 'Pass --email you@example.com (it is only needed the first time).');
      }
      // A typo is asked again with the reason, as --email would refuse it.
      const reason = (answer: string) => {
        try {
          validateEmail(answer, lab);
          return true as const;
        } catch (error) {
          return (error as Error).message;
        }
      };
      email = validateEmail(await deps.askEmail(lab.settings.email?.prompt ?? 'Email address to subscribe:', reason), lab);
      ctx.settings.email = email;
    }
  }

  let reports: ResourceReport[];
  let stoppedAt: number | undefined;
  if (options.step) {
    ({ reports, stoppedAt } = await stepThrough(lab, tasks, resources, all, ctx, options, deps));
  } else {
    reporter.begin(resources, titlesOf(lab), options.dryRun ? 'Checking' : 'Ensuring');
    reports = options.dryRun ? await observeAll(resources, ctx, reporter, readings) : await applyAll(resources, ctx, reporter, all, readings);
    reporter.end();
  }

  const error = firstError(reports);
  const others = rest.length && !error ? await observeAll(rest, ctx, {}, readings) : [];
  return {
    account: session.account,
    region: session.region,
    prefix: names.prefix,
    ...outputsOf(lab, reports),
    resources: reports.map(toJson),
    ...(rest.length && !error
      ? { selected: tasks, incomplete: [...new Set(others.filter((r) => r.state !== 'present').map((r) => r.task))], ...(others.some((r) => r.type === 'sns-subscription' && r.state === 'missing') ? { needsEmail: true } : {}) }
      : {}),
    error:
      error &&
      new AwsFailure(
        `Setup stopped: ${error.message}`,
        `${withoutRunAgain(error.hint) ? `${withoutRunAgain(error.hint)}\n  ` : ''}What was built is kept: run \`${pocCommand(options, setupCommand(options))}\` again to continue where it stopped, or \`${pocCommand(options, 'cleanup')}\` to remove it.`,
      ),
    exitCode: error ? error.exitCode : 0,
    // Task 0 is a task too: "stopped before task 0" must not read as "not stopped".
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
  };
}

/** --step: for each task, its explanation and plan, then continue / skip / quit. */
async function stepThrough(lab: Lab, tasks: number[], resources: AnyResource[], all: AnyResource[], ctx: Ctx, options: SetupOptions, deps: SetupDeps) {
  const { reporter } = deps;
  const reports: ResourceReport[] = [];
  for (const number of tasks) {
    const task = lab.tasks.find((t) => t.number === number)!;
    const mine = resources.filter((r) => r.task === number);
    reporter.info(`\n── Task ${number}: ${task.title} ${'─'.repeat(Math.max(0, 60 - task.title.length))}`);
    if (deps.explain) reporter.info(await deps.explain(number, ctx, lab));
    // The plan is the same observe + diff as status, for this task only.
    const plan = await observeAll(mine, ctx);
    const todo = plan.filter((p) => p.state !== 'present');
    reporter.info(
      todo.length
        ? ['Plan:', ...todo.map((p) => `  ${p.state === 'missing' ? 'create' : 'repair'} ${p.type} ${p.name}${p.state === 'drifted' ? ` (${p.reasons.join('; ')})` : ''}`)].join('\n')
        : 'Plan: nothing to do, this task is already done.',
    );
    const answer: StepAnswer = options.yes || !todo.length ? 'continue' : await deps.askStep!(task);
    if (answer === 'quit') {
      reporter.info(`Stopped before task ${number}. Continue later with: ${pocCommand(options, `setup --step --from ${number}`)}`);
      reports.push(...skipped(resources.filter((r) => r.task >= number), 'you stopped here'));
      return { reports, stoppedAt: number };
    }
    if (answer === 'skip') {
      reports.push(...skipped(mine, 'you skipped this task'));
      continue;
    }
    reporter.begin(mine, titlesOf(lab), 'Ensuring');
    const done: ResourceReport[] = await applyAll(mine, ctx, reporter, all).catch((error: unknown) => {
      // A task whose prerequisite was skipped: keep what the earlier tasks built and say how to go on.
      if (!(error instanceof PocError)) throw error;
      const stop = new AwsFailure(error.message, `${error.hint ?? ''}\nThen continue with: \`${pocCommand(options, `setup --step --from ${number}`)}\``.trim());
      return mine.map((r) => ({ key: r.key, task: r.task, type: r.type, name: r.name, outcome: 'failed' as const, reasons: [error.message], error: stop }));
    });
    reporter.end();
    reports.push(...done);
    for (const r of done.filter((d) => !d.error && d.console)) reporter.info(`  ${r.name}: ${r.console}`);
    if (done.some((r) => r.error)) return { reports, stoppedAt: number };
  }
  return { reports, stoppedAt: undefined };
}

function skipped(resources: AnyResource[], why: string): ResourceReport[] {
  return resources.map((r) => ({ key: r.key, task: r.task, type: r.type, name: r.name, outcome: 'skipped' as const, reasons: [why] }));
}
