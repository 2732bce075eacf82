// Every request checked against AWS's own API model of its operation (botocore's JSON
// service models), as it is on the wire: moto accepts much that AWS refuses (patterns,
// lengths, enums), so a request only moto would take must fail the tests.
//
// A request is decoded with the model of its service and protocol, the way the service
// itself reads it: query (IAM, STS, SNS: Tags.member.1.Key, Attributes.entry.1.key),
// JSON 1.0/1.1 (DynamoDB, DynamoDB Streams, CloudWatch Logs, SQS; the operation from
// X-Amz-Target), rest-json (Lambda, API Gateway: the operation from its http.requestUri
// template, members from the URI labels, the query string, headers and the JSON body),
// rest-xml (S3: routed the same way, its XML body read with fast-xml-parser).
// Then the decoded input is checked: required members, string length (in code points) and
// pattern, enum, numeric range, blob/list/map sizes, and names the model does not know,
// through nested structures, lists and maps.
import type { Member, Operation, ServiceModel, Shape } from './aws-models.js';
import { XMLParser } from 'fast-xml-parser';
import { javaPattern, serviceModel } from './aws-models.js';

export interface WireRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Violation {
  service: string;
  operation: string;
  /** Where in the input: RoleName, Tags[0].Key, Attributes{Policy} ... */
  path: string;
  value: string;
  constraint: string;
}

export interface Checked {
  service: string;
  operation?: string;
  /** The decoded input, members by their model names (blobs as Buffers). */
  input?: Record<string, unknown>;
  violations: Violation[];
}

export function formatViolation(v: Violation): string {
  return `${v.service}:${v.operation} ${v.path || '(input)'} = ${v.value} violates ${v.constraint}`;
}

/** The signing name in the SigV4 credential scope says which service a request is for. */
function signingName(headers: WireRequest['headers']): string | undefined {
  const auth = String(headers.authorization ?? '');
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth)?.[1];
}

/** Signing name -> the botocore models that sign with it. */
const MODELS_BY_SIGNING_NAME: Record<string, string[]> = {
  iam: ['iam'],
  sts: ['sts'],
  sns: ['sns'],
  sqs: ['sqs'],
  dynamodb: ['dynamodb', 'dynamodbstreams'],
  logs: ['logs'],
  lambda: ['lambda'],
  apigateway: ['apigateway'],
  s3: ['s3'],
};

const header = (headers: WireRequest['headers'], name: string): string | undefined => {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
};

const show = (value: unknown): string => {
  const text = Buffer.isBuffer(value) ? `<${value.length} bytes>` : JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

export function checkRequest(req: WireRequest): Checked {
  const signing = signingName(req.headers);
  const violations: Violation[] = [];
  const candidates = signing ? MODELS_BY_SIGNING_NAME[signing] : undefined;
  if (!candidates) {
    violations.push({ service: signing ?? 'unsigned', operation: '?', path: '', value: `${req.method} ${req.url}`, constraint: 'a service with a model: add it to MODELS_BY_SIGNING_NAME in test/helpers/model-check.ts' });
    return { service: signing ?? 'unsigned', violations };
  }
  let model: ServiceModel | undefined;
  let decoded: Decoded | undefined;
  for (const id of candidates) {
    const m = serviceModel(id);
    const d = decode(m, req);
    if (d) {
      model = m;
      decoded = d;
      break;
    }
  }
  if (!model || !decoded) {
    violations.push({ service: candidates[0]!, operation: '?', path: '', value: `${req.method} ${req.url} ${header(req.headers, 'x-amz-target') ?? ''}`.trim(), constraint: 'an operation of the service model' });
    return { service: candidates[0]!, violations };
  }
  const { operation, input, unknown } = decoded;
  const report = (path: string, value: unknown, constraint: string) => violations.push({ service: model!.id, operation: operation.name, path, value: show(value), constraint });
  for (const u of unknown) report(u.path, u.value, u.constraint ?? 'a member the model defines (unknown name)');
  if (operation.input) validate(model, operation.input.shape, input, '', report);
  return { service: model.id, operation: operation.name, input, violations };
}

// ---- decoding ----

interface Decoded {
  operation: Operation;
  input: Record<string, unknown>;
  /** Names the model does not know (or what could not be decoded, with its own constraint). */
  unknown: { path: string; value: unknown; constraint?: string }[];
}

function decode(model: ServiceModel, req: WireRequest): Decoded | undefined {
  switch (model.metadata.protocol) {
    case 'query':
      return decodeQueryRequest(model, req);
    case 'json':
      return decodeJsonRequest(model, req);
    case 'rest-json':
    case 'rest-xml':
      return decodeRestRequest(model, req);
    default:
      throw new Error(`the model check does not know the ${model.metadata.protocol} protocol of ${model.id}`);
  }
}

const wireName = (name: string, member: Member) => member.locationName ?? name;
const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

function scalarFromText(shape: Shape, text: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return Number(text);
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'blob':
      return Buffer.from(text, 'base64');
    default:
      return text;
  }
}

