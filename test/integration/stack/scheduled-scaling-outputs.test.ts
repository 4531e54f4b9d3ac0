/**
 * Issue 14, parts 3 and 4, on the stack engine against moto: the ScheduledActions the macro writes
 * reach Application Auto Scaling (PutScheduledAction per entry; RegisterScalableTarget has none),
 * an update replaces and drops actions, a stack delete leaves none; and every Outputs.Include
 * output resolves to the value the module's outputs gave (names, ARNs, stream label, resource IDs).
 */
import { DescribeScheduledActionsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { startStackEngine, type StackEngine } from '../../support/stack-engine';
import { unique } from './arc';

let engine: StackEngine;

beforeAll(async () => {
  engine = await startStackEngine({ serviceTimeoutScaleMs: 20 });
}, 120_000);

afterAll(async () => {
  await engine?.stop();
});

function arc(name: string, readActions: Record<string, unknown>[]) {
  return {
    Resources: {
      Orders: {
        Type: 'Arc::DynamoDB::Table',
        DeletionPolicy: 'Delete',
        Properties: {
          TableName: name,
          BillingMode: 'PROVISIONED',
          HashKey: 'id',
          RangeKey: 'at',
          Attributes: [
            { Name: 'id', Type: 'S' },
            { Name: 'at', Type: 'S' },
            { Name: 'customer', Type: 'S' },
            { Name: 'status', Type: 'S' },
          ],
          StreamEnabled: true,
          AutoscalingEnabled: true,
          AutoscalingRead: { MaxCapacity: 200, MinCapacity: 5, ScheduledActions: readActions },
          AutoscalingWrite: { MaxCapacity: 100 },
          GlobalSecondaryIndexes: [{ Name: 'by-customer', HashKey: 'customer' }],
          GsiAutoscalingRead: {
            'by-customer': {
              MaxCapacity: 50,
              ScheduledActions: [{ ScheduledActionName: 'morning', Schedule: 'cron(30 7 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 10 } }],
            },
          },
          LocalSecondaryIndexes: [{ Name: 'by_status', RangeKey: 'status' }],
          Outputs: { ExportPrefix: name, Include: ['Table', 'Stream', 'Indexes', 'Autoscaling'] },
          Monitoring: { Enabled: false },
        },
      },
    },
  };
}

async function scheduled(name: string) {
  const out = await engine.autoscaling().send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'dynamodb' }));
  return (out.ScheduledActions ?? [])
    .filter((a) => a.ResourceId?.startsWith(`table/${name}`))
    .map((a) => ({
      target: `${a.ResourceId} ${a.ScalableDimension}`,
      name: a.ScheduledActionName,
      schedule: a.Schedule,
      ...(a.Timezone ? { timezone: a.Timezone } : {}),
      ...(a.StartTime ? { start: a.StartTime.toISOString() } : {}),
      ...(a.EndTime ? { end: a.EndTime.toISOString() } : {}),
      action: a.ScalableTargetAction,
    }))
    .sort((x, y) => `${x.target} ${x.name}`.localeCompare(`${y.target} ${y.name}`));
}

it('puts, replaces and drops the scheduled actions the macro emits, and resolves every Outputs.Include output', async () => {
  const stack = unique('scheduled');
  const name = unique('sched');
  const v1 = engine.expand(
    arc(name, [
      {
        ScheduledActionName: 'business-hours-up',
        Schedule: 'cron(0 8 ? * MON-FRI *)',
        Timezone: 'Europe/Berlin',
        ScalableTargetAction: { MinCapacity: 50, MaxCapacity: 400 },
      },
      {
        ScheduledActionName: 'business-hours-down',
        Schedule: 'cron(0 19 ? * MON-FRI *)',
        Timezone: 'Europe/Berlin',
        ScalableTargetAction: { MinCapacity: 5, MaxCapacity: 200 },
      },
      {
        ScheduledActionName: 'launch',
        Schedule: 'at(2026-03-01T09:00:00)',
        StartTime: '2026-02-28T00:00:00Z',
        EndTime: '2026-03-02T00:00:00Z',
        ScalableTargetAction: { MinCapacity: 300 },
      },
    ]),
  );
  const r1 = await engine.deploy(stack, v1);
  expect(r1).toMatchObject({ status: 'CREATE_COMPLETE' });
  const read = `table/${name} dynamodb:table:ReadCapacityUnits`;
  const index = `table/${name}/index/by-customer dynamodb:index:ReadCapacityUnits`;
  expect(await scheduled(name)).toEqual([
    {
      target: read,
      name: 'business-hours-down',
      schedule: 'cron(0 19 ? * MON-FRI *)',
      timezone: 'Europe/Berlin',
      action: { MinCapacity: 5, MaxCapacity: 200 },
    },
    { target: read, name: 'business-hours-up', schedule: 'cron(0 8 ? * MON-FRI *)', timezone: 'Europe/Berlin', action: { MinCapacity: 50, MaxCapacity: 400 } },
    {
      target: read,
      name: 'launch',
      schedule: 'at(2026-03-01T09:00:00)',
      start: '2026-02-28T00:00:00.000Z',
      end: '2026-03-02T00:00:00.000Z',
      action: { MinCapacity: 300 },
    },
    { target: index, name: 'morning', schedule: 'cron(30 7 ? * MON-FRI *)', action: { MinCapacity: 10 } },
  ]);

  // The outputs resolve to what the module's outputs gave.
  const table = (await engine.dynamodb().send(new DescribeTableCommand({ TableName: name }))).Table;
  expect(r1.outputs).toEqual({
    OrdersName: name,
    OrdersArn: table?.TableArn,
    OrdersStreamArn: table?.LatestStreamArn,
    OrdersStreamLabel: table?.LatestStreamLabel,
    OrdersIndexByCustomerName: 'by-customer',
    // DynamoDB's IndexArn is <table ARN>/index/<name> (API reference, GlobalSecondaryIndexDescription); moto leaves it out.
    OrdersIndexByCustomerArn: table?.GlobalSecondaryIndexes?.[0].IndexArn ?? `${table?.TableArn}/index/by-customer`,
    OrdersIndexByStatusName: 'by_status',
    OrdersIndexByStatusArn: table?.LocalSecondaryIndexes?.[0].IndexArn ?? `${table?.TableArn}/index/by_status`,
    OrdersReadScalableTargetResourceId: `table/${name}`,
    OrdersWriteScalableTargetResourceId: `table/${name}`,
    OrdersIndexByCustomerReadScalableTargetResourceId: `table/${name}/index/by-customer`,
  });

  // Update: one action changed, one dropped, one kept.
  const v2 = engine.expand(
    arc(name, [
      { ScheduledActionName: 'business-hours-up', Schedule: 'cron(0 7 ? * MON-FRI *)', Timezone: 'Europe/Berlin', ScalableTargetAction: { MinCapacity: 60 } },
    ]),
  );
  expect((await engine.deploy(stack, v2)).status).toBe('UPDATE_COMPLETE');
  expect(await scheduled(name)).toEqual([
    { target: read, name: 'business-hours-up', schedule: 'cron(0 7 ? * MON-FRI *)', timezone: 'Europe/Berlin', action: { MinCapacity: 60 } },
    { target: index, name: 'morning', schedule: 'cron(30 7 ? * MON-FRI *)', action: { MinCapacity: 10 } },
  ]);

  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
  expect(await scheduled(name)).toEqual([]);
}, 120_000);
