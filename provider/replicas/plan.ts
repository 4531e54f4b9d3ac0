/**
 * The next structural step, a pure function of observed state.
 *
 * DynamoDB rules encoded here (sources in docs/replicas.md):
 * - UpdateTable needs the table ACTIVE; "While it's UPDATING, you can't issue another
 *   UpdateTable request" (UpdateTable API reference), so every step waits for ACTIVE first.
 * - One replica create or delete per UpdateTable ("you can only add or remove a single replica
 *   in each update", AWS::DynamoDB::GlobalTable docs; the AWS multi-region example removes
 *   replicas "one-by-one").
 * - Deletes go before creates, so a region swap never needs more capacity than asked for.
 */
import type { HomeState } from './observe';

export type Step =
  | { kind: 'fail'; reason: string }
  /** Something is in flight. onlyCreating: all of it is healthy replica creation. */
  | { kind: 'wait'; reason: string; onlyCreating: boolean }
  | { kind: 'delete'; region: string }
  | { kind: 'create'; region: string }
  /** MRSC: every replica and the witness in one UpdateTable, with MultiRegionConsistency STRONG. */
  | { kind: 'create-group'; regions: string[]; witnesses: string[] }
  /** MRSC: every replica and the witness removed in one UpdateTable (the witness only with a replica). */
  | { kind: 'delete-group'; regions: string[]; witnesses: string[] }
  /** The replica set is as desired: per-replica settings come next. */
  | { kind: 'settled' };

const TRANSITIONAL = new Set(['CREATING', 'UPDATING', 'DELETING', 'ARCHIVING']);

export function failureFor(tableName: string, region: string, status: string, description?: string): string | undefined {
  const detail = description ? ` (${description})` : '';
  switch (status) {
    case 'CREATION_FAILED':
      return (
        `The replica of ${tableName} in ${region} failed to create${detail}. Fix the cause (for a KmsKeyArn, the key must exist in ${region} ` +
        `and allow DynamoDB), or remove ${region} from ReplicaRegions, then update the stack.`
      );
    case 'INACCESSIBLE_ENCRYPTION_CREDENTIALS':
      return (
        `The replica of ${tableName} in ${region} cannot use its KMS key${detail}. Re-enable the key or restore DynamoDB's access to it, then ` +
        `update the stack.`
      );
    case 'REPLICATION_NOT_AUTHORIZED':
      return (
        `DynamoDB is not authorized to replicate ${tableName} to ${region}${detail}. Check the AWSServiceRoleForDynamoDBReplication ` +
        `service-linked role, then update the stack.`
      );
    case 'REGION_DISABLED':
      return (
        `Region ${region} is disabled for this account, so the replica of ${tableName} there cannot be managed. Enable the region or remove it ` +
        `from ReplicaRegions.`
      );
    case 'ARCHIVED':
      return `The replica of ${tableName} in ${region} is archived${detail}. Remove ${region} from ReplicaRegions, update the stack, then add it again.`;
    default:
      return undefined;
  }
}

export function planStructure(home: HomeState, desired: string[], removing: string[]): Step {
  const relevant = new Set([...desired, ...removing]);
  for (const r of home.replicas.values()) {
    if (!relevant.has(r.region)) continue;
    const failure = failureFor(home.tableName, r.region, r.status, r.statusDescription);
    // A replica in a failed state that is being removed anyway is simply deleted next.
    if (failure && !removing.includes(r.region)) return { kind: 'fail', reason: failure };
  }
  const inFlight = [...home.replicas.values()].filter((r) => TRANSITIONAL.has(r.status));
  if (home.status !== 'ACTIVE' || inFlight.length > 0) {
    const onlyCreating = inFlight.length > 0 && inFlight.every((r) => r.status === 'CREATING');
    const what = inFlight.map((r) => `${r.region} ${r.status}`).join(', ');
    return { kind: 'wait', reason: `table ${home.status}${what ? `; replicas: ${what}` : ''}`, onlyCreating };
  }
  const toDelete = removing.filter((r) => home.replicas.has(r) && !desired.includes(r)).sort();
  if (toDelete.length > 0) return { kind: 'delete', region: toDelete[0] };
  const toCreate = desired.filter((r) => !home.replicas.has(r));
  if (toCreate.length > 0) return { kind: 'create', region: toCreate[0] };
  return { kind: 'settled' };
}

