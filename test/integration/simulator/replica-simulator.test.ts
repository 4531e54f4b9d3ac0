/**
 * The replica simulator itself: its replication-group rules on their own (pure, fake clock) and
 * through the proxy against moto_server, and its consistency faults. Every rule and fault is
 * asserted with concrete values; the sources are cited in test/support/replica-simulator/*.ts.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTableReplicaAutoScalingCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  UpdateTableReplicaAutoScalingCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { LOCAL_CREDENTIALS, startMoto, type Moto } from '../../support/moto';
import { LIFECYCLE_FAULTS, startReplicaSimulator, type ReplicaSimulator } from '../../support/replica-simulator';
import { ConsistencyModel, StaleWindows } from '../../support/replica-simulator/consistency';
import { ReplicationGroups, SimError, type ReplicaUpdateFacts, type TableFacts } from '../../support/replica-simulator/group';

const HOME = 'us-east-1';
const EU = 'eu-west-1';
const AP = 'ap-southeast-2';

const ON_DEMAND: TableFacts = {
  TableName: 't',
  BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
  StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
};
const PROVISIONED: TableFacts = {
  TableName: 't',
  BillingModeSummary: { BillingMode: 'PROVISIONED' },
  StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  GlobalSecondaryIndexes: [{ IndexName: 'by-gk' }],
};
const facts = (over: Partial<{ autoscaled: boolean; protectedRegions: string[] }> = {}): ReplicaUpdateFacts => ({
  writeAutoscaled: async () => over.autoscaled ?? false,
  deletionProtected: async (r) => (over.protectedRegions ?? []).includes(r),
});

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<{ type: string; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof SimError) return { type: e.type, message: e.message };
    const err = e as { name?: string; message?: string };
    return { type: String(err.name), message: String(err.message) };
  }
  throw new Error('expected a refusal');
}

describe('replication-group rules (pure state machine, fake clock)', () => {
  const DELAY = 100;
  /** A group `t` with one ACTIVE replica in EU, at time 1000. */
  async function withReplica(table: TableFacts = ON_DEMAND, f = facts({ autoscaled: true })) {
    const g = new ReplicationGroups();
    const plan = await g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU } }] }, table, f, 0, DELAY);
    plan.commit(0);
    expect(g.replicaStatus(HOME, 't', 1000)).toEqual({ [EU]: 'ACTIVE' });
    return g;
  }

  it('R1: one replica create or delete per UpdateTable', async () => {
    const g = new ReplicationGroups();
    const r = await refusal(
      g.planReplicaUpdates(
        HOME,
        { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU } }, { Create: { RegionName: AP } }] },
        ON_DEMAND,
        facts(),
        0,
        DELAY,
      ),
    );
    expect(r).toEqual({ type: 'ValidationException', message: 'Only one replica can be created or deleted per UpdateTable request' });
  });

  it('R2: each ReplicationGroupUpdate holds exactly one action', async () => {
    const g = new ReplicationGroups();
    const r = await refusal(
      g.planReplicaUpdates(
        HOME,
        { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU }, Delete: { RegionName: EU } }] },
        ON_DEMAND,
        facts(),
        0,
        DELAY,
      ),
    );
    expect(r).toEqual({ type: 'ValidationException', message: 'Each ReplicationGroupUpdate must contain exactly one of Create, Update or Delete' });
  });

  it('R3: no second change while the table is UPDATING; accepted again once the delay has passed', async () => {
    const g = new ReplicationGroups();
    (await g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU } }] }, ON_DEMAND, facts(), 0, DELAY)).commit(0);
    const r = await refusal(g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: AP } }] }, ON_DEMAND, facts(), 50, DELAY));
    expect(r).toEqual({ type: 'ResourceInUseException', message: 'Attempt to change a resource which is still in use: Table is being updated: t' });
    expect(g.busy(HOME, 't', 50)).toBe(true);
    expect(await refusal(g.checkTableUpdate(HOME, { TableName: 't', BillingMode: 'PAY_PER_REQUEST' }, ON_DEMAND, async () => true, 50))).toEqual(r);
    const later = await g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: AP } }] }, ON_DEMAND, facts(), DELAY, DELAY);
    expect(later.effects).toEqual([
      { kind: 'create-replica-table', region: AP, provisioned: false, readCapacity: undefined, kms: undefined, tableClass: undefined },
    ]);
  });

  it('R4: a replica needs streams with NEW_AND_OLD_IMAGES', async () => {
    const g = new ReplicationGroups();
    for (const stream of [undefined, { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' }]) {
      const r = await refusal(
        g.planReplicaUpdates(
          HOME,
          { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU } }] },
          { ...ON_DEMAND, StreamSpecification: stream },
          facts(),
          0,
          DELAY,
        ),
      );
      expect(r).toEqual({
        type: 'ValidationException',
        message: 'Table must have DynamoDB Streams enabled with StreamViewType NEW_AND_OLD_IMAGES to add a replica',
      });
    }
  });

  it('R5: a PROVISIONED table needs write auto scaling before a replica is added', async () => {
    const g = new ReplicationGroups();
    const r = await refusal(
      g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU } }] }, PROVISIONED, facts({ autoscaled: false }), 0, DELAY),
    );
    expect(r).toEqual({ type: 'ValidationException', message: 'Table write capacity should either be Pay-Per-Request or AutoScaled to add a replica' });
    const ok = await g.planReplicaUpdates(
      HOME,
      { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU, ProvisionedThroughputOverride: { ReadCapacityUnits: 7 } } }] },
      PROVISIONED,
      facts({ autoscaled: true }),
      0,
      DELAY,
    );
    expect(ok.effects).toEqual([{ kind: 'create-replica-table', region: EU, provisioned: true, readCapacity: 7, kms: undefined, tableClass: undefined }]);
  });

  it('R6/R7: create makes the replica table in the target region; CREATING then ACTIVE after the delay; delete goes DELETING then gone', async () => {
    const g = new ReplicationGroups();
    const plan = await g.planReplicaUpdates(
      HOME,
      {
        TableName: 't',
        ReplicaUpdates: [
          { Create: { RegionName: EU, KMSMasterKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k', TableClassOverride: 'STANDARD_INFREQUENT_ACCESS' } },
        ],
      },
      ON_DEMAND,
      facts(),
      0,
      DELAY,
    );
    expect(plan.effects).toEqual([
      {
        kind: 'create-replica-table',
        region: EU,
        provisioned: false,
        readCapacity: undefined,
        kms: 'arn:aws:kms:eu-west-1:123456789012:key/k',
        tableClass: 'STANDARD_INFREQUENT_ACCESS',
      },
    ]);
    expect(plan.commit(0)).toEqual([{ table: 't', region: EU, kind: 'create', startedAt: 0, readyAt: 100 }]);
    expect(g.replicaStatus(HOME, 't', 99)).toEqual({ [EU]: 'CREATING' });
    expect(g.patchDescription(HOME, { TableName: 't', TableStatus: 'ACTIVE' }, 99)).toEqual({
      TableName: 't',
      TableStatus: 'UPDATING',
      GlobalTableVersion: '2019.11.21',
      MultiRegionConsistency: 'EVENTUAL',
      Replicas: [
        {
          RegionName: EU,
          ReplicaStatus: 'CREATING',
          ReplicaStatusPercentProgress: '0',
          KMSMasterKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k',
          ReplicaTableClassSummary: { TableClass: 'STANDARD_INFREQUENT_ACCESS' },
        },
      ],
    });
    expect(g.patchDescription(EU, { TableName: 't', TableStatus: 'ACTIVE' }, 99)).toMatchObject({
      TableStatus: 'CREATING',
      Replicas: [{ RegionName: HOME, ReplicaStatus: 'ACTIVE' }],
    });
    expect(g.replicaStatus(HOME, 't', 100)).toEqual({ [EU]: 'ACTIVE' });
    const del = await g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Delete: { RegionName: EU } }] }, ON_DEMAND, facts(), 200, DELAY);
    expect(del.effects).toEqual([{ kind: 'delete-replica-table', region: EU }]);
    del.commit(200);
    expect(g.replicaStatus(HOME, 't', 250)).toEqual({ [EU]: 'DELETING' });
    expect(g.replicaStatus(HOME, 't', 300)).toEqual({});
  });

  it('R6: a creation told to fail ends CREATION_FAILED with its description and creates no table', async () => {
    const g = new ReplicationGroups();
    g.failNextCreate(EU, 'KMS key not accessible');
    const plan = await g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: EU } }] }, ON_DEMAND, facts(), 0, DELAY);
    expect(plan.effects).toEqual([]);
    plan.commit(0);
    expect(g.replicaStatus(HOME, 't', 100)).toEqual({ [EU]: 'CREATION_FAILED' });
    expect(g.replicaDescriptions(g.groupOf(HOME, 't', 100)!, HOME)).toEqual([
      { RegionName: EU, ReplicaStatus: 'CREATION_FAILED', ReplicaStatusDescription: 'KMS key not accessible' },
    ]);
  });

  it('R8: a replica protected against deletion cannot be deleted', async () => {
    const g = await withReplica();
    const r = await refusal(
      g.planReplicaUpdates(
        HOME,
        { TableName: 't', ReplicaUpdates: [{ Delete: { RegionName: EU } }] },
        ON_DEMAND,
        facts({ protectedRegions: [EU] }),
        1000,
        DELAY,
      ),
    );
    expect(r).toEqual({
      type: 'ValidationException',
      message: `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first. (replica t in ${EU})`,
    });
  });

  it('R9: Update overrides read capacity, max read units and table class, and makes the replica UPDATING for a third of the delay', async () => {
    const g = await withReplica();
    const plan = await g.planReplicaUpdates(
      HOME,
      {
        TableName: 't',
        ReplicaUpdates: [
          {
            Update: {
              RegionName: EU,
              ProvisionedThroughputOverride: { ReadCapacityUnits: 9 },
              OnDemandThroughputOverride: { MaxReadRequestUnits: 400 },
              TableClassOverride: 'STANDARD',
            },
          },
        ],
      },
      ON_DEMAND,
      facts(),
      1000,
      DELAY,
    );
    expect(plan.effects).toEqual([]);
    expect(plan.commit(1000)).toEqual([{ table: 't', region: EU, kind: 'update', startedAt: 1000, readyAt: 1034 }]);
    expect(g.replicaStatus(HOME, 't', 1010)).toEqual({ [EU]: 'UPDATING' });
    expect(g.replicaDescriptions(g.groupOf(HOME, 't', 1034)!, HOME)).toEqual([
      {
        RegionName: EU,
        ReplicaStatus: 'ACTIVE',
        ProvisionedThroughputOverride: { ReadCapacityUnits: 9 },
        OnDemandThroughputOverride: { MaxReadRequestUnits: 400 },
        ReplicaTableClassSummary: { TableClass: 'STANDARD' },
      },
    ]);
  });

  it('R10: write auto scaling is set once for every region; read settings per replica', async () => {
    const g = await withReplica(PROVISIONED);
    const effects = g.planReplicaAutoScaling(
      HOME,
      {
        TableName: 't',
        ProvisionedWriteCapacityAutoScalingUpdate: {
          MinimumUnits: 5,
          MaximumUnits: 40,
          ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 65 } },
        },
        GlobalSecondaryIndexUpdates: [
          {
            IndexName: 'by-gk',
            ProvisionedWriteCapacityAutoScalingUpdate: {
              MinimumUnits: 2,
              MaximumUnits: 20,
              ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 70 } },
            },
          },
        ],
        ReplicaUpdates: [
          {
            RegionName: EU,
            ReplicaProvisionedReadCapacityAutoScalingUpdate: {
              MinimumUnits: 3,
              MaximumUnits: 30,
              ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 50 } },
            },
          },
        ],
      },
      PROVISIONED,
      1000,
    );
    expect(
      effects.map(
        (e) => `${e.region} ${e.resourceId} ${e.dimension} ${e.settings?.min}-${e.settings?.max}@${e.settings?.targetValue} ${e.settings?.policyName}`,
      ),
    ).toEqual([
      `${HOME} table/t dynamodb:table:WriteCapacityUnits 5-40@65 DynamoDBWriteCapacityUtilization:table/t`,
      `${EU} table/t dynamodb:table:WriteCapacityUnits 5-40@65 DynamoDBWriteCapacityUtilization:table/t`,
      `${HOME} table/t/index/by-gk dynamodb:index:WriteCapacityUnits 2-20@70 DynamoDBWriteCapacityUtilization:table/t/index/by-gk`,
      `${EU} table/t/index/by-gk dynamodb:index:WriteCapacityUnits 2-20@70 DynamoDBWriteCapacityUtilization:table/t/index/by-gk`,
      `${EU} table/t dynamodb:table:ReadCapacityUnits 3-30@50 DynamoDBReadCapacityUtilization:table/t`,
    ]);
    expect(g.writeManaged('t', 'table/t')).toBe(true);
    expect(g.writeManaged('t', 'table/t/index/by-gk')).toBe(true);
  });

  it('R10: refuses on-demand tables, unknown replicas and indexes, and min above max', () => {
    const g = new ReplicationGroups();
    const write = { MinimumUnits: 5, MaximumUnits: 40, ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 65 } } };
    expect(() => g.planReplicaAutoScaling(HOME, { TableName: 't', ProvisionedWriteCapacityAutoScalingUpdate: write }, ON_DEMAND, 0)).toThrow(
      'AutoScaling is not available for tables with PAY_PER_REQUEST billing mode',
    );
    expect(() => g.planReplicaAutoScaling(HOME, { TableName: 't', ReplicaUpdates: [{ RegionName: AP }] }, PROVISIONED, 0)).toThrow(
      `Replica ${AP} does not exist for table t`,
    );
    expect(() => g.planReplicaAutoScaling(HOME, { TableName: 't', GlobalSecondaryIndexUpdates: [{ IndexName: 'nope' }] }, PROVISIONED, 0)).toThrow(
      'Requested resource not found: Index: nope not found for table t',
    );
    expect(() =>
      g.planReplicaAutoScaling(HOME, { TableName: 't', ProvisionedWriteCapacityAutoScalingUpdate: { ...write, MinimumUnits: 50 } }, PROVISIONED, 0),
    ).toThrow('ProvisionedWriteCapacityAutoScalingUpdate: MinimumUnits (50) must be at least 1 and at most MaximumUnits (40)');
    expect(() => g.planReplicaAutoScaling(HOME, { TableName: 'gone' }, undefined, 0)).toThrow('Requested resource not found: Table: gone not found');
    // A single-region PROVISIONED table: only its own region.
    expect(g.planReplicaAutoScaling(HOME, { TableName: 't', ProvisionedWriteCapacityAutoScalingUpdate: write }, PROVISIONED, 0).map((e) => e.region)).toEqual([
      HOME,
    ]);
  });

  it("R11: a new GSI on a replicated PROVISIONED table needs the table's write capacity auto scaled", async () => {
    const g = await withReplica(PROVISIONED);
    const create = { TableName: 't', GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'by-x', KeySchema: [], Projection: {} } }] };
    expect(await refusal(g.checkTableUpdate(HOME, create, PROVISIONED, async () => false, 1000))).toEqual({
      type: 'ValidationException',
      message: 'Table write capacity should either be Pay-Per-Request or AutoScaled',
    });
    await expect(g.checkTableUpdate(HOME, create, PROVISIONED, async () => true, 1000)).resolves.toBeUndefined();
    // On demand, or no replicas: no rule.
    await expect(g.checkTableUpdate(HOME, create, ON_DEMAND, async () => false, 1000)).resolves.toBeUndefined();
    await expect(g.checkTableUpdate(HOME, { ...create, BillingMode: 'PAY_PER_REQUEST' }, PROVISIONED, async () => false, 1000)).resolves.toBeUndefined();
    await expect(new ReplicationGroups().checkTableUpdate(HOME, create, PROVISIONED, async () => false, 1000)).resolves.toBeUndefined();
  });

  it('R27: a switch from PAY_PER_REQUEST to PROVISIONED sets the capacity of the table and of every index in the same call', async () => {
    const g = new ReplicationGroups();
    const onDemand: TableFacts = { ...ON_DEMAND, GlobalSecondaryIndexes: [{ IndexName: 'by-a' }, { IndexName: 'by-b' }] };
    const capacity = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
    const sw = { TableName: 't', BillingMode: 'PROVISIONED' };
    expect(await refusal(g.checkTableUpdate(HOME, sw, onDemand, async () => true, 0))).toEqual({
      type: 'ValidationException',
      message: 'One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED',
    });
    const onlyA = { ...sw, ProvisionedThroughput: capacity, GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'by-a', ProvisionedThroughput: capacity } }] };
    expect(await refusal(g.checkTableUpdate(HOME, onlyA, onDemand, async () => true, 0))).toEqual({
      type: 'ValidationException',
      message: 'One or more parameter values were invalid: ProvisionedThroughput must be specified for index: by-b',
    });
    const both = {
      ...onlyA,
      GlobalSecondaryIndexUpdates: [...onlyA.GlobalSecondaryIndexUpdates, { Update: { IndexName: 'by-b', ProvisionedThroughput: capacity } }],
    };
    await expect(g.checkTableUpdate(HOME, both, onDemand, async () => true, 0)).resolves.toBeUndefined();
    // Already PROVISIONED, or staying on demand: no rule.
    await expect(g.checkTableUpdate(HOME, sw, PROVISIONED, async () => true, 0)).resolves.toBeUndefined();
    await expect(g.checkTableUpdate(HOME, { TableName: 't', BillingMode: 'PAY_PER_REQUEST' }, onDemand, async () => true, 0)).resolves.toBeUndefined();
  });

  it(
    'R12: once DynamoDB manages write auto scaling, a second write target or policy in a replica region is refused (home region and reads are ' + 'not)',
    async () => {
      const g = await withReplica(PROVISIONED);
      const call = { ServiceNamespace: 'dynamodb', ResourceId: 'table/t', ScalableDimension: 'dynamodb:table:WriteCapacityUnits' };
      // Before UpdateTableReplicaAutoScaling the caller manages replica regions itself.
      expect(() => g.checkScalingCall(EU, 'RegisterScalableTarget', call, 1000)).not.toThrow();
      g.planReplicaAutoScaling(
        HOME,
        {
          TableName: 't',
          ProvisionedWriteCapacityAutoScalingUpdate: {
            MinimumUnits: 5,
            MaximumUnits: 40,
            ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 65 } },
          },
        },
        PROVISIONED,
        1000,
      );
      for (const op of ['RegisterScalableTarget', 'PutScalingPolicy']) {
        expect(() => g.checkScalingCall(EU, op, call, 1000)).toThrow(
          'replica simulator: the write capacity of replicated PROVISIONED table t is managed globally by DynamoDB (UpdateTableReplicaAutoScaling); a ' +
            'second write scalable target or scaling policy for table/t in replica region eu-west-1 would conflict with it',
        );
      }
      expect(() => g.checkScalingCall(HOME, 'RegisterScalableTarget', call, 1000)).not.toThrow();
      expect(() => g.checkScalingCall(EU, 'RegisterScalableTarget', { ...call, ScalableDimension: 'dynamodb:table:ReadCapacityUnits' }, 1000)).not.toThrow();
      expect(() => g.checkScalingCall(EU, 'DeregisterScalableTarget', call, 1000)).not.toThrow();
      // Turned off again (AutoScalingDisabled): the caller may register its own.
      g.planReplicaAutoScaling(HOME, { TableName: 't', ProvisionedWriteCapacityAutoScalingUpdate: { AutoScalingDisabled: true } }, PROVISIONED, 1000);
      expect(() => g.checkScalingCall(EU, 'RegisterScalableTarget', call, 1000)).not.toThrow();
    },
  );

  it('R13: the stream cannot be disabled while replicas exist, and can once they are gone', async () => {
    const g = await withReplica();
    const off = { TableName: 't', StreamSpecification: { StreamEnabled: false } };
    expect(await refusal(g.checkTableUpdate(HOME, off, ON_DEMAND, async () => true, 1000))).toEqual({
      type: 'ValidationException',
      message: 'Disabling Stream is not allowed for a Global Table replica',
    });
    expect(await refusal(g.checkTableUpdate(EU, off, ON_DEMAND, async () => true, 1000))).toEqual({
      type: 'ValidationException',
      message: 'Disabling Stream is not allowed for a Global Table replica',
    });
    (await g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Delete: { RegionName: EU } }] }, ON_DEMAND, facts(), 1000, DELAY)).commit(1000);
    await expect(g.checkTableUpdate(HOME, off, ON_DEMAND, async () => true, 1100)).resolves.toBeUndefined();
  });
});

