import { loadGenerator } from '../../../macro/generators/load';
import { parseTable } from '../../../macro/model/parse';
import type { ExpandContext } from '../../../macro/generators/types';

const ctx: ExpandContext = { region: 'us-east-1', accountId: '123456789012', providerServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:p' };

function model(props: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const r = parseTable('T', { Type: 'Arc::DynamoDB::Table', Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], ...props }, ...extra }, {});
  expect(r.errors).toEqual([]);
  return r.model!;
}

const LOAD = { S3BucketSource: { Bucket: 'b' }, InputFormat: 'DYNAMODB_JSON', InputCompressionType: 'GZIP' };

test('no Load: the generator adds nothing', () => {
  expect(loadGenerator(model({}), ctx)).toEqual({ resources: {}, outputs: {} });
});

test('with replicas the load also waits for the replicas resource, and a Condition is carried', () => {
  const m = model(
    { ReplicaRegions: [{ RegionName: 'eu-west-1' }], StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES', Load: LOAD },
    { Condition: 'Prod' },
  );
  const out = loadGenerator(m, ctx);
  expect(out.resources).toEqual({
    TLoad: {
      Type: 'Custom::ArcDynamoDbLoad',
      Condition: 'Prod',
      DependsOn: ['TReplicas'],
      Properties: {
        ServiceToken: ctx.providerServiceToken,
        ServiceTimeout: 3600,
        TableName: { Ref: 'T' },
        // No KeyPrefix given: the stack's own load prefix.
        S3BucketSource: { Bucket: 'b', KeyPrefix: { 'Fn::Sub': 'arc-dynamodb/${AWS::StackName}/' } },
        InputFormat: 'DYNAMODB_JSON',
        InputCompressionType: 'GZIP',
        WriteMode: 'Overwrite',
        MaxRejectedRecords: 0,
      },
    },
  });
});

test('CSV options are passed only for CSV', () => {
  const m = model({ Load: { ...LOAD, InputFormat: 'ION', InputFormatOptions: { Csv: { Delimiter: ';' } } } });
  expect(loadGenerator(m, ctx).resources.TLoad.Properties).not.toHaveProperty('InputFormatOptions');
});
