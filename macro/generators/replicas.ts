/**
 * `ReplicaRegions` -> one `Custom::ArcDynamoDbReplicas`, served by the provider (provider/replicas/).
 *
 * The table stays an AWS::DynamoDB::Table for its whole life: turning it into an
 * AWS::DynamoDB::GlobalTable replaces the resource. The custom resource depends on the table (through
 * the Ref in TableName) and on every scaling policy (DependsOn), so replicas are only added once write autoscaling exists: the
 * ordering whose absence broke terraform-aws-modules/terraform-aws-dynamodb-table#109.
 * ServiceTimeout is CloudFormation's ceiling for custom resources, 3600 s.
 * RetainOnDelete follows the table's DeletionPolicy: a retained table keeps its replicas; a
 * table that CloudFormation deletes (Delete, Snapshot) has its replicas removed first.
 */
import {
  dict,
  MAX_SERVICE_TIMEOUT_SECONDS,
  REPLICAS_RESOURCE_TYPE,
  type AsWritten,
  type ReplicaIndexProps,
  type ReplicaProps,
  type ReplicasResourceProps,
  type ScalingSettingsProps,
} from '../../contract/resources';
import type { ReplicaIndexModel, ReplicaModel, ScalingModel, TableModel } from '../model/types';
import { ids } from '../naming';
import { scalingPolicyIds } from './autoscaling';
import { childAttributes, indexesDependency, ownedTags, ref } from './common';
import type { CfnResource, Generator } from './types';

function scaling(s: ScalingModel): AsWritten<ScalingSettingsProps> {
  return {
    MinCapacity: s.minCapacity,
    MaxCapacity: s.maxCapacity,
    TargetValue: s.targetValue,
    ScaleInCooldown: s.scaleInCooldown,
    ScaleOutCooldown: s.scaleOutCooldown,
  };
}

function replica(r: ReplicaModel): AsWritten<ReplicaProps> {
  return {
    RegionName: r.regionName,
    ...(r.kmsKeyArn !== undefined ? { KmsKeyArn: r.kmsKeyArn } : {}),
    PropagateTags: r.propagateTags,
    PointInTimeRecoveryEnabled: r.pointInTimeRecoveryEnabled,
    ...(r.pointInTimeRecoveryPeriodInDays !== undefined ? { PointInTimeRecoveryPeriodInDays: r.pointInTimeRecoveryPeriodInDays } : {}),
    ...(r.tableClass !== undefined ? { TableClass: r.tableClass } : {}),
    ...(r.deletionProtectionEnabled !== undefined ? { DeletionProtectionEnabled: r.deletionProtectionEnabled } : {}),
    ...(r.contributorInsightsEnabled !== undefined ? { ContributorInsightsEnabled: r.contributorInsightsEnabled } : {}),
    ...(r.readCapacity !== undefined ? { ReadCapacity: r.readCapacity } : {}),
    ...(r.maxReadRequestUnits !== undefined ? { MaxReadRequestUnits: r.maxReadRequestUnits } : {}),
    ...(r.contributorInsightsMode !== undefined && r.contributorInsightsEnabled ? { ContributorInsightsMode: r.contributorInsightsMode } : {}),
    ...(r.indexes.length > 0 ? { GlobalSecondaryIndexes: r.indexes.map(replicaIndex) } : {}),
  };
}

function replicaIndex(g: ReplicaIndexModel): AsWritten<ReplicaIndexProps> {
  return {
    IndexName: g.indexName,
    ...(g.contributorInsightsEnabled !== undefined ? { ContributorInsightsEnabled: g.contributorInsightsEnabled } : {}),
    ...(g.contributorInsightsMode !== undefined && g.contributorInsightsEnabled ? { ContributorInsightsMode: g.contributorInsightsMode } : {}),
    ...(g.readCapacity !== undefined ? { ReadCapacity: g.readCapacity } : {}),
    ...(g.maxReadRequestUnits !== undefined ? { MaxReadRequestUnits: g.maxReadRequestUnits } : {}),
  };
}

