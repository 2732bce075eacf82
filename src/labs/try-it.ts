// The input checks the labs' try-it commands share (send-order, upload): options of a
// number, and --timeout, which bounds --wait. All run before the session opens, so bad
// input is refused before any AWS call.
import { UsageError } from '../errors.js';

/** A whole-number option from 1 to max, or its fallback when not given. */
export function positiveInt(value: string | number | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}, not "${value}".`, `For example ${name} 10`);
  return n;
}

/** --timeout bounds --wait: alone it would be silently ignored. */
export function checkTimeoutHasWait(options: { timeout?: unknown; wait?: boolean }): void {
  if (options.timeout !== undefined && !options.wait) {
    throw new UsageError('--timeout sets how long --wait follows, and there is no --wait.', 'Add --wait to follow it for that long, or leave --timeout out.');
  }
}

/** How long --wait follows, in seconds: --timeout, from 1 s to an hour, 90 s by default. */
export function followTimeout(value: string | number | undefined): number {
  return positiveInt(value, '--timeout', 90, 3600);
}
