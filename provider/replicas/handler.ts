/**
 * `Custom::ArcDynamoDbReplicas`: keeps the replicas of an AWS::DynamoDB::Table as the template
 * says, without ever turning it into an AWS::DynamoDB::GlobalTable (that change replaces the
 * resource; see docs/replicas.md).
 *
 * Every invocation observes (DescribeTable in the home region), takes the one next step, waits
 * for ACTIVE with backoff polling, and repeats until the deadline; then it returns `continue` and
 * the protocol re-invokes. Progress is derived from observed state, never from counters, so a
 * crashed or duplicated invocation loses nothing.
 */
import {
  ScanCommand,
  UpdateTableCommand,
  UpdateTableReplicaAutoScalingCommand,
  type CreateReplicationGroupMemberAction,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mrscRegionProblems, OWNER_TAG_KEY, REPLICAS_RESOURCE_TYPE, type ReplicaProps } from '../../contract/resources';
import { awsErrorName, describeTable } from '../aws';
import { Aborted, backoff, beforeEachChange, DEFAULT_POLL, stringList, type PollOptions } from '../poll';
import { resourceId } from '../protocol/physical-id';
import { isRollback, type HandlerRequest, type HandlerResult, type ResourceHandler } from '../types';
import { hasAutoscaling, hasWriteScaling, observeGroupScaling, planReplicaScaling, removeRegionScaling } from './autoscaling';
import { observeHome, type HomeState } from './observe';
import { isMrsc, leftoverNotes, nextMemo, planMrsc, planStructure, readMemo, regionsToRemove, type ReplicasMemo } from './plan';
import { parseReplicasProps, type ReplicasProps } from './props';
import { observeReplicaOwnership, Refusal, syncReplica, tagCreatingReplica } from './settings';

/** How many more observations a failed replica precondition gets before it is final (2+4+8+15 s by default). */
const PRECONDITION_LOOKS = 4;

interface Checkpoint {
  /** True once this operation changed anything (a failed Create then keeps its real ID for cleanup). */
  mutated: boolean;
  /** Regions whose settings are in sync during this operation. */
  synced: string[];
  /** Regions whose replica carries this stack's tags (tagged while CREATING, or found so). */
  tagged: string[];
  /** True once the group's replica autoscaling is in line (PROVISIONED tables). */
  scaled: boolean;
}

function readCheckpoint(raw: unknown): Checkpoint {
  const c = (raw ?? {}) as Partial<Checkpoint>;
  return { mutated: c.mutated === true, synced: stringList(c.synced), tagged: stringList(c.tagged), scaled: c.scaled === true };
}

export { DEFAULT_POLL, type PollOptions };

export function makeReplicasHandler(poll: PollOptions = DEFAULT_POLL): ResourceHandler<ReplicasProps> {
  return {
    resourceType: REPLICAS_RESOURCE_TYPE,
    parseProperties: parseReplicasProps,
    tableName: (p) => p.TableName,
    adoptExistingTable: (p) => p.AdoptExistingTable,
    handle: (req) => reconcile(req, poll),
  };
}

export const replicasHandler = makeReplicasHandler();

