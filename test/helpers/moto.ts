// moto for the tests: the server (moto-server.ts) behind the check of every request
// against AWS's API models (model-check-proxy.ts).
import { startMotoServer, type MotoServerOptions } from './moto-server.js';
import { leaseMoto, POOL_ENV } from './moto-pool.js';
import { startCheckingProxy } from './model-check-proxy.js';

export { awsEnv } from './moto-server.js';

export interface Moto {
  /** Where the code under test sends its requests: moto behind the API-model check (model-check-proxy.ts). */
  endpoint: string;
  /** moto itself, unchecked: only for requests that are not poc's (e.g. API Gateway's own call to SQS). */
  motoEndpoint: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMoto(options: MotoServerOptions = {}): Promise<Moto> {
  // Under test/run-tests.js, a server of its pool (reset); a file run on its own starts its own.
  const pool = process.env[POOL_ENV];
  const server = pool ? await leaseMoto(pool, options) : await startMotoServer(options);
  // Every request to the endpoint handed out is checked against AWS's API models first:
  // moto does not enforce them, AWS does.
  const checked = await startCheckingProxy(server.endpoint);
  return {
    endpoint: checked.endpoint,
    motoEndpoint: server.endpoint,
    reset: server.reset,
    async stop() {
      await checked.close();
      await server.stop();
    },
  };
}
