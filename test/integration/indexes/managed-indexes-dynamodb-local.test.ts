/**
 * The managed-index proof on DynamoDB Local, which, like DynamoDB, makes a new index CREATING
 * before ACTIVE and allows "only 1 online index" creation or deletion per table at a time
 * (docs/local-stand-ins.md). The stack engine puts the tables, the provider's state table and the
 * provider's DynamoDB client on DynamoDB Local (behind its tagging proxy); the REAL bundled
 * provider runs the indexes resource. Each step asserts the live indexes, and that an index
 * made by hand on the live table was never touched.
 */
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { startStackEngine, type StackEngine } from '../../support/stack-engine';
import { unique } from '../stack/arc';

let engine: StackEngine;

beforeAll(async () => {
  engine = await startStackEngine({ dynamodb: 'dynamodb-local', serviceTimeoutScaleMs: 20 });
}, 120_000);

afterAll(async () => {
  await engine?.stop();
});

type Spec = [name: string, hash: string, range?: string];

function arc(tableName: string, indexes: Spec[]): Record<string, unknown> {
  const keys = [...new Set(indexes.flatMap(([, h, r]) => [h, ...(r ? [r] : [])]))];
  return {
    Transform: 'ArcDynamoDb',
    Resources: {
      Orders: {
        Type: 'Arc::DynamoDB::Table',
        DeletionPolicy: 'Delete',
        Properties: {
          TableName: tableName,
          HashKey: 'pk',
          Attributes: [{ Name: 'pk', Type: 'S' }, ...keys.map((k) => ({ Name: k, Type: 'S' }))],
          GlobalSecondaryIndexManagement: 'PROVIDER',
          GlobalSecondaryIndexes: indexes.map(([Name, HashKey, RangeKey]) => ({ Name, HashKey, ...(RangeKey ? { RangeKey } : {}) })),
          Monitoring: { Enabled: true },
        },
      },
    },
  };
}

async function live(name: string): Promise<Record<string, string>> {
  const t = (await engine.dynamodb().send(new DescribeTableCommand({ TableName: name }))).Table;
  return Object.fromEntries((t?.GlobalSecondaryIndexes ?? []).map((g) => [String(g.IndexName), (g.KeySchema ?? []).map((k) => k.AttributeName).join('+')]));
}

async function allActive(name: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const t = (await engine.dynamodb().send(new DescribeTableCommand({ TableName: name }))).Table;
    if ((t?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`indexes of ${name} never became ACTIVE`);
}

const shape = (specs: Spec[]) => Object.fromEntries(specs.map(([n, h, r]) => [n, [h, r].filter(Boolean).join('+')]));
const five: Spec[] = [
  ['byA', 'a'],
  ['byB', 'b'],
  ['byC', 'c'],
  ['byD', 'd'],
  ['byE', 'e'],
];
const next: Spec[] = [
  ['byA', 'a'],
  ['byB', 'b'],
  ['byC', 'c', 'i'],
  ['byF', 'f'],
  ['byG', 'g'],
  ['byH', 'h'],
];

it('five indexes, then 3 added, 2 removed and 1 changed in one deploy, then that deploy rolled back', async () => {
  const stack = unique('ddbl-idx');
  const name = unique('ddbl-idx');
  const r1 = await engine.deploy(stack, engine.expand(arc(name, five)));
  expect(r1.status).toBe('CREATE_COMPLETE');
  expect(await live(name)).toEqual(shape(five));
  // An index nobody declared, made by hand: never touched from here on.
  await allActive(name);
  await engine.dynamodb().send(
    new UpdateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'j', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [
        { Create: { IndexName: 'handMade', KeySchema: [{ AttributeName: 'j', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
      ],
    }),
  );
  await allActive(name);

  const v2 = engine.expand(arc(name, next));
  const r2 = await engine.deploy(stack, v2);
  expect(r2.status).toBe('UPDATE_COMPLETE');
  expect(await live(name)).toEqual({ ...shape(next), handMade: 'j' });
  // DynamoDB Local refused nothing the provider sent: one online operation at a time, waited for.
  const sent = engine.dynamodbLocalCalls.filter((c) => c.table === name && c.operation === 'UpdateTable');
  expect(sent.filter((c) => c.status === 200).length).toBeGreaterThanOrEqual(5 + 1 + 7);

  await allActive(name);
  const r3 = await engine.deploy(stack, engine.expand(arc(name, five)));
  expect(r3.status).toBe('UPDATE_COMPLETE');
  await allActive(name);
  const r4 = await engine.deploy(stack, v2, { failResource: 'OrdersReadThrottleEventsAlarm' });
  expect(r4.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  await allActive(name);
  expect(await live(name)).toEqual({ ...shape(five), handMade: 'j' });
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
}, 600_000);
