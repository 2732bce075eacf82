// A DynamoDB item as JSON text with its numbers exactly as DynamoDB stores them. The
// SDK's unmarshall turns a number beyond 2^53 into a BigInt (which JSON.stringify refuses)
// and would round 1E+125's neighbours; DynamoDB keeps 38 digits, so poc shows its text.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const bytes = (b: Uint8Array) => JSON.stringify(Buffer.from(b).toString('base64'));

/** One attribute value as JSON text: N as stored, B as base64, sets as arrays. */
export function storedJson(value: AttributeValue | undefined): string {
  if (!value) return 'null';
  if (value.S !== undefined) return JSON.stringify(value.S);
  if (value.N !== undefined) return value.N;
  if (value.BOOL !== undefined) return String(value.BOOL);
  if (value.NULL !== undefined) return 'null';
  if (value.B !== undefined) return bytes(value.B);
  if (value.M !== undefined) return storedObjectJson(value.M);
  if (value.L !== undefined) return `[${value.L.map(storedJson).join(',')}]`;
  if (value.SS !== undefined) return JSON.stringify(value.SS);
  if (value.NS !== undefined) return `[${value.NS.join(',')}]`;
  if (value.BS !== undefined) return `[${value.BS.map(bytes).join(',')}]`;
  return 'null';
}

/** A map (or a whole item) as a JSON object's text. */
export function storedObjectJson(map: Record<string, AttributeValue>): string {
  return `{${Object.entries(map)
    .map(([k, v]) => `${JSON.stringify(k)}:${storedJson(v)}`)
    .join(',')}}`;
}

/**
 * Whether DynamoDB can store this JSON number literal as sent: at most 38 significant
 * digits, magnitude 1E-130 to 9.99...E+125 (the DynamoDB Number type). The same rule as
 * POC-Lambda-1's (handlers/orders/lambda-1.ts), which is zipped alone and cannot share it.
 */
export function fitsDynamoDbNumber(literal: string): boolean {
  // Only a leading sign: the exponent's own (1e-5) belongs to the magnitude.
  const [mantissa, exp = '0'] = literal.replace(/^-/, '').toLowerCase().split('e');
  const [whole, fraction = ''] = mantissa.split('.');
  const digits = (whole + fraction).replace(/^0+/, '');
  if (!digits) return true; // zero
  const significant = digits.replace(/0+$/, '');
  const leading = whole.replace(/^0+/, '');
  // The power of ten of the first significant digit.
  const magnitude = Number(exp) + (leading ? leading.length - 1 : -(fraction.length - fraction.replace(/^0+/, '').length + 1));
  return significant.length <= 38 && magnitude >= -130 && magnitude <= 125;
}

/** The number literals of a JSON text (outside its strings), as written. */
export function jsonNumbers(text: string): string[] {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g) ?? [];
}
