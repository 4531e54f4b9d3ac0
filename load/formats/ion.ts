/**
 * ION as ImportTable reads it, which is the text Ion a DynamoDB export writes: one
 * `$ion_1_0 {Item:{...}}` value per line. Strings and symbols are S, ints/decimals/floats are N,
 * blobs are B, bools BOOL, nulls NULL, lists L, structs M, and lists annotated `$dynamodb_SS`,
 * `$dynamodb_NS`, `$dynamodb_BS` are sets
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html, "Amazon Ion").
 */
import { makeReader, IonTypes, type Reader, type Decimal } from 'ion-js';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { checkNumber } from '../item';
import { RecordError, type Item } from '../types';
import { OneRecordPerLine } from './types';
import { dict } from '../../contract/resources';

/** An Ion decimal as a plain DynamoDB number string: 150d-2 -> "1.5", 2d3 -> "2000". */
export function decimalToNumber(d: Decimal): string {
  const coeff = d.getCoefficient();
  const exp = d.getExponent();
  const negative = coeff < 0n || d.isNegative();
  let digits = (coeff < 0n ? -coeff : coeff).toString();
  let out: string;
  if (exp >= 0) {
    out = digits === '0' ? '0' : exp > 40 ? `${digits}E${exp}` : digits + '0'.repeat(exp);
  } else {
    const point = -exp;
    if (digits.length <= point) digits = '0'.repeat(point - digits.length + 1) + digits;
    const int = digits.slice(0, digits.length - point);
    const frac = digits.slice(digits.length - point).replace(/0+$/, '');
    out = frac ? `${int}.${frac}` : int;
  }
  return negative && out !== '0' ? `-${out}` : out;
}

function numberOf(r: Reader, where: string): string {
  const t = r.type();
  if (t === IonTypes.INT) return checkNumber(r.bigIntValue()!.toString(), where);
  if (t === IonTypes.DECIMAL) return checkNumber(decimalToNumber(r.decimalValue()!), where);
  if (t === IonTypes.FLOAT) {
    const n = r.numberValue()!;
    if (!Number.isFinite(n)) throw new RecordError(`${where} is not a finite number`);
    return checkNumber(String(n), where);
  }
  throw new RecordError(`${where} must be a number`);
}

function collect<T>(r: Reader, read: () => T): T[] {
  const out: T[] = [];
  r.stepIn();
  while (r.next() !== null) out.push(read());
  r.stepOut();
  return out;
}

function setOf(r: Reader, kind: string, where: string): AttributeValue {
  if (r.type() !== IonTypes.LIST) throw new RecordError(`${where} ($dynamodb_${kind}) must be a list`);
  let av: AttributeValue;
  if (kind === 'SS') {
    av = {
      SS: collect(r, () => {
        if (r.type() !== IonTypes.STRING && r.type() !== IonTypes.SYMBOL) throw new RecordError(`${where} ($dynamodb_SS) must contain strings`);
        return r.stringValue()!;
      }),
    };
  } else if (kind === 'NS') {
    av = { NS: collect(r, () => numberOf(r, `${where} ($dynamodb_NS)`)) };
  } else if (kind === 'BS') {
    av = {
      BS: collect(r, () => {
        if (r.type() !== IonTypes.BLOB) throw new RecordError(`${where} ($dynamodb_BS) must contain blobs`);
        return r.uInt8ArrayValue()!;
      }),
    };
  } else {
    throw new RecordError(`${where} has an unknown annotation`);
  }
  const list = (av.SS ?? av.NS ?? av.BS) as unknown[];
  if (list.length === 0) throw new RecordError(`${where} ($dynamodb_${kind}) must be non-empty`);
  const keys = list.map((e) => (e instanceof Uint8Array ? Buffer.from(e).toString('base64') : String(e)));
  if (new Set(keys).size !== keys.length) throw new RecordError(`${where} ($dynamodb_${kind}) contains duplicates`);
  return av;
}

/** Reads the value the reader is positioned on. */
function valueOf(r: Reader, where: string): AttributeValue {
  const annotation = r.annotations().find((a) => a.startsWith('$dynamodb_'));
  if (annotation) return setOf(r, annotation.slice('$dynamodb_'.length), where);
  if (r.isNull()) return { NULL: true };
  const t = r.type();
  switch (t) {
    case IonTypes.STRING:
    case IonTypes.SYMBOL:
      return { S: r.stringValue()! };
    case IonTypes.INT:
    case IonTypes.DECIMAL:
    case IonTypes.FLOAT:
      return { N: numberOf(r, where) };
    case IonTypes.BOOL:
      return { BOOL: r.booleanValue()! };
    case IonTypes.BLOB:
    case IonTypes.CLOB:
      return { B: r.uInt8ArrayValue()! };
    case IonTypes.LIST:
    case IonTypes.SEXP: {
      let i = 0;
      return { L: collect(r, () => valueOf(r, `${where}[${i++}]`)) };
    }
    case IonTypes.STRUCT:
      return { M: structOf(r, where) };
    default:
      throw new RecordError(`${where} has Ion type ${t?.name ?? 'unknown'}, which has no DynamoDB type`);
  }
}

function structOf(r: Reader, where: string): Record<string, AttributeValue> {
  const m: Record<string, AttributeValue> = dict();
  r.stepIn();
  while (r.next() !== null) {
    const name = r.fieldName()!;
    m[name] = valueOf(r, where === '' ? `attribute '${name}'` : `${where}.${name}`);
  }
  r.stepOut();
  return m;
}

export function parseIonLine(text: string): Item | null {
  let r: Reader;
  try {
    r = makeReader(text);
    if (r.next() === null) return null;
  } catch {
    throw new RecordError('not valid Ion text');
  }
  try {
    if (r.type() !== IonTypes.STRUCT || r.isNull()) throw new RecordError('expected a struct {Item: {...}}');
    let item: Item | undefined;
    let fields = 0;
    r.stepIn();
    while (r.next() !== null) {
      fields++;
      if (r.fieldName() === 'Item') {
        if (r.type() !== IonTypes.STRUCT || r.isNull()) throw new RecordError('"Item" must be a struct of attributes');
        item = structOf(r, '');
      }
    }
    r.stepOut();
    if (item === undefined || fields !== 1) throw new RecordError('expected exactly one field, Item');
    if (r.next() !== null) throw new RecordError('more than one Ion value on the line');
    return item;
  } catch (e) {
    if (e instanceof RecordError) throw e;
    throw new RecordError('not valid Ion text');
  }
}

export class IonParser extends OneRecordPerLine {
  constructor() {
    // A bare version marker line carries no record.
    super((text) => (text.trim() === '$ion_1_0' ? null : parseIonLine(text)));
  }
}