async function reconcile(req: HandlerRequest<ReplicasProps>, poll: PollOptions): Promise<HandlerResult> {
  const p = req.properties;
  const cp = readCheckpoint(req.checkpoint);
  const memo = readMemo(req.memo);
  const physicalResourceId = resourceId('replicas', p.TableName);
  const home = req.clients.homeRegion;
  const log = req.log;
  const rollback = req.requestType === 'Update' && isRollback(req.stack);

  if (req.requestType === 'Delete') {
    const keep = await retainOnThisDelete(req);
    if (keep) {
      log.info('Delete: the replicas stay', { table: p.TableName, why: keep });
      return { status: 'done', physicalResourceId };
    }
  }

  const desired: ReplicaProps[] = req.requestType === 'Delete' ? [] : p.Replicas;
  const desiredRegions = desired.map((r) => r.RegionName);
  // Only regions this resource manages are ever deleted: replicas someone else added stay.
  const removing = regionsToRemove(
    req.requestType,
    desiredRegions,
    p.Replicas.map((r) => r.RegionName),
    (req.oldProperties?.Replicas ?? []).map((r) => r.RegionName),
    memo,
  );

  const ddb = req.clients.dynamodb();
  const beforeChange = beforeEachChange(req);
  /** Called right after each change: from then on a failed Create answers with its real ID. */
  const changed = () => {
    cp.mutated = true;
  };
  const pacing = backoff(poll, req.deadline);
  let preconditionLooks = PRECONDITION_LOOKS;
  /** The last observed home table: the memo of an answer is computed from it. */
  let last: HomeState | undefined;
  const memoNow = (leftFor: string[] = []): { memo?: ReplicasMemo } => (last ? { memo: nextMemo(memo, leftFor, desiredRegions, last.replicas.keys()) } : {});
  const keepGoing = (): HandlerResult => ({
    status: 'continue',
    checkpoint: cp,
    ...(cp.mutated && req.requestType === 'Create' ? { physicalResourceId } : {}),
  });
  const failed = (reason: string): HandlerResult => ({
    status: 'failed',
    reason,
    ...(cp.mutated && req.requestType === 'Create' ? { physicalResourceId } : {}),
    ...memoNow(),
  });
  /** Waits one poll interval; false when that would pass the deadline. */
  const wait = pacing.wait;
  const stepped = () => {
    cp.mutated = true;
    pacing.reset();
  };

  if (p.Replicas.some((r) => r.RegionName === home)) {
    return failed(`ReplicaRegions must not include the table's own region (${home}): the table itself is the replica there. Nothing was changed.`);
  }
  const desiredStrong = req.requestType !== 'Delete' && p.MultiRegionConsistency === 'STRONG';
  const desiredWitnesses = req.requestType === 'Delete' ? [] : (p.GlobalTableWitnesses ?? []).map((w) => w.Region);
  if (desiredStrong && desiredRegions.length + desiredWitnesses.length > 0) {
    // The rules the macro checks at expand time, again with the Region the request really runs in.
    const problems = mrscRegionProblems(home, desiredRegions, desiredWitnesses);
    if (problems.length > 0) return failed(`Table ${p.TableName} with MultiRegionConsistency STRONG ${problems.join('; ')}. Nothing was changed.`);
  }

  try {
    for (;;) {
      if (req.signal?.aborted || Date.now() >= req.deadline) return keepGoing();
      const state = await observeHome(ddb, p.TableName);
      if (!state) {
        if (req.requestType === 'Delete') return { status: 'done', physicalResourceId, memo: { pendingRemoval: [] } };
        return failed(`Table ${p.TableName} no longer exists in ${home}.`);
      }
      last = state;
      const unknown = unknownIndexes(desired, state);
      if (unknown) return failed(unknown);
      const step = isMrsc(state, desiredStrong)
        ? planMrsc(state, desiredStrong, desiredRegions, desiredWitnesses, removing)
        : planStructure(state, desiredRegions, removing);
      log.info('reconcile step', {
        step: step.kind,
        ...(step.kind === 'create' || step.kind === 'delete' ? { region: step.region } : {}),
        ...(step.kind === 'wait' ? { reason: step.reason } : {}),
      });
      switch (step.kind) {
        case 'fail':
          return failed(step.reason);
        case 'wait': {
          await tagCreating(req, state, desired, cp, beforeChange, changed);
          if (rollback && step.onlyCreating) {
            // A rollback never waits for a replica creation (which can take hours, longer than
            // the ServiceTimeout, and would leave the stack UPDATE_ROLLBACK_FAILED): it answers
            // now and says what the next deploy does.
            return await finishEarly(req, state, cp, physicalResourceId, beforeChange, changed, { rollback: true, removing }, memo);
          }
          const pendingCreates = desiredRegions.filter((r) => !state.replicas.has(r));
          if (!p.WaitForReplication && step.onlyCreating && pendingCreates.length === 0 && removing.every((r) => !state.replicas.has(r))) {
            return await finishEarly(req, state, cp, physicalResourceId, beforeChange, changed, { rollback: false, removing: [] }, memo);
          }
          if (!(await wait())) return keepGoing();
          continue;
        }
        case 'delete': {
          const region = step.region;
          const refusal = await deleteRefusal(req, state, region);
          if (refusal) return failed(refusal);
          await removeReplicaScaling(req, state, region, beforeChange, changed);
          await beforeChange();
          await sendReplicaUpdate(req, { ReplicaUpdates: [{ Delete: { RegionName: region } }] });
          log.info('replica deletion started', { region });
          stepped();
          continue;
        }
        case 'delete-group': {
          // Every check before the one UpdateTable: nothing is removed unless all of it may be.
          for (const region of step.regions) {
            const refusal = await deleteRefusal(req, state, region);
            if (refusal) return failed(refusal);
          }
          for (const region of step.regions) await removeReplicaScaling(req, state, region, beforeChange, changed);
          await beforeChange();
          await sendReplicaUpdate(req, {
            ReplicaUpdates: step.regions.map((region) => ({ Delete: { RegionName: region } })),
            ...(step.witnesses.length > 0 ? { GlobalTableWitnessUpdates: step.witnesses.map((w) => ({ Delete: { RegionName: w } })) } : {}),
          });
          log.info('MRSC replicas and witness deletion started', { regions: step.regions.join(','), witnesses: step.witnesses.join(',') });
          stepped();
          continue;
        }
        case 'create-group': {
          const refusal = await createPrecondition(req, state, true);
          if (refusal) return failed(refusal);
          const hasItems = await emptinessRefusal(req);
          // A rollback asking for the MRSC Regions again (the failed update removed them) on a
          // table that now holds items can never succeed: failing would leave the stack
          // UPDATE_ROLLBACK_FAILED, and continue-update-rollback would fail the same way.
          if (hasItems && rollback) return cannotRestoreMrsc(req, step, physicalResourceId, memoNow());
          if (hasItems) return failed(hasItems);
          await beforeChange();
          await sendReplicaUpdate(req, {
            ReplicaUpdates: step.regions.map((region) => ({ Create: createAction(desired.find((r) => r.RegionName === region) as ReplicaProps) })),
            ...(step.witnesses.length > 0 ? { GlobalTableWitnessUpdates: step.witnesses.map((w) => ({ Create: { RegionName: w } })) } : {}),
            MultiRegionConsistency: 'STRONG',
          });
          log.info('MRSC replicas and witness creation started', { regions: step.regions.join(','), witnesses: step.witnesses.join(',') });
          stepped();
          continue;
        }
        case 'create': {
          const refusal = await createPrecondition(req, state);
          if (refusal) {
            // The stack may have enabled the stream (or registered write scaling) a moment ago,
            // and DescribeTable is eventually consistent (DescribeTable API reference): look again
            // a few times before refusing.
            if (preconditionLooks-- > 0 && (await wait())) continue;
            return failed(refusal);
          }
          const spec = desired.find((r) => r.RegionName === step.region) as ReplicaProps;
          await beforeChange();
          await sendReplicaUpdate(req, { ReplicaUpdates: [{ Create: createAction(spec) }] });
          log.info('replica creation started', { region: step.region });
          stepped();
          continue;
        }
        case 'settled': {
          const next = desired.find((r) => !cp.synced.includes(r.RegionName));
          if (next) {
            const outcome = await syncReplica({
              clients: req.clients,
              log,
              stackId: req.stackId,
              home: state,
              props: p,
              oldProps: req.oldProperties,
              spec: next,
              beforeChange,
              changed,
            });
            if (outcome.kind === 'stepped') {
              stepped();
              continue;
            }
            if (outcome.kind === 'not-ready') {
              if (!(await wait())) return keepGoing();
              continue;
            }
            cp.synced.push(next.RegionName);
            continue;
          }
          if (!cp.scaled) {
            await syncGroupScaling(req, state, desiredRegions, beforeChange, changed);
            cp.scaled = true;
            continue;
          }
          return { status: 'done', physicalResourceId, data: { ...attributes(p, desiredRegions, desiredWitnesses), PendingRegions: '' }, ...memoNow() };
        }
      }
    }
  } catch (e) {
    if (e instanceof Aborted) return keepGoing();
    if (e instanceof Refusal) return failed(e.message);
    // A later request took over (the protocol answers for that case).
    if ((e as Error).name === 'SupersededError') throw e;
    // Any other AWS error fails the operation, keeping the real ID when something was changed.
    const name = awsErrorName(e) || 'Error';
    return failed(`${name}: ${(e as Error).message ?? String(e)} (table ${p.TableName})`);
  }
}

