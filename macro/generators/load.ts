/**
 * `Load` -> one `Custom::ArcDynamoDbLoad`, served by the provider's load handler over the loader core (load/).
 *
 * It depends on the table (through the Ref in TableName), on every scaling policy (the load's writes should meet the scaled
 * capacity, and a policy created mid-load would race it) and, with replicas, on the replicas
 * resource (items then replicate from a finished replica set instead of racing its creation).
 * ServiceTimeout is CloudFormation's ceiling, 3600 s: the loader continues across invocations up
 * to it (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html).
 */
import { LOAD_KEY_ROOT, LOAD_RESOURCE_TYPE, MAX_SERVICE_TIMEOUT_SECONDS, type AsWritten, type LoadResourceProps } from '../../contract/resources';
import { ids } from '../naming';
import { scalingPolicyIds } from './autoscaling';
import { childAttributes, indexesDependency, ref } from './common';
import type { CfnResource, Generator } from './types';

export const loadGenerator: Generator = (t, ctx) => {
  const load = t.load;
  if (!load) return { resources: {}, outputs: {} };
  const source: AsWritten<LoadResourceProps['S3BucketSource']> = {
    Bucket: load.s3BucketSource.bucket,
    // A stack loads only from its own prefix (contract/resources.ts, LOAD_KEY_ROOT); that is the default.
    KeyPrefix: load.s3BucketSource.keyPrefix ?? { 'Fn::Sub': `${LOAD_KEY_ROOT}\${AWS::StackName}/` },
    ...(load.s3BucketSource.bucketOwner !== undefined ? { BucketOwner: load.s3BucketSource.bucketOwner } : {}),
  };
  const csv: { Delimiter?: AsWritten<string>; HeaderList?: AsWritten<string[]> } = {};
  if (load.csv?.delimiter !== undefined) csv.Delimiter = load.csv.delimiter;
  if (load.csv?.headerList !== undefined) csv.HeaderList = load.csv.headerList;

  const properties = {
    ServiceToken: ctx.providerServiceToken,
    ServiceTimeout: MAX_SERVICE_TIMEOUT_SECONDS,
    TableName: ref(ids.table(t.logicalId)),
    S3BucketSource: source,
    InputFormat: load.inputFormat,
    InputCompressionType: load.inputCompressionType,
    ...(load.inputFormat === 'CSV' && Object.keys(csv).length > 0 ? { InputFormatOptions: { Csv: csv } } : {}),
    WriteMode: load.writeMode,
    MaxRejectedRecords: load.maxRejectedRecords,
    ...(load.revision !== undefined ? { Revision: load.revision } : {}),
    ...(load.writeBudget !== undefined ? { WriteBudget: load.writeBudget } : {}),
    ...(load.distributed !== undefined ? { Distributed: load.distributed } : {}),
    ...(t.adoptExistingTable !== undefined ? { AdoptExistingTable: t.adoptExistingTable } : {}),
  } satisfies AsWritten<LoadResourceProps>;
  // The table itself is a dependency through the Ref in TableName; naming it in DependsOn as well
  // is redundant (cfn-lint W3005).
  const dependsOn = [...scalingPolicyIds(t), ...indexesDependency(t), ...(t.replicas.length > 0 ? [ids.replicas(t.logicalId)] : [])];
  const resource: CfnResource = {
    Type: LOAD_RESOURCE_TYPE,
    ...childAttributes(t),
    ...(dependsOn.length > 0 ? { DependsOn: dependsOn } : {}),
    Properties: properties,
  };
  return { resources: { [ids.load(t.logicalId)]: resource }, outputs: {} };
};
