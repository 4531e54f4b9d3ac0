/**
 * Custom::ArcDynamoDbLoad end to end: CloudFormation's events through the provider's protocol
 * (test/support/cfn-harness.ts: async invocations with deadlines, continuations, response PUTs)
 * into moto_server's DynamoDB and S3. Each test checks the table and that CloudFormation got
 * exactly one response.
 */
import { CreateTableCommand, DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OWNER_TAG_KEY } from '../../../common/contract';
import { loadHandler } from '../../../provider/load/handler';
import type { ResourceHandler } from '../../../provider/types';
import { leakedSecrets, startCfnHarness, type CfnHarness } from '../../support/cfn-harness';
import { canonical, compress, richItems, toDynamoDbJson, type Item } from '../../support/load-data';
import { startMoto, type Moto } from '../../support/moto';
import { createBucket, ddbClient, putObject, s3Client, scanAll, unique } from './helpers';

const ITEM_CANARY = 'load-item-canary-5d1e-never-logged';
let moto: Moto;
let cfn: CfnHarness;
let ddb: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto();
  // Short invocations (3 s) so a few thousand items take several, joined by continuations.
  cfn = await startCfnHarness({ endpoint: moto.endpoint, handlers: [loadHandler as ResourceHandler<unknown>], invocationMs: 3000, safetyMarginMs: 300 });
  cfn.secrets.push(ITEM_CANARY);
  ddb = ddbClient(moto.endpoint);
});
afterAll(async () => {
  if (process.env.DUMP) console.log(cfn.logs.filter((l) => !l.includes('load progress')).slice(-60).join('\n'));
  // Nothing from the data, no credentials and no ResponseURL query string ever reached the logs.
  expect(leakedSecrets(cfn.logs, cfn.secrets)).toEqual([]);
  ddb?.destroy();
  await cfn?.stop();
  await moto?.stop();
});

async function ownedTable(stackId: string): Promise<string> {
  const name = unique('cr');
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      Tags: [{ Key: OWNER_TAG_KEY, Value: stackId }],
    }),
  );
  return name;
}

async function stage(items: Item[], objects: number): Promise<string> {
  const s3 = s3Client(moto.endpoint);
  const bucket = unique('cr').toLowerCase();
  await createBucket(s3, bucket);
  const per = Math.ceil(items.length / objects);
  for (let i = 0; i < objects; i++) await putObject(s3, bucket, `seed/part-${i}.json.gz`, compress(toDynamoDbJson(items.slice(i * per, (i + 1) * per)), 'GZIP'));
  s3.destroy();
  return bucket;
}

/** As CloudFormation sends them: every scalar a string. */
const props = (table: string, bucket: string, extra: Record<string, unknown> = {}) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
  ServiceTimeout: '3600',
  TableName: table,
  S3BucketSource: { Bucket: bucket, KeyPrefix: 'seed/' },
  InputFormat: 'DYNAMODB_JSON',
  InputCompressionType: 'GZIP',
  WriteMode: 'Overwrite',
  MaxRejectedRecords: '0',
  ...extra,
});

const sorted = (items: Item[]) => items.map(canonical).sort();

test('Create loads across several invocations and answers SUCCESS once with the counts; an Update of WriteMode alone loads nothing; a new Revision loads again; Delete leaves the data', async () => {
  const stack = cfn.stackId('loader-a');
  const table = await ownedTable(stack);
  const items = richItems(6000, { seed: 31 }).map((i, n) => (n === 0 ? { ...i, secret: { S: ITEM_CANARY } } : i));
  const bucket = await stage(items, 3);
  const p = props(table, bucket);
  const before = cfn.invocations;

  const created = await cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersLoad', ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: p }, 180000);
  await cfn.idle(180000);
  expect(created.body).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: `arc-dynamodb-load:${table}:OrdersLoad`,
    Data: { ItemsWritten: 6000, ItemsSkipped: 0, RecordsRejected: 0, ObjectsRead: 3, BytesRead: Buffer.byteLength(toDynamoDbJson(items)) },
  });
  expect(typeof created.body.Data?.Seconds).toBe('number');
  expect(cfn.responsesFor(created.requestId)).toHaveLength(1);
  expect(cfn.invocations - before).toBeGreaterThan(1); // it really continued in new invocations
  expect(sorted(await scanAll(ddb, table))).toEqual(sorted(items));

  // An Update that changes neither the source nor the Revision loads nothing: a deleted item stays deleted.
  await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: items[5].pk, sk: items[5].sk } }));
  const physical = created.body.PhysicalResourceId;
  const noop = await cfn.request({ RequestType: 'Update', StackId: stack, LogicalResourceId: 'OrdersLoad', PhysicalResourceId: physical, ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: { ...p, WriteMode: 'PutIfAbsent', MaxRejectedRecords: '5' }, OldResourceProperties: p }, 180000);
  expect(noop.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physical, Data: { ItemsWritten: 0, ItemsSkipped: 0, ObjectsRead: 0 } });
  expect((await scanAll(ddb, table)).length).toBe(5999);

  // A new Revision loads again (in the same write mode), and the deleted item is back.
  const next = { ...p, Revision: '2' };
  const reload = await cfn.request({ RequestType: 'Update', StackId: stack, LogicalResourceId: 'OrdersLoad', PhysicalResourceId: physical, ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: next, OldResourceProperties: p }, 180000);
  await cfn.idle(180000);
  expect(reload.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physical, Data: { ItemsWritten: 6000, ItemsSkipped: 0, RecordsRejected: 0, ObjectsRead: 3 } });
  expect(sorted(await scanAll(ddb, table))).toEqual(sorted(items));

  const deleted = await cfn.request({ RequestType: 'Delete', StackId: stack, LogicalResourceId: 'OrdersLoad', PhysicalResourceId: physical, ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: next });
  expect(deleted.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physical });
  expect(sorted(await scanAll(ddb, table))).toEqual(sorted(items));
}, 600000);

