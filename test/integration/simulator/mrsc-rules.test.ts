/**
 * The simulator's MRSC and per-replica index rules R18-R26 (replica-simulator/group.ts), each on
 * its own, on the pure replication groups with a fake clock. The proxy's R25 (TTL, transactions)
 * runs through moto in the lifecycle suite (test/e2e/scenarios/mrsc-*.ts).
 */
import { ReplicationGroups, SimError, type ReplicaUpdateFacts, type TableFacts } from '../../support/replica-simulator/group';

const HOME = 'us-east-1';
const OHIO = 'us-east-2';
const OREGON = 'us-west-2';
const DELAY = 100;
const EMPTY: TableFacts = { TableName: 't', BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' }, GlobalSecondaryIndexes: [{ IndexName: 'ByStatus' }] };
const facts = (items = false): ReplicaUpdateFacts => ({ writeAutoscaled: async () => true, deletionProtected: async () => false, hasItems: async () => items });

async function refusal(p: Promise<unknown>): Promise<{ type: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SimError) return { type: e.type, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

const strongWitness = {
  TableName: 't',
  ReplicaUpdates: [{ Create: { RegionName: OHIO } }],
  GlobalTableWitnessUpdates: [{ Create: { RegionName: OREGON } }],
  MultiRegionConsistency: 'STRONG',
};

async function mrsc(g: ReplicationGroups, input: Record<string, unknown> = strongWitness) {
  (await g.planReplicaUpdates(HOME, input, EMPTY, facts(), 0, DELAY)).commit(0);
  g.settle(g.groupOf(HOME, 't', DELAY) as never, DELAY);
}

describe('MRSC rules R18-R24', () => {
  it('R18/R19/R22: one UpdateTable creates the replica and the witness; DescribeTable shows STRONG and the witness in every Region', async () => {
    const g = new ReplicationGroups();
    const plan = await g.planReplicaUpdates(HOME, strongWitness, EMPTY, facts(), 0, DELAY);
    expect(plan.effects).toEqual([expect.objectContaining({ kind: 'create-replica-table', region: OHIO })]);
    plan.commit(0);
    expect(g.patchDescription(HOME, { TableName: 't', TableStatus: 'ACTIVE' }, 50)).toMatchObject({
      TableStatus: 'UPDATING',
      MultiRegionConsistency: 'STRONG',
      GlobalTableWitnesses: [{ RegionName: OREGON, WitnessStatus: 'CREATING' }],
    });
    expect(g.patchDescription(OHIO, { TableName: 't', TableStatus: 'ACTIVE' }, DELAY)).toMatchObject({
      MultiRegionConsistency: 'STRONG',
      GlobalTableWitnesses: [{ RegionName: OREGON, WitnessStatus: 'ACTIVE' }],
    });
    // Two replicas, no witness, also in one call.
    const g2 = new ReplicationGroups();
    const two = { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: OHIO } }, { Create: { RegionName: OREGON } }], MultiRegionConsistency: 'STRONG' };
    expect((await g2.planReplicaUpdates(HOME, two, EMPTY, facts(), 0, DELAY)).effects).toHaveLength(2);
  });
  it('R18: MultiRegionConsistency only with a replica Create, and never on an existing global table (R24)', async () => {
    const g = new ReplicationGroups();
    expect(
      await refusal(
        g.planReplicaUpdates(
          HOME,
          { TableName: 't', ReplicaUpdates: [], MultiRegionConsistency: 'STRONG', GlobalTableWitnessUpdates: [{ Create: { RegionName: OREGON } }] },
          EMPTY,
          facts(),
          0,
          DELAY,
        ),
      ),
    ).toMatchObject({ type: 'ValidationException' });
    await mrsc(g);
    const again = { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: 'us-west-1' } }], MultiRegionConsistency: 'EVENTUAL' };
    expect((await refusal(g.planReplicaUpdates(HOME, again, EMPTY, facts(), 1000, DELAY))).message).toMatch(/cannot be changed/);
  });
  it('R19: exactly three Regions; one witness per call; no replica added to an MRSC table', async () => {
    const g = new ReplicationGroups();
    const two = { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: OHIO } }], MultiRegionConsistency: 'STRONG' };
    expect((await refusal(g.planReplicaUpdates(HOME, two, EMPTY, facts(), 0, DELAY))).message).toMatch(/exactly three Regions; this request gives 2/);
    await mrsc(g);
    expect(
      (await refusal(g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: 'us-west-1' } }] }, EMPTY, facts(), 1000, DELAY)))
        .message,
    ).toMatch(/already spans three Regions/);
  });
  it('R20: one Region set, and the witness apart from the replicas', async () => {
    const g = new ReplicationGroups();
    const mixed = { ...strongWitness, GlobalTableWitnessUpdates: [{ Create: { RegionName: 'eu-west-1' } }] };
    expect((await refusal(g.planReplicaUpdates(HOME, mixed, EMPTY, facts(), 0, DELAY))).message).toMatch(/one Region set/);
    const onReplica = { ...strongWitness, GlobalTableWitnessUpdates: [{ Create: { RegionName: OHIO } }] };
    expect((await refusal(g.planReplicaUpdates(HOME, onReplica, EMPTY, facts(), 0, DELAY))).message).toMatch(/different Region than the replicas/);
  });
  it('R21: the table is empty', async () => {
    const g = new ReplicationGroups();
    expect((await refusal(g.planReplicaUpdates(HOME, strongWitness, EMPTY, facts(true), 0, DELAY))).message).toMatch(/must be empty/);
    expect(g.replicaStatus(HOME, 't', 0)).toEqual({});
  });
  it('R22: a witness only when the MRSC table is created', async () => {
    const g = new ReplicationGroups();
    const eventual = { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: OHIO } }], GlobalTableWitnessUpdates: [{ Create: { RegionName: OREGON } }] };
    expect(
      (
        await refusal(
          g.planReplicaUpdates(
            HOME,
            eventual,
            { ...EMPTY, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } },
            facts(),
            0,
            DELAY,
          ),
        )
      ).message,
    ).toMatch(/only be added when the MRSC global table is created/);
  });
  it('R23: the witness goes only with a replica, the group whole; then the table is single-Region and EVENTUAL', async () => {
    const g = new ReplicationGroups();
    await mrsc(g);
    const witnessOnly = { TableName: 't', GlobalTableWitnessUpdates: [{ Delete: { RegionName: OREGON } }] };
    expect((await refusal(g.planReplicaUpdates(HOME, witnessOnly, EMPTY, facts(), 1000, DELAY))).message).toMatch(/only be removed together with a replica/);
    const g3 = new ReplicationGroups();
    await mrsc(g3, {
      TableName: 't',
      ReplicaUpdates: [{ Create: { RegionName: OHIO } }, { Create: { RegionName: OREGON } }],
      MultiRegionConsistency: 'STRONG',
    });
    expect(
      (await refusal(g3.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Delete: { RegionName: OHIO } }] }, EMPTY, facts(), 1000, DELAY))).message,
    ).toMatch(/would leave 2 Regions/);
    const both = { TableName: 't', ReplicaUpdates: [{ Delete: { RegionName: OHIO } }], GlobalTableWitnessUpdates: [{ Delete: { RegionName: OREGON } }] };
    const plan = await g.planReplicaUpdates(HOME, both, EMPTY, facts(), 1000, DELAY);
    expect(plan.effects).toEqual([{ kind: 'delete-replica-table', region: OHIO }]);
    plan.commit(1000);
    expect(g.isStrong(HOME, 't', 1050)).toBe(true);
    expect(g.isStrong(HOME, 't', 1000 + DELAY)).toBe(false);
    expect(g.patchDescription(HOME, { TableName: 't', TableStatus: 'ACTIVE' }, 1000 + DELAY)).not.toHaveProperty('MultiRegionConsistency');
  });
});

