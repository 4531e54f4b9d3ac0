/**
 * Custom::ArcDynamoDbLoad end to end: CloudFormation's events through the provider's protocol
 * (test/support/cfn-harness.ts: async invocations with deadlines, continuations, response PUTs)
 * into moto_server's DynamoDB and S3. Each test checks the table and that CloudFormation got
 * exactly one response.
 */
import { CreateTableCommand, DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadKeyPrefixFor, OWNER_TAG_KEY, stackNameOf } from '../../../contract/resources';
import { loadHandler } from '../../../provider/load/handler';
import type { ResourceHandler } from '../../../provider/types';
import { leakedSecrets, startCfnHarness, type CfnHarness } from '../../support/cfn-harness';
import { canonical, compress, richItems, toDynamoDbJson, type Item, PK_SK_KEY } from '../../support/load-data';
import { startMoto, type Moto } from '../../support/moto';
import { startFaultProxy, type FaultProxy } from '../../support/load-fault-proxy';
import { createBucket, ddbClient, putObject, s3Client, scanAll, unique } from './helpers';

const ITEM_CANARY = 'load-item-canary-5d1e-never-logged';
let moto: Moto;
let proxy: FaultProxy;
let cfn: CfnHarness;
let ddb: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto();
  // Waits are long (minutes): moto is slow on a busy 2-core machine, and only the order of events is asserted.
  // The time budget is forced, not hoped for: every BatchWriteItem takes at least 150 ms and each
  // invocation lives 3 s, so 6,000 items (240 batches, 8 in flight: at least 4.5 s of writes)
  // cannot finish in one invocation on any machine, however fast.
  proxy = await startFaultProxy({ target: moto.endpoint, dynamodb: { latencyMs: 150, operations: ['BatchWriteItem'] } });
  cfn = await startCfnHarness({
    endpoint: proxy.endpoint,
    stateEndpoint: moto.endpoint,
    handlers: [loadHandler as ResourceHandler<unknown>],
    invocationMs: 3000,
    safetyMarginMs: 300,
  });
  cfn.secrets.push(ITEM_CANARY);
  ddb = ddbClient(moto.endpoint);
});
afterAll(async () => {
  if (process.env.DUMP)
    console.log(
      cfn.logs
        .filter((l) => !l.includes('load progress'))
        .slice(-60)
        .join('\n'),
    );
  // Nothing from the data, no credentials and no ResponseURL query string ever reached the logs.
  expect(leakedSecrets(cfn.logs, cfn.secrets)).toEqual([]);
  ddb?.destroy();
  await cfn?.stop();
  await proxy?.stop();
  await moto?.stop();
});

async function ownedTable(stackId: string): Promise<string> {
  const name = unique('cr');
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      ...PK_SK_KEY,
      Tags: [{ Key: OWNER_TAG_KEY, Value: stackId }],
    }),
  );
  return name;
}

/** Where a stack's load objects must be (a stack loads only under its own prefix). */
const seed = (stack: string) => `${loadKeyPrefixFor(stackNameOf(stack))}seed/`;

async function stage(stack: string, items: Item[], objects: number): Promise<string> {
  const s3 = s3Client(moto.endpoint);
  const bucket = unique('cr').toLowerCase();
  await createBucket(s3, bucket);
  const per = Math.ceil(items.length / objects);
  for (let i = 0; i < objects; i++)
    await putObject(s3, bucket, `${seed(stack)}part-${i}.json.gz`, compress(toDynamoDbJson(items.slice(i * per, (i + 1) * per)), 'GZIP'));
  s3.destroy();
  return bucket;
}

/** As CloudFormation sends them: every scalar a string. */
const props = (stack: string, table: string, bucket: string, extra: Record<string, unknown> = {}) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
  ServiceTimeout: '3600',
  TableName: table,
  S3BucketSource: { Bucket: bucket, KeyPrefix: seed(stack) },
  InputFormat: 'DYNAMODB_JSON',
  InputCompressionType: 'GZIP',
  WriteMode: 'Overwrite',
  MaxRejectedRecords: '0',
  ...extra,
});

const sorted = (items: Item[]) => items.map(canonical).sort();

test('WriteBudget as CloudFormation sends it (strings): the load keeps to 300 WCU/s across invocations, and loads every item', async () => {
  const stack = cfn.stackId('loader-budget');
  const table = await ownedTable(stack);
  // ~400-byte items: 1 WCU each, 1,500 WCU in all. At 300 WCU/s that cannot take less than 4 s
  // (the first second's 300 at once, then 300 a second), however fast the machine.
  const items = richItems(1500, { seed: 35, padBytes: 200 });
  const bucket = await stage(stack, items, 2);
  const started = Date.now();
  const created = await cfn.request(
    {
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'PacedLoad',
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: props(stack, table, bucket, { WriteBudget: { MaxWriteUnitsPerSecond: '300', WriteCapacityPercent: '50' } }),
    },
    480_000,
  );
  await cfn.idle(480_000);
  expect(created.body).toMatchObject({ Status: 'SUCCESS', Data: { ItemsWritten: 1500, RecordsRejected: 0, ObjectsRead: 2 } });
  expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
  expect(cfn.responsesFor(created.requestId)).toHaveLength(1);
  // On demand without a maximum in moto: 50% of the 4,000 WCU/s default, so the absolute cap is the lower.
  expect(cfn.logs.find((l) => l.includes('"write budget"') && l.includes(table))).toMatch(/"unitsPerSecond":300/);
  expect(sorted(await scanAll(ddb, table))).toEqual(sorted(items));
}, 1_000_000);

