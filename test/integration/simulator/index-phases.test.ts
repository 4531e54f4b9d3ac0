/**
 * The replica simulator's online index phases (opt-in `indexPhases`, rules R14-R17; sources cited
 * in test/support/replica-simulator/indexes.ts) and its holds (`holdIndexBackfill`,
 * `holdReplicaCreation`): first the pure model with a fake clock, then through the proxy against
 * moto_server. Nothing here depends on the machine's speed: a phase that must still be running
 * lasts ten minutes or is held; a phase that must be over is polled for, with a generous bound.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTableCommand,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, startMoto, type Moto } from '../../support/moto';
import { startReplicaSimulator, type ReplicaSimulator } from '../../support/replica-simulator';
import { ReplicationGroups, SimError, type TableFacts } from '../../support/replica-simulator/group';
import { IndexPhases, ONE_ONLINE_INDEX, type IndexUpdateInput } from '../../support/replica-simulator/indexes';

const HOME = 'us-east-1';
const EU = 'eu-west-1';
const AP = 'ap-southeast-2';
/** Longer than any test: a phase with this duration is still running when the test looks. */
const FOREVER = 10 * 60_000;
const IN_USE = 'Attempt to change a resource which is still in use: ';
const ALLOCATING = 'Index creation is in resource allocation phase. Retry deletion during backfilling phase or when the index is active.';

function refusal(f: () => unknown): { type: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof SimError) return { type: e.type, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

async function refused(p: Promise<unknown>): Promise<{ type: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; message?: string };
    return { type: String(err.name), message: String(err.message) };
  }
  throw new Error('expected a refusal');
}

const create = (index: string) => ({ Create: { IndexName: index, KeySchema: [], Projection: {} } });
const del = (index: string) => ({ Delete: { IndexName: index } });
const upd = (index: string) => ({ Update: { IndexName: index, ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 } } });
const call = (...updates: IndexUpdateInput['GlobalSecondaryIndexUpdates'] & object): IndexUpdateInput => ({
  TableName: 't',
  GlobalSecondaryIndexUpdates: updates,
});
const LIMIT = { type: 'LimitExceededException', message: ONE_ONLINE_INDEX };

