// The three walks every command is made of: observe (status, check, dry-run), apply
// (setup) and destroy (cleanup). They know nothing of any one kind of resource.
import { isAlreadyExists, toPocError } from '../aws/errors.js';
import { AwsFailure, type PocError } from '../errors.js';
import { NotAttempted, runGraph, type NodeResult } from './graph.js';
import type { AnyResource, Ctx, DestroyOutcome, Detail, Outcome } from './resource.js';

export type PresenceState = 'present' | 'missing' | 'drifted';

export interface ResourceReport {
  key: string;
  task: number;
  type: string;
  name: string;
  id?: string;
  outcome?: Outcome | DestroyOutcome | 'failed' | 'skipped';
  state?: PresenceState;
  /** Why it differs (observe), or what was changed (apply). */
  reasons: string[];
  details?: Detail;
  /** The kind's one line about it (status), and where it is in the console. */
  summary?: string;
  console?: string;
  error?: PocError;
}

export interface WalkEvents {
  start?(resource: AnyResource): void;
  note?(resource: AnyResource, text: string): void;
  done?(resource: AnyResource, report: ResourceReport): void;
}

function reportOf(resource: AnyResource, extra: Partial<ResourceReport>): ResourceReport {
  return { key: resource.key, task: resource.task, type: resource.type, name: resource.name, reasons: [], ...extra };
}

function forResource(ctx: Ctx, resource: AnyResource, events: WalkEvents): Ctx {
  return { ...ctx, note: (text) => events.note?.(resource, text) };
}

/** What a kind says about one of its resources as observed: id, details, summary, console link. */
function described(resource: AnyResource, ctx: Ctx, observed: unknown): Partial<ResourceReport> {
  return {
    id: resource.id(observed),
    details: resource.details?.(observed),
    summary: resource.summary?.(observed),
    console: resource.consoleLink?.(ctx.region, observed),
  };
}

/** Compares one resource with what it should be; its observed state must already be in ctx.state. */
function compare(resource: AnyResource, ctx: Ctx, observed: unknown): ResourceReport {
  if (observed === undefined) return reportOf(resource, { state: 'missing', reasons: ['does not exist'] });
  const reasons = resource.diff(resource.desired(ctx), observed).map((r) => r.text);
  return reportOf(resource, {
    state: reasons.length ? 'drifted' : 'present',
    reasons,
    ...described(resource, ctx, observed),
  });
}

/**
 * Observations started ahead of a walk, every resource at once (they are independent
 * reads), so that the checks a command makes before it changes anything (another region's
 * lab, an existing subscription) and the walk itself share one round of reads. Each
 * reading notes what of the walk's state and shared reads (readOnce) it looked at: it
 * still holds while none of that has changed, however much else the walk has built.
 */
export type Readings = Map<string, Reading>;

export interface Reading {
  value: Promise<unknown>;
  /** Whether the reading still tells what the resource looks like; `needsUnchanged` decides for one that looked at the whole state. */
  holds(ctx: Ctx, needsUnchanged?: boolean): boolean;
}

export function readAhead(resources: AnyResource[], ctx: Ctx): Readings {
  return new Map(resources.map((r) => [r.key, startReading(r, ctx)]));
}

function startReading(resource: AnyResource, ctx: Ctx): Reading {
  const states = new Map<string, unknown>();
  const shared = new Map<string, Promise<unknown>>();
  let wholeState = false;
  const watch = <V>(map: Map<string, V>, seen: Map<string, V>, onWhole: () => void) =>
    new Proxy(map, {
      get(target, prop) {
        if (prop === 'get' || prop === 'has') {
          return (key: string) => {
            const value = target.get(key);
            seen.set(key, value as V);
            return prop === 'get' ? value : target.has(key);
          };
        }
        if (prop === 'set') {
          return (key: string, value: V) => {
            seen.set(key, value);
            return target.set(key, value);
          };
        }
        if (prop === 'values' || prop === 'entries' || prop === 'keys' || prop === 'forEach' || prop === Symbol.iterator) onWhole();
        const member = Reflect.get(target, prop, target);
        return typeof member === 'function' ? member.bind(target) : member;
      },
    });
  const value = resource.observe({
    ...ctx,
    note: () => {},
    state: watch(ctx.state, states, () => (wholeState = true)),
    reads: watch(ctx.reads, shared, () => {}),
  });
  value.catch(() => undefined);
  return {
    value,
    holds: (now, needsUnchanged = true) =>
      (!wholeState || needsUnchanged) &&
      [...states].every(([key, v]) => now.state.get(key) === v) &&
      [...shared].every(([key, p]) => now.reads.get(key) === p),
  };
}

