// How a command's wall time splits between AWS calls and the time in which none is in
// flight. A round starts when a call starts while no other call is in flight; the time
// before the first call, between rounds and after the last call is the command's own
// (loading, CPU work, waiting on nothing).

export interface TimedCall {
  startedAt: number;
  endedAt: number;
}

export interface Timeline {
  calls: number;
  rounds: number;
  /** ms from the start of the command to its first call. */
  beforeFirst: number;
  /** ms with no call in flight between the first call's start and the last call's end. */
  betweenRounds: number;
  /** ms from the last answer to the command's end. */
  afterLast: number;
}

export function timeline(calls: TimedCall[], start: number, end: number): Timeline {
  const sorted = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  if (!sorted.length) return { calls: 0, rounds: 0, beforeFirst: end - start, betweenRounds: 0, afterLast: 0 };
  let rounds = 0;
  let idle = 0;
  let busyUntil = -Infinity;
  for (const c of sorted) {
    if (c.startedAt >= busyUntil) {
      rounds++;
      if (busyUntil > -Infinity) idle += c.startedAt - busyUntil;
    }
    busyUntil = Math.max(busyUntil, c.endedAt);
  }
  return { calls: sorted.length, rounds, beforeFirst: sorted[0].startedAt - start, betweenRounds: idle, afterLast: Math.max(0, end - busyUntil) };
}
