// ARNs that can be derived from names alone, so a policy can name exactly what it
// grants without waiting for the resource to exist.
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export class Arns {
  readonly partition: string;
  constructor(
    readonly region: string,
    readonly account: string,
  ) {
    this.partition = partitionOf(region);
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
