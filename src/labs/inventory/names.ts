// The inventory lab's resource names, as the course spells them, and --prefix.
//
// The bucket's name is global across every AWS account, so it carries the account and
// region: inventory-<account>-<region>, with the prefix in front (lowercased: bucket names
// allow no capitals; IAM role names ignore case anyway, so "Alice" and "alice" were one
// student already). The prefix rule is checked against the longest bucket name a region
// can give, so a prefix that passes makes every name valid before any AWS call.
import { UsageError } from '../../errors.js';
import { bucketNameProblem } from '../../resources/s3-bucket.js';
import type { LabPlace } from '../lab.js';
import { checkPrefix, prefixed } from '../prefix.js';

export const BASE_NAMES = {
  table: 'Inventory',
  loadRole: 'Lambda-Load-Inventory-Role',
  checkRole: 'Lambda-Check-Stock-Role',
  loadFunction: 'Load-Inventory',
  checkFunction: 'Check-Stock',
  topic: 'NoStock',
} as const;

export type InventoryNames = { -readonly [K in keyof typeof BASE_NAMES]: string } & {
  prefix: string;
  loadLogGroup: string;
  checkLogGroup: string;
};

const BUCKET_BASE = 'inventory';
const BUCKET_LIMIT = 63;
/** An account id is 12 digits; the longest region code today is 14 characters (ap-southeast-5): one spare. */
const ACCOUNT_LENGTH = 12;
const REGION_ALLOWANCE = 15;
// IAM role and Lambda function names allow 64 characters; the bucket 63 in all.
const NAME_LIMIT = 64;
const LONGEST_BASE = Math.max(...Object.values(BASE_NAMES).map((n) => n.length));
export const MAX_PREFIX_LENGTH = Math.min(
  NAME_LIMIT - LONGEST_BASE - 1,
  BUCKET_LIMIT - (BUCKET_BASE.length + 1 + ACCOUNT_LENGTH + 1 + REGION_ALLOWANCE) - 1,
);

/** The bucket of this lab in this account and region. */
export function bucketName(prefix: string, place: LabPlace): string {
  const base = `${BUCKET_BASE}-${place.account}-${place.region}`;
  return prefix ? `${prefix.toLowerCase()}-${base}` : base;
}

export function validatePrefix(given: string | undefined): string {
  const prefix = checkPrefix(given, MAX_PREFIX_LENGTH, `The S3 bucket's name (<prefix>-inventory-<account>-<region>) is limited to ${BUCKET_LIMIT} characters`);
  if (!prefix) return '';
  // The S3 rules beyond length (names S3 reserves, such as sthree-...), on the longest name this prefix can give.
  const sample = bucketName(prefix, { account: '0'.repeat(ACCOUNT_LENGTH), region: 'ap-southeast-5' });
  const problem = bucketNameProblem(sample);
  // Said of the name the lab would really make (its account and region filled in later), not of the sample.
  const real = bucketName(prefix, { account: '<account>', region: '<region>' });
  if (problem) throw new UsageError(`--prefix "${prefix}" cannot start an S3 bucket name: ${problem.replace(sample, real)}.`, 'Choose another prefix, e.g. your first name.');
  return prefix;
}

export function inventoryNames(prefix = ''): InventoryNames {
  const p = validatePrefix(prefix);
  const names = prefixed(BASE_NAMES, p) as InventoryNames;
  names.prefix = p;
  names.loadLogGroup = `/aws/lambda/${names.loadFunction}`;
  names.checkLogGroup = `/aws/lambda/${names.checkFunction}`;
  return names;
}

/** The bucket for a real account and region: checked again, since a region code has no length limit. */
export function checkedBucketName(prefix: string, place: LabPlace): string {
  const name = bucketName(prefix, place);
  // Explaining offline fills in placeholders (<ACCOUNT_ID>): not a name anyone creates.
  if (!/^\d{12}$/.test(place.account)) return name;
  const problem = bucketNameProblem(name);
  if (problem) throw new UsageError(`The lab's bucket name is not valid in ${place.region}: ${problem}.`, 'Use a shorter --prefix.');
  return name;
}
