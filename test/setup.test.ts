// `poc setup` against moto, in-process: what it builds (read back with plain AWS SDK
// clients, never with poc's own code), that a second run changes nothing, that drift is
// repaired, that prefixes keep labs apart, that bad input changes nothing, and the
// retry path for IAM's propagation delay.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROPAGATION } from '../src/aws/retry.js';
import type { Aws } from '../src/aws/clients.js';
import { setup } from '../src/commands/setup.js';
import { createReporter } from '../src/ui/reporter.js';
import {
  ACCOUNT,
  arn,
  EMAIL,
  entry,
  expectedNames,
  labOptions,
  list,
  newAws,
  parseDocument,
  queueAttributes,
  queueUrl,
  recordingReporter,
  REGION,
  runSetup,
  runStatus,
  sdk,
  useMoto,
  type Document,
  type Sdk,
} from './helpers/lab.js';

const getMoto = useMoto();

// ---------------------------------------------------------------------------------------
// Read-back of a whole lab, through the SDK.

/** The resources a statement names; fails on NotAction / NotResource, which would widen it. */
function statementParts(doc: Document) {
  return doc.Statement.map((s) => {
    assert.equal(s.NotAction, undefined, 'no NotAction');
    assert.equal(s.NotResource, undefined, 'no NotResource');
    assert.equal(s.Effect, 'Allow');
    return { actions: list(s.Action), resources: list(s.Resource), principal: s.Principal };
  });
}

function assertNoActionWildcards(where: string, actions: string[]) {
  for (const a of actions) assert.ok(!a.includes('*'), `${where}: action ${a} is a wildcard`);
}

async function defaultDocument(clients: Sdk, policyArn: string): Promise<{ doc: Document; version: string; tags: Record<string, string> }> {
  const { Policy } = await clients.iam.getPolicy({ PolicyArn: policyArn });
  const { PolicyVersion } = await clients.iam.getPolicyVersion({ PolicyArn: policyArn, VersionId: Policy!.DefaultVersionId! });
  const { Tags = [] } = await clients.iam.listPolicyTags({ PolicyArn: policyArn });
  return { doc: parseDocument(PolicyVersion!.Document), version: Policy!.DefaultVersionId!, tags: Object.fromEntries(Tags.map((t) => [t.Key!, t.Value!])) };
}

