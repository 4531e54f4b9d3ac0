/** The table and its global secondary indexes as DescribeTable reports them, as plain data for plan.ts. */
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { describeTable } from '../aws';
import type { LiveIndex, TableState } from './plan';

export function toTableState(t: TableDescription): TableState {
  const indexes = new Map<string, LiveIndex>();
  for (const g of t.GlobalSecondaryIndexes ?? []) {
    if (!g.IndexName) continue;
    indexes.set(g.IndexName, {
      name: g.IndexName,
      keySchema: (g.KeySchema ?? []).map((k) => ({ AttributeName: k.AttributeName ?? '', KeyType: k.KeyType ?? '' })),
      projection: {
        ProjectionType: g.Projection?.ProjectionType ?? 'ALL',
        ...(g.Projection?.NonKeyAttributes ? { NonKeyAttributes: g.Projection.NonKeyAttributes } : {}),
      },
      status: g.IndexStatus ?? 'ACTIVE',
      backfilling: g.Backfilling === true,
      ...(g.ProvisionedThroughput
        ? { provisioned: { read: g.ProvisionedThroughput.ReadCapacityUnits, write: g.ProvisionedThroughput.WriteCapacityUnits } }
        : {}),
      ...(g.OnDemandThroughput ? { onDemand: { ...g.OnDemandThroughput } } : {}),
      ...(g.WarmThroughput
        ? { warm: { ReadUnitsPerSecond: g.WarmThroughput.ReadUnitsPerSecond, WriteUnitsPerSecond: g.WarmThroughput.WriteUnitsPerSecond } }
        : {}),
    });
  }
  return {
    status: t.TableStatus ?? 'ACTIVE',
    attributes: (t.AttributeDefinitions ?? []).map((a) => ({
      AttributeName: a.AttributeName ?? '',
      AttributeType: (a.AttributeType ?? 'S') as 'S' | 'N' | 'B',
    })),
    // DescribeTable omits BillingModeSummary for tables that were always PROVISIONED (DynamoDB API reference, BillingModeSummary).
    billingMode: t.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    indexes,
  };
}

export async function observeTable(ddb: DynamoDBClient, tableName: string): Promise<TableState | undefined> {
  const t = await describeTable(ddb, tableName);
  return t ? toTableState(t) : undefined;
}
