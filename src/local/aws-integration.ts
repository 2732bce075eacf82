// An AWS service integration (type AWS) called as API Gateway calls it: as the
// integration's credentials role, assumed through STS, with the request signed (SigV4)
// for the service the integration's URI names, and sent to the emulator, where every
// service answers on one port (moto routes by the signature's service name).
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { asList, parsePolicy, trustsService } from '../resources/policy-document.js';

/** What API Gateway reports as "Execution failed due to configuration error": its answer is 500. */
export class ConfigurationError extends Error {}

/** An integration URI: arn:aws:apigateway:<region>:<subdomain.>service:path/<path> or action/<Action>[&p=v...]. */
export interface ServiceTarget {
  region: string;
  service: string;
  path: string;
  query: [string, string][];
}

export function parseServiceUri(uri: string | undefined): ServiceTarget {
  const m = /^arn:aws[\w-]*:apigateway:([^:]+):([^:]+):(path|action)\/(.*)$/s.exec(uri ?? '');
  if (!m) throw new ConfigurationError(`the integration's URI ${uri ?? '(none)'} is not arn:aws:apigateway:<region>:<service>:path/… or action/…`);
  const [, region, host, kind, rest] = m as unknown as [string, string, string, string, string];
  const service = host.split('.').pop()!;
  if (kind === 'path') return { region, service, path: `/${rest}`, query: [] };
  const [action, ...pairs] = rest.split(/[?&]/);
  return { region, service, path: '/', query: [['Action', action!], ...pairs.filter(Boolean).map((p) => p.split('=').map(decodeURIComponent) as [string, string])] };
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const trusted = (document: string | undefined) => {
  try {
    return trustsService(parsePolicy(document), 'apigateway.amazonaws.com');
  } catch {
    return false;
  }
};

/**
 * The integration's role, assumed as API Gateway assumes it. moto's STS assumes any ARN
 * (it checks neither that the role exists nor its trust policy), so both are checked here
 * first, as STS checks them on AWS; a role that cannot be assumed is a configuration error.
 */
export async function assumeRole(clients: { iam: IAMClient; sts: STSClient }, roleArn: string | undefined, requestId: string): Promise<Credentials> {
  if (!roleArn) throw new ConfigurationError('the integration has no credentials role (an AWS integration needs one here)');
  if (/^arn:aws[\w-]*:iam::\*:user\/\*$/.test(roleArn)) throw new ConfigurationError("the integration passes the caller's credentials through (arn:aws:iam::*:user/*), which the local stage does not support");
  const name = /^arn:aws[\w-]*:iam::\d{12}:role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn)?.[1];
  const cannot = new ConfigurationError(`API Gateway does not have permission to assume the provided role ${roleArn}`);
  if (!name) throw cannot;
  const role = await clients.iam.send(new GetRoleCommand({ RoleName: name })).catch((error: { name?: string }) => {
    if (error.name === 'NoSuchEntityException' || error.name === 'NoSuchEntity') return undefined;
    throw error;
  });
  if (!role?.Role || role.Role.Arn !== roleArn || !trusted(role.Role.AssumeRolePolicyDocument)) throw cannot;
  const { Credentials: c } = await clients.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `BackplaneAssumeRoleSession-${requestId.slice(0, 8)}` }));
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw cannot;
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData) => (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));

/** The SHA-256 (and HMAC) the signer needs, from Node's crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

export interface BackendAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Thrown when the backend does not answer within the integration's timeout. */
export class IntegrationTimeout extends Error {}

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Sends the integration request to the emulator, signed for the target's service and region. */
export async function callService(
  endpoint: string,
  target: ServiceTarget,
  request: { method: string; headers: Record<string, string>; query: [string, string][]; body: string },
  credentials: Credentials,
  timeoutMs: number,
): Promise<BackendAnswer> {
  const base = new URL(endpoint);
  const query = [...target.query, ...request.query];
  const headers: Record<string, string> = { host: base.host };
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
  if (request.body && !headers['content-length']) headers['content-length'] = String(Buffer.byteLength(request.body));
  const signer = new SignatureV4({ credentials, region: target.region, service: target.service, sha256: Sha256, uriEscapePath: target.service !== 's3' });
  const queryBag: Record<string, string | string[]> = {};
  for (const [k, v] of query) queryBag[k] = k in queryBag ? [...asList(queryBag[k]), v] : v;
  const signed = await signer.sign({ method: request.method, protocol: base.protocol, hostname: base.hostname, port: base.port ? Number(base.port) : undefined, path: target.path, query: queryBag, headers, body: request.body });
  const search = query.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const basePath = base.pathname.replace(/\/$/, '');
  const url = new URL(`${base.protocol}//${base.host}${basePath}${target.path}${search ? `?${search}` : ''}`);
  return new Promise<BackendAnswer>((resolve, reject) => {
    const req = httpRequest(url, { method: request.method, headers: signed.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new IntegrationTimeout(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(request.body || undefined);
  });
}
