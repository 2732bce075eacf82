// poc local start|stop|status|inbox|confirm: the local AWS on this machine (src/local/).
import { EXIT, PocError, UsageError } from '../errors.js';
import { alreadyRuns, start, type Running } from '../local/runtime.js';
import { alive, readState, type LocalState } from '../local/state.js';
import { lambdaNode } from '../local/lambda-node.js';
import { readInbox, type Mail } from '../local/inbox.js';

// The SDK's Node-version warning is not the user's business (as in src/aws/clients.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type { Mail };

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} ${value} is not a port number.`, `Give a port from 1024 to 65535, e.g. ${flag} 4566, or leave it out for a free one.`);
  return n;
}

export interface StartOptions {
  port?: string;
  stagePort?: string;
  detach?: boolean;
}

/** Starts the local AWS; in the foreground it runs until `signal` (Ctrl-C) or a crash. */
export async function localStart(options: StartOptions, deps: { say: (t: string) => void; log: (t: string) => void; signal: AbortSignal; ready: (state: LocalState) => void }): Promise<{ state: LocalState; exitCode: number; error?: PocError }> {
  const ports = { port: port(options.port, '--port'), stagePort: port(options.stagePort, '--stage-port') };
  const running = readState();
  if (running) throw alreadyRuns(running);
  lambdaNode();
  if (options.detach) {
    const { startDetached } = await import('../local/detach.js');
    const state = await startDetached({ ...ports, say: deps.say, signal: deps.signal });
    deps.ready(state);
    return { state, exitCode: EXIT.ok };
  }
  const local: Running = await start({ ...ports, signal: deps.signal, say: deps.say, log: deps.log });
  deps.ready(local.state);
  const onTerm = () => void local.stop();
  process.on('SIGTERM', onTerm);
  deps.signal.addEventListener('abort', onTerm, { once: true });
  const error = await local.ended;
  process.off('SIGTERM', onTerm);
  // Ctrl-C (or poc local stop) is how a foreground run ends: not an error.
  return { state: local.state, exitCode: error ? EXIT.failure : EXIT.ok, error };
}

export async function localStop(): Promise<{ stopped: boolean; state?: LocalState }> {
  const state = readState();
  if (!state) return { stopped: false };
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while ((alive(state.pid) || alive(state.motoPid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // What did not end in time is ended: these pids only, never by name.
  for (const pid of [state.pid, state.motoPid]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  return { stopped: true, state };
}

export interface LocalStatus {
  running: boolean;
  state?: LocalState;
  functions?: number;
  mappings?: number;
  mails?: number;
  exitCode: number;
}

export async function localStatus(): Promise<LocalStatus> {
  const state = readState();
  if (!state) return { running: false, exitCode: EXIT.incomplete };
  const { regions } = (await (await fetch(`${state.endpoint}/_poc/regions`)).json()) as { regions: { region: string }[] };
  // Loaded here, not with the module: `poc local start` has no use for it (it starts sooner without).
  const { ListEventSourceMappingsCommand, ListFunctionsCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
  let functions = 0;
  let mappings = 0;
  for (const region of new Set(regions.map((r) => r.region))) {
    const lambda = new LambdaClient({ region, endpoint: state.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    let Marker: string | undefined;
    do {
      const page = await lambda.send(new ListFunctionsCommand({ Marker }));
      functions += page.Functions?.length ?? 0;
      Marker = page.NextMarker;
    } while (Marker);
    do {
      const page = await lambda.send(new ListEventSourceMappingsCommand({ Marker }));
      mappings += page.EventSourceMappings?.length ?? 0;
      Marker = page.NextMarker;
    } while (Marker);
  }
  const mails = (await readInbox(state, 0, 0)).items.length;
  return { running: true, state, functions, mappings, mails, exitCode: EXIT.ok };
}

function requireState(): LocalState {
  const state = readState();
  if (!state) throw new UsageError('No local AWS runs on this machine.', 'Start it with `poc local start --detach`.');
  return state;
}

/** The inbox; with `follow`, every new mail as it arrives, until `signal`. */
export async function localInbox(options: { follow?: boolean }, deps: { signal: AbortSignal; print?: (mails: Mail[]) => void }): Promise<{ mails: Mail[] }> {
  const state = requireState();
  let { items, next } = await readInbox(state, 0, 0);
  if (!options.follow) return { mails: items };
  deps.print?.(items);
  while (!deps.signal.aborted) {
    try {
      ({ items, next } = await readInbox(state, next, 20, deps.signal));
    } catch (error) {
      if (deps.signal.aborted) break;
      throw new PocError(`The local AWS stopped answering: ${(error as Error).message}`, 'Start it again with poc local start.');
    }
    deps.print?.(items);
  }
  return { mails: [] };
}

/** Follows the link of every confirmation mail (to `address`, or all), as clicking it does. */
export async function localConfirm(address: string | undefined): Promise<{ confirmed: { to: string; topicArn: string; subscriptionArn: string }[] }> {
  const state = requireState();
  const { items } = await readInbox(state, 0, 0);
  const pending = items.filter((m) => m.kind === 'confirmation' && (!address || m.to.toLowerCase() === address.toLowerCase()));
  if (!pending.length) {
    throw new UsageError(address ? `The inbox has no confirmation mail to ${address}.` : 'The inbox has no confirmation mail.', 'Subscribe an address first (poc setup --local --email you@example.com); poc local inbox lists the mails.');
  }
  const confirmed = [];
  for (const mail of pending) {
    const res = await fetch(mail.link!);
    const text = await res.text();
    if (res.ok) confirmed.push({ to: mail.to, topicArn: mail.topicArn, subscriptionArn: /arn:aws:sns:[^<\s]+/.exec(text)?.[0] ?? '' });
  }
  return { confirmed };
}
