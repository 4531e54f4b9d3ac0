/**
 * Per-replica settings, applied in each replica's own region once the replica is ACTIVE (its
 * ownership tag goes on earlier, as soon as the replica table exists: tagCreatingReplica).
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
  type ContributorInsightsMode,
  type ReplicationGroupUpdate,
} from '@aws-sdk/client-dynamodb';
import type { ReplicaProps } from '../../contract/resources';
import { OWNER_TAG_KEY } from '../../contract/resources';
import { listTags, replicaOwnership, writeOwnerTag } from '../guard/ownership';
import { LEGACY_LEASE_TAG_PREFIX } from '../guard/lease';
import type { AwsClients, Logger } from '../types';
import { hasAutoscaling, removeRegionScaling } from './autoscaling';
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
  // DescribeTable reports the replica's key as a key ARN whatever form it was given in
  // (cloudformation-coverage-roadmap#1802), and KmsKeyArn must be a key ARN (props.ts), so an
  // exact comparison is right: an alias or key ID would never match and be re-applied forever.
  if (spec.KmsKeyArn !== undefined && seen.kmsKeyId !== undefined && seen.kmsKeyId !== spec.KmsKeyArn) {
    update.KMSMasterKeyId = spec.KmsKeyArn;
    differs = true;
  }
  // Per-replica index overrides (ReplicaGlobalSecondaryIndex: ProvisionedThroughputOverride holds
  // the read capacity only, OnDemandThroughputOverride the read ceiling), only those that differ.
  const indexes: NonNullable<NonNullable<ReplicationGroupUpdate['Update']>['GlobalSecondaryIndexes']> = [];
  for (const g of spec.GlobalSecondaryIndexes ?? []) {
    const now = seen.indexes.get(g.IndexName);
    const entry: (typeof indexes)[number] = { IndexName: g.IndexName };
    if (g.ReadCapacity !== undefined && now?.readCapacityOverride !== g.ReadCapacity)
      entry.ProvisionedThroughputOverride = { ReadCapacityUnits: g.ReadCapacity };
    if (g.MaxReadRequestUnits !== undefined && now?.maxReadRequestUnitsOverride !== g.MaxReadRequestUnits)
      entry.OnDemandThroughputOverride = { MaxReadRequestUnits: g.MaxReadRequestUnits };
    if (entry.ProvisionedThroughputOverride || entry.OnDemandThroughputOverride) indexes.push(entry);
  }
  if (indexes.length > 0) {
    update.GlobalSecondaryIndexes = indexes;
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
  /** Called right after each change succeeds, so a failure later still knows something changed. */
  changed: () => void;
}

