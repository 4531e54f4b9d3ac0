import { planReplicaScaling, type GroupScaling, type RegionScaling } from '../../../provider/replicas/autoscaling';
import { leftoverNotes, nextMemo, planStructure, readMemo, regionsToRemove } from '../../../provider/replicas/plan';
import { parseReplicasProps } from '../../../provider/replicas/props';
import { overrideUpdate } from '../../../provider/replicas/settings';
import type { HomeState, ReplicaState } from '../../../provider/replicas/observe';

function home(status: string, replicas: Partial<ReplicaState>[]): HomeState {
  return {
    tableName: 'orders',
    arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders',
    status,
    billingMode: 'PAY_PER_REQUEST',
    streamViewType: 'NEW_AND_OLD_IMAGES',
    indexNames: [],
    replicas: new Map(replicas.map((r) => [r.region as string, { status: 'ACTIVE', indexes: new Map(), ...r } as ReplicaState])),
    witnesses: new Map(),
  };
}

describe('planStructure', () => {
  it('creates one replica at a time, in the order given', () => {
    expect(planStructure(home('ACTIVE', []), ['eu-west-1', 'ap-south-1'], [])).toEqual({ kind: 'create', region: 'eu-west-1' });
    expect(planStructure(home('ACTIVE', [{ region: 'eu-west-1' }]), ['eu-west-1', 'ap-south-1'], [])).toEqual({ kind: 'create', region: 'ap-south-1' });
  });
  it('waits while the table or any replica is in flight', () => {
    expect(planStructure(home('UPDATING', [{ region: 'eu-west-1', status: 'CREATING' }]), ['eu-west-1', 'ap-south-1'], [])).toEqual({
      kind: 'wait',
      reason: 'table UPDATING; replicas: eu-west-1 CREATING',
      onlyCreating: true,
    });
    expect(planStructure(home('ACTIVE', [{ region: 'eu-west-1', status: 'DELETING' }]), [], [])).toMatchObject({ kind: 'wait', onlyCreating: false });
  });
  it('deletes removed regions before creating new ones, and only regions it manages', () => {
    const h = home('ACTIVE', [{ region: 'eu-west-1' }, { region: 'sa-east-1' }, { region: 'added-by-hand-1' }]);
    expect(planStructure(h, ['ap-south-1'], ['sa-east-1', 'eu-west-1'])).toEqual({ kind: 'delete', region: 'eu-west-1' });
    const after = home('ACTIVE', [{ region: 'added-by-hand-1' }]);
    expect(planStructure(after, ['ap-south-1'], ['sa-east-1', 'eu-west-1'])).toEqual({ kind: 'create', region: 'ap-south-1' });
    expect(planStructure(home('ACTIVE', [{ region: 'ap-south-1' }, { region: 'added-by-hand-1' }]), ['ap-south-1'], [])).toEqual({ kind: 'settled' });
  });
  it('fails with what to do when a desired replica failed to create', () => {
    expect(
      planStructure(home('ACTIVE', [{ region: 'eu-west-1', status: 'CREATION_FAILED', statusDescription: 'KMS key not found' }]), ['eu-west-1'], []),
    ).toEqual({
      kind: 'fail',
      reason:
        'The replica of orders in eu-west-1 failed to create (KMS key not found). Fix the cause (for a KmsKeyArn, the key must exist in eu-west-1 ' +
        'and allow DynamoDB), or remove eu-west-1 from ReplicaRegions, then update the stack.',
    });
  });
  it('deletes a failed replica whose region is being removed instead of failing', () => {
    expect(planStructure(home('ACTIVE', [{ region: 'eu-west-1', status: 'CREATION_FAILED' }]), [], ['eu-west-1'])).toEqual({
      kind: 'delete',
      region: 'eu-west-1',
    });
  });
});

