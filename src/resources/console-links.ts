// Where a person finds a resource in the AWS console: each kind builds its own link
// (Resource.consoleLink) from these.
import { partitionOf } from '../aws/arns.js';

/**
 * The console's host in each partition: regional in `aws` ("AWS Management Console
 * endpoints", https://docs.aws.amazon.com/general/latest/gr/mgmt-console.html), one host for
 * China (the domain of Amazon Web Services China is amazonaws.cn: "General Information About
 * Amazon Web Services China", https://docs.amazonaws.cn/en_us/aws/latest/userguide/general-info.html)
 * and one for AWS GovCloud (US), whose accounts sign in at signin.amazonaws-us-gov.com (AWS
 * GovCloud (US) User Guide, IAM). Every link also names the region (?region=), as the
 * single-host consoles need. A partition without a public console (the isolated ones) gets
 * the aws form: the best poc can say.
 */
function consoleOrigin(region: string): string {
  switch (partitionOf(region)) {
    case 'aws-cn':
      return 'https://console.amazonaws.cn';
    case 'aws-us-gov':
      return 'https://console.amazonaws-us-gov.com';
    default:
      return `https://${region}.console.aws.amazon.com`;
  }
}

/** The regional console of a service, e.g. https://eu-west-1.console.aws.amazon.com/sqs */
export const consoleHome = (region: string, service: string) => `${consoleOrigin(region)}/${service}`;

/** IAM's console is global within a partition. */
export const iamConsole = (region: string) => `${partitionOf(region) === 'aws' ? 'https://console.aws.amazon.com' : consoleOrigin(region)}/iam/home`;

export const enc = encodeURIComponent;
