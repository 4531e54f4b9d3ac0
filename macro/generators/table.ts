/**
 * The AWS::DynamoDB::Table itself. It keeps the Arc resource's logical ID, so references to the
 * Arc resource (Ref, GetAtt Arn/StreamArn) keep working, and carries DependsOn and Metadata.
 * DeletionPolicy and UpdateReplacePolicy default to Retain: data is never deleted by default.
 */
import { INDEXES_MANAGED_BY_PROVIDER, INDEXES_TAG_KEY } from '../../contract/resources';
import type { AttributeModel, GsiModel, LsiModel, ProjectionModel, TableModel } from '../model/types';
import { ids } from '../naming';
import { ownedTags } from './common';
import { copyImportSource } from './copy';
import type { CfnResource, Generator } from './types';

function projection(p: ProjectionModel): Record<string, unknown> {
  return { ProjectionType: p.type, ...(p.nonKeyAttributes ? { NonKeyAttributes: p.nonKeyAttributes } : {}) };
}

function keySchema(hash: string, range?: string): Record<string, string>[] {
  return multiKeySchema([hash], range !== undefined ? [range] : []);
}

/** Every HASH element, in the order given, then every RANGE element ("Multi-attribute keys pattern"). */
function multiKeySchema(hash: string[], range: string[]): Record<string, string>[] {
  return [...hash.map((a) => ({ AttributeName: a, KeyType: 'HASH' })), ...range.map((a) => ({ AttributeName: a, KeyType: 'RANGE' }))];
}

export function gsi(table: TableModel, g: GsiModel): Record<string, unknown> {
  const out: Record<string, unknown> = { IndexName: g.name, KeySchema: multiKeySchema(g.hashKeys, g.rangeKeys), Projection: projection(g.projection) };
  if (g.readCapacity !== undefined && g.writeCapacity !== undefined) {
    out.ProvisionedThroughput = { ReadCapacityUnits: g.readCapacity, WriteCapacityUnits: g.writeCapacity };
  }
  if (g.onDemandThroughput !== undefined) out.OnDemandThroughput = g.onDemandThroughput;
  if (g.warmThroughput !== undefined) out.WarmThroughput = g.warmThroughput;
  const insights = table.contributorInsights.gsi[g.name];
  if (insights !== undefined) {
    // An explicit false is written out, so insights are really off (the module turned them on for false).
    out.ContributorInsightsSpecification = {
      Enabled: insights,
      ...(insights && table.contributorInsights.mode !== undefined ? { Mode: table.contributorInsights.mode } : {}),
    };
  }
  return out;
}

function lsi(table: TableModel, l: LsiModel): Record<string, unknown> {
  return { IndexName: l.name, KeySchema: keySchema(table.hashKey, l.rangeKey), Projection: projection(l.projection) };
}

/**
 * The attribute definitions the table itself carries. CloudFormation and DynamoDB accept only
 * attributes that some key schema of the table uses ("number of attributes in key schema must
 * match the number of attributes defined in attribute definitions", CreateTable): with
 * PROVIDER-managed indexes, the GSIs' key attributes go to the indexes resource instead.
 */
export function tableAttributes(t: TableModel): AttributeModel[] {
  if (t.indexManagement === 'TABLE') return t.attributes;
  const used = new Set([t.hashKey, ...(t.rangeKey !== undefined ? [t.rangeKey] : []), ...t.localSecondaryIndexes.map((l) => l.rangeKey)]);
  return t.attributes.filter((a) => used.has(a.name));
}

