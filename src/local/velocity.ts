// API Gateway's mapping templates: Apache Velocity (VTL) with the variables API Gateway
// defines, $input, $util and $context (the "Variables for data transformations" reference).
// velocityjs is the engine (serverless-offline uses it too); API Gateway runs the Java
// original, so what Java prints differently (a map rendered as {a=b}, not [object Object])
// differs here.
import { Compile, parse } from 'velocityjs';
import { jsonPath } from './json-path.js';

/**
 * java.net.URLEncoder.encode(s, "UTF-8"), which $util.urlEncode is: letters, digits and
 * . - * _ stay; a space becomes +; every other byte of the UTF-8 form is %XX.
 */
export function javaUrlEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[a-zA-Z0-9.\-*_]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** java.net.URLDecoder.decode(s, "UTF-8"): + is a space, %XX a byte of the UTF-8 form. */
export function javaUrlDecode(text: string): string {
  const bytes: number[] = [];
  const plain = text.replace(/\+/g, ' ');
  for (let i = 0; i < plain.length; i++) {
    if (plain[i] === '%' && /^[0-9a-fA-F]{2}$/.test(plain.slice(i + 1, i + 3))) {
      bytes.push(parseInt(plain.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(plain[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * commons-lang's StringEscapeUtils.escapeJavaScript, which $util.escapeJavaScript is: \ " '
 * and / escaped with a backslash (the documented quirk: ' becomes \'), control characters
 * as \b \t \n \f \r or \u00XX, and every character above 0x7f as \uXXXX.
 */
export function escapeJavaScript(text: string): string {
  const named: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', "'": "\\'", '"': '\\"', '\\': '\\\\', '/': '\\/' };
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = text.charCodeAt(i);
    if (named[ch]) out += named[ch];
    else if (code < 0x20 || code > 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** $util, as API Gateway defines it. */
export const util = {
  escapeJavaScript: (s: unknown) => escapeJavaScript(String(s ?? '')),
  parseJson: (s: unknown) => JSON.parse(String(s)),
  urlEncode: (s: unknown) => javaUrlEncode(String(s ?? '')),
  urlDecode: (s: unknown) => javaUrlDecode(String(s ?? '')),
  base64Encode: (s: unknown) => Buffer.from(String(s ?? ''), 'utf8').toString('base64'),
  base64Decode: (s: unknown) => Buffer.from(String(s ?? ''), 'base64').toString('utf8'),
};

/** The method request's parameters, as $input.params() gives them. */
export interface RequestParams {
  path: Record<string, string>;
  querystring: Record<string, string>;
  header: Record<string, string>;
}

/**
 * $input for a payload: .body, .json(path) (the JSONPath result as JSON text), .path(path)
 * (the result itself, to walk in the template), .params() (all) and .params(name) (path,
 * then query string, then header, as API Gateway looks them up).
 */
export function inputOf(body: string, params: RequestParams = { path: {}, querystring: {}, header: {} }) {
  let parsed: { value: unknown } | undefined;
  const document = () => {
    if (!parsed) {
      try {
        parsed = { value: body === '' ? {} : JSON.parse(body) };
      } catch {
        throw new Error(`$input: the payload is not JSON: ${body.slice(0, 80)}`);
      }
    }
    return parsed.value;
  };
  const lowerHeaders = Object.fromEntries(Object.entries(params.header).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    body,
    json: (path: string) => (path === '$' && body !== '' ? body : JSON.stringify(jsonPath(document(), path) ?? null)),
    path: (path: string) => jsonPath(document(), path),
    params: (name?: string) =>
      name === undefined ? params : params.path[name] ?? params.querystring[name] ?? params.header[name] ?? lowerHeaders[name.toLowerCase()] ?? '',
  };
}

export interface TemplateVariables {
  input: ReturnType<typeof inputOf>;
  context?: Record<string, unknown>;
  stageVariables?: Record<string, string>;
}

/** A mapping template rendered as API Gateway renders it, with $util always there. */
export function renderTemplate(template: string, variables: TemplateVariables): string {
  return new Compile(parse(template), { escape: false }).render({ util, context: {}, stageVariables: {}, ...variables });
}
