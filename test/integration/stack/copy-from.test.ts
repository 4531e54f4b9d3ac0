/**
 * CopyFrom in the stack engine: a new table made as a copy of another at a point in time, by the
 * provider's export (Custom::ArcDynamoDbExport, ExportTableToPointInTime) and CloudFormation's
 * ImportTable from it (the table's ImportSourceSpecification). The replica simulator makes the
 * export as DynamoDB lays it out (replica-simulator/exports.ts, E1-E6) in moto's S3; moto imports it.
 *
 * Time is the engine's: a ServiceTimeout second is SCALE_MS, and an export stays IN_PROGRESS only
 * while a test holds it, whatever the machine's speed.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { LOCAL_CREDENTIALS } from '../../support/moto';
import { startStackEngine, type StackEngine } from '../../support/stack-engine';
import { HOME, unique } from './arc';

const SCALE_MS = 2;
let engine: StackEngine;
let s3: S3Client;
let ddb: DynamoDBClient;
const BUCKET = `copies-${process.pid}`;
const saved = process.env.ARC_DYNAMODB_BACKGROUND_AFTER_MS;

beforeAll(async () => {
  // The provider's five minutes of short work, on the engine's scale.
  process.env.ARC_DYNAMODB_BACKGROUND_AFTER_MS = String(300 * SCALE_MS);
  engine = await startStackEngine({ serviceTimeoutScaleMs: SCALE_MS });
  s3 = new S3Client({ region: HOME, endpoint: engine.moto.endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  ddb = engine.sim.direct(HOME);
}, 120_000);

afterAll(async () => {
  await engine?.stop();
  if (saved === undefined) delete process.env.ARC_DYNAMODB_BACKGROUND_AFTER_MS;
  else process.env.ARC_DYNAMODB_BACKGROUND_AFTER_MS = saved;
});

const holds: (() => void)[] = [];
afterEach(() => {
  for (const release of holds.splice(0)) release();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A source table in moto, with items and (unless told otherwise) PITR. */
async function source(name: string, items: number, opts: { pitr?: boolean; rangeKey?: boolean } = {}): Promise<string> {
  const t = await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(opts.rangeKey ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(opts.rangeKey ? [{ AttributeName: 'sk', AttributeType: 'N' as const }] : [])],
    }),
  );
  for (let i = 0; i < items; i++) {
    const item: Record<string, AttributeValue> = {
      pk: { S: `order-${i}` },
      total: { N: String(i * 3) },
      tags: { SS: ['a', `t${i}`] },
      lines: { L: [{ M: { sku: { S: `sku-${i}` }, qty: { N: '2' } } }] },
      paid: { BOOL: i % 2 === 0 },
    };
    if (opts.rangeKey) item.sk = { N: '1' };
    await ddb.send(new PutItemCommand({ TableName: name, Item: item }));
  }
  if (opts.pitr !== false)
    await ddb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  return t.TableDescription?.TableArn as string;
}

async function scan(name: string): Promise<Record<string, AttributeValue>[]> {
  const out: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out.sort((a, b) => String(a.pk.S).localeCompare(String(b.pk.S)));
}

function arc(name: string, copyFrom: Record<string, unknown>, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Transform: 'ArcDynamoDb',
    Resources: {
      Copy: {
        Type: 'Arc::DynamoDB::Table',
        DeletionPolicy: 'Delete',
        Properties: {
          TableName: name,
          HashKey: 'pk',
          Attributes: [{ Name: 'pk', Type: 'S' }],
          Monitoring: { Enabled: false },
          CopyFrom: { S3Bucket: BUCKET, ...copyFrom },
          ...over,
        },
      },
    },
  };
}

const exportsOf = (tableArn: string) => engine.sim.exports.filter((e) => e.tableArn === tableArn);

