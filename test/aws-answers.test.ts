// poc against answers AWS gives and moto does not: the fault proxy (test/helpers/fault-proxy.ts)
// stands in front of moto and answers a chosen request as AWS does (each case cites the
// AWS documentation it follows); the end state is read from moto directly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IAM } from '@aws-sdk/client-iam';
import { Lambda } from '@aws-sdk/client-lambda';
import { cleanup } from '../src/commands/cleanup.js';
import { createAws } from '../src/aws/clients.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import { completeLab, EMPTY_LAB, labInventory, normalised, withProxy, type RequestInfo, type CannedAnswer } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

const REGION = 'us-east-1';
const EMAIL = 'student@example.com';
const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: '0.01' } });
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const why = (result: { error?: { message: string; hint?: string } }) => (result.error ? `${result.error.message}\n  ${result.error.hint ?? ''}` : 'no error');

async function runSetup(endpoint: string, notes: string[] = [], prefix?: string) {
  const aws = await createAws({ endpointUrl: endpoint, region: REGION });
  const reporter = { ...(await createReporter({ json: true })), note: (_r: unknown, text: string) => notes.push(text) };
  return setup({ endpointUrl: endpoint, region: REGION, email: EMAIL, yes: true, ...(prefix ? { prefix } : {}) }, { reporter, aws });
}

