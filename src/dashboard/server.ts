// The dashboard's web server: loopback only, GET only, three paths. AWS is read here, on
// the server, with the CLI's session; the page only ever sees what the view's snapshot
// returns. The Host check stops DNS rebinding: a page on another site that points its own
// name at 127.0.0.1 would otherwise read the dashboard from the user's browser.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contentSecurityPolicy, pageHtml } from './page.js';
import type { AnyView } from '../labs/view.js';

export const LOOPBACK = '127.0.0.1';

/** What the endpoint answers: the data, or why there is none this time (the page keeps the last). */
export type Snapshot = { at: string; data: object } | { at: string; error: { message: string; hint?: string } };

export interface DashboardServerOptions {
  view: AnyView;
  /** Takes one snapshot (the command gives the view a fresh context each time). */
  take: () => Promise<Snapshot>;
  /** 0 for a free port. */
  port: number;
  /** A line under the title, e.g. "region us-east-1 · prefix alice". */
  meta: string;
}

export interface DashboardServer {
  url: string;
  port: number;
  /** Stops listening and ends every open connection (browsers keep them alive). */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** Only the names this server is reached by from this machine, with its own port. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  return h === `${LOOPBACK}:${port}` || h === `localhost:${port}`;
}

/**
 * One snapshot at a time, shared by every open page: several tabs (or a projector and a
 * laptop) cost AWS no more calls than one.
 */
function sharedSnapshots(take: () => Promise<Snapshot>, freshMs: number) {
  let inFlight: Promise<Snapshot> | undefined;
  let settled: { at: number; value: Snapshot } | undefined;
  return (): Promise<Snapshot> => {
    if (settled && Date.now() - settled.at < freshMs) return Promise.resolve(settled.value);
    inFlight ??= take()
      .then((value) => {
        settled = { at: Date.now(), value };
        return value;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  };
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const snapshot = sharedSnapshots(options.take, Math.max(250, (options.view.refreshMs ?? 2000) / 2));
  let port = options.port;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, port)) {
      send(res, 403, 'text/plain', `This dashboard answers only at http://${LOOPBACK}:${port}/ or http://localhost:${port}/.\n`);
      return;
    }
    if (req.method !== 'GET') {
      send(res, 405, 'text/plain', 'Only GET is served here.\n', { Allow: 'GET' });
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      const nonce = randomBytes(16).toString('base64');
      send(res, 200, 'text/html', pageHtml(options.view, nonce, options.meta), { 'Content-Security-Policy': contentSecurityPolicy(nonce) });
    } else if (path === '/api/snapshot') {
      send(res, 200, 'application/json', JSON.stringify(await snapshot()));
    } else {
      send(res, 404, 'text/plain', 'Not found: the dashboard is at /.\n');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'The dashboard failed to answer; see the terminal running poc dashboard.\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