/**
 * Tags every desired replica that is still CREATING as soon as its table exists in its region
 * (settings.ts, tagCreatingReplica); each region once per operation.
 */
async function tagCreating(
  req: HandlerRequest<ReplicasProps>,
  state: HomeState,
  desired: ReplicaProps[],
  cp: Checkpoint,
  beforeChange: () => Promise<void>,
  changed: () => void,
): Promise<void> {
  for (const spec of desired) {
    if (cp.tagged.includes(spec.RegionName) || state.replicas.get(spec.RegionName)?.status !== 'CREATING') continue;
    if (await tagCreatingReplica({ clients: req.clients, log: req.log, stackId: req.stackId, home: state, props: req.properties, spec, beforeChange, changed }))
      cp.tagged.push(spec.RegionName);
  }
}

/**
 * The replica autoscaling of a replicated PROVISIONED table, for the whole group at once
 * (autoscaling.ts): read with DescribeTableReplicaAutoScaling, then one
 * UpdateTableReplicaAutoScaling with only what differs.
 */
async function syncGroupScaling(
  req: HandlerRequest<ReplicasProps>,
  state: HomeState,
  regions: string[],
  beforeChange: () => Promise<void>,
  changed: () => void,
): Promise<void> {
  const p = req.properties;
  if (p.BillingMode !== 'PROVISIONED' || regions.length === 0 || !(hasAutoscaling(p.Autoscaling) || hasAutoscaling(req.oldProperties?.Autoscaling))) return;
  const ddb = req.clients.dynamodb();
  const observed = await observeGroupScaling(ddb, p.TableName);
  const update = planReplicaScaling({
    tableName: p.TableName,
    home: req.clients.homeRegion,
    replicaRegions: regions.filter((r) => state.replicas.get(r)?.status === 'ACTIVE'),
    indexNames: state.indexNames,
    desired: p.Autoscaling,
    previous: req.oldProperties?.BillingMode === 'PROVISIONED' ? req.oldProperties.Autoscaling : undefined,
    observed,
  });
  if (!update) {
    req.log.info('replica autoscaling in sync', {});
    return;
  }
  await beforeChange();
  await ddb.send(new UpdateTableReplicaAutoScalingCommand(update));
  changed();
  req.log.info('replica autoscaling updated through DynamoDB', {
    write: update.ProvisionedWriteCapacityAutoScalingUpdate !== undefined,
    indexWrites: (update.GlobalSecondaryIndexUpdates ?? []).map((g) => g.IndexName).join(','),
    readRegions: (update.ReplicaUpdates ?? []).map((r) => r.RegionName).join(','),
  });
}

