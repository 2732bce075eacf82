// The endpoint every integration test hands out: an HTTP proxy in front of moto that
// checks each request against AWS's API model of its operation (model-check.ts) and then
// forwards it unchanged. poc's CLI in a child process, its commands in-process and the
// handlers (AWS_ENDPOINT_URL) all reach moto through it, so all of them are checked.
//
// A violation does not change the answer (the test goes on as it would against moto);
// it is recorded, and the test during which it was sent fails in an afterEach hook that
// names the operation, the member, the value and the constraint (what a before hook sent
// fails the first test; what an after hook sent, the file's after hook). Requests of the tests' own plain SDK
// clients may be exempted with TEST_CLIENT_MARKER in their user agent; poc's and the
// handlers' never are.
import type { IncomingMessage } from 'node:http';
import { forward, reply, startProxyServer, type ProxyServer } from './http-proxy.js';
import { after, afterEach } from 'node:test';
import { checkRequest, formatViolation, type Checked, type Violation } from './model-check.js';

/** Put this in a test client's customUserAgent to leave its requests unchecked. */
export const TEST_CLIENT_MARKER = 'poc-test-client';

export interface SeenRequest extends Checked {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  exempt: boolean;
}

const listeners = new Set<(seen: SeenRequest) => void>();

/** Called for every request that passes any checking proxy of this process. Returns the unsubscribe. */
export function onRequest(listener: (seen: SeenRequest) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const pending: Violation[] = [];

function failure(where: string, found: Violation[]): Error {
  const lines = found.map((v) => `  ${formatViolation(v)}`);
  return new Error(`${where}: ${found.length} request(s) AWS would refuse (checked against botocore's service models; moto accepts them):\n${lines.join('\n')}`);
}

// Registered when the test file loads (moto.ts imports this module), so they apply to
// every test of every file that uses moto. What was sent since the previous test ended
// (this test's beforeEach hooks, its body; for the first test, the file's before hooks
// too) fails this test. In a suite whose tests run concurrently, the test named is the
// one that ended first.
afterEach((t) => {
  const found = pending.splice(0);
  if (found.length) throw failure(`during "${t.name}" (or the hooks before it)`, found);
});
after(() => {
  const found = pending.splice(0);
  if (found.length) throw failure('in an after hook of this file', found);
});

export type CheckingProxy = ProxyServer;

export async function startCheckingProxy(target: string): Promise<CheckingProxy> {
  const upstreamUrl = new URL(target);
  return startProxyServer(async (req, body, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith('/moto-api')) {
      const agent = `${req.headers['x-amz-user-agent'] ?? ''} ${req.headers['user-agent'] ?? ''}`;
      const exempt = agent.includes(TEST_CLIENT_MARKER);
      let checked: Checked;
      try {
        checked = checkRequest({ method: req.method ?? 'GET', url, headers: req.headers, body });
      } catch (error) {
        checked = { service: '?', violations: [{ service: '?', operation: '?', path: '', value: `${req.method} ${url}`, constraint: `a request the checker can decode (${(error as Error).message})` }] };
      }
      if (!exempt) pending.push(...checked.violations);
      const seen: SeenRequest = { ...checked, method: req.method ?? 'GET', url, headers: req.headers, body, exempt };
      for (const l of listeners) l(seen);
    }
    // The Host header stays the proxy's: moto builds queue URLs from it, and the SDK sends
    // later SQS calls to the queue URL's host, which must be this proxy, not moto itself.
    reply(res, await forward(upstreamUrl, req, body, true));
  });
}
