// What a lab is to the commands: one value with everything they need to know about it.
// The commands, the engine, the resource kinds and the UI read labs only through this
// interface (and the registry in index.ts), so adding a lab adds a folder, not a switch.
import type { AnyResource, Ctx, ResourceNames } from '../engine/resource.js';
import type { PocError } from '../errors.js';
import type { Aws, ServiceName } from '../aws/clients.js';
import type { AnyView } from './view.js';
import type { Arns } from '../aws/arns.js';

/** A lab's resource names with --prefix applied; `prefix` is '' without one. */
export type LabNames = ResourceNames;

export interface LabTask {
  number: number;
  title: string;
  /** False for the tasks that build nothing (testing, cleaning up): setup and check skip them. */
  builds: boolean;
  /** For a task that builds nothing: the poc command that does it (without "poc"), shown by `poc tasks` with the run's options (src/suggest.ts). */
  hint?: string;
}

export interface LabSettingsSpec {
  /** Lambda runtimes the lab's functions may use; the first one is not implied, see defaultRuntime. */
  runtimes: readonly string[];
  defaultRuntime: string;
  /** Present when the lab subscribes an address (its resources include an sns-subscription). */
  email?: {
    /** Completes "Pass the address that should receive …", e.g. "order notifications". */
    receives: string;
    /** The question at the terminal. */
    prompt: string;
    /** The usage error when setup has no address and nobody to ask. */
    missing: string;
  };
}

/** A value read from one resource's details after setup or status, e.g. the API's invoke URL. */
export interface LabOutput {
  /** The key in the result (and in --json), e.g. "apiUrl". */
  key: string;
  /** How setup labels it for a person, e.g. "Orders API". */
  label: string;
  /** The resource kind and the detail that holds it. */
  type: string;
  detail: string;
}

/** A function whose CloudWatch logs `poc logs` reads; `poc logs N` picks the Nth. */
export interface LabFunction {
  name(names: LabNames): string;
  logGroup(names: LabNames): string;
  /** What it does, for the hint of `poc logs`, e.g. "queue -> table". */
  role: string;
  /** Its name without a prefix, for the hint (e.g. "POC-Lambda-1"). */
  baseName: string;
}

/** What a run of poc works in: the lab chosen once (--lab), its walk context, clients, account and names. */
export interface Session {
  lab: Lab;
  ctx: Ctx;
  aws: Aws;
  account: string;
  region: string;
  names: LabNames;
}

/** What a command's walk will need, made ready while STS answers instead of after. */
export interface SessionNeeds {
  /** The SDK clients the walk calls (default: the lab's): loading them is most of a command's CPU time. */
  clients?: readonly ServiceName[];
  /**
   * Whether the walk compares the deployed functions' code with handlers/ (status, tasks,
   * setup): only then are the zips built and hashed. check grades hand-written code and
   * cleanup deletes it, so neither builds them.
   */
  artifacts?: boolean;
}

/**
 * What the command layer hands a lab's "try it" command (the command's code loads on
 * use). A lab never imports a command: the session (global options checked, clients, the
 * account, suggestions that carry the run's options) comes from here.
 */
export interface TryItTools {
  signal?: AbortSignal;
  /** Progress lines for stderr. */
  progress?: (text: string) => void;
  /** Standard input, when it is not a terminal (undefined when it is). */
  stdin?: () => Promise<string>;
  /** Asks a yes/no question; undefined when nobody can answer (no terminal, --json, --yes). */
  confirm?: (question: string) => Promise<boolean>;
  /** A poc command with the run's selection (prefix, region, endpoint...), for hints given before any session. */
  suggest(command: string): string;
  /**
   * Opens the run's session (commands/context.ts openSession): called once the lab has
   * checked its own input, so that bad input is refused before any AWS call.
   */
  session(needs?: SessionNeeds): Promise<Session>;
}

export interface TryItOutcome {
  data: object;
  view: () => string;
  exitCode: number;
  error?: PocError;
}