// -- query (IAM, STS, SNS) --

function decodeQueryRequest(model: ServiceModel, req: WireRequest): Decoded | undefined {
  const params = new Map<string, string>();
  for (const [k, v] of new URL(req.url, 'http://x').searchParams) params.set(k, v);
  for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.set(k, v);
  const action = params.get('Action');
  const operation = action ? model.operations[action] : undefined;
  if (!operation) return undefined;
  params.delete('Action');
  params.delete('Version');
  const used = new Set<string>();
  const input = operation.input ? (decodeQuery(model, operation.input.shape, '', params, used) as Record<string, unknown>) : {};
  const unknown = [...params.keys()].filter((k) => !used.has(k)).map((k) => ({ path: k, value: params.get(k) }));
  return { operation, input, unknown };
}

function present(params: Map<string, string>, key: string): boolean {
  if (params.has(key)) return true;
  for (const k of params.keys()) if (k.startsWith(`${key}.`)) return true;
  return false;
}

function decodeQuery(model: ServiceModel, shapeName: string, prefix: string, params: Map<string, string>, used: Set<string>): unknown {
  const shape = model.shapes[shapeName]!;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const key = join(prefix, wireName(name, member));
        if (present(params, key)) out[name] = decodeQuery(model, member.shape, key, params, used);
      }
      return out;
    }
    case 'list': {
      // An empty list goes as "Name=" (the SDK's way; the services read it so).
      if (params.get(prefix) === '') {
        used.add(prefix);
        return [];
      }
      const base = shape.flattened ? prefix : `${prefix}.${shape.member!.locationName ?? 'member'}`;
      const items: unknown[] = [];
      for (let i = 1; present(params, `${base}.${i}`); i++) items.push(decodeQuery(model, shape.member!.shape, `${base}.${i}`, params, used));
      return items;
    }
    case 'map': {
      const base = shape.flattened ? prefix : `${prefix}.entry`;
      const keyName = shape.key!.locationName ?? 'key';
      const valueName = shape.value!.locationName ?? 'value';
      const out: Record<string, unknown> = {};
      for (let i = 1; present(params, `${base}.${i}`); i++) {
        const k = params.get(`${base}.${i}.${keyName}`) ?? '';
        used.add(`${base}.${i}.${keyName}`);
        out[k] = decodeQuery(model, shape.value!.shape, `${base}.${i}.${valueName}`, params, used);
      }
      return out;
    }
    default:
      used.add(prefix);
      return scalarFromText(shape, params.get(prefix) ?? '');
  }
}

// -- JSON 1.0 / 1.1 (DynamoDB, DynamoDB Streams, Logs, SQS) and rest-json bodies --

function decodeJsonRequest(model: ServiceModel, req: WireRequest): Decoded | undefined {
  const target = header(req.headers, 'x-amz-target') ?? '';
  const dot = target.lastIndexOf('.');
  if (target.slice(0, dot) !== model.metadata.targetPrefix) return undefined;
  const operation = model.operations[target.slice(dot + 1)];
  if (!operation) return undefined;
  const unknown: Decoded['unknown'] = [];
  const body = req.body.length ? JSON.parse(req.body.toString('utf8')) : {};
  const input = operation.input ? (fromJson(model, operation.input.shape, body, '', unknown) as Record<string, unknown>) : {};
  return { operation, input, unknown };
}

const wireNames = new Map<string, Map<string, readonly [string, Member]>>();

/** A structure's members by the name they have on the wire (cached: bodies can hold 40,000 items). */
function byWireName(model: ServiceModel, shapeName: string, skip?: Set<string>): Map<string, readonly [string, Member]> {
  const key = `${model.id}#${shapeName}`;
  const hit = skip ? undefined : wireNames.get(key);
  if (hit) return hit;
  const members = Object.entries(model.shapes[shapeName]!.members ?? {}).filter(([name]) => !skip?.has(name));
  const map = new Map(members.map(([name, m]) => [wireName(name, m), [name, m] as const]));
  if (!skip) wireNames.set(key, map);
  return map;
}