type WrittenAutoscaling = {
  Read?: AsWritten<ScalingSettingsProps>;
  Write?: AsWritten<ScalingSettingsProps>;
  Indexes?: Record<string, { Read?: AsWritten<ScalingSettingsProps>; Write?: AsWritten<ScalingSettingsProps> }>;
};

function autoscaling(t: TableModel): WrittenAutoscaling | undefined {
  const a = t.autoscaling;
  if (!a || t.billingMode !== 'PROVISIONED') return undefined;
  const out: WrittenAutoscaling = {};
  if (a.read) out.Read = scaling(a.read);
  if (a.write) out.Write = scaling(a.write);
  const indexes: NonNullable<WrittenAutoscaling['Indexes']> = dict();
  for (const g of t.globalSecondaryIndexes) {
    const rw: { Read?: AsWritten<ScalingSettingsProps>; Write?: AsWritten<ScalingSettingsProps> } = {};
    if (a.gsiRead[g.name]) rw.Read = scaling(a.gsiRead[g.name]);
    if (a.gsiWrite[g.name]) rw.Write = scaling(a.gsiWrite[g.name]);
    if (Object.keys(rw).length > 0) indexes[g.name] = rw;
  }
  if (Object.keys(indexes).length > 0) out.Indexes = indexes;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Replicas stay unless CloudFormation deletes the table itself (DeletionPolicy Delete or Snapshot). */
export function retainOnDelete(t: TableModel): boolean {
  return !(t.deletionPolicy === 'Delete' || t.deletionPolicy === 'Snapshot');
}

/** When an Update replaces the table, the old table's replicas go with CloudFormation's UpdateReplacePolicy for it. */
export function retainOnReplace(t: TableModel): boolean {
  return !(t.updateReplacePolicy === 'Delete' || t.updateReplacePolicy === 'Snapshot');
}

export const replicasGenerator: Generator = (t, ctx) => {
  if (!t.replicasDeclared) return { resources: {}, outputs: {} };
  const scaled = autoscaling(t);
  const properties = {
    ServiceToken: ctx.providerServiceToken,
    ServiceTimeout: MAX_SERVICE_TIMEOUT_SECONDS,
    TableName: ref(ids.table(t.logicalId)),
    BillingMode: t.billingMode,
    Replicas: t.replicas.map(replica),
    ...(t.multiRegionConsistency === 'STRONG' ? { MultiRegionConsistency: 'STRONG' as const } : {}),
    ...(t.witnesses.length > 0 ? { GlobalTableWitnesses: t.witnesses.map((w) => ({ Region: w.region })) } : {}),
    ...(scaled ? { Autoscaling: scaled } : {}),
    Tags: ownedTags(t),
    WaitForReplication: t.waitForReplication,
    RetainOnDelete: retainOnDelete(t),
    RetainOnReplace: retainOnReplace(t),
    // RetainExceptOnCreate: CloudFormation deletes the table when the operation that created it
    // rolls back ("DeletionPolicy attribute"), so the replicas go with it then.
    ...(t.deletionPolicy === 'RetainExceptOnCreate' ? { RetainExceptOnCreate: true } : {}),
    TableLogicalId: t.logicalId,
    ...(t.adoptExistingTable !== undefined ? { AdoptExistingTable: t.adoptExistingTable } : {}),
  } satisfies AsWritten<ReplicasResourceProps>;
  // The Ref in TableName already makes it depend on the table (a DependsOn on it too is
  // redundant: cfn-lint W3005); the scaling policies need an explicit DependsOn.
  const after = [...scalingPolicyIds(t), ...indexesDependency(t)];
  const resource: CfnResource = {
    Type: REPLICAS_RESOURCE_TYPE,
    ...childAttributes(t),
    ...(after.length > 0 ? { DependsOn: after } : {}),
    Properties: properties,
  };
  return { resources: { [ids.replicas(t.logicalId)]: resource }, outputs: {} };
};
