// AWS's clock in front of moto: moto makes everything usable the moment it answers; AWS
// does not. The clock notes when each role, policy, table, function, trigger and
// permission was made or changed (from the calls that pass the proxy) and, by its age
// under the profile (aws-profile.ts), refuses what AWS refuses meanwhile, with AWS's error
// shapes (botocore's service models), and rewrites moto's answers to the states AWS
// reports (TableStatus CREATING, State Pending, LastUpdateStatus InProgress, mapping
// Creating/Updating, the stream ARN only once the table is ACTIVE, an email subscription
// pending confirmation). Quotas are the fault proxy's (the profile lists them).
import type { AwsProfile } from './aws-profile.js';
import type { CannedAnswer, RequestInfo } from './fault-proxy.js';
import type { Upstream } from './http-proxy.js';

export interface AwsClock {
  profile: AwsProfile;
  timeScale: number;
  /** AWS's refusal of this call now, if it refuses it. */
  refuse(info: RequestInfo, body: Buffer): CannedAnswer | undefined;
  /** Notes what a successful call made or changed, and gives AWS's answer for moto's. */
  answered(info: RequestInfo, body: Buffer, upstream: Upstream): Upstream;
  /** Every refusal so far, "service:Operation reason" -> count (a test shows the clock was met). */
  refusals: Record<string, number>;
  /** How many answers were given a state moto does not report (CREATING, Pending, ...). */
  readonly rewrites: number;
}

const json = (body: Buffer): Record<string, any> => {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, any>;
  } catch {
    return {};
  }
};
const form = (body: Buffer) => new URLSearchParams(body.toString('utf8'));
const lastPart = (nameOrArn: string) => decodeURIComponent(String(nameOrArn ?? '')).split(':').pop()!.split('/').pop()!;