export async function syncReplica(input: SyncInput): Promise<SyncOutcome> {
  const { clients, home, props, spec, stackId } = input;
  let changes = 0;
  const beforeChange = input.beforeChange;
  const changed = () => {
    changes++;
    input.changed();
  };
  const region = spec.RegionName;
  const ddb = clients.dynamodb(region);
  const arn = replicaArn(home.arn, region);
  const name = props.TableName;

  let described;
  try {
    described = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return { kind: 'not-ready', reason: `replica table not visible in ${region} yet` };
    throw e;
  }
  if (!described || described.TableStatus !== 'ACTIVE')
    return { kind: 'not-ready', reason: `replica table in ${region} is ${described?.TableStatus ?? 'absent'}` };

  // Ownership of the replica itself, before any of its settings change.
  const tags = await listTags(ddb, arn);
  const own = replicaOwnership(tags, stackId);
  if (own === 'foreign') {
    throw new Refusal(
      `The replica of ${name} in ${region} carries an ${OWNER_TAG_KEY} tag naming another stack, so its settings were not changed. Nothing was ` +
        `changed in ${region}.`,
    );
  }
  if (own === 'untagged') {
    await beforeChange();
    await writeOwnerTag(ddb, arn, stackId);
    changed();
  }

  // Table class and capacity overrides are replica actions of the home table's UpdateTable,
  // which needs the home table ACTIVE (UpdateTable API reference).
  const update = overrideUpdate(home, spec);
  if (update) {
    if (home.status !== 'ACTIVE') return { kind: 'not-ready', reason: `the home table is ${home.status}; the overrides of ${region} wait` };
    await beforeChange();
    await clients.dynamodb().send(new UpdateTableCommand({ TableName: name, ReplicaUpdates: [update] }));
    changed();
    return { kind: 'stepped' };
  }

  if (spec.DeletionProtectionEnabled !== undefined && (described.DeletionProtectionEnabled ?? false) !== spec.DeletionProtectionEnabled) {
    await beforeChange();
    await ddb.send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: spec.DeletionProtectionEnabled }));
    changed();
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
          PointInTimeRecoverySpecification: {
            PointInTimeRecoveryEnabled: spec.PointInTimeRecoveryEnabled,
            ...(wantPeriod !== undefined ? { RecoveryPeriodInDays: wantPeriod } : {}),
          },
        }),
      );
    } catch (e) {
      // "Backups have not yet been enabled for this table": a table just created; retry shortly
      // (ContinuousBackupsUnavailableException, UpdateContinuousBackups API reference).
      if (awsErrorName(e) === 'ContinuousBackupsUnavailableException')
        return { kind: 'not-ready', reason: `backups not yet available for the replica in ${region}` };
      throw e;
    }
    changed();
  }

  // Contributor Insights of the replica table and of each index named, in the replica's Region
  // (per Region, never replicated: ReplicaSpecification.ContributorInsightsSpecification and
  // ReplicaGlobalSecondaryIndexSpecification.ContributorInsightsSpecification).
  const insights: { index?: string; enabled?: boolean; mode?: string }[] = [
    { enabled: spec.ContributorInsightsEnabled, mode: spec.ContributorInsightsMode },
    ...(spec.GlobalSecondaryIndexes ?? []).map((g) => ({ index: g.IndexName, enabled: g.ContributorInsightsEnabled, mode: g.ContributorInsightsMode })),
  ];
  for (const want of insights) {
    if (want.enabled === undefined) continue;
    const where = { TableName: name, ...(want.index ? { IndexName: want.index } : {}) };
    const ci = await ddb.send(new DescribeContributorInsightsCommand(where));
    const on = ci.ContributorInsightsStatus === 'ENABLED' || ci.ContributorInsightsStatus === 'ENABLING';
    // The mode DynamoDB applies when none is given is ACCESSED_AND_THROTTLED_KEYS (UpdateContributorInsights API reference).
    const modeDiffers = want.enabled && want.mode !== undefined && (ci.ContributorInsightsMode ?? 'ACCESSED_AND_THROTTLED_KEYS') !== want.mode;
    if (on !== want.enabled || modeDiffers) {
      await beforeChange();
      await ddb.send(
        new UpdateContributorInsightsCommand({
          ...where,
          ContributorInsightsAction: want.enabled ? 'ENABLE' : 'DISABLE',
          ...(want.enabled && want.mode ? { ContributorInsightsMode: want.mode as ContributorInsightsMode } : {}),
        }),
      );
      changed();
    }
  }

  if (spec.PropagateTags) {
    const missing = props.Tags.filter((t) => tags[t.Key] !== t.Value && t.Key !== OWNER_TAG_KEY);
    if (missing.length > 0) {
      await beforeChange();
      for (let i = 0; i < missing.length; i += 25) {
        await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: missing.slice(i, i + 25) }));
        changed();
      }
    }
    const keep = new Set(props.Tags.map((t) => t.Key));
    const dropped = (input.oldProps?.Tags ?? [])
      .map((t) => t.Key)
      .filter((k) => !keep.has(k) && k !== OWNER_TAG_KEY && !k.startsWith(LEGACY_LEASE_TAG_PREFIX) && tags[k] !== undefined);
    if (dropped.length > 0) {
      await beforeChange();
      await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: dropped }));
      changed();
    }
  }

  // Autoscaling of a PROVISIONED group is set for the whole group afterwards, through DynamoDB
  // (autoscaling.ts). A table switched to PAY_PER_REQUEST has no use for the replica region's
  // targets: "AutoScaling is not available for tables with PAY_PER_REQUEST billing mode"
  // (aws/aws-cdk#10572), so they are removed there.
  if (props.BillingMode === 'PAY_PER_REQUEST' && input.oldProps?.BillingMode === 'PROVISIONED' && hasAutoscaling(input.oldProps.Autoscaling)) {
    await beforeChange();
    await removeRegionScaling(clients.autoscaling(region), name, home.indexNames, changed);
  }
  input.log.info('replica settings in sync', { region, changes });
  return { kind: 'synced', changes };
}

