// poc class setup|status|check|cleanup: the single-student commands, run for every
// student at once. One client factory (one account, one region, one pacer for AWS's
// account-wide quotas) is shared by all; each student gets a walk context of their own
// (the command's own openSession), so one student's failure or drift never stops or
// touches another's.
import { setMaxListeners } from 'node:events';
import { createAws, type Aws } from '../aws/clients.js';
import { toPocError } from '../aws/errors.js';
import { aboutDuration, classQuotaTimeMs, inTurn, type PaceWait } from '../aws/pacing.js';
import { accountNames, discoverStudents, type FoundStudent } from '../class/discover.js';
import { parseStudents, type Student, type StudentOptions } from '../class/students.js';
import { EXIT, PocError, UsageError } from '../errors.js';
import { buildingTasks, type Lab } from '../labs/lab.js';
import type { Reporter } from '../ui/reporter.js';
import { check } from './check.js';
import { cleanup, type CleanupResult } from './cleanup.js';
import { openSession, validateGlobals, validateRuntime, type Deps, type GlobalOptions } from './context.js';
import { observation } from '../engine/walks.js';
import { pocCommand } from '../suggest.js';
import type { LabResult } from './results.js';
import { selectTasks, setup } from './setup.js';
import { status } from './status.js';

export interface ClassOptions extends GlobalOptions, StudentOptions {
  runtime?: string;
  only?: string;
  from?: string;
  to?: string;
  dryRun?: boolean;
}

export interface ClassDeps extends Deps {
  reporter: Reporter;
  /** Progress of one student's walk (src/ui/class-progress.ts). */
  studentReporter: (student: string) => Reporter;
  confirm?: (question: string) => Promise<boolean>;
  /** A long wait for an account quota (shown with what waits and about how long). */
  onPaceWait?: (wait: PaceWait) => void;
  /** For tests: the roster file's text. */
  readFile?: (file: string) => string;
}

export type CellState = 'passed' | 'failed' | 'not-started' | 'present' | 'missing' | 'drifted' | 'built' | 'skipped' | 'error';

export interface Cell {
  task: number;
  state: CellState;
  /** The first finding (check), the first difference (status) or the error (setup, a failed read). */
  reason?: string;
}

export interface StudentRow {
  student: string;
  cells: Cell[];
  /** The student's whole run failed (e.g. access denied): every cell says so too. */
  error?: { message: string; hint?: string };
}

export interface ClassGrid {
  command: 'setup' | 'status' | 'check';
  /** class setup --dry-run: the cells are the plan (present / missing / drifted), nothing was changed. */
  dryRun?: boolean;
  lab: string;
  account: string;
  region: string;
  tasks: { number: number; title: string }[];
  students: StudentRow[];
  /** With no list given: how each student was found. */
  discovered?: FoundStudent[];
  /** What the account's quotas alone make the run take, said before it starts (see expectedTime). */
  expected?: ExpectedTime;
  notes: string[];
  exitCode: number;
}

export interface ExpectedTime {
  /** Real milliseconds. */
  ms: number;
  why: string;
}

export interface ClassCleanupRow {
  student: string;
  found: number;
  deleted: number;
  /** What is still there, by name. */
  left: string[];
  /** Ctrl-C came after the last deletion but before the check that nothing is left. */
  unverified?: boolean;
  error?: { message: string; hint?: string };
}

export interface ClassCleanupResult {
  lab: string;
  account: string;
  region: string;
  dryRun: boolean;
  students: ClassCleanupRow[];
  discovered?: FoundStudent[];
  expected?: ExpectedTime;
  notes: string[];
  cancelled?: boolean;
  exitCode: number;
}

interface Class {
  lab: Lab;
  aws: Aws;
  account: string;
  region: string;
  students: Student[];
  discovered?: FoundStudent[];
  /** The account's names by kind, when discovery read them (see Discovery.listed). */
  listed?: Map<string, string[]>;
  notes: string[];
}