describe('consistency windows (pure)', () => {
  it('serves the older value for lagMs or for the given number of reads, whichever lasts longer', () => {
    const w = new StaleWindows<string>();
    w.open('k', 'old', 0, 100, 0);
    expect(w.read('k', 99)).toEqual({ value: 'old' });
    expect(w.read('k', 100)).toBeUndefined();
    w.open('r', 'old', 0, 0, 2);
    expect([w.read('r', 5000), w.read('r', 5000), w.read('r', 5000)]).toEqual([{ value: 'old' }, { value: 'old' }, undefined]);
  });

  it('a write inside an open window keeps the older snapshot and restarts the window', () => {
    const w = new StaleWindows<string>();
    w.open('k', 'v1', 0, 100, 0);
    w.open('k', 'v2', 50, 100, 0);
    expect(w.read('k', 149)).toEqual({ value: 'v1' });
    expect(w.read('k', 150)).toBeUndefined();
  });

  it('is off by default and when disabled; LIFECYCLE_FAULTS guarantees one stale read of each kind', () => {
    const m = new ConsistencyModel();
    m.tagWrite('arn', [{ Key: 'a', Value: '1' }], 0);
    m.tableCreated('us-east-1|t', 0);
    expect([m.tagRead('arn', 0), m.describeRead('us-east-1|t', 0)]).toEqual([undefined, undefined]);
    expect(LIFECYCLE_FAULTS).toEqual({ enabled: true, tagLagMs: 1000, tagLagReads: 1, describeLagMs: 500, describeLagReads: 1 });
    m.set(LIFECYCLE_FAULTS);
    m.tagWrite('arn', [{ Key: 'a', Value: '1' }], 0);
    m.tableCreated('us-east-1|t', 0);
    m.tableUpdated('us-east-1|u', { TableName: 'u', TableStatus: 'ACTIVE' }, 0);
    expect(m.tagRead('arn', 10_000)).toEqual([{ Key: 'a', Value: '1' }]);
    expect(m.tagRead('arn', 10_000)).toBeUndefined();
    expect(m.describeRead('us-east-1|t', 10_000)).toEqual({ kind: 'not-found' });
    expect(m.describeRead('us-east-1|u', 10_000)).toEqual({ kind: 'stale', table: { TableName: 'u', TableStatus: 'ACTIVE' } });
    m.tagWrite('arn', [], 0);
    m.set({ enabled: false });
    expect(m.tagRead('arn', 0)).toBeUndefined();
  });
});

