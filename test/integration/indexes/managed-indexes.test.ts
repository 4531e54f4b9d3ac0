/**
 * GlobalSecondaryIndexManagement: PROVIDER through CloudFormation's lifecycle (the stack engine,
 * the REAL bundled provider, moto behind the replica simulator).
 *
 * Each step asserts the live indexes (DescribeTable straight from moto) and that an index nobody
 * declared, made by hand on the live table, was never touched. The simulator's index phases
 * (allocation, backfill, deletion, and one online index operation per table) make the timing
 * DynamoDB's rather than moto's instant one.
 */
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { INDEXES_MANAGED_BY_PROVIDER, INDEXES_TAG_KEY } from '../../../contract/resources';
import { runCli as cli } from '../../support/run-cli';
import { startStackEngine, type StackEngine, type Template } from '../../support/stack-engine';
import { HOME, unique } from '../stack/arc';

let engine: StackEngine;

beforeAll(async () => {
  // Index phases on: each new index is allocated, then backfilled, then ACTIVE, and the simulator
  // refuses a second online index operation meanwhile (rules R14-R17), as DynamoDB does.
  engine = await startStackEngine({ serviceTimeoutScaleMs: 20, replicaDelayMs: 300, indexPhases: { allocationMs: 300, backfillMs: 600, deleteMs: 300 } });
}, 120_000);

afterAll(async () => {
  await engine?.stop();
});

interface IndexSpec {
  name: string;
  hash: string;
  range?: string;
  projection?: 'ALL' | 'KEYS_ONLY';
}

function arc(tableName: string, indexes: IndexSpec[], over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Transform: 'ArcDynamoDb',
    Resources: {
      Orders: {
        Type: 'Arc::DynamoDB::Table',
        DeletionPolicy: 'Delete',
        Properties: {
          TableName: tableName,
          HashKey: 'pk',
          // Only attributes some key uses (ARC-E3004: DynamoDB rejects the others).
          Attributes: [
            { Name: 'pk', Type: 'S' },
            ...[...new Set(indexes.flatMap((i) => [i.hash, ...(i.range ? [i.range] : [])]))].map((n) => ({ Name: n, Type: 'S' })),
          ],
          GlobalSecondaryIndexManagement: 'PROVIDER',
          GlobalSecondaryIndexes: indexes.map((i) => ({
            Name: i.name,
            HashKey: i.hash,
            ...(i.range ? { RangeKey: i.range } : {}),
            ProjectionType: i.projection ?? 'ALL',
          })),
          Monitoring: { Enabled: true },
          ...over,
        },
      },
    },
  };
}

async function live(name: string, region = HOME): Promise<Record<string, string>> {
  const t = (await engine.sim.direct(region).send(new DescribeTableCommand({ TableName: name }))).Table;
  return Object.fromEntries(
    (t?.GlobalSecondaryIndexes ?? []).map((g) => [
      String(g.IndexName),
      `${(g.KeySchema ?? []).map((k) => k.AttributeName).join('+')}/${g.Projection?.ProjectionType}`,
    ]),
  );
}

/** Polls (bounded) until every index of the table is ACTIVE: DeleteTable is refused while one is in flight. */
async function settled(name: string, region = HOME): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const t = (await engine.sim.direct(region).send(new DescribeTableCommand({ TableName: name }))).Table;
    const phases = (t?.GlobalSecondaryIndexes ?? []).map((g) => engine.sim.indexPhase(region, name, String(g.IndexName)));
    if (phases.every((p) => p === undefined || p === 'active')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`indexes of ${name} never settled`);
}

/** The index operations the simulator saw on this table since `from`, as "kind index". */
const operations = (name: string, from: number) =>
  engine.sim.indexOperations
    .slice(from)
    .filter((o) => o.table === name && o.region === HOME)
    .map((o) => `${o.kind} ${o.index}`);

