/**
 * DYNAMODB_JSON as ImportTable reads it: one `{"Item": {...}}` per line, attribute values in
 * DynamoDB JSON (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataImport.Format.html).
 */
import { fromDynamoDbJson } from '../item';
import { RecordError, type Item } from '../types';
import { OneRecordPerLine } from './types';
import { dict } from '../../contract/resources';

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
  const item: Item = dict();
  for (const [name, v] of Object.entries(inner)) item[name] = fromDynamoDbJson(v, `attribute '${name}'`);
  return item;
}

export class DynamoDbJsonParser extends OneRecordPerLine {
  constructor() {
    super(parseDynamoDbJsonLine);
  }
}
