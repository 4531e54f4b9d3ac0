import { nativeTableToApi, NativeTranslationError, partitionOf, resolvePseudoParameters } from '../../../local/native-to-api';

const base = {
  TableName: 'orders',
  BillingMode: 'PROVISIONED',
  ProvisionedThroughput: { ReadCapacityUnits: '5', WriteCapacityUnits: 5 },
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gpk', AttributeType: 'S' },
    { AttributeName: 'lsk', AttributeType: 'N' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
};

describe('nativeTableToApi: native AWS::DynamoDB::Table Properties to DynamoDB API calls', () => {
  test('every property maps to CreateTable or a follow-up call', () => {
    const plan = nativeTableToApi('Orders', {
      ...base,
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-g',
          KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a', 'b'] },
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 2 },
          ContributorInsightsSpecification: { Enabled: true },
        },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: 'by-l',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'lsk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      SSESpecification: { SSEEnabled: 'true', SSEType: 'KMS', KMSMasterKeyId: 'alias/k' },
      TableClass: 'STANDARD_INFREQUENT_ACCESS',
      DeletionProtectionEnabled: true,
      Tags: [{ Key: 'team', Value: 'core' }],
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: '7' },
      ContributorInsightsSpecification: { Enabled: true, Mode: 'THROTTLED_KEYS' },
      KinesisStreamSpecification: { StreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', ApproximateCreationDateTimePrecision: 'MICROSECOND' },
      ResourcePolicy: { PolicyDocument: { Version: '2012-10-17', Statement: [] } },
      WarmThroughput: { ReadUnitsPerSecond: 12000 },
    });
    expect(plan).toEqual({
      tableName: 'orders',
      create: {
        TableName: 'orders',
        KeySchema: base.KeySchema,
        AttributeDefinitions: base.AttributeDefinitions,
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
        WarmThroughput: { ReadUnitsPerSecond: 12000 },
        TableClass: 'STANDARD_INFREQUENT_ACCESS',
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          {
            IndexName: 'by-g',
            KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a', 'b'] },
            ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 2 },
          },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'by-l',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'lsk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/k' },
        Tags: [{ Key: 'team', Value: 'core' }],
        ResourcePolicy: '{"Version":"2012-10-17","Statement":[]}',
      },
      followUps: [
        { kind: 'UpdateTimeToLive', input: { TableName: 'orders', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } } },
        { kind: 'UpdateContributorInsights', input: { TableName: 'orders', ContributorInsightsAction: 'ENABLE', ContributorInsightsMode: 'THROTTLED_KEYS' } },
        { kind: 'UpdateContributorInsights', input: { TableName: 'orders', IndexName: 'by-g', ContributorInsightsAction: 'ENABLE' } },
        {
          kind: 'UpdateContinuousBackups',
          input: { TableName: 'orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 } },
        },
        {
          kind: 'EnableKinesisStreamingDestination',
          input: {
            TableName: 'orders',
            StreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
            EnableKinesisStreamingConfiguration: { ApproximateCreationDateTimePrecision: 'MICROSECOND' },
          },
        },
      ],
    });
  });

  test('disabled TTL, PITR and insights make no follow-up calls', () => {
    const plan = nativeTableToApi('T', {
      ...base,
      TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: 'false' },
      ContributorInsightsSpecification: { Enabled: false },
    });
    expect(plan.followUps).toEqual([]);
  });

  test('ImportSourceSpecification adds an ImportTable input built from the same table', () => {
    const plan = nativeTableToApi('T', {
      TableName: 'imp',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      ImportSourceSpecification: {
        S3BucketSource: { S3Bucket: 'b', S3KeyPrefix: 'p/' },
        InputFormat: 'CSV',
        InputFormatOptions: { Csv: { Delimiter: ';', HeaderList: ['pk', 'v'] } },
        InputCompressionType: 'GZIP',
      },
    });
    expect(plan.importTable).toEqual({
      S3BucketSource: { S3Bucket: 'b', S3KeyPrefix: 'p/' },
      InputFormat: 'CSV',
      InputFormatOptions: { Csv: { Delimiter: ';', HeaderList: ['pk', 'v'] } },
      InputCompressionType: 'GZIP',
      TableCreationParameters: {
        TableName: 'imp',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    });
  });

  test('a stream resource policy becomes a follow-up that waits for the stream ARN', () => {
    const plan = nativeTableToApi('T', {
      ...base,
      StreamSpecification: { StreamViewType: 'KEYS_ONLY', ResourcePolicy: { PolicyDocument: '{"Statement":[]}' } },
    });
    expect(plan.followUps).toEqual([{ kind: 'PutStreamResourcePolicy', input: { Policy: '{"Statement":[]}' } }]);
  });

  test('a table without TableName takes the caller default', () => {
    const { TableName: _omit, ...rest } = base;
    expect(nativeTableToApi('T', rest, { defaultTableName: 'stack-T' }).create.TableName).toBe('stack-T');
  });

  describe('errors name the logical ID and the property path', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'an unresolved Fn::Sub table name',
        { TableName: { 'Fn::Sub': '${Env}-t' } },
        'Orders: Properties.TableName: is an unresolved intrinsic (Fn::Sub); only literal values can be sent to the DynamoDB API',
      ],
      [
        'a Ref capacity inside a GSI',
        {
          GlobalSecondaryIndexes: [
            {
              IndexName: 'g',
              KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
              ProvisionedThroughput: { ReadCapacityUnits: { Ref: 'R' }, WriteCapacityUnits: 1 },
            },
          ],
        },
        'Orders: Properties.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits: is an unresolved intrinsic (Ref); only literal ' +
          'values can be sent to the DynamoDB API',
      ],
      [
        'an intrinsic deep inside a policy document',
        { ResourcePolicy: { PolicyDocument: { Statement: [{ Resource: { 'Fn::GetAtt': ['X', 'Arn'] } }] } } },
        'Orders: Properties.ResourcePolicy.PolicyDocument.Statement[0].Resource: is an unresolved intrinsic (Fn::GetAtt); only literal values can ' +
          'be sent to the DynamoDB API',
      ],
      [
        'an unknown property',
        { VectorIndexes: [] },
        'Orders: Properties.VectorIndexes: is not a property this translation knows (expected one of TableName, AttributeDefinitions, KeySchema, ' +
          'BillingMode, ProvisionedThroughput, GlobalSecondaryIndexes, LocalSecondaryIndexes, StreamSpecification, SSESpecification, TableClass, ' +
          'DeletionProtectionEnabled, Tags, TimeToLiveSpecification, PointInTimeRecoverySpecification, ContributorInsightsSpecification, ' +
          'KinesisStreamSpecification, ResourcePolicy, OnDemandThroughput, WarmThroughput, ImportSourceSpecification)',
      ],
      [
        'a non-numeric capacity',
        { ProvisionedThroughput: { ReadCapacityUnits: 'five', WriteCapacityUnits: 1 } },
        'Orders: Properties.ProvisionedThroughput.ReadCapacityUnits: must be a number, got string "five"',
      ],
      [
        'a bad key type',
        { KeySchema: [{ AttributeName: 'pk', KeyType: 'PARTITION' }] },
        "Orders: Properties.KeySchema[0].KeyType: must be one of HASH, RANGE, got 'PARTITION'",
      ],
      ['a non-boolean flag', { DeletionProtectionEnabled: 'yes' }, 'Orders: Properties.DeletionProtectionEnabled: must be a boolean, got string "yes"'],
    ];
    test.each(cases)('%s', (_name, override, message) => {
      expect(() => nativeTableToApi('Orders', { ...base, ...override })).toThrow(NativeTranslationError);
      expect(() => nativeTableToApi('Orders', { ...base, ...override })).toThrow(message);
    });

    test('a missing table name without a default', () => {
      const { TableName: _omit, ...rest } = base;
      expect(() => nativeTableToApi('Orders', rest)).toThrow('Orders: Properties.TableName: is not set and no default table name was given');
    });
  });
});