describe('index phases (pure model, fake clock)', () => {
  const TIMES = { allocationMs: 100, backfillMs: 200, deleteMs: 50 };
  const described = (names: string[], status = 'ACTIVE') => ({
    TableName: 't',
    TableStatus: status,
    GlobalSecondaryIndexes: names.map((n) => ({ IndexName: n, IndexStatus: 'ACTIVE', KeySchema: [{ AttributeName: n, KeyType: 'HASH' }] })),
  });

  it('R14: a create goes resource allocation (table UPDATING), then backfilling (table ACTIVE), then ACTIVE', () => {
    const m = new IndexPhases(TIMES);
    m.started(HOME, call(create('by-x')), described(['by-gk']), 1000);
    const seen = [1000, 1099, 1100, 1299].map((t) => m.phase(HOME, 't', 'by-x', t));
    expect(seen).toEqual(['allocation', 'allocation', 'backfilling', 'backfilling']);
    const view = (t: number) => {
      const d = m.mask(HOME, described(['by-gk', 'by-x']), t) as ReturnType<typeof described>;
      return [d.TableStatus, ...d.GlobalSecondaryIndexes.map((g) => `${g.IndexName} ${g.IndexStatus} ${(g as { Backfilling?: boolean }).Backfilling}`)];
    };
    expect(view(1050)).toEqual(['UPDATING', 'by-gk ACTIVE undefined', 'by-x CREATING false']);
    expect(view(1150)).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x CREATING true']);
    expect(view(1300)).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x ACTIVE undefined']);
    // Once over it is no longer tracked: moto's status stands.
    expect(m.phase(HOME, 't', 'by-x', 1300)).toBeUndefined();
    expect(m.inFlight(HOME, 't', 1300)).toEqual([]);
  });

  it('R14: a deleted index is re-inserted as DELETING, in its place, with the table UPDATING, until deleteMs has passed', () => {
    const m = new IndexPhases(TIMES);
    m.started(
      HOME,
      call(del('by-a')),
      { GlobalSecondaryIndexes: [{ IndexName: 'by-a', IndexStatus: 'CREATING', Backfilling: true }, { IndexName: 'by-b' }] },
      0,
    );
    const afterMoto = described(['by-b']);
    expect(m.mask(HOME, afterMoto, 49)).toEqual({
      ...afterMoto,
      TableStatus: 'UPDATING',
      GlobalSecondaryIndexes: [{ IndexName: 'by-a', IndexStatus: 'DELETING' }, afterMoto.GlobalSecondaryIndexes[0]],
    });
    expect(m.mask(HOME, afterMoto, 50)).toBe(afterMoto);
    expect(m.phase(HOME, 't', 'by-a', 50)).toBeUndefined();
  });

  it('R15: one online index create or delete at a time per table, in one call or across calls; Updates are not counted', () => {
    const m = new IndexPhases({ allocationMs: 100, backfillMs: 1000, deleteMs: 100 });
    expect(refusal(() => m.checkUpdate(HOME, call(create('a'), create('b')), 'PROVISIONED', [HOME], 0))).toEqual(LIMIT);
    expect(refusal(() => m.checkUpdate(HOME, call(create('a'), del('by-gk')), 'PROVISIONED', [HOME], 0))).toEqual(LIMIT);
    expect(() => m.checkUpdate(HOME, call(upd('by-gk'), upd('by-gk2')), 'PROVISIONED', [HOME], 0)).not.toThrow();
    m.started(HOME, call(create('a')), described([]), 0);
    for (const at of [50, 500]) {
      // allocation, then backfilling: both CREATING
      expect(refusal(() => m.checkUpdate(HOME, call(create('b')), 'PROVISIONED', [HOME], at))).toEqual(LIMIT);
      expect(refusal(() => m.checkUpdate(HOME, call(del('by-gk')), 'PROVISIONED', [HOME], at))).toEqual(LIMIT);
      expect(() => m.checkUpdate(HOME, call(upd('by-gk')), 'PROVISIONED', [HOME], at)).not.toThrow();
    }
    expect(() => m.checkUpdate(HOME, call(create('b')), 'PROVISIONED', [HOME], 1100)).not.toThrow();
    m.started(HOME, call(del('by-gk')), described(['by-gk']), 2000);
    expect(refusal(() => m.checkUpdate(HOME, call(create('b')), 'PROVISIONED', [HOME], 2050))).toEqual(LIMIT);
    expect(() => m.checkUpdate(HOME, call(create('b')), 'PROVISIONED', [HOME], 2100)).not.toThrow();
    // Other tables are not affected.
    m.started(HOME, call(create('c')), described([]), 3000);
    expect(() => m.checkUpdate(HOME, { TableName: 'other', GlobalSecondaryIndexUpdates: [create('d')] }, 'PROVISIONED', [HOME], 3000)).not.toThrow();
  });

  it('R15 with R17: an index still CREATING in another region of the replication group counts', () => {
    const m = new IndexPhases(TIMES);
    m.started(EU, call(create('a')), described([]), 0);
    expect(() => m.checkUpdate(HOME, call(create('b')), 'PAY_PER_REQUEST', [HOME], 10)).not.toThrow();
    expect(refusal(() => m.checkUpdate(HOME, call(create('b')), 'PAY_PER_REQUEST', [HOME, EU], 10))).toEqual(LIMIT);
  });

  it('R16: resource allocation refuses deleting the index, its Update and table throughput; backfilling admits them', () => {
    const m = new IndexPhases(TIMES);
    m.started(HOME, call(create('by-x')), described([]), 0);
    expect(refusal(() => m.checkUpdate(HOME, call(del('by-x')), 'PROVISIONED', [HOME], 99))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}${ALLOCATING} Table: t Index: by-x`,
    });
    expect(refusal(() => m.checkUpdate(HOME, call(upd('by-x')), 'PROVISIONED', [HOME], 99))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}Index is being created but is not backfilling yet. Table: t Index: by-x`,
    });
    const iops = { type: 'ResourceInUseException', message: `${IN_USE}Can't change table IOPS when an index is being created. Table: t Indexes: [by-x]` };
    const pt = { TableName: 't', ProvisionedThroughput: { ReadCapacityUnits: 9, WriteCapacityUnits: 9 } };
    expect(refusal(() => m.checkUpdate(HOME, pt, 'PROVISIONED', [HOME], 99))).toEqual(iops);
    expect(refusal(() => m.checkUpdate(HOME, { TableName: 't', BillingMode: 'PAY_PER_REQUEST' }, 'PROVISIONED', [HOME], 99))).toEqual(iops);
    // Re-sending the billing mode the table has is no switch; another index's Update is admitted.
    expect(() => m.checkUpdate(HOME, { TableName: 't', BillingMode: 'PROVISIONED' }, 'PROVISIONED', [HOME], 99)).not.toThrow();
    expect(() => m.checkUpdate(HOME, call(upd('by-gk')), 'PROVISIONED', [HOME], 99)).not.toThrow();
    expect(refusal(() => m.checkDeleteTable(HOME, 't', 99))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}Cannot delete table while indexes are being created, updated, or deleted.`,
    });
    // Backfilling: throughput, the index's Update and its Delete are admitted; the table still cannot be deleted.
    for (const input of [pt, call(upd('by-x')), call(del('by-x'))]) expect(() => m.checkUpdate(HOME, input, 'PROVISIONED', [HOME], 100)).not.toThrow();
    expect(refusal(() => m.checkDeleteTable(HOME, 't', 100)).type).toBe('ResourceInUseException');
    expect(() => m.checkDeleteTable(HOME, 't', 300)).not.toThrow();
  });

  it('R16: while an index is DELETING, table throughput, a billing switch and any operation on that index are refused', () => {
    const m = new IndexPhases(TIMES);
    m.started(HOME, call(del('by-gk')), described(['by-gk']), 0);
    const iops = { type: 'ResourceInUseException', message: `${IN_USE}Can't change table IOPS when an index is being deleted. Table: t Indexes: [by-gk]` };
    expect(refusal(() => m.checkUpdate(HOME, { TableName: 't', ProvisionedThroughput: {} }, 'PROVISIONED', [HOME], 10))).toEqual(iops);
    expect(refusal(() => m.checkUpdate(HOME, { TableName: 't', BillingMode: 'PROVISIONED' }, 'PAY_PER_REQUEST', [HOME], 10))).toEqual(iops);
    expect(() => m.checkUpdate(HOME, { TableName: 't', BillingMode: 'PAY_PER_REQUEST' }, 'PAY_PER_REQUEST', [HOME], 10)).not.toThrow();
    const dying = { type: 'ResourceInUseException', message: `${IN_USE}Index is being deleted. Table: t Index: by-gk` };
    for (const u of [create('by-gk'), del('by-gk'), upd('by-gk')])
      expect(refusal(() => m.checkUpdate(HOME, call(u), 'PROVISIONED', [HOME], 10))).toEqual(dying);
    expect(() => m.checkUpdate(HOME, call(upd('by-other')), 'PROVISIONED', [HOME], 10)).not.toThrow();
    expect(() => m.checkUpdate(HOME, { TableName: 't', ProvisionedThroughput: {} }, 'PROVISIONED', [HOME], 50)).not.toThrow();
  });

  it('holds: a held create stays backfilling past backfillMs, ACTIVE once released; a hold may come first and never revives a finished create', () => {
    const m = new IndexPhases(TIMES);
    const early = m.hold(HOME, 't', 'by-x', 0);
    m.started(HOME, call(create('by-x')), described([]), 0);
    expect(m.phase(HOME, 't', 'by-x', 50)).toBe('allocation'); // the hold does not skip allocation
    expect(m.phase(HOME, 't', 'by-x', 100_000)).toBe('backfilling');
    const second = m.hold(HOME, 't', 'by-x', 100_000);
    early();
    early(); // idempotent
    expect(m.phase(HOME, 't', 'by-x', 100_001)).toBe('backfilling'); // still held by `second`
    second();
    expect(m.phase(HOME, 't', 'by-x', 100_002)).toBe('active');
    // A create released during its allocation is ACTIVE right after allocation.
    const h = m.hold(HOME, 't', 'by-y', 0);
    m.started(HOME, call(create('by-y')), described([]), 0);
    h();
    expect([m.phase(HOME, 't', 'by-y', 99), m.phase(HOME, 't', 'by-y', 100)]).toEqual(['allocation', 'active']);
    // A hold placed after the create is over does not bring it back.
    m.started(HOME, call(create('by-z')), described([]), 0);
    m.hold(HOME, 't', 'by-z', 400);
    expect(m.phase(HOME, 't', 'by-z', 401)).toBeUndefined();
  });

  it('off (no indexPhases): nothing refused, nothing masked, nothing tracked', () => {
    const m = new IndexPhases(undefined);
    m.started(HOME, call(create('a')), described([]), 0);
    expect(() => m.checkUpdate(HOME, call(create('a'), create('b')), 'PROVISIONED', [HOME], 0)).not.toThrow();
    const d = described(['a']);
    expect(m.mask(HOME, d, 0)).toBe(d);
    expect(m.phase(HOME, 't', 'a', 0)).toBeUndefined();
  });

  it('holdReplicaCreation: a replica being created stays CREATING past the delay (home table UPDATING) until released', async () => {
    const table: TableFacts = {
      TableName: 't',
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    };
    const facts = { writeAutoscaled: async () => true, deletionProtected: async () => false };
    const g = new ReplicationGroups();
    const release = g.holdCreation(EU);
    (await g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU } }] }, table, facts, 0, 100)).commit(0);
    expect(g.replicaStatus(HOME, 't', 10_000)).toEqual({ [EU]: 'CREATING' });
    expect(g.busy(HOME, 't', 10_000)).toBe(true);
    expect(g.patchDescription(HOME, { TableName: 't', TableStatus: 'ACTIVE' }, 10_000)).toMatchObject({
      TableStatus: 'UPDATING',
      Replicas: [{ RegionName: EU, ReplicaStatus: 'CREATING', ReplicaStatusPercentProgress: '0' }],
    });
    const r = await g
      .planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: AP } }] }, table, facts, 10_000, 100)
      .catch((e: SimError) => e.type);
    expect(r).toBe('ResourceInUseException');
    release();
    expect(g.replicaStatus(HOME, 't', 10_001)).toEqual({ [EU]: 'ACTIVE' });
    expect(g.busy(HOME, 't', 10_001)).toBe(false);
  });
});