function fromJson(model: ServiceModel, shapeName: string, value: unknown, path: string, unknown: Decoded['unknown'], skip?: Set<string>): unknown {
  const shape = model.shapes[shapeName]!;
  if (value === null || value === undefined) return value;
  switch (shape.type) {
    case 'structure': {
      if (shape.document || typeof value !== 'object' || Array.isArray(value)) return value;
      const byWire = byWireName(model, shapeName, skip);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const found = byWire.get(k);
        if (!found) unknown.push({ path: join(path, k), value: v });
        else out[found[0]] = fromJson(model, found[1].shape, v, join(path, found[0]), unknown);
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((v, i) => fromJson(model, shape.member!.shape, v, `${path}[${i}]`, unknown)) : value;
    case 'map':
      return typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(model, shape.value!.shape, v, `${path}{${k}}`, unknown)])) : value;
    case 'blob':
      return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    default:
      return value;
  }
}

// -- rest-json (Lambda, API Gateway) and rest-xml (S3) --

interface Route {
  operation: Operation;
  path: RegExp;
  labels: string[];
  /** Literal query keys (and values) the template requires, e.g. ?tagging. */
  query: [string, string | undefined][];
  literal: number;
}

const routeCache = new Map<string, Route[]>();

function routes(model: ServiceModel): Route[] {
  const hit = routeCache.get(model.id);
  if (hit) return hit;
  const list: Route[] = [];
  for (const operation of Object.values(model.operations)) {
    const [pathPart, queryPart] = operation.http.requestUri.split('?');
    const labels: string[] = [];
    const trimmed = pathPart!.replace(/\/+$/, '') || '/';
    const source = trimmed
      .split(/(\{[^}]+\})/)
      .map((piece) => {
        const label = /^\{([^}+]+)(\+?)\}$/.exec(piece);
        if (!label) return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        labels.push(label[1]!);
        return label[2] ? '(.+)' : '([^/]+)';
      })
      .join('');
    const query = queryPart ? [...new URLSearchParams(queryPart)].map(([k, v]) => [k, v || undefined] as [string, string | undefined]) : [];
    list.push({ operation, path: new RegExp(`^${source}/?$`), labels, query, literal: trimmed.replace(/\{[^}]+\}/g, '').length + query.length });
  }
  // The most specific template first; of two with one template (S3's PutBucketNotification
  // and PutBucketNotificationConfiguration), the one not deprecated.
  list.sort((a, b) => Number(Boolean(a.operation.deprecated)) - Number(Boolean(b.operation.deprecated)) || b.literal - a.literal);
  routeCache.set(model.id, list);
  return list;
}

