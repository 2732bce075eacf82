// Starts moto (a real implementation of the AWS APIs) in server mode on a free port
// (moto-test-server.py: moto.server with the launcher's cost patches).
// If it cannot start, the test run fails with the reason: an integration test that
// silently does not run would look like a pass. The tests use it through moto.ts (behind
// the API-model check); the benchmark uses it bare, so that it measures poc, not the check.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/local/ports.js';
import { ROOT } from './cli.js';

export interface MotoServerOptions {
  /** Load AWS's managed policies into moto's IAM (for the tests that grade labs attaching them). */
  managedPolicies?: boolean;
}

export interface MotoServer {
  endpoint: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.env.POC_PYTHON ?? 'python3', [join(ROOT, 'test', 'helpers', 'moto-test-server.py'), '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: options.managedPolicies ? 'true' : 'false' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`moto exited (code ${exited}) before it answered:\n${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto did not answer on ${endpoint} within 60 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  return {
    endpoint,
    reset: () => resetMoto(endpoint),
    async stop() {
      if (exited !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      // unref: the grace timer must not keep the test process alive once moto is gone.
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000).unref())]);
      if (exited === null) child.kill('SIGKILL');
    },
  };
}

/** Empties every service of the server at this endpoint. */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
}

/** Environment for code under test that builds its own clients (the handlers). */
export function awsEnv(endpoint: string, region = 'us-east-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
