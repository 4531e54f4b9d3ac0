/**
 * `CopyFrom` -> one `Custom::ArcDynamoDbExport`, served by the provider's export handler
 * (provider/exports/): it exports the source table to S3 at a point in its PITR window
 * (ExportTableToPointInTime) and returns where the export's data lies. The table's
 * ImportSourceSpecification (macro/generators/table.ts) reads those attributes, so CloudFormation
 * creates the table by ImportTable from the export, which consumes no write capacity
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataImport.HowItWorks.html).
 *
 * Why later changes never replace the table: ImportSourceSpecification requires replacement when
 * it changes (AWS::DynamoDB::Table), so every value in it comes from this resource's Fn::GetAtt,
 * and the export resource answers every Update with the attributes of the export it made at
 * creation (which its physical ID carries). CloudFormation resolves the same values, sees no change, and leaves the
 * table alone, whatever was changed in CopyFrom.
 */
import { EXPORT_RESOURCE_TYPE, MAX_SERVICE_TIMEOUT_SECONDS, type AsWritten, type ExportResourceProps } from '../../contract/resources';
import { ids } from '../naming';
import { childAttributes, getAtt } from './common';
import type { Generator } from './types';

/** The table's ImportSourceSpecification for a copy: the export's data folder, as the export resource reports it. */
export function copyImportSource(tableId: string): Record<string, unknown> {
  const exportId = ids.export(tableId);
  return {
    S3BucketSource: {
      S3Bucket: getAtt(exportId, 'S3Bucket'),
      S3BucketOwner: getAtt(exportId, 'S3BucketOwner'),
      S3KeyPrefix: getAtt(exportId, 'S3KeyPrefix'),
    },
    // What ExportTableToPointInTime writes by default: DynamoDB JSON, GZIP-compressed
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
    InputFormat: 'DYNAMODB_JSON',
    InputCompressionType: 'GZIP',
  };
}

export const copyGenerator: Generator = (t, ctx) => {
  const c = t.copyFrom;
  if (!c) return { resources: {}, outputs: {} };
  const typeOf = (name: string) => t.attributes.find((a) => a.name === name)?.type ?? 'S';
  const key: ExportResourceProps['KeySchema'] = [{ AttributeName: t.hashKey, KeyType: 'HASH', AttributeType: typeOf(t.hashKey) }];
  if (t.rangeKey !== undefined) key.push({ AttributeName: t.rangeKey, KeyType: 'RANGE', AttributeType: typeOf(t.rangeKey) });
  const properties = {
    ServiceToken: ctx.providerServiceToken,
    ServiceTimeout: MAX_SERVICE_TIMEOUT_SECONDS,
    TableLogicalId: t.logicalId,
    SourceTableArn: c.sourceTableArn,
    ...(c.exportTime !== undefined ? { ExportTime: c.exportTime } : {}),
    S3Bucket: c.s3Bucket,
    ...(c.s3Prefix !== undefined ? { S3Prefix: c.s3Prefix } : {}),
    ...(c.s3BucketOwner !== undefined ? { S3BucketOwner: c.s3BucketOwner } : {}),
    ...(c.s3SseAlgorithm !== undefined ? { S3SseAlgorithm: c.s3SseAlgorithm } : {}),
    ...(c.s3SseKmsKeyId !== undefined ? { S3SseKmsKeyId: c.s3SseKmsKeyId } : {}),
    KeySchema: key,
  } satisfies AsWritten<ExportResourceProps>;
  return { resources: { [ids.export(t.logicalId)]: { Type: EXPORT_RESOURCE_TYPE, ...childAttributes(t), Properties: properties } }, outputs: {} };
};