export interface TryItCommand {
  /** The command's name, e.g. "send-order" (the inventory lab's would be "upload"). */
  name: string;
  description: string;
  /** Its positional argument, commander syntax, e.g. "[order]" or "[file...]". */
  argument?: { syntax: string; description: string };
  /** Its options in commander syntax; `choices` and `default` as commander takes them. */
  options: { flags: string; description: string; choices?: string[]; default?: string }[];
  /** Help text after the options (examples). */
  help: string;
  /** The line setup prints under the outputs, e.g. "Send one: poc send-order '{…}'". */
  exampleLabel: string;
  /** The command without "poc" and without the options that select the lab (those are added). */
  example: string;
  /** Where an emulator is in use, what to add (the order lab: --via queue, as an emulator cannot serve the API's stage). */
  emulatorExtra?: string;
  /** Runs it with the lab chosen for this run; `input` is the positional argument. */
  run(input: unknown, options: Record<string, unknown>, tools: TryItTools): Promise<TryItOutcome>;
}

export interface LabPlace {
  account: string;
  region: string;
}

/** What a lab loads on first use: its resources and explanations are most of poc's code. */
/** A lab on paper (paper.ts): its resources and what setup would make of each, without AWS. */
export interface LabPaper {
  names: LabNames;
  arns: Arns;
  runtime: string;
  /** The desired state of the resource of this type (and name), as setup computes it. */
  desired<D>(type: string, name?: string): D;
  /** Every resource of this type, in task order. */
  all(type: string): AnyResource[];
  /** The ctx the desired states were computed with (it can make no AWS call). */
  ctx: Ctx;
  /** `poc <command>` with the options that select the explaining run's lab (src/suggest.ts). */
  poc(command: string): string;
}

export interface TaskExplanation {
  /** Why the architecture needs it: prose, paragraphs separated by a blank line. */
  why: string;
  /** The console steps, in the order a student clicks them. */
  steps: string[];
  /** File name -> the JSON document (the CLI commands read them with file://). */
  json: Record<string, unknown>;
  /** The equivalent commands, one a line, in order. */
  cli: string[];
}

export interface LabParts {
  /**
   * Every resource the building tasks make, in task order; `needs` gives the build order.
   * `place` is the account and region (placeholders when explaining offline), for names
   * that must be unique beyond the account, such as an S3 bucket's.
   */
  resources(names: LabNames, place: LabPlace): AnyResource[];
  /** What a task builds and why, for `poc explain` and `setup --step`. */
  explain(task: number, paper: LabPaper): TaskExplanation;
  /** What `poc dashboard` shows of this lab, made from the same resources `status` walks (loaded only by dashboard). */
  dashboard(names: LabNames, resources: AnyResource[]): Promise<AnyView>;
}

export interface Lab {
  /** What --lab takes and the poc:lab tag holds, e.g. "orders". */
  id: string;
  title: string;
  /** Its pipeline on one line, for help texts. */
  summary: string;
  tasks: readonly LabTask[];
  /** Its names with the prefix; throws a UsageError for a prefix its names cannot carry. */
  names(prefix?: string): LabNames;
  /** The longest prefix every one of its names can carry. */
  maxPrefixLength: number;
  settings: LabSettingsSpec;
  /**
   * The SDK clients its resources call: a command loads them while STS answers, one after
   * another in this order, so the services read in two rounds (a role, then its inline
   * policies) come first.
   */
  clients: readonly ServiceName[];
  /** Tags for everything it makes (poc:lab=<id>, and poc:prefix with a prefix). */
  tags(prefix: string): Record<string, string>;
  outputs: readonly LabOutput[];
  functions: readonly LabFunction[];
  tryIt: TryItCommand;
  load(): Promise<LabParts>;
}

/** poc:lab=<id> on everything a lab makes, and poc:prefix=<prefix> with a prefix. */
export function labTags(id: string, prefix: string): Record<string, string> {
  return prefix ? { 'poc:lab': id, 'poc:prefix': prefix } : { 'poc:lab': id };
}

export const buildingTasks = (lab: Lab): number[] => lab.tasks.filter((t) => t.builds).map((t) => t.number);
export const taskTitles = (lab: Lab): Record<number, string> => Object.fromEntries(lab.tasks.map((t) => [t.number, t.title]));
