// Shared by the integration tests of setup and status: moto's lifecycle for one test
// file, running the commands in-process with a client factory the test owns (so it can
// count the AWS calls), and reading what was built back with plain AWS SDK clients.
// Expected names and ARNs are spelled out here on purpose, not taken from src/: a test
// that derived them with poc's own code would agree with poc's mistakes.
import { after, before, beforeEach } from 'node:test';
import { createAws, type Aws } from '../../src/aws/clients.js';
import type { AnyResource } from '../../src/engine/resource.js';
import type { ResourceReport } from '../../src/engine/walks.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status, type StatusResult } from '../../src/commands/status.js';
import type { LabResult } from '../../src/commands/results.js';
import { createReporter, type Reporter } from '../../src/ui/reporter.js';
import { directClients } from './clients.js';
import { startMoto, type Moto } from './moto.js';

export const REGION = 'us-east-1';

/** The lab's ten task titles, spelled out here (not read from src/) so a renamed task shows up. */
export const TASK_TITLES = [
  'IAM policies and roles',
  'DynamoDB table',
  'SQS queue',
  'First function and its SQS trigger',
  'DynamoDB stream',
  'SNS topic and email subscription',
  'Second function and its stream trigger',
  'REST API',
  'Test the pipeline',
  'Clean up',
];
/** moto's fixed account id. */
export const ACCOUNT = '123456789012';
export const EMAIL = 'student@example.com';

/** The lab's names as the written guide spells them, with an optional prefix. */
export function expectedNames(prefix = '') {
  const n = (base: string) => (prefix ? `${prefix}-${base}` : base);
  return {
    policies: {
      writeDynamoDb: n('Lambda-Write-DynamoDB'),
      snsPublish: n('Lambda-SNS-Publish'),
      streamsRead: n('Lambda-DynamoDBStreams-Read'),
      readSqs: n('Lambda-Read-SQS'),
    },
    roles: {
      sqsDynamoDb: n('Lambda-SQS-DynamoDB'),
      streamsSns: n('Lambda-DynamoDBStreams-SNS'),
      apiSqs: n('APIGateway-SQS'),
    },
    table: n('orders'),
    queue: n('POC-Queue'),
    dlq: n('POC-Queue-DLQ'),
    /** Not in the guide: where the stream trigger records a batch it gives up on. */
    failures: n('POC-Lambda-2-Failures'),
    function1: n('POC-Lambda-1'),
    function2: n('POC-Lambda-2'),
    topic: n('POC-Topic'),
    api: n('POC-API'),
  };
}

export const arn = {
  policy: (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`,
  role: (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`,
  table: (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
  queue: (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
  topic: (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`,
  function: (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
  logGroup: (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`,
};

/**
 * moto for this test file: started before its first test, stopped after its last, and
 * (with resetEach) reset before every test. The answer stands for the running server.
 */
export function motoPerFile(options: { resetEach?: boolean; managedPolicies?: boolean; env?: Record<string, string> } = {}): Moto {
  let current: Moto | undefined;
  const running = () => {
    if (!current) throw new Error('moto has not started');
    return current;
  };
  before(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' }, options.env);
    current = await startMoto({ managedPolicies: options.managedPolicies });
  });
  after(async () => {
    await current?.stop();
  });
  if (options.resetEach) beforeEach(() => running().reset());
  return {
    get endpoint() {
      return running().endpoint;
    },
    get motoEndpoint() {
      return running().motoEndpoint;
    },
    reset: () => running().reset(),
    stop: () => running().stop(),
  };
}

/** Starts moto for this test file, resets it before every test, stops it at the end. */
export function useMoto(): () => Moto {
  const moto = motoPerFile({ resetEach: true });
  return () => moto;
}

export function labOptions(moto: Moto, extra: Partial<SetupOptions> = {}): SetupOptions {
  return { endpointUrl: moto.endpoint, region: REGION, email: EMAIL, ...extra };
}

export interface Events {
  notes: { name: string; text: string }[];
  done: ResourceReport[];
  /** Resolves when the resource with this name has been reported done. */
  whenDone(name: string): Promise<void>;
}

/** A silent reporter that also records what the engine reported, for tests that need to know. */
export async function recordingReporter(): Promise<{ reporter: Reporter; events: Events }> {
  const inner = await createReporter({ json: true });
  const waiting = new Map<string, (() => void)[]>();
  const events: Events = {
    notes: [],
    done: [],
    whenDone(name) {
      if (events.done.some((r) => r.name === name)) return Promise.resolve();
      return new Promise((resolve) => waiting.set(name, [...(waiting.get(name) ?? []), resolve]));
    },
  };
  const reporter: Reporter = {
    ...inner,
    note(resource: AnyResource, text: string) {
      events.notes.push({ name: resource.name, text });
      inner.note?.(resource, text);
    },
    done(resource: AnyResource, report: ResourceReport) {
      events.done.push(report);
      for (const resolve of waiting.get(resource.name) ?? []) resolve();
      waiting.delete(resource.name);
      inner.done?.(resource, report);
    },
  };
  return { reporter, events };
}

export async function newAws(moto: Moto): Promise<Aws> {
  return createAws({ endpointUrl: moto.endpoint, region: REGION });
}

/** Runs `poc setup` in-process with a fresh client factory (or the one given). */
export async function runSetup(
  moto: Moto,
  extra: Partial<SetupOptions> = {},
  with_: { aws?: Aws; reporter?: Reporter } = {},
): Promise<{ result: LabResult; aws: Aws }> {
  const aws = with_.aws ?? (await newAws(moto));
  const reporter = with_.reporter ?? (await createReporter({ json: true }));
  const result = await setup(labOptions(moto, extra), { reporter, aws });
  return { result, aws };
}

export async function runStatus(moto: Moto, extra: Partial<SetupOptions> = {}): Promise<{ result: StatusResult; aws: Aws }> {
  const aws = await newAws(moto);
  const { email: _email, ...options } = labOptions(moto, extra);
  const result = await status(options, { aws });
  return { result, aws };
}

/** Plain SDK clients pointed at moto, to read back what poc built (and to break it by hand). */
export function sdk(moto: Moto) {
  return directClients(moto.endpoint, REGION);
}

export type Sdk = ReturnType<typeof sdk>;

export interface Statement {
  Effect: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  [key: string]: unknown;
}
export interface Document {
  Version?: string;
  Statement: Statement[];
}

/** IAM hands policy documents back URL-encoded (moto does too, for some calls); SQS as plain JSON. */
export function parseDocument(text: string | undefined): Document {
  if (!text) throw new Error('no policy document');
  const json = text.trimStart().startsWith('{') ? text : decodeURIComponent(text);
  const doc = JSON.parse(json) as { Statement: Statement | Statement[] };
  return { ...doc, Statement: Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement] };
}

export const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** A resource's entry in a command's result, by its AWS name. */
export function entry<T extends { name: string }>(resources: T[], name: string): T {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name} in the result; have: ${resources.map((r) => r.name).join(', ')}`);
  return found;
}

export async function queueUrl(clients: Sdk, name: string): Promise<string> {
  return (await clients.sqs.getQueueUrl({ QueueName: name })).QueueUrl!;
}

export async function queueAttributes(clients: Sdk, name: string): Promise<Record<string, string>> {
  const { Attributes = {} } = await clients.sqs.getQueueAttributes({ QueueUrl: await queueUrl(clients, name), AttributeNames: ['All'] });
  return Attributes;
}
