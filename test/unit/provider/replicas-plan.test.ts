import { planStructure } from '../../../provider/replicas/plan';
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
    replicas: new Map(replicas.map((r) => [r.region as string, { status: 'ACTIVE', ...r } as ReplicaState])),
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
    expect(planStructure(home('ACTIVE', [{ region: 'eu-west-1', status: 'CREATION_FAILED', statusDescription: 'KMS key not found' }]), ['eu-west-1'], [])).toEqual({
      kind: 'fail',
      reason:
        'The replica of orders in eu-west-1 failed to create (KMS key not found). Fix the cause (for a KmsKeyArn, the key must exist in eu-west-1 and allow DynamoDB), or remove eu-west-1 from ReplicaRegions, then update the stack.',
    });
  });
  it('deletes a failed replica whose region is being removed instead of failing', () => {
    expect(planStructure(home('ACTIVE', [{ region: 'eu-west-1', status: 'CREATION_FAILED' }]), [], ['eu-west-1'])).toEqual({ kind: 'delete', region: 'eu-west-1' });
  });
});

describe('overrideUpdate', () => {
  it('asks only for the overrides that differ from what DynamoDB reports', () => {
    const h = home('ACTIVE', [{ region: 'eu-west-1', tableClass: 'STANDARD', maxReadRequestUnitsOverride: 50 }]);
    expect(overrideUpdate(h, { RegionName: 'eu-west-1', PropagateTags: false, PointInTimeRecoveryEnabled: false, TableClass: 'STANDARD', MaxReadRequestUnits: 50 })).toBeUndefined();
    expect(overrideUpdate(h, { RegionName: 'eu-west-1', PropagateTags: false, PointInTimeRecoveryEnabled: false, TableClass: 'STANDARD_INFREQUENT_ACCESS', MaxReadRequestUnits: 80 })).toEqual({
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
    [{ Autoscaling: { Read: { MinCapacity: '9', MaxCapacity: '5', TargetValue: '70' } } }, "Property 'Autoscaling.Read.MinCapacity' (9) must not exceed MaxCapacity (5)"],
    [{ TableName: 'x' }, "Property 'TableName' must be a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -), got 'x'"],
  ])('rejects %j with the property path', (patch, message) => {
    expect(() => parseReplicasProps({ ...raw, ...patch })).toThrow(message);
  });
});
