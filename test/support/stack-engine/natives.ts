/**
 * Application Auto Scaling and CloudWatch resource types against moto (Template Reference pages
 * of each type; "Update requires" and "Return values" quoted per rule):
 * - AWS::ApplicationAutoScaling::ScalableTarget: RegisterScalableTarget; Ref returns
 *   `ResourceId|ScalableDimension|ServiceNamespace`; ResourceId, ScalableDimension and
 *   ServiceNamespace "Update requires: Replacement", the rest is re-registered in place;
 *   Delete = DeregisterScalableTarget. RegisterScalableTarget takes no ScheduledActions: each
 *   entry is a PutScheduledAction on the target (StartTime and EndTime as timestamps), an entry
 *   dropped on update a DeleteScheduledAction; on delete the target's actions go first (Application
 *   Auto Scaling drops them with the target; moto keeps them).
 * - AWS::ApplicationAutoScaling::ScalingPolicy: PutScalingPolicy, its target named by
 *   ScalingTargetId (the target's Ref) or by ResourceId/ScalableDimension/ServiceNamespace;
 *   Ref returns the policy ARN; PolicyName and ScalingTargetId "Update requires: Replacement".
 * - AWS::CloudWatch::Alarm: PutMetricAlarm; no AlarmName -> CloudFormation generates one;
 *   AlarmName "Update requires: Replacement"; Ref returns the name, Fn::GetAtt Arn the ARN.
 * - AWS::CloudWatch::Dashboard: PutDashboard (DashboardBody is a JSON string); DashboardName
 *   "Update requires: Replacement"; Ref returns the name.
 * A resource that is already gone counts as deleted.
 */
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DeleteAlarmsCommand, DeleteDashboardsCommand, PutDashboardCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { sameValue } from './intrinsics';
import { ResourceFailure, type Json, type OperationContext, type ResourceTypeHandler } from './types';
import { PUT_METRIC_ALARM_MEMBERS } from '../alarm-members';

export interface NativeClients {
  autoscaling(region: string): ApplicationAutoScalingClient;
  cloudwatch(region: string): CloudWatchClient;
}

const num = (v: unknown) => (v === undefined ? undefined : Number(v));
const errorName = (e: unknown) => (e as { name?: string }).name ?? '';
const changed = (a: Json, b: Json, keys: string[]) => keys.find((k) => !sameValue(a[k], b[k]));

async function call<T>(what: string, f: () => Promise<T>, ignore: string[] = []): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    if (ignore.includes(errorName(e))) return undefined;
    throw new ResourceFailure(`${what} failed: ${errorName(e)}: ${(e as Error).message}`, { sent: true });
  }
}

function assertKnown(ctx: OperationContext, props: Json, allowed: string[]): void {
  const extra = Object.keys(props).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    throw new ResourceFailure(
      `Properties validation failed for resource ${ctx.logicalId}: the stack engine does not implement ${extra.join(', ')} of ${ctx.resourceType}`,
    );
}

const TARGET_KEYS = ['ServiceNamespace', 'ResourceId', 'ScalableDimension'];

const SCHEDULED_ACTION_KEYS = ['ScheduledActionName', 'Schedule', 'ScalableTargetAction', 'Timezone', 'StartTime', 'EndTime'];

/** The ScheduledActions of a target's properties, checked as CloudFormation's schema has them. */
function scheduledActionsOf(ctx: OperationContext, p: Json): Json[] {
  if (p.ScheduledActions === undefined) return [];
  if (!Array.isArray(p.ScheduledActions))
    throw new ResourceFailure(`Properties validation failed for resource ${ctx.logicalId}: ScheduledActions is not a list`);
  return (p.ScheduledActions as Json[]).map((a) => {
    assertKnown(ctx, a, SCHEDULED_ACTION_KEYS);
    assertKnown(ctx, (a.ScalableTargetAction ?? {}) as Json, ['MinCapacity', 'MaxCapacity']);
    for (const k of ['ScheduledActionName', 'Schedule']) {
      if (typeof a[k] !== 'string') throw new ResourceFailure(`Properties validation failed for resource ${ctx.logicalId}: ScheduledAction ${k} is required`);
    }
    return a;
  });
}

const timestamp = (ctx: OperationContext, v: unknown): Date | undefined => {
  if (v === undefined) return undefined;
  const d = new Date(String(v));
  if (Number.isNaN(d.getTime()))
    throw new ResourceFailure(`Properties validation failed for resource ${ctx.logicalId}: ${JSON.stringify(v)} is not a timestamp`);
  return d;
};