test('Create loads across several invocations and answers SUCCESS once with the counts; an Update of WriteMode, MaxRejectedRecords and WriteBudget ' +
  'alone loads nothing; a new Revision ' +
  'loads again; Delete leaves the data', async () => {
  const stack = cfn.stackId('loader-a');
  const table = await ownedTable(stack);
  const items = richItems(6000, { seed: 31 }).map((i, n) => (n === 0 ? { ...i, secret: { S: ITEM_CANARY } } : i));
  const bucket = await stage(stack, items, 3);
  const p = props(stack, table, bucket);
  const before = cfn.invocations;

  const created = await cfn.request(
    { RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersLoad', ResourceType: 'Custom::ArcDynamoDbLoad', ResourceProperties: p },
    480_000,
  );
  await cfn.idle(480_000);
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
  const noop = await cfn.request(
    {
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersLoad',
      PhysicalResourceId: physical,
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: { ...p, WriteMode: 'PutIfAbsent', MaxRejectedRecords: '5', WriteBudget: { WriteCapacityPercent: '10' } },
      OldResourceProperties: p,
    },
    480_000,
  );
  expect(noop.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physical, Data: { ItemsWritten: 0, ItemsSkipped: 0, ObjectsRead: 0 } });
  expect((await scanAll(ddb, table)).length).toBe(5999);

  // A new Revision loads again (in the same write mode), and the deleted item is back.
  const next = { ...p, Revision: '2' };
  const reload = await cfn.request(
    {
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersLoad',
      PhysicalResourceId: physical,
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: next,
      OldResourceProperties: p,
    },
    480_000,
  );
  await cfn.idle(480_000);
  expect(reload.body).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: physical,
    Data: { ItemsWritten: 6000, ItemsSkipped: 0, RecordsRejected: 0, ObjectsRead: 3 },
  });
  expect(sorted(await scanAll(ddb, table))).toEqual(sorted(items));

  const deleted = await cfn.request({
    RequestType: 'Delete',
    StackId: stack,
    LogicalResourceId: 'OrdersLoad',
    PhysicalResourceId: physical,
    ResourceType: 'Custom::ArcDynamoDbLoad',
    ResourceProperties: next,
  });
  expect(deleted.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physical });
  expect(sorted(await scanAll(ddb, table))).toEqual(sorted(items));
}, 1_500_000);

test("a load naming another stack's table is refused and writes nothing; that stack's Delete is a no-op", async () => {
  const owner = cfn.stackId('owner-stack');
  const intruder = cfn.stackId('intruder-stack');
  const table = await ownedTable(owner);
  const bucket = await stage(owner, richItems(50, { seed: 2 }), 1);
  const r = await cfn.request({
    RequestType: 'Create',
    StackId: intruder,
    LogicalResourceId: 'EvilLoad',
    ResourceType: 'Custom::ArcDynamoDbLoad',
    ResourceProperties: props(intruder, table, bucket),
  });
  await cfn.idle();
  expect(r.body.Status).toBe('FAILED');
  expect(r.body.Reason).toContain(`Table ${table} in us-east-1 belongs to another stack`);
  expect(r.body.Reason).toContain('Nothing was changed.');
  expect(cfn.responsesFor(r.requestId)).toHaveLength(1);
  expect(await scanAll(ddb, table)).toEqual([]);

  const d = await cfn.request({
    RequestType: 'Delete',
    StackId: intruder,
    LogicalResourceId: 'EvilLoad',
    PhysicalResourceId: r.body.PhysicalResourceId,
    ResourceType: 'Custom::ArcDynamoDbLoad',
    ResourceProperties: props(intruder, table, bucket),
  });
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
  await putObject(s3, bucket, `${seed(stack)}part-0`, `${good}${bad}\n`);
  s3.destroy();
  const created = props(stack, table, bucket, { InputCompressionType: 'NONE', MaxRejectedRecords: '10' });
  const r = await cfn.request({
    RequestType: 'Create',
    StackId: stack,
    LogicalResourceId: 'BadLoad',
    ResourceType: 'Custom::ArcDynamoDbLoad',
    ResourceProperties: created,
  });
  await cfn.idle();
  const object = `s3://${bucket}/${seed(stack)}part-0`;
  expect(r.body.Status).toBe('FAILED');
  expect(r.body.Reason).toBe(
    `Load into table '${table}' failed: 11 records rejected, more than MaxRejectedRecords (10). First rejects: ` +
      [4, 5, 6, 7, 8].map((l) => `${object} line ${l}: key attribute 'sk' must be of type N, not S`).join('; ') +
      '. Before stopping: ItemsWritten 3, ItemsSkipped 0, RecordsRejected 11, ObjectsRead 0 (written items stay in the table).',
  );
  expect(r.bodyBytes).toBeLessThan(4096);
  expect((await scanAll(ddb, table)).length).toBe(3);
  // CloudFormation's rollback Delete carries the properties of the Create it undoes.
  const rollback = await cfn.request({
    RequestType: 'Delete',
    StackId: stack,
    LogicalResourceId: 'BadLoad',
    PhysicalResourceId: r.body.PhysicalResourceId,
    ResourceType: 'Custom::ArcDynamoDbLoad',
    ResourceProperties: created,
  });
  expect(rollback.body.Status).toBe('SUCCESS');
  expect((await scanAll(ddb, table)).length).toBe(3);
});

