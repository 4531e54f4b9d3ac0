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
import { DescribeTableCommand, UpdateTableCommand, type CreateReplicationGroupMemberAction, type ReplicationGroupUpdate } from '@aws-sdk/client-dynamodb';
import { REPLICAS_RESOURCE_TYPE, type ReplicaProps } from '../../common/contract';
import { awsErrorName } from '../aws';
import { resourceId } from '../protocol/physical-id';
import type { HandlerRequest, HandlerResult, ResourceHandler } from '../types';
import { hasWriteScaling, removeScaling, scalingDimensions } from './autoscaling';
import { observeHome, type HomeState } from './observe';
import { planStructure } from './plan';
import { parseReplicasProps, type ReplicasProps } from './props';
import { Refusal, syncReplica } from './settings';

export interface PollOptions {
  /** First wait between two observations (ms); doubles up to maxMs. */
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_POLL: PollOptions = { initialMs: 2000, maxMs: 15000 };

interface Checkpoint {
  /** True once this operation changed anything (a failed Create then keeps its real ID for cleanup). */
  mutated: boolean;
  /** Regions whose settings are in sync during this operation. */
  synced: string[];
}

function readCheckpoint(raw: unknown): Checkpoint {
  const c = (raw ?? {}) as Partial<Checkpoint>;
  return { mutated: c.mutated === true, synced: Array.isArray(c.synced) ? c.synced.filter((s): s is string => typeof s === 'string') : [] };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Aborted extends Error {}

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
  const physicalResourceId = resourceId('replicas', p.TableName);
  const home = req.clients.homeRegion;
  const log = req.log;

  if (req.requestType === 'Delete') {
    const keep = await retainOnThisDelete(req);
    if (keep) {
      log.info('Delete: the replicas stay', { table: p.TableName, why: keep });
      return { status: 'done', physicalResourceId };
    }
  }
  if (p.Replicas.some((r) => r.RegionName === home)) {
    return { status: 'failed', reason: `ReplicaRegions must not include the table's own region (${home}): the table itself is the replica there. Nothing was changed.` };
  }

  const desired: ReplicaProps[] = req.requestType === 'Delete' ? [] : p.Replicas;
  const desiredRegions = desired.map((r) => r.RegionName);
  const removing =
    req.requestType === 'Delete'
      ? p.Replicas.map((r) => r.RegionName)
      : (req.oldProperties?.Replicas ?? []).map((r) => r.RegionName).filter((r) => !desiredRegions.includes(r));
  // Only regions this resource manages are ever deleted: replicas someone else added stay.

  const ddb = req.clients.dynamodb();
  const beforeChange = async () => {
    if (req.signal?.aborted) throw new Aborted();
    await req.assertCurrent?.();
  };
  let pause = poll.initialMs;
  const keepGoing = (): HandlerResult => ({
    status: 'continue',
    checkpoint: cp,
    ...(cp.mutated && req.requestType === 'Create' ? { physicalResourceId } : {}),
  });
  const failed = (reason: string): HandlerResult => ({
    status: 'failed',
    reason,
    ...(cp.mutated && req.requestType === 'Create' ? { physicalResourceId } : {}),
  });
  /** Waits one poll interval; false when that would pass the deadline. */
  const wait = async (): Promise<boolean> => {
    if (Date.now() + pause >= req.deadline) return false;
    await sleep(pause);
    pause = Math.min(pause * 2, poll.maxMs);
    return true;
  };
  const stepped = () => {
    cp.mutated = true;
    pause = poll.initialMs;
  };

  try {
    for (;;) {
      if (req.signal?.aborted || Date.now() >= req.deadline) return keepGoing();
      const state = await observeHome(ddb, p.TableName);
      if (!state) {
        if (req.requestType === 'Delete') return { status: 'done', physicalResourceId };
        return failed(`Table ${p.TableName} no longer exists in ${home}.`);
      }
      const step = planStructure(state, desiredRegions, removing);
      log.info('reconcile step', { step: step.kind, ...(step.kind === 'create' || step.kind === 'delete' ? { region: step.region } : {}), ...(step.kind === 'wait' ? { reason: step.reason } : {}) });
      switch (step.kind) {
        case 'fail':
          return failed(step.reason);
        case 'wait': {
          const pendingCreates = desiredRegions.filter((r) => !state.replicas.has(r));
          if (!p.WaitForReplication && step.onlyCreating && pendingCreates.length === 0 && removing.every((r) => !state.replicas.has(r))) {
            return await finishWithoutWaiting(req, state, cp, physicalResourceId, beforeChange);
          }
          if (!(await wait())) return keepGoing();
          continue;
        }
        case 'delete': {
          const region = step.region;
          const replica = await req.clients.dynamodb(region).send(new DescribeTableCommand({ TableName: p.TableName })).catch((e) => {
            if (awsErrorName(e) === 'ResourceNotFoundException') return undefined;
            throw e;
          });
          if (replica?.Table?.DeletionProtectionEnabled) {
            return failed(
              `The replica of ${p.TableName} in ${region} has deletion protection enabled, so it was not deleted. ` +
                `To delete it, turn protection off first: aws dynamodb update-table --region ${region} --table-name ${p.TableName} --no-deletion-protection-enabled ` +
                `(or set DeletionProtectionEnabled: false for that replica and update the stack before removing the region), then retry. To keep it, leave ${region} in ReplicaRegions.`,
            );
          }
          const old = req.requestType === 'Delete' ? p : req.oldProperties;
          const dims = old?.BillingMode === 'PROVISIONED' ? scalingDimensions(p.TableName, old.Autoscaling) : [];
          if (dims.length > 0) {
            await beforeChange();
            await removeScaling(req.clients.autoscaling(region), dims);
          }
          await beforeChange();
          await sendReplicaUpdate(req, { Delete: { RegionName: region } });
          log.info('replica deletion started', { region });
          stepped();
          continue;
        }
        case 'create': {
          const refusal = await createPrecondition(req, state);
          if (refusal) return failed(refusal);
          const spec = desired.find((r) => r.RegionName === step.region) as ReplicaProps;
          await beforeChange();
          await sendReplicaUpdate(req, { Create: createAction(spec) });
          log.info('replica creation started', { region: step.region });
          stepped();
          continue;
        }
        case 'settled': {
          const next = desired.find((r) => !cp.synced.includes(r.RegionName));
          if (!next) {
            return { status: 'done', physicalResourceId, data: { TableName: p.TableName, Regions: desiredRegions.join(','), PendingRegions: '' } };
          }
          const outcome = await syncReplica({ clients: req.clients, log, stackId: req.stackId, home: state, props: p, oldProps: req.oldProperties, spec: next, beforeChange });
          if (outcome.kind === 'stepped') {
            stepped();
            continue;
          }
          if (outcome.kind === 'not-ready') {
            if (!(await wait())) return keepGoing();
            continue;
          }
          if (outcome.changes > 0) cp.mutated = true;
          cp.synced.push(next.RegionName);
          continue;
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
  if (stack?.replaced) return (p.RetainOnReplace ?? p.RetainOnDelete) ? 'the table was replaced and its UpdateReplacePolicy is Retain' : undefined;
  if (stack && stack.status.endsWith('_CLEANUP_IN_PROGRESS') && p.TableLogicalId !== undefined && (await stack.keeps(p.TableLogicalId))) return undefined;
  return p.RetainOnDelete ? "the table's DeletionPolicy is Retain" : undefined;
}

/** Sends one ReplicaUpdates action; a table that turned UPDATING meanwhile is simply waited for. */
async function sendReplicaUpdate(req: HandlerRequest<ReplicasProps>, update: ReplicationGroupUpdate): Promise<void> {
  try {
    await req.clients.dynamodb().send(new UpdateTableCommand({ TableName: req.properties.TableName, ReplicaUpdates: [update] }));
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
async function createPrecondition(req: HandlerRequest<ReplicasProps>, state: HomeState): Promise<string | undefined> {
  const name = req.properties.TableName;
  if (state.streamViewType !== 'NEW_AND_OLD_IMAGES') {
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
 * WaitForReplication: false. Everything that could be started has been; what remains is
 * replicas in CREATING, which for a large table can take hours (more than a custom resource's
 * one-hour ServiceTimeout). Answer now; settings of replicas still CREATING are applied by the
 * next reconcile (the next stack update), which waits for anything still in flight first.
 */
async function finishWithoutWaiting(
  req: HandlerRequest<ReplicasProps>,
  state: HomeState,
  cp: Checkpoint,
  physicalResourceId: string,
  beforeChange: () => Promise<void>,
): Promise<HandlerResult> {
  const p = req.properties;
  const pending: string[] = [];
  for (const spec of p.Replicas) {
    const r = state.replicas.get(spec.RegionName);
    if (!r || r.status !== 'ACTIVE') {
      pending.push(spec.RegionName);
      continue;
    }
    if (cp.synced.includes(spec.RegionName)) continue;
    const outcome = await syncReplica({ clients: req.clients, log: req.log, stackId: req.stackId, home: state, props: p, oldProps: req.oldProperties, spec, beforeChange });
    if (outcome.kind !== 'synced') pending.push(spec.RegionName);
    else cp.synced.push(spec.RegionName);
  }
  req.log.info('answering without waiting for replication', { pending: pending.join(',') });
  return { status: 'done', physicalResourceId, data: { TableName: p.TableName, Regions: p.Replicas.map((r) => r.RegionName).join(','), PendingRegions: pending.join(',') } };
}
