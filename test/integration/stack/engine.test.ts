/**
 * The stack engine's CloudFormation semantics, proven against moto, the replica simulator and
 * the REAL bundled provider (through the local Lambda and CloudFormation APIs).
 */
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { startStackEngine, type StackEngine } from '../../support/stack-engine';
import { alarmNames, apiRecorder, arcTemplate, at, dashboardNames, footprint, HOME, scaling, tableIndexes, unique, type ApiSighting } from './arc';

let engine: StackEngine;
const sightings: ApiSighting[] = [];

beforeAll(async () => {
  engine = await startStackEngine({
    // 3600 s of ServiceTimeout = 72 s of engine time: ample for the simulator's 300 ms replicas.
    serviceTimeoutScaleMs: 20,
    replicaDelayMs: 300,
    beforeInvoke: apiRecorder(() => engine.cfnApi.endpoint, sightings),
  });
}, 120_000);

afterAll(async () => {
  await engine?.stop();
});

/** Every custom-resource request of these stacks was answered exactly once, never late. */
function expectAnsweredOnce(stackId: string) {
  const mine = engine.requests.filter((r) => r.stackId === stackId && r.result !== 'TIMEOUT');
  expect(mine.length).toBeGreaterThan(0);
  for (const r of mine)
    expect({ id: r.requestId, type: r.requestType, n: engine.responsesFor(r.requestId).length }).toEqual({ id: r.requestId, type: r.requestType, n: 1 });
}

it('creates a table with autoscaling and alarms in dependency order, then deletes it (DeletionPolicy Delete)', async () => {
  const stack = unique('create');
  const name = unique('orders');
  const template = engine.expand(arcTemplate({ tableName: name, billing: 'PROVISIONED', autoscaling: true, gsis: ['ByG1'], deletionPolicy: 'Delete' }));
  const alarms = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .map(([id]) => id);
  expect(alarms.length).toBeGreaterThanOrEqual(6);

  const r = await engine.deploy(stack, template);
  expect(r).toMatchObject({ status: 'CREATE_COMPLETE' });
  expect(await tableIndexes(engine, name)).toEqual(['ByG1']);
  expect(await scaling(engine, name)).toEqual({
    targets: ['dynamodb:table:ReadCapacityUnits 1-50', 'dynamodb:table:WriteCapacityUnits 1-50'],
    policies: ['OrdersReadScalingPolicy', 'OrdersWriteScalingPolicy'],
  });
  // Unnamed alarms get CloudFormation-style names: <stack>-<logicalId>-<suffix>.
  const names = await alarmNames(engine, `${stack}-`);
  expect(names).toHaveLength(alarms.length);
  for (const id of alarms) expect(names.some((x) => x.startsWith(`${stack}-${id}-`))).toBe(true);
  // Dependency order: the table before what refers to it; DependsOn honoured.
  const ev = r.events;
  expect(at(ev, 'Orders', 'CREATE_COMPLETE')).toBeLessThan(at(ev, 'OrdersReadScalableTarget', 'CREATE_IN_PROGRESS'));
  expect(at(ev, 'OrdersReadScalableTarget', 'CREATE_COMPLETE')).toBeLessThan(at(ev, 'OrdersReadScalingPolicy', 'CREATE_IN_PROGRESS'));
  expect(at(ev, 'OrdersReadScalingPolicy', 'CREATE_COMPLETE')).toBeLessThan(at(ev, 'OrdersWriteScalableTarget', 'CREATE_IN_PROGRESS'));
  // The CloudFormation API agrees.
  const api = engine.cfnApi.stacks.get(r.stackId);
  expect(api?.status).toBe('CREATE_COMPLETE');
  expect(api?.resources.get('Orders')).toMatchObject({ status: 'CREATE_COMPLETE', physicalId: name });
  expect(api?.resources.get('OrdersReadScalableTarget')).toMatchObject({ physicalId: `table/${name}|dynamodb:table:ReadCapacityUnits|dynamodb` });

  const d = await engine.deleteStack(stack);
  expect(d.status).toBe('DELETE_COMPLETE');
  expect(at(d.events, 'OrdersWriteScalingPolicy', 'DELETE_COMPLETE')).toBeLessThan(at(d.events, 'Orders', 'DELETE_IN_PROGRESS'));
  expect(await tableIndexes(engine, name)).toBeUndefined();
  expect(await scaling(engine, name)).toEqual({ targets: [], policies: [] });
  expect(await alarmNames(engine, `${stack}-`)).toEqual([]);
  expect(engine.cfnApi.stacks.get(r.stackId)?.status).toBe('DELETE_COMPLETE');
});