const errorJson = (e: PocError) => ({ message: e.message, ...(e.hint ? { hint: e.hint } : {}) });

/** The students, then the shared client factory; with no list, the class found in the account. */
async function openClass(
  options: ClassOptions,
  deps: ClassDeps,
  needList: boolean,
  pre?: (lab: Lab, students: Student[] | undefined) => void | Promise<void>,
): Promise<Class> {
  const { lab } = validateGlobals({ ...options, prefix: undefined });
  if (options.prefix) throw new UsageError('--prefix names one student; a class command takes the class.', 'Use --students alice,bob or --roster FILE (or, for status, check and cleanup, nothing: every student found in the account).');
  let students = parseStudents(options, lab, deps.readFile);
  if (!students && needList) throw new UsageError('class setup needs the class: who to build labs for.', 'Pass --students alice,bob,carol or --roster students.txt (one name a line).');
  await pre?.(lab, students);
  // Every student's walks wait on the one Ctrl-C signal: hundreds of listeners are expected.
  if (deps.signal) setMaxListeners(1000, deps.signal);
  const aws = deps.aws ?? (await createAws({ region: options.region, profile: options.profile, endpointUrl: options.endpointUrl, localStage: options.localStage, onCall: deps.onCall, signal: deps.signal }));
  if (deps.onPaceWait) aws.pacer?.onWait(deps.onPaceWait);
  const { account } = await aws.identity();
  const notes: string[] = [];
  let discovered: FoundStudent[] | undefined;
  let listed: Map<string, string[]> | undefined;
  if (!students) {
    const found = await discoverStudents(lab, aws, { account, region: aws.region }, (command) => pocCommand({ ...studentOptions(options, { prefix: '' }), prefix: undefined, lab: lab.id }, command));
    discovered = found.students;
    listed = found.listed;
    notes.push(...found.notes);
    students = found.students.map((s) => ({ prefix: s.prefix, email: options.email?.replaceAll('{student}', s.prefix) }));
    deps.reporter.info(`Found ${students.length} student(s) in ${account} ${aws.region}${students.length ? `: ${students.map((s) => s.prefix).join(', ')}` : ''}`);
  } else deps.reporter.info(`Account ${account} in ${aws.region}, ${students.length} student(s)`);
  return { lab, aws, account, region: aws.region, students, discovered, listed, notes };
}

/** One student's options: the class's, for that prefix (a hint from their walk then names them, not the class). */
function studentOptions<T extends ClassOptions>(options: T, s: Student): Omit<T, 'students' | 'roster'> & { prefix: string; email?: string } {
  const { students: _students, roster: _roster, ...rest } = options;
  return { ...rest, prefix: s.prefix, email: s.email };
}

/**
 * Runs every student's work at once, each student's calls in the class's order for the
 * account's quotas (inTurn); anything one throws is that student's, never the class's.
 */
async function each<T>(students: Student[], work: (s: Student) => Promise<T>): Promise<(T | PocError)[]> {
  return Promise.all(students.map((s, i) => inTurn(i, () => work(s)).catch((error: unknown) => toPocError(error, `Student ${s.prefix}`))));
}

function grid(c: Class, command: ClassGrid['command'], tasks: number[], rows: StudentRow[], passing: (cell: Cell) => boolean, failCode: number): ClassGrid {
  const complete = rows.length > 0 && rows.every((r) => !r.error && r.cells.every(passing));
  if (!rows.length) c.notes.push(`No student's ${c.lab.id} lab was found in account ${c.account}, ${c.region}; name the class with --students or --roster.`);
  return {
    command,
    lab: c.lab.id,
    account: c.account,
    region: c.region,
    tasks: tasks.map((n) => ({ number: n, title: c.lab.tasks.find((t) => t.number === n)!.title })),
    students: rows,
    ...(c.discovered ? { discovered: c.discovered } : {}),
    notes: c.notes,
    exitCode: complete ? EXIT.ok : failCode,
  };
}