describe('overrideUpdate', () => {
  it('asks only for the overrides that differ from what DynamoDB reports', () => {
    const h = home('ACTIVE', [{ region: 'eu-west-1', tableClass: 'STANDARD', maxReadRequestUnitsOverride: 50 }]);
    expect(
      overrideUpdate(h, { RegionName: 'eu-west-1', PropagateTags: false, PointInTimeRecoveryEnabled: false, TableClass: 'STANDARD', MaxReadRequestUnits: 50 }),
    ).toBeUndefined();
    expect(
      overrideUpdate(h, {
        RegionName: 'eu-west-1',
        PropagateTags: false,
        PointInTimeRecoveryEnabled: false,
        TableClass: 'STANDARD_INFREQUENT_ACCESS',
        MaxReadRequestUnits: 80,
      }),
    ).toEqual({
      Update: { RegionName: 'eu-west-1', TableClassOverride: 'STANDARD_INFREQUENT_ACCESS', OnDemandThroughputOverride: { MaxReadRequestUnits: 80 } },
    });
  });
});

describe('parseReplicasProps', () => {
  const raw = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
    ServiceTimeout: '3600',
    TableName: 'orders',
    BillingMode: 'PROVISIONED',
    Replicas: [{ RegionName: 'eu-west-1', PropagateTags: 'true', PointInTimeRecoveryEnabled: 'false', ReadCapacity: '7', DeletionProtectionEnabled: 'true' }],
    Autoscaling: { Write: { MinCapacity: '5', MaxCapacity: '50', TargetValue: '70.5', ScaleInCooldown: '60', ScaleOutCooldown: '0' } },
    Tags: [{ Key: 'team', Value: '' }],
    WaitForReplication: 'false',
    RetainOnDelete: 'true',
  };
  it('parses CloudFormation strings into typed values', () => {
    expect(parseReplicasProps(raw)).toEqual({
      ServiceToken: raw.ServiceToken,
      ServiceTimeout: 3600,
      TableName: 'orders',
      BillingMode: 'PROVISIONED',
      Replicas: [{ RegionName: 'eu-west-1', PropagateTags: true, PointInTimeRecoveryEnabled: false, ReadCapacity: 7, DeletionProtectionEnabled: true }],
      Autoscaling: { Write: { MinCapacity: 5, MaxCapacity: 50, TargetValue: 70.5, ScaleInCooldown: 60, ScaleOutCooldown: 0 } },
      Tags: [{ Key: 'team', Value: '' }],
      WaitForReplication: false,
      RetainOnDelete: true,
    });
  });
  it.each([
    [{ Replicas: [{ RegionName: 'eu-west-1' }, { RegionName: 'eu-west-1' }] }, "Property 'Replicas[1].RegionName' names eu-west-1 twice"],
    [{ BillingMode: 'PAY_PER_REQUEST' }, "Property 'Replicas[0].ReadCapacity' applies only to PROVISIONED tables; use MaxReadRequestUnits for PAY_PER_REQUEST"],
    [{ Replicas: [{ RegionName: 'Europe' }] }, "Property 'Replicas[0].RegionName' must be an AWS region name such as eu-west-1, got 'Europe'"],
    [
      { Autoscaling: { Read: { MinCapacity: '9', MaxCapacity: '5', TargetValue: '70' } } },
      "Property 'Autoscaling.Read.MinCapacity' (9) must not exceed MaxCapacity (5)",
    ],
    [{ TableName: 'x' }, "Property 'TableName' must be a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -), got 'x'"],
  ])('rejects %j with the property path', (patch, message) => {
    expect(() => parseReplicasProps({ ...raw, ...patch })).toThrow(message);
  });
});

