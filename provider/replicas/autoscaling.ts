/**
 * Replica autoscaling of a replicated PROVISIONED table (global tables version 2019.11.21).
 *
 * "In provisioned mode, write capacity and write auto scaling settings are managed globally" and
 * read settings may differ per replica (DynamoDB developer guide, "Best practices and requirements
 * for managing global tables"). So the provider never registers its own write scalable target or
 * policy in a replica region, which would fight DynamoDB's (the AWS::DynamoDB::GlobalTable docs
 * likewise forbid extra AWS::ApplicationAutoScaling resources on provisioned replicas). It uses
 * UpdateTableReplicaAutoScaling (DynamoDB API reference): the write settings once, for the table
 * and each GSI (ProvisionedWriteCapacityAutoScalingUpdate, GlobalSecondaryIndexUpdates), which
 * DynamoDB applies to every replica; the read settings per replica region (ReplicaUpdates with
 * ReplicaProvisionedReadCapacityAutoScalingUpdate and ReplicaGlobalSecondaryIndexUpdates). It
 * reads first (DescribeTableReplicaAutoScaling) and sends only what differs.
 *
 * The home region's read targets are CloudFormation's (the macro emits them) and are never
 * changed here. The write policy DynamoDB mirrors keeps the home policy's name, so each region
 * ends with exactly one write target and one write policy per dimension.
 *
 * "When you manually remove a table or global table replica, you do not automatically remove any
 * associated scalable targets, scaling policies, or CloudWatch alarms" (ReplicationGroupUpdate,
 * DynamoDB API reference): before a replica is deleted, the provider removes the table's
 * targets and policies in that replica's region (removeRegionScaling), never in the home region.
 * ResourceId and ScalableDimension formats: RegisterScalableTarget API reference (dynamodb namespace).
 */
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  type ApplicationAutoScalingClient,
  type ScalableDimension,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeTableReplicaAutoScalingCommand,
  type AutoScalingSettingsDescription,
  type AutoScalingSettingsUpdate,
  type DynamoDBClient,
  type UpdateTableReplicaAutoScalingCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { ReplicasResourceProps, ScalingSettingsProps } from '../../contract/resources';

type Autoscaling = ReplicasResourceProps['Autoscaling'];

/** One dimension's auto scaling as DescribeTableReplicaAutoScaling reports it in one region. */
export interface ObservedScaling {
  min?: number;
  max?: number;
  policyName?: string;
  targetValue?: number;
  scaleInCooldown?: number;
  scaleOutCooldown?: number;
}

export interface RegionScaling {
  read?: ObservedScaling;
  write?: ObservedScaling;
  indexes: Record<string, { read?: ObservedScaling; write?: ObservedScaling }>;
}

/** Every region of the group (home included), as DescribeTableReplicaAutoScaling reports them. */
export type GroupScaling = Map<string, RegionScaling>;

function observed(s: AutoScalingSettingsDescription | undefined): ObservedScaling | undefined {
  if (!s || s.AutoScalingDisabled) return undefined;
  const p = s.ScalingPolicies?.[0];
  const c = p?.TargetTrackingScalingPolicyConfiguration;
  return {
    min: s.MinimumUnits,
    max: s.MaximumUnits,
    ...(p?.PolicyName !== undefined ? { policyName: p.PolicyName } : {}),
    ...(c?.TargetValue !== undefined ? { targetValue: c.TargetValue } : {}),
    ...(c?.ScaleInCooldown !== undefined ? { scaleInCooldown: c.ScaleInCooldown } : {}),
    ...(c?.ScaleOutCooldown !== undefined ? { scaleOutCooldown: c.ScaleOutCooldown } : {}),
  };
}

