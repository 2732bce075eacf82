// What every AWS-facing command starts with: validate the global options (before any
// AWS call), build the clients, learn the account, and make the walk context.
import { Arns, loadPartitions } from '../aws/arns.js';
import { createAws, validateEndpointUrl, validateRegion, type Aws, type AwsCall } from '../aws/clients.js';
import type { Ctx, LabSettings } from '../engine/resource.js';
import { UsageError } from '../errors.js';
import { selectLab } from '../labs/index.js';
import type { Lab, LabNames, Session, SessionNeeds, TryItTools } from '../labs/lab.js';
import { awsCommand, pocCommand } from '../suggest.js';

export interface GlobalOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** --local: the local AWS on this machine (src/local/use-local.ts sets endpointUrl and localStage from it). */
  local?: boolean;
  /** The local AWS's API stage (http://127.0.0.1:port): the lab's invoke URL is there, not at execute-api. */
  localStage?: string;
  prefix?: string;
  /** Which lab (see src/labs/index.ts); POC_LAB, else the order lab. */
  lab?: string;
  json?: boolean;
  yes?: boolean;
  verbose?: boolean;
}

export interface Deps {
  /** Called for every AWS call (the reporter shows them with --verbose). */
  onCall?: (call: AwsCall) => void;
  signal?: AbortSignal;
  note?: (text: string) => void;
  /** Tests pass an existing client factory to count calls across commands. */
  aws?: Aws;
  /** Resources worked on at once (the benchmark's sequential baseline uses 1). */
  concurrency?: number;
  /** A long wait for an account quota (src/aws/pacing.ts), to show with an estimate. */
  onPaceWait?: (wait: import('../aws/pacing.js').PaceWait) => void;
}

// RFC 5322 allows far more, but SNS only delivers to ordinary addresses; this catches typos.
const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function validateEmail(email: string | undefined, lab: Lab = selectLab()): string | undefined {
  if (email === undefined) return undefined;
  const trimmed = email.trim();
  if (trimmed.includes('{student}')) {
    throw new UsageError(`--email "${email}" has {student} in it, which only poc's class commands fill in (with each student's name).`, 'Give this lab its own address, e.g. --email you@example.com; a whole class is set up with poc class setup and its --students or --roster.');
  }
  if (!EMAIL_RE.test(trimmed) || trimmed.length > 254) {
    throw new UsageError(`"${email}" is not an email address.`, `Pass the address that should receive ${lab.settings.email?.receives ?? 'the notifications'}, e.g. --email you@example.com`);
  }
  return trimmed;
}

export function validateRuntime(runtime: string | undefined, lab: Lab = selectLab()): string {
  const { runtimes, defaultRuntime } = lab.settings;
  const r = runtime ?? defaultRuntime;
  if (!runtimes.includes(r)) {
    throw new UsageError(`--runtime ${r} is not offered.`, `Choose one of ${runtimes.join(', ')} (current Lambda Node.js runtimes).`);
  }
  return r;
}

/** Checks every global option that needs no AWS call; the lab of the run comes from here. */
export function validateGlobals(options: GlobalOptions): { lab: Lab; names: LabNames } {
  const lab = selectLab(options.lab);
  validateRegion(options.region);
  validateEndpointUrl(options.endpointUrl);
  return { lab, names: lab.names(options.prefix) };
}

export async function openSession(options: GlobalOptions, deps: Deps, settings: Partial<LabSettings> = {}, needs: SessionNeeds = {}): Promise<Session> {
  const { lab, names } = validateGlobals(options);
  const aws = deps.aws ?? (await createAws({ region: options.region, profile: options.profile, endpointUrl: options.endpointUrl, localStage: options.localStage, onCall: deps.onCall, signal: deps.signal, pacing: { onWait: deps.onPaceWait } }));
  const who = aws.identity();
  // Awaited below; meanwhile a failure must not count as unhandled.
  who.catch(() => undefined);
  // STS's client first, so its call goes out before the other clients' loading takes the CPU.
  await aws.client('sts').catch(() => undefined);
  // The lab's resource modules (for a walk over the lab: a command that names its own
  // clients, such as send-order or logs, does not walk it), then its clients (one after
  // another, in the lab's order: see createAws), while STS answers. A client that fails to
  // load fails the walk's first call to it, with its own error.
  if (!needs.clients) lab.load().catch(() => undefined);
  // Should it fail to load, the lookup falls back to require() (arns.ts).
  const partitions = loadPartitions().catch(() => undefined);
  for (const service of needs.clients ?? lab.clients) aws.client(service).catch(() => undefined);
  const { account } = await who;
  await partitions;
  const ctx: Ctx = {
    aws,
    account,
    region: aws.region,
    arns: new Arns(aws.region, account),
    names,
    settings: { runtime: settings.runtime ?? lab.settings.defaultRuntime, email: settings.email, keepRuntimes: settings.runtime ? [settings.runtime] : [...lab.settings.runtimes] },
    tags: lab.tags(names.prefix),
    state: new Map(),
    reads: new Map(),
    note: deps.note ?? (() => {}),
    signal: deps.signal,
    concurrency: deps.concurrency,
    suggest: (command) => pocCommand(options, command),
    suggestAws: (command) => awsCommand(options, command),
    artifacts: needs.artifacts ?? true,
  };
  return { lab, ctx, aws, account, region: aws.region, names };
}

/**
 * What a lab's try-it command (send-order, upload) gets from the command layer: the run's
 * session, opened here with these options and deps once the lab has checked its input.
 */
export function tryItTools<D extends Deps & Omit<TryItTools, 'session' | 'suggest'>>(options: GlobalOptions, deps: D): D & TryItTools {
  return { ...deps, suggest: (command) => pocCommand(options, command), session: (needs) => openSession(options, deps, {}, needs) };
}
