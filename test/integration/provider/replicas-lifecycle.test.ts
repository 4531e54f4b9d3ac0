/**
 * The replicas custom resource through its whole life, against moto_server behind the replica
 * simulator, driven by the CloudFormation harness. Every test checks the final state in every
 * region's backend and that CloudFormation got exactly one response.
 */
import { DescribeContributorInsightsCommand, DescribeTableCommand, PutItemCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { OWNER_TAG_KEY } from '../../../contract/resources';
import { leakedSecrets } from '../../support/cfn-harness';
import { EXACT_STATE, HOME, createHomeTable, footprint, regionView, replicasProps, scalingPolicies, startWorld, uniqueName, type World } from './world';

const EU = 'eu-west-1';
const AP = 'ap-southeast-2';
const CA = 'ca-central-1';
const ITEM_CANARY = 'item-canary-7f3a9c1e-never-logged';

let w: World;
beforeAll(async () => {
  w = await startWorld({ replicaDelayMs: 300, ...EXACT_STATE });
  w.cfn.secrets.push(ITEM_CANARY);
});
afterAll(async () => {
  // The provider's logs never carry a ResponseURL query string, credentials or item data.
  expect(leakedSecrets(w.cfn.logs, w.cfn.secrets)).toEqual([]);
  await w?.stop();
});

async function ownedTable(stackName: string, opts: Parameters<typeof createHomeTable>[2] = {}) {
  const stack = w.cfn.stackId(stackName);
  const name = uniqueName(stackName);
  await createHomeTable(w.sim, name, { ownerStackId: stack, ...opts });
  await w.sim.direct(HOME).send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'p' }, sk: { N: '1' }, secret: { S: ITEM_CANARY } } }));
  return { stack, name };
}

async function create(stack: string, name: string, replicas: Parameters<typeof replicasProps>[1], extra: Record<string, unknown> = {}) {
  const props = replicasProps(name, replicas, extra);
  const r = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersReplicas', ResourceProperties: props });
  return { r, props };
}

