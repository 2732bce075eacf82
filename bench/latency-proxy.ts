// A proxy in front of moto that answers every AWS call `latencyMs` late (a real service's
// round trip; moto answers in about a millisecond) and notes when each call came in and
// when its answer left: the benchmark's clock for a child process's calls.
import { forward, operationOf, reply, serviceOf, startProxyServer } from '../test/helpers/http-proxy.js';
import type { TimedCall } from './rounds.js';

export interface SeenCall extends TimedCall {
  service: string;
  /** The operation as the API names it (http-proxy.ts's operationOf). */
  operation: string;
}

export interface LatencyProxy {
  endpoint: string;
  calls: SeenCall[];
  close(): Promise<void>;
}

export async function startLatencyProxy(target: string, latencyMs: number): Promise<LatencyProxy> {
  const upstream = new URL(target);
  const calls: SeenCall[] = [];
  const server = await startProxyServer(async (req, body, res) => {
    const startedAt = performance.now();
    const service = serviceOf(req);
    const operation = operationOf(service, req, body);
    const answer = await forward(upstream, req, body);
    await new Promise((r) => setTimeout(r, latencyMs));
    res.on('finish', () => calls.push({ service, operation, startedAt, endedAt: performance.now() }));
    reply(res, answer);
  });
  return { endpoint: server.endpoint, calls, close: server.close };
}