function failedRow(student: string, tasks: number[], error: PocError): StudentRow {
  return { student, error: errorJson(error), cells: tasks.map((task) => ({ task, state: 'error', reason: error.message })) };
}

const sessionDeps = (c: Class, deps: ClassDeps) => ({ aws: c.aws, signal: deps.signal, onCall: deps.onCall, concurrency: deps.concurrency });

/** poc class check: students x tasks, passed / failed (with the first finding) / not started. */
export async function classCheck(options: ClassOptions, deps: ClassDeps): Promise<ClassGrid> {
  const c = await openClass(options, deps, false);
  const tasks = buildingTasks(c.lab);
  const results = await each(c.students, (s) => check([], studentOptions(options, s), sessionDeps(c, deps)));
  const rows = results.map((r, i): StudentRow => {
    const student = c.students[i].prefix;
    if (r instanceof PocError) return failedRow(student, tasks, r);
    return {
      student,
      cells: r.tasks.map((t) => ({ task: t.task, state: t.verdict, ...(t.verdict === 'failed' ? { reason: t.findings[0] } : {}) })),
    };
  });
  return grid(c, 'check', tasks, rows, (cell) => cell.state === 'passed', EXIT.incomplete);
}

/** poc class status: students x tasks, present / missing / drifted (with the first difference). */
export async function classStatus(options: ClassOptions, deps: ClassDeps): Promise<ClassGrid> {
  const c = await openClass(options, deps, false);
  const tasks = buildingTasks(c.lab);
  const results = await each(c.students, (s) => status(studentOptions(options, s), sessionDeps(c, deps)));
  const rows = results.map((r, i): StudentRow => {
    const student = c.students[i].prefix;
    if (r instanceof PocError) return failedRow(student, tasks, r);
    return {
      student,
      cells: tasks.map((task): Cell => {
        const mine = r.resources.filter((x) => x.task === task);
        const broken = mine.find((x) => x.error);
        if (broken) return { task, state: 'error', reason: `${broken.name}: ${broken.error!.message}` };
        if (mine.every((x) => x.state === 'present')) return { task, state: 'present' };
        if (mine.every((x) => x.state === 'missing')) return { task, state: 'missing' };
        const first = mine.find((x) => x.state !== 'present')!;
        return { task, state: 'drifted', reason: `${first.name}: ${first.reasons?.[0] ?? first.state}` };
      }),
    };
  });
  return grid(c, 'status', tasks, rows, (cell) => cell.state === 'present', EXIT.incomplete);
}

/**
 * What API Gateway's account-wide quotas alone make a class run take (CreateRestApi 1 every
 * 3 s and CreateDeployment 1 every 5 s for the labs without an API yet; DeleteRestApi 1
 * every 30 s for those with one), told to the instructor before it starts when it is long
 * enough to matter. One read: the account's REST APIs (none when discovery just read them). A lab without an API has none.
 */
async function expectedTime(c: Class, deps: ClassDeps, kind: 'setup' | 'cleanup'): Promise<ExpectedTime | undefined> {
  const scale = c.aws.pacer?.timeScale;
  if (!scale) return undefined;
  const parts = await c.lab.load();
  const names = c.students.map((s) => parts.resources(c.lab.names(s.prefix), c).find((r) => r.type === 'rest-api')?.name).filter((n): n is string => n !== undefined);
  if (!names.length) return undefined;
  let existing: Set<string>;
  try {
    existing = new Set(c.listed?.get('rest-api') ?? (await accountNames(c.aws, 'rest-api')));
  } catch {
    return undefined; // only an estimate: the run itself says what it cannot read
  }
  const n = names.filter((name) => (kind === 'setup' ? !existing.has(name) : existing.has(name))).length;
  const apis = `${n} ${n === 1 ? 'API' : 'APIs'}`;
  const expected =
    kind === 'setup'
      ? { ms: classQuotaTimeMs('setup', n, scale), why: `API Gateway creates one API every 3 s and deploys one every 5 s per account: ${apis} to build` }
      : { ms: classQuotaTimeMs('cleanup', n, scale), why: `API Gateway deletes one API every 30 s per account: ${apis} to delete` };
  // Worth saying once it is over half a minute.
  if (expected.ms < 30_000 * scale) return undefined;
  deps.reporter.info(`${expected.why}, so this takes ${aboutDuration(expected.ms / scale)} or more${scale === 1 ? '' : ` (x${scale} here: ${aboutDuration(expected.ms)})`}.`);
  return expected;
}

