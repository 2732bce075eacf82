// Plain SDK clients pointed straight at moto: to read back what poc built, and to break
// it by hand, without going through poc's own code.
import { APIGateway } from '@aws-sdk/client-api-gateway';
import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { IAM } from '@aws-sdk/client-iam';
import { Lambda } from '@aws-sdk/client-lambda';
import { SNS } from '@aws-sdk/client-sns';
import { SQS } from '@aws-sdk/client-sqs';

export function directClients(endpoint: string, region = 'us-east-1') {
  const config = { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return {
    apigateway: new APIGateway(config),
    dynamodb: new DynamoDB(config),
    iam: new IAM(config),
    lambda: new Lambda(config),
    logs: new CloudWatchLogs(config),
    sns: new SNS(config),
    sqs: new SQS(config),
  };
}

/** Runs `body` with the emulator's test keys in the environment (for code that finds its own credentials), then puts back what was there. */
export async function withTestKeys<T>(body: () => Promise<T>): Promise<T> {
  const saved = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  try {
    return await body();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