test("a load naming another stack's table is refused and writes nothing; that stack's Delete is a no-op", async () => {
  const owner = cfn.stackId('owner-stack');
  const intruder = cfn.stackId('intruder-stack');
  const table = await ownedTable(owner);
  const bucket = await stage(richItems(50, { seed: 2 }), 1);
  const r = await cfn.request({ RequestType: 'Create', StackId: intruder, LogicalResourceId: 'EvilLoad', ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: props(table, bucket) });
  await cfn.idle();
  expect(r.body.Status).toBe('FAILED');
  expect(r.body.Reason).toContain(`Table ${table} in us-east-1 belongs to another stack`);
  expect(r.body.Reason).toContain('Nothing was changed.');
  expect(cfn.responsesFor(r.requestId)).toHaveLength(1);
  expect(await scanAll(ddb, table)).toEqual([]);

  const d = await cfn.request({ RequestType: 'Delete', StackId: intruder, LogicalResourceId: 'EvilLoad', PhysicalResourceId: r.body.PhysicalResourceId, ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: props(table, bucket) });
  expect(d.body.Status).toBe('SUCCESS');
  expect(await scanAll(ddb, table)).toEqual([]);
});

test('too many bad records: FAILED quoting the first rejects within 4 KB, counts of what was written, and the rollback Delete succeeds', async () => {
  const stack = cfn.stackId('loader-bad');
  const table = await ownedTable(stack);
  const s3 = s3Client(moto.endpoint);
  const bucket = unique('cr').toLowerCase();
  await createBucket(s3, bucket);
  const good = toDynamoDbJson(richItems(3, { seed: 9 }));
  const bad = Array.from({ length: 40 }, (_, i) => `{"Item": {"pk": {"S": "bad-${i}-${'x'.repeat(400)}"}, "sk": {"S": "not a number"}}}`).join('\n');
  await putObject(s3, bucket, 'seed/part-0', `${good}${bad}\n`);
  s3.destroy();
  const r = await cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'BadLoad', ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: props(table, bucket, { InputCompressionType: 'NONE', MaxRejectedRecords: '10' }) });
  await cfn.idle();
  const object = `s3://${bucket}/seed/part-0`;
  expect(r.body.Status).toBe('FAILED');
  expect(r.body.Reason).toBe(
    `Load into table '${table}' failed: 11 records rejected, more than MaxRejectedRecords (10). First rejects: ` +
      [4, 5, 6, 7, 8].map((l) => `${object} line ${l}: key attribute 'sk' must be of type N, not S`).join('; ') +
      '. Before stopping: ItemsWritten 3, ItemsSkipped 0, RecordsRejected 11, ObjectsRead 0 (written items stay in the table).',
  );
  expect(r.bodyBytes).toBeLessThan(4096);
  expect((await scanAll(ddb, table)).length).toBe(3);
  const rollback = await cfn.request({ RequestType: 'Delete', StackId: stack, LogicalResourceId: 'BadLoad', PhysicalResourceId: r.body.PhysicalResourceId, ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: props(table, bucket) });
  expect(rollback.body.Status).toBe('SUCCESS');
  expect((await scanAll(ddb, table)).length).toBe(3);
});

test('a property error is a FAILED response naming the property, never a stack trace', async () => {
  const stack = cfn.stackId('loader-props');
  const table = await ownedTable(stack);
  const r = await cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'PropsLoad', ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: props(table, 'some-bucket', { InputFormat: 'XML' }) });
  expect(r.body.Status).toBe('FAILED');
  expect(r.body.Reason).toContain("Property 'InputFormat' must be one of");
  expect(r.body.Reason).not.toMatch(/\n\s+at /);
});