/** poc class setup: builds (or repairs) the chosen tasks for every student. */
export async function classSetup(options: ClassOptions, deps: ClassDeps): Promise<ClassGrid> {
  let tasks: number[] = [];
  let subscribing = false;
  const c = await openClass(options, deps, true, async (lab) => {
    // No --runtime: as setup, a new function gets the lab's default and an existing one keeps its supported runtime.
    if (options.runtime !== undefined) validateRuntime(options.runtime, lab);
    tasks = selectTasks(options, lab);
    // Which tasks subscribe an address is the lab's resources' business (no AWS call to read them).
    const resources = (await lab.load()).resources(lab.names(''), { account: '000000000000', region: 'us-east-1' });
    subscribing = lab.settings.email !== undefined && resources.some((r) => r.type === 'sns-subscription' && tasks.includes(r.task));
  });
  // The same rule as setup's: an address is needed only where the lab has no subscription
  // yet, and the class's --email (a template or one address for all) is for those labs; a
  // student already subscribed keeps their address, as setup without --email does. An
  // address on the student's roster line is theirs, as setup --email is. Read before any
  // change, so that a missing address changes nothing for anyone.
  if (subscribing) {
    const subscribed = await Promise.all(c.students.map((s) => hasSubscription(c, s, options, deps)));
    c.students = c.students.map((s, i) => (subscribed[i] && !s.fromRoster ? { ...s, email: undefined } : s));
    const without = c.students.filter((s, i) => !subscribed[i] && !s.email).map((s) => s.prefix);
    if (without.length && !options.dryRun) {
      throw new UsageError(
        `${c.lab.settings.email!.missing} No address for ${without.join(', ')} (no subscription in ${without.length > 1 ? 'their labs' : 'the lab'} yet).`,
        'Pass --email instructor@example.com (or --email "instructor+{student}@example.com"), or put each address after the name in the roster.',
      );
    }
  }
  const expected = options.dryRun ? undefined : await expectedTime(c, deps, 'setup');
  const results = await each(c.students, (s) =>
    setup({ ...studentOptions(options, s), yes: true, step: false }, { ...sessionDeps(c, deps), reporter: deps.studentReporter(s.prefix), readRest: false }),
  );
  const dryRun = options.dryRun === true;
  const rows = results.map((r, i): StudentRow => {
    const student = c.students[i].prefix;
    if (r instanceof PocError) return failedRow(student, tasks, r);
    return { student, cells: tasks.map((task) => setupCell(task, r, dryRun)), ...(r.error ? { error: errorJson(r.error) } : {}) };
  });
  // A dry run is a plan: it succeeds when every student's lab could be read.
  const done = (cell: Cell) => (dryRun ? cell.state !== 'failed' && cell.state !== 'error' : cell.state === 'built' || cell.state === 'present');
  return { ...grid(c, 'setup', tasks, rows, done, EXIT.failure), ...(dryRun ? { dryRun } : {}), ...(expected ? { expected } : {}) };
}

/** Whether the student's lab already has an email subscription (read-only; what setup looks for before it needs --email). */
async function hasSubscription(c: Class, s: Student, options: ClassOptions, deps: ClassDeps): Promise<boolean> {
  const session = await openSession(studentOptions(options, s), sessionDeps(c, deps), {}, { clients: ['sns'], artifacts: false });
  const subscription = (await c.lab.load()).resources(session.names, session).find((r) => r.type === 'sns-subscription');
  return subscription !== undefined && (await observation(subscription, session.ctx)) !== undefined;
}