describe('Create', () => {
  it('creates two replicas with the same schema, tags and per-replica PITR, and answers SUCCESS once', async () => {
    const { stack, name } = await ownedTable('create2');
    const { r } = await create(stack, name, [{ RegionName: EU }, { RegionName: AP, PointInTimeRecoveryEnabled: true, PointInTimeRecoveryPeriodInDays: 7 }]);
    await w.cfn.idle();

    expect(r.body.Status).toBe('SUCCESS');
    expect(r.body.PhysicalResourceId).toBe(`arc-dynamodb:replicas:${name}`);
    expect(r.body.Data).toEqual({ TableName: name, Regions: `${EU},${AP}`, PendingRegions: '', MultiRegionConsistency: 'EVENTUAL', Witnesses: '' });
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
    // The PUT: empty content type, length in bytes.
    expect(r.contentType).toBe('');
    expect(r.contentLength).toBe(r.bodyBytes);

    const home = await regionView(w.sim, HOME, name);
    for (const region of [EU, AP]) {
      const v = await regionView(w.sim, region, name);
      expect(v).toMatchObject({ exists: true, status: 'ACTIVE', keySchema: home.keySchema });
      expect(v.tags).toEqual({ [OWNER_TAG_KEY]: stack, team: 'data' });
    }
    expect((await regionView(w.sim, EU, name)).pitr).toBe('DISABLED');
    expect(await regionView(w.sim, AP, name)).toMatchObject({ pitr: 'ENABLED', pitrDays: 7 });
    expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [AP]: 'ACTIVE' });
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: true, [CA]: false });
    // The replica has the home table's index too.
    const eu = await w.sim.direct(EU).send(new DescribeTableCommand({ TableName: name }));
    expect(eu.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['by-gk']);
  });

  it('refuses a table without a NEW_AND_OLD_IMAGES stream, creates nothing, and the rollback Delete is a no-op', async () => {
    const { stack, name } = await ownedTable('nostream', { stream: 'KEYS_ONLY' });
    const { r, props } = await create(stack, name, [{ RegionName: EU }]);
    expect(r.body.Status).toBe('FAILED');
    expect(r.body.Reason).toBe(
      `Table ${name} needs a stream with StreamViewType NEW_AND_OLD_IMAGES before it can have replicas (it has KEYS_ONLY). ` +
        'Set StreamEnabled: true and StreamViewType: NEW_AND_OLD_IMAGES on the table and update the stack. No replica was created.',
    );
    expect(r.body.PhysicalResourceId).toBe('arc-dynamodb:CREATE_FAILED:OrdersReplicas');
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });

    // CloudFormation's rollback: Delete with the marker ID. Nothing is called at all.
    const before = w.sim.calls.length;
    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
    });
    await w.cfn.idle();
    expect(d.body.Status).toBe('SUCCESS');
    expect(d.body.PhysicalResourceId).toBe(r.body.PhysicalResourceId);
    expect(w.sim.calls.length).toBe(before);
    expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
  });

  it('a Create that fails after starting replicas answers with the real ID, so the rollback Delete removes them', async () => {
    const { stack, name } = await ownedTable('partial');
    w.sim.failNextCreate(AP, 'KMS key arn:aws:kms:ap-southeast-2:123456789012:key/gone was not found');
    const { r, props } = await create(stack, name, [{ RegionName: EU }, { RegionName: AP }]);
    await w.cfn.idle();
    expect(r.body.Status).toBe('FAILED');
    expect(r.body.Reason).toBe(
      `The replica of ${name} in ${AP} failed to create (KMS key arn:aws:kms:ap-southeast-2:123456789012:key/gone was not found). ` +
        `Fix the cause (for a KmsKeyArn, the key must exist in ${AP} and allow DynamoDB), or remove ${AP} from ReplicaRegions, then update the stack.`,
    );
    expect(r.body.PhysicalResourceId).toBe(`arc-dynamodb:replicas:${name}`);
    expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [AP]: 'CREATION_FAILED' });

    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
    });
    await w.cfn.idle();
    expect(d.body.Status).toBe('SUCCESS');
    expect(w.sim.replicaStatus(HOME, name)).toEqual({});
    for (const region of [EU, AP, CA]) expect((await regionView(w.sim, region, name)).exists).toBe(false);
    expect((await regionView(w.sim, HOME, name)).exists).toBe(true);
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
    expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);
  });

  it('refuses a PROVISIONED table without write autoscaling', async () => {
    const { stack, name } = await ownedTable('nowrite', { billing: 'PROVISIONED' });
    const { r } = await create(stack, name, [{ RegionName: EU }], { BillingMode: 'PROVISIONED' });
    await w.cfn.idle();
    expect(r.body.Status).toBe('FAILED');
    expect(r.body.Reason).toBe(
      `Table ${name} is PROVISIONED without write autoscaling; a global table must be PAY_PER_REQUEST or have write autoscaling. ` +
        'Set BillingMode: PAY_PER_REQUEST, or AutoscalingEnabled: true with AutoscalingWrite, and update the stack. No replica was created.',
    );
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
  });

  it('mirrors PROVISIONED autoscaling into each replica region and removes it with the replica', async () => {
    const { stack, name } = await ownedTable('scaled', { billing: 'PROVISIONED', writeScaling: true });
    const scaling = { MinCapacity: 5, MaxCapacity: 50, TargetValue: 70, ScaleInCooldown: 60, ScaleOutCooldown: 60 };
    const autoscaling = { Read: scaling, Write: { ...scaling, TargetValue: 60 }, Indexes: { 'by-gk': { Read: scaling } } };
    const { r, props } = await create(stack, name, [{ RegionName: EU, ReadCapacity: 8 }], { BillingMode: 'PROVISIONED', Autoscaling: autoscaling });
    await w.cfn.idle();
    expect(r.body.Status).toBe('SUCCESS');
    expect((await regionView(w.sim, EU, name)).scalableTargets).toEqual([
      `table/${name} dynamodb:table:ReadCapacityUnits 5-50`,
      `table/${name} dynamodb:table:WriteCapacityUnits 5-50`,
      `table/${name}/index/by-gk dynamodb:index:ReadCapacityUnits 5-50`,
    ]);
    expect(await scalingPolicies(w.sim, EU, name)).toEqual([
      `table/${name} dynamodb:table:ReadCapacityUnits 70`,
      `table/${name} dynamodb:table:WriteCapacityUnits 60`,
      `table/${name}/index/by-gk dynamodb:index:ReadCapacityUnits 70`,
    ]);
    const home = await w.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }));
    expect(home.Table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(5);
    const eu = await w.sim.direct(EU).send(new DescribeTableCommand({ TableName: name }));
    expect(eu.Table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(8);

    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
    });
    await w.cfn.idle();
    expect(d.body.Status).toBe('SUCCESS');
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });
    expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);
    expect(await scalingPolicies(w.sim, EU, name)).toEqual([]);
    // Home-region autoscaling is CloudFormation's, not the provider's: untouched.
    expect((await regionView(w.sim, HOME, name)).scalableTargets).toEqual([`table/${name} dynamodb:table:WriteCapacityUnits 5-50`]);
  });
});

