// The benchmark's round counting (bench/rounds.ts): how a command's wall time splits
// between rounds of AWS calls and the time in which none is in flight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeline } from '../bench/rounds.js';

describe('a command timeline', () => {
  it('counts a round per call that starts with nothing in flight, and the idle time around and between them', () => {
    const calls = [
      { startedAt: 100, endedAt: 130 }, // STS
      { startedAt: 200, endedAt: 240 }, // round 2: three at once
      { startedAt: 205, endedAt: 230 },
      { startedAt: 239, endedAt: 260 }, // starts while one is still in flight: same round
      { startedAt: 300, endedAt: 330 }, // round 3
    ];
    assert.deepEqual(timeline(calls, 0, 400), { calls: 5, rounds: 3, beforeFirst: 100, betweenRounds: 70 + 40, afterLast: 70 });
  });

  it('does not depend on the order the calls were recorded in', () => {
    const calls = [{ startedAt: 50, endedAt: 60 }, { startedAt: 10, endedAt: 20 }];
    assert.deepEqual(timeline(calls, 0, 60), { calls: 2, rounds: 2, beforeFirst: 10, betweenRounds: 30, afterLast: 0 });
  });

  it('is all time before the first call when there was none (poc --help)', () => {
    assert.deepEqual(timeline([], 5, 45), { calls: 0, rounds: 0, beforeFirst: 40, betweenRounds: 0, afterLast: 0 });
  });
});