export function scalableTargetHandler(c: NativeClients): ResourceTypeHandler {
  const target = (p: Json) => ({
    ServiceNamespace: p.ServiceNamespace as never,
    ResourceId: String(p.ResourceId),
    ScalableDimension: p.ScalableDimension as never,
  });
  const deleteActions = async (ctx: OperationContext, p: Json, names: string[]) => {
    for (const ScheduledActionName of names) {
      await call('DeleteScheduledAction', () => c.autoscaling(ctx.region).send(new DeleteScheduledActionCommand({ ...target(p), ScheduledActionName })), [
        'ObjectNotFoundException',
      ]);
    }
  };
  const register = async (ctx: OperationContext, p: Json, old?: Json) => {
    assertKnown(ctx, p, [...TARGET_KEYS, 'MinCapacity', 'MaxCapacity', 'RoleARN', 'SuspendedState', 'ScheduledActions']);
    const actions = scheduledActionsOf(ctx, p);
    await call('RegisterScalableTarget', () =>
      c.autoscaling(ctx.region).send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: p.ServiceNamespace as never,
          ResourceId: String(p.ResourceId),
          ScalableDimension: p.ScalableDimension as never,
          MinCapacity: num(p.MinCapacity),
          MaxCapacity: num(p.MaxCapacity),
          RoleARN: p.RoleARN as string | undefined,
          SuspendedState: p.SuspendedState as never,
        }),
      ),
    );
    const names = actions.map((a) => String(a.ScheduledActionName));
    if (old !== undefined)
      await deleteActions(
        ctx,
        p,
        scheduledActionsOf(ctx, old)
          .map((a) => String(a.ScheduledActionName))
          .filter((n) => !names.includes(n)),
      );
    for (const a of actions) {
      const action = (a.ScalableTargetAction ?? {}) as Json;
      await call('PutScheduledAction', () =>
        c.autoscaling(ctx.region).send(
          new PutScheduledActionCommand({
            ...target(p),
            ScheduledActionName: String(a.ScheduledActionName),
            Schedule: String(a.Schedule),
            Timezone: a.Timezone as string | undefined,
            StartTime: timestamp(ctx, a.StartTime),
            EndTime: timestamp(ctx, a.EndTime),
            ScalableTargetAction: { MinCapacity: num(action.MinCapacity), MaxCapacity: num(action.MaxCapacity) },
          }),
        ),
      );
    }
    return { physicalId: `${String(p.ResourceId)}|${String(p.ScalableDimension)}|${String(p.ServiceNamespace)}`, attributes: {} };
  };
  return {
    replacementReason: (a, b) => changed(a, b, TARGET_KEYS),
    create: (ctx, p) => register(ctx, p),
    update: (ctx, _id, old, p) => register(ctx, p, old),
    async delete(ctx, physicalId, p) {
      const [ResourceId, ScalableDimension, ServiceNamespace] = physicalId.split('|');
      await deleteActions(
        ctx,
        { ResourceId, ScalableDimension, ServiceNamespace },
        scheduledActionsOf(ctx, p ?? {}).map((a) => String(a.ScheduledActionName)),
      );
      await call(
        'DeregisterScalableTarget',
        () =>
          c
            .autoscaling(ctx.region)
            .send(
              new DeregisterScalableTargetCommand({ ResourceId, ScalableDimension: ScalableDimension as never, ServiceNamespace: ServiceNamespace as never }),
            ),
        ['ObjectNotFoundException'],
      );
    },
  };
}