function lambdaError(status: number, type: string, message: string, messageKey = 'message'): CannedAnswer {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': type }, body: JSON.stringify({ Type: 'User', [messageKey]: message }) };
}
function dynamoError(type: string, message: string): CannedAnswer {
  return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }) };
}
function queryError(status: number, code: string, message: string): CannedAnswer {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>aws-clock</RequestId></ErrorResponse>`,
  };
}

interface FunctionAge {
  arn?: string;
  created: number;
  updated?: number;
  role: string;
}

export function createAwsClock(profile: AwsProfile, timeScale: number): AwsClock {
  const ms = (seconds: number) => seconds * 1000 * timeScale;
  const now = () => performance.now();
  const young = (at: number | undefined, seconds: number) => at !== undefined && now() - at < ms(seconds);

  /** role name -> when it was made (Lambda cannot assume it yet) */
  const rolesMade = new Map<string, number>();
  /** role name -> when it was made or its permissions last changed (Lambda does not see them yet) */
  const roles = new Map<string, number>();
  /** policy ARN -> when it was made */
  const policies = new Map<string, number>();
  /** table name -> when made / updated (with the stream turned on) */
  const tables = new Map<string, { created: number; updated?: number }>();
  const functions = new Map<string, FunctionAge>();
  /** mapping UUID -> when made / updated */
  const mappings = new Map<string, { created: number; updated?: number }>();
  /** function name -> when s3.amazonaws.com was last given a permission on it */
  const s3Permissions = new Map<string, number>();
  const refusals: Record<string, number> = {};
  let rewrites = 0;

  const refused = (info: RequestInfo, why: string, answer: CannedAnswer) => {
    const key = `${info.service}:${info.operation} ${why}`;
    refusals[key] = (refusals[key] ?? 0) + 1;
    return answer;
  };

  const tableStatus = (name: string): 'CREATING' | 'UPDATING' | undefined => {
    const t = tables.get(name);
    if (young(t?.created, profile.seconds.tableCreating)) return 'CREATING';
    if (young(t?.updated, profile.seconds.tableUpdating)) return 'UPDATING';
    return undefined;
  };
  const functionState = (name: string) => {
    const f = functions.get(name);
    return {
      pending: young(f?.created, profile.seconds.functionPending),
      updating: young(f?.updated, profile.seconds.functionUpdating),
    };
  };
  const mappingState = (uuid: string): 'Creating' | 'Updating' | undefined => {
    const m = mappings.get(uuid);
    if (young(m?.created, profile.seconds.mappingCreating)) return 'Creating';
    if (young(m?.updated, profile.seconds.mappingUpdating)) return 'Updating';
    return undefined;
  };

  function refuse(info: RequestInfo, body: Buffer): CannedAnswer | undefined {
    const { service, operation } = info;
    if (service === 'iam' && operation === 'AttachRolePolicy') {
      const arn = form(body).get('PolicyArn') ?? '';
      if (young(policies.get(arn), profile.seconds.policyAttachable)) {
        return refused(info, 'policy not yet attachable', queryError(404, 'NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`));
      }
    }
    if (service === 'lambda') {
      if (operation === 'CreateFunction') {
        const role = lastPart(json(body).Role);
        if (young(rolesMade.get(role), profile.seconds.roleUsable)) {
          return refused(info, 'role not yet assumable', lambdaError(400, 'InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.'));
        }
      }
      if (operation === 'CreateEventSourceMapping') {
        const request = json(body);
        const fn = functions.get(lastPart(request.FunctionName));
        if (fn && young(roles.get(fn.role), profile.seconds.roleUsable)) {
          const source = String(request.EventSourceArn ?? '');
          const message = source.includes('/stream/')
            ? `Cannot access stream ${source}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.`
            : 'The provided execution role does not have permissions to call ReceiveMessage on SQS';
          return refused(info, "role's permissions not yet visible", lambdaError(400, 'InvalidParameterValueException', message));
        }
      }
      const fnPath = /^\/2015-03-31\/functions\/([^/]+)/.exec(info.path)?.[1];
      if (fnPath && ['UpdateFunctionCode', 'UpdateFunctionConfiguration', 'Invoke'].includes(operation)) {
        const name = lastPart(fnPath);
        const state = functionState(name);
        if (state.pending) {
          return refused(info, 'function Pending', lambdaError(409, 'ResourceConflictException', 'The operation cannot be performed at this time. The function is currently in the following state: Pending'));
        }
        if (state.updating && operation !== 'Invoke') {
          const arn = functions.get(name)?.arn ?? name;
          return refused(info, 'update InProgress', lambdaError(409, 'ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`));
        }
      }
      if (operation === 'UpdateEventSourceMapping' || operation === 'DeleteEventSourceMapping') {
        const uuid = info.path.split('/').pop()!;
        const state = mappingState(uuid);
        if (state) {
          return refused(
            info,
            `mapping ${state}`,
            lambdaError(400, 'ResourceInUseException', `Cannot ${operation === 'UpdateEventSourceMapping' ? 'update' : 'delete'} the event source mapping because it is in use.`, 'Message'),
          );
        }
      }
    }
    if (service === 'dynamodb') {
      const name = String(json(body).TableName ?? '');
      const status = name ? tableStatus(name) : undefined;
      if (status && (operation === 'UpdateTable' || operation === 'DeleteTable')) {
        return refused(info, `table ${status}`, dynamoError('ResourceInUseException', `Attempt to change a resource which is still in use: Table is being ${status === 'CREATING' ? 'created' : 'updated'}: ${name}`));
      }
      if (status === 'CREATING' && ['PutItem', 'GetItem', 'Scan', 'Query', 'UpdateItem', 'DeleteItem', 'BatchGetItem', 'BatchWriteItem'].includes(operation)) {
        return refused(info, 'table CREATING', dynamoError('ResourceNotFoundException', 'Requested resource not found'));
      }
    }
    if (service === 's3' && info.method === 'PUT' && /[?&]notification(=|&|$)/.test(info.url ?? '')) {
      const text = body.toString('utf8');
      const unseen = [...text.matchAll(/<CloudFunction>([^<]+)<\/CloudFunction>/g)].map((m) => m[1]).filter((arn) => young(s3Permissions.get(lastPart(arn)), profile.seconds.permissionVisible));
      if (unseen.length) {
        return refused(info, 'permission not yet visible to S3', {
          status: 400,
          headers: { 'content-type': 'application/xml' },
          body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code><Message>Unable to validate the following destination configurations</Message><ArgumentName1>${unseen[0]}</ArgumentName1><ArgumentValue1>Not authorized to invoke function [${unseen[0]}]</ArgumentValue1><RequestId>aws-clock</RequestId></Error>`,
        });
      }
    }
    return undefined;
  }

  const rewriteJson = (upstream: Upstream, change: (doc: Record<string, any>) => void): Upstream => {
    const doc = json(upstream.body);
    change(doc);
    return { ...upstream, body: Buffer.from(JSON.stringify(doc)) };
  };
  const configuration = (c: Record<string, any> | undefined) => {
    if (!c?.FunctionName) return;
    const state = functionState(c.FunctionName);
    if (state.pending || state.updating) rewrites++;
    if (state.pending) Object.assign(c, { State: 'Pending', StateReason: 'The function is being created.', StateReasonCode: 'Creating' });
    else if (state.updating) Object.assign(c, { LastUpdateStatus: 'InProgress', LastUpdateStatusReason: 'The function is being created.', LastUpdateStatusReasonCode: 'Creating' });
  };
  const mapping = (m: Record<string, any> | undefined) => {
    const state = m?.UUID ? mappingState(m.UUID) : undefined;
    if (m && state) {
      m.State = state;
      rewrites++;
    }
  };
  const table = (t: Record<string, any> | undefined) => {
    const status = t?.TableName ? tableStatus(t.TableName) : undefined;
    if (!t || !status) return;
    rewrites++;
    t.TableStatus = status;
    // The stream's ARN is given once the update that turned it on is done.
    delete t.LatestStreamArn;
    delete t.LatestStreamLabel;
  };

  function answered(info: RequestInfo, body: Buffer, upstream: Upstream): Upstream {
    if (upstream.status >= 300) return upstream;
    const { service, operation } = info;
    const at = now();
    if (service === 'iam') {
      const request = form(body);
      if (operation === 'CreateRole') rolesMade.set(request.get('RoleName') ?? '', at);
      if (operation === 'CreateRole' || operation === 'AttachRolePolicy' || operation === 'PutRolePolicy' || operation === 'UpdateAssumeRolePolicy') roles.set(request.get('RoleName') ?? '', at);
      if (operation === 'CreatePolicy') {
        const arn = /<Arn>([^<]+)<\/Arn>/.exec(upstream.body.toString('utf8'))?.[1];
        if (arn) policies.set(arn, at);
      }
      return upstream;
    }
    if (service === 'lambda') {
      switch (operation) {
        case 'CreateFunction': {
          const request = json(body);
          const name = String(request.FunctionName);
          const doc = json(upstream.body);
          functions.set(name, { created: at, role: lastPart(request.Role), arn: doc.FunctionArn });
          return rewriteJson(upstream, configuration);
        }
        case 'UpdateFunctionCode':
        case 'UpdateFunctionConfiguration': {
          const name = lastPart(/^\/2015-03-31\/functions\/([^/]+)/.exec(info.path)?.[1] ?? '');
          const fn = functions.get(name) ?? { created: -Infinity, role: '' };
          const role = json(body).Role;
          functions.set(name, { ...fn, updated: at, ...(role ? { role: lastPart(role) } : {}) });
          return rewriteJson(upstream, configuration);
        }
        case 'GetFunctionConfiguration':
          return rewriteJson(upstream, configuration);
        case 'GetFunction':
          return rewriteJson(upstream, (doc) => configuration(doc.Configuration));
        case 'ListFunctions':
          return rewriteJson(upstream, (doc) => (doc.Functions ?? []).forEach(configuration));
        case 'AddPermission': {
          if (json(body).Principal === 's3.amazonaws.com') s3Permissions.set(lastPart(/^\/2015-03-31\/functions\/([^/]+)/.exec(info.path)?.[1] ?? ''), at);
          return upstream;
        }
        case 'CreateEventSourceMapping': {
          const doc = json(upstream.body);
          if (doc.UUID) mappings.set(doc.UUID, { created: at });
          return rewriteJson(upstream, mapping);
        }
        case 'UpdateEventSourceMapping': {
          const uuid = info.path.split('/').pop()!;
          mappings.set(uuid, { ...(mappings.get(uuid) ?? { created: -Infinity }), updated: at });
          return rewriteJson(upstream, mapping);
        }
        case 'GetEventSourceMapping':
          return rewriteJson(upstream, mapping);
        case 'ListEventSourceMappings':
          return rewriteJson(upstream, (doc) => (doc.EventSourceMappings ?? []).forEach(mapping));
        case 'DeleteEventSourceMapping':
          return rewriteJson(upstream, (doc) => (doc.State = 'Deleting'));
      }
      return upstream;
    }
    if (service === 'dynamodb') {
      if (operation === 'CreateTable') {
        tables.set(String(json(body).TableName), { created: at });
        return rewriteJson(upstream, (doc) => table(doc.TableDescription));
      }
      if (operation === 'UpdateTable') {
        const name = String(json(body).TableName);
        tables.set(name, { ...(tables.get(name) ?? { created: -Infinity }), updated: at });
        return rewriteJson(upstream, (doc) => table(doc.TableDescription));
      }
      if (operation === 'DescribeTable') return rewriteJson(upstream, (doc) => table(doc.Table));
      if (operation === 'DeleteTable') tables.delete(String(json(body).TableName));
      return upstream;
    }
    if (service === 'sns') {
      // Nobody clicks the confirmation link in a test: an email subscription stays pending.
      if (operation === 'ListSubscriptionsByTopic' || operation === 'ListSubscriptions') {
        const text = upstream.body
          .toString('utf8')
          .replace(/<member>((?:(?!<\/member>)[\s\S])*?<Protocol>email<\/Protocol>(?:(?!<\/member>)[\s\S])*?)<\/member>/g, (m) => m.replace(/<SubscriptionArn>[^<]*<\/SubscriptionArn>/, '<SubscriptionArn>PendingConfirmation</SubscriptionArn>'));
        return { ...upstream, body: Buffer.from(text) };
      }
      if (operation === 'GetSubscriptionAttributes') {
        const text = upstream.body.toString('utf8');
        if (!/<key>Protocol<\/key>\s*<value>email<\/value>/.test(text)) return upstream;
        return { ...upstream, body: Buffer.from(text.replace(/(<key>PendingConfirmation<\/key>\s*<value>)false(<\/value>)/, '$1true$2')) };
      }
    }
    return upstream;
  }

  return {
    profile,
    timeScale,
    refuse,
    answered,
    refusals,
    get rewrites() {
      return rewrites;
    },
  };
}