it('creates the table as a copy of the source, item for item, and a changed CopyFrom later changes nothing', async () => {
  const src = unique('copy-src');
  const arn = await source(src, 40);
  const stack = unique('copy');
  const name = unique('copy');
  const r1 = await engine.deploy(stack, engine.expand(arc(name, { SourceTableArn: arn, S3Prefix: 'staging' })));
  expect(r1.status).toBe('CREATE_COMPLETE');
  const copied = await scan(name);
  expect(copied).toHaveLength(40);
  expect(copied).toEqual(await scan(src));
  // One export, laid out as DynamoDB does, under the stack's own prefix; the table read only its data folder.
  const [made] = exportsOf(arn);
  expect(exportsOf(arn)).toHaveLength(1);
  expect(made.prefix).toBe(`arc-dynamodb/${stack}/staging`);
  const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: made.prefix }))).Contents ?? []).map((o) => o.Key as string);
  expect(keys.filter((k) => !k.includes('/data/')).sort()).toEqual(
    ['_started', 'manifest-files.checksum', 'manifest-files.json', 'manifest-summary.checksum', 'manifest-summary.json'].map(
      (f) => `${made.prefix}/AWSDynamoDB/${made.id}/${f}`,
    ),
  );
  const dataKey = keys.find((k) => k.includes('/data/')) as string;
  const lines = gunzipSync(Buffer.from(await ((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: dataKey }))).Body?.transformToByteArray() ?? [])))
    .toString('utf8')
    .trim()
    .split('\n');
  expect(lines).toHaveLength(40);
  const importSpec = engine.stack(stack)?.resources.get('Copy');
  expect(importSpec?.physicalId).toBe(name);

  // The copy now lives its own life; then CopyFrom changes (another time, prefix and source).
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'written-after-the-copy' } } }));
  const other = await source(unique('copy-src2'), 3);
  const r2 = await engine.deploy(
    stack,
    engine.expand(arc(name, { SourceTableArn: other, S3Prefix: 'elsewhere', ExportTime: new Date(Date.now() - 1000).toISOString() })),
  );
  expect(r2.status).toBe('UPDATE_COMPLETE');
  // Not replaced, nothing exported, its data as it was.
  expect(r2.events.some((e) => e.logicalId === 'Copy' && e.status === 'UPDATE_IN_PROGRESS')).toBe(false);
  expect(exportsOf(other)).toHaveLength(0);
  expect(exportsOf(arn)).toHaveLength(1);
  expect(await scan(name)).toHaveLength(41);
  const update = engine.requests.find((x) => x.stackId === r2.stackId && x.logicalId === 'CopyExport' && x.requestType === 'Update');
  expect(engine.responsesFor(update?.requestId as string)[0]?.body.Reason).toMatch(/CopyFrom applies when the table is created/);
}, 240_000);

it('refuses, before any export, a source without PITR, a source with another key, and a time outside the window', async () => {
  const noPitr = await source(unique('copy-nopitr'), 2, { pitr: false });
  const ranged = await source(unique('copy-ranged'), 2, { rangeKey: true });
  const fine = await source(unique('copy-fine'), 2);
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['nopitr', { SourceTableArn: noPitr }, /has no point-in-time recovery, which an export needs/],
    ['key', { SourceTableArn: ranged }, /the source table's key \(pk HASH S, sk RANGE N\) is not the new table's \(pk HASH S\)/],
    ['early', { SourceTableArn: fine, ExportTime: '2020-01-01T00:00:00Z' }, /ExportTime 2020-01-01T00:00:00Z is outside the source's point-in-time window/],
    ['account', { SourceTableArn: fine.replace(/:\d{12}:/, ':210987654321:') }, /in another account than the stack/],
  ];
  for (const [label, copyFrom, reason] of cases) {
    const stack = unique(`copy-refused-${label}`);
    const name = unique(`copy-refused-${label}`);
    const r = await engine.deploy(stack, engine.expand(arc(name, copyFrom)));
    expect(r.status).toBe('ROLLBACK_COMPLETE');
    expect(r.events.find((e) => e.logicalId === 'CopyExport' && e.status === 'CREATE_FAILED')?.reason).toMatch(reason);
    // The table was never started.
    await expect(ddb.send(new DescribeTableCommand({ TableName: name }))).rejects.toThrow(/not found/i);
  }
  expect([noPitr, ranged, fine].flatMap(exportsOf)).toEqual([]);
}, 240_000);