describe('Update', () => {
  it('adds a third replica and leaves the other two alone', async () => {
    const { stack, name } = await ownedTable('add3');
    const two = [{ RegionName: EU }, { RegionName: AP }];
    const { r, props } = await create(stack, name, two);
    expect(r.body.Status).toBe('SUCCESS');
    await w.cfn.idle();
    const mark = w.sim.calls.length;
    const newProps = replicasProps(name, [...two, { RegionName: CA }]);
    const u = await w.cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: newProps,
      OldResourceProperties: props,
    });
    await w.cfn.idle();
    expect(u.body.Status).toBe('SUCCESS');
    expect(u.body.PhysicalResourceId).toBe(r.body.PhysicalResourceId);
    expect(w.cfn.responsesFor(u.requestId)).toHaveLength(1);
    for (const region of [EU, AP, CA]) expect(await regionView(w.sim, region, name)).toMatchObject({ exists: true, status: 'ACTIVE' });
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: true, [CA]: true });
    const changes = w.sim.calls.slice(mark).filter((c) => c.mutating && c.status === 200);
    // One replica create in the home region; in the old replica regions nothing but reads.
    expect(changes.filter((c) => c.operation === 'UpdateTable').map((c) => c.region)).toEqual([HOME]);
    expect(changes.filter((c) => c.region === EU || c.region === AP)).toEqual([]);
  });

  it('removing a region deletes that replica and only that one', async () => {
    const { stack, name } = await ownedTable('remove1');
    const three = [{ RegionName: EU }, { RegionName: AP }, { RegionName: CA }];
    const { r, props } = await create(stack, name, three);
    expect(r.body.Status).toBe('SUCCESS');
    const u = await w.cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: replicasProps(name, [{ RegionName: EU }, { RegionName: CA }]),
      OldResourceProperties: props,
    });
    await w.cfn.idle();
    expect(u.body.Status).toBe('SUCCESS');
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: true });
    expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [CA]: 'ACTIVE' });
    expect(w.cfn.responsesFor(u.requestId)).toHaveLength(1);
  });

  it('changes per-replica settings in each replica region', async () => {
    const { stack, name } = await ownedTable('settings');
    const { r, props } = await create(stack, name, [{ RegionName: EU }, { RegionName: AP }], {
      Tags: [
        { Key: 'team', Value: 'data' },
        { Key: 'tier', Value: 'gold' },
      ],
    });
    expect(r.body.Status).toBe('SUCCESS');
    const newProps = replicasProps(
      name,
      [
        {
          RegionName: EU,
          PointInTimeRecoveryEnabled: true,
          PointInTimeRecoveryPeriodInDays: 14,
          DeletionProtectionEnabled: true,
          ContributorInsightsEnabled: true,
          TableClass: 'STANDARD_INFREQUENT_ACCESS',
        },
        { RegionName: AP, MaxReadRequestUnits: 100 },
      ],
      { Tags: [{ Key: 'team', Value: 'platform' }] },
    );
    const u = await w.cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: newProps,
      OldResourceProperties: props,
    });
    await w.cfn.idle();
    expect(u.body.Status).toBe('SUCCESS');
    expect(await regionView(w.sim, EU, name)).toMatchObject({
      pitr: 'ENABLED',
      pitrDays: 14,
      deletionProtection: true,
      tags: { [OWNER_TAG_KEY]: stack, team: 'platform' },
    });
    expect(await regionView(w.sim, AP, name)).toMatchObject({
      pitr: 'DISABLED',
      deletionProtection: false,
      tags: { [OWNER_TAG_KEY]: stack, team: 'platform' },
    });
    const ci = await w.cfn.clients.dynamodb(EU).send(new DescribeContributorInsightsCommand({ TableName: name }));
    expect(ci.ContributorInsightsStatus).toBe('ENABLED');
    const home = await w.cfn.clients.dynamodb(HOME).send(new DescribeTableCommand({ TableName: name }));
    const byRegion = Object.fromEntries((home.Table?.Replicas ?? []).map((x) => [x.RegionName, x]));
    expect(byRegion[EU].ReplicaTableClassSummary?.TableClass).toBe('STANDARD_INFREQUENT_ACCESS');
    expect(byRegion[AP].OnDemandThroughputOverride?.MaxReadRequestUnits).toBe(100);
    expect((await regionView(w.sim, HOME, name)).deletionProtection).toBe(false);
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: true, [CA]: false });
    expect(w.cfn.responsesFor(u.requestId)).toHaveLength(1);

    // The same Update again changes nothing: every setting is read first.
    const mark = w.sim.calls.length;
    const again = await w.cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: newProps,
      OldResourceProperties: newProps,
    });
    await w.cfn.idle();
    expect(again.body.Status).toBe('SUCCESS');
    const changed = w.sim.calls.slice(mark).filter((c) => c.mutating && c.status === 200 && c.operation !== 'TagResource');
    expect(changed).toEqual([]);
  });

  it('WaitForReplication false answers while the last replica is still CREATING; the next reconcile finishes it', async () => {
    w.sim.replicaDelayMs = 3000;
    try {
      const { stack, name } = await ownedTable('nowait');
      const props = replicasProps(name, [{ RegionName: EU, PointInTimeRecoveryEnabled: true }], { WaitForReplication: false });
      const r = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersReplicas', ResourceProperties: props });
      expect(r.body.Status).toBe('SUCCESS');
      expect(r.body.Data).toEqual({ TableName: name, Regions: EU, PendingRegions: EU, MultiRegionConsistency: 'EVENTUAL', Witnesses: '' });
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'CREATING' });
      await w.cfn.idle();

      const u = await w.cfn.request({
        RequestType: 'Update',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: r.body.PhysicalResourceId,
        ResourceProperties: replicasProps(name, [{ RegionName: EU, PointInTimeRecoveryEnabled: true }], { WaitForReplication: true }),
        OldResourceProperties: props,
      });
      await w.cfn.idle();
      expect(u.body.Status).toBe('SUCCESS');
      expect(u.body.Data).toEqual({ TableName: name, Regions: EU, PendingRegions: '', MultiRegionConsistency: 'EVENTUAL', Witnesses: '' });
      expect(await regionView(w.sim, EU, name)).toMatchObject({ status: 'ACTIVE', pitr: 'ENABLED' });
      expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
      expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
      expect(w.cfn.responsesFor(u.requestId)).toHaveLength(1);
    } finally {
      w.sim.replicaDelayMs = 300;
    }
  });
});

