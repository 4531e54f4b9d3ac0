/**
 * Replicas across a rollback, replica ownership in the replica's own region, tagging while a
 * replica is CREATING, and the physical ID of failed Creates. Against moto_server behind the
 * replica simulator, driven by the CloudFormation harness.
 */
import { TagResourceCommand, UntagResourceCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { OWNER_TAG_KEY } from '../../../contract/resources';
import { EXACT_STATE, HOME, createHomeTable, footprint, regionView, replicasProps, startWorld, uniqueName, type World } from './world';

const EU = 'eu-west-1';
const AP = 'ap-southeast-2';
const CA = 'ca-central-1';

let w: World;
beforeAll(async () => {
  w = await startWorld({ replicaDelayMs: 300, ...EXACT_STATE });
});
afterAll(async () => {
  await w?.stop();
});

async function ownedTable(stackName: string) {
  const stack = w.cfn.stackId(stackName);
  const name = uniqueName(stackName);
  await createHomeTable(w.sim, name, { ownerStackId: stack });
  return { stack, name };
}

const arnIn = (region: string, name: string) => `arn:aws:dynamodb:${region}:123456789012:table/${name}`;

describe('a rollback while a replica the failed update added is still CREATING', () => {
  it('answers SUCCESS at once, says what happens next, and the next deploy removes the replica once it is ACTIVE', async () => {
    const { stack, name } = await ownedTable('rollback');
    const before = replicasProps(name, [{ RegionName: EU }], { ServiceTimeout: 4 });
    const c = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersReplicas', ResourceProperties: before });
    await w.cfn.idle();
    expect(c.body.Status).toBe('SUCCESS');

    w.sim.replicaDelayMs = 6000;
    try {
      // The update adds AP; its replica takes longer than the ServiceTimeout.
      const failedUpdate = replicasProps(name, [{ RegionName: EU }, { RegionName: AP }], { ServiceTimeout: 4 });
      const u = await w.cfn.request({
        RequestType: 'Update',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: c.body.PhysicalResourceId,
        ResourceProperties: failedUpdate,
        OldResourceProperties: before,
      });
      await w.cfn.idle();
      expect(u.body.Status).toBe('FAILED');
      expect(u.body.Reason).toMatch(/^The operation did not finish within the custom resource's ServiceTimeout \(4 s\)/);
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [AP]: 'CREATING' });
      // Tagged while it is still being created.
      expect((await regionView(w.sim, AP, name)).tags).toEqual({ [OWNER_TAG_KEY]: stack, team: 'data' });

      // CloudFormation rolls back: an Update with the properties swapped.
      const rb = await w.cfn.request({
        RequestType: 'Update',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: c.body.PhysicalResourceId,
        ResourceProperties: before,
        OldResourceProperties: failedUpdate,
        StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
      });
      await w.cfn.idle();
      expect(rb.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: c.body.PhysicalResourceId, Data: { Regions: EU, PendingRegions: '' } });
      // It did not wait for the replica: that one is still CREATING, and the stack events say what happens to it.
      expect(rb.body.Reason).toContain(`replica in ${AP} is still being created; the next deploy of this stack removes it`);
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [AP]: 'CREATING' });
      expect(
        w.cfn.logs.some((l) => l.includes(rb.requestId) && l.includes(`replica in ${AP} is still being created; the next deploy of this stack removes it`)),
      ).toBe(true);
      expect(w.cfn.responsesFor(rb.requestId)).toHaveLength(1);

      // The next deploy (any Update; here a tag change) removes it once it is ACTIVE.
      const next = replicasProps(name, [{ RegionName: EU }], { Tags: [{ Key: 'team', Value: 'platform' }] });
      const n = await w.cfn.request({
        RequestType: 'Update',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: c.body.PhysicalResourceId,
        ResourceProperties: next,
        OldResourceProperties: before,
      });
      await w.cfn.idle();
      expect(n.body.Status).toBe('SUCCESS');
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE' });
      expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });

      // Nothing is remembered any more: the deploy after that touches no replica.
      const mark = w.sim.calls.length;
      const again = await w.cfn.request({
        RequestType: 'Update',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: c.body.PhysicalResourceId,
        ResourceProperties: next,
        OldResourceProperties: next,
      });
      await w.cfn.idle();
      expect(again.body.Status).toBe('SUCCESS');
      expect(w.sim.calls.slice(mark).filter((x) => x.operation === 'UpdateTable' && x.status === 200)).toEqual([]);
    } finally {
      w.sim.replicaDelayMs = 300;
    }
  });

  it('a Delete that removes replicas also removes the one the rollback left behind', async () => {
    const { stack, name } = await ownedTable('rollback-delete');
    const before = replicasProps(name, [{ RegionName: EU }]);
    const c = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersReplicas', ResourceProperties: before });
    await w.cfn.idle();
    expect(c.body.Status).toBe('SUCCESS');
    w.sim.replicaDelayMs = 2500;
    try {
      const added = replicasProps(name, [{ RegionName: EU }, { RegionName: AP }], { WaitForReplication: false });
      const u = await w.cfn.request({
        RequestType: 'Update',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: c.body.PhysicalResourceId,
        ResourceProperties: added,
        OldResourceProperties: before,
      });
      await w.cfn.idle();
      expect(u.body).toMatchObject({ Status: 'SUCCESS', Data: { PendingRegions: AP } });
      // Another resource of the update failed: rollback.
      const rb = await w.cfn.request({
        RequestType: 'Update',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: c.body.PhysicalResourceId,
        ResourceProperties: before,
        OldResourceProperties: added,
        StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
      });
      await w.cfn.idle();
      expect(rb.body.Status).toBe('SUCCESS');
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE', [AP]: 'CREATING' });

      const d = await w.cfn.request({
        RequestType: 'Delete',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: c.body.PhysicalResourceId,
        ResourceProperties: before,
      });
      await w.cfn.idle();
      expect(d.body.Status).toBe('SUCCESS');
      expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: false, [AP]: false, [CA]: false });
      expect(w.sim.replicaStatus(HOME, name)).toEqual({});
    } finally {
      w.sim.replicaDelayMs = 300;
    }
  });
});

