// AWS's own API models of the services the labs use: the JSON service models botocore
// ships (botocore comes with moto, so they are wherever the tests run). The newest API
// version of each service is read once and kept.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Shape {
  type: string;
  members?: Record<string, Member>;
  required?: string[];
  member?: Member;
  key?: Member;
  value?: Member;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  flattened?: boolean;
  union?: boolean;
  document?: boolean;
  payload?: string;
  locationName?: string;
}

export interface Member {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
  flattened?: boolean;
  xmlAttribute?: boolean;
  jsonvalue?: boolean;
}

export interface Operation {
  name: string;
  http: { method: string; requestUri: string };
  deprecated?: boolean;
  input?: { shape: string; locationName?: string };
}

export interface ServiceModel {
  /** The folder name under botocore/data: iam, dynamodbstreams, apigateway, ... */
  id: string;
  metadata: { protocol: string; targetPrefix?: string; signingName?: string; endpointPrefix: string; apiVersion: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

/** The services the labs call, by the folder botocore keeps their model in. */
export const LAB_SERVICES = ['iam', 'sts', 'sns', 'sqs', 'dynamodb', 'dynamodbstreams', 'logs', 'lambda', 'apigateway', 's3'] as const;

let dataDir: string | undefined;
function botocoreData(): string {
  if (dataDir) return dataDir;
  const out = execFileSync(process.env.POC_PYTHON ?? 'python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' });
  dataDir = join(out.trim(), 'data');
  if (!existsSync(dataDir)) throw new Error(`botocore has no data folder at ${dataDir}: the model check needs botocore's service models (pip install 'moto[server]')`);
  return dataDir;
}

const cache = new Map<string, ServiceModel>();

export function serviceModel(id: string): ServiceModel {
  const hit = cache.get(id);
  if (hit) return hit;
  const dir = join(botocoreData(), id);
  const versions = readdirSync(dir)
    .filter((v) => existsSync(join(dir, v, 'service-2.json')) || existsSync(join(dir, v, 'service-2.json.gz')))
    .sort();
  const newest = versions.at(-1);
  if (!newest) throw new Error(`no service-2.json for ${id} under ${dir}`);
  const plain = join(dir, newest, 'service-2.json');
  const text = existsSync(plain) ? readFileSync(plain, 'utf8') : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
  const model = { id, ...(JSON.parse(text) as Omit<ServiceModel, 'id'>) };
  cache.set(id, model);
  return model;
}

const compiled = new Map<string, RegExp>();

// Java's POSIX-style classes (java.util.regex.Pattern, US-ASCII only unless
// UNICODE_CHARACTER_CLASS, which AWS does not use), as the bracket contents they stand for.
const JAVA_CLASSES: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

/**
 * A model's pattern (a Java regular expression) as a JavaScript one. Java's \p{Alpha}-style
 * classes become their ASCII ranges; \p{L}, \p{N}, \p{Z} and the other Unicode general
 * categories mean the same with the u flag (Java's \p{IsL} is the same as \p{L}); \A and \z
 * are ^ and $. AWS services match the whole value (Java's String.matches), so the pattern is
 * anchored at both ends.
 */
export function javaPattern(pattern: string): RegExp {
  const hit = compiled.get(pattern);
  if (hit) return hit;
  let out = '';
  let inClass = 0;
  // In a class, Java reads [\w-_] as \w, '-' and '_'; JavaScript's u mode refuses a range
  // that starts at a class escape, so such a '-' is escaped.
  let afterClassEscape = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const wasClassEscape = afterClassEscape;
    afterClassEscape = false;
    if (c === '-' && inClass && wasClassEscape && pattern[i + 1] !== ']') {
      out += '\\-';
      continue;
    }
    if (c === '\\' && /[wWdDsSpP]/.test(pattern[i + 1] ?? '')) afterClassEscape = true;
    if (c === '\\') {
      const next = pattern[i + 1];
      if ((next === 'p' || next === 'P') && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i);
        const name = pattern.slice(i + 3, end).replace(/^Is(?=[A-Z][a-z]?$)/, '');
        const posix = JAVA_CLASSES[name];
        if (posix !== undefined) {
          if (next === 'P') out += inClass ? (() => { throw new Error(`cannot translate negated ${name} inside a class: ${pattern}`); })() : `[^${posix}]`;
          else out += inClass ? posix : `[${posix}]`;
        } else {
          out += `\\${next}{${name}}`;
        }
        i = end;
        continue;
      }
      if (next === 'A') {
        out += '^';
        i++;
        continue;
      }
      if (next === 's' || next === 'S') {
        // Java's \s is ASCII whitespace; JavaScript's would take in Unicode spaces too.
        const ws = ' \\t\\n\\x0B\\f\\r';
        if (next === 's') out += inClass ? ws : `[${ws}]`;
        else if (!inClass) out += `[^${ws}]`;
        // In a class (e.g. [\s\S], "anything"), JavaScript's \S differs only on non-ASCII spaces.
        else out += '\\S';
        i++;
        continue;
      }
      if (next === 'z' || next === 'Z') {
        out += '$';
        i++;
        continue;
      }
      // An escaped character that needs no escape in JavaScript's u mode (e.g. \_ or \ ):
      // u mode refuses escapes of non-syntax characters, Java reads them as the character.
      if (next !== undefined && /[^a-zA-Z0-9\\^$.*+?()[\]{}|/-]/.test(next)) {
        out += next;
        i++;
        continue;
      }
      out += c + (next ?? '');
      i++;
      continue;
    }
    if (c === '[') inClass++;
    if (c === ']' && inClass) inClass--;
    out += c;
  }
  const re = new RegExp(`^(?:${out})$`, 'u');
  compiled.set(pattern, re);
  return re;
}
