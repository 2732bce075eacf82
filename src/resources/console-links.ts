// Where a person finds a resource in the AWS console: each kind builds its own link
// (Resource.consoleLink) from these.

/** The regional console of a service, e.g. https://eu-west-1.console.aws.amazon.com/sqs */
export const consoleHome = (region: string, service: string) => `https://${region}.console.aws.amazon.com/${service}`;

/** IAM's console is global. */
export const IAM_CONSOLE = 'https://console.aws.amazon.com/iam/home';

export const enc = encodeURIComponent;