it('adds one GSI per update; two at once fail and roll back cleanly; a removed GSI is deleted', async () => {
  const stack = unique('gsi');
  const name = unique('gsi');
  const v = (gsis: string[]) => engine.expand(arcTemplate({ tableName: name, gsis, monitoring: false, deletionPolicy: 'Delete' }));
  expect((await engine.deploy(stack, v([]))).status).toBe('CREATE_COMPLETE');

  const r2 = await engine.deploy(stack, v(['ByG1']));
  expect(r2.status).toBe('UPDATE_COMPLETE');
  expect(await tableIndexes(engine, name)).toEqual(['ByG1']);
  expect(r2.events.filter((e) => e.logicalId === 'Orders').map((e) => e.status)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);

  const r3 = await engine.deploy(stack, v(['ByG1', 'ByG2', 'ByG3']));
  expect(r3.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  const failed = r3.events.find((e) => e.logicalId === 'Orders' && e.status === 'UPDATE_FAILED');
  expect(failed?.reason).toBe('Cannot perform more than one GSI creation or deletion in a single update');
  expect(await tableIndexes(engine, name)).toEqual(['ByG1']);
  expect(r3.events.map((e) => (e.logicalId === stack ? e.status : undefined)).filter(Boolean)).toEqual([
    'UPDATE_IN_PROGRESS',
    'UPDATE_ROLLBACK_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE',
  ]);

  // After the rollback the stack takes updates again: the index left out of the template goes.
  const r4 = await engine.deploy(stack, v(['ByG2']));
  expect(r4.status).toBe('UPDATE_ROLLBACK_COMPLETE'); // one delete + one create is two operations
  const r5 = await engine.deploy(stack, v([]));
  expect(r5.status).toBe('UPDATE_COMPLETE');
  expect(await tableIndexes(engine, name)).toEqual([]);
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('deletes a removed resource only in the cleanup phase, after every update succeeded', async () => {
  const stack = unique('cleanup');
  const name = unique('cleanup');
  const v1 = engine.expand(arcTemplate({ tableName: name, dashboard: true, deletionPolicy: 'Delete' }));
  const r1 = await engine.deploy(stack, v1);
  expect(r1.status).toBe('CREATE_COMPLETE');
  const dashboard = engine.stack(stack)?.resources.get('OrdersDashboard')?.physicalId as string;
  expect(await dashboardNames(engine, dashboard)).toEqual([dashboard]);

  // v2 drops the dashboard and changes the table (a tag), so something is updated first.
  const v2 = engine.expand(arcTemplate({ tableName: name, dashboard: false, deletionPolicy: 'Delete', tags: { team: 'data' } }));
  const r2 = await engine.deploy(stack, v2);
  expect(r2.status).toBe('UPDATE_COMPLETE');
  const ev = r2.events;
  const cleanup = at(ev, stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  expect(at(ev, 'Orders', 'UPDATE_COMPLETE')).toBeGreaterThan(-1);
  expect(at(ev, 'Orders', 'UPDATE_COMPLETE')).toBeLessThan(cleanup);
  expect(at(ev, 'OrdersDashboard', 'DELETE_IN_PROGRESS')).toBeGreaterThan(cleanup);
  expect(at(ev, 'OrdersDashboard', 'DELETE_COMPLETE')).toBeLessThan(at(ev, stack, 'UPDATE_COMPLETE'));
  // Nothing of the update phase happens after the first delete.
  const firstDelete = ev.findIndex((e) => e.status === 'DELETE_IN_PROGRESS');
  expect(ev.slice(firstDelete).filter((e) => e.status.startsWith('UPDATE_') && e.logicalId !== stack)).toEqual([]);
  expect(await dashboardNames(engine, dashboard)).toEqual([]);
  expect(engine.cfnApi.resource(r2.stackId, 'OrdersDashboard')).toBeUndefined();
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('rolls back an already-updated custom resource with swapped properties when a later resource fails', async () => {
  const stack = unique('swap');
  const name = unique('swap');
  const v = (replicas: string[]) => engine.expand(arcTemplate({ tableName: name, replicas, dashboard: true, deletionPolicy: 'Delete' }));
  const r1 = await engine.deploy(stack, v(['eu-west-1']));
  expect(r1.status).toBe('CREATE_COMPLETE');
  const sent = engine.requests.length;

  const r2 = await engine.deploy(stack, v(['eu-west-1', 'ap-southeast-2']), { failResource: 'OrdersDashboard' });
  expect(r2.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(r2.reason).toContain('Injected failure');
  const reqs = engine.requests.slice(sent).filter((x) => x.logicalId === 'OrdersReplicas');
  expect(reqs.map((x) => [x.requestType, x.phase, x.result])).toEqual([
    ['Update', 'UPDATE_IN_PROGRESS', 'SUCCESS'],
    ['Update', 'UPDATE_ROLLBACK_IN_PROGRESS', 'SUCCESS'],
  ]);
  const [forward, back] = reqs;
  expect((forward.resourceProperties.Replicas as { RegionName: string }[]).map((x) => x.RegionName)).toEqual(['eu-west-1', 'ap-southeast-2']);
  expect(back.resourceProperties).toEqual(forward.oldResourceProperties);
  expect(back.oldResourceProperties).toEqual(forward.resourceProperties);
  expect(back.physicalId).toBe(forward.physicalId);
  // Scalars arrive as strings, as CloudFormation sends them.
  expect(forward.resourceProperties.ServiceTimeout).toBe('3600');
  // The replica the update added is gone again.
  expect(await footprint(engine, name)).toEqual({ [HOME]: true, 'eu-west-1': true, 'ap-southeast-2': false });
  expectAnsweredOnce(r2.stackId);

  const d = await engine.deleteStack(stack);
  expect(d.status).toBe('DELETE_COMPLETE');
  expect(at(d.events, 'OrdersReplicas', 'DELETE_COMPLETE')).toBeLessThan(at(d.events, 'Orders', 'DELETE_IN_PROGRESS'));
  expect(await footprint(engine, name)).toEqual({ [HOME]: false, 'eu-west-1': false, 'ap-southeast-2': false });
  expectAnsweredOnce(r2.stackId);
});

it('keeps a DeletionPolicy Retain table on stack delete and removes a DeletionPolicy Delete one', async () => {
  const stack = unique('policy');
  const kept = unique('kept');
  const dropped = unique('dropped');
  const t = engine.expand(
    arcTemplate(
      { logicalId: 'Kept', tableName: kept, monitoring: false },
      { logicalId: 'Dropped', tableName: dropped, monitoring: false, deletionPolicy: 'Delete' },
    ),
  );
  expect(t.Resources.Kept.DeletionPolicy).toBe('Retain'); // the macro's default
  expect((await engine.deploy(stack, t)).status).toBe('CREATE_COMPLETE');
  const d = await engine.deleteStack(stack);
  expect(d.status).toBe('DELETE_COMPLETE');
  expect(d.events.find((e) => e.logicalId === 'Kept' && e.status.startsWith('DELETE'))?.status).toBe('DELETE_SKIPPED');
  expect(await tableIndexes(engine, kept)).toEqual([]);
  expect(await tableIndexes(engine, dropped)).toBeUndefined();
});

it('replaces a table on a TableName change (and its replicas resource by its new physical ID), deleting the old ones in cleanup', async () => {
  const stack = unique('replace');
  const [first, second] = [unique('first'), unique('second')];
  const v = (tableName: string) =>
    engine.expand(arcTemplate({ tableName, replicas: ['eu-west-1'], monitoring: false, deletionPolicy: 'Delete', updateReplacePolicy: 'Delete' }));
  expect((await engine.deploy(stack, v(first))).status).toBe('CREATE_COMPLETE');
  const sent = engine.requests.length;
  const seen = sightings.length;

  const r = await engine.deploy(stack, v(second));
  expect(r.status).toBe('UPDATE_COMPLETE');
  const ev = r.events;
  const cleanup = at(ev, stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  expect(ev.find((e) => e.logicalId === 'Orders' && e.status === 'UPDATE_IN_PROGRESS')?.reason).toMatch(/requires the creation of a new physical resource/);
  expect(at(ev, 'Orders', 'UPDATE_COMPLETE', second)).toBeLessThan(cleanup);
  expect(at(ev, 'Orders', 'DELETE_IN_PROGRESS', first)).toBeGreaterThan(cleanup);
  // Reverse dependency order in cleanup: the old replicas resource before the old table.
  expect(at(ev, 'OrdersReplicas', 'DELETE_COMPLETE', `arc-dynamodb:replicas:${first}`)).toBeLessThan(at(ev, 'Orders', 'DELETE_IN_PROGRESS', first));
  const reqs = engine.requests.slice(sent).filter((x) => x.logicalId === 'OrdersReplicas');
  expect(reqs.map((x) => [x.requestType, x.physicalId, x.phase, x.result])).toEqual([
    ['Update', `arc-dynamodb:replicas:${first}`, 'UPDATE_IN_PROGRESS', 'SUCCESS'],
    ['Delete', `arc-dynamodb:replicas:${first}`, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'SUCCESS'],
  ]);
  // While the old ID was being deleted, the logical ID showed the NEW physical ID, UPDATE_COMPLETE.
  const del = sightings.slice(seen).find((s) => s.cfnRequestId === reqs[1].requestId);
  expect(del).toMatchObject({
    resourceStatus: 'UPDATE_COMPLETE',
    physicalId: `arc-dynamodb:replicas:${second}`,
    stackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  });
  expect(await footprint(engine, first)).toEqual({ [HOME]: false, 'eu-west-1': false, 'ap-southeast-2': false });
  expect(await footprint(engine, second)).toEqual({ [HOME]: true, 'eu-west-1': true, 'ap-southeast-2': false });
  expectAnsweredOnce(r.stackId);

  // A named table cannot be replaced without a new name.
  const rekeyed = v(second);
  (rekeyed.Resources.Orders.Properties as { KeySchema: { AttributeName: string }[] }).KeySchema[0].AttributeName = 'other';
  (rekeyed.Resources.Orders.Properties as { AttributeDefinitions: unknown[] }).AttributeDefinitions.push({ AttributeName: 'other', AttributeType: 'S' });
  const r3 = await engine.deploy(stack, rekeyed);
  expect(r3.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(r3.reason).toMatch(/custom-named resource requires replacing/);
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('replaces an unnamed table under a new generated name; an unchanged template is not an update', async () => {
  const stack = unique('unnamed');
  const v = (hashKey: string) => engine.expand(arcTemplate({ hashKey, monitoring: false, deletionPolicy: 'Delete', updateReplacePolicy: 'Delete' }));
  const r1 = await engine.deploy(stack, v('pk'));
  expect(r1.status).toBe('CREATE_COMPLETE');
  const first = engine.stack(stack)?.resources.get('Orders')?.physicalId as string;
  expect(first).toMatch(new RegExp(`^${stack}-Orders-[0-9A-F]{12}$`));
  await expect(engine.deploy(stack, v('pk'))).rejects.toThrow('No updates are to be performed.');
  const r2 = await engine.deploy(stack, v('id'));
  expect(r2.status).toBe('UPDATE_COMPLETE');
  const second = engine.stack(stack)?.resources.get('Orders')?.physicalId as string;
  expect(second).toMatch(new RegExp(`^${stack}-Orders-[0-9A-F]{12}$`));
  expect(second).not.toBe(first);
  expect(await tableIndexes(engine, first)).toBeUndefined();
  expect(await tableIndexes(engine, second)).toEqual([]);
  expect(engine.cfnApi.resource(r2.stackId, 'Orders')).toMatchObject({ physicalId: second, status: 'UPDATE_COMPLETE' });
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
  expect(await tableIndexes(engine, second)).toBeUndefined();
});

it('fails a custom resource that does not answer within its ServiceTimeout and rolls the stack back', async () => {
  const stack = unique('timeout');
  const name = unique('timeout');
  const v = (replicas: string[]) => engine.expand(arcTemplate({ tableName: name, replicas, monitoring: false, deletionPolicy: 'Delete' }));
  expect((await engine.deploy(stack, v(['eu-west-1']))).status).toBe('CREATE_COMPLETE');
  const sent = engine.requests.length;
  // The Lambda never runs the Update (held), so no machine is fast enough to answer it in time.
  engine.lambda.hold({ logicalId: 'OrdersReplicas', requestType: 'Update', continuation: false });
  const r = await engine.deploy(stack, v(['eu-west-1', 'ap-southeast-2']), { serviceTimeoutMs: { OrdersReplicas: 500 } });
  expect(r.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(r.reason).toMatch(/did not receive a response from your Custom Resource/);
  const reqs = engine.requests.slice(sent).filter((x) => x.logicalId === 'OrdersReplicas');
  expect(reqs.map((x) => [x.requestType, x.phase, x.result, x.timeoutMs])).toEqual([
    ['Update', 'UPDATE_IN_PROGRESS', 'TIMEOUT', 500],
    ['Update', 'UPDATE_ROLLBACK_IN_PROGRESS', 'SUCCESS', 3600 * 20],
  ]);
  expect(engine.responsesFor(reqs[0].requestId)).toEqual([]);
  expect(engine.lambda.invocations.find((i) => i.cfnRequestId === reqs[0].requestId)?.outcome).toBe('held');
  engine.lambda.drop();
  expect(engine.lambda.invocations.find((i) => i.cfnRequestId === reqs[0].requestId)?.outcome).toBe('dropped');
  expect(engine.responsesFor(reqs[1].requestId)).toHaveLength(1);
  expect(await footprint(engine, name)).toEqual({ [HOME]: true, 'eu-west-1': true, 'ap-southeast-2': false });
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('shows each resource IN_PROGRESS on the CloudFormation API while the provider runs; a crashed invocation is retried with its request ID', async () => {
  const stack = unique('api');
  const name = unique('api');
  const v = (replicas: string[]) => engine.expand(arcTemplate({ tableName: name, replicas, monitoring: false, deletionPolicy: 'Delete' }));
  const sent = engine.requests.length;
  engine.lambda.crashNext({ logicalId: 'OrdersReplicas', requestType: 'Create' });
  expect((await engine.deploy(stack, v(['eu-west-1']))).status).toBe('CREATE_COMPLETE');
  expect((await engine.deploy(stack, v(['eu-west-1', 'ap-southeast-2']))).status).toBe('UPDATE_COMPLETE');
  const d = await engine.deleteStack(stack);
  expect(d.status).toBe('DELETE_COMPLETE');

  const reqs = engine.requests.slice(sent).filter((x) => x.logicalId === 'OrdersReplicas');
  expect(reqs.map((x) => x.requestType)).toEqual(['Create', 'Update', 'Delete']);
  const seenFor = (id: string) => sightings.filter((s) => s.cfnRequestId === id).map((s) => [s.resourceStatus, s.stackStatus]);
  expect(seenFor(reqs[0].requestId)).toEqual([
    ['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS'], // the crashed attempt
    ['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS'], // Lambda's retry
  ]);
  expect(seenFor(reqs[1].requestId)).toEqual([['UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS']]);
  expect(seenFor(reqs[2].requestId)).toEqual([['DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS']]);
  const create = engine.lambda.invocations.filter((i) => i.cfnRequestId === reqs[0].requestId && !i.continuation);
  expect(create.map((i) => [i.attempt, i.outcome])).toEqual([
    [0, 'crashed'],
    [1, 'ok'],
  ]);
  expect(create[0].awsRequestId).toBe(create[1].awsRequestId);
  expectAnsweredOnce(d.stackId);
  expect(await footprint(engine, name)).toEqual({ [HOME]: false, 'eu-west-1': false, 'ap-southeast-2': false });
});

it('rolls back a failed create in reverse order; the stack then only takes a delete', async () => {
  const stack = unique('failed');
  const name = unique('failed');
  const t = engine.expand(arcTemplate({ tableName: name, replicas: ['eu-west-1'], monitoring: false, deletionPolicy: 'Delete' }));
  const r = await engine.deploy(stack, t, { failResource: 'OrdersReplicas' });
  expect(r.status).toBe('ROLLBACK_COMPLETE');
  expect(r.events.map((e) => `${e.logicalId} ${e.status}`)).toEqual([
    `${stack} CREATE_IN_PROGRESS`,
    'Orders CREATE_IN_PROGRESS',
    'Orders CREATE_COMPLETE',
    'OrdersReplicas CREATE_IN_PROGRESS',
    'OrdersReplicas CREATE_FAILED',
    `${stack} ROLLBACK_IN_PROGRESS`,
    'OrdersReplicas DELETE_COMPLETE',
    'Orders DELETE_IN_PROGRESS',
    'Orders DELETE_COMPLETE',
    `${stack} ROLLBACK_COMPLETE`,
  ]);
  expect(await tableIndexes(engine, name)).toBeUndefined();
  await expect(engine.deploy(stack, t)).rejects.toThrow(/ROLLBACK_COMPLETE state and can not be updated/);
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it("switches an on-demand table with indexes to PROVISIONED in one update, each index's capacity in the same call (simulator R27)", async () => {
  const stack = unique('billing-switch');
  const name = unique('billing');
  const spec = { tableName: name, gsis: ['ByG1', 'ByG2'], deletionPolicy: 'Delete' as const, monitoring: false };
  expect((await engine.deploy(stack, engine.expand(arcTemplate({ ...spec, billing: 'PAY_PER_REQUEST' })))).status).toBe('CREATE_COMPLETE');
  // The rule is on in this world: a switch that leaves the indexes out is refused, and changes nothing.
  const capacity = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  await expect(
    engine.dynamodb().send(new UpdateTableCommand({ TableName: name, BillingMode: 'PROVISIONED', ProvisionedThroughput: capacity })),
  ).rejects.toThrow(/ProvisionedThroughput must be specified for index: ByG1/);
  const r = await engine.deploy(stack, engine.expand(arcTemplate({ ...spec, billing: 'PROVISIONED' })));
  expect(r.status).toBe('UPDATE_COMPLETE');
  const t = (await engine.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table;
  expect(t?.BillingModeSummary?.BillingMode).toBe('PROVISIONED');
  expect((t?.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g.ProvisionedThroughput?.ReadCapacityUnits]).sort()).toEqual([
    ['ByG1', 5],
    ['ByG2', 5],
  ]);
  // CloudFormation's own update made the switch in calls DynamoDB accepted: the one refused call is the test's own, above.
  expect(engine.sim.calls.filter((c) => c.operation === 'UpdateTable' && c.table === name && c.status === 400)).toHaveLength(1);
  await engine.deleteStack(stack);
}, 120_000);
