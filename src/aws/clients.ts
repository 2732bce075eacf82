// The client factory: region, profile, endpoint and retries are decided here once, and
// every client is loaded only when a command first uses it (the SDK is most of the
// start-up time of a CLI, and `poc --help` needs none of it).
import type { APIGateway } from './sdk/apigateway.js';
import type { CloudWatchLogs } from './sdk/logs.js';
import type { DynamoDB } from './sdk/dynamodb.js';
import type { IAM } from './sdk/iam.js';
import type { Lambda } from './sdk/lambda.js';
import type { S3 } from './sdk/s3.js';
import type { ResourceGroupsTaggingAPI } from './sdk/tagging.js';
import type { SNS } from './sdk/sns.js';
import type { SQS } from './sdk/sqs.js';
import type { STS } from './sdk/sts.js';
import { CredentialsError, UsageError } from '../errors.js';
import { hasCode, toPocError } from './errors.js';
import { checkProfile, quietLogger } from './profiles.js';
import { createPacer, type Pacer, type PacerOptions } from './pacing.js';
import { SDK_MAX_ATTEMPTS, unmeterThrottling } from './retry.js';
import { isOptInRegion, regionTypo } from './arns.js';

export interface AwsOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** The local AWS's API stage base URL (poc local): where a REST API's stages are invoked. */
  localStage?: string;
  /** Called for every logical AWS call (not for each SDK retry of it). */
  onCall?: (call: AwsCall) => void;
  /** The account's quotas (see pacing.ts): a pacer to share, or options for a new one. */
  pacing?: Pacer | PacerOptions;
  /** Ctrl-C: calls waiting for a quota stop waiting. */
  signal?: AbortSignal;
}

export interface AwsCall {
  service: string;
  operation: string;
  mutating: boolean;
  /** performance.now() when the call started and when its answer (or error) came. */
  startedAt: number;
  endedAt?: number;
}

/** Read-only operations start with one of these; everything else changes something. */
const READ_PREFIXES = ['Get', 'List', 'Describe', 'Head', 'Filter', 'Receive'];
export function isMutating(operation: string): boolean {
  return !READ_PREFIXES.some((p) => operation.startsWith(p));
}

interface ClientTypes {
  apigateway: APIGateway;
  logs: CloudWatchLogs;
  dynamodb: DynamoDB;
  iam: IAM;
  lambda: Lambda;
  s3: S3;
  sns: SNS;
  sqs: SQS;
  sts: STS;
  tagging: ResourceGroupsTaggingAPI;
}
export type ServiceName = keyof ClientTypes;

type ClientConfig = Record<string, unknown>;
const LOADERS: { [K in ServiceName]: (config: ClientConfig) => Promise<ClientTypes[K]> } = {
  apigateway: async (c) => new (await import('./sdk/apigateway.js')).APIGateway(c),
  logs: async (c) => new (await import('./sdk/logs.js')).CloudWatchLogs(c),
  dynamodb: async (c) => new (await import('./sdk/dynamodb.js')).DynamoDB(c),
  iam: async (c) => new (await import('./sdk/iam.js')).IAM(c),
  lambda: async (c) => new (await import('./sdk/lambda.js')).Lambda(c),
  // An emulator at a custom endpoint (localhost:5000) has no DNS for bucket.localhost: address buckets by path there.
  s3: async (c) => new (await import('./sdk/s3.js')).S3(c.endpoint ? { ...c, forcePathStyle: true } : c),
  sns: async (c) => new (await import('./sdk/sns.js')).SNS(c),
  sqs: async (c) => new (await import('./sdk/sqs.js')).SQS(c),
  sts: async (c) => new (await import('./sdk/sts.js')).STS(c),
  // The class commands find every student's lab by its tags in one paged listing.
  tagging: async (c) => new (await import('./sdk/tagging.js')).ResourceGroupsTaggingAPI(c),
};

export interface Identity {
  account: string;
  arn: string;
}

export interface Aws {
  readonly region: string;
  readonly endpointUrl?: string;
  /** The local AWS's API stage base URL, under --local. */
  readonly localStage?: string;
  /** Every call made so far, in order: the benchmark and the tests read it. */
  readonly calls: AwsCall[];
  /** Paces every request to the account's quotas; shared by everything using this factory. */
  readonly pacer?: Pacer;
  client<K extends ServiceName>(service: K): Promise<ClientTypes[K]>;
  identity(): Promise<Identity>;
}

export function validateEndpointUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--endpoint-url "${raw}" is not a URL.`, 'Give a full URL such as http://127.0.0.1:5000 (for a local emulator) or leave it out for real AWS.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--endpoint-url "${raw}" must start with http:// or https://.`, 'For example: --endpoint-url http://127.0.0.1:5000');
  }
  return raw.replace(/\/+$/, '');
}

// The shape of every region name, not a list: new regions and partitions (eusc-de-east-1 in
// the European Sovereign Cloud, us-isob-east-1) are accepted without a release of poc.
const REGION_RE = /^[a-z]{2,}(-[a-z]+)+-\d{1,2}$/;
export function validateRegion(region: string | undefined): string | undefined {
  if (region === undefined) return undefined;
  if (!REGION_RE.test(region)) {
    throw new UsageError(`"${region}" is not an AWS region name.`, 'Use a region code such as us-east-1 or eu-west-1.');
  }
  // A name one slip from a region the SDK lists is a typo: it would resolve to no endpoint
  // and fail on every call. An unlisted name that is no such slip may be a region newer than
  // this SDK, and is tried (see regionTypo).
  const meant = regionTypo(region);
  if (meant) throw new UsageError(`"${region}" is not an AWS region. Did you mean ${meant}?`, `Use --region ${meant} (or another region code such as eu-west-1).`);
  return region;
}

