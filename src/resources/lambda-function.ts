// A Lambda function: code (compared by hash), runtime, role, handler and settings.
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { deletion, errorMessage, hasCode } from '../aws/errors.js';
import { PROPAGATION, retryWhile, WAIT_SECONDS, watchedWait } from '../aws/retry.js';
import { reason, type Ctx, type Reason, type Resource } from '../engine/resource.js';
import { consoleHome, enc } from './console-links.js';
import { functionPackage } from './function-package.js';

export interface FunctionSpec {
  key: string;
  task: number;
  name: string;
  description: string;
  needs: string[];
  roleName: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment(ctx: Ctx): Record<string, string>;
  /** What its environment holds in the lab's words, said when it differs (e.g. "table name / topic ARN"). */
  environmentLabel?: string;
  /** Its deployment package, built by `npm run build` (e.g. "orders/lambda-1"): observe needs its hash, ensure the bytes. */
  package: string;
}

export interface DesiredFunction {
  role: string;
  runtime: string;
  /** Runtimes an existing function may keep (all supported ones, unless --runtime asked for one). */
  keeps: string[];
  handler: string;
  timeout: number;
  memory: number;
  environment: Record<string, string>;
}

export interface ObservedFunction {
  arn: string;
  state: string;
  lastUpdateStatus: string;
  codeSha256: string;
  role: string;
  runtime: string;
  handler: string;
  timeout: number;
  memory: number;
  environment: Record<string, string>;
}

/**
 * Lambda's answers that mean "IAM has not caught up yet" or "the function is busy":
 * retried with backoff, and the text is what the progress line says we wait for.
 */
export function lambdaWaitReason(error: unknown): string | undefined {
  const message = errorMessage(error);
  if (hasCode(error, 'InvalidParameterValueException')) {
    if (/cannot be assumed by Lambda/i.test(message)) return 'IAM to let Lambda assume the just-created role';
    if (/execution role does not have permissions/i.test(message)) return 'IAM to show Lambda the just-attached permissions of the role';
    // A stream trigger's wording for the same wait (Lambda answers it while the role's
    // new stream permissions propagate): "Cannot access stream <arn>. Please ensure the
    // role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams
    // Actions on your stream in IAM." (newer answers add ListShards to the list).
    if (/Cannot access stream .*Please ensure the role can perform/is.test(message)) return 'IAM to show Lambda the role’s just-granted stream permissions';
  }
  if (hasCode(error, 'ResourceConflictException') && /in progress|pending/i.test(message)) return 'the function to finish its previous update';
  // A trigger being created, updated or deleted refuses other changes until it settles.
  if (hasCode(error, 'ResourceInUseException')) return 'the trigger to finish its previous change';
  return undefined;
}

function fromConfiguration(c: FunctionConfiguration): ObservedFunction {
  return {
    arn: c.FunctionArn!,
    state: c.State ?? 'Active',
    lastUpdateStatus: c.LastUpdateStatus ?? 'Successful',
    codeSha256: c.CodeSha256 ?? '',
    role: c.Role ?? '',
    runtime: c.Runtime ?? '',
    handler: c.Handler ?? '',
    timeout: c.Timeout ?? 3,
    memory: c.MemorySize ?? 128,
    environment: c.Environment?.Variables ?? {},
  };
}

