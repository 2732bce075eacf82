// Runs work over a dependency graph: a node starts as soon as everything it depends on
// has finished, so independent resources are worked on at the same time and the number
// of sequential rounds is the depth of the graph, not the number of resources.

export type NodeResult<T> =
  | { status: 'done'; value: T }
  | { status: 'failed'; error: unknown }
  /** `partly`: the node's work had begun and stopped where it waited on `because` (`after`). */
  | { status: 'skipped'; because: string; partly?: boolean };

/** Thrown by `after` when a node the work waits on did not finish: the node is skipped, not failed. */
export class NotAttempted extends Error {
  constructor(readonly because: string) {
    super(`${because} did not finish`);
  }
}

/**
 * Waits, part-way through a node's work, for nodes it did not wait for before it started
 * (they must not depend on it); the node's slot is given back meanwhile.
 */
export type After = (keys: string[]) => Promise<void>;

export async function runGraph<T>(
  keys: string[],
  dependsOn: (key: string) => string[],
  work: (key: string, after: After) => Promise<T>,
  signal?: AbortSignal,
  /** At most this many nodes at once (1 = one after another, for comparison). */
  limit = Infinity,
): Promise<Map<string, NodeResult<T>>> {
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = async () => {
    if (running >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
  };
  const release = () => {
    running--;
    queue.shift()?.();
  };
  const results = new Map<string, NodeResult<T>>();
  const known = new Set(keys);
  const pending = new Map<string, Promise<NodeResult<T>>>();
  let stopped = false;

  const run = (key: string, path: string[] = []): Promise<NodeResult<T>> => {
    let promise = pending.get(key);
    if (promise) return promise;
    if (path.includes(key)) throw new Error(`dependency cycle: ${[...path, key].join(' -> ')}`);
    const deps = dependsOn(key).filter((d) => known.has(d));
    promise = Promise.all(deps.map((d) => run(d, [...path, key]))).then(async (depResults) => {
      const blocked = deps.find((_, i) => depResults[i].status !== 'done');
      let result: NodeResult<T>;
      if (blocked) result = { status: 'skipped', because: blocked };
      else if (stopped || signal?.aborted) result = { status: 'skipped', because: 'stopped' };
      else {
        const after: After = async (later) => {
          const waited = later.filter((k) => known.has(k));
          if (!waited.length) return;
          release();
          try {
            const laterResults = await Promise.all(waited.map((k) => run(k, [...path, key])));
            const missing = waited.find((_, i) => laterResults[i].status !== 'done');
            if (missing) throw new NotAttempted(missing);
          } finally {
            await slot();
          }
        };
        await slot();
        try {
          result = { status: 'done', value: await work(key, after) };
        } catch (error) {
          if (error instanceof NotAttempted) result = { status: 'skipped', because: error.because, partly: true };
          else {
            // Let work already under way finish, but start nothing new: a half-applied
            // graph is resumable, a graph still racing after an error is confusing.
            stopped = true;
            result = { status: 'failed', error };
          }
        } finally {
          release();
        }
      }
      results.set(key, result);
      return result;
    });
    pending.set(key, promise);
    return promise;
  };

  await Promise.all(keys.map((k) => run(k)));
  return new Map(keys.map((k) => [k, results.get(k)!]));
}
