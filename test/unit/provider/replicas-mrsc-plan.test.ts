/** The MRSC planner (provider/replicas/plan.ts planMrsc), the shared Region rules and the property parser's MRSC fields. */
import { mrscRegionProblems } from '../../../contract/resources';
import type { HomeState, ReplicaState } from '../../../provider/replicas/observe';
import { isMrsc, planMrsc } from '../../../provider/replicas/plan';
import { parseReplicasProps } from '../../../provider/replicas/props';
import { overrideUpdate } from '../../../provider/replicas/settings';

function home(
  replicas: Partial<ReplicaState>[],
  opts: { consistency?: 'EVENTUAL' | 'STRONG'; witnesses?: Record<string, string>; status?: string } = {},
): HomeState {
  return {
    tableName: 'ledger',
    arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/ledger',
    status: opts.status ?? 'ACTIVE',
    billingMode: 'PAY_PER_REQUEST',
    indexNames: ['ByStatus'],
    replicas: new Map(replicas.map((r) => [r.region as string, { status: 'ACTIVE', indexes: new Map(), ...r } as ReplicaState])),
    ...(opts.consistency ? { consistency: opts.consistency } : {}),
    witnesses: new Map(Object.entries(opts.witnesses ?? {})),
  };
}

describe('planMrsc', () => {
  it('creates the replicas and the witness together on a single-Region table', () => {
    expect(planMrsc(home([]), true, ['us-east-2'], ['us-west-2'], [])).toEqual({ kind: 'create-group', regions: ['us-east-2'], witnesses: ['us-west-2'] });
    expect(planMrsc(home([]), true, ['us-east-2', 'us-west-2'], [], [])).toEqual({ kind: 'create-group', regions: ['us-east-2', 'us-west-2'], witnesses: [] });
  });
  it('waits while a replica or the witness is in flight', () => {
    const h = home([{ region: 'us-east-2', status: 'CREATING' }], { consistency: 'STRONG', witnesses: { 'us-west-2': 'CREATING' }, status: 'UPDATING' });
    expect(planMrsc(h, true, ['us-east-2'], ['us-west-2'], [])).toMatchObject({ kind: 'wait', onlyCreating: true });
  });
  it('is settled when the group is as asked', () => {
    expect(
      planMrsc(home([{ region: 'us-east-2' }], { consistency: 'STRONG', witnesses: { 'us-west-2': 'ACTIVE' } }), true, ['us-east-2'], ['us-west-2'], []),
    ).toEqual({
      kind: 'settled',
    });
  });
  it('refuses a mode change either way, before any change', () => {
    const mrec = home([{ region: 'us-east-2' }, { region: 'us-west-2' }], { consistency: 'EVENTUAL' });
    expect(isMrsc(mrec, true)).toBe(true);
    expect(planMrsc(mrec, true, ['us-east-2', 'us-west-2'], [], [])).toMatchObject({
      kind: 'fail',
      reason: expect.stringMatching(/EVENTUAL, and the template asks for STRONG/),
    });
    const strong = home([{ region: 'us-east-2' }, { region: 'us-west-2' }], { consistency: 'STRONG' });
    expect(isMrsc(strong, false)).toBe(true);
    expect(planMrsc(strong, false, ['us-east-2', 'us-west-2'], [], [])).toMatchObject({
      kind: 'fail',
      reason: expect.stringMatching(/STRONG, and the template asks for EVENTUAL/),
    });
  });
  it("refuses any other change of an MRSC table's Regions", () => {
    const h = home([{ region: 'us-east-2' }], { consistency: 'STRONG', witnesses: { 'us-west-2': 'ACTIVE' } });
    expect(planMrsc(h, true, ['us-east-2', 'us-west-2'], [], ['us-west-2'])).toMatchObject({
      kind: 'fail',
      reason: expect.stringMatching(/three Regions are fixed/),
    });
  });
  it('removes the replica and the witness together, and only replicas this resource manages', () => {
    const h = home([{ region: 'us-east-2' }], { consistency: 'STRONG', witnesses: { 'us-west-2': 'ACTIVE' } });
    expect(planMrsc(h, true, [], [], ['us-east-2'])).toEqual({ kind: 'delete-group', regions: ['us-east-2'], witnesses: ['us-west-2'] });
    expect(planMrsc(h, false, [], [], [])).toMatchObject({ kind: 'fail', reason: expect.stringMatching(/does not manage/) });
    expect(planMrsc(home([]), true, [], [], [])).toEqual({ kind: 'settled' });
  });
  it("an eventually consistent group with no MRSC in sight is not the MRSC planner's", () => {
    expect(isMrsc(home([{ region: 'eu-west-1' }], { consistency: 'EVENTUAL' }), false)).toBe(false);
  });
});

