// Where a person finds each kind of resource in the AWS console (for `setup --step`).
import type { ResourceJson } from '../commands/results.js';

export function consoleLink(r: ResourceJson, region: string): string | undefined {
  const home = (service: string) => `https://${region}.console.aws.amazon.com/${service}`;
  const enc = encodeURIComponent;
  switch (r.type) {
    case 'iam-policy':
      return r.id && `https://console.aws.amazon.com/iam/home#/policies/details/${enc(r.id)}`;
    case 'iam-role':
      return `https://console.aws.amazon.com/iam/home#/roles/details/${enc(r.name)}`;
    case 'dynamodb-table':
      return `${home('dynamodbv2')}/home?region=${region}#table?name=${enc(r.name)}`;
    case 'dynamodb-stream':
      return `${home('dynamodbv2')}/home?region=${region}#table?name=${enc(r.name.replace(/ stream$/, ''))}&tab=exports-and-streams`;
    case 'sqs-queue':
      return typeof r.details?.url === 'string' ? `${home('sqs')}/v3/home?region=${region}#/queues/${enc(r.details.url)}` : undefined;
    case 'lambda-function':
      return `${home('lambda')}/home?region=${region}#/functions/${enc(r.name)}`;
    case 'event-source-mapping':
      return `${home('lambda')}/home?region=${region}#/functions/${enc(r.name.split(' ')[0])}?tab=configure`;
    case 'log-group':
      return `${home('cloudwatch')}/home?region=${region}#logsV2:log-groups/log-group/${enc(enc(r.name))}`;
    case 'sns-topic':
    case 'sns-subscription':
      return r.id && r.id.startsWith('arn:') ? `${home('sns')}/v3/home?region=${region}#/topic/${r.id.split(':').slice(0, 6).join(':')}` : undefined;
    case 'rest-api':
      return r.id && `${home('apigateway')}/main/apis/${enc(r.id)}/resources?api=${enc(r.id)}&region=${region}`;
    default:
      return undefined;
  }
}
