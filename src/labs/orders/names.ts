// The lab's resource names, exactly as the written guide spells them, and --prefix.
import { UsageError } from '../../errors.js';

export const BASE_NAMES = {
  writeDynamoDbPolicy: 'Lambda-Write-DynamoDB',
  snsPublishPolicy: 'Lambda-SNS-Publish',
  streamsReadPolicy: 'Lambda-DynamoDBStreams-Read',
  readSqsPolicy: 'Lambda-Read-SQS',
  sqsDynamoDbRole: 'Lambda-SQS-DynamoDB',
  streamsSnsRole: 'Lambda-DynamoDBStreams-SNS',
  apiSqsRole: 'APIGateway-SQS',
  table: 'orders',
  queue: 'POC-Queue',
  deadLetterQueue: 'POC-Queue-DLQ',
  function1: 'POC-Lambda-1',
  function2: 'POC-Lambda-2',
  /** Not in the guide: where the stream trigger keeps a record of each batch it gives up on. */
  failuresQueue: 'POC-Lambda-2-Failures',
  topic: 'POC-Topic',
  api: 'POC-API',
} as const;

export type LabNames = { -readonly [K in keyof typeof BASE_NAMES]: string } & {
  prefix: string;
  logGroup1: string;
  logGroup2: string;
};

// The tightest limits among the services whose names carry the prefix: IAM role and
// Lambda function names allow 64 characters (letters, digits and -_ among others), SQS
// 80, DynamoDB 255. Letters, digits and single hyphens are legal in every one of them.
const NAME_LIMIT = 64;
const LONGEST_BASE = Math.max(...Object.values(BASE_NAMES).map((n) => n.length));
export const MAX_PREFIX_LENGTH = NAME_LIMIT - LONGEST_BASE - 1;
const PREFIX_RE = /^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$/;

export function validatePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  if (!PREFIX_RE.test(prefix)) {
    throw new UsageError(
      `--prefix "${prefix}" is not usable in AWS resource names.`,
      'Use letters, digits and single hyphens, starting with a letter, e.g. --prefix alice or --prefix team-3.',
    );
  }
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw new UsageError(
      `--prefix "${prefix}" is ${prefix.length} characters; at most ${MAX_PREFIX_LENGTH} fit.`,
      `IAM role and Lambda function names are limited to ${NAME_LIMIT} characters and the longest lab name is ${LONGEST_BASE}; use a shorter prefix such as your first name.`,
    );
  }
  return prefix;
}

export function labNames(prefix = ''): LabNames {
  const p = validatePrefix(prefix);
  const name = (base: string) => (p ? `${p}-${base}` : base);
  const names = Object.fromEntries(Object.entries(BASE_NAMES).map(([k, v]) => [k, name(v)])) as LabNames;
  names.prefix = p;
  names.logGroup1 = `/aws/lambda/${names.function1}`;
  names.logGroup2 = `/aws/lambda/${names.function2}`;
  return names;
}
