/**
 * Per-replica settings, applied in each replica's own region once the replica is ACTIVE.
 * These are per Region and never replicated (AWS::DynamoDB::GlobalTable ReplicaSpecification:
 * PITR, deletion protection, contributor insights, tags, table class, read capacity), and
 * "Tags on global tables do not automatically propagate". Reads first; a call is made only for a
 * setting that differs, so a reconcile with nothing to change makes no changes.
 */
import {
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeTableCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateContributorInsightsCommand,
  UpdateTableCommand,
  type ReplicationGroupUpdate,
} from '@aws-sdk/client-dynamodb';
import type { ReplicaProps } from '../../common/contract';
import { OWNER_TAG_KEY } from '../../common/contract';
import { listTags, replicaOwnership, writeOwnerTag } from '../guard/ownership';
import { LEGACY_LEASE_TAG_PREFIX } from '../guard/lease';
import type { AwsClients, Logger } from '../types';
import { mirrorScaling, removeScaling, scalingDimensions } from './autoscaling';
import type { HomeState } from './observe';
import { replicaArn } from './observe';
import type { ReplicasProps } from './props';
import { awsErrorName } from '../aws';

export class Refusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Refusal';
  }
}

export type SyncOutcome =
  /** All settings match. */
  | { kind: 'synced'; changes: number }
  /** A home-region UpdateTable was issued (replica override): wait for ACTIVE, then sync again. */
  | { kind: 'stepped' }
  /** The replica table is not ready in its region yet. */
  | { kind: 'not-ready'; reason: string };

/** The ReplicaUpdates.Update action needed to bring overrides in line, or undefined. */
export function overrideUpdate(home: HomeState, spec: ReplicaProps): ReplicationGroupUpdate | undefined {
  const seen = home.replicas.get(spec.RegionName);
  if (!seen) return undefined;
  const update: NonNullable<ReplicationGroupUpdate['Update']> = { RegionName: spec.RegionName };
  let differs = false;
  if (spec.TableClass !== undefined && (seen.tableClass ?? 'STANDARD') !== spec.TableClass) {
    update.TableClassOverride = spec.TableClass as 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
    differs = true;
  }
  if (spec.ReadCapacity !== undefined && seen.readCapacityOverride !== spec.ReadCapacity) {
    update.ProvisionedThroughputOverride = { ReadCapacityUnits: spec.ReadCapacity };
    differs = true;
  }
  if (spec.MaxReadRequestUnits !== undefined && seen.maxReadRequestUnitsOverride !== spec.MaxReadRequestUnits) {
    update.OnDemandThroughputOverride = { MaxReadRequestUnits: spec.MaxReadRequestUnits };
    differs = true;
  }
  if (spec.KmsKeyArn !== undefined && seen.kmsKeyId !== undefined && seen.kmsKeyId !== spec.KmsKeyArn) {
    update.KMSMasterKeyId = spec.KmsKeyArn;
    differs = true;
  }
  return differs ? { Update: update } : undefined;
}

export interface SyncInput {
  clients: AwsClients;
  log: Logger;
  stackId: string;
  home: HomeState;
  props: ReplicasProps;
  oldProps?: ReplicasProps;
  spec: ReplicaProps;
  /** Checked before each change: abandoned work never races the next invocation. */
  beforeChange: () => Promise<void>;
}

