// The inventory lab's new resource kinds against moto: an S3 bucket with its event
// notification to a function, and the function's permission that lets S3 invoke it.
// Read back with plain SDK clients, not with the kinds' own observe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S3 } from '@aws-sdk/client-s3';
import { Arns } from '../src/aws/arns.js';
import { createAws } from '../src/aws/clients.js';
import type { AnyResource, Ctx } from '../src/engine/resource.js';
import { applyAll, destroyAll, observeAll } from '../src/engine/walks.js';
import type { LabNames } from '../src/labs/lab.js';
import { zipFiles } from '../scripts/function-packages.js';
import { lambdaPermission } from '../src/resources/lambda-permission.js';
import { bucketNameProblem, s3Bucket } from '../src/resources/s3-bucket.js';
import { ACCOUNT, REGION, motoPerFile, sdk } from './helpers/lab.js';

const moto = motoPerFile({ resetEach: true, env: { POC_BACKOFF_SCALE: '0.01', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });

const BUCKET = 'inventory-123456789012-us-east-1';
const FUNCTION = 'Load-Inventory';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION}`;
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

async function ctxFor(region = REGION): Promise<Ctx> {
  const aws = await createAws({ endpointUrl: moto.endpoint, region });
  return {
    aws,
    account: ACCOUNT,
    region,
    arns: new Arns(region, ACCOUNT),
    names: {} as LabNames,
    settings: { runtime: 'nodejs22.x' },
    tags: { 'poc:lab': 'inventory' },
    state: new Map(),
    reads: new Map(),
    note: () => {},
  };
}

const s3Of = (region = REGION) => new S3({ endpoint: moto.endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

/** A function to notify (its code does not matter: moto does not run it). */
async function makeFunction(): Promise<void> {
  const c = sdk(moto);
  const { Role } = await c.iam.createRole({
    RoleName: 'Lambda-Load-Inventory-Role',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  });
  const zip = await zipFiles([['index.mjs', Buffer.from('export const handler = async () => ({});\n')]]);
  await c.lambda.createFunction({ FunctionName: FUNCTION, Runtime: 'nodejs22.x', Role: Role!.Arn!, Handler: 'index.handler', Code: { ZipFile: zip } });
}

const permission = () =>
  lambdaPermission({
    key: 'permission:s3-invoke',
    task: 2,
    functionName: FUNCTION,
    statementId: 'poc-s3-invoke',
    principal: 's3.amazonaws.com',
    sourceArn: (ctx) => `arn:${ctx.arns.partition}:s3:::${BUCKET}`,
    needs: [],
  });

const bucket = () =>
  s3Bucket({
    key: 'bucket:inventory',
    task: 2,
    name: BUCKET,
    needs: ['permission:s3-invoke'],
    notification: { id: 'poc-load-inventory', functionArn: (ctx) => ctx.arns.function(FUNCTION) },
  });

const outcomes = (reports: { name: string; outcome?: string }[]) => Object.fromEntries(reports.map((r) => [r.name, r.outcome]));

async function policyStatements(): Promise<Record<string, unknown>[]> {
  const { Policy } = await sdk(moto).lambda.getPolicy({ FunctionName: FUNCTION });
  return (JSON.parse(Policy!) as { Statement: Record<string, unknown>[] }).Statement;
}

describe('S3 bucket and Lambda permission (resource kinds)', () => {
  it('ensure creates the permission first, then the bucket with its notification; a second ensure is unchanged', async () => {
    await makeFunction();
    const ctx = await ctxFor();
    const resources: AnyResource[] = [bucket(), permission()];
    const first = await applyAll(resources, ctx);
    assert.deepEqual(outcomes(first), { [BUCKET]: 'created', [`${FUNCTION} invoke permission for s3.amazonaws.com`]: 'created' });

    // AWS validates the destination when the notification is written: the permission must come first.
    const ops = ctx.aws.calls.map((c) => c.operation);
    assert.ok(ops.indexOf('AddPermission') >= 0 && ops.indexOf('AddPermission') < ops.indexOf('PutBucketNotificationConfiguration'), ops.join(' '));

    const [statement] = await policyStatements();
    assert.equal(statement!.Sid, 'poc-s3-invoke');
    assert.deepEqual(statement!.Principal, { Service: 's3.amazonaws.com' });
    assert.equal(statement!.Action, 'lambda:InvokeFunction');
    const condition = JSON.stringify(statement!.Condition);
    assert.ok(condition.includes(BUCKET_ARN) && condition.includes(ACCOUNT), condition);

    const s3 = s3Of();
    const notification = await s3.getBucketNotificationConfiguration({ Bucket: BUCKET });
    assert.equal(notification.LambdaFunctionConfigurations?.length, 1);
    assert.equal(notification.LambdaFunctionConfigurations![0]!.LambdaFunctionArn, FUNCTION_ARN);
    assert.deepEqual(notification.LambdaFunctionConfigurations![0]!.Events, ['s3:ObjectCreated:*']);
    const pab = (await s3.getPublicAccessBlock({ Bucket: BUCKET })).PublicAccessBlockConfiguration;
    assert.deepEqual(pab, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    assert.deepEqual((await s3.getBucketTagging({ Bucket: BUCKET })).TagSet, [{ Key: 'poc:lab', Value: 'inventory' }]);

    const again = await ctxFor();
    const second = await applyAll([bucket(), permission()], again);
    assert.deepEqual(new Set(second.map((r) => r.outcome)), new Set(['unchanged']));
    assert.deepEqual(again.aws.calls.filter((c) => c.mutating).map((c) => c.operation), [], 'a re-run changes nothing');
  });

  it('diff names drift: a removed notification, public access opened, a permission for another source', async () => {
    await makeFunction();
    await applyAll([bucket(), permission()], await ctxFor());
    const s3 = s3Of();
    await s3.putBucketNotificationConfiguration({ Bucket: BUCKET, NotificationConfiguration: {} });
    await s3.deletePublicAccessBlock({ Bucket: BUCKET });
    const lambda = sdk(moto).lambda;
    await lambda.removePermission({ FunctionName: FUNCTION, StatementId: 'poc-s3-invoke' });
    await lambda.addPermission({ FunctionName: FUNCTION, StatementId: 'poc-s3-invoke', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::someone-elses-bucket' });

    const reports = await observeAll([bucket(), permission()], await ctxFor());
    const byName = Object.fromEntries(reports.map((r) => [r.name, r]));
    assert.equal(byName[BUCKET]!.state, 'drifted');
    assert.deepEqual(byName[BUCKET]!.reasons, ['public access is not blocked', `uploads do not invoke ${FUNCTION} (no event notification for s3:ObjectCreated:* to it)`]);
    const perm = byName[`${FUNCTION} invoke permission for s3.amazonaws.com`]!;
    assert.equal(perm.state, 'drifted');
    assert.deepEqual(perm.reasons, [`its source is arn:aws:s3:::someone-elses-bucket, want ${BUCKET_ARN}`, `it does not limit the source account to ${ACCOUNT}`]);

    // ensure repairs all of it, and then there is nothing left to repair.
    const repaired = await applyAll([bucket(), permission()], await ctxFor());
    assert.deepEqual(new Set(repaired.map((r) => r.outcome)), new Set(['updated']));
    const [statement] = await policyStatements();
    assert.ok(JSON.stringify(statement!.Condition).includes(BUCKET_ARN));
    assert.deepEqual(new Set((await applyAll([bucket(), permission()], await ctxFor())).map((r) => r.outcome)), new Set(['unchanged']));
  });

  it("keeps other entries of the bucket's notification configuration when it adds its own", async () => {
    await makeFunction();
    const s3 = s3Of();
    await s3.createBucket({ Bucket: BUCKET });
    const c = sdk(moto);
    const { TopicArn } = await c.sns.createTopic({ Name: 'deletions' });
    await s3.putBucketNotificationConfiguration({
      Bucket: BUCKET,
      NotificationConfiguration: {
        TopicConfigurations: [{ Id: 'theirs', TopicArn, Events: ['s3:ObjectRemoved:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'archive/' }] } } }],
      },
    });
    await applyAll([bucket(), permission()], await ctxFor());
    const after = await s3.getBucketNotificationConfiguration({ Bucket: BUCKET });
    assert.deepEqual(after.TopicConfigurations?.map((t) => [t.Id, t.TopicArn, t.Events]), [['theirs', TopicArn, ['s3:ObjectRemoved:*']]]);
    assert.deepEqual(after.TopicConfigurations?.[0]?.Filter?.Key?.FilterRules?.map((r) => [String(r.Name).toLowerCase(), r.Value]), [['prefix', 'archive/']]);
    assert.deepEqual(after.LambdaFunctionConfigurations?.map((l) => l.LambdaFunctionArn), [FUNCTION_ARN]);
  });

  it('destroy empties a versioned bucket (every version and delete marker) and deletes it; a second destroy says absent', async () => {
    await makeFunction();
    const ctx = await ctxFor();
    await applyAll([bucket(), permission()], ctx);
    const s3 = s3Of();
    await s3.putBucketVersioning({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });
    for (const Key of ['inventory berlin.csv', 'a/b.csv', 'c.csv']) {
      for (let v = 0; v < 3; v++) await s3.putObject({ Bucket: BUCKET, Key, Body: `store,item,count\nX,Y,${v}\n` });
    }
    await s3.deleteObject({ Bucket: BUCKET, Key: 'c.csv' }); // a delete marker
    const listed = await s3.listObjectVersions({ Bucket: BUCKET });
    assert.equal(listed.Versions?.length, 9);
    assert.equal(listed.DeleteMarkers?.length, 1);

    const first = await destroyAll([bucket(), permission()], await ctxFor());
    assert.deepEqual(new Set(first.map((r) => r.outcome)), new Set(['deleted']));
    await assert.rejects(s3.headBucket({ Bucket: BUCKET }), (e: Error) => e.name === 'NotFound');
    await assert.rejects(sdk(moto).lambda.getPolicy({ FunctionName: FUNCTION }), (e: Error) => e.name === 'ResourceNotFoundException');

    const second = await destroyAll([bucket(), permission()], await ctxFor());
    assert.deepEqual(new Set(second.map((r) => r.outcome)), new Set(['absent']));
  });

  it('destroy empties more than one page (over 1000 objects)', async () => {
    const ctx = await ctxFor();
    const plain = s3Bucket({ key: 'bucket:plain', task: 2, name: BUCKET, needs: [] });
    await applyAll([plain], ctx);
    const s3 = s3Of();
    const keys = Array.from({ length: 1005 }, (_, i) => `f-${String(i).padStart(4, '0')}.csv`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((Key) => s3.putObject({ Bucket: BUCKET, Key, Body: 'x' })));
    const calls = await ctxFor();
    assert.equal(await plain.destroy(calls), 'deleted');
    assert.equal(calls.aws.calls.filter((c) => c.operation === 'DeleteObjects').length, 2);
    await assert.rejects(s3.headBucket({ Bucket: BUCKET }), (e: Error) => e.name === 'NotFound');
  });

  it('outside us-east-1 the bucket is created in the lab region (LocationConstraint)', async () => {
    const region = 'eu-west-1';
    const plain = s3Bucket({ key: 'bucket:plain', task: 2, name: 'inventory-123456789012-eu-west-1', needs: [] });
    const ctx = await ctxFor(region);
    const [report] = await applyAll([plain], ctx);
    assert.equal(report!.outcome, 'created');
    const { LocationConstraint } = await s3Of(region).getBucketLocation({ Bucket: 'inventory-123456789012-eu-west-1' });
    assert.equal(LocationConstraint, region);
    assert.equal(report!.details?.region, region);
  });

  it('a name owned by another account gets an error naming the fix', async () => {
    const ctx = await ctxFor();
    // moto is one account; AWS answers BucketAlreadyExists for another's bucket. Stand in for it
    // by answering CreateBucket as AWS would (the observe before it sees nothing).
    const s3 = await ctx.aws.client('s3');
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CreateBucketCommand') {
          throw Object.assign(new Error('The requested bucket name is not available.'), { name: 'BucketAlreadyExists', $metadata: { httpStatusCode: 409 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'otherAccountOwnsIt' },
    );
    const plain = s3Bucket({ key: 'bucket:plain', task: 2, name: BUCKET, needs: [] });
    const [report] = await applyAll([plain], ctx).catch((e) => [{ outcome: 'failed', error: e }] as never);
    assert.equal(report!.outcome, 'failed');
    assert.match(report!.error!.message, /belongs to another AWS account/);
    assert.match(report!.error!.hint!, /--prefix/);
  });

  it("a bucket S3 will not show (another account's: HeadBucket 403) is an error naming the fix, not 'absent'", async () => {
    const ctx = await ctxFor();
    const s3 = await ctx.aws.client('s3');
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        // What S3 answers a HEAD on another account's bucket (or with a wrong ExpectedBucketOwner): 403, no body.
        if (context.commandName === 'HeadBucketCommand') throw Object.assign(new Error('Forbidden'), { name: '403', $metadata: { httpStatusCode: 403 } });
        return next(args);
      },
      { step: 'initialize', name: 'otherAccountOwnsIt' },
    );
    const plain = s3Bucket({ key: 'bucket:plain', task: 2, name: BUCKET, needs: [] });
    await assert.rejects(plain.observe(ctx), (e: Error & { hint?: string }) => /another AWS account/.test(e.message) && /--prefix/.test(e.hint ?? ''));
  });

  it('bucket names are checked against the S3 rules before any call', () => {
    assert.equal(bucketNameProblem(BUCKET), undefined);
    assert.match(bucketNameProblem('Inventory-Upper')!, /lowercase/);
    assert.match(bucketNameProblem('ab')!, /3 to 63/);
    assert.match(bucketNameProblem('a'.repeat(64))!, /3 to 63/);
    assert.match(bucketNameProblem('inv..entory')!, /two periods/);
    assert.match(bucketNameProblem('192.168.1.1')!, /IP address/);
    assert.match(bucketNameProblem('xn--inventory')!, /reserves/);
  });
});
