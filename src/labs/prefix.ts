// --prefix as every lab takes it: the rules all AWS names share, and the prefixing itself.
// Each lab adds only its own limit (the longest name it must fit into) and why.
import { UsageError } from '../errors.js';

/** Letters, digits and single hyphens, starting with a letter: legal in every name the labs make. */
const PREFIX_RE = /^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$/;

// Lowercase only. Two prefixes that differ only in case can never be two labs: S3 bucket
// names are lowercase (the inventory lab's bucket is the same for Zed and zed) and IAM
// names are unique regardless of case, so cleaning up Zed would delete zed's. Refusing
// capitals is one rule for every command and every lab, checked before any AWS call; a
// collision check instead would have to list every service first and could still race
// with a setup of the other spelling.

/** The prefix, or '' without one; a UsageError (exit 2, before any AWS call) when a name could not carry it. */
export function checkPrefix(prefix: string | undefined, maxLength: number, whyLimit: string): string {
  if (prefix === undefined || prefix === '') return '';
  if (!PREFIX_RE.test(prefix)) {
    throw new UsageError(
      `--prefix "${prefix}" is not usable in AWS resource names.`,
      'Use lowercase letters, digits and single hyphens, starting with a letter, e.g. --prefix alice or --prefix team-3.',
    );
  }
  if (prefix !== prefix.toLowerCase()) {
    throw new UsageError(
      `--prefix "${prefix}" has capital letters; a prefix is lowercase.`,
      `Use --prefix ${prefix.toLowerCase()}: S3 bucket names are lowercase and IAM names ignore case, so "${prefix}" and "${prefix.toLowerCase()}" would share (and clean up) the same resources.`,
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