describe('resolvePseudoParameters', () => {
  const ctx = { stackName: 'dev', region: 'eu-west-1', accountId: '111122223333' };

  test('substitutes pseudo-parameter Refs and Fn::Sub with them', () => {
    expect(
      resolvePseudoParameters(
        {
          a: { Ref: 'AWS::StackName' },
          b: { 'Fn::Sub': '${AWS::StackName}-${AWS::Region}-${AWS::AccountId}-${AWS::Partition}.${AWS::URLSuffix}' },
          c: { 'Fn::Sub': ['${Name}-${AWS::Region}', { Name: { Ref: 'AWS::StackName' } }] },
          d: { Ref: 'AWS::StackId' },
          e: { 'Fn::Sub': 'literal-${!NotAVar}' },
        },
        ctx,
      ),
    ).toEqual({
      a: 'dev',
      b: 'dev-eu-west-1-111122223333-aws.amazonaws.com',
      c: 'dev-eu-west-1',
      d: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/dev/00000000-0000-0000-0000-000000000000',
      e: 'literal-${NotAVar}',
    });
  });

  test('substitutes given template parameters', () => {
    expect(resolvePseudoParameters({ n: { 'Fn::Sub': '${Env}-t' }, r: { Ref: 'Env' } }, { ...ctx, parameters: { Env: 'prod' } })).toEqual({
      n: 'prod-t',
      r: 'prod',
    });
  });

  test('leaves what it cannot resolve unchanged, so the translation names it', () => {
    const value = { n: { 'Fn::Sub': '${Unknown}-t' }, g: { 'Fn::GetAtt': ['X', 'Arn'] }, r: { Ref: 'Other' } };
    expect(resolvePseudoParameters(value, ctx)).toEqual(value);
  });

  test('evaluates Fn::If from the Conditions section, with Fn::Equals/And/Or/Not/Condition', () => {
    const conditions = {
      IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
      IsDev: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      InEu: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
      DevInEu: { 'Fn::And': [{ Condition: 'IsDev' }, { Condition: 'InEu' }] },
      Either: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'Unknowable' }] },
      Unknowable: { 'Fn::Equals': [{ Ref: 'NotGiven' }, 'x'] },
    };
    const value = {
      name: { 'Fn::If': ['IsProd', 'tenants', { 'Fn::Sub': 'tenants-${Env}' }] },
      both: { 'Fn::If': ['DevInEu', 'yes', 'no'] },
      open: { 'Fn::If': ['Either', 'a', 'b'] },
    };
    expect(resolvePseudoParameters(value, { ...ctx, parameters: { Env: 'dev' }, conditions })).toEqual({
      name: 'tenants-dev',
      both: 'yes',
      open: { 'Fn::If': ['Either', 'a', 'b'] },
    });
    expect(resolvePseudoParameters(value, { ...ctx, parameters: { Env: 'prod' }, conditions })).toEqual({ name: 'tenants', both: 'no', open: 'a' });
  });

  test('Ref AWS::NoValue removes the property or the list item', () => {
    const conditions = { Off: { 'Fn::Equals': ['a', 'b'] } };
    expect(
      resolvePseudoParameters(
        { keep: 1, drop: { 'Fn::If': ['Off', 5, { Ref: 'AWS::NoValue' }] }, list: ['a', { 'Fn::If': ['Off', 'b', { Ref: 'AWS::NoValue' }] }] },
        { ...ctx, conditions },
      ),
    ).toEqual({ keep: 1, list: ['a'] });
  });

  test('Fn::Join of resolvable parts', () => {
    expect(resolvePseudoParameters({ 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'orders']] }, ctx)).toBe('dev-orders');
    expect(resolvePseudoParameters({ 'Fn::Join': ['-', [{ Ref: 'Nope' }, 'orders']] }, ctx)).toEqual({ 'Fn::Join': ['-', [{ Ref: 'Nope' }, 'orders']] });
  });

  test('a condition that refers to itself stays unresolved instead of looping', () => {
    const conditions = { Loop: { 'Fn::Not': [{ Condition: 'Loop' }] } };
    expect(resolvePseudoParameters({ 'Fn::If': ['Loop', 1, 2] }, { ...ctx, conditions })).toEqual({ 'Fn::If': ['Loop', 1, 2] });
  });

  test('partitions and URL suffixes follow the region', () => {
    expect([partitionOf('cn-north-1'), partitionOf('us-gov-west-1'), partitionOf('eu-west-1')]).toEqual(['aws-cn', 'aws-us-gov', 'aws']);
    expect(resolvePseudoParameters({ Ref: 'AWS::URLSuffix' }, { ...ctx, region: 'cn-north-1' })).toBe('amazonaws.com.cn');
  });
});
