/**
 * The parts of local/native-to-api.ts that DynamoDB Local cannot check, against moto_server:
 * every generated table of every golden output and example is made in moto from its plan (with
 * ImportTable reading real gzip DynamoDB-JSON from moto's S3 where the table imports), the
 * follow-up calls moto implements are sent, and the table then shows the template's tags,
 * point-in-time recovery, encryption and deletion protection.
 *
 * moto 5.2.1 limits (docs/local-stand-ins.md): it imports only DYNAMODB_JSON
 * (GZIP or NONE), and has no contributor insights or Kinesis destinations, so those follow-ups
 * are only checked as data (test/unit/cli/native-to-api.test.ts).
 */
import { gzipSync } from 'node:zlib';
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ImportTableCommand,
  ListTagsOfResourceCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { nativeTableToApi, resolvePseudoParameters, type TablePlan } from '../../../local/native-to-api';
import { LOCAL_CREDENTIALS, startMoto, type Moto } from '../../support/moto';
import { ACCOUNT, discoverCases, REGION, STACK, tablesOf, templateOf } from './cases';

const cases = discoverCases();
let moto: Moto;
let ddb: DynamoDBClient;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  s3 = new S3Client({ endpoint: moto.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
});
afterAll(async () => {
  ddb?.destroy();
  s3?.destroy();
  await moto?.stop();
});

const ITEMS = 3;

/** Items with every key attribute of the table (DynamoDB-JSON lines, as an S3 export writes them). */
function importLines(plan: TablePlan): string {
  const types = new Map((plan.create.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const lines: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const item: Record<string, AttributeValue> = {};
    for (const k of plan.create.KeySchema ?? []) {
      const name = k.AttributeName as string;
      item[name] = types.get(name) === 'N' ? { N: String(i) } : types.get(name) === 'B' ? { B: new Uint8Array([i]) } : { S: `v${i}` };
    }
    lines.push(
      JSON.stringify({
        Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, 'B' in v ? { B: Buffer.from(v.B as Uint8Array).toString('base64') } : v])),
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function importTable(plan: TablePlan): Promise<void> {
  const input = plan.importTable!;
  const bucket = input.S3BucketSource!.S3Bucket!;
  const gzip = input.InputCompressionType === 'GZIP';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = importLines(plan);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${input.S3BucketSource!.S3KeyPrefix ?? ''}data/part-0.json${gzip ? '.gz' : ''}`,
      Body: gzip ? gzipSync(body) : body,
    }),
  );
  const started = await ddb.send(new ImportTableCommand(input));
  const arn = started.ImportTableDescription!.ImportArn!;
  const deadline = Date.now() + 30000;
  for (;;) {
    const d = await ddb.send(new DescribeImportCommand({ ImportArn: arn }));
    const status = d.ImportTableDescription?.ImportStatus;
    if (status === 'COMPLETED') break;
    if (status !== 'IN_PROGRESS' || Date.now() > deadline)
      throw new Error(`import ${arn} ended ${status}: ${d.ImportTableDescription?.FailureCode} ${d.ImportTableDescription?.FailureMessage}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const scan = await ddb.send(new ScanCommand({ TableName: plan.tableName, Select: 'COUNT' }));
  expect({ table: plan.tableName, imported: scan.Count }).toEqual({ table: plan.tableName, imported: ITEMS });
}

/** moto imports only DynamoDB JSON, plain or gzip. */
const motoCanImport = (plan: TablePlan) => plan.importTable?.InputFormat === 'DYNAMODB_JSON' && plan.importTable.InputCompressionType !== 'ZSTD';

const byKey = (a: { Key?: string }, b: { Key?: string }) => String(a.Key).localeCompare(String(b.Key));

test('some generated tables are imported from S3', () => {
  const importing = cases.filter((c) => c.template && tablesOf(c.template).some(([, p]) => p.ImportSourceSpecification !== undefined));
  expect(importing.length).toBeGreaterThan(0);
});

test.each(cases.map((c) => [c.name, c] as const))('%s: tables get their tags, PITR, encryption and deletion protection (moto)', async (_name, c) => {
  const template = templateOf(c);
  await moto.reset();
  const tables = tablesOf(template, c.params);
  expect(tables.length).toBeGreaterThan(0);
  for (const [logicalId, rawProps] of tables) {
    const props = resolvePseudoParameters(rawProps, {
      stackName: STACK,
      region: REGION,
      accountId: ACCOUNT,
      parameters: c.params,
      conditions: (template.Conditions ?? {}) as Record<string, unknown>,
    });
    const plan = nativeTableToApi(logicalId, props, { defaultTableName: `${STACK}-${logicalId}` });
    const imported = motoCanImport(plan);
    if (imported) await importTable(plan);
    else await ddb.send(new CreateTableCommand(plan.create));

    for (const f of plan.followUps) {
      if (f.kind === 'UpdateTimeToLive') await ddb.send(new UpdateTimeToLiveCommand(f.input));
      if (f.kind === 'UpdateContinuousBackups') await ddb.send(new UpdateContinuousBackupsCommand(f.input));
    }

    const { Table: t } = await ddb.send(new DescribeTableCommand({ TableName: plan.tableName }));
    const sse = props.SSESpecification as { SSEEnabled?: unknown; KMSMasterKeyId?: string } | undefined;
    // moto's ImportTable ignores TableCreationParameters.SSESpecification, so only created tables are checked.
    if (!imported && String(sse?.SSEEnabled) === 'true') {
      expect({ id: logicalId, status: t?.SSEDescription?.Status }).toEqual({ id: logicalId, status: 'ENABLED' });
      // Without a key, DynamoDB uses the AWS managed key (moto makes up its ARN).
      if (sse?.KMSMasterKeyId !== undefined) expect(t?.SSEDescription?.KMSMasterKeyArn).toBe(sse.KMSMasterKeyId);
    }
    if (!imported) {
      // ImportTable takes no tags or deletion protection (CloudFormation applies them afterwards).
      expect(Boolean(t?.DeletionProtectionEnabled)).toBe(String(props.DeletionProtectionEnabled) === 'true');
      const tags = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: t!.TableArn! }));
      expect([...(tags.Tags ?? [])].sort(byKey)).toEqual([...((props.Tags ?? []) as { Key: string; Value: string }[])].sort(byKey));
    }
    const pitr = props.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: unknown; RecoveryPeriodInDays?: unknown } | undefined;
    const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: plan.tableName }));
    const described = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    if (String(pitr?.PointInTimeRecoveryEnabled) === 'true') {
      expect(described?.PointInTimeRecoveryStatus).toBe('ENABLED');
      if (pitr?.RecoveryPeriodInDays !== undefined) expect(described?.RecoveryPeriodInDays).toBe(Number(pitr.RecoveryPeriodInDays));
    } else {
      expect(described?.PointInTimeRecoveryStatus).toBe('DISABLED');
    }
    const ttl = props.TimeToLiveSpecification as { Enabled?: unknown; AttributeName?: string } | undefined;
    const ttlDescription = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: plan.tableName }))).TimeToLiveDescription;
    if (String(ttl?.Enabled) === 'true') expect(ttlDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: ttl?.AttributeName });
  }
});
