// A statement of a function's resource-based policy that lets an AWS service invoke it
// (S3 for an upload notification), limited to one source: the service may call the
// function only for that resource (SourceArn) in this account (SourceAccount; a bucket
// ARN names no account, so without it a bucket of the same name elsewhere could qualify).
//
// S3 checks this permission when the bucket's notification configuration is written
// ("Unable to validate the following destination configurations"), so the bucket
// resource lists this one in its `needs`.
import { deletion, errorMessage, hasCode } from '../aws/errors.js';
import { PROPAGATION, retryWhile } from '../aws/retry.js';
import { reason, type Ctx, type Reason, type Resource } from '../engine/resource.js';
import { lambdaWaitReason } from './lambda-function.js';
import { asList } from './policy-document.js';

export interface PermissionSpec {
  key: string;
  task: number;
  functionName: string;
  /** The statement's Sid: letters, digits, '-' and '_' (at most 100). */
  statementId: string;
  /** The service allowed to invoke, e.g. s3.amazonaws.com. */
  principal: string;
  /** The one resource it may invoke for, e.g. the bucket's ARN. */
  sourceArn(ctx: Ctx): string;
  needs: string[];
  action?: string;
}

export interface DesiredPermission {
  principal: string;
  action: string;
  sourceArn: string;
  sourceAccount: string;
}

export interface PermissionStatement extends Partial<DesiredPermission> {
  sid: string;
  effect: string;
}

export interface ObservedPermission {
  /** The statement with the lab's Sid, if there is one. */
  statement?: PermissionStatement;
  /** Every statement of the function's policy (one made in the console has its own Sid). */
  all: PermissionStatement[];
}

