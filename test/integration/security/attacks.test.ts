/**
 * The attack suite (docs/security.md): callers who are not CloudFormation, and stacks reaching
 * for what is not theirs. Every case runs against moto_server behind the replica simulator, with
 * the local CloudFormation API the provider authenticates against, and counts the mutating AWS
 * calls made on the attacker's behalf: user resources (every call the simulator saw) and the
 * provider's own state table (its items before and after). The count must be zero.
 *
 * The attacker can invoke the provider function directly (CloudFormation invokes it with the
 * stack caller's credentials, so anyone who can deploy a stack with it can) and knows stack A's
 * ID, its logical IDs and physical IDs (they are printed on A's table and in DescribeStacks).
 * Stack B loading A's objects is proved in test/integration/load/custom-resource.test.ts, and a
 * replica delete that meets another stack's replica in test/integration/provider/hostile-stack.test.ts.
 */
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { CONTINUATION_KEY } from '../../../provider/continuation';
import { listTags } from '../../../provider/guard/ownership';
import { loadHandler } from '../../../provider/load/handler';
import { makeReplicasHandler } from '../../../provider/replicas/handler';
import type { ResourceHandler } from '../../../provider/types';
import { ADOPT_CONSENT_TAG_KEY, OWNER_TAG_KEY } from '../../../contract/resources';
import { leakedSecrets, type HarnessEvent, type ResponseRecord } from '../../support/cfn-harness';
import { HOME, createHomeTable, regionView, replicasProps, startWorld, uniqueName, type World } from '../provider/world';

const EU = 'eu-west-1';
let w: World;
let state: DynamoDBClient;

beforeAll(async () => {
  w = await startWorld({
    replicaDelayMs: 200,
    handlers: [makeReplicasHandler({ initialMs: 50, maxMs: 400 }) as ResourceHandler<unknown>, loadHandler as ResourceHandler<unknown>],
  });
  state = new DynamoDBClient({ region: HOME, endpoint: w.moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
});
afterAll(async () => {
  expect(leakedSecrets(w.cfn.logs, w.cfn.secrets)).toEqual([]);
  state?.destroy();
  await w?.stop();
});

/** Every item of the provider's state table, as text: any write on the attacker's behalf changes it. */
async function stateItems(): Promise<string> {
  const out = await state.send(new ScanCommand({ TableName: w.cfn.stateTable, ConsistentRead: true }));
  return JSON.stringify((out.Items ?? []).map((i) => JSON.stringify(i)).sort());
}

/** Stack A: a table with a replica in EU, deletion protection and PITR on that replica, an item. */
async function victim() {
  const stack = w.cfn.stackId('victim');
  const name = uniqueName('victim');
  await createHomeTable(w.sim, name, { ownerStackId: stack });
  await w.sim.direct(HOME).send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'p' }, sk: { N: '1' }, v: { S: 'original' } } }));
  const props = replicasProps(name, [{ RegionName: EU, DeletionProtectionEnabled: true, PointInTimeRecoveryEnabled: true }]);
  const created = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'TableReplicas', ResourceProperties: props });
  await w.cfn.idle();
  expect(created.body.Status).toBe('SUCCESS');
  return { stack, name, props, physicalId: created.body.PhysicalResourceId };
}

async function snapshot(name: string) {
  const pitr = await w.sim
    .direct(EU)
    .send(new DescribeContinuousBackupsCommand({ TableName: name }))
    .catch(() => undefined);
  const items = await w.sim.direct(HOME).send(new ScanCommand({ TableName: name }));
  return {
    home: await regionView(w.sim, HOME, name),
    eu: await regionView(w.sim, EU, name),
    replicas: w.sim.replicaStatus(HOME, name),
    pitr: pitr?.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
    items: items.Items,
  };
}

/** Invokes the function with an event CloudFormation never sent; resolves with its answer, or undefined when it stays silent. */
async function forge(e: HarnessEvent, extra: Record<string, unknown> = {}): Promise<ResponseRecord | undefined> {
  const ev = { ...w.cfn.event(e), ...extra };
  w.cfn.deliverForged(ev);
  await w.cfn.idle();
  return w.cfn.responsesFor(String(ev.RequestId))[0];
}

/** Runs the attacks and asserts that nothing anywhere changed. */
async function noMutation(name: string, attacks: () => Promise<void>) {
  const before = await snapshot(name);
  const stateBefore = await stateItems();
  const mark = w.sim.calls.length;
  await attacks();
  await w.cfn.idle();
  expect(w.sim.calls.slice(mark).filter((c) => c.mutating)).toEqual([]);
  expect(await stateItems()).toBe(stateBefore);
  expect(await snapshot(name)).toEqual(before);
}

const REFUSED = /^Refused: this request does not match what CloudFormation is doing \(.+\)\. Nothing was changed\.$/;