describe('Delete', () => {
  it('with RetainOnDelete (the default) keeps every replica and changes nothing', async () => {
    const { stack, name } = await ownedTable('retain');
    const { r, props } = await create(stack, name, [{ RegionName: EU }], { RetainOnDelete: true });
    const mark = w.sim.calls.length;
    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
    });
    await w.cfn.idle();
    expect(d.body.Status).toBe('SUCCESS');
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
    expect(w.sim.calls.slice(mark).filter((c) => c.mutating && c.operation !== 'TagResource')).toEqual([]);
    expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);
  });

  it('without Retain deletes every replica it manages and leaves the home table', async () => {
    const { stack, name } = await ownedTable('noretain');
    const { r, props } = await create(stack, name, [{ RegionName: EU }, { RegionName: AP }]);
    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
    });
    await w.cfn.idle();
    expect(d.body.Status).toBe('SUCCESS');
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });
    expect(w.sim.replicaStatus(HOME, name)).toEqual({});
    expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);
  });

  it('never deletes a protected replica, and says how to turn protection off', async () => {
    const { stack, name } = await ownedTable('protected');
    const { r, props } = await create(stack, name, [{ RegionName: EU, DeletionProtectionEnabled: true }]);
    expect(r.body.Status).toBe('SUCCESS');
    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
    });
    await w.cfn.idle();
    expect(d.body.Status).toBe('FAILED');
    expect(d.body.Reason).toBe(
      `The replica of ${name} in ${EU} has deletion protection enabled, so it was not deleted. ` +
        `To delete it, turn protection off first: aws dynamodb update-table --region ${EU} --table-name ${name} --no-deletion-protection-enabled ` +
        `(or set DeletionProtectionEnabled: false for that replica and update the stack before removing the region), then retry. To keep it, leave ` +
        `${EU} in ReplicaRegions.`,
    );
    expect(await regionView(w.sim, EU, name)).toMatchObject({ exists: true, deletionProtection: true });
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
    expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);

    // After turning it off, the retried Delete removes it.
    await w.sim.direct(EU).send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: false }));
    const again = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
    });
    await w.cfn.idle();
    expect(again.body.Status).toBe('SUCCESS');
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });
  });

  it('of a table that is gone succeeds without touching anything', async () => {
    const stack = w.cfn.stackId('gone');
    const name = uniqueName('gone');
    const mark = w.sim.calls.length;
    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: `arc-dynamodb:replicas:${name}`,
      ResourceProperties: replicasProps(name, [{ RegionName: EU }]),
    });
    await w.cfn.idle();
    expect(d.body.Status).toBe('SUCCESS');
    expect(d.body.Reason).toBe(`table ${name} no longer exists in ${HOME}; nothing to do`);
    expect(w.sim.calls.slice(mark).filter((c) => c.mutating)).toEqual([]);
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: false, [EU]: false, [AP]: false, [CA]: false });
    expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);
  });
});

