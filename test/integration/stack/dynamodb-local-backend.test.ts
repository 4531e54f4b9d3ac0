/**
 * The stack engine with DynamoDB on DynamoDB Local (`startStackEngine({ dynamodb: 'dynamodb-local' })`):
 * an expanded Arc table with one GSI is created there, not in moto, and a second GSI is added by
 * an update. DynamoDB Local makes a new index CREATING before ACTIVE, as DynamoDB does.
 *
 * DynamoDB Local has no tagging; the engine's tag proxy in front of it (stack-engine/dynamodb-local-tags.ts)
 * serves CreateTable's Tags, TagResource, UntagResource and ListTagsOfResource, so the REAL provider's
 * ownership check and indexes precheck can read the tags the macro writes.
 */
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { INDEXES_MANAGED_BY_PROVIDER, INDEXES_TAG_KEY, OWNER_TAG_KEY } from '../../../contract/resources';
import { LOCAL_CREDENTIALS } from '../../support/moto';
import { startStackEngine, type StackEngine } from '../../support/stack-engine';
import { waitFor } from '../../support/ports';
import { arcTemplate, HOME, unique } from './arc';

let engine: StackEngine;
let raw: DynamoDBClient;

beforeAll(async () => {
  engine = await startStackEngine({ dynamodb: 'dynamodb-local', serviceTimeoutScaleMs: 20 });
  // DynamoDB Local itself, behind the engine's tag proxy.
  raw = new DynamoDBClient({ region: HOME, endpoint: engine.dynamodbLocal?.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}, 120_000);

afterAll(async () => {
  raw?.destroy();
  await engine?.stop();
});

const describeTable = async (name: string) => (await engine.dynamodb().send(new DescribeTableCommand({ TableName: name }))).Table;
const tagsOf = async (arn: string | undefined) =>
  Object.fromEntries(((await engine.dynamodb().send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags ?? []).map((t) => [t.Key, t.Value]));
const callsOn = (name: string, operation: string) => engine.dynamodbLocalCalls.filter((c) => c.table === name && c.operation === operation);

it('puts the tables, the provider state table and the provider client on DynamoDB Local (through the tag proxy); moto never sees them', async () => {
  expect(engine.dynamodbBackend).toBe('dynamodb-local');
  expect(engine.dynamodbLocalProxy?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(process.env.ARC_DYNAMODB_ENDPOINT_DYNAMODB).toBe(engine.dynamodbLocalProxy?.endpoint);
  expect(engine.dynamodbLocalProxy?.endpoint).not.toBe(engine.dynamodbLocal?.endpoint);
  expect((await engine.dynamodb().send(new ListTablesCommand({}))).TableNames).toContain(engine.stateTableName);
  expect((await raw.send(new ListTablesCommand({}))).TableNames).toContain(engine.stateTableName);
  await expect(engine.sim.direct(HOME).send(new DescribeTableCommand({ TableName: engine.stateTableName }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
  });
  expect(engine.dynamodbLocalCalls.find((c) => c.operation === 'CreateTable' && c.table === engine.stateTableName)).toMatchObject({ status: 200 });
});

it('the tag proxy answers TagResource, UntagResource and ListTagsOfResource with DynamoDB shapes and errors', async () => {
  const state = await describeTable(engine.stateTableName);
  const arn = state?.TableArn;
  // DynamoDB Local itself still has no tagging.
  await expect(raw.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).rejects.toMatchObject({
    message: expect.stringMatching(/Tagging is not currently supported/),
  });
  const ddb = engine.dynamodb();
  expect((await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([]);
  await ddb.send(
    new TagResourceCommand({
      ResourceArn: arn,
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    }),
  );
  await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'a', Value: '3' }] }));
  expect(await tagsOf(arn)).toEqual({ a: '3', b: '2' });
  await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['b', 'never-there'] }));
  expect(await tagsOf(arn)).toEqual({ a: '3' });
  await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['a'] }));
  expect((await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([]);

  const missing = String(arn).replace(/table\/.*$/, 'table/no-such-table');
  for (const send of [
    () => ddb.send(new ListTagsOfResourceCommand({ ResourceArn: missing })),
    () => ddb.send(new TagResourceCommand({ ResourceArn: missing, Tags: [{ Key: 'a', Value: '1' }] })),
    () => ddb.send(new UntagResourceCommand({ ResourceArn: missing, TagKeys: ['a'] })),
  ])
    await expect(send()).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
  // An ARN of another region or account names no table here (DynamoDB Local's ARNs are its own).
  await expect(
    ddb.send(new ListTagsOfResourceCommand({ ResourceArn: `arn:aws:dynamodb:${HOME}:123456789012:table/${engine.stateTableName}` })),
  ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  await expect(ddb.send(new ListTagsOfResourceCommand({ ResourceArn: 'not-an-arn' }))).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'aws:x', Value: '1' }] }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  const fifty = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  await expect(ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: fifty }))).rejects.toMatchObject({ name: 'ValidationException' });
  expect((await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([]);
  const answered = engine.dynamodbLocalCalls.filter((c) => c.answeredByProxy && c.table === engine.stateTableName);
  expect(answered.length).toBeGreaterThanOrEqual(8);
});

