// The lab's resource names, exactly as the written guide spells them, and --prefix.
import { checkPrefix, prefixed } from '../prefix.js';

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
export function validatePrefix(prefix: string | undefined): string {
  return checkPrefix(prefix, MAX_PREFIX_LENGTH, `IAM role and Lambda function names are limited to ${NAME_LIMIT} characters and the longest lab name is ${LONGEST_BASE}`);
}

export function labNames(prefix = ''): LabNames {
  const p = validatePrefix(prefix);
  const names = prefixed(BASE_NAMES, p) as LabNames;
  names.prefix = p;
  names.logGroup1 = `/aws/lambda/${names.function1}`;
  names.logGroup2 = `/aws/lambda/${names.function2}`;
  return names;
}

/** The order the course tries the pipeline with (task 9), in every example poc prints. */
export const SAMPLE_ORDER = '{"item":"latex gloves","customerID":"12345"}';