/** An index made by hand on the live table: the provider must never touch it. */
async function addUnmanaged(name: string): Promise<void> {
  await engine.sim.direct(HOME).send(
    new UpdateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'j', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [
        { Create: { IndexName: 'handMade', KeySchema: [{ AttributeName: 'j', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
      ],
    }),
  );
}

const five: IndexSpec[] = [
  { name: 'byA', hash: 'a' },
  { name: 'byB', hash: 'b' },
  { name: 'byC', hash: 'c' },
  { name: 'byD', hash: 'd' },
  { name: 'byE', hash: 'e' },
];
// One deploy: add 3 (F, G, H), remove 2 (D, E), change 1 (C's key gains a range key: delete, then create).
const next: IndexSpec[] = [
  { name: 'byA', hash: 'a' },
  { name: 'byB', hash: 'b' },
  { name: 'byC', hash: 'c', range: 'i' },
  { name: 'byF', hash: 'f' },
  { name: 'byG', hash: 'g' },
  { name: 'byH', hash: 'h', projection: 'KEYS_ONLY' },
];
/** `npx arc-dynamodb indexes handover` for the stack's Orders table, against this engine's endpoints. */
const handover = (stack: string) =>
  cli(['indexes', 'handover', '--stack', stack, '--table', 'Orders', '--endpoint', engine.sim.endpoint, '--cloudformation-endpoint', engine.cfnApi.endpoint]);

const shape = (specs: IndexSpec[]) => Object.fromEntries(specs.map((s) => [s.name, `${[s.hash, s.range].filter(Boolean).join('+')}/${s.projection ?? 'ALL'}`]));

it('emits a table without GlobalSecondaryIndexes, an indexes resource and a precheck the table waits for', () => {
  const t = engine.expand(arc('shape-check', five));
  const table = t.Resources.Orders;
  expect(table.Properties?.GlobalSecondaryIndexes).toBeUndefined();
  expect(table.Properties?.AttributeDefinitions).toEqual([{ AttributeName: 'pk', AttributeType: 'S' }]);
  expect(table.DependsOn).toEqual(['OrdersIndexesPrecheck']);
  expect(t.Resources.OrdersIndexes.Type).toBe('Custom::ArcDynamoDbIndexes');
  const alarms = Object.values(t.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  expect(alarms.length).toBeGreaterThan(0);
  for (const a of alarms) expect(a.DependsOn).toEqual(['OrdersIndexes']);
});

describe('a table with five managed indexes', () => {
  const stack = unique('idx');
  const name = unique('idx-orders');
  let v2: Template;

  it('is created with all five, one UpdateTable per index', async () => {
    const r = await engine.deploy(stack, engine.expand(arc(name, five)));
    expect(r.status).toBe('CREATE_COMPLETE');
    expect(await live(name)).toEqual(shape(five));
    expect(operations(name, 0)).toEqual(['create byA', 'create byB', 'create byC', 'create byD', 'create byE']);
    await addUnmanaged(name);
    await settled(name);
    expect((await live(name)).handMade).toBe('j/ALL');
  }, 120_000);

  it('takes 3 additions, 2 removals and 1 change in ONE deploy, deletes first and creates last', async () => {
    v2 = engine.expand(arc(name, next));
    const from = engine.sim.indexOperations.length;
    const r = await engine.deploy(stack, v2);
    expect(r.status).toBe('UPDATE_COMPLETE');
    expect(await live(name)).toEqual({ ...shape(next), handMade: 'j/ALL' });
    // The Table resource itself made no index call; the provider waited for each operation.
    expect(operations(name, from)).toEqual(['delete byC', 'delete byD', 'delete byE', 'create byC', 'create byF', 'create byG', 'create byH']);
    expect(engine.sim.indexOperations.slice(from).some((o) => o.index === 'handMade')).toBe(false);
  }, 180_000);

  it('rolls that deploy back when a later resource fails: the indexes are as before, the hand-made one untouched', async () => {
    // Back to five, with v2 failing on an alarm that comes after the indexes resource.
    const v1 = engine.expand(arc(name, five));
    const r1 = await engine.deploy(stack, v1);
    expect(r1.status).toBe('UPDATE_COMPLETE');
    expect(await live(name)).toEqual({ ...shape(five), handMade: 'j/ALL' });
    const r2 = await engine.deploy(stack, v2, { failResource: 'OrdersReadThrottleEventsAlarm' });
    expect(r2.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    const indexesEvents = r2.events.filter((e) => e.logicalId === 'OrdersIndexes').map((e) => e.status);
    expect(indexesEvents).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    expect(await live(name)).toEqual({ ...shape(five), handMade: 'j/ALL' });
  }, 240_000);

  it('a failure in the middle of the index changes (a timeout while an index backfills) rolls back cleanly', async () => {
    await settled(name);
    const from = engine.sim.indexOperations.length;
    // byF will backfill until released: the operation is then certainly in the middle.
    const release = engine.sim.holdIndexBackfill(HOME, name, 'byF');
    const run = engine.deploy(stack, v2);
    for (let i = 0; i < 600 && engine.sim.indexPhase(HOME, name, 'byF') !== 'backfilling'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(engine.sim.indexPhase(HOME, name, 'byF')).toBe('backfilling');
    expect(engine.forceTimeout(stack, 'OrdersIndexes')).toBe(1);
    const r = await run;
    release();
    expect(r.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    await settled(name);
    expect(await live(name)).toEqual({ ...shape(five), handMade: 'j/ALL' });
    // The rollback deleted byF while it was still backfilling rather than waiting for it.
    const ops = operations(name, from);
    expect(ops.indexOf('delete byF')).toBeGreaterThan(ops.indexOf('create byF'));
    expect(engine.sim.indexOperations.slice(from).some((o) => o.index === 'handMade')).toBe(false);
  }, 240_000);

  it('deleting the stack leaves nothing behind but never deleted an index on its own', async () => {
    await settled(name);
    const from = engine.sim.calls.length;
    const r = await engine.deleteStack(stack);
    expect(r.status).toBe('DELETE_COMPLETE');
    const indexDeletes = engine.sim.calls.slice(from).filter((c) => c.operation === 'UpdateTable' && c.table === name);
    expect(indexDeletes).toEqual([]);
  }, 120_000);
});

describe('switching an existing table from inline indexes to PROVIDER', () => {
  it('is refused by the precheck before the table is touched, and every index stays', async () => {
    const stack = unique('idx-switch');
    const name = unique('idx-switch');
    const inline = engine.expand(arc(name, five.slice(0, 1), { GlobalSecondaryIndexManagement: 'TABLE' }));
    expect((await engine.deploy(stack, inline)).status).toBe('CREATE_COMPLETE');
    expect(await live(name)).toEqual(shape(five.slice(0, 1)));
    const r = await engine.deploy(stack, engine.expand(arc(name, five.slice(0, 2))));
    expect(r.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    const precheck = r.events.find((e) => e.logicalId === 'OrdersIndexesPrecheck' && e.status === 'CREATE_FAILED');
    expect(precheck?.reason).toMatch(/Refused before the table was touched: Orders \(.*\) has 1 global secondary index \(byA\)/);
    expect(r.events.filter((e) => e.logicalId === 'Orders' && e.status === 'UPDATE_IN_PROGRESS')).toEqual([]);
    expect(await live(name)).toEqual(shape(five.slice(0, 1)));
    // The hand-over command checks the import happened: here it did not, so it changes nothing.
    const handedOver = await handover(stack);
    expect(handedOver).toMatchObject({ code: 1, stdout: '' });
    expect(handedOver.stderr).toMatch(
      /still has 1 inline index on Orders: an update with PROVIDER would make CloudFormation delete them.* Nothing was changed\.\n$/,
    );
    await settled(name);
    await engine.deleteStack(stack);
  }, 180_000);

  it('goes through once `npx arc-dynamodb indexes handover` tagged the imported table: existing indexes are adopted, not re-created', async () => {
    const stack = unique('idx-handover');
    const name = unique('idx-handover');
    // The table as it stands after "retain, remove from the stack, import": no inline indexes in the stack's template.
    const imported = engine.expand(arc(name, [], { GlobalSecondaryIndexManagement: 'TABLE' }));
    expect((await engine.deploy(stack, imported)).status).toBe('CREATE_COMPLETE');
    await engine.sim.direct(HOME).send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'a', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: 'byA', KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
        ],
      }),
    );
    // Step 4: the hand-over command checks the earlier steps on the account, then tags the table.
    const handedOver = await handover(stack);
    expect(handedOver).toMatchObject({ code: 0, stderr: '' });
    expect(handedOver.stdout).toContain(`Handed over Orders (${name}): tagged ${INDEXES_TAG_KEY}=${INDEXES_MANAGED_BY_PROVIDER}.\nIts indexes now: byA.`);
    await settled(name);
    const from = engine.sim.indexOperations.length;
    const r = await engine.deploy(stack, engine.expand(arc(name, five.slice(0, 2))));
    expect(r.status).toBe('UPDATE_COMPLETE');
    expect(await live(name)).toEqual(shape(five.slice(0, 2)));
    expect(operations(name, from)).toEqual(['create byB']); // byA was adopted, not re-created
    await settled(name);
    await engine.deleteStack(stack);
  }, 180_000);
});

describe('a replicated PROVISIONED table with managed indexes', () => {
  const EU = 'eu-west-1';
  const scaled = (name: string, indexes: IndexSpec[]) =>
    arc(name, indexes, {
      BillingMode: 'PROVISIONED',
      ReadCapacity: 5,
      WriteCapacity: 5,
      AutoscalingEnabled: true,
      AutoscalingRead: { MaxCapacity: 20 },
      AutoscalingWrite: { MaxCapacity: 20 },
      // DynamoDB needs write autoscaling on every index of a replicated PROVISIONED table (ARC-E7011).
      GsiAutoscalingWrite: Object.fromEntries(indexes.map((i) => [i.name, { MaxCapacity: 10 }])),
      ReplicaRegions: [{ RegionName: EU }],
      Monitoring: { Enabled: false },
    });

  it('gains an autoscaled index in one deploy: in every region, with its write scaling in every region', async () => {
    const stack = unique('idx-global');
    const name = unique('idx-global');
    const r1 = await engine.deploy(stack, engine.expand(scaled(name, [{ name: 'byA', hash: 'a' }])));
    expect({ status: r1.status, failed: r1.events.filter((e) => e.status.endsWith('FAILED')).map((e) => `${e.logicalId}: ${e.reason}`) }).toEqual({
      status: 'CREATE_COMPLETE',
      failed: [],
    });
    await settled(name);
    await settled(name, EU);
    const r2 = await engine.deploy(
      stack,
      engine.expand(
        scaled(name, [
          { name: 'byA', hash: 'a' },
          { name: 'byB', hash: 'b' },
        ]),
      ),
    );
    expect({ status: r2.status, failed: r2.events.filter((e) => e.status.endsWith('FAILED')).map((e) => `${e.logicalId}: ${e.reason}`) }).toEqual({
      status: 'UPDATE_COMPLETE',
      failed: [],
    });
    await settled(name);
    await settled(name, EU);
    expect(await live(name)).toEqual({ byA: 'a/ALL', byB: 'b/ALL' });
    expect(await live(name, EU)).toEqual({ byA: 'a/ALL', byB: 'b/ALL' });
    for (const region of [HOME, EU]) {
      const targets = await engine.sim
        .directAutoscaling(region)
        .send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb', ResourceIds: [`table/${name}/index/byB`] }));
      expect({ region, dims: (targets.ScalableTargets ?? []).map((t) => `${t.ScalableDimension} ${t.MinCapacity}-${t.MaxCapacity}`) }).toEqual({
        region,
        dims: ['dynamodb:index:WriteCapacityUnits 1-10'],
      });
    }
    // The order that lets DynamoDB accept it: indexes, then the index's scaling, then the replicas.
    const ev = r2.events;
    const i = (id: string, status: string) => ev.findIndex((e) => e.logicalId === id && e.status === status);
    expect(i('OrdersIndexes', 'UPDATE_COMPLETE')).toBeLessThan(i('OrdersIndexByBWriteScalableTarget', 'CREATE_IN_PROGRESS'));
    expect(i('OrdersIndexByBWriteScalingPolicy', 'CREATE_COMPLETE')).toBeLessThan(i('OrdersReplicas', 'UPDATE_IN_PROGRESS'));
  }, 300_000);
});

it('a switch from PAY_PER_REQUEST to PROVISIONED is refused before the table is touched (DynamoDB needs every index capacity in that call)', async () => {
  const stack = unique('idx-billing');
  const name = unique('idx-billing');
  expect((await engine.deploy(stack, engine.expand(arc(name, five.slice(0, 1))))).status).toBe('CREATE_COMPLETE');
  await settled(name);
  const r = await engine.deploy(stack, engine.expand(arc(name, five.slice(0, 1), { BillingMode: 'PROVISIONED', ReadCapacity: 5, WriteCapacity: 5 })));
  expect(r.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(r.events.find((e) => e.logicalId === 'OrdersIndexesPrecheck' && e.status === 'UPDATE_FAILED')?.reason).toMatch(
    /cannot switch from PAY_PER_REQUEST to PROVISIONED .* \(byA\)/,
  );
  expect(r.events.filter((e) => e.logicalId === 'Orders' && e.status === 'UPDATE_IN_PROGRESS')).toEqual([]);
  const t = (await engine.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table;
  expect(t?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  expect(await live(name)).toEqual(shape(five.slice(0, 1)));
  await engine.deleteStack(stack);
}, 180_000);