/**
 * Whether a Delete keeps the replicas, and why; undefined when it removes them. Which Delete it is
 * comes from CloudFormation's own status (StackContext): in the cleanup phase an Update has
 * either removed this resource from a template that keeps the table (ReplicaRegions removed: the
 * user asked for the replicas to go), or replaced it along with the table (UpdateReplacePolicy
 * decides, as CloudFormation does for the table itself); any other Delete goes with the table's
 * DeletionPolicy (CloudFormation user guide, "DeletionPolicy attribute", "UpdateReplacePolicy
 * attribute", "Update behaviors of stack resources").
 */
async function retainOnThisDelete(req: HandlerRequest<ReplicasProps>): Promise<string | undefined> {
  const p = req.properties;
  const stack = req.stack;
  // A create being rolled back (a failed stack create, or the cleanup of what a failed update
  // made): RetainExceptOnCreate deletes the table, so its replicas go too ("DeletionPolicy
  // attribute", RetainExceptOnCreate).
  const undoingACreate = stack?.status === 'ROLLBACK_IN_PROGRESS' || stack?.status === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
  const deletionKeeps = p.RetainOnDelete && !(undoingACreate && p.RetainExceptOnCreate === true);
  // UpdateReplacePolicy governs the OLD resource after a replacement; in a rollback's cleanup the
  // Delete is for the NEW one, made by the failed update, and its DeletionPolicy decides.
  if (stack?.replaced && !stack.status.startsWith('UPDATE_ROLLBACK'))
    return (p.RetainOnReplace ?? p.RetainOnDelete) ? 'the table was replaced and its UpdateReplacePolicy is Retain' : undefined;
  if (stack && stack.status.endsWith('_CLEANUP_IN_PROGRESS') && !stack.replaced && p.TableLogicalId !== undefined && (await stack.keeps(p.TableLogicalId)))
    return undefined;
  return deletionKeeps ? "the table's DeletionPolicy is Retain" : undefined;
}