/** Asserts every part of the lab with this prefix is built as the lab (and AWS's guidance) wants. */
async function assertLabBuilt(clients: Sdk, prefix = '', email = EMAIL): Promise<{ apiId: string; codeSha: [string, string] }> {
  const n = expectedNames(prefix);
  const tagValue = (tags: Record<string, string | undefined>) => {
    assert.equal(tags['poc:lab'], 'orders', 'the poc:lab tag');
    if (prefix) assert.equal(tags['poc:prefix'], prefix, 'the poc:prefix tag');
  };
  const queueArn = arn.queue(n.queue);
  const tableArn = arn.table(n.table);
  const topicArn = arn.topic(n.topic);

  // --- Task 1: the four managed policies. Each names exact ARNs; "*" only for ListStreams.
  const wanted: Record<string, { allowed: string[]; needs: string[] }> = {
    [n.policies.writeDynamoDb]: { allowed: [tableArn], needs: ['dynamodb:PutItem'] },
    [n.policies.snsPublish]: { allowed: [topicArn], needs: ['sns:Publish'] },
    // What Lambda documents a stream trigger needs from the execution role.
    [n.policies.streamsRead]: {
      allowed: [`${tableArn}/stream/*`],
      needs: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
    },
    // What Lambda documents an SQS trigger needs from the execution role.
    [n.policies.readSqs]: { allowed: [queueArn], needs: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] },
  };
  for (const [name, { allowed, needs }] of Object.entries(wanted)) {
    const { doc, tags } = await defaultDocument(clients, arn.policy(name));
    tagValue(tags);
    const granted: string[] = [];
    for (const { actions, resources } of statementParts(doc)) {
      assertNoActionWildcards(name, actions);
      assert.ok(resources.length > 0, `${name}: a statement without Resource`);
      for (const r of resources) {
        if (r === '*') assert.deepEqual(actions, ['dynamodb:ListStreams'], `${name}: "*" is only for dynamodb:ListStreams (which AWS cannot scope)`);
        else assert.ok(allowed.includes(r), `${name}: resource ${r} is not one of ${allowed.join(', ')}`);
      }
      granted.push(...actions);
    }
    for (const a of needs) assert.ok(granted.includes(a), `${name} grants ${a}`);
  }

  // --- Task 1: the three roles: who may assume them, what is attached, what is inline.
  const roles = [
    { name: n.roles.sqsDynamoDb, service: 'lambda.amazonaws.com', attached: [n.policies.writeDynamoDb, n.policies.readSqs], logsOf: n.function1 },
    { name: n.roles.streamsSns, service: 'lambda.amazonaws.com', attached: [n.policies.snsPublish, n.policies.streamsRead], logsOf: n.function2 },
    { name: n.roles.apiSqs, service: 'apigateway.amazonaws.com', attached: [] as string[], logsOf: undefined },
  ];
  for (const role of roles) {
    const { Role } = await clients.iam.getRole({ RoleName: role.name });
    const trust = statementParts(parseDocument(Role!.AssumeRolePolicyDocument));
    assert.ok(trust.length > 0);
    for (const t of trust) {
      assert.deepEqual(t.principal, { Service: role.service }, `${role.name} may be assumed by ${role.service} only`);
      assert.deepEqual(t.actions, ['sts:AssumeRole']);
    }
    const { AttachedPolicies = [] } = await clients.iam.listAttachedRolePolicies({ RoleName: role.name });
    assert.deepEqual(AttachedPolicies.map((p) => p.PolicyArn).sort(), role.attached.map(arn.policy).sort(), `${role.name}'s attached policies`);
    const { Tags = [] } = await clients.iam.listRoleTags({ RoleName: role.name });
    tagValue(Object.fromEntries(Tags.map((t) => [t.Key!, t.Value!])));

    const { PolicyNames = [] } = await clients.iam.listRolePolicies({ RoleName: role.name });
    assert.ok(PolicyNames.length > 0, `${role.name} has an inline policy`);
    const inline = await Promise.all(
      PolicyNames.map(async (PolicyName) => statementParts(parseDocument((await clients.iam.getRolePolicy({ RoleName: role.name, PolicyName })).PolicyDocument))),
    );
    let statements = inline.flat();
    if (role.name === n.roles.streamsSns) {
      // The stream trigger's on-failure destination: SendMessage on the failures queue, and
      // that queue only (the function itself never sends to SQS).
      const sends = statements.filter((s) => s.actions.some((a) => a.startsWith('sqs:')));
      assert.deepEqual(
        sends.map((s) => [s.actions, s.resources]),
        [[['sqs:SendMessage'], [arn.queue(n.failures)]]],
        `${role.name} may send to ${n.failures} and nowhere else`,
      );
      statements = statements.filter((s) => !sends.includes(s));
    }
    if (role.logsOf) {
      // Its function's own log group, and nobody else's.
      const group = arn.logGroup(`/aws/lambda/${role.logsOf}`);
      const actions = statements.flatMap((s) => s.actions);
      for (const s of statements) {
        assertNoActionWildcards(role.name, s.actions);
        for (const a of s.actions) assert.match(a, /^logs:/, `${role.name}: inline action ${a}`);
        for (const r of s.resources) assert.ok(r === group || r === `${group}:*`, `${role.name}: logs resource ${r} is not ${group}[:*]`);
      }
      for (const a of ['logs:CreateLogStream', 'logs:PutLogEvents']) assert.ok(actions.includes(a), `${role.name} may ${a}`);
    } else {
      // APIGateway-SQS: SendMessage on POC-Queue, nothing else.
      for (const s of statements) {
        assert.deepEqual(s.actions, ['sqs:SendMessage'], `${role.name} may only send`);
        assert.deepEqual(s.resources, [queueArn], `${role.name} may only send to ${n.queue}`);
      }
    }
  }

  // --- Task 2: the table (and, task 5, its stream).
  const { Table } = await clients.dynamodb.describeTable({ TableName: n.table });
  assert.deepEqual(Table!.KeySchema, [{ AttributeName: 'orderID', KeyType: 'HASH' }]);
  assert.deepEqual(Table!.AttributeDefinitions, [{ AttributeName: 'orderID', AttributeType: 'S' }]);
  assert.equal(Table!.TableArn, tableArn);
  assert.deepEqual(Table!.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  const streamArn = Table!.LatestStreamArn!;
  assert.ok(streamArn.startsWith(`${tableArn}/stream/`), `stream ARN ${streamArn}`);
  const { Tags: tableTags = [] } = await clients.dynamodb.listTagsOfResource({ ResourceArn: tableArn });
  tagValue(Object.fromEntries(tableTags.map((t) => [t.Key!, t.Value!])));

  // --- Task 4 and 7: the functions (read before the queue: its timeout bounds the queue's).
  const fn1 = await clients.lambda.getFunctionConfiguration({ FunctionName: n.function1 });
  const fn2 = await clients.lambda.getFunctionConfiguration({ FunctionName: n.function2 });
  for (const [fn, role] of [
    [fn1, n.roles.sqsDynamoDb],
    [fn2, n.roles.streamsSns],
  ] as const) {
    assert.equal(fn.Runtime, 'nodejs22.x', `${fn.FunctionName}'s runtime`);
    assert.equal(fn.Role, arn.role(role), `${fn.FunctionName}'s role`);
    assert.equal(fn.Handler, 'index.handler');
    assert.equal(fn.State, 'Active');
    assert.ok(fn.CodeSha256, `${fn.FunctionName} has code`);
    const { Tags = {} } = await clients.lambda.listTags({ Resource: fn.FunctionArn! });
    tagValue(Tags);
  }
  assert.deepEqual(fn1.Environment?.Variables, { TABLE_NAME: n.table });
  assert.deepEqual(fn2.Environment?.Variables, { TOPIC_ARN: topicArn });
  assert.notEqual(fn1.CodeSha256, fn2.CodeSha256, 'the two functions have their own code');
  for (const fn of [n.function1, n.function2]) {
    const { logGroups = [] } = await clients.logs.describeLogGroups({ logGroupNamePrefix: `/aws/lambda/${fn}` });
    const group = logGroups.find((g) => g.logGroupName === `/aws/lambda/${fn}`);
    assert.ok(group, `log group of ${fn}`);
    assert.ok(group.retentionInDays, `log group of ${fn} does not keep logs forever`);
    const { tags = {} } = await clients.logs.listTagsForResource({ resourceArn: arn.logGroup(`/aws/lambda/${fn}`) });
    tagValue(tags);
  }

  // --- Task 3: the queue, its access policy and its dead-letter queue.
  const q = await queueAttributes(clients, n.queue);
  assert.equal(q.QueueArn, queueArn);
  const access = statementParts(parseDocument(q.Policy));
  const principals = (p: unknown) => list((p as { AWS?: unknown } | undefined)?.AWS ?? p);
  const apiRole = arn.role(n.roles.apiSqs);
  const consumerRole = arn.role(n.roles.sqsDynamoDb);
  for (const s of access) {
    assert.deepEqual(s.resources, [queueArn], 'the queue policy is about this queue');
    const who = principals(s.principal);
    assert.ok(who.length > 0 && who.every((p) => p === apiRole || p === consumerRole), `queue policy principals ${who.join(', ')} are only the lab's two roles`);
    if (who.includes(consumerRole)) assert.ok(!s.actions.includes('sqs:SendMessage'), 'the function role may not send');
    if (who.includes(apiRole)) assert.deepEqual(s.actions, ['sqs:SendMessage'], 'the API role may only send');
  }
  const allowedTo = (role: string) => access.filter((s) => principals(s.principal).includes(role)).flatMap((s) => s.actions);
  assert.deepEqual(allowedTo(apiRole), ['sqs:SendMessage']);
  // The SQS trigger's documented needs (AWSLambdaSQSQueueExecutionRole), nothing more.
  assert.deepEqual([...allowedTo(consumerRole)].sort(), ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
  const redrive = JSON.parse(q.RedrivePolicy!) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
  assert.equal(redrive.deadLetterTargetArn, arn.queue(n.dlq));
  assert.equal(Number(redrive.maxReceiveCount), 5);
  // Lambda's guidance for an SQS trigger: visibility timeout at least 6x the function timeout.
  assert.ok(Number(q.VisibilityTimeout) >= 6 * fn1.Timeout!, `visibility timeout ${q.VisibilityTimeout}s >= 6 x ${fn1.Timeout}s`);
  const dlq = await queueAttributes(clients, n.dlq);
  // SQS keeps a message's original enqueue time in the DLQ: it must keep messages longer.
  assert.ok(Number(dlq.MessageRetentionPeriod) > Number(q.MessageRetentionPeriod), 'the DLQ keeps messages longer than the queue');
  // Task 7: the failures queue keeps a failed batch's record as long as SQS allows (14 days).
  const failures = await queueAttributes(clients, n.failures);
  assert.equal(failures.MessageRetentionPeriod, String(14 * 24 * 3600));
  for (const name of [n.queue, n.dlq, n.failures]) {
    const { Tags = {} } = await clients.sqs.listQueueTags({ QueueUrl: await queueUrl(clients, name) });
    tagValue(Tags);
  }

  // --- Triggers: exactly one per function, on the right source.
  const { EventSourceMappings: sqsMappings = [] } = await clients.lambda.listEventSourceMappings({ FunctionName: n.function1 });
  assert.equal(sqsMappings.length, 1, `one trigger on ${n.function1}`);
  assert.equal(sqsMappings[0].EventSourceArn, queueArn);
  assert.deepEqual(sqsMappings[0].FunctionResponseTypes, ['ReportBatchItemFailures']);
  assert.equal(sqsMappings[0].BatchSize, 10);
  assert.equal(sqsMappings[0].State, 'Enabled');
  const { EventSourceMappings: streamMappings = [] } = await clients.lambda.listEventSourceMappings({ FunctionName: n.function2 });
  assert.equal(streamMappings.length, 1, `one trigger on ${n.function2}`);
  assert.equal(streamMappings[0].EventSourceArn, streamArn, 'the stream trigger reads the table’s current stream');
  assert.deepEqual(streamMappings[0].FunctionResponseTypes, ['ReportBatchItemFailures']);
  assert.equal(streamMappings[0].StartingPosition, 'TRIM_HORIZON');
  assert.equal(streamMappings[0].MaximumRetryAttempts, 5);
  // A batch that fails every retry is recorded, not dropped; a failing batch is split first.
  assert.equal(streamMappings[0].DestinationConfig?.OnFailure?.Destination, arn.queue(n.failures));
  assert.equal(streamMappings[0].BisectBatchOnFunctionError, true);
  assert.equal(streamMappings[0].State, 'Enabled');

  // --- Task 6: topic and one email subscription for the address.
  const { Topics = [] } = await clients.sns.listTopics({});
  assert.ok(Topics.some((t) => t.TopicArn === topicArn), `topic ${n.topic} exists`);
  const { Subscriptions = [] } = await clients.sns.listSubscriptionsByTopic({ TopicArn: topicArn });
  assert.deepEqual(
    Subscriptions.map((s) => [s.Protocol, s.Endpoint]),
    [['email', email]],
  );
  const { Tags: topicTags = [] } = await clients.sns.listTagsForResource({ ResourceArn: topicArn });
  tagValue(Object.fromEntries(topicTags.map((t) => [t.Key!, t.Value!])));

  // --- Task 8: the REST API.
  const { items: apis = [] } = await clients.apigateway.getRestApis({ limit: 500 });
  const mine = apis.filter((a) => a.name === n.api);
  assert.equal(mine.length, 1, `one REST API named ${n.api}`);
  const apiId = mine[0].id!;
  tagValue(mine[0].tags ?? {});
  const { items: resources = [] } = await clients.apigateway.getResources({ restApiId: apiId });
  const orders = resources.find((r) => r.path === '/orders');
  assert.ok(orders, 'resource /orders');
  const method = await clients.apigateway.getMethod({ restApiId: apiId, resourceId: orders.id!, httpMethod: 'POST' });
  assert.equal(method.authorizationType, 'NONE');
  const integration = method.methodIntegration!;
  assert.equal(integration.type, 'AWS');
  assert.equal(integration.httpMethod, 'POST');
  assert.equal(integration.uri, `arn:aws:apigateway:${REGION}:sqs:path/${ACCOUNT}/${n.queue}`);
  assert.equal(integration.credentials, apiRole);
  assert.deepEqual(integration.requestParameters, { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" });
  assert.ok(integration.requestTemplates?.['application/json']?.includes('$util.urlEncode($input.body)'), 'the template URL-encodes the body');
  assert.ok(integration.requestTemplates?.['application/json']?.includes('Action=SendMessage'), 'the template calls SendMessage');
  const responses = integration.integrationResponses ?? {};
  for (const code of ['400', '500']) {
    const pattern = responses[code]?.selectionPattern;
    assert.ok(pattern, `integration response ${code} has a selection pattern`);
    const re = new RegExp(`^(?:${pattern})$`);
    assert.ok(re.test(code), `${code}'s pattern ${pattern} selects ${code}`);
    assert.ok(!re.test('200'), `${code}'s pattern ${pattern} does not select 200`);
  }
  assert.ok(responses['200'], 'a default 200 integration response');
  const { items: deployments = [] } = await clients.apigateway.getDeployments({ restApiId: apiId });
  assert.ok(deployments.length >= 1, 'the API is deployed');
  const stage = await clients.apigateway.getStage({ restApiId: apiId, stageName: 'prod' });
  assert.ok(deployments.some((d) => d.id === stage.deploymentId), 'stage prod points at a deployment');

  return { apiId, codeSha: [fn1.CodeSha256!, fn2.CodeSha256!] };
}

async function codeShas(clients: Sdk, prefix = ''): Promise<[string, string]> {
  const n = expectedNames(prefix);
  const a = await clients.lambda.getFunctionConfiguration({ FunctionName: n.function1 });
  const b = await clients.lambda.getFunctionConfiguration({ FunctionName: n.function2 });
  return [a.CodeSha256!, b.CodeSha256!];
}

const mutatingOps = (aws: Aws) => aws.calls.filter((c) => c.mutating).map((c) => `${c.service}:${c.operation}`);

// The resources setup reports, by name: the lab's 21 parts.
const ALL_NAMES = (prefix = '') => {
  const n = expectedNames(prefix);
  return [
    ...Object.values(n.policies),
    ...Object.values(n.roles),
    n.table,
    n.dlq,
    n.queue,
    n.failures,
    `/aws/lambda/${n.function1}`,
    n.function1,
    `${n.function1} SQS trigger`,
    `${n.table} stream`,
    n.topic,
    `${n.topic} email subscription`,
    `/aws/lambda/${n.function2}`,
    n.function2,
    `${n.function2} stream trigger`,
    n.api,
  ].sort();
};

// ---------------------------------------------------------------------------------------

describe('poc setup (in-process, against moto)', () => {
  it('builds the whole lab on an empty account, exactly as the lab and AWS guidance want', async () => {
    const moto = getMoto();
    const { result, aws } = await runSetup(moto);
    assert.equal(result.exitCode, 0);
    assert.equal(result.error, undefined);
    assert.equal(result.account, ACCOUNT);
    assert.equal(result.region, REGION);
    assert.equal(result.prefix, '');
    assert.deepEqual(result.resources.map((r) => r.name).sort(), ALL_NAMES());
    for (const r of result.resources) assert.equal(r.outcome, 'created', `${r.name}: ${r.outcome} ${r.reasons?.join('; ') ?? ''}`);
    assert.ok(aws.calls.length > 0, 'calls were recorded');

    const { apiId } = await assertLabBuilt(sdk(moto));
    assert.equal(result.apiUrl, `https://${apiId}.execute-api.${REGION}.amazonaws.com/prod/orders`);
  });

  it('a second run changes nothing: every resource unchanged, no mutating call at all', async () => {
    const moto = getMoto();
    const clients = sdk(moto);
    const first = await runSetup(moto);
    assert.equal(first.result.exitCode, 0);
    const shaBefore = await codeShas(clients);

    const { result, aws } = await runSetup(moto); // a fresh client factory: only this run's calls
    assert.equal(result.exitCode, 0);
    assert.equal(result.error, undefined);
    for (const r of result.resources) assert.equal(r.outcome, 'unchanged', `${r.name}: ${r.outcome} ${r.reasons?.join('; ') ?? ''}`);
    assert.ok(aws.calls.length > 0, 'the second run did read');
    assert.deepEqual(mutatingOps(aws), []);
    // The deployment package is byte-for-byte reproducible, so the code is not re-uploaded.
    assert.deepEqual(await codeShas(clients), shaBefore);
    for (const name of Object.values(expectedNames().policies)) {
      assert.equal((await clients.iam.getPolicy({ PolicyArn: arn.policy(name) })).Policy!.DefaultVersionId, 'v1', `${name} got no new version`);
    }
    assert.equal(result.apiUrl, first.result.apiUrl);
  });

  it('builds the same code package in a fresh account (CodeSha256 is stable across runs)', async () => {
    const moto = getMoto();
    const clients = sdk(moto);
    await runSetup(moto);
    const first = await codeShas(clients);
    await moto.reset();
    await runSetup(moto);
    assert.deepEqual(await codeShas(clients), first);
  });

  describe('drift', () => {
    it('repairs a changed queue policy and re-creates a deleted function, and touches nothing else', async () => {
      const moto = getMoto();
      const clients = sdk(moto);
      const n = expectedNames();
      assert.equal((await runSetup(moto)).result.exitCode, 0);

      // (a) Someone opens the queue to the world.
      const url = await queueUrl(clients, n.queue);
      await clients.sqs.setQueueAttributes({
        QueueUrl: url,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: arn.queue(n.queue) }],
          }),
        },
      });
      // (b) ... and deletes the first function in the console.
      await clients.lambda.deleteFunction({ FunctionName: n.function1 });

      const { result, aws } = await runSetup(moto);
      assert.equal(result.exitCode, 0, result.error?.message);
      const queue = entry(result.resources, n.queue);
      assert.equal(queue.outcome, 'updated');
      assert.ok(queue.reasons?.some((r) => /access policy/.test(r)), `reasons: ${queue.reasons?.join('; ')}`);
      assert.equal(entry(result.resources, n.function1).outcome, 'created');
      // DeleteFunction leaves the function's event source mappings in place (AWS documents
      // deleting them separately; moto does the same), and a mapping names the function by
      // its ARN, which the function made again under the same name has: the trigger is kept.
      assert.equal(entry(result.resources, `${n.function1} SQS trigger`).outcome, 'unchanged');
      for (const r of result.resources) {
        if ([n.queue, n.function1].includes(r.name)) continue;
        assert.equal(r.outcome, 'unchanged', `${r.name}: ${r.outcome} ${r.reasons?.join('; ') ?? ''}`);
      }
      // Only the two repairs were sent.
      const ops = mutatingOps(aws);
      assert.ok(ops.includes('sqs:SetQueueAttributes') && ops.includes('lambda:CreateFunction'), ops.join(', '));
      const allowed = ['sqs:SetQueueAttributes', 'lambda:CreateFunction'];
      assert.deepEqual(ops.filter((o) => !allowed.includes(o)), []);

      // The lab's policy is back (and the world's statement is gone), and all the rest holds.
      const policy = parseDocument((await queueAttributes(clients, n.queue)).Policy);
      assert.ok(policy.Statement.every((s) => s.Principal !== '*'), 'no "*" principal left');
      await assertLabBuilt(clients);
    });

    it('adds the stream to an orders table made by hand without one, and points the trigger at it', async () => {
      // Moto cannot re-enable a stream on a table that ever had one (UpdateTable fails, where
      // real AWS allows it and gives the new stream a new label). So the repair is tested on a
      // table a student made by hand and skipped task 5 for: it never had a stream.
      const moto = getMoto();
      const clients = sdk(moto);
      const n = expectedNames();
      await clients.dynamodb.createTable({
        TableName: n.table,
        AttributeDefinitions: [{ AttributeName: 'orderID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'orderID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      });

      const { result } = await runSetup(moto);
      assert.equal(result.exitCode, 0, result.error?.message);
      assert.equal(entry(result.resources, n.table).outcome, 'unchanged');
      assert.equal(entry(result.resources, `${n.table} stream`).outcome, 'created');
      assert.equal(entry(result.resources, `${n.function2} stream trigger`).outcome, 'created');

      const { Table } = await clients.dynamodb.describeTable({ TableName: n.table });
      assert.deepEqual(Table!.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
      const { EventSourceMappings = [] } = await clients.lambda.listEventSourceMappings({ FunctionName: n.function2 });
      assert.deepEqual(
        EventSourceMappings.map((m) => m.EventSourceArn),
        [Table!.LatestStreamArn],
      );
      assert.equal(entry(result.resources, `${n.table} stream`).id, Table!.LatestStreamArn);
    });
  });

  it('keeps two prefixed labs in one account apart', async () => {
    const moto = getMoto();
    const clients = sdk(moto);
    // Two students at once, as in a class sharing one account.
    const [alice, bob] = await Promise.all([runSetup(moto, { prefix: 'alice', email: 'alice@example.com' }), runSetup(moto, { prefix: 'bob', email: 'bob@example.com' })]);
    for (const [who, run] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      assert.equal(run.result.exitCode, 0, `${who}: ${run.result.error?.message}`);
      assert.equal(run.result.prefix, who);
      assert.deepEqual(run.result.resources.map((r) => r.name).sort(), ALL_NAMES(who));
      for (const r of run.result.resources) assert.equal(r.outcome, 'created', `${who} ${r.name}`);
      const { result } = await runStatus(moto, { prefix: who });
      assert.equal(result.exitCode, 0, `${who}'s status`);
      assert.equal(result.complete, true);
    }

    assert.ok(await queueUrl(clients, 'alice-POC-Queue'));
    assert.ok(await queueUrl(clients, 'bob-POC-Queue'));
    assert.equal((await clients.dynamodb.describeTable({ TableName: 'bob-orders' })).Table?.TableName, 'bob-orders');
    assert.equal((await clients.dynamodb.describeTable({ TableName: 'alice-orders' })).Table?.TableName, 'alice-orders');

    // alice's queue lets only alice's roles in; every part of each lab names its own.
    const policy = parseDocument((await queueAttributes(clients, 'alice-POC-Queue')).Policy);
    const principals = policy.Statement.flatMap((s) => list((s.Principal as { AWS?: unknown }).AWS));
    assert.deepEqual(principals.sort(), [arn.role('alice-APIGateway-SQS'), arn.role('alice-Lambda-SQS-DynamoDB')].sort());
    await assertLabBuilt(clients, 'alice', 'alice@example.com');
    await assertLabBuilt(clients, 'bob', 'bob@example.com');

    // Neither is mistaken for the unprefixed lab.
    const { result: plain } = await runStatus(moto);
    assert.equal(plain.exitCode, 3);
    for (const r of plain.resources) assert.equal(r.state, 'missing', `${r.name} (unprefixed) is ${r.state}`);
  });

  describe('bad input changes nothing', () => {
    const cases: [string, Record<string, string>][] = [
      ['an email that is not an address', { email: 'not-an-email' }],
      ['a prefix with characters AWS names refuse', { prefix: 'bad_prefix!' }],
      ['a 60-character prefix', { prefix: `p${'x'.repeat(59)}` }],
      ['a runtime Lambda no longer offers', { runtime: 'nodejs16.x' }],
      ['an endpoint that is not http(s)', { endpointUrl: 'ftp://x' }],
      ['a region that is not a region', { region: 'moon' }],
    ];
    for (const [what, bad] of cases) {
      it(`rejects ${what} with exit code 2 before any AWS call`, async () => {
        const moto = getMoto();
        const aws = await newAws(moto);
        await assert.rejects(
          setup(labOptions(moto, bad), { reporter: await createReporter({ json: true }), aws }),
          (error: Error & { exitCode?: number; hint?: string }) => {
            assert.equal(error.exitCode, 2, `${error.name}: ${error.message}`);
            assert.ok(error.hint, 'a hint that names the fix');
            return true;
          },
        );
        assert.deepEqual(aws.calls, []);
      });
    }

    it('without --email on a new lab (and nobody to ask): exit code 2, nothing changed', async () => {
      const moto = getMoto();
      const aws = await newAws(moto);
      const options = labOptions(moto);
      delete options.email;
      await assert.rejects(setup(options, { reporter: await createReporter({ json: true }), aws }), (error: Error & { exitCode?: number; hint?: string }) => {
        assert.equal(error.exitCode, 2);
        assert.match(error.hint ?? '', /--email/);
        return true;
      });
      assert.deepEqual(mutatingOps(aws), []);
    });
  });

  describe('waiting for IAM to let Lambda assume a new role', () => {
    type Next = (args: { input: { FunctionName?: string } }) => Promise<unknown>;
    interface Stack {
      add(mw: (next: Next, context: { commandName?: string }) => Next, options: { step: string; priority: string; name: string }): void;
    }

    /**
     * Makes CreateFunction of one function fail the way Lambda does while IAM has not
     * propagated a new role, `times` times, before the call is sent (the SDK does not retry
     * it: only poc's own retry policy may). Counts every attempt per function.
     */
    async function roleNotAssumable(aws: Aws, functionName: string, times: number, beforeThrow?: (attempt: number) => Promise<void>) {
      const lambda = await aws.client('lambda');
      const attempts: Record<string, number> = {};
      (lambda.middlewareStack as unknown as Stack).add(
        (next, context) => async (args) => {
          if (context.commandName === 'CreateFunctionCommand') {
            const name = args.input.FunctionName ?? '';
            attempts[name] = (attempts[name] ?? 0) + 1;
            if (name === functionName && attempts[name] <= times) {
              await beforeThrow?.(attempts[name]);
              throw Object.assign(new Error('The role defined for the function cannot be assumed by Lambda.'), {
                name: 'InvalidParameterValueException',
                $fault: 'client',
              });
            }
          }
          return next(args);
        },
        { step: 'initialize', priority: 'high', name: 'injectRoleNotAssumable' },
      );
      return attempts;
    }

    async function withFastBackoff<T>(fn: () => Promise<T>): Promise<T> {
      const saved = process.env.POC_BACKOFF_SCALE;
      process.env.POC_BACKOFF_SCALE = '0.001';
      try {
        return await fn();
      } finally {
        if (saved === undefined) delete process.env.POC_BACKOFF_SCALE;
        else process.env.POC_BACKOFF_SCALE = saved;
      }
    }

    it('retries CreateFunction until the role can be assumed, saying what it waits for', async () => {
      const moto = getMoto();
      const n = expectedNames();
      const aws = await newAws(moto);
      const attempts = await roleNotAssumable(aws, n.function1, 2);
      const { reporter, events } = await recordingReporter();
      const { result } = await withFastBackoff(() => runSetup(moto, {}, { aws, reporter }));

      assert.equal(result.exitCode, 0, result.error?.message);
      for (const r of result.resources) assert.equal(r.outcome, 'created', `${r.name}: ${r.outcome}`);
      assert.equal(attempts[n.function1], 3, 'two refusals, then the call that succeeded');
      assert.equal(attempts[n.function2], 1);
      const waits = events.notes.filter((e) => e.name === n.function1 && /IAM to let Lambda assume/.test(e.text));
      assert.equal(waits.length, 2, `progress notes: ${JSON.stringify(events.notes)}`);
      const clients = sdk(moto);
      for (const fn of [n.function1, n.function2]) assert.equal((await clients.lambda.getFunctionConfiguration({ FunctionName: fn })).State, 'Active');
    });

    it('gives up after its bounded retries: exit code 1, says what it waited for and how to resume, reports the rest', async () => {
      const moto = getMoto();
      const n = expectedNames();
      const aws = await newAws(moto);
      const { reporter, events } = await recordingReporter();
      // The engine starts nothing new after a failure; work already under way finishes. So
      // that "the rest" is deterministic, the first refusal waits until everything that does
      // not depend on POC-Lambda-1 is done (as it would be, in practice, after a minute of retries).
      const independent = [n.api, `${n.function2} stream trigger`, `${n.topic} email subscription`];
      const attempts = await roleNotAssumable(aws, n.function1, Infinity, async (attempt) => {
        // Bounded generously, and failing (not going on as if they were done) when they are not.
        if (attempt === 1) {
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`not done within 120 s: ${independent.filter((name) => !events.done.some((r) => r.name === name)).join(', ')}`)), 120_000);
          });
          await Promise.race([Promise.all(independent.map((name) => events.whenDone(name))), late]).finally(() => clearTimeout(timer));
        }
      });
      const { result } = await withFastBackoff(() => runSetup(moto, {}, { aws, reporter }));

      assert.equal(result.exitCode, 1);
      assert.equal(attempts[n.function1], PROPAGATION.attempts, 'bounded: exactly the retry policy’s attempts');
      assert.ok(result.error, 'an error');
      assert.match(result.error.message, /IAM to let Lambda assume the just-created role/);
      assert.match(result.error.message, new RegExp(n.function1));
      assert.match(result.error.hint ?? '', /`poc setup[^`]*` again/, 'the hint says how to resume');

      const fn1 = entry(result.resources, n.function1);
      assert.equal(fn1.outcome, 'failed');
      assert.match(fn1.error?.message ?? '', /gave up after \d+ tries/);
      const trigger = entry(result.resources, `${n.function1} SQS trigger`);
      assert.equal(trigger.outcome, 'skipped');
      assert.match(trigger.reasons?.join(' ') ?? '', new RegExp(n.function1));
      for (const r of result.resources) {
        if (r.name === n.function1 || r.name === trigger.name) continue;
        assert.equal(r.outcome, 'created', `${r.name} does not depend on ${n.function1}: ${r.outcome} ${r.reasons?.join('; ') ?? ''}`);
      }
      const clients = sdk(moto);
      await assert.rejects(clients.lambda.getFunctionConfiguration({ FunctionName: n.function1 }), { name: 'ResourceNotFoundException' });

      // As the hint says: running setup again continues where it stopped.
      const { result: again } = await runSetup(moto);
      assert.equal(again.exitCode, 0, again.error?.message);
      for (const r of again.resources) {
        const want = r.name === n.function1 || r.name === trigger.name ? 'created' : 'unchanged';
        assert.equal(r.outcome, want, r.name);
      }
      await assertLabBuilt(clients);
    });
  });
});