describe('mrscRegionProblems', () => {
  it('passes the two shapes of an MRSC table', () => {
    expect(mrscRegionProblems('us-east-1', ['us-east-2', 'us-west-2'], [])).toEqual([]);
    expect(mrscRegionProblems('eu-west-1', ['eu-central-1'], ['eu-west-3'])).toEqual([]);
    expect(mrscRegionProblems('ap-northeast-1', ['ap-northeast-2'], ['ap-northeast-3'])).toEqual([]);
  });
  it('names the count, the Region sets and the witness', () => {
    expect(mrscRegionProblems('us-east-1', ['us-east-2'], [])).toEqual([expect.stringMatching(/spans 2 Regions/)]);
    expect(mrscRegionProblems('us-east-1', ['us-east-2'], ['eu-west-1'])).toEqual([expect.stringMatching(/mixes Region sets/)]);
    expect(mrscRegionProblems('us-east-1', ['us-east-2'], ['us-east-2'])).toEqual([expect.stringMatching(/witness in us-east-2/)]);
    expect(mrscRegionProblems('sa-east-1', ['us-east-2'], ['us-west-2'])).toEqual([expect.stringMatching(/outside every MRSC Region set/)]);
  });
});

describe('the replicas resource properties: MRSC and per-replica indexes', () => {
  const base = { ServiceToken: 'x', TableName: 'ledger', BillingMode: 'PAY_PER_REQUEST', WaitForReplication: 'true', RetainOnDelete: 'true' };
  it('parses the mode, the witness and the index settings (CloudFormation sends strings)', () => {
    const p = parseReplicasProps({
      ...base,
      MultiRegionConsistency: 'STRONG',
      GlobalTableWitnesses: [{ Region: 'us-west-2' }],
      Replicas: [
        {
          RegionName: 'us-east-2',
          ContributorInsightsEnabled: 'true',
          ContributorInsightsMode: 'THROTTLED_KEYS',
          GlobalSecondaryIndexes: [{ IndexName: 'ByStatus', ContributorInsightsEnabled: 'false', MaxReadRequestUnits: '100' }],
        },
      ],
    });
    expect(p.MultiRegionConsistency).toBe('STRONG');
    expect(p.GlobalTableWitnesses).toEqual([{ Region: 'us-west-2' }]);
    expect(p.Replicas[0].ContributorInsightsMode).toBe('THROTTLED_KEYS');
    expect(p.Replicas[0].GlobalSecondaryIndexes).toEqual([{ IndexName: 'ByStatus', ContributorInsightsEnabled: false, MaxReadRequestUnits: 100 }]);
  });
  it('refuses a witness without STRONG, two witnesses, an index twice and a capacity of the other billing mode', () => {
    expect(() => parseReplicasProps({ ...base, Replicas: [], GlobalTableWitnesses: [{ Region: 'us-west-2' }] })).toThrow(/needs MultiRegionConsistency STRONG/);
    expect(() =>
      parseReplicasProps({ ...base, MultiRegionConsistency: 'STRONG', Replicas: [], GlobalTableWitnesses: [{ Region: 'us-west-2' }, { Region: 'us-east-2' }] }),
    ).toThrow(/GlobalTableWitnesses/);
    expect(() =>
      parseReplicasProps({ ...base, Replicas: [{ RegionName: 'eu-west-1', GlobalSecondaryIndexes: [{ IndexName: 'ByStatus' }, { IndexName: 'ByStatus' }] }] }),
    ).toThrow(/twice/);
    expect(() =>
      parseReplicasProps({ ...base, Replicas: [{ RegionName: 'eu-west-1', GlobalSecondaryIndexes: [{ IndexName: 'ByStatus', ReadCapacity: '5' }] }] }),
    ).toThrow(/only to PROVISIONED/);
  });
});

describe('overrideUpdate: per-replica index overrides', () => {
  it('sends only the indexes whose override differs', () => {
    const h = home([{ region: 'eu-west-1', indexes: new Map([['ByStatus', { maxReadRequestUnitsOverride: 100 }]]) }]);
    const spec = { RegionName: 'eu-west-1', PropagateTags: false, PointInTimeRecoveryEnabled: false };
    expect(overrideUpdate(h, { ...spec, GlobalSecondaryIndexes: [{ IndexName: 'ByStatus', MaxReadRequestUnits: 100 }] })).toBeUndefined();
    expect(
      overrideUpdate(h, { ...spec, GlobalSecondaryIndexes: [{ IndexName: 'ByStatus', MaxReadRequestUnits: 200, ContributorInsightsEnabled: true }] }),
    ).toEqual({
      Update: { RegionName: 'eu-west-1', GlobalSecondaryIndexes: [{ IndexName: 'ByStatus', OnDemandThroughputOverride: { MaxReadRequestUnits: 200 } }] },
    });
  });
});