it('creates an expanded Arc table with one GSI on DynamoDB Local, then adds a second GSI in an update (deletion protection kept, tags kept)', async () => {
  const stack = unique('ddblocal');
  const name = unique('ddblocal');
  const v = (gsis: string[], protect = true, tags: Record<string, string> = { team: 'a', old: 'x' }) => {
    const t = engine.expand(arcTemplate({ tableName: name, gsis, monitoring: false, deletionPolicy: 'Delete', tags }));
    (t.Resources.Orders.Properties as Record<string, unknown>).DeletionProtectionEnabled = protect;
    return t;
  };
  const r1 = await engine.deploy(stack, v(['ByG1']));
  expect(r1.status).toBe('CREATE_COMPLETE');
  const t1 = await describeTable(name);
  expect(t1).toMatchObject({ TableStatus: 'ACTIVE', BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' }, DeletionProtectionEnabled: true });
  expect(t1?.TableArn).toMatch(/^arn:aws:dynamodb:ddblocal:/); // DynamoDB Local's own ARNs
  expect((t1?.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g.IndexStatus])).toEqual([['ByG1', 'ACTIVE']]);
  await expect(engine.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  // The macro turns PITR on; DynamoDB Local has no UpdateContinuousBackups, so the engine skipped it (and nothing else).
  expect(engine.skippedCalls.filter((c) => c.tableName === name)).toEqual([{ logicalId: 'Orders', tableName: name, call: 'UpdateContinuousBackups' }]);
  // The tags CreateTable carried are read back through the proxy, the owner tag among them.
  const tags1 = await tagsOf(t1?.TableArn);
  expect(tags1).toMatchObject({ team: 'a', old: 'x', [OWNER_TAG_KEY]: r1.stackId });
  expect(engine.dynamodbLocalProxy?.tagsOf(String(t1?.TableArn))).toEqual(tags1);
  expect(callsOn(name, 'CreateTable')).toEqual([expect.objectContaining({ status: 200 })]);
  expect(callsOn(name, 'TagResource')).toEqual([]);

  const r2 = await engine.deploy(stack, v(['ByG1', 'ByG2']));
  expect(r2.status).toBe('UPDATE_COMPLETE');
  expect(r2.events.filter((e) => e.logicalId === 'Orders').map((e) => e.status)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
  // One UpdateTable for the one new index; the tags did not change, so no tagging call.
  expect(callsOn(name, 'UpdateTable')).toEqual([expect.objectContaining({ status: 200 })]);
  expect(callsOn(name, 'TagResource')).toEqual([]);
  // CloudFormation does not wait for the backfill: the new index may still be CREATING.
  const t2 = await describeTable(name);
  expect(['CREATING', 'ACTIVE']).toContain(t2?.GlobalSecondaryIndexes?.find((g) => g.IndexName === 'ByG2')?.IndexStatus);
  // DynamoDB Local would have cleared it had the index's UpdateTable not restated it.
  expect(t2?.DeletionProtectionEnabled).toBe(true);
  await waitFor(async () => ((await describeTable(name))?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE'), 30_000, 'ByG2 ACTIVE');
  expect(((await describeTable(name))?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(['ByG1', 'ByG2']);

  // A tag change is UntagResource of the key that left, then TagResource of the declared set.
  expect((await engine.deploy(stack, v(['ByG1', 'ByG2'], false, { team: 'b' }))).status).toBe('UPDATE_COMPLETE');
  expect((await describeTable(name))?.DeletionProtectionEnabled).toBe(false);
  expect(callsOn(name, 'UntagResource')).toEqual([expect.objectContaining({ status: 200, answeredByProxy: true })]);
  expect(callsOn(name, 'TagResource')).toEqual([expect.objectContaining({ status: 200, answeredByProxy: true })]);
  const tags3 = await tagsOf(t1?.TableArn);
  expect(tags3).toMatchObject({ team: 'b', [OWNER_TAG_KEY]: r1.stackId });
  expect(tags3.old).toBeUndefined();
  expect(engine.skippedCalls.filter((c) => c.tableName === name).map((c) => c.call)).toEqual(['UpdateContinuousBackups']);

  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
  await expect(describeTable(name)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  // DeleteTable dropped the table's tags; its ARN names nothing now.
  expect(engine.dynamodbLocalProxy?.tagsOf(String(t1?.TableArn))).toEqual({});
  await expect(tagsOf(t1?.TableArn)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});

it('the real provider acts on a DynamoDB Local table: GlobalSecondaryIndexManagement PROVIDER creates both indexes', async () => {
  const stack = unique('ddblocal-idx');
  const name = unique('ddblocal-idx');
  const template = engine.expand({
    Transform: 'ArcDynamoDb',
    Resources: {
      Orders: {
        Type: 'Arc::DynamoDB::Table',
        DeletionPolicy: 'Delete',
        Properties: {
          TableName: name,
          HashKey: 'pk',
          Attributes: [
            { Name: 'pk', Type: 'S' },
            { Name: 'a', Type: 'S' },
            { Name: 'b', Type: 'S' },
          ],
          GlobalSecondaryIndexManagement: 'PROVIDER',
          GlobalSecondaryIndexes: [
            { Name: 'byA', HashKey: 'a' },
            { Name: 'byB', HashKey: 'b' },
          ],
          Monitoring: { Enabled: false },
        },
      },
    },
  });
  const customTypes = Object.values(template.Resources)
    .map((r) => r.Type)
    .filter((t) => t.startsWith('Custom::'));
  expect(customTypes).toContain('Custom::ArcDynamoDbIndexes');

  const r = await engine.deploy(stack, template);
  if (r.status !== 'CREATE_COMPLETE') throw new Error(`${r.status}: ${r.reason}\n${engine.lambda.logs.slice(-40).join('\n')}`);
  // The provider's ownership check read the owner tag through the proxy.
  expect(callsOn(name, 'ListTagsOfResource')).toEqual([expect.objectContaining({ status: 200, answeredByProxy: true })]);
  const t = await describeTable(name);
  expect(Object.fromEntries((t?.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g.IndexStatus]))).toEqual({ byA: 'ACTIVE', byB: 'ACTIVE' });
  // The macro's tags reached the table through CreateTable.
  expect(await tagsOf(t?.TableArn)).toMatchObject({ [OWNER_TAG_KEY]: r.stackId, [INDEXES_TAG_KEY]: INDEXES_MANAGED_BY_PROVIDER });
  // The provider adds the indexes one UpdateTable at a time (DynamoDB Local allows one online index operation per table).
  expect(callsOn(name, 'UpdateTable').filter((c) => c.status === 200)).toHaveLength(2);
  const requests = engine.requests.filter((q) => q.stackId === r.stackId);
  expect(requests.map((q) => [q.resourceType, q.requestType, q.result])).toEqual(
    expect.arrayContaining([
      ['Custom::ArcDynamoDbIndexesPrecheck', 'Create', 'SUCCESS'],
      ['Custom::ArcDynamoDbIndexes', 'Create', 'SUCCESS'],
    ]),
  );
  expect(requests.filter((q) => q.result !== 'SUCCESS')).toEqual([]);

  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
  await expect(describeTable(name)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});

it("the provider's indexes precheck reads the tags on DynamoDB Local: PROVIDER on for an untagged table with an index is refused", async () => {
  const stack = unique('ddblocal-pre');
  const name = unique('ddblocal-pre');
  const arc = (management?: 'PROVIDER') =>
    engine.expand({
      Transform: 'ArcDynamoDb',
      Resources: {
        Orders: {
          Type: 'Arc::DynamoDB::Table',
          DeletionPolicy: 'Delete',
          Properties: {
            TableName: name,
            HashKey: 'pk',
            Attributes: [
              { Name: 'pk', Type: 'S' },
              { Name: 'a', Type: 'S' },
            ],
            ...(management ? { GlobalSecondaryIndexManagement: management } : {}),
            GlobalSecondaryIndexes: [{ Name: 'byA', HashKey: 'a' }],
            Monitoring: { Enabled: false },
          },
        },
      },
    });
  expect((await engine.deploy(stack, arc())).status).toBe('CREATE_COMPLETE');
  const r = await engine.deploy(stack, arc('PROVIDER'));
  expect(r.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(r.reason ?? JSON.stringify(r.events)).toMatch(/Refused before the table was touched/);
  expect(callsOn(name, 'ListTagsOfResource')).toEqual([expect.objectContaining({ status: 200, answeredByProxy: true })]);
  expect(((await describeTable(name))?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName)).toEqual(['byA']);
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});
