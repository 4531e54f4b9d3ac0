/**
 * `GlobalSecondaryIndexManagement: PROVIDER` -> a `Custom::ArcDynamoDbIndexes` that owns the
 * table's global secondary indexes (provider/indexes/), and a `Custom::ArcDynamoDbIndexesPrecheck`
 * that the table waits for.
 *
 * Why: CloudFormation's AWS::DynamoDB::Table creates or deletes at most one GSI per stack update
 * ("Cannot perform more than one GSI creation or deletion in a single update",
 * aws-cloudformation/cloudformation-coverage-roadmap#229 and #881, aws/aws-cdk#12246) and does not
 * wait for a new index's backfill (AWS::DynamoDB::Table, GlobalSecondaryIndexes). The provider
 * applies any number of changes in one deploy, one UpdateTable at a time, and waits for each.
 *
 * The table then carries no GlobalSecondaryIndexes and only its own and its LSIs' key attributes
 * (generators/table.ts); the indexes resource carries the rest. Index scaling, alarms and the
 * dashboard depend on it, replicas and Load come after it (generators/common.ts, indexesDependency).
 * It depends on the table's own scaling policies: DynamoDB adds an index to a replicated
 * PROVISIONED table only once the table's write capacity is auto scaled ("Table write capacity
 * should either be Pay-Per-Request or AutoScaled", aws/aws-cdk#12159: "only if the Table has write auto-scaling enabled"). A new
 * index's write scaling then reaches every replica through the replicas resource, which runs after
 * the index's home-region scaling policy exists (UpdateTableReplicaAutoScaling keeps that policy's
 * name; provider/replicas/autoscaling.ts), and ARC-E7011 requires that scaling for every index.
 *
 * The precheck exists because of what CloudFormation does to the table in the update that turns
 * PROVIDER on: the indexes leave the table's template, and CloudFormation deletes them. The table
 * depends on the precheck, which refuses that update before the table is touched unless the table
 * has no index or already carries the tag that says its indexes are the provider's
 * (docs/indexes.md, "Switching an existing table").
 */
import {
  INDEXES_PRECHECK_RESOURCE_TYPE,
  INDEXES_RESOURCE_TYPE,
  MAX_SERVICE_TIMEOUT_SECONDS,
  type AsWritten,
  type IndexesPrecheckResourceProps,
  type IndexesResourceProps,
} from '../../contract/resources';
import type { TableModel } from '../model/types';
import { ids } from '../naming';
import { childAttributes, ref } from './common';
import { gsi } from './table';
import type { CfnResource, Generator } from './types';

function indexAttributes(t: TableModel): { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[] {
  const used = new Set(t.globalSecondaryIndexes.flatMap((g) => [...g.hashKeys, ...g.rangeKeys]));
  return t.attributes.filter((a) => used.has(a.name)).map((a) => ({ AttributeName: a.name, AttributeType: a.type }));
}

/** The table's own scaling policies (not its indexes', which depend on the indexes resource). */
function tablePolicies(t: TableModel): string[] {
  const a = t.autoscaling;
  if (!a) return [];
  return [...(a.read ? [ids.scalingPolicy(t.logicalId, 'Read')] : []), ...(a.write ? [ids.scalingPolicy(t.logicalId, 'Write')] : [])];
}

export const indexesGenerator: Generator = (t, ctx) => {
  if (t.indexManagement !== 'PROVIDER') return { resources: {}, outputs: {} };
  const properties = {
    ServiceToken: ctx.providerServiceToken,
    ServiceTimeout: MAX_SERVICE_TIMEOUT_SECONDS,
    TableName: ref(ids.table(t.logicalId)),
    BillingMode: t.billingMode,
    AttributeDefinitions: indexAttributes(t),
    GlobalSecondaryIndexes: t.globalSecondaryIndexes.map((g) => gsi(t, g)) as AsWritten<IndexesResourceProps['GlobalSecondaryIndexes']>,
    TableLogicalId: t.logicalId,
    ...(t.adoptExistingTable !== undefined ? { AdoptExistingTable: t.adoptExistingTable } : {}),
  } satisfies AsWritten<IndexesResourceProps>;
  const policies = tablePolicies(t);
  const indexes: CfnResource = {
    Type: INDEXES_RESOURCE_TYPE,
    ...childAttributes(t),
    ...(policies.length > 0 ? { DependsOn: policies } : {}),
    Properties: properties,
  };
  const precheck: CfnResource = {
    Type: INDEXES_PRECHECK_RESOURCE_TYPE,
    ...childAttributes(t),
    Properties: {
      ServiceToken: ctx.providerServiceToken,
      ServiceTimeout: 300,
      TableLogicalId: t.logicalId,
      BillingMode: t.billingMode,
    } satisfies AsWritten<IndexesPrecheckResourceProps>,
  };
  return { resources: { [ids.indexesPrecheck(t.logicalId)]: precheck, [ids.indexes(t.logicalId)]: indexes }, outputs: {} };
};