function sameEnvironment(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

export function lambdaFunction(spec: FunctionSpec): Resource<DesiredFunction, ObservedFunction> {
  const code = functionPackage(spec.package);
  // diff is synchronous, so observe keeps the hash at hand; it decides whether code is uploaded.
  let sha: string | undefined;

  async function waitUpdated(ctx: Ctx) {
    const { waitUntilFunctionUpdatedV2 } = await import('../aws/sdk/lambda.js');
    ctx.note(`waiting for ${spec.name} to finish updating`);
    await watchedWait(await ctx.aws.client('lambda'), `${spec.name} to finish updating`, ctx.signal, (client, abortSignal) =>
      waitUntilFunctionUpdatedV2({ client, maxWaitTime: WAIT_SECONDS.function, abortSignal }, { FunctionName: spec.name }),
    );
  }

  async function read(ctx: Ctx): Promise<ObservedFunction> {
    const lambda = await ctx.aws.client('lambda');
    return fromConfiguration(await lambda.getFunctionConfiguration({ FunctionName: spec.name }));
  }

  return {
    key: spec.key,
    task: spec.task,
    type: 'lambda-function',
    name: spec.name,
    needs: spec.needs,
    desired: (ctx) => ({
      role: ctx.arns.role(spec.roleName),
      runtime: ctx.settings.runtime,
      keeps: ctx.settings.keepRuntimes ?? [ctx.settings.runtime],
      handler: spec.handler,
      timeout: spec.timeoutSeconds,
      memory: spec.memoryMb,
      environment: spec.environment(ctx),
    }),
    async observe(ctx) {
      // Only walks that compare code read the hash (from the build's manifest).
      if (ctx.artifacts !== false) sha ??= code.codeSha256();
      try {
        return await read(ctx);
      } catch (error) {
        if (hasCode(error, 'ResourceNotFoundException')) return undefined;
        throw error;
      }
    },
    diff(desired, observed) {
      const reasons: Reason[] = [];
      if (observed.state === 'Failed' || observed.lastUpdateStatus === 'Failed') reasons.push(reason('deployment-failed', 'its last deployment failed'));
      if (sha && observed.codeSha256 !== sha) reasons.push(reason('code', 'its code differs from handlers/ (code will be uploaded)'));
      if (!desired.keeps.includes(observed.runtime)) reasons.push(reason('runtime', `its runtime is ${observed.runtime}, want ${desired.runtime}`));
      if (observed.role !== desired.role) reasons.push(reason('role', `its role is ${observed.role.split('/').pop()}, want ${desired.role.split('/').pop()}`));
      if (observed.handler !== desired.handler) reasons.push(reason('handler', `its handler is ${observed.handler}, want ${desired.handler}`));
      if (observed.timeout !== desired.timeout) reasons.push(reason('timeout', `its timeout is ${observed.timeout}s, want ${desired.timeout}s`));
      if (observed.memory !== desired.memory) reasons.push(reason('memory', `its memory is ${observed.memory} MB, want ${desired.memory} MB`));
      if (!sameEnvironment(observed.environment, desired.environment)) reasons.push(reason('environment', `its environment variables differ${spec.environmentLabel ? ` (${spec.environmentLabel})` : ''}`));
      return reasons;
    },
    async ensure(ctx, desired, observed) {
      const lambda = await ctx.aws.client('lambda');
      // A supported runtime already deployed is kept: a repair of something else must not change it.
      const runtime = observed && desired.keeps.includes(observed.runtime) ? observed.runtime : desired.runtime;
      const settings = {
        Role: desired.role,
        Runtime: runtime as FunctionConfiguration['Runtime'],
        Handler: desired.handler,
        Timeout: desired.timeout,
        MemorySize: desired.memory,
        Environment: { Variables: desired.environment },
        Description: spec.description,
      };
      if (!observed) {
        const ZipFile = await code.zip();
        await retryWhile(
          () => lambda.createFunction({ FunctionName: spec.name, Code: { ZipFile }, Tags: ctx.tags, ...settings }),
          lambdaWaitReason,
          PROPAGATION,
          ctx.note,
          ctx.signal,
        );
        const { waitUntilFunctionActiveV2 } = await import('../aws/sdk/lambda.js');
        ctx.note(`waiting for ${spec.name} to become Active`);
        await watchedWait(lambda, `${spec.name} to become Active`, ctx.signal, (client, abortSignal) =>
          waitUntilFunctionActiveV2({ client, maxWaitTime: WAIT_SECONDS.function, abortSignal }, { FunctionName: spec.name }),
        );
        return read(ctx);
      }
      // One update at a time: Lambda refuses a second while the first is in progress.
      if (observed.lastUpdateStatus === 'InProgress' || observed.state === 'Pending') await waitUpdated(ctx);
      const configChanged =
        observed.runtime !== runtime ||
        observed.role !== desired.role ||
        observed.handler !== desired.handler ||
        observed.timeout !== desired.timeout ||
        observed.memory !== desired.memory ||
        !sameEnvironment(observed.environment, desired.environment);
      if (configChanged) {
        await retryWhile(() => lambda.updateFunctionConfiguration({ FunctionName: spec.name, ...settings }), lambdaWaitReason, PROPAGATION, ctx.note, ctx.signal);
        await waitUpdated(ctx);
      }
      sha ??= code.codeSha256();
      if (observed.codeSha256 !== sha || observed.lastUpdateStatus === 'Failed') {
        const zip = await code.zip();
        await retryWhile(() => lambda.updateFunctionCode({ FunctionName: spec.name, ZipFile: zip }), lambdaWaitReason, PROPAGATION, ctx.note, ctx.signal);
        await waitUpdated(ctx);
      }
      return read(ctx);
    },
    async destroy(ctx) {
      const lambda = await ctx.aws.client('lambda');
      return deletion(lambda.deleteFunction({ FunctionName: spec.name }), 'ResourceNotFoundException');
    },
    check(_ctx, desired, observed) {
      // A function built by hand has its own code and settings; what matters is that it
      // runs with the lab's role and its last deployment worked.
      const findings: string[] = [];
      if (observed.role !== desired.role) findings.push(`${spec.name} runs with role ${observed.role.split('/').pop()}; the lab's is ${desired.role.split('/').pop()}.`);
      if (observed.state === 'Failed' || observed.lastUpdateStatus === 'Failed') findings.push(`${spec.name}'s last deployment failed; open it in the Lambda console to see why.`);
      // Code written by hand may name the table or topic itself (then the variable is absent);
      // a variable that is set but names something else sends the pipeline there.
      for (const [variable, want] of Object.entries(desired.environment)) {
        const got = observed.environment[variable];
        if (got !== undefined && got !== want) findings.push(`${spec.name}'s environment variable ${variable} is ${got}; the lab's is ${want}, so the function works on the wrong resource.`);
      }
      const warnings = observed.timeout * 6 > 900 ? [`${spec.name}'s timeout (${observed.timeout}s) is long for a queue consumer; the queue's visibility timeout must be six times it.`] : [];
      return { findings, warnings };
    },
    id: (observed) => observed.arn,
    details: (observed) => ({ state: observed.state, runtime: observed.runtime, lastUpdate: observed.lastUpdateStatus }),
    summary: (observed) => `${observed.runtime}, ${observed.state}`,
    consoleLink: (region) => `${consoleHome(region, 'lambda')}/home?region=${region}#/functions/${enc(spec.name)}`,
  };
}