function setupCell(task: number, r: LabResult, dryRun: boolean): Cell {
  const mine = r.resources.filter((x) => x.task === task);
  const failed = mine.find((x) => x.outcome === 'failed');
  if (failed) return { task, state: 'failed', reason: `${failed.name}: ${failed.error?.message ?? failed.reasons?.[0] ?? 'failed'}` };
  if (dryRun) {
    const todo = mine.find((x) => x.state !== 'present');
    return todo ? { task, state: todo.state === 'missing' ? 'missing' : 'drifted', reason: `${todo.name}: ${todo.reasons?.[0] ?? ''}` } : { task, state: 'present' };
  }
  const skipped = mine.find((x) => x.outcome === 'skipped');
  if (skipped) return { task, state: 'skipped', reason: `${skipped.name}: ${skipped.reasons?.[0] ?? 'not attempted'}` };
  return { task, state: 'built' };
}

/** poc class cleanup: every student's lab removed, each verified empty; resumable. */
export async function classCleanup(options: ClassOptions, deps: ClassDeps): Promise<ClassCleanupResult> {
  const c = await openClass(options, deps, false, () => {
    if (!options.dryRun && !options.yes && !deps.confirm) {
      throw new UsageError('class cleanup deletes every student’s lab and needs a confirmation, but nobody can answer here (no terminal).', 'Add --yes to confirm, or --dry-run to only list what would be deleted.');
    }
  });
  const base = { lab: c.lab.id, account: c.account, region: c.region, dryRun: options.dryRun === true, ...(c.discovered ? { discovered: c.discovered } : {}), notes: c.notes };
  const one = (s: Student, extra: object, reporter: Reporter) =>
    cleanup({ ...studentOptions(options, s), ...extra }, { ...sessionDeps(c, deps), reporter });
  const row = (student: string, r: CleanupResult | PocError): ClassCleanupRow =>
    r instanceof PocError
      ? { student, found: 0, deleted: 0, left: [], error: errorJson(r) }
      : { student, found: r.found.length, deleted: r.deleted.length, left: r.remaining.map((x) => x.name), ...(r.unverified ? { unverified: true } : {}), ...(r.error ? { error: errorJson(r.error) } : {}) };

  if (options.dryRun || !options.yes) {
    // What would go, per student (read-only), for the dry run or for the one question.
    const quiet = deps.studentReporter('');
    const plans = await each(c.students, (s) => one(s, { dryRun: true }, quiet));
    const rows = plans.map((p, i) => {
      const r = row(c.students[i].prefix, p);
      return { ...r, left: p instanceof PocError ? [] : p.found.map((x) => x.name) };
    });
    const total = rows.reduce((n, r) => n + r.found, 0);
    if (options.dryRun || total === 0) return { ...base, students: rows, exitCode: rows.some((r) => r.error) ? EXIT.failure : EXIT.ok };
    deps.reporter.info(rows.filter((r) => r.found).map((r) => `  ${r.student.padEnd(16)} ${r.found} resource(s)`).join('\n'));
    if (!(await deps.confirm!(`Delete ${total} resources of ${rows.filter((r) => r.found).length} student(s)?`))) {
      return { ...base, students: rows, cancelled: true, exitCode: EXIT.ok };
    }
  }
  const expected = await expectedTime(c, deps, 'cleanup');
  const results = await each(c.students, (s) => one(s, { yes: true, dryRun: false }, deps.studentReporter(s.prefix)));
  const rows = results.map((r, i) => row(c.students[i].prefix, r));
  const clean = rows.every((r) => !r.error && !r.left.length && !r.unverified);
  // Ctrl-C: 130 unless every student's cleanup had finished and been checked anyway.
  return { ...base, ...(expected ? { expected } : {}), students: rows, exitCode: clean ? EXIT.ok : deps.signal?.aborted ? EXIT.interrupted : EXIT.failure };
}