export async function observeGroupScaling(ddb: DynamoDBClient, tableName: string): Promise<GroupScaling> {
  const out = await ddb.send(new DescribeTableReplicaAutoScalingCommand({ TableName: tableName }));
  const group: GroupScaling = new Map();
  for (const r of out.TableAutoScalingDescription?.Replicas ?? []) {
    if (!r.RegionName) continue;
    const indexes: RegionScaling['indexes'] = Object.create(null) as RegionScaling['indexes'];
    for (const g of r.GlobalSecondaryIndexes ?? []) {
      if (!g.IndexName) continue;
      indexes[g.IndexName] = { read: observed(g.ProvisionedReadCapacityAutoScalingSettings), write: observed(g.ProvisionedWriteCapacityAutoScalingSettings) };
    }
    group.set(r.RegionName, {
      read: observed(r.ReplicaProvisionedReadCapacityAutoScalingSettings),
      write: observed(r.ReplicaProvisionedWriteCapacityAutoScalingSettings),
      indexes,
    });
  }
  return group;
}

/** Whether what a region reports is what the properties ask for (cooldowns default to 0 s). */
export function scalingMatches(o: ObservedScaling | undefined, want: ScalingSettingsProps): boolean {
  return (
    o !== undefined &&
    o.min === want.MinCapacity &&
    o.max === want.MaxCapacity &&
    o.targetValue === want.TargetValue &&
    (o.scaleInCooldown ?? 0) === want.ScaleInCooldown &&
    (o.scaleOutCooldown ?? 0) === want.ScaleOutCooldown
  );
}

function settingsUpdate(want: ScalingSettingsProps, policyName: string | undefined): AutoScalingSettingsUpdate {
  return {
    MinimumUnits: want.MinCapacity,
    MaximumUnits: want.MaxCapacity,
    ScalingPolicyUpdate: {
      ...(policyName !== undefined ? { PolicyName: policyName } : {}),
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: want.TargetValue,
        ScaleInCooldown: want.ScaleInCooldown,
        ScaleOutCooldown: want.ScaleOutCooldown,
      },
    },
  };
}

export interface ReplicaScalingPlanInput {
  tableName: string;
  home: string;
  /** Replica regions this resource manages (ACTIVE): their read settings are set per region. */
  replicaRegions: string[];
  /** GSIs the table has now (a GSI in Autoscaling.Indexes that does not exist yet is skipped). */
  indexNames: string[];
  desired: Autoscaling;
  /** The previous properties' autoscaling: read settings it had and the new ones drop are disabled. */
  previous?: Autoscaling;
  observed: GroupScaling;
}

/**
 * The one UpdateTableReplicaAutoScaling call that brings the group in line, or undefined when
 * everything already matches. Pure.
 * - Write (table, each GSI): once for the group, when any of the home and managed regions differs;
 *   the policy keeps the home region's policy name, so DynamoDB updates that policy rather than
 *   adding a second one.
 * - Read (table, each GSI): per managed replica region, only where it differs; read settings the
 *   previous properties had and the new ones do not are disabled in the replica regions.
 */
