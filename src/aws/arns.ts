// ARNs that can be derived from names alone, so a policy can name exactly what it
// grants without waiting for the resource to exist.
import { partition } from '@aws-sdk/core/client';

/**
 * The partition (aws, aws-cn, aws-us-gov, aws-eusc, ...) and DNS suffix of a region, from the
 * SDK's own partition data (the same table its endpoint resolver uses), so a new partition
 * needs an SDK update, not a change here. A region it does not know is in `aws`.
 */
export function partitionOf(region: string): string {
  return partition(region).name;
}

export function dnsSuffixOf(region: string): string {
  return partition(region).dnsSuffix;
}

export class Arns {
  readonly partition: string;
  readonly dnsSuffix: string;
  constructor(
    readonly region: string,
    readonly account: string,
  ) {
    this.partition = partitionOf(region);
    this.dnsSuffix = dnsSuffixOf(region);
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