describe('replica KmsKeyArn (DescribeTable reports a key ARN: cloudformation-coverage-roadmap#1802)', () => {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
    TableName: 'orders',
    BillingMode: 'PAY_PER_REQUEST',
  };
  const withKey = (key: string, region = 'eu-west-1') => ({ ...base, Replicas: [{ RegionName: region, KmsKeyArn: key }] });
  it('accepts a key ARN in the replica region, in any partition, multi-Region keys included', () => {
    expect(parseReplicasProps(withKey('arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab')).Replicas[0].KmsKeyArn).toBe(
      'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(
      parseReplicasProps(withKey('arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab', 'cn-north-1')).Replicas[0].KmsKeyArn,
    ).toBe('arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab');
  });
  it.each([
    ['alias/orders'],
    ['1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['arn:aws:kms:eu-west-1:123456789012:alias/orders'],
    ['arn:aws:kms:eu-west-1:123456789012:key/*'],
  ])('refuses %s and says why', (key) => {
    expect(() => parseReplicasProps(withKey(key))).toThrow(
      `Property 'Replicas[0].KmsKeyArn' must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), got '${key}': DynamoDB reports ` +
        `a replica's key as its key ARN, so an alias or key ID would never match and be re-applied on every update`,
    );
  });
  it("refuses a key in another region than the replica's", () => {
    expect(() => parseReplicasProps(withKey('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'))).toThrow(
      "Property 'Replicas[0].KmsKeyArn' names a key in us-east-1, but a replica's key must be in the replica's own region (eu-west-1)",
    );
  });
  it('compares the reported key ARN exactly: equal asks nothing, another key asks for it', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const h = home('ACTIVE', [{ region: 'eu-west-1', kmsKeyId: arn }]);
    const spec = { RegionName: 'eu-west-1', PropagateTags: false, PointInTimeRecoveryEnabled: false };
    expect(overrideUpdate(h, { ...spec, KmsKeyArn: arn })).toBeUndefined();
    const other = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab';
    expect(overrideUpdate(h, { ...spec, KmsKeyArn: other })).toEqual({ Update: { RegionName: 'eu-west-1', KMSMasterKeyId: other } });
  });
});

describe('regions to remove and the memo (a rollback leaves a creating replica for the next request)', () => {
  const none = { pendingRemoval: [] };
  it('an Update removes what the previous properties had and the new ones do not', () => {
    expect(regionsToRemove('Update', ['eu-west-1'], ['eu-west-1'], ['eu-west-1', 'ap-south-1'], none)).toEqual(['ap-south-1']);
  });
  it('remembered regions count as managed regions to remove, unless the new properties list them again', () => {
    const memo = { pendingRemoval: ['ap-south-1', 'ca-central-1'] };
    expect(regionsToRemove('Update', ['eu-west-1', 'ca-central-1'], ['eu-west-1', 'ca-central-1'], ['eu-west-1'], memo)).toEqual(['ap-south-1']);
    expect(regionsToRemove('Delete', [], ['eu-west-1'], [], memo)).toEqual(['eu-west-1', 'ap-south-1', 'ca-central-1']);
    expect(regionsToRemove('Create', ['eu-west-1'], ['eu-west-1'], [], memo)).toEqual(['ap-south-1', 'ca-central-1']);
  });
  it('the next memo keeps regions still present and not wanted, and drops the rest', () => {
    expect(nextMemo({ pendingRemoval: ['ap-south-1'] }, ['ca-central-1'], ['eu-west-1'], ['eu-west-1', 'ap-south-1', 'ca-central-1'])).toEqual({
      pendingRemoval: ['ap-south-1', 'ca-central-1'],
    });
    expect(nextMemo({ pendingRemoval: ['ap-south-1'] }, [], ['eu-west-1'], ['eu-west-1'])).toEqual({ pendingRemoval: [] });
    expect(nextMemo({ pendingRemoval: ['ap-south-1'] }, [], ['ap-south-1'], ['ap-south-1'])).toEqual({ pendingRemoval: [] });
    expect(readMemo(undefined)).toEqual(none);
    expect(readMemo({ pendingRemoval: ['eu-west-1', 3] })).toEqual({ pendingRemoval: ['eu-west-1'] });
  });
  it('says in words what the next deploy does with each region left behind', () => {
    const h = home('UPDATING', [{ region: 'eu-west-1' }, { region: 'ap-south-1', status: 'CREATING' }, { region: 'ca-central-1' }]);
    expect(leftoverNotes(h, ['eu-west-1', 'sa-east-1'], ['ap-south-1', 'ca-central-1'])).toEqual({
      pendingRemoval: ['ap-south-1', 'ca-central-1'],
      pendingRegions: ['sa-east-1'],
      notes: [
        'replica in ap-south-1 is still being created; the next deploy of this stack removes it',
        'replica in ca-central-1 could not be removed yet (the table is busy with another replica); the next deploy of this stack removes it',
        'replica in sa-east-1 could not be created yet (the table is busy with another replica); the next deploy of this stack creates it if it ' +
          'still lists sa-east-1',
      ],
    });
  });
});