describe('R26: per-replica index overrides', () => {
  it('name indexes of the table, and show under Replicas[].GlobalSecondaryIndexes', async () => {
    const g = new ReplicationGroups();
    const stream = { ...EMPTY, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } };
    (await g.planReplicaUpdates(HOME, { TableName: 't', ReplicaUpdates: [{ Create: { RegionName: 'eu-west-1' } }] }, stream, facts(), 0, DELAY)).commit(0);
    const bad = { TableName: 't', ReplicaUpdates: [{ Update: { RegionName: 'eu-west-1', GlobalSecondaryIndexes: [{ IndexName: 'Nope' }] } }] };
    expect((await refusal(g.planReplicaUpdates(HOME, bad, stream, facts(), DELAY, DELAY))).message).toMatch(/Nope does not exist/);
    const good = {
      TableName: 't',
      ReplicaUpdates: [
        { Update: { RegionName: 'eu-west-1', GlobalSecondaryIndexes: [{ IndexName: 'ByStatus', OnDemandThroughputOverride: { MaxReadRequestUnits: 200 } }] } },
      ],
    };
    (await g.planReplicaUpdates(HOME, good, stream, facts(), DELAY, DELAY)).commit(DELAY);
    expect(g.patchDescription(HOME, { TableName: 't', TableStatus: 'ACTIVE' }, 10 * DELAY).Replicas).toEqual([
      {
        RegionName: 'eu-west-1',
        ReplicaStatus: 'ACTIVE',
        GlobalSecondaryIndexes: [{ IndexName: 'ByStatus', OnDemandThroughputOverride: { MaxReadRequestUnits: 200 } }],
      },
    ]);
  });
});
