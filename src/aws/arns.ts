// ARNs that can be derived from names alone, so a policy can name exactly what it
// grants without waiting for the resource to exist.
import { createRequire } from 'node:module';

interface PartitionInfo {
  name: string;
  dnsSuffix: string;
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
