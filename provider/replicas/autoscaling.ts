/**
 * Replica autoscaling: Application Auto Scaling targets and target-tracking policies registered
 * in each replica's region, mirroring the home table's settings. "When you manually remove a
 * table or global table replica, you do not automatically remove any associated scalable targets,
 * scaling policies, or CloudWatch alarms" (ReplicationGroupUpdate, DynamoDB API reference), so the
 * provider removes what it registered before it deletes a replica.
 * ResourceId and ScalableDimension formats: RegisterScalableTarget API reference (dynamodb namespace).
 */
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ApplicationAutoScalingClient,
  type ScalableDimension,
} from '@aws-sdk/client-application-auto-scaling';
import type { ReplicasResourceProps, ScalingSettingsProps } from '../../common/contract';

export interface ScalingDimension {
  resourceId: string;
  dimension: ScalableDimension;
  metric: 'DynamoDBReadCapacityUtilization' | 'DynamoDBWriteCapacityUtilization';
  policyName: string;
  settings: ScalingSettingsProps;
}

export function scalingDimensions(tableName: string, autoscaling: ReplicasResourceProps['Autoscaling']): ScalingDimension[] {
  if (!autoscaling) return [];
  const out: ScalingDimension[] = [];
  const add = (resourceId: string, kind: 'table' | 'index', cap: 'Read' | 'Write', s: ScalingSettingsProps | undefined) => {
    if (!s) return;
    out.push({
      resourceId,
      dimension: `dynamodb:${kind}:${cap}CapacityUnits` as ScalableDimension,
      metric: `DynamoDB${cap}CapacityUtilization`,
      policyName: `ArcDynamoDb${cap}CapacityUtilization`,
      settings: s,
    });
  };
  add(`table/${tableName}`, 'table', 'Read', autoscaling.Read);
  add(`table/${tableName}`, 'table', 'Write', autoscaling.Write);
  for (const [index, rw] of Object.entries(autoscaling.Indexes ?? {})) {
    add(`table/${tableName}/index/${index}`, 'index', 'Read', rw.Read);
    add(`table/${tableName}/index/${index}`, 'index', 'Write', rw.Write);
  }
  return out;
}

/** Registers targets and policies that are missing or differ. Returns the number of changes. */
export async function mirrorScaling(aas: ApplicationAutoScalingClient, dims: ScalingDimension[]): Promise<number> {
  let changes = 0;
  for (const d of dims) {
    const targets = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb', ResourceIds: [d.resourceId], ScalableDimension: d.dimension }));
    const t = targets.ScalableTargets?.[0];
    if (!t || t.MinCapacity !== d.settings.MinCapacity || t.MaxCapacity !== d.settings.MaxCapacity) {
      // No RoleARN: Application Auto Scaling uses (and creates) its DynamoDB service-linked role.
      await aas.send(
        new RegisterScalableTargetCommand({ ServiceNamespace: 'dynamodb', ResourceId: d.resourceId, ScalableDimension: d.dimension, MinCapacity: d.settings.MinCapacity, MaxCapacity: d.settings.MaxCapacity }),
      );
      changes++;
    }
    const policies = await aas.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: 'dynamodb', ResourceId: d.resourceId, ScalableDimension: d.dimension, PolicyNames: [d.policyName] }),
    );
    const c = policies.ScalingPolicies?.[0]?.TargetTrackingScalingPolicyConfiguration;
    if (
      !c ||
      c.TargetValue !== d.settings.TargetValue ||
      (c.ScaleInCooldown ?? 0) !== d.settings.ScaleInCooldown ||
      (c.ScaleOutCooldown ?? 0) !== d.settings.ScaleOutCooldown
    ) {
      await aas.send(
        new PutScalingPolicyCommand({
          ServiceNamespace: 'dynamodb',
          ResourceId: d.resourceId,
          ScalableDimension: d.dimension,
          PolicyName: d.policyName,
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: d.settings.TargetValue,
            ScaleInCooldown: d.settings.ScaleInCooldown,
            ScaleOutCooldown: d.settings.ScaleOutCooldown,
            PredefinedMetricSpecification: { PredefinedMetricType: d.metric },
          },
        }),
      );
      changes++;
    }
  }
  return changes;
}

/** Removes the policies and targets the provider registered for these dimensions, if present. */
export async function removeScaling(aas: ApplicationAutoScalingClient, dims: ScalingDimension[]): Promise<number> {
  let changes = 0;
  for (const d of dims) {
    const policies = await aas.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: 'dynamodb', ResourceId: d.resourceId, ScalableDimension: d.dimension, PolicyNames: [d.policyName] }),
    );
    if ((policies.ScalingPolicies ?? []).length > 0) {
      await aas.send(new DeleteScalingPolicyCommand({ ServiceNamespace: 'dynamodb', ResourceId: d.resourceId, ScalableDimension: d.dimension, PolicyName: d.policyName }));
      changes++;
    }
    const targets = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb', ResourceIds: [d.resourceId], ScalableDimension: d.dimension }));
    if ((targets.ScalableTargets ?? []).length > 0) {
      await aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'dynamodb', ResourceId: d.resourceId, ScalableDimension: d.dimension }));
      changes++;
    }
  }
  return changes;
}

/** True when the home table has write autoscaling registered (a global-table precondition for PROVISIONED). */
export async function hasWriteScaling(aas: ApplicationAutoScalingClient, tableName: string): Promise<boolean> {
  const out = await aas.send(
    new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb', ResourceIds: [`table/${tableName}`], ScalableDimension: 'dynamodb:table:WriteCapacityUnits' }),
  );
  return (out.ScalableTargets ?? []).length > 0;
}