export function planReplicaScaling(i: ReplicaScalingPlanInput): UpdateTableReplicaAutoScalingCommandInput | undefined {
  const desired = i.desired ?? {};
  const previous = i.previous ?? {};
  const at = (region: string): RegionScaling => i.observed.get(region) ?? { indexes: {} };
  const group = [i.home, ...i.replicaRegions];
  const homeScaling = at(i.home);
  const input: UpdateTableReplicaAutoScalingCommandInput = { TableName: i.tableName };
  let differs = false;

  if (desired.Write && group.some((r) => !scalingMatches(at(r).write, desired.Write as ScalingSettingsProps))) {
    input.ProvisionedWriteCapacityAutoScalingUpdate = settingsUpdate(desired.Write, homeScaling.write?.policyName);
    differs = true;
  }
  const indexWrites = [];
  for (const index of i.indexNames) {
    const want = desired.Indexes?.[index]?.Write;
    if (!want || group.every((r) => scalingMatches(at(r).indexes[index]?.write, want))) continue;
    indexWrites.push({ IndexName: index, ProvisionedWriteCapacityAutoScalingUpdate: settingsUpdate(want, homeScaling.indexes[index]?.write?.policyName) });
  }
  if (indexWrites.length > 0) {
    input.GlobalSecondaryIndexUpdates = indexWrites;
    differs = true;
  }

  const replicaUpdates = [];
  for (const region of i.replicaRegions) {
    const seen = at(region);
    const update: NonNullable<UpdateTableReplicaAutoScalingCommandInput['ReplicaUpdates']>[number] = { RegionName: region };
    let regionDiffers = false;
    if (desired.Read) {
      if (!scalingMatches(seen.read, desired.Read)) {
        update.ReplicaProvisionedReadCapacityAutoScalingUpdate = settingsUpdate(desired.Read, homeScaling.read?.policyName);
        regionDiffers = true;
      }
    } else if (previous.Read && seen.read) {
      update.ReplicaProvisionedReadCapacityAutoScalingUpdate = { AutoScalingDisabled: true };
      regionDiffers = true;
    }
    const indexReads = [];
    for (const index of i.indexNames) {
      const want = desired.Indexes?.[index]?.Read;
      const have = seen.indexes[index]?.read;
      if (want) {
        if (!scalingMatches(have, want))
          indexReads.push({ IndexName: index, ProvisionedReadCapacityAutoScalingUpdate: settingsUpdate(want, homeScaling.indexes[index]?.read?.policyName) });
      } else if (previous.Indexes?.[index]?.Read && have) {
        indexReads.push({ IndexName: index, ProvisionedReadCapacityAutoScalingUpdate: { AutoScalingDisabled: true } });
      }
    }
    if (indexReads.length > 0) {
      update.ReplicaGlobalSecondaryIndexUpdates = indexReads;
      regionDiffers = true;
    }
    if (regionDiffers) replicaUpdates.push(update);
  }
  if (replicaUpdates.length > 0) {
    input.ReplicaUpdates = replicaUpdates;
    differs = true;
  }
  return differs ? input : undefined;
}

/** Whether the properties ask for any autoscaling at all. */
export function hasAutoscaling(a: Autoscaling): boolean {
  return Boolean(a && (a.Read || a.Write || Object.values(a.Indexes ?? {}).some((x) => x.Read || x.Write)));
}

/**
 * Removes every scalable target (and its policies) of the table and its indexes in one replica
 * region. Deregistering a target deletes its policies too (DeregisterScalableTarget API
 * reference); the policies are deleted first anyway, so no alarm is left if that ever differs.
 * Never called for the home region, whose autoscaling is CloudFormation's. `changed` is called
 * after each change. Returns the number of changes.
 */
export async function removeRegionScaling(
  aas: ApplicationAutoScalingClient,
  tableName: string,
  indexNames: string[],
  changed: () => void = () => undefined,
): Promise<number> {
  const resourceIds = [`table/${tableName}`, ...indexNames.map((i) => `table/${tableName}/index/${i}`)];
  let changes = 0;
  for (let k = 0; k < resourceIds.length; k += 50) {
    const targets = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb', ResourceIds: resourceIds.slice(k, k + 50) }));
    for (const t of targets.ScalableTargets ?? []) {
      const id = t.ResourceId as string;
      const dimension = t.ScalableDimension as ScalableDimension;
      const policies = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'dynamodb', ResourceId: id, ScalableDimension: dimension }));
      for (const p of policies.ScalingPolicies ?? []) {
        await aas.send(
          new DeleteScalingPolicyCommand({ ServiceNamespace: 'dynamodb', ResourceId: id, ScalableDimension: dimension, PolicyName: p.PolicyName }),
        );
        changed();
        changes++;
      }
      await aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'dynamodb', ResourceId: id, ScalableDimension: dimension }));
      changed();
      changes++;
    }
  }
  return changes;
}

/** True when the home table has write autoscaling registered (a global-table precondition for PROVISIONED). */
export async function hasWriteScaling(aas: ApplicationAutoScalingClient, tableName: string): Promise<boolean> {
  const out = await aas.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: 'dynamodb',
      ResourceIds: [`table/${tableName}`],
      ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
    }),
  );
  return (out.ScalableTargets ?? []).length > 0;
}