/** The resource's attributes (Fn::GetAtt) besides PendingRegions. */
function attributes(p: ReplicasProps, regions: string[], witnesses: string[]): Record<string, string> {
  return { TableName: p.TableName, Regions: regions.join(','), MultiRegionConsistency: p.MultiRegionConsistency ?? 'EVENTUAL', Witnesses: witnesses.join(',') };
}

/**
 * Why the replica in `region` must not be deleted, or undefined. Ownership of the replica in its
 * own region, before anything there changes: a table tagged for another stack is never deleted;
 * an untagged one is a member of our group. A protected replica cannot be deleted (R8).
 */
async function deleteRefusal(req: HandlerRequest<ReplicasProps>, state: HomeState, region: string): Promise<string | undefined> {
  const p = req.properties;
  const own = await observeReplicaOwnership(req.clients, state, region, req.stackId);
  if (own === 'foreign') {
    return (
      `The replica of ${p.TableName} in ${region} carries an ${OWNER_TAG_KEY} tag naming another stack, so it was not deleted. Nothing was ` +
      `changed in ${region}. ` +
      `If that table really is this stack's, set its ${OWNER_TAG_KEY} tag to this stack's ID deliberately and retry; otherwise delete it ` +
      `by hand or leave it.`
    );
  }
  const replica = await describeTable(req.clients.dynamodb(region), p.TableName);
  if (replica?.DeletionProtectionEnabled) {
    return (
      `The replica of ${p.TableName} in ${region} has deletion protection enabled, so it was not deleted. ` +
      `To delete it, turn protection off first: aws dynamodb update-table --region ${region} --table-name ${p.TableName} ` +
      `--no-deletion-protection-enabled ` +
      `(or set DeletionProtectionEnabled: false for that replica and update the stack before removing the region), then retry. To keep ` +
      `it, leave ${region} in ReplicaRegions.`
    );
  }
  return undefined;
}

/** Deleting a replica does not remove its Region's Application Auto Scaling targets (ReplicationGroupUpdate API reference): they go first. */
async function removeReplicaScaling(
  req: HandlerRequest<ReplicasProps>,
  state: HomeState,
  region: string,
  beforeChange: () => Promise<void>,
  changed: () => void,
): Promise<void> {
  const old = req.requestType === 'Delete' ? req.properties : req.oldProperties;
  if (region === req.clients.homeRegion || !(state.billingMode === 'PROVISIONED' || old?.BillingMode === 'PROVISIONED')) return;
  await beforeChange();
  await removeRegionScaling(req.clients.autoscaling(region), req.properties.TableName, state.indexNames, changed);
}

/**
 * DynamoDB enables multi-Region strong consistency only on an empty table (developer guide, the
 * MRSC example: "Table must be empty when enabling MRSC"). DescribeTable's ItemCount is refreshed
 * only about every six hours, so one item is looked for with a Scan of Limit 1, strongly
 * consistent: an eventually consistent Scan "might not contain the results from other recently
 * completed write operations" (Scan API reference, ConsistentRead).
 */
async function emptinessRefusal(req: HandlerRequest<ReplicasProps>): Promise<string | undefined> {
  const name = req.properties.TableName;
  const out = await req.clients.dynamodb().send(new ScanCommand({ TableName: name, Limit: 1, Select: 'COUNT', ConsistentRead: true }));
  if ((out.Count ?? 0) === 0 && out.LastEvaluatedKey === undefined) return undefined;
  return (
    `Table ${name} has items, and DynamoDB enables multi-Region strong consistency (MultiRegionConsistency STRONG) only on an empty table. ` +
    'Create the MRSC table empty and load it afterwards (Load runs after the replicas), or use MultiRegionConsistency EVENTUAL. No replica was created.'
  );
}