it('an export longer than the short budget answers early, and the table waits for its WaitCondition', async () => {
  const arn = await source(unique('copy-long-src'), 12);
  const stack = unique('copy-long');
  const name = unique('copy-long');
  const template = engine.expand(arc(name, { SourceTableArn: arn }, { LongOperationTimeoutInMinutes: 240 }));
  const wait = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::CloudFormation::WaitCondition' && r.DependsOn === 'CopyExport')?.[0];
  expect(template.Resources.Copy.DependsOn).toBe(wait);
  const release = engine.sim.holdExports();
  holds.push(release);
  const run = engine.deploy(stack, template);
  let answeredAt: number | undefined;
  for (let i = 0; i < 2000 && answeredAt === undefined; i++) {
    const req = engine.requests.find((x) => x.logicalId === 'CopyExport' && x.requestType === 'Create' && x.stackId === engine.stack(stack)?.stackId);
    answeredAt = req && engine.responsesFor(req.requestId).find((x) => x.body.Status === 'SUCCESS')?.receivedAt;
    if (answeredAt === undefined) await sleep(50);
  }
  expect(answeredAt).toBeDefined();
  // Answered, the export still running: the table has not been started.
  expect(exportsOf(arn).map((e) => e.status)).toEqual(['IN_PROGRESS']);
  await expect(ddb.send(new DescribeTableCommand({ TableName: name }))).rejects.toThrow(/not found/i);
  release();
  const r = await run;
  expect(r.status).toBe('CREATE_COMPLETE');
  expect(await scan(name)).toEqual(await scan(arn.split(':table/')[1]));
  expect(engine.signals.filter((s) => s.stackId === r.stackId).map((s) => (s.body as { Status?: string }).Status)).toEqual(['SUCCESS']);
}, 240_000);

it("a rollback of the create deletes the new table and keeps the export's objects and the source", async () => {
  const src = unique('copy-rb-src');
  const arn = await source(src, 5);
  const stack = unique('copy-rb');
  const name = unique('copy-rb');
  // With monitoring on, the alarms come after the table (they name it): fail one, once the copy is made.
  const template = engine.expand(arc(name, { SourceTableArn: arn }, { Monitoring: { Enabled: true } }));
  const alarm = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::CloudWatch::Alarm') as string;
  const r = await engine.deploy(stack, template, { failResource: alarm });
  expect(r.status).toBe('ROLLBACK_COMPLETE');
  expect(r.events.some((e) => e.logicalId === 'Copy' && e.status === 'CREATE_COMPLETE')).toBe(true);
  expect(r.events.some((e) => e.logicalId === 'Copy' && e.status === 'DELETE_COMPLETE')).toBe(true);
  await expect(ddb.send(new DescribeTableCommand({ TableName: name }))).rejects.toThrow(/not found/i);
  const [made] = exportsOf(arn);
  const kept = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: made.prefix }))).Contents ?? [];
  expect(kept.some((o) => String(o.Key).endsWith('manifest-summary.json'))).toBe(true);
  expect(await scan(src)).toHaveLength(5);
}, 240_000);

// Review finding: CopyFrom added to a table the stack already has. The export resource is new, so
// it gets a Create and exported the source; then the table gained an ImportSourceSpecification,
// which "requires Replacement" (AWS::DynamoDB::Table ImportSourceSpecification,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-importsourcespecification.html):
// a named table failed the update only after a whole export of the source; an unnamed one was
// silently replaced by a new table and the one holding the data left behind (or deleted, with
// UpdateReplacePolicy Delete). The Create must refuse before anything is exported.
it('CopyFrom added to a table the stack already has is refused before any export, and the table is left as it was', async () => {
  const arn = await source(unique('copy-late-src'), 3);
  for (const named of [true, false]) {
    const stack = unique(`copy-late-${named ? 'named' : 'unnamed'}`);
    const name = unique('copy-late');
    const withCopy = arc(name, { SourceTableArn: arn }) as { Resources: { Copy: { UpdateReplacePolicy?: string; Properties: Record<string, unknown> } } };
    withCopy.Resources.Copy.UpdateReplacePolicy = 'Delete';
    if (!named) delete withCopy.Resources.Copy.Properties.TableName;
    const plain = structuredClone(withCopy);
    delete plain.Resources.Copy.Properties.CopyFrom;
    const r1 = await engine.deploy(stack, engine.expand(plain));
    expect(r1.status).toBe('CREATE_COMPLETE');
    const table = engine.stack(stack)?.resources.get('Copy')?.physicalId as string;
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'the-only-copy-of-this' } } }));
    const r2 = await engine.deploy(stack, engine.expand(withCopy));
    expect(r2.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(r2.events.find((e) => e.logicalId === 'CopyExport' && e.status === 'CREATE_FAILED')?.reason).toMatch(
      /already has Copy .*only when the table is created.*would replace it/,
    );
    expect(r2.events.some((e) => e.logicalId === 'Copy' && e.status.startsWith('UPDATE'))).toBe(false);
    expect(engine.stack(stack)?.resources.get('Copy')?.physicalId).toBe(table);
    expect(await scan(table)).toEqual([{ pk: { S: 'the-only-copy-of-this' } }]);
  }
  expect(exportsOf(arn)).toEqual([]);
}, 240_000);
