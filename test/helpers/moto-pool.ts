// One moto per test worker, not one per test file. Starting moto costs seconds of CPU
// (tens of seconds of wall time on a loaded machine) and ~35 files each started their own;
// resetting one (POST /moto-api/reset) costs a fraction of that. test/run-tests.js runs a
// pool: a test file leases a server for as long as its connection to the pool is open (so
// a file that crashes gives its server back too), and each lease begins with a reset. A
// file run on its own (no pool in the environment) starts its own moto, as before.
import { connect, createServer, type Socket } from 'node:net';
import { resetMoto, startMotoServer, type MotoServer, type MotoServerOptions } from './moto-server.js';

/** Where test files find the pool: host:port of its server. */
export const POOL_ENV = 'POC_TEST_MOTO_POOL';

export interface MotoPool {
  address: string;
  /** Servers started so far, and leases served. */
  stats(): { started: number; leases: number };
  close(): Promise<void>;
}

export async function startMotoPool(): Promise<MotoPool> {
  const idle = new Map<string, MotoServer[]>();
  const all: MotoServer[] = [];
  let leases = 0;

  const lease = async (options: MotoServerOptions): Promise<MotoServer> => {
    const key = options.managedPolicies ? 'managed-policies' : 'plain';
    const shelf = idle.get(key) ?? [];
    idle.set(key, shelf);
    for (let moto = shelf.pop(); moto; moto = shelf.pop()) {
      try {
        await resetMoto(moto.endpoint);
        return moto;
      } catch {
        await moto.stop(); // gone or broken: start another
      }
    }
    const moto = await startMotoServer(options);
    all.push(moto);
    return moto;
  };

  const serve = (socket: Socket) => {
    let request = '';
    let closed = false;
    let held: { key: string; moto: MotoServer } | undefined;
    const giveBack = () => {
      if (held) idle.get(held.key)!.push(held.moto);
      held = undefined;
    };
    socket.on('close', () => {
      closed = true;
      giveBack();
    });
    socket.on('error', () => {});
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (request.includes('\n')) return;
      request += chunk;
      if (!request.includes('\n')) return;
      const options = JSON.parse(request.slice(0, request.indexOf('\n'))) as MotoServerOptions;
      lease(options).then(
        (moto) => {
          leases++;
          held = { key: options.managedPolicies ? 'managed-policies' : 'plain', moto };
          if (closed) giveBack();
          else socket.write(`${JSON.stringify({ endpoint: moto.endpoint })}\n`);
        },
        (error: Error) => socket.end(`${JSON.stringify({ error: error.message })}\n`),
      );
    });
  };

  const server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    stats: () => ({ started: all.length, leases }),
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await Promise.all(all.map((m) => m.stop()));
    },
  };
}

/** A server of the pool, held until stop() (or until this process ends). */
export async function leaseMoto(address: string, options: MotoServerOptions): Promise<MotoServer> {
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host!);
  socket.setEncoding('utf8');
  const answer = await new Promise<{ endpoint?: string; error?: string }>((resolve, reject) => {
    let text = '';
    socket.once('error', reject);
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) resolve(JSON.parse(text.slice(0, text.indexOf('\n'))));
    });
    socket.once('close', () => reject(new Error(`the moto pool at ${address} closed the connection: ${text}`)));
    socket.write(`${JSON.stringify(options)}\n`);
  });
  if (!answer.endpoint) throw new Error(`the moto pool could not give a server: ${answer.error}`);
  // The lease must not keep this process alive: it ends with the process at the latest.
  socket.unref();
  const endpoint = answer.endpoint;
  return {
    endpoint,
    reset: () => resetMoto(endpoint),
    async stop() {
      if (socket.destroyed) return;
      // Held again while it closes: an unref'd socket alone would let the event loop end
      // under an after() hook still waiting for it.
      socket.ref();
      const gone = new Promise((resolve) => socket.once('close', resolve));
      socket.end();
      await gone;
    },
  };
}