function decodeRestRequest(model: ServiceModel, req: WireRequest): Decoded | undefined {
  const url = new URL(req.url, 'http://x');
  const rawPath = url.pathname.replace(/\/+$/, '') || '/';
  const matching = routes(model).flatMap((r) => {
    if (r.operation.http.method !== req.method) return [];
    if (!r.query.every(([k, v]) => url.searchParams.has(k) && (v === undefined || url.searchParams.get(k) === v))) return [];
    const m = r.path.exec(rawPath);
    return m ? [{ r, m }] : [];
  });
  // Several operations can share a method and template, told apart only by a required
  // header or query member (S3: PutObject and CopyObject's x-amz-copy-source, DeleteObject
  // and AbortMultipartUpload's uploadId): the most specific one whose required
  // header and query members are all present is the one sent.
  const present = (r: Route) => {
    const shape = r.operation.input ? model.shapes[r.operation.input.shape] : undefined;
    return (shape?.required ?? []).every((name) => {
      const member = shape!.members?.[name];
      if (member?.location === 'header') return header(req.headers, wireName(name, member)) !== undefined;
      if (member?.location === 'querystring') return url.searchParams.has(wireName(name, member));
      return true;
    });
  };
  const chosen = matching.find(({ r }) => present(r)) ?? matching[0];
  if (!chosen) return undefined;
  const route = chosen.r;
  const match = chosen.m;
  const operation = route.operation;
  const unknown: Decoded['unknown'] = [];
  const input: Record<string, unknown> = {};
  const shape = operation.input ? model.shapes[operation.input.shape]! : { type: 'structure', members: {} };
  const members = Object.entries(shape.members ?? {});
  const labelValues = new Map(route.labels.map((l, i) => [l, decodeURIComponent((match as RegExpExecArray)[i + 1]!)]));
  const boundQuery = new Set(route.query.map(([k]) => k));
  // The SDK names some S3 operations in the query (?x-id=PutObject); S3 ignores it.
  if (model.id === 's3') boundQuery.add('x-id');
  const bodyMembers = new Set<string>();
  for (const [name, member] of members) {
    const memberShape = model.shapes[member.shape]!;
    const wire = wireName(name, member);
    switch (member.location) {
      case 'uri':
        if (labelValues.has(wire)) input[name] = scalarFromText(memberShape, labelValues.get(wire)!);
        break;
      case 'querystring':
        if (memberShape.type === 'map') {
          const rest = [...url.searchParams].filter(([k]) => !members.some(([n, m]) => m.location === 'querystring' && wireName(n, m) === k));
          if (rest.length) input[name] = Object.fromEntries(rest);
          for (const [k] of rest) boundQuery.add(k);
        } else if (url.searchParams.has(wire)) {
          boundQuery.add(wire);
          const all = url.searchParams.getAll(wire);
          input[name] = memberShape.type === 'list' ? all.map((v) => scalarFromText(model.shapes[memberShape.member!.shape]!, v)) : scalarFromText(memberShape, all[0]!);
        }
        break;
      case 'header': {
        const v = header(req.headers, wire);
        if (v !== undefined) input[name] = memberShape.type === 'list' ? v.split(',').map((s) => s.trim()) : scalarFromText(memberShape, v);
        break;
      }
      case 'headers': {
        const prefix = wire.toLowerCase();
        const found = Object.entries(req.headers).filter(([k]) => k.startsWith(prefix));
        if (found.length) input[name] = Object.fromEntries(found.map(([k, v]) => [k.slice(prefix.length), String(v)]));
        break;
      }
      default:
        bodyMembers.add(name);
    }
  }
  for (const [k, v] of url.searchParams) if (!boundQuery.has(k)) unknown.push({ path: `?${k}`, value: v });

  if (shape.payload) {
    const payload = shape.members![shape.payload]!;
    const payloadShape = model.shapes[payload.shape]!;
    if (req.body.length) {
      if (payloadShape.type === 'blob' || payloadShape.type === 'string') input[shape.payload] = payloadShape.type === 'blob' ? req.body : req.body.toString('utf8');
      else if (model.metadata.protocol === 'rest-xml') input[shape.payload] = decodeXmlBody(model, payload.shape, payload.locationName ?? payload.shape, req.body, shape.payload, unknown);
      else input[shape.payload] = fromJson(model, payload.shape, JSON.parse(req.body.toString('utf8')), shape.payload, unknown);
    }
  } else if (req.body.length) {
    if (model.metadata.protocol === 'rest-xml') Object.assign(input, decodeXmlBody(model, operation.input!.shape, operation.input!.locationName ?? operation.input!.shape, req.body, '', unknown));
    else {
      const located = new Set(members.filter(([n]) => !bodyMembers.has(n)).map(([n]) => n));
      Object.assign(input, fromJson(model, operation.input?.shape ?? '', JSON.parse(req.body.toString('utf8')), '', unknown, located));
    }
  }
  return { operation, input, unknown };
}

/** A rest-xml body (S3): the root element is the payload member (or the input), members by locationName. */
function decodeXmlBody(model: ServiceModel, shapeName: string, rootName: string, xml: Buffer, path: string, unknown: Decoded['unknown']): unknown {
  const parsed = new XMLParser({ ignoreAttributes: true, ignoreDeclaration: true, parseTagValue: false, trimValues: false }).parse(xml.toString('utf8')) as Record<string, unknown>;
  for (const k of Object.keys(parsed)) if (k !== rootName) unknown.push({ path: join(path, k), value: '<element>', constraint: `the root element ${rootName}` });
  return fromXml(model, shapeName, parsed[rootName], path, unknown);
}

const xmlName = (name: string, member: Member) => member.locationName ?? name;

