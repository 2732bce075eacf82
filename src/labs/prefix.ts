// --prefix as every lab takes it: the rules all AWS names share, and the prefixing itself.
// Each lab adds only its own limit (the longest name it must fit into) and why.
import { UsageError } from '../errors.js';

/** Letters, digits and single hyphens, starting with a letter: legal in every name the labs make. */
const PREFIX_RE = /^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$/;

/** The prefix, or '' without one; a UsageError (exit 2, before any AWS call) when a name could not carry it. */
export function checkPrefix(prefix: string | undefined, maxLength: number, whyLimit: string): string {
  if (prefix === undefined || prefix === '') return '';
  if (!PREFIX_RE.test(prefix)) {
    throw new UsageError(
      `--prefix "${prefix}" is not usable in AWS resource names.`,
      'Use letters, digits and single hyphens, starting with a letter, e.g. --prefix alice or --prefix team-3.',
    );
  }
  if (prefix.length > maxLength) {
    throw new UsageError(`--prefix "${prefix}" is ${prefix.length} characters; at most ${maxLength} fit.`, `${whyLimit}; use a shorter prefix such as your first name.`);
  }
  return prefix;
}

/** Every base name as `<prefix>-<name>`, or unchanged without a prefix. */
export function prefixed<T extends Record<string, string>>(base: T, prefix: string): { -readonly [K in keyof T]: string } {
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, prefix ? `${prefix}-${v}` : v])) as { -readonly [K in keyof T]: string };
}
