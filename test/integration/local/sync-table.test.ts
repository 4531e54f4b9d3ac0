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

  const sync = async (logicalId: string, props: unknown) => applyTable(client, await inspectTable(client, logicalId, nativeTableToApi(logicalId, props)));
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
    expect(first).toEqual({ logicalId: 'Orders', tableName: 'orders', result: 'created', changes: ['created', 'enabled TTL on expiresAt'], notes: [] });
    const t = await describe_('orders');
    expect(t.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus])).toEqual([['byStatus', 'ACTIVE']]);
    expect(t.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(t.DeletionProtectionEnabled).toBe(true);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'orders' }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });

    const second = await sync('Orders', props);
    expect(second).toEqual({ logicalId: 'Orders', tableName: 'orders', result: 'unchanged', changes: [], notes: [] });
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
    expect(outcome).toEqual({ logicalId: 'Orders', tableName: 'orders', result: 'updated', changes: ['added index byEmail', 'added index byDay'], notes: [] });
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
    expect(outcome.changes).toEqual(['enabled stream NEW_AND_OLD_IMAGES', 'enabled TTL on ttl']);
    expect(outcome.notes).toEqual(['index byDay is not in the template; kept (local up never deletes)']);
    expect((await describe_('orders')).StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'orders' }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
  });

  it('refuses a table that exists with another key schema, with a message naming both, and changes nothing', async () => {
    const before = await describe_('orders');
    const props = {
      TableName: 'orders',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    };
    const inspection = await inspectTable(client, 'Orders', nativeTableToApi('Orders', props));
    const message =
      "Orders: table 'orders' already exists with key schema pk (HASH, S), sk (RANGE, N), but the template wants id (HASH, S). " +
      'arc-dynamodb never drops a table: delete it yourself, or give the resource another TableName.';
    expect(inspection.conflict).toBe(message);
    await expect(applyTable(client, inspection)).rejects.toThrow(message);
    const after = await describe_('orders');
    expect(after.KeySchema).toEqual(before.KeySchema);
    expect(after.GlobalSecondaryIndexes?.length).toBe(before.GlobalSecondaryIndexes?.length);
    expect((await client.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'o#1' }, sk: { N: '1' } } }))).Item).toBeDefined();
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