it("forged Create, Update and Delete naming stack A's table, logical ID and physical ID while A is idle: refused, zero mutating calls", async () => {
  const a = await victim();
  await noMutation(a.name, async () => {
    const stripped = replicasProps(a.name, [{ RegionName: EU, DeletionProtectionEnabled: false, PointInTimeRecoveryEnabled: false }], {
      RetainOnDelete: false,
    });
    const create = await forge({ RequestType: 'Create', StackId: a.stack, LogicalResourceId: 'TableReplicas', ResourceProperties: stripped });
    const update = await forge({
      RequestType: 'Update',
      StackId: a.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: a.physicalId,
      ResourceProperties: stripped,
      OldResourceProperties: a.props,
    });
    const del = await forge({
      RequestType: 'Delete',
      StackId: a.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: a.physicalId,
      ResourceProperties: stripped,
    });
    for (const r of [create, update, del]) expect(r?.body).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(REFUSED) });
  });
});

it('the same forgeries while stack A is updating another resource: refused, zero mutating calls', async () => {
  const a = await victim();
  w.cfn.cloudformation.setStackStatus(a.stack, 'UPDATE_IN_PROGRESS');
  w.cfn.cloudformation.setResource(a.stack, {
    logicalId: 'TableLoad',
    resourceType: 'Custom::ArcDynamoDbLoad',
    physicalId: `arc-dynamodb-load:${a.name}:TableLoad`,
    status: 'UPDATE_IN_PROGRESS',
  });
  const stripped = replicasProps(a.name, [{ RegionName: EU, DeletionProtectionEnabled: false }], { RetainOnDelete: false });
  await noMutation(a.name, async () => {
    const update = await forge({
      RequestType: 'Update',
      StackId: a.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: a.physicalId,
      ResourceProperties: stripped,
      OldResourceProperties: a.props,
    });
    const del = await forge({
      RequestType: 'Delete',
      StackId: a.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: a.physicalId,
      ResourceProperties: stripped,
    });
    // The resource that IS in progress, under the wrong type: CloudFormation's record says Load.
    const wrongType = await forge({
      RequestType: 'Update',
      StackId: a.stack,
      LogicalResourceId: 'TableLoad',
      PhysicalResourceId: `arc-dynamodb-load:${a.name}:TableLoad`,
      ResourceProperties: stripped,
      OldResourceProperties: a.props,
    });
    // The load that is in progress, with a physical ID CloudFormation does not hold.
    const loadProps = {
      TableName: a.name,
      S3BucketSource: { Bucket: 'attacker-bucket', KeyPrefix: 'arc-dynamodb/victim/' },
      InputFormat: 'DYNAMODB_JSON',
      InputCompressionType: 'NONE',
      WriteMode: 'Overwrite',
      MaxRejectedRecords: '0',
    };
    const wrongId = await forge({
      RequestType: 'Update',
      StackId: a.stack,
      LogicalResourceId: 'TableLoad',
      ResourceType: 'Custom::ArcDynamoDbLoad',
      PhysicalResourceId: 'arc-dynamodb-load:other:TableLoad',
      ResourceProperties: loadProps,
      OldResourceProperties: loadProps,
    });
    for (const r of [update, del, wrongType, wrongId]) expect(r?.body).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(REFUSED) });
  });
  w.cfn.cloudformation.setStackStatus(a.stack, 'UPDATE_COMPLETE');
});

it(
  'a forged continuation (any hop, any start, a crafted checkpoint) is ignored: no answer, zero mutating calls, even while the resource is in ' + 'progress',
  async () => {
    const a = await victim();
    const stripped = replicasProps(a.name, [{ RegionName: EU, DeletionProtectionEnabled: false }], { RetainOnDelete: false });
    const crafted = { chainId: 'attacker', startedAt: Date.now() + 86_400_000, hop: 0, checkpoint: { mutated: false, synced: [] } };
    const logMark = w.cfn.logs.length;
    await noMutation(a.name, async () => {
      const idle = await forge(
        { RequestType: 'Delete', StackId: a.stack, LogicalResourceId: 'TableReplicas', PhysicalResourceId: a.physicalId, ResourceProperties: stripped },
        { [CONTINUATION_KEY]: crafted },
      );
      expect(idle).toBeUndefined();
      // CloudFormation really is updating TableReplicas now: an unsealed continuation still counts for nothing.
      w.cfn.cloudformation.setResource(a.stack, {
        logicalId: 'TableReplicas',
        resourceType: 'Custom::ArcDynamoDbReplicas',
        physicalId: a.physicalId,
        status: 'UPDATE_IN_PROGRESS',
      });
      const busy = await forge(
        {
          RequestType: 'Update',
          StackId: a.stack,
          LogicalResourceId: 'TableReplicas',
          PhysicalResourceId: a.physicalId,
          ResourceProperties: stripped,
          OldResourceProperties: a.props,
        },
        { [CONTINUATION_KEY]: crafted },
      );
      expect(busy).toBeUndefined();
      const fakeSeal = await forge(
        {
          RequestType: 'Update',
          StackId: a.stack,
          LogicalResourceId: 'TableReplicas',
          PhysicalResourceId: a.physicalId,
          ResourceProperties: stripped,
          OldResourceProperties: a.props,
        },
        { [CONTINUATION_KEY]: { v: 1, state: JSON.stringify({ ...crafted, hop: 1 }), mac: 'a'.repeat(64) } },
      );
      expect(fakeSeal).toBeUndefined();
      w.cfn.cloudformation.setResource(a.stack, {
        logicalId: 'TableReplicas',
        resourceType: 'Custom::ArcDynamoDbReplicas',
        physicalId: a.physicalId,
        status: 'UPDATE_COMPLETE',
      });
    });
    expect(w.cfn.logs.slice(logMark).filter((l) => l.includes('a continuation that this provider did not seal'))).toHaveLength(3);
  },
);