describe('index phases through the proxy against moto_server', () => {
  let moto: Moto;
  let sim: ReplicaSimulator;
  const clients = new Map<string, DynamoDBClient>();
  /** Through the simulator; one attempt, so a LimitExceededException (which the SDK retries as throttling) is seen as is. */
  const ddb = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      c = new DynamoDBClient({ region, endpoint: sim.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
      clients.set(region, c);
    }
    return c;
  };
  let n = 0;
  const unique = (base: string) => `${base}-${process.pid}-${++n}`;

  beforeAll(async () => {
    moto = await startMoto();
    sim = await startReplicaSimulator(moto, { replicaDelayMs: 100, indexPhases: { allocationMs: FOREVER, backfillMs: FOREVER, deleteMs: FOREVER } });
  });
  afterAll(async () => {
    for (const c of clients.values()) c.destroy();
    await sim?.stop();
    await moto?.stop();
  });

  async function createTable(name: string, billing: 'PAY_PER_REQUEST' | 'PROVISIONED' = 'PROVISIONED', indexes = ['by-gk']) {
    const provisioned = billing === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {};
    await sim.direct(HOME).send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...indexes.map((i) => ({ AttributeName: i, AttributeType: 'S' as const }))],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: indexes.map((i) => ({
          IndexName: i,
          KeySchema: [{ AttributeName: i, KeyType: 'HASH' as const }],
          Projection: { ProjectionType: 'ALL' as const },
          ...provisioned,
        })),
        BillingMode: billing,
        ...provisioned,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  }
  const update = (name: string, input: Omit<UpdateTableCommandInput, 'TableName'>, region = HOME) =>
    ddb(region).send(new UpdateTableCommand({ TableName: name, ...input }));
  const addIndex = (name: string, index: string, region = HOME, provisioned = true) =>
    update(
      name,
      {
        AttributeDefinitions: [{ AttributeName: index, AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index,
              KeySchema: [{ AttributeName: index, KeyType: 'HASH' }],
              Projection: { ProjectionType: 'KEYS_ONLY' },
              ...(provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } } : {}),
            },
          },
        ],
      },
      region,
    );
  const dropIndex = (name: string, index: string) => update(name, { GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: index } }] });
  const described = async (name: string, region = HOME) => (await ddb(region).send(new DescribeTableCommand({ TableName: name }))).Table;
  const inMoto = async (name: string, region = HOME) =>
    ((await sim.direct(region).send(new DescribeTableCommand({ TableName: name }))).Table?.GlobalSecondaryIndexes ?? []).map(
      (g) => `${g.IndexName} ${g.IndexStatus}`,
    );
  /** TableStatus and each index as `name IndexStatus Backfilling`, as the simulator answers DescribeTable. */
  const view = async (name: string, region = HOME) => {
    const t = await described(name, region);
    return [t?.TableStatus, ...(t?.GlobalSecondaryIndexes ?? []).map((g) => `${g.IndexName} ${g.IndexStatus} ${g.Backfilling}`)];
  };
  /** Polls the simulator's DescribeTable until `pred` holds (bounded generously; the phases polled for last 1 ms). */
  async function until(name: string, pred: (v: (string | undefined)[]) => boolean, region = HOME): Promise<(string | undefined)[]> {
    const bound = Date.now() + 20_000;
    for (;;) {
      const v = await view(name, region);
      if (pred(v)) return v;
      if (Date.now() > bound) throw new Error(`DescribeTable of ${name} never matched; last ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const phases = (p: Partial<{ allocationMs: number; backfillMs: number; deleteMs: number }>) => {
    sim.indexPhases = { allocationMs: FOREVER, backfillMs: FOREVER, deleteMs: FOREVER, ...p };
  };
  beforeEach(() => phases({}));

  it('off when indexPhases is absent: moto makes the index ACTIVE at once and takes two creates in one call', async () => {
    sim.indexPhases = undefined;
    const name = unique('off');
    await createTable(name);
    await addIndex(name, 'by-x');
    expect(await view(name)).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x ACTIVE undefined']);
    const two = ['by-y', 'by-z'].map((i) => ({
      Create: { IndexName: i, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }], Projection: { ProjectionType: 'KEYS_ONLY' as const } },
    }));
    await update(name, { GlobalSecondaryIndexUpdates: two });
    expect(await inMoto(name)).toEqual(['by-gk ACTIVE', 'by-x ACTIVE', 'by-y ACTIVE', 'by-z ACTIVE']);
    expect(() => sim.holdIndexBackfill(HOME, name, 'by-x')).toThrow('needs the indexPhases option');
    expect(sim.indexOperations.filter((o) => o.table === name).map((o) => `${o.kind} ${o.index}`)).toEqual(['create by-x', 'create by-y', 'create by-z']);
  });

  it('R14: resource allocation: UpdateTable and DescribeTable say CREATING, Backfilling false, table UPDATING; moto has it ACTIVE', async () => {
    const name = unique('alloc');
    await createTable(name);
    const out = await addIndex(name, 'by-x');
    expect(out.TableDescription?.GlobalSecondaryIndexes?.find((g) => g.IndexName === 'by-x')).toMatchObject({ IndexStatus: 'CREATING', Backfilling: false });
    expect(await view(name)).toEqual(['UPDATING', 'by-gk ACTIVE undefined', 'by-x CREATING false']);
    expect(sim.indexPhase(HOME, name, 'by-x')).toBe('allocation');
    expect(await inMoto(name)).toEqual(['by-gk ACTIVE', 'by-x ACTIVE']);
  });

  it('R14 and holdIndexBackfill: backfilling (table ACTIVE) for as long as held, then ACTIVE; without a hold it ends by itself', async () => {
    phases({ allocationMs: 1, backfillMs: 1 });
    const name = unique('backfill');
    await createTable(name);
    const release = sim.holdIndexBackfill(HOME, name, 'by-x');
    await addIndex(name, 'by-x');
    expect(await until(name, (v) => v.includes('by-x CREATING true'))).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x CREATING true']);
    await new Promise((r) => setTimeout(r, 100)); // 100 times backfillMs: the hold, not the clock, keeps it
    expect(await view(name)).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x CREATING true']);
    release();
    expect(await view(name)).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x ACTIVE undefined']);
    // No hold: the same phases end on their own.
    await addIndex(name, 'by-y');
    expect(await until(name, (v) => v.includes('by-y ACTIVE undefined'))).toEqual([
      'ACTIVE',
      'by-gk ACTIVE undefined',
      'by-x ACTIVE undefined',
      'by-y ACTIVE undefined',
    ]);
  });

  it('R14: a deleted index is reported DELETING (table UPDATING) while moto has dropped it; gone once deleteMs has passed', async () => {
    const name = unique('delete');
    await createTable(name, 'PROVISIONED', ['by-a', 'by-b']);
    const out = await dropIndex(name, 'by-a');
    expect(out.TableDescription?.GlobalSecondaryIndexes?.map((g) => `${g.IndexName} ${g.IndexStatus}`)).toEqual(['by-a DELETING', 'by-b ACTIVE']);
    expect(await view(name)).toEqual(['UPDATING', 'by-a DELETING undefined', 'by-b ACTIVE undefined']);
    expect(await inMoto(name)).toEqual(['by-b ACTIVE']);
    phases({ deleteMs: 1 });
    const other = unique('delete');
    await createTable(other);
    await dropIndex(other, 'by-gk');
    expect(await until(other, (v) => v.length === 1)).toEqual(['ACTIVE']);
  });

  it('R15: one online index create or delete at a time per table (LimitExceededException), in one call or across calls', async () => {
    phases({ allocationMs: 1 });
    const name = unique('one');
    await createTable(name, 'PROVISIONED', ['by-gk', 'by-gk2']);
    const twoInOne = await refused(
      update(name, {
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: 'by-y', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } },
          { Delete: { IndexName: 'by-gk2' } },
        ],
      }),
    );
    expect(twoInOne).toEqual(LIMIT);
    // Several Updates in one call are fine.
    const pt = { ReadCapacityUnits: 3, WriteCapacityUnits: 3 };
    await update(name, { GlobalSecondaryIndexUpdates: ['by-gk', 'by-gk2'].map((IndexName) => ({ Update: { IndexName, ProvisionedThroughput: pt } })) });
    await addIndex(name, 'by-x');
    await until(name, (v) => v.includes('by-x CREATING true'));
    expect(await refused(addIndex(name, 'by-y'))).toEqual(LIMIT);
    expect(await refused(dropIndex(name, 'by-gk2'))).toEqual(LIMIT);
    expect(await inMoto(name)).toEqual(['by-gk ACTIVE', 'by-gk2 ACTIVE', 'by-x ACTIVE']);
    // While an index is DELETING: another create is over the limit; the same name is still in use.
    const gone = unique('one');
    await createTable(gone, 'PROVISIONED', ['by-gk', 'by-gk2']);
    await dropIndex(gone, 'by-gk2');
    expect(await refused(addIndex(gone, 'by-z'))).toEqual(LIMIT);
    expect(await refused(addIndex(gone, 'by-gk2'))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}Index is being deleted. Table: ${gone} Index: by-gk2`,
    });
    // Refused calls are not index operations.
    expect(sim.indexOperations.filter((o) => o.table === name || o.table === gone).map((o) => `${o.kind} ${o.index}`)).toEqual([
      'update by-gk',
      'update by-gk2',
      'create by-x',
      'delete by-gk2',
    ]);
  });

  it('R16: during resource allocation the index cannot be deleted nor throughput changed, nor the table deleted (ResourceInUseException)', async () => {
    const name = unique('r16a');
    await createTable(name);
    await addIndex(name, 'by-x');
    expect(await refused(dropIndex(name, 'by-x'))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}${ALLOCATING} Table: ${name} Index: by-x`,
    });
    expect(await refused(update(name, { ProvisionedThroughput: { ReadCapacityUnits: 9, WriteCapacityUnits: 9 } }))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}Can't change table IOPS when an index is being created. Table: ${name} Indexes: [by-x]`,
    });
    const pt = { ReadCapacityUnits: 4, WriteCapacityUnits: 4 };
    expect(await refused(update(name, { GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'by-x', ProvisionedThroughput: pt } }] }))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}Index is being created but is not backfilling yet. Table: ${name} Index: by-x`,
    });
    // Another index's throughput may change.
    await update(name, { GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'by-gk', ProvisionedThroughput: pt } }] });
    expect(await refused(ddb(HOME).send(new DeleteTableCommand({ TableName: name })))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}Cannot delete table while indexes are being created, updated, or deleted.`,
    });
    const t = (await sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table;
    expect([
      t?.ProvisionedThroughput?.ReadCapacityUnits,
      ...(t?.GlobalSecondaryIndexes ?? []).map((g) => `${g.IndexName} ${g.ProvisionedThroughput?.ReadCapacityUnits}`),
    ]).toEqual([5, 'by-gk 4', 'by-x 1']);
  });

  it('R16: during backfilling throughput may change and the index may be deleted (then DELETING, and table throughput waits again)', async () => {
    phases({ allocationMs: 1 });
    const name = unique('r16b');
    await createTable(name);
    await addIndex(name, 'by-x');
    await until(name, (v) => v.includes('by-x CREATING true'));
    await update(name, { ProvisionedThroughput: { ReadCapacityUnits: 9, WriteCapacityUnits: 9 } });
    await dropIndex(name, 'by-x');
    expect(await view(name)).toEqual(['UPDATING', 'by-gk ACTIVE undefined', 'by-x DELETING undefined']);
    expect(await inMoto(name)).toEqual(['by-gk ACTIVE']);
    expect(await refused(update(name, { ProvisionedThroughput: { ReadCapacityUnits: 8, WriteCapacityUnits: 8 } }))).toEqual({
      type: 'ResourceInUseException',
      message: `${IN_USE}Can't change table IOPS when an index is being deleted. Table: ${name} Indexes: [by-x]`,
    });
    expect((await sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(9);
  });

  /** Home plus an ACTIVE replica in EU (on demand, so R5/R11 do not apply). */
  async function replicated(name: string) {
    await createTable(name, 'PAY_PER_REQUEST');
    await update(name, { ReplicaUpdates: [{ Create: { RegionName: EU } }] });
    const bound = Date.now() + 20_000;
    while (sim.replicaStatus(HOME, name)[EU] !== 'ACTIVE') {
      if (Date.now() > bound) throw new Error(`replica of ${name} never ACTIVE`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('R17: on a replicated table an index created or deleted at home is created or deleted in the replica too, with the same phases', async () => {
    phases({ allocationMs: 1 });
    const name = unique('r17');
    await replicated(name);
    const releaseHome = sim.holdIndexBackfill(HOME, name, 'by-x');
    const releaseEu = sim.holdIndexBackfill(EU, name, 'by-x');
    await addIndex(name, 'by-x', HOME, false);
    expect(await inMoto(name, EU)).toEqual(['by-gk ACTIVE', 'by-x ACTIVE']);
    expect(await until(name, (v) => v.includes('by-x CREATING true'), EU)).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x CREATING true']);
    releaseHome();
    expect(await view(name)).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x ACTIVE undefined']);
    // Still backfilling in EU: the group's next index create waits for it (R15).
    expect(await refused(addIndex(name, 'by-y', HOME, false))).toEqual(LIMIT);
    releaseEu();
    expect(await view(name, EU)).toEqual(['ACTIVE', 'by-gk ACTIVE undefined', 'by-x ACTIVE undefined']);
    await dropIndex(name, 'by-x');
    expect(await inMoto(name, EU)).toEqual(['by-gk ACTIVE']);
    expect(await view(name, EU)).toEqual(['UPDATING', 'by-gk ACTIVE undefined', 'by-x DELETING undefined']);
    // Only the client's own calls are index operations, in the region it called.
    expect(sim.indexOperations.filter((o) => o.table === name).map((o) => `${o.region} ${o.kind} ${o.index}`)).toEqual([
      `${HOME} create by-x`,
      `${HOME} delete by-x`,
    ]);
  });

  it('holdReplicaCreation: a replica being created stays CREATING past replicaDelayMs, the home table UPDATING, until released', async () => {
    const name = unique('hold');
    await createTable(name, 'PAY_PER_REQUEST');
    const release = sim.holdReplicaCreation(EU);
    await update(name, { ReplicaUpdates: [{ Create: { RegionName: EU } }] });
    await new Promise((r) => setTimeout(r, sim.replicaDelayMs * 3));
    expect(sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'CREATING' });
    const home = await described(name);
    expect([home?.TableStatus, home?.Replicas?.map((r) => `${r.RegionName} ${r.ReplicaStatus} ${r.ReplicaStatusPercentProgress}`)]).toEqual([
      'UPDATING',
      [`${EU} CREATING 0`],
    ]);
    expect((await described(name, EU))?.TableStatus).toBe('CREATING');
    expect((await refused(update(name, { ReplicaUpdates: [{ Create: { RegionName: AP } }] }))).type).toBe('ResourceInUseException');
    release();
    expect(sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE' });
    expect([(await described(name))?.TableStatus, (await described(name, EU))?.TableStatus]).toEqual(['ACTIVE', 'ACTIVE']);
  });

  it('indexOperations: what each call did to which index, in order (deletes, then updates, then creates)', async () => {
    phases({ allocationMs: 1, backfillMs: 1, deleteMs: 1 });
    const name = unique('order');
    await createTable(name, 'PROVISIONED', ['by-old', 'by-keep']);
    const start = Date.now();
    await dropIndex(name, 'by-old');
    await until(name, (v) => !v.some((x) => x?.startsWith('by-old')));
    await update(name, {
      GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'by-keep', ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 7 } } }],
    });
    await addIndex(name, 'by-new');
    await until(name, (v) => v.includes('by-new ACTIVE undefined'));
    const ops = sim.indexOperations.filter((o) => o.table === name);
    expect(ops.map(({ region, table, index, kind }) => ({ region, table, index, kind }))).toEqual([
      { region: HOME, table: name, index: 'by-old', kind: 'delete' },
      { region: HOME, table: name, index: 'by-keep', kind: 'update' },
      { region: HOME, table: name, index: 'by-new', kind: 'create' },
    ]);
    expect(ops.every((o, i) => o.at >= start && (i === 0 || o.at >= ops[i - 1].at))).toBe(true);
  });
});
