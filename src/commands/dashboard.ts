// poc dashboard: a local web page that shows the lab live. It serves until the signal
// stops it (Ctrl-C), reading AWS on this side with the CLI's session at each refresh.
import { toPocError } from '../aws/errors.js';
import type { Ctx } from '../engine/resource.js';
import { UsageError } from '../errors.js';
import { LOOPBACK, startDashboardServer, type Snapshot } from '../dashboard/server.js';
import type { AnyView } from '../labs/view.js';
import { openSession, validateGlobals, type Deps, type GlobalOptions } from './context.js';

export interface DashboardOptions extends GlobalOptions {
  port?: string | number;
}

export interface DashboardDeps extends Deps {
  signal: AbortSignal;
  /** Called once the page can be loaded (the CLI prints the URL and opens the browser). */
  ready?: (info: DashboardInfo) => void;
  /** A snapshot failed, or works again after failing (said once per change, not every refresh). */
  notice?: (text: string) => void;
  /** The view to serve; the lab's own when left out. Tests choose another one here. */
  view?: (ctx: Ctx) => AnyView;
}

export interface DashboardInfo {
  url: string;
  port: number;
  view: string;
}

export interface DashboardResult extends DashboardInfo {
  exitCode: number;
}

export function validatePort(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d+$/.test(String(value).trim()) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`--port must be a port number from 1 to 65535, not "${value}".`, 'For example --port 8080, or leave --port out for a free one.');
  }
  return n;
}

export async function dashboard(options: DashboardOptions, deps: DashboardDeps): Promise<DashboardResult> {
  validateGlobals(options);
  const port = validatePort(options.port);
  const session = await openSession(options, deps);
  const parts = await session.lab.load();
  const resources = parts.resources(session.names, session);
  const labView = deps.view ? deps.view(session.ctx) : await parts.dashboard(session.names, resources);
  // --local: the local inbox shows below the lab (the mails SNS would have sent to this lab's topics).
  const topics = resources.filter((r) => r.type === 'sns-topic').map((r) => session.ctx.arns.topic(r.name));
  const view = options.local && session.aws.endpointUrl ? (await import('../local/inbox-view.js')).withInbox(labView, session.aws.endpointUrl, topics) : labView;

  let failing: string | undefined;
  const take = async (): Promise<Snapshot> => {
    // Fresh caches each time: every refresh is a new look at AWS, as a re-run of status is.
    const ctx: Ctx = { ...session.ctx, state: new Map(), reads: new Map() };
    try {
      const data = await view.snapshot(ctx);
      if (failing !== undefined) deps.notice?.('Reading AWS works again.');
      failing = undefined;
      return { at: new Date().toISOString(), data };
    } catch (error) {
      const e = toPocError(error, `Reading the ${view.id} lab for the dashboard`);
      if (failing !== e.message) deps.notice?.(`${e.message}${e.hint ? ` ${e.hint}` : ''}`);
      failing = e.message;
      return { at: new Date().toISOString(), error: { message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    }
  };

  const meta = [`region ${session.region}`, session.names.prefix ? `prefix ${session.names.prefix}` : ''].filter(Boolean).join(' · ');
  let server;
  try {
    server = await startDashboardServer({ view, take, port, meta });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`Port ${port} on ${LOOPBACK} is already in use.`, 'Choose another with --port, or leave --port out for a free one.');
    if (code === 'EACCES') throw new UsageError(`Port ${port} needs privileges to listen on.`, 'Choose a port above 1023 with --port, or leave --port out for a free one.');
    throw error;
  }
  const info: DashboardInfo = { url: server.url, port: server.port, view: view.id };
  try {
    if (!deps.signal.aborted) {
      deps.ready?.(info);
      await new Promise<void>((resolve) => deps.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
  } finally {
    await server.close();
  }
  return { ...info, exitCode: 0 };
}