describe('delivery, races and crashes', () => {
  it('answers exactly once when the same event is delivered twice, and creates each replica once', async () => {
    const { stack, name } = await ownedTable('twice');
    const ev = w.cfn.event({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }]),
    });
    w.cfn.deliver(ev);
    await new Promise((res) => setTimeout(res, 100));
    w.cfn.deliver(ev); // while the first is working
    const r = await w.cfn.waitForResponse(String(ev.RequestId));
    await w.cfn.idle();
    w.cfn.deliver(ev); // after it answered
    await w.cfn.idle();
    expect(r.body.Status).toBe('SUCCESS');
    expect(w.cfn.responsesFor(String(ev.RequestId))).toHaveLength(1);
    const updates = w.sim.calls.filter((c) => c.operation === 'UpdateTable' && c.table === name && c.status === 200);
    expect(updates.map((c) => c.region)).toEqual([HOME]);
    expect(await regionView(w.sim, EU, name)).toMatchObject({ exists: true, status: 'ACTIVE' });
    expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE' });
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
  });

  it('a Delete racing a running Create wins: the Create stops and answers FAILED, the Delete cleans up and answers SUCCESS', async () => {
    w.sim.replicaDelayMs = 1500;
    try {
      const { stack, name } = await ownedTable('race');
      const props = replicasProps(name, [{ RegionName: EU }, { RegionName: AP }]);
      const create = w.cfn.event({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersReplicas', ResourceProperties: props });
      w.cfn.deliver(create);
      // CloudFormation cancels the Create (another resource failed) and sends Delete while it runs.
      const until = Date.now() + 10000;
      while (Object.keys(w.sim.replicaStatus(HOME, name)).length === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
      const d = await w.cfn.request({
        RequestType: 'Delete',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: 'OrdersReplicas',
        ResourceProperties: props,
      });
      const c = await w.cfn.waitForResponse(String(create.RequestId));
      await w.cfn.idle();
      expect(d.body.Status).toBe('SUCCESS');
      expect(c.body.Status).toBe('FAILED');
      expect(c.body.Reason).toBe('Superseded by a later request for this resource (CloudFormation sent a Delete while this operation was running).');
      expect(w.cfn.responsesFor(String(create.RequestId))).toHaveLength(1);
      expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);
      expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });
      expect(w.sim.replicaStatus(HOME, name)).toEqual({});
    } finally {
      w.sim.replicaDelayMs = 300;
    }
  });

  it('resumes after a crash mid-reconcile (Lambda retries the same payload) and answers once', async () => {
    const { stack, name } = await ownedTable('crash');
    const crashesBefore = w.cfn.crashes;
    w.cfn.crashOn({ command: 'UpdateTableCommand', after: 1 }); // right after the first replica create
    const r = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }, { RegionName: AP }]),
    });
    await w.cfn.idle();
    expect(w.cfn.crashes).toBe(crashesBefore + 1);
    expect(r.body.Status).toBe('SUCCESS');
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
    expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [AP]: 'ACTIVE' });
    for (const region of [EU, AP])
      expect(await regionView(w.sim, region, name)).toMatchObject({ exists: true, status: 'ACTIVE', tags: { [OWNER_TAG_KEY]: stack, team: 'data' } });
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: true, [CA]: false });
  });

  it('answers FAILED when Lambda gives up on an event (its on-failure destination is the provider itself)', async () => {
    const { stack, name } = await ownedTable('destination');
    const ev = w.cfn.event({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }]),
    });
    const mark = w.sim.calls.length;
    w.cfn.deliver({
      version: '1.0',
      requestContext: { requestId: 'x', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: ev,
      responseContext: { statusCode: 200 },
    });
    const r = await w.cfn.waitForResponse(String(ev.RequestId));
    await w.cfn.idle();
    expect(r.body).toMatchObject({
      Status: 'FAILED',
      Reason: "The provider stopped unexpectedly (Lambda retries exhausted). See the provider function's logs for this request ID.",
      PhysicalResourceId: 'arc-dynamodb:CREATE_FAILED:OrdersReplicas',
    });
    expect(w.sim.calls.slice(mark).filter((c) => c.mutating)).toEqual([]);
    expect(w.cfn.responsesFor(String(ev.RequestId))).toHaveLength(1);
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });
  });

  it('continues in new invocations when the work outlasts one, within the ServiceTimeout', async () => {
    w.sim.replicaDelayMs = 2500;
    try {
      const { stack, name } = await ownedTable('long');
      const before = w.cfn.invocations;
      const r = await w.cfn.request({
        RequestType: 'Create',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        ResourceProperties: replicasProps(name, [{ RegionName: EU }, { RegionName: AP }]),
      });
      await w.cfn.idle();
      expect(r.body.Status).toBe('SUCCESS');
      // Each invocation lives 4 s; two replicas at 2.5 s each need more than one.
      expect(w.cfn.invocations - before).toBeGreaterThan(1);
      expect(w.cfn.logs.some((l) => l.includes('"continuing in a new invocation"') && l.includes(r.requestId))).toBe(true);
      expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [AP]: 'ACTIVE' });
      expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: true, [CA]: false });
    } finally {
      w.sim.replicaDelayMs = 300;
    }
  });

  it.each([
    ['the guard', 'DescribeTable', 'admission did not finish before the deadline; delivering the request again'],
    ['the handler', 'UpdateTable', 'handler did not return before the deadline; continuing from the last checkpoint'],
  ])('the deadline timer continues in a new invocation when an AWS call of %s hangs past the deadline', async (_who, operation, logLine) => {
    const { stack, name } = await ownedTable('hang');
    const before = w.cfn.invocations;
    // Each invocation lives 4 s; this call answers after 6 s.
    w.sim.injectFault({ kind: 'latency', latencyMs: 6000, count: 1, operations: [operation] });
    try {
      const r = await w.cfn.request({
        RequestType: 'Create',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        ResourceProperties: replicasProps(name, [{ RegionName: EU }]),
      });
      await w.cfn.idle();
      expect(r.body.Status).toBe('SUCCESS');
      expect(w.cfn.logs.some((l) => l.includes(`"${logLine}"`) && l.includes(r.requestId))).toBe(true);
      expect(w.cfn.invocations - before).toBeGreaterThan(1);
      expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE' });
      expect(w.sim.calls.filter((c) => c.operation === 'UpdateTable' && c.table === name && c.status === 200)).toHaveLength(1);
      expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
    } finally {
      w.sim.clearFaults();
    }
  });

  it('answers FAILED before the ServiceTimeout runs out', async () => {
    w.sim.replicaDelayMs = 20000;
    try {
      const { stack, name } = await ownedTable('timeout');
      const r = await w.cfn.request({
        RequestType: 'Create',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        ResourceProperties: replicasProps(name, [{ RegionName: EU }], { ServiceTimeout: 6 }),
      });
      await w.cfn.idle();
      expect(r.body.Status).toBe('FAILED');
      expect(r.body.Reason).toBe(
        "The operation did not finish within the custom resource's ServiceTimeout (6 s), counted from CloudFormation's request. CloudFormation now " +
          "rolls the stack back and sends this resource a Delete, which keeps or removes what was made as the table's DeletionPolicy says. AWS may " +
          'still finish work it had started; the next deploy continues from what it then observes.',
      );
      // A replica was started, so the real ID (not the no-op marker) lets the rollback Delete clean up.
      expect(r.body.PhysicalResourceId).toBe(`arc-dynamodb:replicas:${name}`);
      expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'CREATING' });
      expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
    } finally {
      w.sim.replicaDelayMs = 300;
    }
  });
});

