/**
 * The replica simulator's table exports (replica-simulator/exports.ts, rules E1-E6, each with its
 * AWS source there), through the proxy against moto_server, as a client sees them with the SDK.
 */
import {
  CreateTableCommand,
  DescribeExportCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { LOCAL_CREDENTIALS, startMoto, type Moto } from '../../support/moto';
import { startReplicaSimulator, type ReplicaSimulator } from '../../support/replica-simulator';

const HOME = 'us-east-1';
let moto: Moto;
let sim: ReplicaSimulator;
let ddb: DynamoDBClient;
let s3: S3Client;
let n = 0;

beforeAll(async () => {
  moto = await startMoto();
  sim = await startReplicaSimulator(moto);
  ddb = new DynamoDBClient({ region: HOME, endpoint: sim.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  s3 = new S3Client({ region: HOME, endpoint: moto.endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'exports' }));
}, 60_000);
afterAll(async () => {
  await sim?.stop();
  await moto?.stop();
});

async function table(items: number, pitr = true): Promise<string> {
  const name = `src-${++n}`;
  const t = await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
  for (let i = 0; i < items; i++) await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: `k${i}` }, n: { N: String(i) } } }));
  if (pitr) await ddb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  return t.TableDescription?.TableArn as string;
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: Error) => `${e.name}: ${e.message}`,
  );

it('E1: refuses a table without PITR', async () => {
  const arn = await table(1, false);
  expect(await refusal(ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'exports' })))).toMatch(
    /^PointInTimeRecoveryUnavailableException: Point in time recovery is not enabled/,
  );
});

it('E2: refuses an ExportTime before the window or in the future', async () => {
  const arn = await table(1);
  for (const at of [new Date('2020-01-01T00:00:00Z'), new Date(Date.now() + 3600_000)])
    expect(await refusal(ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'exports', ExportTime: at })))).toMatch(
      /^InvalidExportTimeException/,
    );
  expect(sim.exports.filter((e) => e.tableArn === arn)).toEqual([]);
});

it('E3: the same ClientToken is the same export; with other parameters, a conflict', async () => {
  const arn = await table(2);
  const a = await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'exports', S3Prefix: 'p', ClientToken: 'tok-1' }));
  const b = await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'exports', S3Prefix: 'p', ClientToken: 'tok-1' }));
  expect(b.ExportDescription?.ExportArn).toBe(a.ExportDescription?.ExportArn);
  expect(await refusal(ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'exports', S3Prefix: 'q', ClientToken: 'tok-1' })))).toMatch(
    /^ExportConflictException/,
  );
  expect(sim.exports.filter((e) => e.tableArn === arn)).toHaveLength(1);
});

it('E4: the ARN, the folders, the manifests and the data lines are laid out as DynamoDB documents them; held exports stay IN_PROGRESS', async () => {
  const arn = await table(7);
  const release = sim.holdExports();
  const started = await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'exports', S3Prefix: 'team/copy' }));
  const exportArn = started.ExportDescription?.ExportArn as string;
  expect(exportArn).toMatch(new RegExp(`^${arn}/export/\\d{14}-[0-9a-f]{8}$`));
  expect((await ddb.send(new DescribeExportCommand({ ExportArn: exportArn }))).ExportDescription?.ExportStatus).toBe('IN_PROGRESS');
  release();
  const done = (await ddb.send(new DescribeExportCommand({ ExportArn: exportArn }))).ExportDescription;
  const id = exportArn.split('/export/')[1];
  expect(done).toMatchObject({ ExportStatus: 'COMPLETED', ItemCount: 7, ExportManifest: `team/copy/AWSDynamoDB/${id}/manifest-summary.json` });
  const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: 'exports', Prefix: `team/copy/AWSDynamoDB/${id}/` }))).Contents ?? []).map(
    (o) => o.Key as string,
  );
  expect(keys.filter((k) => /\/data\/[0-9a-f]+\.json\.gz$/.test(k))).toHaveLength(1);
  const summary = JSON.parse(
    await ((await s3.send(new GetObjectCommand({ Bucket: 'exports', Key: `team/copy/AWSDynamoDB/${id}/manifest-summary.json` }))).Body?.transformToString() ??
      ''),
  );
  expect(summary).toMatchObject({ version: '2020-06-30', exportArn, tableArn: arn, itemCount: 7, outputFormat: 'DYNAMODB_JSON' });
  const data = keys.find((k) => k.includes('/data/')) as string;
  const body = Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: 'exports', Key: data }))).Body?.transformToByteArray()) ?? []);
  const lines = gunzipSync(body)
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.Item.pk.S).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
});

it('E5 and E6: an export into a missing bucket FAILS; an unknown export is not found', async () => {
  const arn = await table(1);
  const started = await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'no-such-bucket' }));
  const d = (await ddb.send(new DescribeExportCommand({ ExportArn: started.ExportDescription?.ExportArn }))).ExportDescription;
  expect(d).toMatchObject({ ExportStatus: 'FAILED', FailureCode: 'S3NoSuchBucket' });
  expect(await refusal(ddb.send(new DescribeExportCommand({ ExportArn: `${arn}/export/00000000000000-deadbeef` })))).toMatch(/^ExportNotFoundException/);
});