describe('replica simulator proxy against moto_server', () => {
  let moto: Moto;
  let sim: ReplicaSimulator;
  const clients = new Map<string, DynamoDBClient>();
  const ddb = (region: string) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = new DynamoDBClient({ region, endpoint: sim.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 })));
    return c;
  };
  const aas = (region: string) => new ApplicationAutoScalingClient({ region, endpoint: sim.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  let n = 0;
  const unique = (base: string) => `${base}-${process.pid}-${++n}`;

  beforeAll(async () => {
    moto = await startMoto();
    sim = await startReplicaSimulator(moto, { replicaDelayMs: 200 });
  });
  afterAll(async () => {
    for (const c of clients.values()) c.destroy();
    await sim?.stop();
    await moto?.stop();
  });
  afterEach(() => sim.setConsistencyFaults({ enabled: false }));

  async function createTable(name: string, billing: 'PAY_PER_REQUEST' | 'PROVISIONED', via: DynamoDBClient = sim.direct(HOME)) {
    const provisioned = billing === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {};
    await via.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'gk', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'by-gk', KeySchema: [{ AttributeName: 'gk', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' }, ...provisioned },
        ],
        BillingMode: billing,
        ...provisioned,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  }

  /** A replicated table: home plus an ACTIVE replica in EU. PROVISIONED ones get home write auto scaling first (R5). */
  async function replicated(name: string, billing: 'PAY_PER_REQUEST' | 'PROVISIONED') {
    await createTable(name, billing);
    if (billing === 'PROVISIONED') {
      await sim.directAutoscaling(HOME).send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'dynamodb',
          ResourceId: `table/${name}`,
          ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
          MinCapacity: 5,
          MaxCapacity: 50,
        }),
      );
    }
    await ddb(HOME).send(new UpdateTableCommand({ TableName: name, ReplicaUpdates: [{ Create: { RegionName: EU } }] }));
    await new Promise((r) => setTimeout(r, sim.replicaDelayMs + 20));
    expect(sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE' });
  }

  it('keeps consistency faults off by default: tags and descriptions read back at once', async () => {
    expect(sim.consistencyFaults()).toEqual({ enabled: false });
    const name = unique('plain');
    await createTable(name, 'PAY_PER_REQUEST', ddb(HOME));
    const t = (await ddb(HOME).send(new DescribeTableCommand({ TableName: name }))).Table;
    expect(t?.TableName).toBe(name);
    await ddb(HOME).send(new TagResourceCommand({ ResourceArn: t?.TableArn, Tags: [{ Key: 'team', Value: 'data' }] }));
    expect((await ddb(HOME).send(new ListTagsOfResourceCommand({ ResourceArn: t?.TableArn }))).Tags).toEqual([{ Key: 'team', Value: 'data' }]);
  });

  it('tag lag (reads): ListTagsOfResource returns the previous tag set for N reads after TagResource and after UntagResource', async () => {
    const name = unique('tags');
    await createTable(name, 'PAY_PER_REQUEST');
    const arn = (await sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.TableArn as string;
    sim.setConsistencyFaults({ enabled: true, tagLagReads: 2 });
    const list = async () => (await ddb(HOME).send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags ?? [];
    await ddb(HOME).send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'owner', Value: 'stack-a' }] }));
    expect([await list(), await list(), await list()]).toEqual([[], [], [{ Key: 'owner', Value: 'stack-a' }]]);
    await ddb(HOME).send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['owner'] }));
    expect([await list(), await list(), await list()]).toEqual([[{ Key: 'owner', Value: 'stack-a' }], [{ Key: 'owner', Value: 'stack-a' }], []]);
    const served = sim.calls.filter((c) => c.operation === 'ListTagsOfResource' && c.table === name);
    expect(served.map((c) => c.consistencyFault ?? 'fresh')).toEqual(['stale-tags', 'stale-tags', 'fresh', 'stale-tags', 'stale-tags', 'fresh']);
    // moto itself holds the new state all along.
    expect((await sim.direct(HOME).send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([]);
  });

  it('tag lag (ms): the previous tag set until the lag has passed', async () => {
    const name = unique('tagms');
    await createTable(name, 'PAY_PER_REQUEST');
    const arn = (await sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.TableArn as string;
    sim.setConsistencyFaults({ enabled: true, tagLagMs: 400 });
    await ddb(HOME).send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'k', Value: 'v' }] }));
    expect((await ddb(HOME).send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([]);
    expect((await ddb(HOME).send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([]);
    await new Promise((r) => setTimeout(r, 450));
    expect((await ddb(HOME).send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('describe lag after CreateTable: ResourceNotFoundException for a while, then the table', async () => {
    sim.setConsistencyFaults({ enabled: true, describeLagReads: 1, describeLagMs: 300 });
    const name = unique('created');
    await createTable(name, 'PAY_PER_REQUEST', ddb(HOME));
    expect(await refusal(ddb(HOME).send(new DescribeTableCommand({ TableName: name })))).toEqual({
      type: 'ResourceNotFoundException',
      message: `Requested resource not found: Table: ${name} not found`,
    });
    await new Promise((r) => setTimeout(r, 350));
    expect((await ddb(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.TableName).toBe(name);
    expect(sim.calls.filter((c) => c.operation === 'DescribeTable' && c.table === name).map((c) => c.consistencyFault ?? 'fresh')).toEqual([
      'describe-not-found',
      'fresh',
    ]);
  });

  it('describe lag after UpdateTable: the pre-update description for a while', async () => {
    const name = unique('updated');
    await createTable(name, 'PROVISIONED');
    sim.setConsistencyFaults({ enabled: true, describeLagReads: 2 });
    await ddb(HOME).send(new UpdateTableCommand({ TableName: name, ProvisionedThroughput: { ReadCapacityUnits: 12, WriteCapacityUnits: 7 } }));
    const read = async () => (await ddb(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.ProvisionedThroughput;
    const seen = [await read(), await read(), await read()].map((p) => `${p?.ReadCapacityUnits}/${p?.WriteCapacityUnits}`);
    expect(seen).toEqual(['5/5', '5/5', '12/7']);
  });

  it(
    'R10 through the proxy: UpdateTableReplicaAutoScaling mirrors write settings to every region and read settings per replica; Describe reports ' + 'them',
    async () => {
      const name = unique('gscale');
      await replicated(name, 'PROVISIONED');
      const out = await ddb(HOME).send(
        new UpdateTableReplicaAutoScalingCommand({
          TableName: name,
          ProvisionedWriteCapacityAutoScalingUpdate: {
            MinimumUnits: 5,
            MaximumUnits: 40,
            ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 65 } },
          },
          ReplicaUpdates: [
            {
              RegionName: EU,
              ReplicaProvisionedReadCapacityAutoScalingUpdate: {
                MinimumUnits: 3,
                MaximumUnits: 30,
                ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 50 } },
              },
            },
          ],
        }),
      );
      for (const region of [HOME, EU]) {
        const targets =
          (await sim.directAutoscaling(region).send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb', ResourceIds: [`table/${name}`] })))
            .ScalableTargets ?? [];
        const policies =
          (await sim.directAutoscaling(region).send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'dynamodb', ResourceId: `table/${name}` })))
            .ScalingPolicies ?? [];
        const expected =
          region === EU ? ['dynamodb:table:ReadCapacityUnits 3-30', 'dynamodb:table:WriteCapacityUnits 5-40'] : ['dynamodb:table:WriteCapacityUnits 5-40'];
        expect([region, targets.map((x) => `${x.ScalableDimension} ${x.MinCapacity}-${x.MaxCapacity}`).sort()]).toEqual([region, expected]);
        const expectedPolicies =
          region === EU
            ? [`DynamoDBReadCapacityUtilization:table/${name} 50`, `DynamoDBWriteCapacityUtilization:table/${name} 65`]
            : [`DynamoDBWriteCapacityUtilization:table/${name} 65`];
        expect([region, policies.map((p) => `${p.PolicyName} ${p.TargetTrackingScalingPolicyConfiguration?.TargetValue}`).sort()]).toEqual([
          region,
          expectedPolicies,
        ]);
      }
      const described = (await ddb(HOME).send(new DescribeTableReplicaAutoScalingCommand({ TableName: name }))).TableAutoScalingDescription;
      expect(out.TableAutoScalingDescription).toEqual(described);
      expect(described?.TableName).toBe(name);
      const byRegion = Object.fromEntries((described?.Replicas ?? []).map((r) => [r.RegionName, r]));
      expect(Object.keys(byRegion).sort()).toEqual([EU, HOME].sort());
      for (const region of [HOME, EU]) {
        expect(byRegion[region].ReplicaProvisionedWriteCapacityAutoScalingSettings).toEqual({
          MinimumUnits: 5,
          MaximumUnits: 40,
          AutoScalingDisabled: false,
          ScalingPolicies: [
            {
              PolicyName: `DynamoDBWriteCapacityUtilization:table/${name}`,
              TargetTrackingScalingPolicyConfiguration: expect.objectContaining({ TargetValue: 65 }),
            },
          ],
        });
      }
      expect(byRegion[EU].ReplicaProvisionedReadCapacityAutoScalingSettings).toMatchObject({ MinimumUnits: 3, MaximumUnits: 30 });
      expect(byRegion[HOME].ReplicaProvisionedReadCapacityAutoScalingSettings).toBeUndefined();
    },
  );

  it('R10 through the proxy: refused on an on-demand table', async () => {
    const name = unique('od');
    await createTable(name, 'PAY_PER_REQUEST');
    const r = await refusal(
      ddb(HOME).send(
        new UpdateTableReplicaAutoScalingCommand({
          TableName: name,
          ProvisionedWriteCapacityAutoScalingUpdate: {
            MinimumUnits: 1,
            MaximumUnits: 2,
            ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 70 } },
          },
        }),
      ),
    );
    expect(r).toEqual({ type: 'ValidationException', message: 'AutoScaling is not available for tables with PAY_PER_REQUEST billing mode' });
  });

  it(
    "R11 through the proxy: adding a GSI to a replicated PROVISIONED table fails while the table's write capacity is not auto scaled, and succeeds " +
      'once it is',
    async () => {
      const name = unique('gsi');
      await replicated(name, 'PROVISIONED');
      // Replicas need it (R5); here it is taken away again to see R11 refuse.
      await sim.directAutoscaling(HOME).send(
        new DeregisterScalableTargetCommand({
          ServiceNamespace: 'dynamodb',
          ResourceId: `table/${name}`,
          ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
        }),
      );
      const add = (index: string) =>
        ddb(HOME).send(
          new UpdateTableCommand({
            TableName: name,
            AttributeDefinitions: [{ AttributeName: 'x', AttributeType: 'S' }],
            GlobalSecondaryIndexUpdates: [
              {
                Create: {
                  IndexName: index,
                  KeySchema: [{ AttributeName: 'x', KeyType: 'HASH' }],
                  Projection: { ProjectionType: 'KEYS_ONLY' },
                  ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
                },
              },
            ],
          }),
        );
      expect(await refusal(add('by-x'))).toEqual({
        type: 'ValidationException',
        message: 'Table write capacity should either be Pay-Per-Request or AutoScaled',
      });
      expect((await sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual([
        'by-gk',
      ]);
      await sim.directAutoscaling(HOME).send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'dynamodb',
          ResourceId: `table/${name}`,
          ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
          MinCapacity: 1,
          MaxCapacity: 10,
        }),
      );
      await add('by-x');
      expect(
        (await sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort(),
      ).toEqual(['by-gk', 'by-x']);
    },
  );

  it('R12 through the proxy: a second write target or policy in the replica region conflicts once DynamoDB manages write auto scaling', async () => {
    const name = unique('second');
    await replicated(name, 'PROVISIONED');
    await ddb(HOME).send(
      new UpdateTableReplicaAutoScalingCommand({
        TableName: name,
        ProvisionedWriteCapacityAutoScalingUpdate: {
          MinimumUnits: 5,
          MaximumUnits: 40,
          ScalingPolicyUpdate: { TargetTrackingScalingPolicyConfiguration: { TargetValue: 65 } },
        },
      }),
    );
    const message =
      `replica simulator: the write capacity of replicated PROVISIONED table ${name} is managed globally by DynamoDB ` +
      `(UpdateTableReplicaAutoScaling); a second write scalable target or scaling policy for table/${name} in replica region ${EU} would conflict with it`;
    const client = aas(EU);
    expect(
      await refusal(
        client.send(
          new RegisterScalableTargetCommand({
            ServiceNamespace: 'dynamodb',
            ResourceId: `table/${name}`,
            ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
            MinCapacity: 1,
            MaxCapacity: 99,
          }),
        ),
      ),
    ).toEqual({ type: 'ValidationException', message });
    expect(
      await refusal(
        client.send(
          new PutScalingPolicyCommand({
            ServiceNamespace: 'dynamodb',
            ResourceId: `table/${name}`,
            ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
            PolicyName: 'mine',
            PolicyType: 'TargetTrackingScaling',
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 30,
              PredefinedMetricSpecification: { PredefinedMetricType: 'DynamoDBWriteCapacityUtilization' },
            },
          }),
        ),
      ),
    ).toEqual({ type: 'ValidationException', message });
    // DynamoDB's own target is untouched: still 5-40.
    const targets =
      (await sim.directAutoscaling(EU).send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb', ResourceIds: [`table/${name}`] })))
        .ScalableTargets ?? [];
    expect(targets.map((x) => `${x.ScalableDimension} ${x.MinCapacity}-${x.MaxCapacity}`)).toEqual(['dynamodb:table:WriteCapacityUnits 5-40']);
    // Per-replica read settings stay the caller's.
    await client.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'dynamodb',
        ResourceId: `table/${name}`,
        ScalableDimension: 'dynamodb:table:ReadCapacityUnits',
        MinCapacity: 2,
        MaxCapacity: 20,
      }),
    );
    client.destroy();
  });

  it('R13 through the proxy: disabling the stream of a replicated table fails and the stream stays on', async () => {
    const name = unique('stream');
    await replicated(name, 'PAY_PER_REQUEST');
    expect(await refusal(ddb(HOME).send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: false } })))).toEqual({
      type: 'ValidationException',
      message: 'Disabling Stream is not allowed for a Global Table replica',
    });
    expect((await sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
  });
});