/**
 * The answer of a rollback that cannot re-create an MRSC group: DynamoDB enables multi-Region
 * strong consistency only on an empty table (the developer guide's MRSC example, "Table must be
 * empty when enabling MRSC"), and the table got items while it had its replicas. SUCCESS, with
 * what is really there as attributes and the reason in the stack events; nothing is changed.
 */
function cannotRestoreMrsc(
  req: HandlerRequest<ReplicasProps>,
  step: { regions: string[]; witnesses: string[] },
  physicalResourceId: string,
  memo: { memo?: ReplicasMemo },
): HandlerResult {
  const name = req.properties.TableName;
  const what = [...step.regions, ...step.witnesses.map((w) => `${w} (witness)`)].join(', ');
  const reason =
    `The rollback cannot restore the MRSC replicas of ${name} in ${what}: the table has items now, and DynamoDB enables multi-Region strong ` +
    `consistency only on an empty table. ${name} stays a single-Region table in ${req.clients.homeRegion}, with all its items; nothing was ` +
    'changed. CloudFormation now records the MRSC properties, so deploying the same template again changes nothing: to have MRSC again, ' +
    'create an empty table with it and load the items into it.';
  req.log.warn(reason, { regions: step.regions.join(','), witnesses: step.witnesses.join(',') });
  return {
    status: 'done',
    physicalResourceId,
    data: { TableName: name, Regions: '', MultiRegionConsistency: 'EVENTUAL', Witnesses: '', PendingRegions: '' },
    reason,
    ...memo,
  };
}

/** A replica's GlobalSecondaryIndexes entry naming an index the table does not have, refused before any change. */
function unknownIndexes(desired: ReplicaProps[], state: HomeState): string | undefined {
  for (const [i, spec] of desired.entries()) {
    for (const g of spec.GlobalSecondaryIndexes ?? []) {
      if (state.indexNames.includes(g.IndexName)) continue;
      return (
        `Replicas[${i}].GlobalSecondaryIndexes names ${g.IndexName}, but table ${state.tableName} has ` +
        `${state.indexNames.length ? `only ${state.indexNames.join(', ')}` : 'no global secondary index'}. Nothing was changed.`
      );
    }
  }
  return undefined;
}

/** Sends one UpdateTable of replica (and witness) actions; a table that turned UPDATING meanwhile is simply waited for. */
async function sendReplicaUpdate(
  req: HandlerRequest<ReplicasProps>,
  update: Pick<UpdateTableCommandInput, 'ReplicaUpdates' | 'GlobalTableWitnessUpdates' | 'MultiRegionConsistency'>,
): Promise<void> {
  try {
    await req.clients.dynamodb().send(new UpdateTableCommand({ TableName: req.properties.TableName, ...update }));
  } catch (e) {
    // ResourceInUseException: "You tried to update a resource that was already being updated";
    // LimitExceededException: too many concurrent control-plane operations. Both clear by waiting.
    if (awsErrorName(e) === 'ResourceInUseException' || awsErrorName(e) === 'LimitExceededException') {
      req.log.warn('table busy; waiting before the next step', { error: awsErrorName(e) });
      return;
    }
    throw e;
  }
}

