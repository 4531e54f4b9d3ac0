/**
 * DynamoDB attribute values: shape checks for DynamoDB JSON input, and the item size rule.
 * Messages name attributes and types only, never values (nothing from the data reaches logs
 * or CloudFormation events).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { RecordError, type Item } from './types';
import { dict } from '../contract/resources';

/** "The maximum item size in DynamoDB is 400 KB, which includes both attribute name binary length and attribute value lengths"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items). */
export const MAX_ITEM_BYTES = 400 * 1024;

const TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Significant digits of a DynamoDB number string (leading and trailing zeros trimmed). */
export function significantDigits(n: string): number {
  const mantissa = n
    .replace(/^[+-]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const trimmed = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  return trimmed.length;
}

/** Checks a DynamoDB number string: syntax and "up to 38 digits of precision" (DynamoDB data types). */
export function checkNumber(s: unknown, where: string): string {
  if (typeof s !== 'string' || !NUMBER_RE.test(s)) throw new RecordError(`${where} is not a valid number`);
  if (significantDigits(s) > 38) throw new RecordError(`${where} has more than 38 significant digits`);
  return s;
}

function base64(s: unknown, where: string): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 === 1 || !BASE64_RE.test(s)) throw new RecordError(`${where} is not valid base64`);
  return Buffer.from(s, 'base64');
}

function stringList(v: unknown, where: string, kind: string): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new RecordError(`${where} (${kind}) must be a non-empty list`);
  if (new Set(v).size !== v.length) throw new RecordError(`${where} (${kind}) contains duplicates`);
  for (const e of v) if (typeof e !== 'string') throw new RecordError(`${where} (${kind}) must contain strings`);
  return v as string[];
}

/**
 * Converts one DynamoDB JSON attribute value (as `aws dynamodb` and table exports write it, with
 * binary as base64) into an SDK AttributeValue, checking its shape.
 */
export function fromDynamoDbJson(v: unknown, where: string): AttributeValue {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RecordError(`${where} is not a DynamoDB JSON attribute value`);
  const keys = Object.keys(v);
  if (keys.length !== 1 || !TYPES.has(keys[0])) {
    throw new RecordError(`${where} must have exactly one type key (S, N, B, SS, NS, BS, M, L, NULL or BOOL)`);
  }
  const t = keys[0];
  const x = (v as Record<string, unknown>)[t];
  switch (t) {
    case 'S':
      if (typeof x !== 'string') throw new RecordError(`${where} (S) must be a string`);
      return { S: x };
    case 'N':
      return { N: checkNumber(x, `${where} (N)`) };
    case 'B':
      return { B: base64(x, `${where} (B)`) };
    case 'BOOL':
      if (typeof x !== 'boolean') throw new RecordError(`${where} (BOOL) must be true or false`);
      return { BOOL: x };
    case 'NULL':
      if (x !== true) throw new RecordError(`${where} (NULL) must be true`);
      return { NULL: true };
    case 'SS':
      return { SS: stringList(x, where, 'SS') };
    case 'NS': {
      const list = stringList(x, where, 'NS');
      list.forEach((n) => checkNumber(n, `${where} (NS)`));
      return { NS: list };
    }
    case 'BS':
      return { BS: stringList(x, where, 'BS').map((b) => base64(b, `${where} (BS)`)) };
    case 'L':
      if (!Array.isArray(x)) throw new RecordError(`${where} (L) must be a list`);
      return { L: x.map((e, i) => fromDynamoDbJson(e, `${where}[${i}]`)) };
    default: {
      if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new RecordError(`${where} (M) must be an object`);
      const m: Record<string, AttributeValue> = dict();
      for (const [k, e] of Object.entries(x)) m[k] = fromDynamoDbJson(e, `${where}.${k}`);
      return { M: m };
    }
  }
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Item size as DynamoDB counts it (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * names and strings by UTF-8 length, binary by length, numbers ~1 byte per two significant digits
 * plus 1, null and boolean 1, lists and maps 3 bytes plus 1 per element plus their contents.
 */
export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return Math.ceil(significantDigits(v.N) / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((a, s) => a + utf8(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((a, n) => a + Math.ceil(significantDigits(n) / 2) + 1, 0);
  if (v.BS !== undefined) return v.BS.reduce((a, b) => a + b.length, 0);
  if (v.L !== undefined) return v.L.reduce((a, e) => a + 1 + valueSize(e), 3);
  if (v.M !== undefined) return Object.entries(v.M).reduce((a, [k, e]) => a + 1 + utf8(k) + valueSize(e), 3);
  return 0;
}

export function itemSize(item: Item): number {
  let n = 0;
  for (const k in item) n += utf8(k) + valueSize(item[k]);
  return n;
}
