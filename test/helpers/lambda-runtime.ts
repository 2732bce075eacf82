// The lab's functions as the Lambda service runs them, for tests that call them in-process
// (moto cannot run Lambda code): the real deployment package, zipped as poc uploads it and
// unpacked where only the AWS SDK can be imported (as in the runtime), and the S3 event S3
// sends for an object really stored. For the tests of one handler's own contract, given a
// Lambda-shaped event; end to end, the local AWS runs the functions (local*.test.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3EventRecord } from 'aws-lambda';
import { functionPackage } from '../../src/resources/function-package.js';
import { makeRuntimeFolder } from '../../src/local/sdk-folder.js';
import { lambdaPackages } from './artifacts.js';

/** A fresh folder where, as in the Lambda runtime, the AWS SDK's clients resolve and nothing else does (artifacts.ts). Remove it when done. */
export async function runtimeFolder(prefix: string): Promise<string> {
  return makeRuntimeFolder(prefix, lambdaPackages());
}

/** Unpacks a function's package (as `npm run build` made it) as Lambda does, into the runtime folder, and loads its handler (index.handler). */
export async function deployHandler<T>(workdir: string, name: string, lab = 'inventory'): Promise<T> {
  const zip = await functionPackage(`${lab}/${name}`).zip();
  const dir = join(workdir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.zip'), zip);
  execFileSync(process.env.POC_PYTHON ?? 'python3', ['-m', 'zipfile', '-e', 'package.zip', 'code'], { cwd: dir });
  assert.deepEqual(await readdir(join(dir, 'code')), ['index.mjs']);
  return ((await import(pathToFileURL(join(dir, 'code', 'index.mjs')).href)) as { handler: T }).handler;
}

/** How S3 writes a key into an event: URL-encoded, a space as '+', '/' kept. */
const s3EventKey = (key: string) =>
  key
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');

/** The event record S3 sends for an object stored in the bucket, from what S3 says of it. */
export async function objectCreatedRecord(s3: S3Client, bucket: string, key: string, region = 'us-east-1'): Promise<S3EventRecord> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: new Date().toISOString(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'EXAMPLE123456789', 'x-amz-id-2': 'EXAMPLE123/abcdefghijklmnopqrstuvwxyz' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'poc-load-inventory',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: s3EventKey(key), size: head.ContentLength ?? 0, eTag: (head.ETag ?? '').replace(/"/g, ''), sequencer: '0055AED6DCD90281E5' },
    },
  };
}
