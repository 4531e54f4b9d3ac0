import { assertParametersSet, LocalInputError, planLocal } from '../../../local/plan';

const ctx = (parameters: Record<string, unknown>) => ({ stackName: 'shop', region: 'eu-west-1', accountId: '123456789012', parameters });
const table = (extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    ...extra,
  },
});

describe('local plan: from an expanded template to what local up does', () => {
  const template = {
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }, NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] } },
    Resources: {
      Orders: table({
        TableName: { 'Fn::Sub': 'orders-${Env}-${AWS::Region}' },
        StreamSpecification: { 'Fn::If': ['IsProd', { StreamViewType: 'NEW_IMAGE' }, { Ref: 'AWS::NoValue' }] },
      }),
      Audit: { ...table(), Condition: 'IsProd' },
      Scratch: { ...table(), Condition: 'NotProd' },
      Queue: { Type: 'AWS::SQS::Queue' },
    },
  };

  it('settles Fn::If, AWS::NoValue, Fn::Sub and conditions from the parameters, and names tables without TableName <stack>-<logicalId>', () => {
    const dev = planLocal(template, ctx({ Env: 'dev' }));
    expect(dev.map((i) => [i.logicalId, i.kind, i.kind === 'table' ? i.plan.tableName : i.reason])).toEqual([
      ['Orders', 'table', 'orders-dev-eu-west-1'],
      ['Audit', 'skipped', 'condition IsProd is false'],
      ['Scratch', 'table', 'shop-Scratch'],
      ['Queue', 'skipped', 'not a DynamoDB table: not created locally'],
    ]);
    const orders = dev[0];
    expect(orders.kind === 'table' && orders.plan.create.StreamSpecification).toBeUndefined();

    const prod = planLocal(template, ctx({ Env: 'prod' }));
    expect(prod.map((i) => [i.logicalId, i.kind])).toEqual([
      ['Orders', 'table'],
      ['Audit', 'table'],
      ['Scratch', 'skipped'],
      ['Queue', 'skipped'],
    ]);
    const p = prod[0];
    expect(p.kind === 'table' && p.plan.create.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  });

  it('names an undefined condition and a condition it cannot evaluate', () => {
    expect(() => planLocal({ Resources: { T: { ...table(), Condition: 'Missing' } } }, ctx({}))).toThrow(
      new LocalInputError("Resources.T.Condition: condition 'Missing' is not defined in Conditions"),
    );
    expect(() =>
      planLocal({ Conditions: { C: { 'Fn::Equals': [{ 'Fn::ImportValue': 'x' }, 'y'] } }, Resources: { T: { ...table(), Condition: 'C' } } }, ctx({})),
    ).toThrow(new LocalInputError('Conditions.C[0]: Fn::ImportValue is not evaluated here: it decides whether a resource exists, so it must be known locally'));
  });

  it('passes an unresolvable table property on to the native translation, which names the resource and path', () => {
    expect(() => planLocal({ Resources: { T: table({ TableName: { 'Fn::ImportValue': 'shared-name' } }) } }, ctx({}))).toThrow(
      'T: Properties.TableName: is an unresolved intrinsic (Fn::ImportValue); only literal values can be sent to the DynamoDB API',
    );
  });

  it('leaves out, one note each, values that cannot be known locally and do not decide the shape', () => {
    const [item] = planLocal(
      {
        Resources: {
          T: table({
            TableName: 'sse',
            SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
            Tags: [
              { Key: 'team', Value: 'a' },
              { Key: 'topic', Value: { Ref: 'Topic' } },
            ],
            KinesisStreamSpecification: { StreamArn: { 'Fn::GetAtt': ['Stream', 'Arn'] } },
            ImportSourceSpecification: {
              InputFormat: 'CSV',
              InputFormatOptions: { Csv: { Delimiter: ';' } },
              S3BucketSource: { S3Bucket: { Ref: 'Bucket' } },
            },
          }),
        },
      },
      ctx({}),
    );
    expect(item.kind === 'table' && item.notes).toEqual([
      'SSESpecification.KMSMasterKeyId is !GetAtt Key.Arn, unknown locally: left out (DynamoDB Local does not encrypt)',
      'Tags[1] (topic) is !Ref Topic, unknown locally: left out (DynamoDB Local has no tags)',
      'KinesisStreamSpecification is !GetAtt Stream.Arn, unknown locally: left out (DynamoDB Local has no Kinesis destinations)',
      'ImportSourceSpecification.S3BucketSource.S3Bucket is !Ref Bucket, unknown locally: left out (DynamoDB Local cannot import)',
    ]);
    if (item.kind !== 'table') throw new Error('not a table');
    expect(item.plan.create.SSESpecification).toEqual({ Enabled: true, SSEType: 'KMS' });
    expect(item.plan.create.Tags).toEqual([{ Key: 'team', Value: 'a' }]);
    expect(item.plan.importTable?.InputFormatOptions).toEqual({ Csv: { Delimiter: ';' } });
    expect(item.plan.followUps).toEqual([]);
  });

  it('still requires what decides the table: keys, attributes, indexes and billing', () => {
    expect(() => planLocal({ Resources: { T: table({ BillingMode: { Ref: 'Mode' } }) } }, ctx({}))).toThrow(
      "T: Properties.BillingMode: is an unresolved intrinsic (Ref); only literal values can be sent to the DynamoDB API; it decides the table's " +
        'name or shape (keys, attributes, indexes, billing), so it must be known locally',
    );
  });

  it('requires a value for every declared parameter', () => {
    expect(() => assertParametersSet({ Parameters: { A: {}, B: {} } }, { A: 'x' })).toThrow(
      new LocalInputError('Parameters: B has no Default: pass --param B=VALUE'),
    );
    expect(() => assertParametersSet({ Parameters: { A: {} } }, { A: 'x' })).not.toThrow();
  });
});

// Review finding (CopyFrom): the export resource was listed as "not a DynamoDB table: not created
// locally", which says nothing of the copy the table then lacks; a Load says where its data went.
describe('local plan: a CopyFrom table', () => {
  it('creates the table empty and says that the copy runs in AWS only, and how to fill the table instead', () => {
    const items = planLocal(
      {
        Resources: {
          Copy: table({
            ImportSourceSpecification: {
              S3BucketSource: {
                S3Bucket: { 'Fn::GetAtt': ['CopyExport', 'S3Bucket'] },
                S3BucketOwner: { 'Fn::GetAtt': ['CopyExport', 'S3BucketOwner'] },
                S3KeyPrefix: { 'Fn::GetAtt': ['CopyExport', 'S3KeyPrefix'] },
              },
              InputFormat: 'DYNAMODB_JSON',
              InputCompressionType: 'GZIP',
            },
          }),
          CopyExport: { Type: 'Custom::ArcDynamoDbExport', Properties: { SourceTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders' } },
        },
      },
      ctx({}),
    );
    expect(items.map((i) => [i.logicalId, i.kind])).toEqual([
      ['Copy', 'table'],
      ['CopyExport', 'skipped'],
    ]);
    const skipped = items[1];
    expect(skipped.kind === 'skipped' && skipped.reason).toMatch(/CopyFrom.*runs in AWS only.*empty.*--seed/);
  });
});