/** A resource's observation: the reading ahead when it still holds, else a new one. */
export function observation(resource: AnyResource, ctx: Ctx, readings?: Readings): Promise<unknown> {
  const reading = readings?.get(resource.key);
  return reading?.holds(ctx) ? reading.value : resource.observe(ctx);
}

/** Read-only: every resource observed at once (they are independent reads), then compared. */
export async function observeAll(resources: AnyResource[], ctx: Ctx, events: WalkEvents = {}, readings?: Readings): Promise<ResourceReport[]> {
  const results = await runGraph(
    resources.map((r) => r.key),
    () => [],
    async (key) => {
      const r = resources.find((x) => x.key === key)!;
      events.start?.(r);
      try {
        const o = await observation(r, forResource(ctx, r, events), readings);
        if (o !== undefined) ctx.state.set(r.key, o);
        return { o };
      } catch (error) {
        return { error: toPocError(error, `Reading ${r.type} ${r.name}`) };
      }
    },
    undefined,
    ctx.concurrency,
  );
  return resources.map((r) => {
    const result = results.get(r.key)!;
    const { o, error } = (result.status === 'done' ? result.value : {}) as { o?: unknown; error?: PocError };
    const report = error ? reportOf(r, { outcome: 'failed', error, reasons: [error.message] }) : compare(r, ctx, o);
    events.done?.(r, report);
    return report;
  });
}

/** A task's grade in one word, the same for `check` and `class check`. */
export type Verdict = 'passed' | 'failed' | 'not-started';

export interface TaskGrade {
  task: number;
  passed: boolean;
  /** Something of the task exists (or could not be read): "failed" rather than "not started". */
  started: boolean;
  verdict: Verdict;
  findings: string[];
  warnings: string[];
}

/** `poc check`: observe everything, then grade each resource, and each task by its resources. */
export async function checkAll(resources: AnyResource[], ctx: Ctx): Promise<TaskGrade[]> {
  const reports = await observeAll(resources, ctx);
  const grades = await Promise.all(
    resources.map(async (r, i) => {
      const report = reports[i];
      if (report.error) return { findings: [`${r.name}: could not be read (${report.error.message})`], warnings: [] };
      const observed = ctx.state.get(r.key);
      if (observed === undefined) {
        const text = `${r.name} does not exist`;
        return r.beyondGuide ? { findings: [], warnings: [`${text}: ${r.beyondGuide}.`] } : { findings: [`${text}.`], warnings: [] };
      }
      const desired = r.desired(ctx);
      if (r.check) return r.check(ctx, desired, observed);
      const reasons = r.diff(desired, observed);
      const graded = (severity: string) => reasons.filter((x) => x.severity === severity).map((x) => `${r.name}: ${x.text}.`);
      return { findings: graded('finding'), warnings: graded('warning') };
    }),
  );
  const tasks = [...new Set(resources.map((r) => r.task))];
  return tasks.map((task) => {
    const mine = grades.filter((_, i) => resources[i].task === task);
    const findings = mine.flatMap((g) => g.findings);
    const started = resources.some((r, i) => r.task === task && (ctx.state.has(r.key) || reports[i].error !== undefined));
    const passed = findings.length === 0;
    const verdict: Verdict = passed ? 'passed' : started ? 'failed' : 'not-started';
    return { task, passed, started, verdict, findings, warnings: mine.flatMap((g) => g.warnings) };
  });
}

/**
 * Creates or repairs the given resources in dependency order, independent ones at once.
 * `context` are resources outside the selection whose state the selection needs (e.g.
 * `setup --only 7` needs the table's stream ARN): they are only observed.
 */