/**
 * What this resource asks to remember between requests (HandlerResult `memo`): regions whose
 * replica it still has to remove. A rollback cannot wait hours for a replica the failed update
 * added to finish creating (CloudFormation: "If your stack fails to update and is rolled back
 * while adding a new replica, you might need to manually delete the replica",
 * AWS::DynamoDB::GlobalTable docs), so it answers at once and the next request removes it.
 */
export interface ReplicasMemo {
  pendingRemoval: string[];
}

export function readMemo(raw: unknown): ReplicasMemo {
  const list = (raw as Partial<ReplicasMemo> | undefined)?.pendingRemoval;
  return { pendingRemoval: Array.isArray(list) ? list.filter((r): r is string => typeof r === 'string') : [] };
}

/**
 * The managed regions this request removes: those the previous properties had and the new ones
 * do not (every listed region on a Delete that removes replicas), plus the regions remembered as
 * pending removal, unless the new properties list them again. Pure.
 */
export function regionsToRemove(
  requestType: 'Create' | 'Update' | 'Delete',
  desired: string[],
  listed: string[],
  previous: string[],
  memo: ReplicasMemo,
): string[] {
  const base = requestType === 'Delete' ? listed : previous.filter((r) => !desired.includes(r));
  const out = [...base];
  for (const r of memo.pendingRemoval) if (!desired.includes(r) && !out.includes(r)) out.push(r);
  return out;
}

/**
 * The memo to answer with: regions still to remove later. `leftFor` are the regions this answer
 * leaves behind on purpose (a rollback's); the earlier memo's regions stay until their replica is
 * gone or the properties list them again. Pure.
 */
export function nextMemo(memo: ReplicasMemo, leftFor: string[], desired: string[], present: Iterable<string>): ReplicasMemo {
  const here = new Set(present);
  const pending = [...new Set([...memo.pendingRemoval, ...leftFor])].filter((r) => here.has(r) && !desired.includes(r)).sort();
  return { pendingRemoval: pending };
}

/**
 * What a rollback that answers before the replica work is done leaves for later, in words: one
 * sentence per region, for the log and the answer. Pure.
 */