describe('faults injected at the simulator', () => {
  it.each([
    ['throttle', { kind: 'throttle' as const, count: 3, operations: ['UpdateTable', 'DescribeTable'] }],
    ['HTTP 500', { kind: 'error500' as const, count: 3, operations: ['UpdateTable', 'ListTagsOfResource'] }],
    ['latency', { kind: 'latency' as const, count: 4, latencyMs: 800, operations: ['DescribeTable', 'UpdateContinuousBackups'] }],
    ['connection reset', { kind: 'reset' as const, count: 3, operations: ['UpdateTable', 'TagResource', 'DescribeContinuousBackups'] }],
  ])('reaches the same final state under %s and answers once', async (_label, fault) => {
    const { stack, name } = await ownedTable(`fault${fault.kind}`);
    w.sim.injectFault(fault);
    try {
      const r = await w.cfn.request({
        RequestType: 'Create',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        ResourceProperties: replicasProps(name, [{ RegionName: EU, PointInTimeRecoveryEnabled: true }, { RegionName: AP }]),
      });
      await w.cfn.idle();
      expect(w.sim.calls.filter((c) => c.fault === fault.kind).length).toBeGreaterThan(0);
      expect(r.body.Status).toBe('SUCCESS');
      expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [AP]: 'ACTIVE' });
      expect(await regionView(w.sim, EU, name)).toMatchObject({ exists: true, pitr: 'ENABLED', tags: { [OWNER_TAG_KEY]: stack, team: 'data' } });
      expect(await regionView(w.sim, AP, name)).toMatchObject({ exists: true, pitr: 'DISABLED', tags: { [OWNER_TAG_KEY]: stack, team: 'data' } });
      expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: true, [CA]: false });
    } finally {
      w.sim.clearFaults();
    }
  });

  it('retries the response PUT when the response endpoint fails', async () => {
    const { stack, name } = await ownedTable('putretry');
    w.cfn.failNextPuts(2);
    const r = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }]),
    });
    await w.cfn.idle();
    expect(r.body.Status).toBe('SUCCESS');
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
    expect(w.cfn.logs.filter((l) => l.includes('"response PUT rejected"') && l.includes(r.requestId))).toHaveLength(2);
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
  });
});

