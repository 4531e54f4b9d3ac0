/**
 * Replica autoscaling of replicated PROVISIONED tables (global tables version 2019.11.21):
 * DynamoDB manages write capacity and write autoscaling globally, so the provider sets them once
 * through UpdateTableReplicaAutoScaling and the simulator's R10 mirrors them into every region;
 * read settings are per replica. A client's own second write target in a replica region is what
 * R12 refuses. The home region's targets and policies are CloudFormation's (the macro's
 * <Table>WriteScalingPolicy etc.), registered here as CloudFormation would.
 */
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { EXACT_STATE, HOME, createHomeTable, footprint, replicasProps, startWorld, uniqueName, type World } from './world';

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

const scaling = { MinCapacity: 5, MaxCapacity: 50, TargetValue: 70, ScaleInCooldown: 60, ScaleOutCooldown: 60 };
const write = { ...scaling, TargetValue: 60 };

/** What CloudFormation registers in the home region for the macro's ScalableTarget/ScalingPolicy pairs. */
async function cfnScaling(resourceId: string, dimension: string, policyName: string, s: typeof scaling) {
  const aas = w.sim.directAutoscaling(HOME);
  await aas.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: 'dynamodb',
      ResourceId: resourceId,
      ScalableDimension: dimension as 'dynamodb:table:ReadCapacityUnits',
      MinCapacity: s.MinCapacity,
      MaxCapacity: s.MaxCapacity,
    }),
  );
  await aas.send(
    new PutScalingPolicyCommand({
      ServiceNamespace: 'dynamodb',
      ResourceId: resourceId,
      ScalableDimension: dimension as 'dynamodb:table:ReadCapacityUnits',
      PolicyName: policyName,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: s.TargetValue,
        ScaleInCooldown: s.ScaleInCooldown,
        ScaleOutCooldown: s.ScaleOutCooldown,
        PredefinedMetricSpecification: {
          PredefinedMetricType: dimension.endsWith('WriteCapacityUnits') ? 'DynamoDBWriteCapacityUtilization' : 'DynamoDBReadCapacityUtilization',
        },
      },
    }),
  );
}

async function scaledTable(stackName: string) {
  const stack = w.cfn.stackId(stackName);
  const name = uniqueName(stackName);
  await createHomeTable(w.sim, name, { ownerStackId: stack, billing: 'PROVISIONED' });
  await cfnScaling(`table/${name}`, 'dynamodb:table:ReadCapacityUnits', 'OrdersReadScalingPolicy', scaling);
  await cfnScaling(`table/${name}`, 'dynamodb:table:WriteCapacityUnits', 'OrdersWriteScalingPolicy', write);
  await cfnScaling(`table/${name}/index/by-gk`, 'dynamodb:index:ReadCapacityUnits', 'OrdersIndexbygkReadScalingPolicy', scaling);
  return { stack, name };
}

/**
 * Every scalable target and policy of the table in a region, straight from moto:
 * "<resource> <dimension> <min-max>" and "<resource> <dimension> <name> <target>".
 */
async function scalingIn(region: string, name: string) {
  const aas = w.sim.directAutoscaling(region);
  const mine = (id: string | undefined) => id === `table/${name}` || Boolean(id?.startsWith(`table/${name}/`));
  const targets = ((await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb' }))).ScalableTargets ?? []).filter((t) =>
    mine(t.ResourceId),
  );
  const policies = ((await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'dynamodb' }))).ScalingPolicies ?? []).filter((p) =>
    mine(p.ResourceId),
  );
  return {
    targets: targets.map((t) => `${t.ResourceId} ${t.ScalableDimension} ${t.MinCapacity}-${t.MaxCapacity}`).sort(),
    policies: policies.map((p) => `${p.ResourceId} ${p.ScalableDimension} ${p.PolicyName} ${p.TargetTrackingScalingPolicyConfiguration?.TargetValue}`).sort(),
  };
}