export async function applyAll(
  resources: AnyResource[],
  ctx: Ctx,
  events: WalkEvents = {},
  context: AnyResource[] = [],
  readings?: Readings,
): Promise<ResourceReport[]> {
  const byKey = new Map(resources.map((r) => [r.key, r]));
  const needed = context.filter((c) => !byKey.has(c.key) && resources.some((r) => r.needs.includes(c.key)));
  const absent = await Promise.all(
    needed.map(async (c) => {
      const o = await observation(c, ctx, readings).catch((error) => {
        throw toPocError(error, `Reading ${c.type} ${c.name}`);
      });
      if (o !== undefined) ctx.state.set(c.key, o);
      return o === undefined ? c : undefined;
    }),
  );
  const missing = absent.filter((c) => c !== undefined);
  if (missing.length) {
    throw new AwsFailure(
      `These tasks need ${missing.map((c) => `${c.type} ${c.name} (task ${c.task})`).join(', ')}, which does not exist yet.`,
      `Build ${missing.length > 1 ? 'them' : 'it'} first: by hand, or with \`${(ctx.suggest ?? ((c: string) => `poc ${c}`))(`setup --only ${[...new Set(missing.map((c) => c.task))].join(',')}`)}\`.`,
    );
  }

  // Every resource is read at once, as status reads them, instead of level by level
  // (readAhead). A resource keeps that reading unless what it looked at has changed, so a
  // converged re-run takes status's rounds, not the graph's depth, and one whose needs
  // were just created is not read again only to be found missing again. A fixed
  // concurrency (one at a time) keeps the level-by-level walk.
  const early = readings ?? (ctx.concurrency === undefined ? readAhead(resources, ctx) : new Map<string, Reading>());
  const outcomes = new Map<string, ResourceReport['outcome']>();
  const unchangedNeeds = (r: AnyResource) => r.needs.every((n) => !byKey.has(n) || outcomes.get(n) === 'unchanged');

  // A kind that can begin before its needs (buildsAhead) starts with the first round; a
  // fixed concurrency keeps it in its place, as the level-by-level walk has it.
  const ahead = (r: AnyResource) => r.buildsAhead === true && ctx.concurrency === undefined;
  const results = await runGraph(
    resources.map((r) => r.key),
    (key) => (ahead(byKey.get(key)!) ? [] : byKey.get(key)!.needs),
    async (key, after) => {
      const r = byKey.get(key)!;
      const rctx: Ctx = {
        ...forResource(ctx, r, events),
        needsDone: async () => {
          const pending = r.needs.filter((n) => byKey.has(n) && !outcomes.has(n));
          if (pending.length) rctx.note(`waiting for ${pending.map((n) => `${byKey.get(n)!.type} ${byKey.get(n)!.name}`).join(', ')}`);
          await after(pending);
        },
      };
      events.start?.(r);
      // An early reading that failed is not trusted: read again, as the walk always did.
      const reading = early.get(key);
      const observed = reading?.holds(ctx, unchangedNeeds(r)) ? () => reading.value.catch(() => r.observe(rctx)) : undefined;
      try {
        const report = await converge(r, rctx, observed).catch(async (error) => {
          // It exists after all: look again, once. Either our own earlier attempt succeeded
          // with its answer lost (the SDK retried the call), or something else made it after
          // we looked: another setup of this lab running at the same time, as a rule.
          if (!isAlreadyExists(error)) throw error;
          const retried = ((error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1;
          rctx.note(retried ? 'it appeared meanwhile (a retried request had succeeded); looking again' : 'it appeared meanwhile, made by someone else (another setup of this lab running at the same time?); looking again and using it');
          ctx.reads.clear();
          const again = await converge(r, rctx);
          return again.outcome === 'unchanged' && retried ? { ...again, outcome: 'created' as const } : again;
        });
        ctx.state.set(key, report.observed);
        delete report.observed;
        outcomes.set(key, report.outcome);
        events.done?.(r, report);
        return report;
      } catch (error) {
        if (error instanceof NotAttempted) throw error;
        const verb = ctx.signal?.aborted ? 'Stopped while working on' : 'Working on';
        throw failed(r, toPocError(error, `${verb} ${r.type} ${r.name}`), events);
      }
    },
    ctx.signal,
    ctx.concurrency,
  );
  return collect(resources, results, events);
}

/** observe -> diff -> ensure for one resource (`reading`: an observation already under way). */
async function converge(r: AnyResource, ctx: Ctx, reading?: () => Promise<unknown>): Promise<ResourceReport & { observed?: unknown }> {
  const observed = reading ? await reading() : await r.observe(ctx);
  const desired = r.desired(ctx);
  const reasons = observed === undefined ? [] : r.diff(desired, observed).map((x) => x.text);
  if (observed !== undefined && reasons.length === 0) {
    return { ...reportOf(r, { outcome: 'unchanged', ...described(r, ctx, observed) }), observed };
  }
  const after = await r.ensure(ctx, desired, observed);
  return {
    ...reportOf(r, { outcome: observed === undefined ? 'created' : 'updated', reasons, ...described(r, ctx, after) }),
    observed: after,
  };
}

/**
 * Deletes the given resources, each only after everything that needs it is gone. One that
 * goes with another being deleted (Resource.goesWith) is not deleted on its own: what needs
 * it waits as before, the other waits for those too, and it is reported as that one is.
 */
export async function destroyAll(resources: AnyResource[], ctx: Ctx, events: WalkEvents = {}): Promise<ResourceReport[]> {
  const byKey = new Map(resources.map((r) => [r.key, r]));
  const holder = (r: AnyResource) => (r.goesWith && byKey.has(r.goesWith) ? r.goesWith : undefined);
  const carried = resources.filter((r) => holder(r));
  const own = resources.filter((r) => !holder(r));
  // A need of a carried resource counts as a need of its holder.
  const needsOf = (r: AnyResource) => r.needs.map((n) => (byKey.get(n) && holder(byKey.get(n)!)) || n);
  const carriedReports = new Map<string, ResourceReport>();
  const results = await runGraph(
    own.map((r) => r.key),
    (key) => own.filter((r) => needsOf(r).includes(key) || carried.some((c) => c.goesWith === key && needsOf(r).includes(c.key))).map((r) => r.key),
    async (key) => {
      const r = byKey.get(key)!;
      const along = carried.filter((c) => c.goesWith === key);
      for (const x of [r, ...along]) events.start?.(x);
      try {
        const outcome = await r.destroy(forResource(ctx, r, events));
        const report = reportOf(r, { outcome });
        events.done?.(r, report);
        for (const c of along) {
          const went = reportOf(c, { outcome, reasons: [`deleted with ${r.type} ${r.name}`] });
          carriedReports.set(c.key, went);
          events.done?.(c, went);
        }
        return report;
      } catch (error) {
        const pocError = toPocError(error, `Deleting ${r.type} ${r.name}`);
        for (const c of along) failed(c, pocError, events);
        throw failed(r, pocError, events);
      }
    },
    ctx.signal,
    ctx.concurrency,
  );
  for (const c of carried) {
    const went = carriedReports.get(c.key);
    results.set(c.key, went ? { status: 'done', value: went } : results.get(c.goesWith!)!);
  }
  return collect(resources, results, events);
}

function failed(r: AnyResource, error: PocError, events: WalkEvents): PocError {
  events.done?.(r, reportOf(r, { outcome: 'failed', error, reasons: [error.message] }));
  return error;
}

/** Results in the resources' order; what was never attempted is reported (once) here. */
function collect(
  resources: AnyResource[],
  results: Map<string, NodeResult<ResourceReport>>,
  events: WalkEvents,
): ResourceReport[] {
  return resources.map((r) => {
    const result = results.get(r.key)!;
    if (result.status === 'done') return result.value;
    if (result.status === 'failed') {
      const error = result.error as PocError;
      return reportOf(r, { outcome: 'failed', error, reasons: [error.message] });
    }
    const blocker = resources.find((x) => x.key === result.because);
    const what = blocker ? `${blocker.type} ${blocker.name} did not finish` : 'the run stopped first';
    const report = reportOf(r, { outcome: 'skipped', reasons: [result.partly ? `stopped part-way: ${what}` : `not attempted: ${what}`] });
    events.done?.(r, report);
    return report;
  });
}
