/**
 * Issue 7: a stack can only touch its own tables. Stack A owns a table with replicas; stack B
 * names it in Create, Update and Delete events. Afterwards A's table and replicas are unchanged
 * in every region, B got FAILED (or a SUCCESS no-op on Delete) with a clear reason, and not one
 * mutating AWS call was made on B's behalf.
 */
import { DescribeContinuousBackupsCommand, DescribeTableCommand, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { ADOPT_CONSENT_TAG_KEY, OWNER_TAG_KEY } from '../../../contract/resources';
import { leakedSecrets } from '../../support/cfn-harness';
import { EXACT_STATE, HOME, createHomeTable, regionView, replicasProps, startWorld, uniqueName, type World } from './world';

const EU = 'eu-west-1';
const AP = 'ap-southeast-2';
const CA = 'ca-central-1';

let w: World;
beforeAll(async () => {
  w = await startWorld({ replicaDelayMs: 200, ...EXACT_STATE });
});
afterAll(async () => {
  expect(leakedSecrets(w.cfn.logs, w.cfn.secrets)).toEqual([]);
  await w?.stop();
});

async function snapshot(name: string) {
  const regions = await Promise.all([HOME, EU, AP, CA].map(async (r) => [r, await regionView(w.sim, r, name)] as const));
  const home = await w.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }));
  return { regions: Object.fromEntries(regions), replicas: w.sim.replicaStatus(HOME, name), gsis: home.Table?.GlobalSecondaryIndexes?.length };
}

it("stack B cannot create, update or delete the replicas of stack A's table", async () => {
  const stackA = w.cfn.stackId('stack-a');
  const stackB = w.cfn.stackId('stack-b');
  const name = uniqueName('owned-by-a');
  await createHomeTable(w.sim, name, { ownerStackId: stackA });
  const aProps = replicasProps(name, [{ RegionName: EU }, { RegionName: AP }]);
  const a = await w.cfn.request({ RequestType: 'Create', StackId: stackA, LogicalResourceId: 'TableReplicas', ResourceProperties: aProps });
  expect(a.body.Status).toBe('SUCCESS');
  await w.cfn.idle();
  const before = await snapshot(name);
  const mark = w.sim.calls.length;

  const foreign =
    `Table ${name} in ${HOME} belongs to another stack: its ${OWNER_TAG_KEY} tag does not name this stack. ` +
    'The provider only changes tables owned by the requesting stack. Nothing was changed.';
  const bCreate = await w.cfn.request({
    RequestType: 'Create',
    StackId: stackB,
    LogicalResourceId: 'TableReplicas',
    ResourceProperties: replicasProps(name, [{ RegionName: CA }]),
  });
  expect(bCreate.body).toMatchObject({ Status: 'FAILED', Reason: foreign, PhysicalResourceId: 'arc-dynamodb:CREATE_FAILED:TableReplicas' });

  const bAdopt = await w.cfn.request({
    RequestType: 'Create',
    StackId: stackB,
    LogicalResourceId: 'Sneaky',
    ResourceProperties: replicasProps(name, [{ RegionName: CA }], { AdoptExistingTable: name }),
  });
  expect(bAdopt.body).toMatchObject({ Status: 'FAILED', Reason: foreign });

  const bUpdate = await w.cfn.request({
    RequestType: 'Update',
    StackId: stackB,
    LogicalResourceId: 'TableReplicas',
    PhysicalResourceId: a.body.PhysicalResourceId,
    ResourceProperties: replicasProps(name, [{ RegionName: AP, DeletionProtectionEnabled: true, PointInTimeRecoveryEnabled: true }]),
    OldResourceProperties: aProps,
  });
  expect(bUpdate.body).toMatchObject({ Status: 'FAILED', Reason: foreign, PhysicalResourceId: a.body.PhysicalResourceId });

  const bDelete = await w.cfn.request({
    RequestType: 'Delete',
    StackId: stackB,
    LogicalResourceId: 'TableReplicas',
    PhysicalResourceId: a.body.PhysicalResourceId,
    ResourceProperties: aProps,
  });
  expect(bDelete.body).toMatchObject({ Status: 'SUCCESS', Reason: `table ${name} belongs to another stack; it was not touched` });
  await w.cfn.idle();

  for (const r of [bCreate, bAdopt, bUpdate, bDelete]) expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
  expect(w.sim.calls.slice(mark).filter((c) => c.mutating)).toEqual([]);
  expect(await snapshot(name)).toEqual(before);
  expect(before.replicas).toEqual({ [EU]: 'ACTIVE', [AP]: 'ACTIVE' });
});