/** An IAM (query protocol) error answer. */
const iamError = (status: number, code: string, message: string): CannedAnswer => ({
  status,
  headers: { 'content-type': 'text/xml' },
  body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>x</RequestId></ErrorResponse>`,
});

describe('IAM: ConcurrentModification and policy versions', () => {
  it('parallel attach/put on one role that IAM refuses with ConcurrentModification are retried', async () => {
    await moto.reset();
    // IAM's answer (HTTP 409) when changes to one entity overlap; the SDK does not retry it.
    let refused = 0;
    const respond = (info: RequestInfo) => {
      if (info.service !== 'iam' || !['AttachRolePolicy', 'PutRolePolicy'].includes(info.operation) || refused >= 4) return undefined;
      refused++;
      return iamError(409, 'ConcurrentModification', 'The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.');
    };
    await withProxy({ target: moto.endpoint, respond }, async (proxy) => {
      const notes: string[] = [];
      const built = await runSetup(proxy.endpoint, notes);
      assert.equal(built.exitCode, 0, why(built));
      assert.equal(refused, 4);
      assert.ok(notes.some((n) => /IAM to finish another change/.test(n)), notes.join(' | '));
      assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(completeLab('', EMAIL)));
    });
  });

  it('a stale ListPolicyVersions after CreatePolicyVersion never leads to deleting the new default', async () => {
    await moto.reset();
    assert.equal((await runSetup(moto.endpoint)).exitCode, 0);
    const iam = new IAM({ endpoint: moto.endpoint, region: REGION, credentials: creds });
    const arn = 'arn:aws:iam::123456789012:policy/Lambda-Write-DynamoDB';
    // Someone edits the policy in the console: a new default version poc must replace.
    await iam.createPolicyVersion({ PolicyArn: arn, SetAsDefault: true, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }] }) });
    // Right after CreatePolicyVersion, IAM's list may still show the version before it as
    // the default and the new one as not: IAM is eventually consistent.
    let stale = false;
    const respond = async (info: RequestInfo, body: Buffer): Promise<CannedAnswer | undefined> => {
      if (!stale || info.service !== 'iam' || info.operation !== 'ListPolicyVersions' || !decodeURIComponent(body.toString()).includes(arn)) return undefined;
      const { Versions = [] } = await iam.listPolicyVersions({ PolicyArn: arn });
      const byNumber = [...Versions].sort((a, b) => Number(a.VersionId!.slice(1)) - Number(b.VersionId!.slice(1)));
      // The newest (just made) shown as not the default, the one before it as the default.
      const members = byNumber.map((v, i) => `<member><VersionId>${v.VersionId}</VersionId><IsDefaultVersion>${i === byNumber.length - 2}</IsDefaultVersion><CreateDate>${v.CreateDate!.toISOString()}</CreateDate></member>`);
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: `<ListPolicyVersionsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListPolicyVersionsResult><IsTruncated>false</IsTruncated><Versions>${members.join('')}</Versions></ListPolicyVersionsResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></ListPolicyVersionsResponse>`,
      };
    };
    const onAnswered = (info: RequestInfo) => {
      if (info.service === 'iam' && info.operation === 'CreatePolicyVersion') stale = true;
    };
    await withProxy({ target: moto.endpoint, respond, onAnswered }, async (proxy) => {
      const built = await runSetup(proxy.endpoint);
      assert.equal(built.exitCode, 0, why(built));
    });
    const { Policy } = await iam.getPolicy({ PolicyArn: arn });
    const { PolicyVersion } = await iam.getPolicyVersion({ PolicyArn: arn, VersionId: Policy!.DefaultVersionId! });
    assert.match(decodeURIComponent(PolicyVersion!.Document!), /dynamodb:PutItem/, 'the lab’s document is the default version');
    iam.destroy();
  });
});

/** A Lambda (REST-JSON) error answer. */
const lambdaError = (status: number, type: string, message: string): CannedAnswer => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
  body: JSON.stringify({ Type: 'User', message }),
});

describe('Lambda: a trigger that is changing state', () => {
  it('DeleteEventSourceMapping refused with ResourceInUseException (the mapping is Creating/Updating) is retried until it succeeds', async () => {
    await moto.reset();
    assert.equal((await runSetup(moto.endpoint)).exitCode, 0);
    let refused = 0;
    const respond = (info: RequestInfo) => {
      if (info.service !== 'lambda' || info.operation !== 'DeleteEventSourceMapping' || refused >= 3) return undefined;
      refused++;
      return lambdaError(400, 'ResourceInUseException', 'Cannot delete the event source mapping because it is in use.');
    };
    await withProxy({ target: moto.endpoint, respond }, async (proxy) => {
      const cleaned = await cleanup({ endpointUrl: proxy.endpoint, region: REGION, yes: true }, { reporter: await createReporter({ json: true }), aws: await createAws({ endpointUrl: proxy.endpoint, region: REGION }) });
      assert.equal(cleaned.exitCode, 0, why(cleaned));
      assert.equal(refused, 3);
    });
    assert.deepEqual(await labInventory(moto.endpoint), EMPTY_LAB);
  });

  it('a new trigger is not created while the old one for the same function and source is still Deleting', async () => {
    await moto.reset();
    assert.equal((await runSetup(moto.endpoint)).exitCode, 0);
    const lambda = new Lambda({ endpoint: moto.endpoint, region: REGION, credentials: creds });
    const [old] = (await lambda.listEventSourceMappings({ FunctionName: 'POC-Lambda-1' })).EventSourceMappings!;
    await lambda.deleteEventSourceMapping({ UUID: old.UUID });
    // Lambda: a deleted mapping "enters a Deleting state and might not be completely deleted
    // for several seconds"; moto removes it at once, so the proxy lists it as Deleting for a while.
    let listsLeft = 3;
    let createdWhileDeleting = 0;
    const respond = async (info: RequestInfo): Promise<CannedAnswer | undefined> => {
      if (info.service !== 'lambda') return undefined;
      if (info.operation === 'CreateEventSourceMapping' && listsLeft > 0) createdWhileDeleting++;
      if (info.operation !== 'ListEventSourceMappings' || !/FunctionName=POC-Lambda-1(&|$)/.test(info.url ?? '') || listsLeft <= 0) return undefined;
      const { EventSourceMappings = [] } = await lambda.listEventSourceMappings({ FunctionName: 'POC-Lambda-1' });
      if (EventSourceMappings.some((m) => m.EventSourceArn === old.EventSourceArn)) return undefined;
      listsLeft--;
      const shown = [...EventSourceMappings, { ...old, State: 'Deleting', LastModified: undefined }].map((m) => ({ ...m, LastModified: undefined }));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ EventSourceMappings: shown }) };
    };
    await withProxy({ target: moto.endpoint, respond }, async (proxy) => {
      const notes: string[] = [];
      const built = await runSetup(proxy.endpoint, notes);
      assert.equal(built.exitCode, 0, why(built));
      assert.equal(createdWhileDeleting, 0, 'no CreateEventSourceMapping while the old trigger was Deleting');
      assert.ok(notes.some((n) => /to finish deleting/.test(n)), notes.join(' | '));
    });
    const now = (await lambda.listEventSourceMappings({ FunctionName: 'POC-Lambda-1' })).EventSourceMappings!;
    assert.equal(now.length, 1);
    lambda.destroy();
  });
});

describe('DynamoDB: enabling a stream that is already enabled', () => {
  for (const [label, viaProxy] of [
    ['AWS’s answer (ValidationException "Table already has an enabled stream", through the proxy)', true],
    ['moto’s answer (ResourceInUseException "Cannot enable stream"; the proxy adds no answer of its own)', false],
  ] as const) {
    it(`three concurrent setups of one prefix all build the stream: ${label}`, async () => {
      await moto.reset();
      // The race made certain: the first enabling request is held until the other runs have
      // sent theirs too (or 5 s have passed), so they all meet a stream another run enabled.
      let enables = 0;
      let release: () => void = () => {};
      const allSent = new Promise<void>((resolve) => {
        release = resolve;
        setTimeout(resolve, 5_000).unref();
      });
      const respond = async (info: RequestInfo, body: Buffer) => {
        if (info.service !== 'dynamodb' || info.operation !== 'UpdateTable' || !body.toString().includes('"StreamEnabled":true')) return undefined;
        if (++enables >= 3) release();
        await allSent;
        return undefined;
      };
      const run = async (endpoint: string) => {
        const results = await Promise.all([runSetup(endpoint, [], 'trio'), runSetup(endpoint, [], 'trio'), runSetup(endpoint, [], 'trio')]);
        // Every run gets the stream built. (Other parts of three racing runs, the REST API's
        // resources, are not settled by this case; a fourth run completes the lab.)
        for (const r of results) {
          const stream = r.resources.find((x) => x.type === 'dynamodb-stream');
          assert.ok(stream && stream.outcome !== 'failed' && stream.outcome !== 'skipped', `the stream in every run: ${JSON.stringify(stream)}; ${why(r)}`);
          assert.ok(!/stream/i.test(r.error?.message ?? ''), why(r));
        }
        const last = await runSetup(endpoint, [], 'trio');
        assert.equal(last.exitCode, 0, why(last));
      };
      if (viaProxy) {
        await withProxy({ target: moto.endpoint, respond }, async (proxy) => {
          await run(proxy.endpoint);
        });
      } else {
        await withProxy({ target: moto.endpoint, respond, emulateAws: false }, async (proxy) => {
          await run(proxy.endpoint);
        });
      }
      assert.equal(enables, 3, 'each run tried to enable the stream, so two met "already enabled"');
      assert.deepEqual(normalised(await labInventory(moto.endpoint, 'trio')), normalised(completeLab('trio', EMAIL)));
    });
  }
});

/** SQS's answer to an access policy it will not take (JSON protocol, query-compatible). */
const policyRefusal = (): CannedAnswer => ({
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'InvalidAttributeValue;Sender' },
  body: JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAttributeValue', message: 'Invalid value for the parameter Policy.' }),
});

describe('SQS: an access policy refused as invalid', () => {
  it('is waited for while the roles it names are new (just made by this run)', async () => {
    await moto.reset();
    let refused = 0;
    const respond = (info: RequestInfo, body: Buffer) => {
      if (info.service !== 'sqs' || info.operation !== 'CreateQueue' || !body.toString().includes('"QueueName":"POC-Queue"') || refused >= 2) return undefined;
      refused++;
      return policyRefusal();
    };
    await withProxy({ target: moto.endpoint, respond }, async (proxy) => {
      const notes: string[] = [];
      const built = await runSetup(proxy.endpoint, notes);
      assert.equal(built.exitCode, 0, why(built));
      assert.equal(refused, 2);
      assert.ok(notes.some((n) => /IAM to make the just-created roles known to SQS/.test(n)), notes.join(' | '));
    });
  });

  it('fails at once with AWS’s message when the roles it names are not new', async () => {
    await moto.reset();
    assert.equal((await runSetup(moto.endpoint)).exitCode, 0);
    const iam = new IAM({ endpoint: moto.endpoint, region: REGION, credentials: creds });
    const { SQS } = await import('@aws-sdk/client-sqs');
    const sqs = new SQS({ endpoint: moto.endpoint, region: REGION, credentials: creds });
    const { QueueUrl } = await sqs.getQueueUrl({ QueueName: 'POC-Queue' });
    await sqs.setQueueAttributes({ QueueUrl, Attributes: { Policy: '' } });
    let sets = 0;
    const respond = async (info: RequestInfo, body: Buffer): Promise<CannedAnswer | undefined> => {
      if (info.service === 'sqs' && info.operation === 'SetQueueAttributes' && body.toString().includes('Policy')) {
        sets++;
        return policyRefusal();
      }
      // The roles were made two hours ago (moto's clock says seconds): IAM's CreateDate as an old lab has it.
      if (info.service === 'iam' && info.operation === 'GetRole') {
        const RoleName = decodeURIComponent(/RoleName=([^&]+)/.exec(body.toString())![1]);
        const { Role } = await iam.getRole({ RoleName });
        const old = new Date(Date.now() - 2 * 3600_000).toISOString();
        return {
          status: 200,
          headers: { 'content-type': 'text/xml' },
          body: `<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><Path>/</Path><RoleName>${Role!.RoleName}</RoleName><RoleId>${Role!.RoleId}</RoleId><Arn>${Role!.Arn}</Arn><CreateDate>${old}</CreateDate><AssumeRolePolicyDocument>${Role!.AssumeRolePolicyDocument}</AssumeRolePolicyDocument></Role></GetRoleResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetRoleResponse>`,
        };
      }
      return undefined;
    };
    await withProxy({ target: moto.endpoint, respond }, async (proxy) => {
      const built = await runSetup(proxy.endpoint);
      assert.equal(built.exitCode, 1);
      assert.match(built.error?.message ?? '', /Invalid value for the parameter Policy/);
      assert.equal(sets, 1, 'no retries for a policy whose principals are long known');
    });
    iam.destroy();
    sqs.destroy();
  });
});
