// One local AWS (poc local) for a test file, as a user runs it: started by the file's first
// `setup --local` in a state folder of its own (so that files can run side by side), read
// with plain SDK clients and `poc local inbox`, emptied between tests with moto's reset,
// stopped at the end. Used by the end-to-end files (local*.test.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { IAM } from '@aws-sdk/client-iam';
import { Lambda } from '@aws-sdk/client-lambda';
import { S3 } from '@aws-sdk/client-s3';
import { SNS } from '@aws-sdk/client-sns';
import { SQS } from '@aws-sdk/client-sqs';
import { ROOT, runPoc } from './cli.js';

export const REGION = 'us-east-1';
export const EMAIL = 'student@example.com';

export interface LocalState {
  pid: number;
  motoPid: number;
  endpoint: string;
  stageUrl: string;
  /** The runtime's own log (a detached one, as `setup --local` starts it, writes there). */
  logFile: string;
}

export interface Mail {
  to: string;
  subject: string;
  kind: string;
  message?: string;
  body: string;
}

/** Waits (bounded generously: the machine is shared) until `test` holds. */
export async function until<T>(what: string, read: () => Promise<T>, test: (v: T) => boolean, within = 90_000): Promise<T> {
  const deadline = Date.now() + within;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${within / 1000}s; last seen: ${JSON.stringify(value).slice(0, 600)}`);
    await delay(300);
  }
}

/** `extraEnv`: more for poc's processes (the runtime inherits them), e.g. POC_BACKOFF_SCALE. */
export function localAws(name: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), `poc-${name}-`));
  const files = mkdtempSync(join(tmpdir(), `poc-${name}-files-`));
  const env: NodeJS.ProcessEnv = { ...process.env, POC_STATE_DIR: stateDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1', ...extraEnv };
  delete env.AWS_ENDPOINT_URL;
  delete env.AWS_PROFILE;
  const poc = (...args: string[]) => runPoc(args, env);
  const state = (): LocalState => JSON.parse(readFileSync(join(stateDir, 'local', 'state.json'), 'utf8')) as LocalState;
  let made: ReturnType<typeof clients> | undefined;
  const clients = () => {
    const config = { endpoint: state().endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    return { sqs: new SQS(config), sns: new SNS(config), logs: new CloudWatchLogs(config), lambda: new Lambda(config), dynamodb: new DynamoDB(config), iam: new IAM(config), s3: new S3({ ...config, forcePathStyle: true }) };
  };
  const local = {
    stateDir,
    env,
    poc,
    state,
    /** SDK clients of the running local AWS (made once it runs). */
    get sdk() {
      return (made ??= clients());
    },
    /** Empties the emulator between tests; the runtime keeps running. */
    async reset() {
      const res = await fetch(`${state().endpoint}/moto-api/reset`, { method: 'POST' });
      assert.equal(res.status, 200);
    },
    async inbox(): Promise<Mail[]> {
      const run = await poc('local', 'inbox', '--json');
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { mails: Mail[] }).mails;
    },
    async notifications(): Promise<Mail[]> {
      return (await local.inbox()).filter((m) => m.kind === 'notification');
    },
    async queueUrl(queue: string): Promise<string> {
      return (await local.sdk.sqs.getQueueUrl({ QueueName: queue })).QueueUrl!;
    },
    /** What a log group holds ('' when there is none). */
    async logText(group: string): Promise<string> {
      try {
        return ((await local.sdk.logs.filterLogEvents({ logGroupName: group })).events ?? []).map((e) => e.message).join('\n');
      } catch {
        return '';
      }
    },
    async labWithConfirmedMail(...extra: string[]) {
      const setup = await poc('setup', '--local', '--email', EMAIL, ...extra);
      assert.equal(setup.code, 0, setup.stderr);
      const confirm = await poc('local', 'confirm');
      assert.equal(confirm.code, 0, confirm.stderr);
      return setup;
    },
    /** A file in this file's own folder. */
    file(fileName: string, text: string): string {
      const path = join(files, fileName);
      writeFileSync(path, text);
      return path;
    },
    /** A poc process left running (logs --follow, dashboard): what it printed so far, and its Ctrl-C. */
    running(...args: string[]) {
      const child = spawn(process.execPath, ['bin/poc.js', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const seen = { out: '', err: '' };
      child.stdout.on('data', (d) => (seen.out += d));
      child.stderr.on('data', (d) => (seen.err += d));
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      return { seen, interrupt: () => (child.kill('SIGINT'), exited) };
    },
    async stop() {
      await poc('local', 'stop');
      for (const client of Object.values(made ?? {})) client.destroy();
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(files, { recursive: true, force: true });
    },
  };
  return local;
}
