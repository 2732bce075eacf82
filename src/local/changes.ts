// The emulator's change counters (/_poc/changes, served by moto-launcher.py): "stream" grows
// with each stream record written, "lambda" with each change made through Lambda's API (and
// a reset). The runtime waits on them (a long poll) instead of asking again on a timer, so an
// idle local AWS costs next to nothing and a record is picked up as soon as it is written.

/** How long one wait lasts (s): an idle waiter asks again this often. */
export const CHANGES_WAIT_S = 20;

/** The counter's value once it is past `after`, or after `wait` seconds (0: at once); `after` -1 reads it as it is. */
export async function changes(endpoint: string, counter: 'stream' | 'lambda', after: number, wait: number, signal?: AbortSignal): Promise<number> {
  const res = await fetch(`${endpoint}/_poc/changes?counter=${counter}&after=${after}&wait=${wait}`, { signal });
  if (!res.ok) throw new Error(`/_poc/changes: HTTP ${res.status}`);
  return ((await res.json()) as { value: number }).value;
}
