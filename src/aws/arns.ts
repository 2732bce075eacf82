// ARNs that can be derived from names alone, so a policy can name exactly what it
// grants without waiting for the resource to exist.
import { createRequire } from 'node:module';

interface PartitionInfo {
  name: string;
  dnsSuffix: string;
  /** Only for a region the partition data lists. */
  description?: string;
}

let sdkPartition: ((region: string) => PartitionInfo) | undefined;

/**
 * Loads the SDK's partition lookup as an ES module, which the built CLI shares with the SDK
 * clients. Commands that talk to AWS call it while STS answers; without it, the lookup is
 * require()d from node_modules: a second copy of the SDK's core, ~25 ms of start-up.
 */
export async function loadPartitions(): Promise<void> {
  sdkPartition ??= (await import('@aws-sdk/core/client')).partition;
}

/**
 * The partition (aws, aws-cn, aws-us-gov, aws-eusc, ...) and DNS suffix of a region, from the
 * SDK's own partition data (the table its endpoint resolver uses), so a new partition needs an
 * SDK update, not a change here; a region it does not know is in `aws`. Loaded on first use:
 * a command that talks to AWS has it loaded already (loadPartitions), and `explain` offline
 * (a placeholder region) does not load the SDK at all.
 */
function partitionInfo(region: string): PartitionInfo {
  if (!/^[a-z0-9-]+$/.test(region)) return { name: 'aws', dnsSuffix: 'amazonaws.com' };
  const partition = sdkPartition ?? (createRequire(import.meta.url)('@aws-sdk/core/client') as { partition(region: string): PartitionInfo }).partition;
  return partition(region);
}

/** Is the region listed in the SDK's partition data (not only shaped like a region of a partition)? */
export function regionListed(region: string): boolean {
  return /^[a-z0-9-]+$/.test(region) && 'description' in partitionInfo(region);
}

/**
 * A listed region one slip away from this unlisted name (a letter left out, added, changed or
 * two swapped: us-eats-1 -> us-east-1), or undefined. Only the words are edited, never the
 * number: a region the SDK does not know yet (eu-west-4, ap-southeast-8) keeps the shape of
 * its neighbours and differs in its number, and must still be usable without a new poc.
 */
export function regionTypo(region: string): string | undefined {
  const m = /^(.*)-(\d+)$/.exec(region);
  if (!m || regionListed(region)) return undefined;
  const [, words, number] = m;
  const letters = 'abcdefghijklmnopqrstuvwxyz-';
  const candidates = new Set<string>();
  for (let i = 0; i <= words.length; i++) {
    if (i < words.length) candidates.add(words.slice(0, i) + words.slice(i + 1));
    if (i < words.length - 1) candidates.add(words.slice(0, i) + words[i + 1] + words[i] + words.slice(i + 2));
    for (const c of letters) {
      candidates.add(words.slice(0, i) + c + words.slice(i));
      if (i < words.length) candidates.add(words.slice(0, i) + c + words.slice(i + 1));
    }
  }
  for (const c of candidates) if (c !== words && regionListed(`${c}-${number}`)) return `${c}-${number}`;
  return undefined;
}

/**
 * The regions of the aws partition that every account has enabled. Regions introduced after
 * March 20, 2019 are opt-in, disabled until the account enables them ("Specify which AWS
 * Regions your account can use", AWS Account Management reference), so this list is closed.
 */
const ENABLED_BY_DEFAULT = new Set(['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-south-1']);

/** A region of the aws partition that an account must enable before using it. */
export function isOptInRegion(region: string): boolean {
  return partitionOf(region) === 'aws' && !ENABLED_BY_DEFAULT.has(region);
}

export function partitionOf(region: string): string {
  return partitionInfo(region).name;
}

export function dnsSuffixOf(region: string): string {
  return partitionInfo(region).dnsSuffix;
}

export class Arns {
  private info?: PartitionInfo;
  constructor(
    readonly region: string,
    readonly account: string,
  ) {}
  get partition(): string {
    return (this.info ??= partitionInfo(this.region)).name;
  }
  get dnsSuffix(): string {
    return (this.info ??= partitionInfo(this.region)).dnsSuffix;
  }
  private arn(service: string, region: string, resource: string): string {
    return `arn:${this.partition}:${service}:${region}:${this.account}:${resource}`;
  }
  policy(name: string): string {
    return this.arn('iam', '', `policy/${name}`);
  }
  role(name: string): string {
    return this.arn('iam', '', `role/${name}`);
  }
  table(name: string): string {
    return this.arn('dynamodb', this.region, `table/${name}`);
  }
  /** Every stream the table ever has: a stream's label changes each time it is re-enabled. */
  tableStreams(name: string): string {
    return `${this.table(name)}/stream/*`;
  }
  queue(name: string): string {
    return this.arn('sqs', this.region, name);
  }
  topic(name: string): string {
    return this.arn('sns', this.region, name);
  }
  function(name: string): string {
    return this.arn('lambda', this.region, `function:${name}`);
  }
  logGroup(name: string): string {
    return this.arn('logs', this.region, `log-group:${name}`);
  }
  /** The form API Gateway uses to call an AWS service action by path. */
  apiGatewaySqsPath(queueName: string): string {
    return `arn:${this.partition}:apigateway:${this.region}:sqs:path/${this.account}/${queueName}`;
  }
}