export function tableProperties(t: TableModel): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  if (t.tableName !== undefined) p.TableName = t.tableName;
  p.BillingMode = t.billingMode;
  if (t.tableClass !== undefined) p.TableClass = t.tableClass;
  if (t.deletionProtectionEnabled !== undefined) p.DeletionProtectionEnabled = t.deletionProtectionEnabled;
  p.KeySchema = keySchema(t.hashKey, t.rangeKey);
  p.AttributeDefinitions = tableAttributes(t).map((a) => ({ AttributeName: a.name, AttributeType: a.type }));
  if (t.readCapacity !== undefined && t.writeCapacity !== undefined) {
    p.ProvisionedThroughput = { ReadCapacityUnits: t.readCapacity, WriteCapacityUnits: t.writeCapacity };
  }
  if (t.onDemandThroughput !== undefined) p.OnDemandThroughput = t.onDemandThroughput;
  if (t.warmThroughput !== undefined) p.WarmThroughput = t.warmThroughput;
  if (t.globalSecondaryIndexes.length > 0 && t.indexManagement === 'TABLE') p.GlobalSecondaryIndexes = t.globalSecondaryIndexes.map((g) => gsi(t, g));
  if (t.localSecondaryIndexes.length > 0) p.LocalSecondaryIndexes = t.localSecondaryIndexes.map((l) => lsi(t, l));
  if (t.stream) p.StreamSpecification = { StreamViewType: t.stream.viewType };
  if (t.kinesisStreamSpecification !== undefined) p.KinesisStreamSpecification = t.kinesisStreamSpecification;
  if (t.ttl) p.TimeToLiveSpecification = { AttributeName: t.ttl.attributeName, Enabled: true };
  // SSEEnabled true is KMS with the AWS managed key (or KMSMasterKeyId); false is an AWS owned key.
  p.SSESpecification =
    t.serverSideEncryption.kmsKeyArn !== undefined
      ? { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: t.serverSideEncryption.kmsKeyArn }
      : { SSEEnabled: t.serverSideEncryption.enabled };
  p.PointInTimeRecoverySpecification = {
    PointInTimeRecoveryEnabled: t.pointInTimeRecovery.enabled,
    ...(t.pointInTimeRecovery.recoveryPeriodInDays !== undefined ? { RecoveryPeriodInDays: t.pointInTimeRecovery.recoveryPeriodInDays } : {}),
  };
  if (t.contributorInsights.table) {
    p.ContributorInsightsSpecification = { Enabled: true, ...(t.contributorInsights.mode !== undefined ? { Mode: t.contributorInsights.mode } : {}) };
  }
  if (t.copyFrom) p.ImportSourceSpecification = copyImportSource(t.logicalId);
  if (t.importTable) {
    const i = t.importTable;
    p.ImportSourceSpecification = {
      S3BucketSource: {
        S3Bucket: i.s3BucketSource.bucket,
        ...(i.s3BucketSource.bucketOwner !== undefined ? { S3BucketOwner: i.s3BucketSource.bucketOwner } : {}),
        ...(i.s3BucketSource.keyPrefix !== undefined ? { S3KeyPrefix: i.s3BucketSource.keyPrefix } : {}),
      },
      InputFormat: i.inputFormat,
      InputCompressionType: i.inputCompressionType,
      ...(i.csv
        ? {
            InputFormatOptions: {
              Csv: {
                ...(i.csv.delimiter !== undefined ? { Delimiter: i.csv.delimiter } : {}),
                ...(i.csv.headerList !== undefined ? { HeaderList: i.csv.headerList } : {}),
              },
            },
          }
        : {}),
    };
  }
  if (t.resourcePolicy !== undefined) p.ResourcePolicy = t.resourcePolicy;
  // The ownership tag lets the provider refuse tables of other stacks (issue 7).
  p.Tags = ownedTags(t);
  // Tells the precheck that this table's indexes are the provider's (macro/generators/indexes.ts).
  if (t.indexManagement === 'PROVIDER') p.Tags = [...(p.Tags as unknown[]), { Key: INDEXES_TAG_KEY, Value: INDEXES_MANAGED_BY_PROVIDER }];
  return p;
}

export const tableGenerator: Generator = (t) => {
  const resource: CfnResource = { Type: 'AWS::DynamoDB::Table' };
  if (t.condition !== undefined) resource.Condition = t.condition;
  // With PROVIDER-managed indexes the table waits for the precheck (macro/generators/indexes.ts).
  const dependsOn = [...(t.dependsOn === undefined ? [] : Array.isArray(t.dependsOn) ? t.dependsOn : [t.dependsOn])];
  if (t.indexManagement === 'PROVIDER') dependsOn.push(ids.indexesPrecheck(t.logicalId));
  // The Fn::GetAtt already orders the table after the export; with the long-operation path the
  // export answers once started, so the table must wait for its WaitCondition instead, which the
  // finisher puts in place of this entry (macro/generators/long-operations.ts).
  if (t.copyFrom && t.longOperationTimeoutMinutes !== undefined) dependsOn.push(ids.export(t.logicalId));
  if (dependsOn.length > 0) resource.DependsOn = t.dependsOn !== undefined && !Array.isArray(t.dependsOn) && dependsOn.length === 1 ? t.dependsOn : dependsOn;
  resource.DeletionPolicy = t.deletionPolicy;
  resource.UpdateReplacePolicy = t.updateReplacePolicy;
  if (t.metadata !== undefined) resource.Metadata = t.metadata;
  resource.Properties = tableProperties(t);
  return { resources: { [ids.table(t.logicalId)]: resource }, outputs: {} };
};