export async function syncReplica(input: SyncInput): Promise<SyncOutcome> {
  const { clients, home, props, spec, stackId, beforeChange } = input;
  const region = spec.RegionName;
  const ddb = clients.dynamodb(region);
  const arn = replicaArn(home.arn, region);
  const name = props.TableName;
  let changes = 0;

  let described;
  try {
    described = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return { kind: 'not-ready', reason: `replica table not visible in ${region} yet` };
    throw e;
  }
  if (!described || described.TableStatus !== 'ACTIVE') return { kind: 'not-ready', reason: `replica table in ${region} is ${described?.TableStatus ?? 'absent'}` };

  // Ownership of the replica itself, before any of its settings change.
  const tags = await listTags(ddb, arn);
  const own = replicaOwnership(tags, stackId);
  if (own === 'foreign') {
    throw new Refusal(`The replica of ${name} in ${region} carries an ${OWNER_TAG_KEY} tag naming another stack, so its settings were not changed. Nothing was changed in ${region}.`);
  }
  if (own === 'untagged') {
    await beforeChange();
    await writeOwnerTag(ddb, arn, stackId);
    changes++;
  }

  // Table class and capacity overrides are replica actions of the home table's UpdateTable.
  const update = overrideUpdate(home, spec);
  if (update) {
    await beforeChange();
    await clients.dynamodb().send(new UpdateTableCommand({ TableName: name, ReplicaUpdates: [update] }));
    return { kind: 'stepped' };
  }

  if (spec.DeletionProtectionEnabled !== undefined && (described.DeletionProtectionEnabled ?? false) !== spec.DeletionProtectionEnabled) {
    await beforeChange();
    await ddb.send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: spec.DeletionProtectionEnabled }));
    changes++;
  }

  const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: name }));
  const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  const pitrOn = pitr?.PointInTimeRecoveryStatus === 'ENABLED';
  const wantPeriod = spec.PointInTimeRecoveryEnabled ? (spec.PointInTimeRecoveryPeriodInDays ?? 35) : undefined;
  if (pitrOn !== spec.PointInTimeRecoveryEnabled || (wantPeriod !== undefined && (pitr?.RecoveryPeriodInDays ?? 35) !== wantPeriod)) {
    await beforeChange();
    try {
      await ddb.send(
        new UpdateContinuousBackupsCommand({
          TableName: name,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: spec.PointInTimeRecoveryEnabled, ...(wantPeriod !== undefined ? { RecoveryPeriodInDays: wantPeriod } : {}) },
        }),
      );
    } catch (e) {
      // "Backups have not yet been enabled for this table": a table just created; retry shortly
      // (ContinuousBackupsUnavailableException, UpdateContinuousBackups API reference).
      if (awsErrorName(e) === 'ContinuousBackupsUnavailableException') return { kind: 'not-ready', reason: `backups not yet available for the replica in ${region}` };
      throw e;
    }
    changes++;
  }

  if (spec.ContributorInsightsEnabled !== undefined) {
    const ci = await ddb.send(new DescribeContributorInsightsCommand({ TableName: name }));
    const on = ci.ContributorInsightsStatus === 'ENABLED' || ci.ContributorInsightsStatus === 'ENABLING';
    if (on !== spec.ContributorInsightsEnabled) {
      await beforeChange();
      await ddb.send(new UpdateContributorInsightsCommand({ TableName: name, ContributorInsightsAction: spec.ContributorInsightsEnabled ? 'ENABLE' : 'DISABLE' }));
      changes++;
    }
  }

  if (spec.PropagateTags) {
    const missing = props.Tags.filter((t) => tags[t.Key] !== t.Value && t.Key !== OWNER_TAG_KEY);
    if (missing.length > 0) {
      await beforeChange();
      for (let i = 0; i < missing.length; i += 25) {
        await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: missing.slice(i, i + 25) }));
      }
      changes++;
    }
    const keep = new Set(props.Tags.map((t) => t.Key));
    const dropped = (input.oldProps?.Tags ?? [])
      .map((t) => t.Key)
      .filter((k) => !keep.has(k) && k !== OWNER_TAG_KEY && !k.startsWith(LEGACY_LEASE_TAG_PREFIX) && tags[k] !== undefined);
    if (dropped.length > 0) {
      await beforeChange();
      await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: dropped }));
      changes++;
    }
  }

  const want = props.BillingMode === 'PROVISIONED' ? scalingDimensions(name, props.Autoscaling) : [];
  const had = input.oldProps?.BillingMode === 'PROVISIONED' ? scalingDimensions(name, input.oldProps.Autoscaling) : [];
  const gone = had.filter((h) => !want.some((w) => w.resourceId === h.resourceId && w.dimension === h.dimension));
  if (want.length > 0 || gone.length > 0) {
    const aas = clients.autoscaling(region);
    if (gone.length > 0) {
      await beforeChange();
      changes += await removeScaling(aas, gone);
    }
    if (want.length > 0) {
      await beforeChange();
      changes += await mirrorScaling(aas, want);
    }
  }
  input.log.info('replica settings in sync', { region, changes });
  return { kind: 'synced', changes };
}
