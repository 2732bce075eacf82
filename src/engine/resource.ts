// A resource is four verbs (see DESIGN.md): observe, diff, ensure, destroy. Every command
// is a walk over the lab's resources with some of them; no command talks to AWS itself.
import type { Aws } from '../aws/clients.js';
import type { Arns } from '../aws/arns.js';

export type Outcome = 'created' | 'updated' | 'unchanged';
export type DestroyOutcome = 'deleted' | 'absent';
export type Detail = Record<string, string | number | boolean | undefined>;

/** The names of the resources a walk works on, --prefix applied (a lab's names; `prefix` is '' without one). */
export interface ResourceNames {
  prefix: string;
  [name: string]: string;
}

export interface LabSettings {
  email?: string;
  runtime: string;
  /** Runtimes an existing function keeps: every supported one unless --runtime chose one. */
  keepRuntimes?: string[];
}

export interface Ctx {
  aws: Aws;
  account: string;
  region: string;
  arns: Arns;
  names: ResourceNames;
  settings: LabSettings;
  /** Tags for every resource that takes them. */
  tags: Record<string, string>;
  /** What each resource looks like now, by key, as the walks learn it. */
  state: Map<string, unknown>;
  /** A poc command to suggest, with the options that select this run's lab and account (src/suggest.ts). */
  suggest?: (command: string) => string;
  /** The same for an aws CLI command (what poc has no command for, such as deleting one table). */
  suggestAws?: (command: string) => string;
  /** Reads shared by resources within one run (two resources on one table read it once). */
  reads: Map<string, Promise<unknown>>;
  /** A progress note about the resource being worked on ("waiting for ..."). */
  note(text: string): void;
  /**
   * Resolves once the resources this one needs are done (at once, unless the walk began
   * it ahead of them: Resource.buildsAhead). Throws NotAttempted when one did not finish.
   */
  needsDone?(): Promise<void>;
  signal?: AbortSignal;
  /** How many resources the walks work on at once (default: as many as the graph allows). */
  concurrency?: number;
  /** Whether deployed artifacts (function code) are compared with the local ones; false skips building them. */
  artifacts?: boolean;
}

export interface Resource<D = unknown, O = unknown> {
  /** Unique within a lab, e.g. "role:sqs-dynamodb". */
  key: string;
  task: number;
  /** Kind of AWS resource, e.g. "iam-role". */
  type: string;
  /** Its AWS name (with the prefix). */
  name: string;
  /** Keys of the resources that must exist first. */
  needs: string[];
  /**
   * Its ensure may begin before its needs are done, and awaits ctx.needsDone() before the
   * first call that uses them (a REST API builds its method while the role and the queue
   * its integration names are still being made). Cleanup still deletes it first.
   */
  buildsAhead?: boolean;
  /**
   * The key of a resource whose deletion deletes this one too (a table's stream goes with
   * its table). When a cleanup deletes both, this one's own destroy is not called: it is
   * gone when that one is, and reported so.
   */
  goesWith?: string;
  /** What it should look like; may read other resources' state from ctx.state. */
  desired(ctx: Ctx): D;
  /** Read-only. undefined when AWS says it does not exist; any other error is thrown. */
  observe(ctx: Ctx): Promise<O | undefined>;
  /** Named reasons why observed differs from desired; empty when converged. */
  diff(desired: D, observed: O): Reason[];
  /** Creates (observed undefined) or repairs it; returns what it looks like afterwards. */
  ensure(ctx: Ctx, desired: D, observed: O | undefined): Promise<O>;
  /** Deletes it and what AWS made on its side; never fails because it is already gone. */
  destroy(ctx: Ctx): Promise<DestroyOutcome>;
  /** Its ARN, URL or id. */
  id(observed: O): string | undefined;
  /** What `status` shows about it. */
  details?(observed: O): Detail;
  /** The one line `status` prints under it when it is as the lab wants (default: its id). */
  summary?(observed: O): string;
  /** Where a person finds it in the AWS console (setup --step prints it). */
  consoleLink?(region: string, observed: O): string | undefined;
  /**
   * Grades one built by hand against the guide (`poc check`): findings mean it does not
   * work as the lab needs, warnings that it works but the guide's looser choice has a
   * better alternative. Without it, every diff reason is a finding.
   */
  check?(ctx: Ctx, desired: D, observed: O): Grade | Promise<Grade>;
  /** Set when poc makes it but the guide does not: why it matters (its absence is only a warning). */
  beyondGuide?: string;
}

/**
 * Why a resource differs from the lab's: a code the kind's own check (and tests) can
 * select by, the sentence a person reads, and how `check` grades it when the kind has no
 * check of its own: a finding (it does not work as the lab needs) or a warning (it works).
 */
export interface Reason {
  code: string;
  severity: 'finding' | 'warning';
  text: string;
}

export function reason(code: string, text: string, severity: Reason['severity'] = 'finding'): Reason {
  return { code, severity, text };
}

export interface Grade {
  findings: string[];
  warnings: string[];
}

// Resources of different kinds live in one list; the engine only uses the verbs above.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyResource = Resource<any, any>;

export function stateOf<T>(ctx: Ctx, key: string): T | undefined {
  return ctx.state.get(key) as T | undefined;
}

/** One read per run for what several resources look at; forget() it after a change. */
export function readOnce<T>(ctx: Ctx, key: string, read: () => Promise<T>): Promise<T> {
  let pending = ctx.reads.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = read();
    ctx.reads.set(key, pending);
    pending.catch(() => ctx.reads.delete(key));
  }
  return pending;
}

export function forget(ctx: Ctx, key: string): void {
  ctx.reads.delete(key);
}