/**
 * Resolves the region (option, then the usual AWS_REGION / profile chain) and returns a
 * lazy client factory. Validation errors are UsageErrors, raised before any AWS call.
 */
export async function createAws(options: AwsOptions): Promise<Aws> {
  // The SDK warns on every start under Node 20 about a future Node requirement; that is
  // not the user's business while poc itself supports Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpointUrl = validateEndpointUrl(options.endpointUrl ?? process.env.AWS_ENDPOINT_URL);
  checkProfile(options.profile ?? process.env.AWS_PROFILE, options.profile !== undefined);
  const region = validateRegion(options.region) ?? (await resolveRegion(options.profile));
  const calls: AwsCall[] = [];
  const config: ClientConfig = {
    region,
    maxAttempts: SDK_MAX_ATTEMPTS,
    retryMode: 'standard',
    logger: quietLogger,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(endpointUrl ? { endpoint: endpointUrl } : {}),
  };
  const pacing = options.pacing;
  const pacer = pacing && 'take' in pacing ? pacing : createPacer({ signal: options.signal, ...pacing });
  const cache = new Map<ServiceName, Promise<unknown>>();
  // Clients load one after another, in the order they are first asked for: loading is CPU
  // work, so loads started together all finish together and no call goes out before the
  // last; one at a time, a client's calls go out while the next one loads.
  let loading: Promise<unknown> = Promise.resolve();
  let identity: Promise<Identity> | undefined;

  const aws: Aws = {
    region,
    endpointUrl,
    localStage: options.localStage,
    calls,
    pacer,
    client(service) {
      let pending = cache.get(service);
      if (!pending) {
        pending = loading.then(() => LOADERS[service](config)).then(async (client) => {
          // A class shares this client: its throttled retries must not empty one retry quota for all.
          await unmeterThrottling((client as unknown as { config: { retryStrategy: () => Promise<unknown> } }).config);
          const c = client as unknown as { middlewareStack: { add: (mw: unknown, opts: unknown) => void; addRelativeTo: (mw: unknown, opts: unknown) => void } };
          c.middlewareStack.add(
            (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
              const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
              const call: AwsCall = { service, operation, mutating: isMutating(operation), startedAt: performance.now() };
              calls.push(call);
              options.onCall?.(call);
              try {
                return await next(args);
              } catch (error) {
                // Which endpoint failed, so that a lost one can be named (Node's errors often do not say).
                if (error && typeof error === 'object' && !('$endpoint' in error)) {
                  Object.defineProperty(error, '$endpoint', { value: (context as { pocEndpoint?: string }).pocEndpoint ?? endpointUrl, enumerable: false });
                }
                throw error;
              } finally {
                call.endedAt = performance.now();
              }
            },
            { step: 'initialize', name: 'pocCallRecorder' },
          );
          c.middlewareStack.add(
            (next: (args: unknown) => Promise<unknown>, context: { pocEndpoint?: string }) => async (args: unknown) => {
              const r = (args as { request?: { protocol?: string; hostname?: string; port?: number } }).request;
              if (r?.hostname) context.pocEndpoint = `${r.protocol ?? 'https:'}//${r.hostname}${r.port ? `:${r.port}` : ''}`;
              return next(args);
            },
            { step: 'build', name: 'pocEndpointRecorder' },
          );
          // Every attempt (each SDK retry too) waits for its quota, and is signed only then:
          // a signature made before a long wait could expire on the way.
          c.middlewareStack.addRelativeTo(
            (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
              const done = await pacer.take(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
              try {
                return await next(args);
              } finally {
                done();
              }
            },
            { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'pocPacing' },
          );
          return client;
        });
        loading = pending.catch(() => undefined);
        cache.set(service, pending);
      }
      return pending as Promise<ClientTypes[typeof service]>;
    },
    identity() {
      identity ??= (async () => {
        try {
          const sts = await aws.client('sts');
          const who = await sts.getCallerIdentity({});
          return { account: who.Account ?? '', arn: who.Arn ?? '' };
        } catch (error) {
          identity = undefined;
          // STS in an opt-in region the account has not enabled answers as if the keys were
          // bad ("The security token included in the request is invalid"): name the region.
          if (hasCode(error, 'InvalidClientTokenId', 'AuthFailure') && isOptInRegion(region)) {
            throw new CredentialsError(
              `AWS did not accept your credentials in ${region}, a region each account must enable before using it (an opt-in region); it is probably not enabled for this account.`,
              `Enable ${region} in the console (your account menu > Account > AWS Regions) or with \`aws account enable-region --region-name ${region}\` (it takes a few minutes), or choose an enabled region with --region. If it is enabled, check your credentials (\`aws sts get-caller-identity --region ${region}\`).`,
              { cause: error },
            );
          }
          throw toPocError(error, 'Looking up your AWS account (sts:GetCallerIdentity)');
        }
      })();
      return identity;
    },
  };
  return aws;
}

async function resolveRegion(profile: string | undefined): Promise<string> {
  const fromEnv = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (fromEnv) return validateRegion(fromEnv)!;
  // Let the SDK resolve it the way it always does (the profile's region in ~/.aws/config).
  const { STS } = await import('./sdk/sts.js');
  try {
    const region = await new STS(profile ? { profile } : {}).config.region();
    if (region) return validateRegion(region)!;
  } catch {
    // fall through to the error below
  }
  throw new UsageError(
    'No AWS region is set.',
    'Pass --region (for example --region us-east-1), set AWS_REGION, or give your profile a region with `aws configure`.',
  );
}