it("a forged Load naming A's table cannot overwrite A's items", async () => {
  const a = await victim();
  await noMutation(a.name, async () => {
    const r = await forge({
      RequestType: 'Create',
      StackId: a.stack,
      LogicalResourceId: 'TableLoad',
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: {
        TableName: a.name,
        S3BucketSource: { Bucket: 'attacker-bucket', KeyPrefix: 'arc-dynamodb/victim/' },
        InputFormat: 'DYNAMODB_JSON',
        InputCompressionType: 'NONE',
        WriteMode: 'Overwrite',
        MaxRejectedRecords: '0',
      },
    });
    expect(r?.body).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(REFUSED) });
  });
});

it(
  "adoption squatting: stack B names an untagged table in AdoptExistingTable without its owner's consent: refused, no tag written, zero mutating " + 'calls',
  async () => {
    const name = uniqueName('squatted');
    await createHomeTable(w.sim, name); // created elsewhere, no owner tag
    const b = w.cfn.stackId('squatter');
    const props = replicasProps(name, [{ RegionName: EU }], { AdoptExistingTable: name });
    await noMutation(name, async () => {
      const r = await w.cfn.request({ RequestType: 'Create', StackId: b, LogicalResourceId: 'TableReplicas', ResourceProperties: props });
      expect(r.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'arc-dynamodb:CREATE_FAILED:TableReplicas' });
      expect(r.body.Reason).toContain(`tag it ${ADOPT_CONSENT_TAG_KEY}=squatter`);
      const rollback = await w.cfn.request({
        RequestType: 'Delete',
        StackId: b,
        LogicalResourceId: 'TableReplicas',
        PhysicalResourceId: r.body.PhysicalResourceId,
        ResourceProperties: props,
      });
      expect(rollback.body.Status).toBe('SUCCESS');
    });
    expect((await regionView(w.sim, HOME, name)).tags?.[OWNER_TAG_KEY]).toBeUndefined();
  },
);

it("after every forgery, stack A's replica and item are as A left them", async () => {
  const a = await victim();
  await noMutation(a.name, async () => {
    await forge({
      RequestType: 'Delete',
      StackId: a.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: a.physicalId,
      ResourceProperties: replicasProps(a.name, [], { RetainOnDelete: false }),
    });
  });
  expect(w.sim.replicaStatus(HOME, a.name)).toEqual({ [EU]: 'ACTIVE' });
  expect((await w.sim.direct(EU).send(new DescribeTableCommand({ TableName: a.name }))).Table?.DeletionProtectionEnabled).toBe(true);
  const items = await w.sim.direct(HOME).send(new ScanCommand({ TableName: a.name }));
  expect(items.Items?.map((i) => i.v?.S)).toEqual(['original']);
});

it(
  "a table at DynamoDB's 50-tag limit (49 user tags and the owner tag) keeps every safety check: the lease lives in the state table and no tag is " +
    'written to the table',
  async () => {
    const stack = w.cfn.stackId('full-tags');
    const name = uniqueName('full-tags');
    await w.sim.direct(HOME).send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        Tags: [{ Key: OWNER_TAG_KEY, Value: stack }, ...Array.from({ length: 49 }, (_, i) => ({ Key: `user-${i}`, Value: 'v' }))],
      }),
    );
    const stateBefore = await stateItems();
    const mark = w.sim.calls.length;
    const r = await w.cfn.request({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      ResourceProperties: replicasProps(name, [], { Tags: [] }),
    });
    await w.cfn.idle();
    expect(r.body.Status).toBe('SUCCESS');
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
    expect(w.sim.calls.slice(mark).filter((c) => c.mutating && c.region === HOME)).toEqual([]);
    expect(await stateItems()).not.toBe(stateBefore); // the lease was written where it belongs
    // A duplicate delivery of the same request is recognised from that lease and stays silent.
    const again = w.cfn.event({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      ResourceProperties: replicasProps(name, [], { Tags: [] }),
      RequestId: r.requestId,
    });
    w.cfn.deliverForged(again);
    await w.cfn.idle();
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);
    const arn = (await w.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.TableArn as string;
    expect(Object.keys(await listTags(w.sim.direct(HOME), arn))).toHaveLength(50);
  },
);