export function leftoverNotes(home: HomeState, desired: string[], removing: string[]): { pendingRemoval: string[]; pendingRegions: string[]; notes: string[] } {
  const notes: string[] = [];
  const pendingRemoval: string[] = [];
  const pendingRegions: string[] = [];
  for (const r of [...removing].sort()) {
    const seen = home.replicas.get(r);
    if (!seen || desired.includes(r)) continue;
    pendingRemoval.push(r);
    notes.push(
      seen.status === 'CREATING'
        ? `replica in ${r} is still being created; the next deploy of this stack removes it`
        : `replica in ${r} could not be removed yet (the table is busy with another replica); the next deploy of this stack removes it`,
    );
  }
  for (const r of desired) {
    const seen = home.replicas.get(r);
    if (seen?.status === 'ACTIVE') continue;
    pendingRegions.push(r);
    notes.push(
      seen
        ? `replica in ${r} is still being created; the next deploy of this stack applies its settings`
        : `replica in ${r} could not be created yet (the table is busy with another replica); the next deploy of this stack creates it if it still lists ${r}`,
    );
  }
  return { pendingRemoval, pendingRegions, notes };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Whether the MRSC planner decides this request: the desired mode is STRONG, or the table already
 * is an MRSC table. The mode is that of the replicas: a table with neither replicas nor a witness
 * is a single-Region table whatever MultiRegionConsistency DescribeTable still reports (deleting
 * the witness with a replica "converts the remaining replica to a single-Region DynamoDB table",
 * GlobalTableWitnessGroupUpdate), and may become either kind of global table.
 */
export function isMrsc(home: HomeState, desiredStrong: boolean): boolean {
  return desiredStrong || home.witnesses.size > 0 || (home.consistency === 'STRONG' && home.replicas.size > 0);
}

/**
 * The next step of a table whose replicas are (or are to be) multi-Region strongly consistent.
 * Pure. DynamoDB's rules (DynamoDB API reference):
 * - the mode is set when the global table is created, by the UpdateTable whose ReplicaUpdates
 *   create it (UpdateTable, MultiRegionConsistency), and cannot change afterwards (developer guide,
 *   "How DynamoDB global tables work", Consistency modes): an existing eventually consistent group
 *   never becomes STRONG, nor an MRSC group EVENTUAL;
 * - an MRSC table spans exactly three Regions, so its replicas and witness are created together
 *   ("The witness must be added when creating the MRSC global table", GlobalTableWitnessGroupUpdate);
 * - a witness is removed only together with a replica, which leaves a single-Region table
 *   (GlobalTableWitnessGroupUpdate.Delete): the group is dismantled in one UpdateTable, and any
 *   other change of its Regions is refused.
 */
export function planMrsc(home: HomeState, desiredStrong: boolean, desired: string[], desiredWitnesses: string[], removing: string[]): Step {
  for (const r of home.replicas.values()) {
    const failure = failureFor(home.tableName, r.region, r.status, r.statusDescription);
    if (failure && (desired.length > 0 || !removing.includes(r.region))) return { kind: 'fail', reason: failure };
  }
  const inFlight = [...home.replicas.values()].filter((r) => TRANSITIONAL.has(r.status)).map((r) => `${r.region} ${r.status}`);
  const witnessesInFlight = [...home.witnesses].filter(([, s]) => s !== 'ACTIVE').map(([w, s]) => `witness ${w} ${s}`);
  if (home.status !== 'ACTIVE' || inFlight.length + witnessesInFlight.length > 0) {
    const onlyCreating = [...home.replicas.values(), ...[...home.witnesses.values()].map((status) => ({ status }))]
      .filter((r) => TRANSITIONAL.has(r.status))
      .every((r) => r.status === 'CREATING');
    const what = [...inFlight, ...witnessesInFlight].join(', ');
    return { kind: 'wait', reason: `table ${home.status}${what ? `; replicas: ${what}` : ''}`, onlyCreating: onlyCreating && what.length > 0 };
  }
  const regions = [...home.replicas.keys()];
  const witnesses = [...home.witnesses.keys()];
  const name = home.tableName;
  if (regions.length === 0 && witnesses.length === 0) {
    if (desired.length === 0) return { kind: 'settled' };
    // A single-Region table (isMrsc): eventually consistent replicas are the MREC planner's.
    if (!desiredStrong) return planStructure(home, desired, removing);
    return { kind: 'create-group', regions: desired, witnesses: desiredWitnesses };
  }
  const current = home.consistency === 'STRONG' || witnesses.length > 0 ? 'STRONG' : 'EVENTUAL';
  const wanted = desiredStrong ? 'STRONG' : 'EVENTUAL';
  if (desired.length === 0 && desiredWitnesses.length === 0) {
    // STRONG with ReplicaRegions: [] on an eventually consistent group: the first step of a mode
    // change removes its replicas, one per UpdateTable as for any MREC removal.
    if (current === 'EVENTUAL') return planStructure(home, desired, removing);
    const foreign = regions.filter((r) => !removing.includes(r));
    if (foreign.length > 0) {
      return {
        kind: 'fail',
        reason:
          `Table ${name} is an MRSC table whose replica in ${foreign.join(', ')} this resource does not manage; an MRSC table's replicas and witness ` +
          'are removed together, so none was removed. Remove that replica by hand (with the others), or list it again. Nothing was changed.',
      };
    }
    return { kind: 'delete-group', regions, witnesses };
  }
  if (current !== wanted) {
    return {
      kind: 'fail',
      reason:
        `Table ${name} is already a global table with MultiRegionConsistency ${current}, and the template asks for ${wanted}: DynamoDB fixes the ` +
        `consistency mode when the replicas are created and cannot change it. To change it, deploy ReplicaRegions: [] (and no ` +
        `GlobalTableWitnesses) to remove the replicas, then deploy the new mode${wanted === 'STRONG' ? ' on the table while it is empty' : ''}. ` +
        'Nothing was changed.',
    };
  }
  if (sameSet(regions, desired) && sameSet(witnesses, desiredWitnesses)) return { kind: 'settled' };
  return {
    kind: 'fail',
    reason:
      `Table ${name} is an MRSC table in ${[...regions, ...witnesses.map((w) => `${w} (witness)`)].join(', ')}; the template asks for ` +
      `${[...desired, ...desiredWitnesses.map((w) => `${w} (witness)`)].join(', ') || 'no replicas'}. An MRSC table's three Regions are fixed when it ` +
      'is created (its replicas and witness are created together, and a witness is removed only with a replica). To change them, deploy ' +
      'ReplicaRegions: [] without GlobalTableWitnesses first, then the new Regions on the table while it is empty. Nothing was changed.',
  };
}