/** Application Auto Scaling calls the provider made itself (through the simulator) that register or put anything. */
function clientScalingWrites(from: number) {
  return w.sim.calls
    .slice(from)
    .filter((c) => c.service === 'application-autoscaling' && (c.operation === 'RegisterScalableTarget' || c.operation === 'PutScalingPolicy'));
}

it(
  'creating replicas of a PROVISIONED autoscaled table leaves one write target and policy per region (DynamoDB mirrors them) and read settings per ' +
    'replica',
  async () => {
    const { stack, name } = await scaledTable('gscale');
    const autoscaling = { Read: scaling, Write: write, Indexes: { 'by-gk': { Read: scaling } } };
    const props = replicasProps(name, [{ RegionName: EU, ReadCapacity: 8 }, { RegionName: AP }], { BillingMode: 'PROVISIONED', Autoscaling: autoscaling });
    const mark = w.sim.calls.length;
    const r = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersReplicas', ResourceProperties: props });
    await w.cfn.idle();
    expect(r.body.Status).toBe('SUCCESS');
    expect(w.cfn.responsesFor(r.requestId)).toHaveLength(1);

    // The provider registered nothing itself: every replica region's scaling came from DynamoDB.
    expect(clientScalingWrites(mark)).toEqual([]);
    expect(
      w.sim.calls
        .slice(mark)
        .filter((c) => c.operation === 'UpdateTableReplicaAutoScaling')
        .map((c) => c.status),
    ).toEqual([200]);

    const home = await scalingIn(HOME, name);
    expect(home).toEqual({
      targets: [
        `table/${name} dynamodb:table:ReadCapacityUnits 5-50`,
        `table/${name} dynamodb:table:WriteCapacityUnits 5-50`,
        `table/${name}/index/by-gk dynamodb:index:ReadCapacityUnits 5-50`,
      ],
      policies: [
        `table/${name} dynamodb:table:ReadCapacityUnits OrdersReadScalingPolicy 70`,
        `table/${name} dynamodb:table:WriteCapacityUnits OrdersWriteScalingPolicy 60`,
        `table/${name}/index/by-gk dynamodb:index:ReadCapacityUnits OrdersIndexbygkReadScalingPolicy 70`,
      ],
    });
    for (const region of [EU, AP]) {
      // Exactly one write target and one write policy, DynamoDB's mirror of the home one; read per replica.
      expect(await scalingIn(region, name)).toEqual(home);
    }
    const eu = await w.sim.direct(EU).send(new DescribeTableCommand({ TableName: name }));
    expect(eu.Table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(8);

    // DynamoDB manages write scaling globally now: a second, client-registered write target in a
    // replica region is the conflict R12 refuses.
    await expect(
      w.cfn.clients.autoscaling(EU).send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'dynamodb',
          ResourceId: `table/${name}`,
          ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
          MinCapacity: 1,
          MaxCapacity: 10,
        }),
      ),
    ).rejects.toThrow(/managed globally by DynamoDB/);

    // The same properties again change nothing: everything is read first.
    const again = w.sim.calls.length;
    const u = await w.cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'OrdersReplicas',
      PhysicalResourceId: r.body.PhysicalResourceId,
      ResourceProperties: props,
      OldResourceProperties: props,
    });
    await w.cfn.idle();
    expect(u.body.Status).toBe('SUCCESS');
    expect(w.sim.calls.slice(again).filter((c) => c.mutating && c.status === 200 && c.operation !== 'TagResource')).toEqual([]);

    // Deleting the replicas leaves none of their scaling behind, and the home region's is untouched.
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
    for (const region of [EU, AP]) expect(await scalingIn(region, name)).toEqual({ targets: [], policies: [] });
    expect(await scalingIn(HOME, name)).toEqual(home);
  },
);

