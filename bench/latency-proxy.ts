// A proxy in front of moto that answers every AWS call `latencyMs` late (a real service's
// round trip; moto answers in about a millisecond) and notes when each call came in and
// when its answer left: the benchmark's clock for a child process's calls.
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TimedCall } from './rounds.js';

export interface SeenCall extends TimedCall {
  service: string;
  /** The operation as the protocol names it: X-Amz-Target, the form's Action, or the REST method and path. */
  operation: string;
}

function operationOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop()!;
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'));
  if (action) return action[1];
  return `${req.method} ${(req.url ?? '/').split('?')[0]}`;
}

export interface LatencyProxy {
  endpoint: string;
  calls: SeenCall[];
  close(): Promise<void>;
}

export async function startLatencyProxy(target: string, latencyMs: number): Promise<LatencyProxy> {
  const upstream = new URL(target);
  const calls: SeenCall[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const startedAt = performance.now();
    const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = operationOf(req, Buffer.concat(chunks));
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            setTimeout(() => {
              const headers = { ...answer.headers };
              delete headers['transfer-encoding'];
              const payload = Buffer.concat(body);
              headers['content-length'] = String(payload.length);
              res.writeHead(answer.statusCode ?? 502, headers);
              res.end(payload, () => calls.push({ service: scope?.[1] ?? 'unknown', operation, startedAt, endedAt: performance.now() }));
            }, latencyMs);
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
