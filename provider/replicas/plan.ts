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
  /** The replica set is as desired: per-replica settings come next. */
  | { kind: 'settled' };

const TRANSITIONAL = new Set(['CREATING', 'UPDATING', 'DELETING', 'ARCHIVING']);

export function failureFor(tableName: string, region: string, status: string, description?: string): string | undefined {
  const detail = description ? ` (${description})` : '';
  switch (status) {
    case 'CREATION_FAILED':
      return `The replica of ${tableName} in ${region} failed to create${detail}. Fix the cause (for a KmsKeyArn, the key must exist in ${region} and allow DynamoDB), or remove ${region} from ReplicaRegions, then update the stack.`;
    case 'INACCESSIBLE_ENCRYPTION_CREDENTIALS':
      return `The replica of ${tableName} in ${region} cannot use its KMS key${detail}. Re-enable the key or restore DynamoDB's access to it, then update the stack.`;
    case 'REPLICATION_NOT_AUTHORIZED':
      return `DynamoDB is not authorized to replicate ${tableName} to ${region}${detail}. Check the AWSServiceRoleForDynamoDBReplication service-linked role, then update the stack.`;
    case 'REGION_DISABLED':
      return `Region ${region} is disabled for this account, so the replica of ${tableName} there cannot be managed. Enable the region or remove it from ReplicaRegions.`;
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