test('a property error is a FAILED response naming the property, never a stack trace', async () => {
  const stack = cfn.stackId('loader-props');
  const table = await ownedTable(stack);
  const r = await cfn.request({
    RequestType: 'Create',
    StackId: stack,
    LogicalResourceId: 'PropsLoad',
    ResourceType: 'Custom::ArcDynamoDbLoad',
    ResourceProperties: props(stack, table, 'some-bucket', { InputFormat: 'XML' }),
  });
  expect(r.body.Status).toBe('FAILED');
  expect(r.body.Reason).toContain("Property 'InputFormat' must be one of");
  expect(r.body.Reason).not.toMatch(/\n\s+at /);
});

test(
  'a rollback never writes data: after v2 (new Revision) loaded and the application changed an item, the rollback Update (properties swapped, ' +
    'stack UPDATE_ROLLBACK_IN_PROGRESS) loads nothing',
  async () => {
    const stack = cfn.stackId('loader-rollback');
    const table = await ownedTable(stack);
    const items = richItems(40, { seed: 77 });
    const bucket = await stage(stack, items, 1);
    const v1 = props(stack, table, bucket);
    const created = await cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'OrdersLoad',
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: v1,
    });
    await cfn.idle();
    expect(created.body.Status).toBe('SUCCESS');
    const physical = created.body.PhysicalResourceId;
    const v2 = { ...v1, Revision: '2' };
    const forward = await cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersLoad',
      PhysicalResourceId: physical,
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: v2,
      OldResourceProperties: v1,
    });
    await cfn.idle();
    expect(forward.body).toMatchObject({ Status: 'SUCCESS', Data: { ItemsWritten: 40 } });

    // The application moves on: it deletes one item. Then another resource of the stack fails.
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: items[3].pk, sk: items[3].sk } }));
    const rollback = await cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersLoad',
      PhysicalResourceId: physical,
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: v1,
      OldResourceProperties: v2,
      StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
    });
    await cfn.idle();
    expect(rollback.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physical, Data: { ItemsWritten: 0, ObjectsRead: 0 } });
    expect(cfn.responsesFor(rollback.requestId)).toHaveLength(1);
    expect((await scanAll(ddb, table)).length).toBe(39);
  },
);

test("stack B cannot load stack A's objects into B's own table: refused before any S3 read, nothing written", async () => {
  const a = cfn.stackId('team-a');
  const b = cfn.stackId('team-b');
  const bucket = await stage(a, richItems(20, { seed: 5 }), 1);
  const bTable = await ownedTable(b);
  const mark = cfn.awsCalls.length;
  const stolen = { ...props(b, bTable, bucket), S3BucketSource: { Bucket: bucket, KeyPrefix: seed(a) } };
  const r = await cfn.request({
    RequestType: 'Create',
    StackId: b,
    LogicalResourceId: 'Steal',
    ResourceType: 'Custom::ArcDynamoDbLoad',
    ResourceProperties: stolen,
  });
  await cfn.idle();
  expect(r.body.Status).toBe('FAILED');
  expect(r.body.Reason).toBe(
    `Load source s3://${bucket}/${seed(a)} is not this stack's: a stack loads only objects under s3://${bucket}/arc-dynamodb/team-b/. Nothing was ` +
      `read or written.`,
  );
  expect(cfn.responsesFor(r.requestId)).toHaveLength(1);
  expect(cfn.awsCalls.slice(mark).filter((c) => c.service === 's3')).toEqual([]);
  expect(await scanAll(ddb, bTable)).toEqual([]);
  // A prefix that merely starts like B's name (team-b-extra) is not B's either.
  const sibling = { ...props(b, bTable, bucket), S3BucketSource: { Bucket: bucket, KeyPrefix: 'arc-dynamodb/team-b-extra/' } };
  const r2 = await cfn.request({
    RequestType: 'Create',
    StackId: b,
    LogicalResourceId: 'Steal2',
    ResourceType: 'Custom::ArcDynamoDbLoad',
    ResourceProperties: sibling,
  });
  expect(r2.body.Status).toBe('FAILED');
  expect(cfn.awsCalls.slice(mark).filter((c) => c.service === 's3')).toEqual([]);
});