/**
 * Ownership of the replica table in its own region, read there (ListTagsOfResource on the
 * replica's ARN): 'missing' when that region has no such table (a replica that failed to create,
 * or one already gone).
 */
export async function observeReplicaOwnership(
  clients: AwsClients,
  home: HomeState,
  region: string,
  stackId: string,
): Promise<ReturnType<typeof replicaOwnership> | 'missing'> {
  try {
    return replicaOwnership(await listTags(clients.dynamodb(region), replicaArn(home.arn, region)), stackId);
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return 'missing';
    throw e;
  }
}

export interface TagEarlyInput {
  clients: AwsClients;
  log: Logger;
  stackId: string;
  home: HomeState;
  props: ReplicasProps;
  spec: ReplicaProps;
  beforeChange: () => Promise<void>;
  changed: () => void;
}

/**
 * Tags a replica while it is still CREATING, as soon as its table exists in its region, so it
 * never exists untagged for long: a replica left CREATING by a rollback or a timeout is then
 * recognisably this stack's, and tag policies that look for tags see them early (tags added only
 * at the end of a replica's creation are a known complaint: pulumi/pulumi-aws-native#342). The
 * owner tag and, with PropagateTags, the table's tags go on in one TagResource.
 *
 * DynamoDB documents no restriction on tagging a table that is CREATING (TagResource API
 * reference). Should it refuse (ResourceInUseException, "The operation conflicts with the
 * resource's availability"), or not see the new table yet (ResourceNotFoundException; DescribeTable
 * and tags are eventually consistent, DescribeTable and TagResource API references), the tags are
 * written at the next poll, the first moment they are accepted. Returns true once tagged (or
 * already tagged by this stack), false to try again later.
 */
export async function tagCreatingReplica(input: TagEarlyInput): Promise<boolean> {
  const { clients, home, props, spec, stackId } = input;
  const region = spec.RegionName;
  const ddb = clients.dynamodb(region);
  const arn = replicaArn(home.arn, region);
  const own = await observeReplicaOwnership(clients, home, region, stackId);
  if (own === 'missing') return false;
  if (own === 'foreign') {
    throw new Refusal(
      `The replica of ${props.TableName} in ${region} carries an ${OWNER_TAG_KEY} tag naming another stack, so its settings were not changed. ` +
        `Nothing was changed in ${region}.`,
    );
  }
  if (own === 'owned') return true;
  const tags = [{ Key: OWNER_TAG_KEY, Value: stackId }, ...(spec.PropagateTags ? props.Tags.filter((t) => t.Key !== OWNER_TAG_KEY).slice(0, 49) : [])];
  await input.beforeChange();
  try {
    await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: tags }));
  } catch (e) {
    const name = awsErrorName(e);
    if (name === 'ResourceInUseException' || name === 'ResourceNotFoundException') {
      input.log.info('replica not taggable yet; tagging at the next poll', { region, error: name });
      return false;
    }
    throw e;
  }
  input.changed();
  input.log.info('replica tagged while it is being created', { region });
  return true;
}