it('adding an autoscaled GSI to a replicated PROVISIONED table works and collides with nothing', async () => {
  const { stack, name } = await scaledTable('gsi');
  const before = { Read: scaling, Write: write, Indexes: { 'by-gk': { Read: scaling } } };
  const props = replicasProps(name, [{ RegionName: EU }], { BillingMode: 'PROVISIONED', Autoscaling: before });
  const r = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'OrdersReplicas', ResourceProperties: props });
  await w.cfn.idle();
  expect(r.body.Status).toBe('SUCCESS');

  // CloudFormation's table update adds the index first: on a replicated PROVISIONED table DynamoDB
  // accepts it while the table's writes are autoscaled (R11, checked by the simulator on this
  // UpdateTable), and adds it to every replica (developer guide, global tables: indexes; done here
  // in moto directly). Then the macro's ScalableTargets for the index, which depend on the table.
  const gsi = {
    AttributeDefinitions: [{ AttributeName: 'gk2', AttributeType: 'S' as const }],
    GlobalSecondaryIndexUpdates: [
      {
        Create: {
          IndexName: 'by-gk2',
          KeySchema: [{ AttributeName: 'gk2', KeyType: 'HASH' as const }],
          Projection: { ProjectionType: 'ALL' as const },
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
        },
      },
    ],
  };
  await w.cfn.clients.dynamodb(HOME).send(new UpdateTableCommand({ TableName: name, ...gsi }));
  await w.sim.direct(EU).send(new UpdateTableCommand({ TableName: name, ...gsi }));
  await cfnScaling(`table/${name}/index/by-gk2`, 'dynamodb:index:WriteCapacityUnits', 'OrdersIndexbygk2WriteScalingPolicy', write);
  await cfnScaling(`table/${name}/index/by-gk2`, 'dynamodb:index:ReadCapacityUnits', 'OrdersIndexbygk2ReadScalingPolicy', scaling);

  const after = { ...before, Indexes: { ...before.Indexes, 'by-gk2': { Read: scaling, Write: write } } };
  const newProps = replicasProps(name, [{ RegionName: EU }], { BillingMode: 'PROVISIONED', Autoscaling: after });
  const mark = w.sim.calls.length;
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
  expect(w.cfn.responsesFor(u.requestId)).toHaveLength(1);
  // Nothing refused, nothing registered by the provider itself.
  expect(
    w.sim.calls.slice(mark).filter((c) => c.status >= 400 && (c.service === 'application-autoscaling' || c.operation === 'UpdateTableReplicaAutoScaling')),
  ).toEqual([]);
  expect(clientScalingWrites(mark)).toEqual([]);

  const gk2 = (s: { targets: string[]; policies: string[] }) => ({
    targets: s.targets.filter((t) => t.includes('by-gk2')),
    policies: s.policies.filter((t) => t.includes('by-gk2')),
  });
  const expected = {
    targets: [`table/${name}/index/by-gk2 dynamodb:index:ReadCapacityUnits 5-50`, `table/${name}/index/by-gk2 dynamodb:index:WriteCapacityUnits 5-50`],
    policies: [
      `table/${name}/index/by-gk2 dynamodb:index:ReadCapacityUnits OrdersIndexbygk2ReadScalingPolicy 70`,
      `table/${name}/index/by-gk2 dynamodb:index:WriteCapacityUnits OrdersIndexbygk2WriteScalingPolicy 60`,
    ],
  };
  expect(gk2(await scalingIn(HOME, name))).toEqual(expected);
  expect(gk2(await scalingIn(EU, name))).toEqual(expected);
  // And the table's own write scaling is still one target and one policy in each region.
  for (const region of [HOME, EU]) {
    const all = await scalingIn(region, name);
    expect(all.policies.filter((p) => p.startsWith(`table/${name} dynamodb:table:WriteCapacityUnits`))).toEqual([
      `table/${name} dynamodb:table:WriteCapacityUnits OrdersWriteScalingPolicy 60`,
    ]);
  }
});