describe('planReplicaScaling (global tables: write settings once, read settings per replica)', () => {
  const s = (min: number, max: number, target: number) => ({
    MinCapacity: min,
    MaxCapacity: max,
    TargetValue: target,
    ScaleInCooldown: 60,
    ScaleOutCooldown: 60,
  });
  const o = (min: number, max: number, target: number, policyName?: string) => ({
    min,
    max,
    targetValue: target,
    scaleInCooldown: 60,
    scaleOutCooldown: 60,
    ...(policyName ? { policyName } : {}),
  });
  const desired = { Read: s(5, 50, 70), Write: s(5, 50, 60), Indexes: { 'by-gk': { Read: s(2, 20, 70), Write: s(2, 20, 60) } } };
  const homeScaling: RegionScaling = {
    read: o(5, 50, 70, 'OrdersReadScalingPolicy'),
    write: o(5, 50, 60, 'OrdersWriteScalingPolicy'),
    indexes: { 'by-gk': { read: o(2, 20, 70, 'R'), write: o(2, 20, 60, 'W') } },
  };
  const input = (observed: GroupScaling, extra: Partial<Parameters<typeof planReplicaScaling>[0]> = {}) =>
    planReplicaScaling({ tableName: 'orders', home: 'us-east-1', replicaRegions: ['eu-west-1'], indexNames: ['by-gk'], desired, observed, ...extra });

  it('sets write once (with the home policy names) and read for the new replica only', () => {
    expect(
      input(
        new Map<string, RegionScaling>([
          ['us-east-1', homeScaling],
          ['eu-west-1', { indexes: {} }],
        ]),
      ),
    ).toEqual({
      TableName: 'orders',
      ProvisionedWriteCapacityAutoScalingUpdate: {
        MinimumUnits: 5,
        MaximumUnits: 50,
        ScalingPolicyUpdate: {
          PolicyName: 'OrdersWriteScalingPolicy',
          TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, ScaleInCooldown: 60, ScaleOutCooldown: 60 },
        },
      },
      GlobalSecondaryIndexUpdates: [
        {
          IndexName: 'by-gk',
          ProvisionedWriteCapacityAutoScalingUpdate: {
            MinimumUnits: 2,
            MaximumUnits: 20,
            ScalingPolicyUpdate: { PolicyName: 'W', TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, ScaleInCooldown: 60, ScaleOutCooldown: 60 } },
          },
        },
      ],
      ReplicaUpdates: [
        {
          RegionName: 'eu-west-1',
          ReplicaProvisionedReadCapacityAutoScalingUpdate: {
            MinimumUnits: 5,
            MaximumUnits: 50,
            ScalingPolicyUpdate: {
              PolicyName: 'OrdersReadScalingPolicy',
              TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, ScaleInCooldown: 60, ScaleOutCooldown: 60 },
            },
          },
          ReplicaGlobalSecondaryIndexUpdates: [
            {
              IndexName: 'by-gk',
              ProvisionedReadCapacityAutoScalingUpdate: {
                MinimumUnits: 2,
                MaximumUnits: 20,
                ScalingPolicyUpdate: {
                  PolicyName: 'R',
                  TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, ScaleInCooldown: 60, ScaleOutCooldown: 60 },
                },
              },
            },
          ],
        },
      ],
    });
  });
  it('asks nothing when every region already matches, and never touches the home region read settings', () => {
    expect(
      input(
        new Map<string, RegionScaling>([
          ['us-east-1', homeScaling],
          ['eu-west-1', homeScaling],
        ]),
      ),
    ).toBeUndefined();
    expect(
      input(
        new Map<string, RegionScaling>([
          ['us-east-1', { indexes: {} }],
          ['eu-west-1', homeScaling],
        ]),
        { desired: { Read: s(5, 50, 70) } },
      ),
    ).toBeUndefined();
  });
  it('skips an index the table does not have yet, and disables read settings the new properties dropped', () => {
    const plan = input(
      new Map<string, RegionScaling>([
        ['us-east-1', homeScaling],
        ['eu-west-1', homeScaling],
      ]),
      { indexNames: [], desired: { Write: s(5, 50, 60), Indexes: { 'not-yet': { Write: s(1, 2, 50) } } }, previous: desired },
    );
    expect(plan).toEqual({
      TableName: 'orders',
      ReplicaUpdates: [{ RegionName: 'eu-west-1', ReplicaProvisionedReadCapacityAutoScalingUpdate: { AutoScalingDisabled: true } }],
    });
  });
});