function fromXml(model: ServiceModel, shapeName: string, node: unknown, path: string, unknown: Decoded['unknown']): unknown {
  const shape = model.shapes[shapeName]!;
  const element = typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : {};
  switch (shape.type) {
    case 'structure': {
      const members = Object.entries(shape.members ?? {}).filter(([, m]) => !m.location && !m.xmlAttribute);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(element)) {
        if (k === '#text') continue;
        const found = members.find(([n, m]) => {
          const ms = model.shapes[m.shape]!;
          return xmlName(n, m) === k || (ms.type === 'list' && ms.flattened && ms.member!.locationName === k);
        });
        if (!found) {
          unknown.push({ path: join(path, k), value: v });
          continue;
        }
        const [name, member] = found;
        const ms = model.shapes[member.shape]!;
        if (ms.flattened && ms.type === 'list') out[name] = [v].flat().map((item, i) => fromXml(model, ms.member!.shape, item, `${join(path, name)}[${i}]`, unknown));
        else out[name] = fromXml(model, member.shape, v, join(path, name), unknown);
      }
      return out;
    }
    case 'list': {
      const itemName = shape.member!.locationName ?? 'member';
      for (const k of Object.keys(element)) if (k !== itemName) unknown.push({ path: `${path}.${k}`, value: element[k] });
      const items = element[itemName] === undefined ? [] : [element[itemName]].flat();
      return items.map((item, i) => fromXml(model, shape.member!.shape, item, `${path}[${i}]`, unknown));
    }
    case 'map': {
      const entries = [shape.flattened ? node : element.entry].flat().filter((e) => e !== undefined) as Record<string, unknown>[];
      const keyName = shape.key!.locationName ?? 'key';
      const valueName = shape.value!.locationName ?? 'value';
      return Object.fromEntries(entries.map((e) => [String(e[keyName] ?? ''), fromXml(model, shape.value!.shape, e[valueName], `${path}{${String(e[keyName])}}`, unknown)]));
    }
    default:
      return scalarFromText(shape, typeof node === 'object' && node !== null ? String((node as Record<string, unknown>)['#text'] ?? '') : String(node ?? ''));
  }
}

// ---- checking ----

type Report = (path: string, value: unknown, constraint: string) => void;

function validate(model: ServiceModel, shapeName: string, value: unknown, path: string, report: Report): void {
  const shape = model.shapes[shapeName]!;
  if (value === undefined || value === null) return;
  const size = (n: number, what: string) => {
    if (shape.min !== undefined && n < shape.min) report(path, value, `${what} >= ${shape.min} (is ${n}) [${shapeName}]`);
    if (shape.max !== undefined && n > shape.max) report(path, value, `${what} <= ${shape.max} (is ${n}) [${shapeName}]`);
  };
  switch (shape.type) {
    case 'structure': {
      if (shape.document) return;
      if (typeof value !== 'object' || Array.isArray(value)) return report(path, value, `a structure [${shapeName}]`);
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) if (record[name] === undefined) report(join(path, name), undefined, `required [${shapeName}]`);
      const set = Object.keys(record).filter((k) => record[k] !== undefined);
      if (shape.union && set.length !== 1) report(path, value, `exactly one member of the union [${shapeName}] (has ${set.length})`);
      for (const k of set) {
        const member = shape.members?.[k];
        if (member) validate(model, member.shape, record[k], join(path, k), report);
      }
      return;
    }
    case 'list':
      if (!Array.isArray(value)) return report(path, value, `a list [${shapeName}]`);
      size(value.length, 'items');
      value.forEach((v, i) => validate(model, shape.member!.shape, v, `${path}[${i}]`, report));
      return;
    case 'map': {
      if (typeof value !== 'object') return report(path, value, `a map [${shapeName}]`);
      const entries = Object.entries(value as Record<string, unknown>);
      size(entries.length, 'entries');
      for (const [k, v] of entries) {
        validate(model, shape.key!.shape, k, `${path}{${k}} (key)`, report);
        validate(model, shape.value!.shape, v, `${path}{${k}}`, report);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return report(path, value, `a string [${shapeName}]`);
      size([...value].length, 'length');
      if (shape.enum && !shape.enum.includes(value)) report(path, value, `enum ${shape.enum.join('|')} [${shapeName}]`);
      if (shape.pattern && !javaPattern(shape.pattern).test(value)) report(path, value, `pattern ${shape.pattern} [${shapeName}]`);
      return;
    }
    case 'blob':
      if (Buffer.isBuffer(value)) size(value.length, 'bytes');
      return;
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      if (typeof value !== 'number' || Number.isNaN(value)) return report(path, value, `a number [${shapeName}]`);
      if ((shape.type === 'integer' || shape.type === 'long') && !Number.isInteger(value)) report(path, value, `an integer [${shapeName}]`);
      if (shape.min !== undefined && value < shape.min) report(path, value, `>= ${shape.min} [${shapeName}]`);
      if (shape.max !== undefined && value > shape.max) report(path, value, `<= ${shape.max} [${shapeName}]`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') report(path, value, `true or false [${shapeName}]`);
      return;
    default:
      return;
  }
}