export function scalingPolicyHandler(c: NativeClients): ResourceTypeHandler {
  const target = (p: Json) => {
    if (p.ScalingTargetId !== undefined) {
      const [ResourceId, ScalableDimension, ServiceNamespace] = String(p.ScalingTargetId).split('|');
      return { ResourceId, ScalableDimension, ServiceNamespace };
    }
    return { ResourceId: String(p.ResourceId), ScalableDimension: String(p.ScalableDimension), ServiceNamespace: String(p.ServiceNamespace) };
  };
  const put = async (ctx: OperationContext, p: Json) => {
    assertKnown(ctx, p, [
      'PolicyName',
      'PolicyType',
      'ScalingTargetId',
      ...TARGET_KEYS,
      'TargetTrackingScalingPolicyConfiguration',
      'StepScalingPolicyConfiguration',
    ]);
    const t = target(p);
    const tt = p.TargetTrackingScalingPolicyConfiguration as Json | undefined;
    const out = await call('PutScalingPolicy', () =>
      c.autoscaling(ctx.region).send(
        new PutScalingPolicyCommand({
          PolicyName: String(p.PolicyName),
          PolicyType: p.PolicyType as never,
          ResourceId: t.ResourceId,
          ScalableDimension: t.ScalableDimension as never,
          ServiceNamespace: t.ServiceNamespace as never,
          ...(tt
            ? {
                TargetTrackingScalingPolicyConfiguration: {
                  ...(tt as object),
                  TargetValue: Number(tt.TargetValue),
                  ScaleInCooldown: num(tt.ScaleInCooldown),
                  ScaleOutCooldown: num(tt.ScaleOutCooldown),
                },
              }
            : {}),
          ...(p.StepScalingPolicyConfiguration ? { StepScalingPolicyConfiguration: p.StepScalingPolicyConfiguration as never } : {}),
        }),
      ),
    );
    return { physicalId: String(out?.PolicyARN), attributes: { Arn: out?.PolicyARN } };
  };
  return {
    replacementReason: (a, b) => changed(a, b, ['PolicyName', 'ScalingTargetId', ...TARGET_KEYS]),
    create: put,
    update: (ctx, _id, _old, p) => put(ctx, p),
    async delete(ctx, _id, p) {
      const t = target(p);
      await call(
        'DeleteScalingPolicy',
        () =>
          c.autoscaling(ctx.region).send(
            new DeleteScalingPolicyCommand({
              PolicyName: String(p.PolicyName),
              ResourceId: t.ResourceId,
              ScalableDimension: t.ScalableDimension as never,
              ServiceNamespace: t.ServiceNamespace as never,
            }),
          ),
        ['ObjectNotFoundException'],
      );
    },
  };
}

const ALARM_KEYS = PUT_METRIC_ALARM_MEMBERS;

export function alarmHandler(c: NativeClients): ResourceTypeHandler {
  const put = async (ctx: OperationContext, p: Json, name: string) => {
    assertKnown(ctx, p, ALARM_KEYS);
    const numbers = Object.fromEntries(
      ['Period', 'EvaluationPeriods', 'DatapointsToAlarm', 'Threshold'].filter((k) => p[k] !== undefined).map((k) => [k, Number(p[k])]),
    );
    await call('PutMetricAlarm', () => c.cloudwatch(ctx.region).send(new PutMetricAlarmCommand({ ...(p as object), ...numbers, AlarmName: name } as never)));
    return { physicalId: name, attributes: { Arn: `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name}` } };
  };
  return {
    customName: (p) => (p.AlarmName === undefined ? undefined : String(p.AlarmName)),
    replacementReason: (a, b) => changed(a, b, ['AlarmName']),
    create: (ctx, p) => put(ctx, p, p.AlarmName !== undefined ? String(p.AlarmName) : ctx.generatedName(255)),
    update: (ctx, id, _old, p) => put(ctx, p, id),
    async delete(ctx, id) {
      await call('DeleteAlarms', () => c.cloudwatch(ctx.region).send(new DeleteAlarmsCommand({ AlarmNames: [id] })));
    },
  };
}

export function dashboardHandler(c: NativeClients): ResourceTypeHandler {
  const put = async (ctx: OperationContext, p: Json, name: string) => {
    assertKnown(ctx, p, ['DashboardName', 'DashboardBody']);
    const body = typeof p.DashboardBody === 'string' ? p.DashboardBody : JSON.stringify(p.DashboardBody);
    await call('PutDashboard', () => c.cloudwatch(ctx.region).send(new PutDashboardCommand({ DashboardName: name, DashboardBody: body })));
    return { physicalId: name, attributes: {} };
  };
  return {
    customName: (p) => (p.DashboardName === undefined ? undefined : String(p.DashboardName)),
    replacementReason: (a, b) => changed(a, b, ['DashboardName']),
    // Dashboard names allow A-Z, a-z, 0-9, "-" and "_" only (PutDashboard API reference).
    create: (ctx, p) => put(ctx, p, p.DashboardName !== undefined ? String(p.DashboardName) : ctx.generatedName(255).replace(/[^A-Za-z0-9_-]/g, '-')),
    update: (ctx, id, _old, p) => put(ctx, p, id),
    async delete(ctx, id) {
      await call('DeleteDashboards', () => c.cloudwatch(ctx.region).send(new DeleteDashboardsCommand({ DashboardNames: [id] })), [
        'ResourceNotFound',
        'DashboardNotFoundError',
      ]);
    },
  };
}
