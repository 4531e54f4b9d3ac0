/** What the home region says about the table and its replicas (DescribeTable), as plain data. */
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { describeTable } from '../aws';

export interface ReplicaState {
  region: string;
  /** ReplicaStatus: CREATING | CREATION_FAILED | UPDATING | DELETING | ACTIVE | REGION_DISABLED | INACCESSIBLE_ENCRYPTION_CREDENTIALS | … */
  status: string;
  statusDescription?: string;
  tableClass?: string;
  readCapacityOverride?: number;
  maxReadRequestUnitsOverride?: number;
  kmsKeyId?: string;
  /** Per-replica index overrides (ReplicaDescription.GlobalSecondaryIndexes), by index name. */
  indexes: Map<string, { readCapacityOverride?: number; maxReadRequestUnitsOverride?: number }>;
}

export interface HomeState {
  tableName: string;
  arn: string;
  status: string;
  billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  streamViewType?: string;
  indexNames: string[];
  replicas: Map<string, ReplicaState>;
  /** MultiRegionConsistency as DescribeTable reports it (absent on a table that is no global table). */
  consistency?: 'EVENTUAL' | 'STRONG';
  /** The MRSC witness, by Region: its WitnessStatus (CREATING | ACTIVE | DELETING). */
  witnesses: Map<string, string>;
}

export function toHomeState(t: TableDescription): HomeState {
  const replicas = new Map<string, ReplicaState>();
  for (const r of t.Replicas ?? []) {
    if (!r.RegionName) continue;
    replicas.set(r.RegionName, {
      region: r.RegionName,
      status: r.ReplicaStatus ?? 'ACTIVE',
      statusDescription: r.ReplicaStatusDescription,
      tableClass: r.ReplicaTableClassSummary?.TableClass,
      readCapacityOverride: r.ProvisionedThroughputOverride?.ReadCapacityUnits,
      maxReadRequestUnitsOverride: r.OnDemandThroughputOverride?.MaxReadRequestUnits,
      kmsKeyId: r.KMSMasterKeyId,
      indexes: new Map(
        (r.GlobalSecondaryIndexes ?? []).flatMap((g) =>
          g.IndexName
            ? [
                [
                  g.IndexName,
                  {
                    readCapacityOverride: g.ProvisionedThroughputOverride?.ReadCapacityUnits,
                    maxReadRequestUnitsOverride: g.OnDemandThroughputOverride?.MaxReadRequestUnits,
                  },
                ] as const,
              ]
            : [],
        ),
      ),
    });
  }
  const witnesses = new Map<string, string>();
  for (const w of t.GlobalTableWitnesses ?? []) if (w.RegionName) witnesses.set(w.RegionName, w.WitnessStatus ?? 'ACTIVE');
  return {
    tableName: t.TableName ?? '',
    arn: t.TableArn ?? '',
    status: t.TableStatus ?? 'ACTIVE',
    billingMode: t.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    streamViewType: t.StreamSpecification?.StreamEnabled ? t.StreamSpecification.StreamViewType : undefined,
    indexNames: (t.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName ?? '').filter((n) => n),
    replicas,
    ...(t.MultiRegionConsistency ? { consistency: t.MultiRegionConsistency === 'STRONG' ? ('STRONG' as const) : ('EVENTUAL' as const) } : {}),
    witnesses,
  };
}

export async function observeHome(ddb: DynamoDBClient, tableName: string): Promise<HomeState | undefined> {
  const t = await describeTable(ddb, tableName);
  return t ? toHomeState(t) : undefined;
}

/** The replica's ARN: the same table name and account in the replica's region. */
export function replicaArn(homeArn: string, region: string): string {
  const parts = homeArn.split(':');
  parts[3] = region;
  return parts.join(':');
}