function createAction(spec: ReplicaProps): CreateReplicationGroupMemberAction {
  return {
    RegionName: spec.RegionName,
    ...(spec.KmsKeyArn ? { KMSMasterKeyId: spec.KmsKeyArn } : {}),
    ...(spec.ReadCapacity !== undefined ? { ProvisionedThroughputOverride: { ReadCapacityUnits: spec.ReadCapacity } } : {}),
    ...(spec.MaxReadRequestUnits !== undefined ? { OnDemandThroughputOverride: { MaxReadRequestUnits: spec.MaxReadRequestUnits } } : {}),
    ...(spec.TableClass ? { TableClassOverride: spec.TableClass as 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS' } : {}),
  };
}

/**
 * Global-table preconditions, refused before any replica is created:
 * - streams with NEW_AND_OLD_IMAGES (DynamoDB replicates through the stream; the AWS
 *   multi-region example creates the table with StreamViewType=NEW_AND_OLD_IMAGES first);
 * - "A global table must be in on-demand mode or provisioned with auto scaling enabled"
 *   (DynamoDB developer guide, global table design: throughput).
 */
async function createPrecondition(req: HandlerRequest<ReplicasProps>, state: HomeState, strong = false): Promise<string | undefined> {
  const name = req.properties.TableName;
  // MRSC replicates synchronously, not through the stream (the developer guide's MRSC example
  // creates its table without one), so only eventual consistency needs it.
  if (!strong && state.streamViewType !== 'NEW_AND_OLD_IMAGES') {
    return (
      `Table ${name} needs a stream with StreamViewType NEW_AND_OLD_IMAGES before it can have replicas (it has ${state.streamViewType ?? 'no stream'}). ` +
      'Set StreamEnabled: true and StreamViewType: NEW_AND_OLD_IMAGES on the table and update the stack. No replica was created.'
    );
  }
  if (state.billingMode === 'PROVISIONED' && !(await hasWriteScaling(req.clients.autoscaling(), name))) {
    return (
      `Table ${name} is PROVISIONED without write autoscaling; a global table must be PAY_PER_REQUEST or have write autoscaling. ` +
      'Set BillingMode: PAY_PER_REQUEST, or AutoscalingEnabled: true with AutoscalingWrite, and update the stack. No replica was created.'
    );
  }
  return undefined;
}

/**
 * Answers before every replica is ACTIVE, in two cases:
 * - WaitForReplication: false. Everything that could be started has been; what remains is
 *   replicas in CREATING, which for a large table can take hours (more than a custom resource's
 *   one-hour ServiceTimeout). Settings of replicas still CREATING are applied by the next
 *   reconcile (the next stack update), which waits for anything still in flight first.
 * - A rollback (`why.rollback`): it answers SUCCESS at once instead of waiting hours for a replica
 *   the failed update added, and remembers that replica (memo) for the next request to remove
 *   once it is ACTIVE; the log says exactly what happens next.
 * Either way, replicas that are ACTIVE get their settings now.
 */
async function finishEarly(
  req: HandlerRequest<ReplicasProps>,
  state: HomeState,
  cp: Checkpoint,
  physicalResourceId: string,
  beforeChange: () => Promise<void>,
  changed: () => void,
  why: { rollback: boolean; removing: string[] },
  memo: ReplicasMemo,
): Promise<HandlerResult> {
  const p = req.properties;
  const desiredRegions = p.Replicas.map((r) => r.RegionName);
  const left = leftoverNotes(state, desiredRegions, why.removing);
  const pending = [...left.pendingRegions];
  for (const spec of p.Replicas) {
    const r = state.replicas.get(spec.RegionName);
    if (!r || r.status !== 'ACTIVE' || cp.synced.includes(spec.RegionName)) continue;
    const outcome = await syncReplica({
      clients: req.clients,
      log: req.log,
      stackId: req.stackId,
      home: state,
      props: p,
      oldProps: req.oldProperties,
      spec,
      beforeChange,
      changed,
    });
    if (outcome.kind !== 'synced') pending.push(spec.RegionName);
    else cp.synced.push(spec.RegionName);
  }
  const next = nextMemo(memo, left.pendingRemoval, desiredRegions, state.replicas.keys());
  if (why.rollback && left.notes.length > 0) {
    req.log.warn(`${left.notes.join('. ')}.`, { pendingRemoval: next.pendingRemoval.join(','), pendingRegions: pending.join(',') });
  } else {
    req.log.info('answering without waiting for replication', { pending: pending.join(',') });
  }
  return {
    status: 'done',
    physicalResourceId,
    data: {
      ...attributes(
        p,
        desiredRegions,
        (p.GlobalTableWitnesses ?? []).map((w) => w.Region),
      ),
      PendingRegions: [...new Set(pending)].join(','),
    },
    memo: next,
    // Shown in the stack events: what was left, and what happens to it next.
    ...(left.notes.length > 0 ? { reason: `${left.notes.join('. ')}.` } : {}),
  };
}
