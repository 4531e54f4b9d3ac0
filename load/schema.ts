/**
 * What the loader needs to know about the target table, read once with DescribeTable, and the
 * per-record checks made before anything is written.
 */
import { DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableWriteCapacity, type TableCapacity } from './budget';
import { itemSize, MAX_ITEM_BYTES } from './item';
import { LoadError, RecordError, type Item } from './types';

export type KeyType = 'S' | 'N' | 'B';

export interface TableSchema {
  tableName: string;
  hashKey: string;
  rangeKey?: string;
  /** Every attribute in AttributeDefinitions: the table's keys and its indexes' keys. */
  attributeTypes: Map<string, KeyType>;
  /** The table's write capacity per second when it was described (load/budget.ts). */
  capacity: TableCapacity;
}

async function describe(client: DynamoDBClient, tableName: string) {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (e) {
    if (e instanceof ResourceNotFoundException || (e as Error).name === 'ResourceNotFoundException') {
      throw new LoadError(`table '${tableName}' does not exist`);
    }
    throw e;
  }
}

/** The table's write capacity now: the pacer reads it again now and then, since autoscaling moves it. */
export async function describeCapacity(client: DynamoDBClient, tableName: string): Promise<TableCapacity> {
  const table = await describe(client, tableName);
  if (!table) throw new LoadError(`DescribeTable returned nothing for table '${tableName}'`);
  return tableWriteCapacity(table);
}

export async function describeSchema(client: DynamoDBClient, tableName: string): Promise<TableSchema> {
  const table = await describe(client, tableName);
  if (!table?.KeySchema || !table.AttributeDefinitions) throw new LoadError(`DescribeTable returned no key schema for table '${tableName}'`);
  const attributeTypes = new Map<string, KeyType>();
  for (const a of table.AttributeDefinitions) attributeTypes.set(a.AttributeName!, a.AttributeType as KeyType);
  const hashKey = table.KeySchema.find((k) => k.KeyType === 'HASH')!.AttributeName!;
  const rangeKey = table.KeySchema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  return { tableName, hashKey, rangeKey, attributeTypes, capacity: tableWriteCapacity(table) };
}

const TYPE_OF = (v: Item[string]): string =>
  Object.keys(v).find((k) => (v as unknown as Record<string, unknown>)[k] !== undefined && k !== '$unknown') ?? 'unknown';

/**
 * The checks BatchWriteItem would otherwise fail the whole batch for: the primary key present
 * with its defined type and not empty, index keys (when present) of their defined type and not
 * empty, and the 400 KB item limit.
 */
export function validateItem(item: Item, schema: TableSchema): void {
  for (const key of [schema.hashKey, schema.rangeKey]) {
    if (key !== undefined && item[key] === undefined) throw new RecordError(`key attribute '${key}' is missing`);
  }
  for (const [name, want] of schema.attributeTypes) {
    const v = item[name];
    if (v === undefined) continue;
    const got = TYPE_OF(v);
    const role = name === schema.hashKey || name === schema.rangeKey ? 'key attribute' : 'index key attribute';
    if (got !== want) throw new RecordError(`${role} '${name}' must be of type ${want}, not ${got}`);
    if ((want === 'S' && v.S === '') || (want === 'B' && v.B!.length === 0)) throw new RecordError(`${role} '${name}' is empty`);
  }
  const size = itemSize(item);
  if (size > MAX_ITEM_BYTES) throw new RecordError(`item is ${size} bytes, over the 400 KB (${MAX_ITEM_BYTES} bytes) limit`);
}

/** A stable string for an item's primary key, to spot duplicate keys among writes in flight. */
export function keyOf(item: Item, schema: TableSchema): string {
  const h = item[schema.hashKey];
  const r = schema.rangeKey ? item[schema.rangeKey] : undefined;
  const part = (v: Item[string] | undefined) =>
    v === undefined ? '' : v.S !== undefined ? `S${v.S}` : v.N !== undefined ? `N${v.N}` : `B${Buffer.from(v.B!).toString('base64')}`;
  return `${part(h)}\u0000${part(r)}`;
}
