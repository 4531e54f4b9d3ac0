/**
 * DYNAMODB_JSON as ImportTable reads it: one `{"Item": {...}}` per line, attribute values in
 * DynamoDB JSON (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataImport.Format.html).
 */
import type { Line } from '../lines';
import { fromDynamoDbJson } from '../item';
import { RecordError, type Item } from '../types';
import type { Parsed, RecordParser } from './types';

export function parseDynamoDbJsonLine(text: string): Item {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the input on newer V8, and nothing from the data may leak.
    throw new RecordError('not valid JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new RecordError('expected an object {"Item": {...}}');
  const keys = Object.keys(doc);
  const inner = (doc as Record<string, unknown>).Item;
  if (keys.length !== 1 || inner === undefined) throw new RecordError('expected exactly one key, "Item"');
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) throw new RecordError('"Item" must be an object of attributes');
  const item: Item = {};
  for (const [name, v] of Object.entries(inner)) item[name] = fromDynamoDbJson(v, `attribute '${name}'`);
  return item;
}

export class DynamoDbJsonParser implements RecordParser {
  feed(line: Line): Parsed {
    if (line.text === null) return { kind: 'record', error: 'line longer than 4 MiB', line: line.line, end: line.end };
    if (line.text.trim() === '') return { kind: 'none' };
    try {
      return { kind: 'record', item: parseDynamoDbJsonLine(line.text), line: line.line, end: line.end };
    } catch (e) {
      if (e instanceof RecordError) return { kind: 'record', error: e.message, line: line.line, end: line.end };
      throw e;
    }
  }
  pending(): boolean {
    return false;
  }
  finish(): Parsed {
    return { kind: 'none' };
  }
}