describe('which Delete keeps the replicas (CloudFormation says which phase it is in)', () => {
  const cases: [string, Record<string, unknown>, { stackStatus: string; tableStatus?: string; replaced?: boolean; tableRemoved?: boolean }, boolean][] = [
    [
      'a stack delete with DeletionPolicy Retain keeps them',
      { RetainOnDelete: true, TableLogicalId: 'Orders' },
      { stackStatus: 'DELETE_IN_PROGRESS', tableStatus: 'DELETE_IN_PROGRESS' },
      true,
    ],
    [
      'a stack delete with DeletionPolicy Delete removes them',
      { RetainOnDelete: false, TableLogicalId: 'Orders' },
      { stackStatus: 'DELETE_IN_PROGRESS', tableStatus: 'DELETE_IN_PROGRESS' },
      false,
    ],
    [
      'removing ReplicaRegions from a template that keeps the table removes them, whatever RetainOnDelete says',
      { RetainOnDelete: true, TableLogicalId: 'Orders' },
      { stackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', tableStatus: 'UPDATE_COMPLETE' },
      false,
    ],
    [
      'removing the whole table (Retain) keeps them with it',
      { RetainOnDelete: true, TableLogicalId: 'Orders' },
      { stackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', tableStatus: 'DELETE_IN_PROGRESS' },
      true,
    ],
    [
      'removing the whole table keeps them even while its record still reads UPDATE_COMPLETE (it is deleted after them)',
      { RetainOnDelete: true, TableLogicalId: 'Orders' },
      { stackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', tableStatus: 'UPDATE_COMPLETE', tableRemoved: true },
      true,
    ],
    [
      'a replaced table with UpdateReplacePolicy Delete loses them',
      { RetainOnDelete: true, RetainOnReplace: false, TableLogicalId: 'Orders' },
      { stackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', tableStatus: 'UPDATE_COMPLETE', replaced: true },
      false,
    ],
    [
      'a replaced table with UpdateReplacePolicy Retain keeps them',
      { RetainOnDelete: false, RetainOnReplace: true, TableLogicalId: 'Orders' },
      { stackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', tableStatus: 'UPDATE_COMPLETE', replaced: true },
      true,
    ],
    [
      'RetainExceptOnCreate: the rollback of a failed stack create removes them with the table',
      { RetainOnDelete: true, RetainExceptOnCreate: true, TableLogicalId: 'Orders' },
      { stackStatus: 'ROLLBACK_IN_PROGRESS', tableStatus: 'CREATE_COMPLETE' },
      false,
    ],
    [
      'RetainExceptOnCreate: a later stack delete keeps them',
      { RetainOnDelete: true, RetainExceptOnCreate: true, TableLogicalId: 'Orders' },
      { stackStatus: 'DELETE_IN_PROGRESS', tableStatus: 'DELETE_IN_PROGRESS' },
      true,
    ],
    [
      "the rollback cleanup of a replacement deletes the NEW table's replicas by its DeletionPolicy, not its UpdateReplacePolicy",
      { RetainOnDelete: false, RetainOnReplace: true, TableLogicalId: 'Orders' },
      { stackStatus: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', tableStatus: 'UPDATE_COMPLETE', replaced: true },
      false,
    ],
  ];
  it.each(cases)('%s', async (_what, extra, phase, kept) => {
    const { stack, name } = await ownedTable('phase');
    const { r, props } = await create(stack, name, [{ RegionName: EU }], extra);
    await w.cfn.idle();
    expect(r.body.Status).toBe('SUCCESS');
    if (phase.tableStatus)
      w.cfn.cloudformation.setResource(stack, { logicalId: 'Orders', resourceType: 'AWS::DynamoDB::Table', physicalId: name, status: phase.tableStatus });
    // The stack's template as it now stands: CloudFormation deletes removed resources in reverse
    // dependency order, so a removed table still shows UPDATE_COMPLETE while its replicas go first;
    // only the template says whether the table stays.
    const keptResources = phase.tableStatus === 'UPDATE_COMPLETE' && !phase.tableRemoved ? { Orders: { Type: 'AWS::DynamoDB::Table' } } : {};
    w.cfn.cloudformation.setTemplate(stack, { Resources: keptResources });
    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
      StackStatus: phase.stackStatus,
      ...(phase.replaced ? { Record: { status: 'UPDATE_COMPLETE', physicalId: 'arc-dynamodb:replicas:the-new-table' } } : {}),
    });
    await w.cfn.idle();
    expect(d.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: r.body.PhysicalResourceId });
    expect(w.cfn.responsesFor(d.requestId)).toHaveLength(1);
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: kept, [AP]: false, [CA]: false });
  });

  it('a cleanup Delete naming a physical ID this resource never had touches nothing', async () => {
    const { stack, name } = await ownedTable('phase-unknown');
    const { r, props } = await create(stack, name, [{ RegionName: EU }], { RetainOnDelete: false, RetainOnReplace: false, TableLogicalId: 'Orders' });
    await w.cfn.idle();
    expect(r.body.Status).toBe('SUCCESS');
    const mark = w.sim.calls.length;
    const d = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: 'arc-dynamodb:replicas:never-answered',
      ResourceProperties: props,
      StackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      Record: { status: 'UPDATE_COMPLETE', physicalId: r.body.PhysicalResourceId },
    });
    expect(d.body.Status).toBe('SUCCESS');
    expect(d.body.Reason).toContain('was never this provider');
    expect(w.sim.calls.slice(mark).filter((c) => c.mutating)).toEqual([]);
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
  });
});

it('ReplicaRegions: [] removes every replica in one Update, and the stream DynamoDB needs meanwhile stays', async () => {
  const { stack, name } = await ownedTable('remove-all');
  const { r, props } = await create(stack, name, [{ RegionName: EU }, { RegionName: AP }]);
  await w.cfn.idle();
  expect(r.body.Status).toBe('SUCCESS');
  const u = await w.cfn.request({
    RequestType: 'Update',
    StackId: stack,
    LogicalResourceId: 'OrdersReplicas',
    PhysicalResourceId: r.body.PhysicalResourceId,
    ResourceProperties: replicasProps(name, []),
    OldResourceProperties: props,
  });
  await w.cfn.idle();
  expect(u.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: r.body.PhysicalResourceId, Data: { Regions: '' } });
  expect(w.cfn.responsesFor(u.requestId)).toHaveLength(1);
  expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });
  const home = await w.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }));
  expect(home.Table?.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
});
