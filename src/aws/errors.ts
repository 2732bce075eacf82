// Recognising AWS errors by what the service says, not by message text where a code exists.
import { AwsFailure, CredentialsError, EndpointUnreachable, EXIT, InternalError, PocError, UsageError } from '../errors.js';
import { EndpointLost, isLostEndpoint, RetryExhausted } from './retry.js';

export function errorCode(error: unknown): string {
  if (!error || typeof error !== 'object') return '';
  const e = error as { name?: string; Code?: string; code?: string; __type?: string };
  // Node's network errors are plain Errors whose code (ECONNREFUSED ...) says what happened.
  const name = e.name && e.name !== 'Error' ? e.name : undefined;
  return e.Code ?? name ?? e.code ?? e.__type ?? '';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = errorCode(error);
  return codes.some((c) => code === c || code.endsWith(`.${c}`) || code.endsWith(`#${c}`));
}

const CREDENTIAL_CODES = [
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'RequestExpired',
  'TokenRefreshRequired',
];

const CONFIGURE_HINT =
  'Configure credentials with `aws configure` (or `aws sso login --profile NAME` and --profile NAME), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; workshop accounts often hand out temporary keys that also need AWS_SESSION_TOKEN.';

/** Turns anything thrown while talking to AWS into a PocError with a hint that names the fix. */
export function toPocError(error: unknown, doing: string): PocError {
  if (error instanceof PocError) return error;
  const code = errorCode(error);
  const message = errorMessage(error);
  if (error instanceof RetryExhausted) {
    return new AwsFailure(
      `${doing}: ${error.message}.`,
      `AWS had not caught up yet; this is usually transient. Run the same command again.${
        error.last ? ` Last answer: ${errorCode(error.last)}: ${errorMessage(error.last)}` : ''
      }`,
      { cause: error },
    );
  }
  if (CREDENTIAL_CODES.includes(code) || /Could not load credentials|credential/i.test(message) && code === 'Error') {
    const expired = /expired/i.test(code + message);
    // One rule with a missing region or profile (exit 2): what poc finds missing before AWS
    // has answered is bad usage, nothing was changed; credentials AWS refuses (invalid,
    // expired) are AWS's answer, exit 1.
    const missing = code === 'CredentialsProviderError' || /Could not load credentials/i.test(message);
    return new CredentialsError(
      expired ? 'Your AWS credentials have expired.' : missing ? `No AWS credentials found (${message.split('\n')[0]}).` : `No usable AWS credentials (${message.split('\n')[0]}).`,
      expired ? 'Refresh them (for example `aws sso login`, or new keys from your workshop page) and run the command again.' : CONFIGURE_HINT,
      { cause: error, exitCode: missing && !expired ? EXIT.usage : EXIT.failure },
    );
  }
  if (/Region is missing/i.test(message)) {
    return new UsageError('No AWS region is set.', 'Pass --region (for example --region us-east-1), set AWS_REGION, or set a region in your profile with `aws configure`.');
  }
  if (hasCode(error, 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError')) {
    return new AwsFailure(
      `${doing}: access denied (${message}).`,
      'The identity poc runs as needs permission for this call. In a workshop account, ask the instructor for a role with IAM, Lambda, SQS, DynamoDB, SNS, API Gateway and CloudWatch Logs rights.',
      { cause: error },
    );
  }
  if (error instanceof EndpointLost || isLostEndpoint(error)) return lostEndpoint(error, doing);
  if (/Deserialization error/i.test(message)) {
    const endpoint = endpointOf(error);
    const status = httpStatus(error) ?? 0;
    // A 5xx page is the endpoint failing within, not an address that is no AWS (a mistyped
    // region answers otherwise): moto answers so, for one, a DeleteRestApi of an API that
    // another run deleted a moment before, where AWS answers 404 NotFoundException.
    if (status >= 500) {
      return new AwsFailure(
        `${doing}: ${endpoint ?? 'the endpoint'} failed with HTTP ${status}, an internal error (its answer was an error page, not an AWS error).`,
        'This is usually transient: run the same command again. If it repeats against an emulator (--endpoint-url), its log says which request it could not handle.',
        { cause: error },
      );
    }
    return new AwsFailure(
      `${doing}: the answer${endpoint ? ` from ${endpoint}` : ''} was not one AWS gives${httpStatus(error) ? ` (HTTP ${httpStatus(error)})` : ''}.`,
      'Check the region: it must be one AWS has (for example us-east-1 or eu-west-1; `aws account list-regions` lists yours). With --endpoint-url, check that it points at AWS or an emulator of it.',
      { cause: error },
    );
  }
  if (isBug(error)) return new InternalError(`${(error as Error).name}: ${message}`, { cause: error });
  if (hasCode(error, 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'ECONNRESET', 'ETIMEDOUT')) {
    return new AwsFailure(`${doing}: could not reach AWS (${code}: ${message}).`, 'Check your network connection (or --endpoint-url), then run the same command again.', { cause: error });
  }
  return new AwsFailure(`${doing}: ${code ? `${code}: ` : ''}${message}`, 'Add --verbose to see every AWS call.', { cause: error });
}

/**
 * "It already exists": after a lost answer the SDK retries a create that had in fact
 * succeeded, and the retry meets the thing it made. Looking again settles it.
 */
export function isAlreadyExists(error: unknown): boolean {
  const message = errorMessage(error);
  return (
    hasCode(error, 'EntityAlreadyExists', 'EntityAlreadyExistsException', 'QueueAlreadyExists', 'QueueNameExists', 'ResourceAlreadyExistsException', 'ConflictException') ||
    (hasCode(error, 'ResourceConflictException') && /already exist/i.test(message)) ||
    (hasCode(error, 'ResourceInUseException') && /already exists/i.test(message)) ||
    (hasCode(error, 'ValidationException') && /already has an enabled stream/i.test(message))
  );
}

/** Runs a step of a deletion; "it is not there" means the step is already done. */
export async function unlessGone<T>(step: Promise<T>, ...codes: string[]): Promise<T | undefined> {
  try {
    return await step;
  } catch (error) {
    if (hasCode(error, ...codes)) return undefined;
    throw error;
  }
}

/** A deletion: 'deleted', or 'absent' when AWS answers that it was not there. */
export async function deletion(step: Promise<unknown>, ...notFoundCodes: string[]): Promise<'deleted' | 'absent'> {
  return (await unlessGone(step.then(() => 'deleted' as const), ...notFoundCodes)) ?? 'absent';
}

/** The endpoint a failed call went to (recorded by the client factory), if known. */
export function endpointOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const endpoint = (e as { $endpoint?: string }).$endpoint;
    if (endpoint) return endpoint;
  }
  return undefined;
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** JavaScript's own errors, not raised by the SDK for an answer: a bug in poc. */
function isBug(error: unknown): boolean {
  return (
    (error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError || error instanceof SyntaxError) &&
    !(error as { $metadata?: unknown }).$metadata &&
    !isLostEndpoint(error)
  );
}

function lostEndpoint(error: unknown, doing: string): EndpointUnreachable {
  const waitedFor = error instanceof EndpointLost ? error.waitedFor : undefined;
  const last = error instanceof EndpointLost ? error.last : error;
  const endpoint = endpointOf(last);
  const why = `${errorCode(last) || 'Error'}: ${errorMessage(last).split('\n')[0]}`;
  const aws = endpoint && /\.amazonaws\.com(\.cn)?(:\d+)?$/.test(endpoint);
  return new EndpointUnreachable(
    `${doing}: lost the connection to ${endpoint ?? 'the AWS endpoint'}${waitedFor ? ` while waiting for ${waitedFor}` : ''} (${why}).`,
    aws || !endpoint
      ? 'Check your network connection (and that the region is right), then run the same command again.'
      : `Is the endpoint at ${endpoint} still running? Start it again (or correct --endpoint-url / AWS_ENDPOINT_URL), then run the same command again.`,
    endpoint,
    waitedFor,
    { cause: error },
  );
}