interface RawStatement {
  Sid?: string;
  Effect?: string;
  Principal?: string | { Service?: unknown; AWS?: unknown };
  Action?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** A condition value, whatever operator holds it (ArnLike, ArnEquals, StringEquals ...) and however its key is cased. */
function conditionValue(condition: RawStatement['Condition'], key: string): string | undefined {
  for (const operator of Object.values(condition ?? {})) {
    for (const [k, v] of Object.entries(operator ?? {})) {
      if (k.toLowerCase() === key.toLowerCase()) return asList(v)[0];
    }
  }
  return undefined;
}

export function parseStatements(policy: string | undefined): PermissionStatement[] {
  if (!policy) return [];
  const doc = JSON.parse(policy) as { Statement?: RawStatement | RawStatement[] };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return statements.map((st) => ({
    sid: st.Sid ?? '',
    effect: st.Effect ?? '',
    principal: typeof st.Principal === 'string' ? st.Principal : asList(st.Principal?.Service)[0] ?? asList(st.Principal?.AWS)[0],
    action: asList(st.Action)[0],
    sourceArn: conditionValue(st.Condition, 'AWS:SourceArn'),
    sourceAccount: conditionValue(st.Condition, 'AWS:SourceAccount'),
  }));
}

function reasons(desired: DesiredPermission, st: PermissionStatement): Reason[] {
  const out: Reason[] = [];
  if (st.effect !== 'Allow') out.push(reason('effect', `it ${st.effect === 'Deny' ? 'denies' : 'does not allow'} the call`));
  if (st.principal !== desired.principal) out.push(reason('principal', `it lets ${st.principal ?? 'nobody'} invoke the function, want ${desired.principal}`));
  if (st.action !== desired.action && st.action !== 'lambda:*') out.push(reason('action', `it allows ${st.action ?? 'no action'}, want ${desired.action}`));
  if (st.sourceArn !== desired.sourceArn) out.push(reason('source-arn', st.sourceArn ? `its source is ${st.sourceArn}, want ${desired.sourceArn}` : `it does not limit the source to ${desired.sourceArn}`));
  if (st.sourceAccount !== desired.sourceAccount) out.push(reason('source-account', st.sourceAccount ? `its source account is ${st.sourceAccount}, want ${desired.sourceAccount}` : `it does not limit the source account to ${desired.sourceAccount}`));
  return out;
}

export function lambdaPermission(spec: PermissionSpec): Resource<DesiredPermission, ObservedPermission> {
  const action = spec.action ?? 'lambda:InvokeFunction';
  async function read(ctx: Ctx): Promise<ObservedPermission | undefined> {
    const lambda = await ctx.aws.client('lambda');
    try {
      const { Policy } = await lambda.getPolicy({ FunctionName: spec.functionName });
      const all = parseStatements(Policy);
      const statement = all.find((s) => s.sid === spec.statementId);
      return statement ? { statement, all } : { all };
    } catch (error) {
      // The function has no policy yet, or there is no function: either way, no permission.
      if (hasCode(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  }
  return {
    key: spec.key,
    task: spec.task,
    type: 'lambda-permission',
    name: `${spec.functionName} invoke permission for ${spec.principal}`,
    needs: spec.needs,
    desired: (ctx) => ({ principal: spec.principal, action, sourceArn: spec.sourceArn(ctx), sourceAccount: ctx.account }),
    async observe(ctx) {
      const observed = await read(ctx);
      return observed?.statement ? observed : undefined;
    },
    diff: (desired, observed) => (observed.statement ? reasons(desired, observed.statement) : [reason('statement', `the function's policy has no statement ${spec.statementId}`)]),
    async ensure(ctx, desired, observed) {
      const lambda = await ctx.aws.client('lambda');
      // A statement cannot be changed in place: a wrong one is removed and added again.
      if (observed?.statement && reasons(desired, observed.statement).length) {
        await deletion(lambda.removePermission({ FunctionName: spec.functionName, StatementId: spec.statementId }), 'ResourceNotFoundException');
      }
      if (!observed?.statement || reasons(desired, observed.statement).length) {
        try {
          await retryWhile(
            () =>
              lambda.addPermission({
                FunctionName: spec.functionName,
                StatementId: spec.statementId,
                Action: desired.action,
                Principal: desired.principal,
                SourceArn: desired.sourceArn,
                SourceAccount: desired.sourceAccount,
              }),
            lambdaWaitReason,
            PROPAGATION,
            ctx.note,
            ctx.signal,
          );
        } catch (error) {
          // A retried call whose first answer was lost meets its own statement: look again.
          if (!(hasCode(error, 'ResourceConflictException') && /already exists/i.test(errorMessage(error)))) throw error;
        }
      }
      const now = await read(ctx);
      if (!now?.statement) throw new Error(`${spec.functionName}'s policy has no statement ${spec.statementId} after AddPermission`);
      return now;
    },
    async destroy(ctx) {
      const lambda = await ctx.aws.client('lambda');
      return deletion(lambda.removePermission({ FunctionName: spec.functionName, StatementId: spec.statementId }), 'ResourceNotFoundException');
    },
    async check(ctx, desired) {
      // Made by hand (the S3 console adds one with its own Sid when you add the trigger):
      // any statement that lets the principal invoke for the bucket works.
      const observed = await read(ctx);
      const fits = (observed?.all ?? []).filter((st) => st.effect === 'Allow' && st.principal === desired.principal && (st.action === desired.action || st.action === 'lambda:*'));
      const forSource = fits.filter((st) => !st.sourceArn || st.sourceArn === desired.sourceArn);
      if (!forSource.length) {
        return { findings: [`${spec.functionName} does not let ${desired.principal} invoke it for ${desired.sourceArn}, so uploads cannot reach it.`], warnings: [] };
      }
      const warnings: string[] = [];
      if (forSource.every((st) => !st.sourceArn)) warnings.push(`${spec.functionName} lets ${desired.principal} invoke it for any source; limit it to ${desired.sourceArn} (SourceArn).`);
      if (forSource.every((st) => !st.sourceAccount)) warnings.push(`${spec.functionName}'s permission for ${desired.principal} names no source account; add SourceAccount ${desired.sourceAccount}, since a bucket ARN does not name its owner.`);
      return { findings: [], warnings };
    },
    id: (observed) => observed.statement?.sid,
    details: (observed) => ({ principal: observed.statement?.principal, source: observed.statement?.sourceArn }),
  };
}
