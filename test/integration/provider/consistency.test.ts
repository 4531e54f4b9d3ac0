/**
 * AWS's eventual consistency, survived. With the replica simulator's LIFECYCLE_FAULTS on, every
 * TagResource is followed by at least one ListTagsOfResource that returns the previous tag set
 * (TagResource API reference), and every CreateTable by at least one DescribeTable that answers
 * ResourceNotFoundException (DescribeTable API reference). The provider must re-read before it
 * refuses, and a stale read must never make it answer FAILED.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { OWNER_TAG_KEY } from '../../../contract/resources';
import { LIFECYCLE_FAULTS } from '../../support/replica-simulator';
import { TEST_CREDENTIALS } from '../../support/cfn-harness';
import { HOME, footprint, replicasProps, startWorld, uniqueName, type World } from './world';

const EU = 'eu-west-1';
let w: World;
let viaSimulator: DynamoDBClient;

beforeAll(async () => {
  w = await startWorld({ replicaDelayMs: 200 });
  w.sim.setConsistencyFaults(LIFECYCLE_FAULTS);
  viaSimulator = new DynamoDBClient({ region: HOME, endpoint: w.sim.endpoint, credentials: TEST_CREDENTIALS });
});
afterAll(async () => {
  viaSimulator?.destroy();
  await w?.stop();
});

/** A table created and then tagged as CloudFormation's handler may do it, both through the simulator, so both lag. */
async function justCreatedTable(stack: string): Promise<string> {
  const name = uniqueName('fresh');
  await viaSimulator.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const arn = `arn:aws:dynamodb:${HOME}:123456789012:table/${name}`;
  await viaSimulator.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: OWNER_TAG_KEY, Value: stack }] }));
  return name;
}

it('a Create right after the table was created and tagged re-reads past ResourceNotFound and the stale tag set, then succeeds', async () => {
  const stack = w.cfn.stackId('fresh');
  const name = await justCreatedTable(stack);
  const mark = w.sim.calls.length;
  const r = await w.cfn.request({
    RequestType: 'Create',
    StackId: stack,
    LogicalResourceId: 'TableReplicas',
    ResourceProperties: replicasProps(name, [{ RegionName: EU }]),
  });
  await w.cfn.idle();
  expect(r.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `arc-dynamodb:replicas:${name}` });
  expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
  // The faults really bit: the provider saw a stale answer and asked again.
  const seen = w.sim.calls.slice(mark).filter((c) => c.table?.endsWith(name) && c.consistencyFault !== undefined);
  expect(seen.length).toBeGreaterThanOrEqual(1);
  expect(w.cfn.logs.some((l) => l.includes('re-reading in case DescribeTable or the tags lag'))).toBe(true);
  expect(await footprint(w.sim, name)).toMatchObject({ [HOME]: true, [EU]: true });
});

it('Update and a Retain Delete under lagging tag reads never answer FAILED (the lease is not a tag any more)', async () => {
  const stack = w.cfn.stackId('laggy');
  const name = await justCreatedTable(stack);
  const props = replicasProps(name, [{ RegionName: EU }], { RetainOnDelete: true });
  const c = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'TableReplicas', ResourceProperties: props });
  await w.cfn.idle();
  expect(c.body.Status).toBe('SUCCESS');
  // Another tag write on the table (as a user's or CloudFormation's tag update would make) opens a new stale window.
  const arn = (await w.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.TableArn;
  await viaSimulator.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'data' }] }));
  const next = replicasProps(name, [{ RegionName: EU, PointInTimeRecoveryEnabled: true }], { RetainOnDelete: true });
  const u = await w.cfn.request({
    RequestType: 'Update',
    StackId: stack,
    LogicalResourceId: 'TableReplicas',
    PhysicalResourceId: c.body.PhysicalResourceId,
    ResourceProperties: next,
    OldResourceProperties: props,
  });
  await w.cfn.idle();
  expect(u.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: c.body.PhysicalResourceId });
  await viaSimulator.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'payments' }] }));
  const d = await w.cfn.request({
    RequestType: 'Delete',
    StackId: stack,
    LogicalResourceId: 'TableReplicas',
    PhysicalResourceId: c.body.PhysicalResourceId,
    ResourceProperties: next,
    StackStatus: 'DELETE_IN_PROGRESS',
  });
  await w.cfn.idle();
  expect(d.body).toMatchObject({ Status: 'SUCCESS' });
  for (const r of [c, u, d]) expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
  expect(await footprint(w.sim, name)).toMatchObject({ [HOME]: true, [EU]: true });
});
