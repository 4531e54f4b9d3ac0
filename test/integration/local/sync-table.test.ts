import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb-local';
import { applyTable, inspectTable } from '../../../local/sync-table';
import { nativeTableToApi } from '../../../local/native-to-api';

/** Native AWS::DynamoDB::Table properties, as the macro emits them. */
function orders(extra: Record<string, unknown> = {}, gsis: string[] = []) {
  return {
    TableName: 'orders',
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      ...gsis.map((g) => ({ AttributeName: `${g}Key`, AttributeType: 'S' })),
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    ...(gsis.length > 0
      ? {
          GlobalSecondaryIndexes: gsis.map((g) => ({
            IndexName: g,
            KeySchema: [{ AttributeName: `${g}Key`, KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
    ...extra,
  };
}

describe('local table sync against DynamoDB Local', () => {
  let ddb: DynamoDbLocal;
  let client: DynamoDBClient;
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
    client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    client?.destroy();
    await ddb?.stop();
  });

  /** The outcome without `live` (what DescribeTable returned, checked separately). */
  const sync = async (logicalId: string, props: unknown) => {
    const { live, ...rest } = await applyTable(client, await inspectTable(client, logicalId, nativeTableToApi(logicalId, props)));
    expect(live?.table.TableName).toBe(rest.tableName);
    return rest;
  };
  const describe_ = async (name: string) => (await client.send(new DescribeTableCommand({ TableName: name }))).Table!;

  it('creates a table with its index, stream, TTL and deletion protection, then finds nothing to do on a second run', async () => {
    const props = orders(
      {
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
        DeletionProtectionEnabled: true,
      },
      ['byStatus'],
    );
    const first = await sync('Orders', props);
    expect(first).toEqual({
      logicalId: 'Orders',
      tableName: 'orders',
      result: 'created',
      changes: ['created', 'enabled TTL on expiresAt'],
      drift: [],
      notes: [],
    });
    const t = await describe_('orders');
    expect(t.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus])).toEqual([['byStatus', 'ACTIVE']]);
    expect(t.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(t.DeletionProtectionEnabled).toBe(true);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'orders' }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });

    const second = await sync('Orders', props);
    expect(second).toEqual({ logicalId: 'Orders', tableName: 'orders', result: 'unchanged', changes: [], drift: [], notes: [] });
  });

  it('adds missing GSIs one at a time, keeps the data, and restores deletion protection that DynamoDB Local drops on UpdateTable', async () => {
    await client.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'o#1' }, sk: { N: '1' }, byEmailKey: { S: 'a@example.com' } } }));
    const props = orders(
      {
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
        DeletionProtectionEnabled: true,
      },
      ['byStatus', 'byEmail', 'byDay'],
    );
    const outcome = await sync('Orders', props);
    expect(outcome).toEqual({
      logicalId: 'Orders',
      tableName: 'orders',
      result: 'updated',
      changes: ['added index byEmail', 'added index byDay'],
      drift: [],
      notes: [],
    });
    const t = await describe_('orders');
    expect(t.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus]).sort()).toEqual([
      ['byDay', 'ACTIVE'],
      ['byEmail', 'ACTIVE'],
      ['byStatus', 'ACTIVE'],
    ]);
    expect(t.DeletionProtectionEnabled).toBe(true);
    const item = await client.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'o#1' }, sk: { N: '1' } } }));
    expect(item.Item?.byEmailKey).toEqual({ S: 'a@example.com' });
  });

  it('changes the stream view type and the TTL attribute in place, and keeps indexes the template no longer has', async () => {
    const props = orders(
      {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
        DeletionProtectionEnabled: true,
      },
      ['byStatus', 'byEmail'],
    );
    const outcome = await sync('Orders', props);
    expect(outcome.result).toBe('updated');
    expect(outcome.changes).toEqual(['stream NEW_IMAGE -> NEW_AND_OLD_IMAGES', 'TTL expiresAt -> ttl']);
    expect(outcome.drift).toEqual(['GSI byDay (byDayKey hash S) is not in the template; kept: local up never deletes an index']);
    expect((await describe_('orders')).GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(['byDay', 'byEmail', 'byStatus']);
    expect((await describe_('orders')).StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'orders' }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
  });

  it('leaves a table that exists with another key schema exactly as it is, naming both key schemas as drift', async () => {
    const before = await describe_('orders');
    const props = {
      TableName: 'orders',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    };
    const inspection = await inspectTable(client, 'Orders', nativeTableToApi('Orders', props));
    const text =
      "key schema is pk hash S, sk range N, the template wants id hash S: DynamoDB cannot change a table's keys and local up never drops " +
      'a table; delete it yourself, or give the resource another TableName';
    expect(inspection.conflict).toBe(`table 'orders' ${text}`);
    const outcome = await applyTable(client, inspection);
    expect(outcome).toMatchObject({ result: 'drifted', changes: [], drift: [text] });
    const after = await describe_('orders');
    expect(after.KeySchema).toEqual(before.KeySchema);
    expect(after.GlobalSecondaryIndexes?.length).toBe(before.GlobalSecondaryIndexes?.length);
    expect(after.StreamSpecification).toEqual(before.StreamSpecification);
    expect((await client.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'o#1' }, sk: { N: '1' } } }))).Item).toBeDefined();
  });

  it('switches billing and capacity, table and index, in place; reports a changed projection and LSIs as drift', async () => {
    const lsi = {
      IndexName: 'byDate',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'day', KeyType: 'RANGE' },
      ],
    };
    const base = (extra: Record<string, unknown>, projection: string, lsis: unknown[]) => ({
      ...orders({ TableName: 'billing', ...extra }, ['byStatus']),
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
        { AttributeName: 'byStatusKey', AttributeType: 'S' },
        { AttributeName: 'day', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [{ AttributeName: 'byStatusKey', KeyType: 'HASH' }],
          Projection: { ProjectionType: projection },
          ...(extra.BillingMode === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 } } : {}),
        },
      ],
      LocalSecondaryIndexes: lsis,
    });
    expect((await sync('Billing', base({}, 'ALL', [{ ...lsi, Projection: { ProjectionType: 'ALL' } }]))).result).toBe('created');
    await client.send(new PutItemCommand({ TableName: 'billing', Item: { pk: { S: 'kept' }, sk: { N: '1' } } }));

    const provisioned = base({ BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 6 } }, 'KEYS_ONLY', [
      { ...lsi, Projection: { ProjectionType: 'KEYS_ONLY' } },
      { ...lsi, IndexName: 'extraLsi', Projection: { ProjectionType: 'ALL' } },
    ]);
    const outcome = await sync('Billing', provisioned);
    expect(outcome.changes).toEqual(['billing on demand -> provisioned 5/6', 'index byStatus capacity 0/0 -> 3/4']);
    expect(outcome.drift).toEqual([
      'GSI byStatus: projection is ALL, the template wants KEYS_ONLY; DynamoDB cannot change an index in place and local up never ' +
        'deletes one: delete the index yourself, then run local up again',
      'LSI byDate: projection is ALL, the template wants KEYS_ONLY; DynamoDB makes LSIs only with the table, and local up never drops a table',
      'LSI extraLsi (pk hash S, day range S) is missing; DynamoDB makes LSIs only with the table, and local up never drops a table',
    ]);
    const t = await describe_('billing');
    expect([t.BillingModeSummary?.BillingMode, t.ProvisionedThroughput?.ReadCapacityUnits, t.ProvisionedThroughput?.WriteCapacityUnits]).toEqual([
      'PROVISIONED',
      5,
      6,
    ]);
    expect(t.GlobalSecondaryIndexes?.[0].ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 4 });
    expect((await client.send(new GetItemCommand({ TableName: 'billing', Key: { pk: { S: 'kept' }, sk: { N: '1' } } }))).Item).toBeDefined();

    const back = await sync('Billing', base({}, 'ALL', [{ ...lsi, Projection: { ProjectionType: 'ALL' } }]));
    expect(back.changes).toEqual(['billing provisioned 5/6 -> on demand']);
    expect(back.drift).toEqual([]);
  });

  it('says which table features DynamoDB Local cannot hold instead of failing on them', async () => {
    const props = {
      ...orders({
        TableName: 'audit',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        ContributorInsightsSpecification: { Enabled: true },
      }),
    };
    const outcome = await sync('Audit', props);
    expect(outcome.result).toBe('created');
    expect(outcome.notes).toEqual([
      'contributor insights: not supported by DynamoDB Local, skipped',
      'point-in-time recovery: not supported by DynamoDB Local, skipped',
    ]);
  });
});
