// poc tasks: the ten tasks of the lab and, when AWS credentials are at hand, how far each
// one is in the account (read-only). Without credentials it still lists them, fast: the
// AWS SDK is only loaded when there is some sign of credentials to use.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { toPocError } from '../aws/errors.js';
import { MissingProfile } from '../aws/profiles.js';
import { observeAll, type ResourceReport } from '../engine/walks.js';
import { CredentialsError, EndpointUnreachable, EXIT, UsageError, type PocError } from '../errors.js';
import { openSession, validateGlobals, type Deps, type GlobalOptions } from './context.js';
import { firstError } from './results.js';
import { pocCommand } from '../suggest.js';
import { DEFAULT_LAB } from '../labs/index.js';
import type { Lab, Session, SessionNeeds } from '../labs/lab.js';

export type TaskState = 'done' | 'partly' | 'not started';

export interface TaskLine {
  task: number;
  title: string;
  /** null: not known (no credentials, a read failed) or not a thing that exists (tasks 9, 10). */
  state: TaskState | null;
  /** Of the task's resources, how many are as the lab wants them (states only). */
  present?: number;
  total?: number;
  /** What to run for a task that builds nothing (states only). */
  hint?: string;
}

export interface TasksResult {
  tasks: TaskLine[];
  /** Set when the states were read from an account. */
  account?: string;
  region?: string;
  prefix: string;
  /** Why there are no states although credentials seemed present (said on stderr). */
  notice?: string;
  /** No sign of credentials at all: states were not even tried. */
  noCredentials: boolean;
  error?: PocError;
  exitCode: number;
}

/** What --json prints: the ten tasks and their states. */
export function tasksJson(result: TasksResult) {
  return { tasks: result.tasks.map(({ task, title, state }) => ({ task, title, state })) };
}

// ---------------------------------------------------------------------------------------
// Credentials, if any: decided without the SDK when there is obviously nothing.

/**
 * True when something says AWS credentials may be at hand: the environment, --profile,
 * --endpoint-url, or an ~/.aws file. False means "certainly none here" (an instance
 * role, which needs no file, is not looked for: that would cost a network timeout).
 */
export function credentialsHinted(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  if (options.profile || options.endpointUrl) return true;
  const vars = ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ENDPOINT_URL'];
  if (vars.some((v) => env[v])) return true;
  if (Object.keys(env).some((k) => k.startsWith('AWS_CONTAINER_CREDENTIALS_') && env[k])) return true;
  const home = homedir();
  const files = [env.AWS_SHARED_CREDENTIALS_FILE, env.AWS_CONFIG_FILE, home && join(home, '.aws', 'credentials'), home && join(home, '.aws', 'config')];
  return files.some((f) => f && existsSync(f));
}

export interface OptionalSession {
  session?: Session;
  /** Why there is no session although credentials seemed present. */
  reason?: string;
}

/**
 * Opens a session when credentials seem present. Bad options are still usage errors
 * (exit 2); an error that `degrade` accepts yields no session and its reason instead.
 */
export async function openOptionalSession(options: GlobalOptions, deps: Deps, degrade: (error: PocError) => boolean, needs: SessionNeeds = {}): Promise<OptionalSession> {
  validateGlobals(options);
  if (!deps.aws && !credentialsHinted(options)) return {};
  try {
    return { session: await openSession(options, deps, {}, needs) };
  } catch (raw) {
    const error = toPocError(raw, 'Looking up your AWS account');
    if (!degrade(error)) throw error;
    return { reason: [error.message, error.hint].filter(Boolean).join(' ') };
  }
}

/** Missing or unusable credentials, or no region: the cases in which poc just says less. */
export const noAccount = (error: PocError) =>
  error instanceof CredentialsError || error instanceof MissingProfile || (error instanceof UsageError && /region/i.test(error.message));

// ---------------------------------------------------------------------------------------

function stateOf(reports: ResourceReport[]): Pick<TaskLine, 'state' | 'present' | 'total'> {
  const total = reports.length;
  const present = reports.filter((r) => r.state === 'present').length;
  if (reports.some((r) => r.error)) return { state: null, present, total };
  const missing = reports.filter((r) => r.state === 'missing').length;
  return { state: present === total ? 'done' : missing === total ? 'not started' : 'partly', present, total };
}

/**
 * A task's command as the user can run it as is: with this run's lab and account (the lab
 * named even when POC_LAB chose it), and on an emulator what the try-it command needs
 * there (the order lab's --via queue: an emulator serves no API stage).
 */
function taskCommand(lab: Lab, command: string, options: GlobalOptions, endpointUrl: string | undefined): string {
  const extra = endpointUrl && lab.tryIt.emulatorExtra && command.startsWith(`${lab.tryIt.name} `) ? ` ${lab.tryIt.emulatorExtra}` : '';
  return pocCommand({ ...options, lab: options.lab ?? (lab.id === DEFAULT_LAB ? undefined : lab.id) }, `${command}${extra}`);
}

export async function tasks(options: GlobalOptions, deps: Deps = {}): Promise<TasksResult> {
  const { lab, names } = validateGlobals(options);
  const plain = lab.tasks.map((t) => ({ task: t.number, title: t.title, state: null }));
  // Like explain, tasks still lists the tasks when the endpoint cannot be reached; only their states are missing.
  const { session, reason } = await openOptionalSession(options, deps, (e) => noAccount(e) || e instanceof EndpointUnreachable);
  if (!session) {
    return { tasks: plain, prefix: names.prefix, noCredentials: !reason, notice: reason && `Task states are not shown: ${reason}`, exitCode: EXIT.ok };
  }
  const reports = await observeAll((await lab.load()).resources(session.names, session), session.ctx);
  const lines: TaskLine[] = lab.tasks.map((t) => {
    const mine = reports.filter((r) => r.task === t.number);
    if (!mine.length) return { task: t.number, title: t.title, state: null, hint: t.hint && taskCommand(lab, t.hint, options, session.aws.endpointUrl) };
    return { task: t.number, title: t.title, ...stateOf(mine) };
  });
  const error = firstError(reports);
  if (error instanceof EndpointUnreachable) {
    return { tasks: plain, prefix: names.prefix, noCredentials: false, notice: `Task states are not shown: ${[error.message, error.hint].filter(Boolean).join(' ')}`, exitCode: EXIT.ok };
  }
  return {
    tasks: lines,
    account: session.account,
    region: session.region,
    prefix: names.prefix,
    noCredentials: false,
    error,
    exitCode: error ? error.exitCode : EXIT.ok,
  };
}