it('refuses to change a replica whose own owner tag names another stack', async () => {
  const stack = w.cfn.stackId('replica-owner');
  const name = uniqueName('replica-owner');
  await createHomeTable(w.sim, name, { ownerStackId: stack });
  const props = replicasProps(name, [{ RegionName: EU }]);
  const c = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'TableReplicas', ResourceProperties: props });
  expect(c.body.Status).toBe('SUCCESS');
  const euArn = (await w.sim.direct(EU).send(new DescribeTableCommand({ TableName: name }))).Table?.TableArn;
  await w.sim.direct(EU).send(new TagResourceCommand({ ResourceArn: euArn, Tags: [{ Key: OWNER_TAG_KEY, Value: w.cfn.stackId('intruder') }] }));
  const mark = w.sim.calls.length;
  const u = await w.cfn.request({
    RequestType: 'Update',
    StackId: stack,
    LogicalResourceId: 'TableReplicas',
    PhysicalResourceId: c.body.PhysicalResourceId,
    ResourceProperties: replicasProps(name, [{ RegionName: EU, PointInTimeRecoveryEnabled: true }]),
    OldResourceProperties: props,
  });
  await w.cfn.idle();
  expect(u.body.Status).toBe('FAILED');
  expect(u.body.Reason).toBe(
    `The replica of ${name} in ${EU} carries an ${OWNER_TAG_KEY} tag naming another stack, so its settings were not changed. Nothing was changed in ${EU}.`,
  );
  const pitr = await w.sim.direct(EU).send(new DescribeContinuousBackupsCommand({ TableName: name }));
  expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
  expect(w.sim.calls.slice(mark).filter((x) => x.mutating && x.region === EU)).toEqual([]);
});

describe('adopting a table created elsewhere', () => {
  it('refuses an untagged table unless AdoptExistingTable names it, then writes the tag and proceeds', async () => {
    const stack = w.cfn.stackId('adopter');
    const name = uniqueName('legacy');
    await createHomeTable(w.sim, name); // no owner tag
    const plain = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }]),
    });
    expect(plain.body.Status).toBe('FAILED');
    expect(plain.body.Reason).toBe(
      `Table ${name} in ${HOME} has no ${OWNER_TAG_KEY} tag, so this stack does not own it. To manage a table created elsewhere, set ` +
        `AdoptExistingTable: ${name} on the Arc::DynamoDB::Table resource. Nothing was changed.`,
    );
    expect((await regionView(w.sim, HOME, name)).tags).toEqual({});

    const wrong = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }], { AdoptExistingTable: 'some-other-table' }),
    });
    expect(wrong.body.Reason).toBe(`AdoptExistingTable must name the table itself (${name}), got some-other-table. Nothing was changed.`);

    // Naming the table is not enough: the owner has not consented, so nothing is written.
    const squat = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }], { AdoptExistingTable: name }),
    });
    expect(squat.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'arc-dynamodb:CREATE_FAILED:TableReplicas' });
    expect(squat.body.Reason).toContain(`may be adopted only with its owner's consent: tag it ${ADOPT_CONSENT_TAG_KEY}=adopter`);
    expect((await regionView(w.sim, HOME, name)).tags).toEqual({});

    // The owner consents, naming the adopting stack; a Create that then FAILS leaves no owner tag.
    const arn = (await w.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.TableArn;
    await w.sim.direct(HOME).send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: ADOPT_CONSENT_TAG_KEY, Value: 'adopter' }] }));
    w.sim.failNextCreate(EU, 'KMS key not accessible');
    const failed = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }], { AdoptExistingTable: name }),
    });
    await w.cfn.idle();
    expect(failed.body.Status).toBe('FAILED');
    expect((await regionView(w.sim, HOME, name)).tags?.[OWNER_TAG_KEY]).toBeUndefined();
    const rollback = await w.cfn.request({
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: failed.body.PhysicalResourceId,
      ResourceProperties: replicasProps(name, [{ RegionName: EU }], { AdoptExistingTable: name }),
    });
    await w.cfn.idle();
    expect(rollback.body.Status).toBe('SUCCESS');
    expect((await regionView(w.sim, HOME, name)).tags?.[OWNER_TAG_KEY]).toBeUndefined();

    const adopt = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }], { AdoptExistingTable: name }),
    });
    await w.cfn.idle();
    expect(adopt.body).toMatchObject({ Status: 'SUCCESS' });
    expect((await regionView(w.sim, HOME, name)).tags?.[OWNER_TAG_KEY]).toBe(stack);
    expect(await regionView(w.sim, EU, name)).toMatchObject({ exists: true, tags: { [OWNER_TAG_KEY]: stack, team: 'data' } });
  });
});