describe('replica ownership in its own region', () => {
  it('never deletes a replica tagged for another stack, says so, and deletes an untagged member of the group', async () => {
    const { stack, name } = await ownedTable('foreign-replica');
    const two = replicasProps(name, [{ RegionName: EU }, { RegionName: AP }]);
    const c = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersReplicas', ResourceProperties: two });
    await w.cfn.idle();
    expect(c.body.Status).toBe('SUCCESS');
    const other = w.cfn.stackId('someone-else');
    await w.sim.direct(AP).send(new TagResourceCommand({ ResourceArn: arnIn(AP, name), Tags: [{ Key: OWNER_TAG_KEY, Value: other }] }));

    const one = replicasProps(name, [{ RegionName: EU }]);
    const mark = w.sim.calls.length;
    const u = await w.cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: c.body.PhysicalResourceId,
      ResourceProperties: one,
      OldResourceProperties: two,
    });
    await w.cfn.idle();
    expect(u.body.Status).toBe('FAILED');
    expect(u.body.Reason).toBe(
      `The replica of ${name} in ${AP} carries an ${OWNER_TAG_KEY} tag naming another stack, so it was not deleted. Nothing was changed in ${AP}. ` +
        `If that table really is this stack's, set its ${OWNER_TAG_KEY} tag to this stack's ID deliberately and retry; otherwise delete it by hand ` +
        `or leave it.`,
    );
    expect(w.sim.calls.slice(mark).filter((x) => x.mutating && x.status === 200 && (x.region === AP || x.operation === 'UpdateTable'))).toEqual([]);
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: true, [CA]: false });

    // Untagged, it is a member of our group: the retried update deletes it.
    await w.sim.direct(AP).send(new UntagResourceCommand({ ResourceArn: arnIn(AP, name), TagKeys: [OWNER_TAG_KEY] }));
    const again = await w.cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: c.body.PhysicalResourceId,
      ResourceProperties: one,
      OldResourceProperties: two,
    });
    await w.cfn.idle();
    expect(again.body.Status).toBe('SUCCESS');
    expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, [EU]: true, [AP]: false, [CA]: false });
  });

  it('tags a replica as soon as it exists, while it is still CREATING', async () => {
    w.sim.replicaDelayMs = 3000;
    try {
      const { stack, name } = await ownedTable('tag-early');
      const r = await w.cfn.request({
        RequestType: 'Create',
        StackId: stack,
        LogicalResourceId: 'OrdersReplicas',
        ResourceProperties: replicasProps(name, [{ RegionName: EU }], { WaitForReplication: false }),
      });
      expect(r.body).toMatchObject({ Status: 'SUCCESS', Data: { PendingRegions: EU } });
      expect(w.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'CREATING' });
      expect((await regionView(w.sim, EU, name)).tags).toEqual({ [OWNER_TAG_KEY]: stack, team: 'data' });
      await w.cfn.idle();
    } finally {
      w.sim.replicaDelayMs = 300;
    }
  });
});

it('a Create that changed something before it failed answers with its real physical ID', async () => {
  const { stack, name } = await ownedTable('partial-settings');
  // The replica already exists (added by hand, untagged): the Create tags it, then PITR fails.
  await w.cfn.clients.dynamodb(HOME).send(new UpdateTableCommand({ TableName: name, ReplicaUpdates: [{ Create: { RegionName: EU } }] }));
  const until = Date.now() + 10000;
  while (w.sim.replicaStatus(HOME, name)[EU] !== 'ACTIVE' && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
  w.sim.injectFault({ kind: 'error500', count: 20, operations: ['UpdateContinuousBackups'] });
  try {
    const r = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU, PointInTimeRecoveryEnabled: true }]),
    });
    await w.cfn.idle();
    expect(r.body.Status).toBe('FAILED');
    expect(r.body.Reason).toMatch(/^InternalServerError: /);
    expect((await regionView(w.sim, EU, name)).tags).toEqual({ [OWNER_TAG_KEY]: stack });
    expect(r.body.PhysicalResourceId).toBe(`arc-dynamodb:replicas:${name}`);
  } finally {
    w.sim.clearFaults();
  }
});
