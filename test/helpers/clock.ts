// A controlled clock for code that takes one (the pacer): time moves only when the test
// says so, and every timer due on the way runs in order, each followed by the promises it
// settles. A test then asserts exact times, which a busy machine cannot make late.
import { setImmediate as settled } from 'node:timers/promises';
import type { Clock } from '../../src/aws/pacing.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export interface ControlledClock extends Clock {
  /** Moves time on by `ms`, running the timers due on the way. */
  advance(ms: number): Promise<void>;
  /** Timers set and not yet run. */
  readonly pending: number;
}

export function controlledClock(start = 0): ControlledClock {
  let now = start;
  let seq = 0;
  const timers: Timer[] = [];
  const handle = { ref: () => handle, unref: () => handle };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      timers.push({ at: now + Math.max(0, ms), seq: seq++, fn });
      return handle;
    },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        // What the last timer (or the test's own calls) set going settles first: it may set new timers.
        await settled();
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        if (!timers.length || timers[0]!.at > end) break;
        const next = timers.shift()!;
        now = next.at;
        next.fn();
      }
      now = end;
      await settled();
    },
    get pending() {
      return timers.length;
    },
  };
}
