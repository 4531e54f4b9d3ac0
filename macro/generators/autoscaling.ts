/**
 * Target-tracking autoscaling: one AWS::ApplicationAutoScaling::ScalableTarget and one
 * ScalingPolicy per scaled dimension, for the table and for each GSI with a map entry.
 *
 * Each target depends on the previous pair's policy. Creating many targets and policies at once
 * makes CloudWatch throttle the alarms each policy creates ("Unable to create alarms for scaling
 * policy ... Rate exceeded", aws/aws-cli#3002); a DependsOn chain serialises them
 * (sbstjn/serverless-dynamodb-autoscaling#7).
 *
 * The role is DynamoDB's Application Auto Scaling service-linked role, which Application Auto
 * Scaling creates if it does not exist (Application Auto Scaling user guide, "Service-linked roles").
 */
import type { ScalingModel, TableModel } from '../model/types';
import { ids, type Capacity } from '../naming';
import { childAttributes, indexesDependency, ref, sub } from './common';
import type { CfnResource, Generator } from './types';

export const SERVICE_LINKED_ROLE_ARN =
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/' +
  'AWSServiceRoleForApplicationAutoScaling_DynamoDBTable';

export interface Dimension {
  targetId: string;
  policyId: string;
  capacity: Capacity;
  index?: string;
  settings: ScalingModel;
}

/** The scaled dimensions of a table, in the order their resources are created. */
export function scaledDimensions(t: TableModel): Dimension[] {
  const a = t.autoscaling;
  if (!a) return [];
  const out: Dimension[] = [];
  const table = (capacity: Capacity, settings?: ScalingModel) => {
    if (settings) out.push({ targetId: ids.scalableTarget(t.logicalId, capacity), policyId: ids.scalingPolicy(t.logicalId, capacity), capacity, settings });
  };
  table('Read', a.read);
  table('Write', a.write);
  for (const g of t.globalSecondaryIndexes) {
    for (const [capacity, settings] of [
      ['Read', a.gsiRead[g.name]],
      ['Write', a.gsiWrite[g.name]],
    ] as const) {
      if (settings) {
        out.push({
          targetId: ids.indexScalableTarget(t.logicalId, g.name, capacity),
          policyId: ids.indexScalingPolicy(t.logicalId, g.name, capacity),
          capacity,
          index: g.name,
          settings,
        });
      }
    }
  }
  return out;
}

/** Logical IDs of every scaling policy of the table; resources that must follow autoscaling depend on these. */
export function scalingPolicyIds(t: TableModel): string[] {
  return scaledDimensions(t).map((d) => d.policyId);
}

/** The scalable target's ResourceId, `table/<name>` or `table/<name>/index/<index>`, as an Fn::Sub template. */
export function scalableResourceId(t: TableModel, d: Dimension): string {
  return d.index === undefined ? `table/\${${t.logicalId}}` : `table/\${${t.logicalId}}/index/${d.index}`;
}

/**
 * ScheduledActions as CloudFormation writes them on the scalable target. A scheduled action only
 * moves the target's MinCapacity and MaxCapacity; the capacity alarms (alarms.ts) divide consumed
 * capacity by the Provisioned*CapacityUnits metric, never by a number from the template, so they
 * follow every scheduled change.
 */
function scheduledActions(s: ScalingModel): Record<string, unknown>[] | undefined {
  return s.scheduledActions?.map((a) => ({
    ...(a.endTime !== undefined ? { EndTime: a.endTime } : {}),
    ScalableTargetAction: {
      ...(a.maxCapacity !== undefined ? { MaxCapacity: a.maxCapacity } : {}),
      ...(a.minCapacity !== undefined ? { MinCapacity: a.minCapacity } : {}),
    },
    Schedule: a.schedule,
    ScheduledActionName: a.name,
    ...(a.startTime !== undefined ? { StartTime: a.startTime } : {}),
    ...(a.timezone !== undefined ? { Timezone: a.timezone } : {}),
  }));
}

export const autoscalingGenerator: Generator = (t) => {
  const resources: Record<string, CfnResource> = {};
  let previousPolicy: string | undefined;
  for (const d of scaledDimensions(t)) {
    const level = d.index === undefined ? 'table' : 'index';
    const resourceId = scalableResourceId(t, d);
    const scheduled = scheduledActions(d.settings);
    // An index's scalable target can only be registered once the index exists.
    const after = [...(previousPolicy !== undefined ? [previousPolicy] : []), ...(d.index !== undefined ? indexesDependency(t) : [])];
    resources[d.targetId] = {
      Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      ...childAttributes(t),
      ...(after.length === 1 ? { DependsOn: after[0] } : after.length > 1 ? { DependsOn: after } : {}),
      Properties: {
        MaxCapacity: d.settings.maxCapacity,
        MinCapacity: d.settings.minCapacity,
        ResourceId: sub(resourceId),
        RoleARN: sub(SERVICE_LINKED_ROLE_ARN),
        ScalableDimension: `dynamodb:${level}:${d.capacity}CapacityUnits`,
        ...(scheduled !== undefined ? { ScheduledActions: scheduled } : {}),
        ServiceNamespace: 'dynamodb',
      },
    };
    resources[d.policyId] = {
      Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
      ...childAttributes(t),
      Properties: {
        PolicyName: d.policyId,
        PolicyType: 'TargetTrackingScaling',
        ScalingTargetId: ref(d.targetId),
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: `DynamoDB${d.capacity}CapacityUtilization` },
          ScaleInCooldown: d.settings.scaleInCooldown,
          ScaleOutCooldown: d.settings.scaleOutCooldown,
          TargetValue: d.settings.targetValue,
        },
      },
    };
    previousPolicy = d.policyId;
  }
  return { resources, outputs: {} };
};
