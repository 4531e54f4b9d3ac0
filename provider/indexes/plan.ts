/**
 * What the indexes resource does next, decided from observed state alone (pure; tested on its own).
 *
 * The order is Terraform's (terraform-provider-aws, internal/service/dynamodb/table.go,
 * resourceTableUpdate): deletes first, then updates of existing indexes, then creates, and never
 * more than one create or delete per UpdateTable: "You can create or delete only one global
 * secondary index per UpdateTable operation" (DynamoDB API reference, UpdateTable). Each step
 * waits until no index of the table is CREATING, UPDATING or DELETING, and a new index until it
 * is ACTIVE and no longer Backfilling: only one online index creation or deletion runs per table
 * at a time ("Only 1 online index can be created or deleted simultaneously per table"), and while
 * an index is being allocated nothing else may change (DynamoDB developer guide, "Managing global
 * secondary indexes", phases of index creation).
 *
 * Safety: an index is deleted only when this resource manages it (it is in the properties, the
 * previous properties, or the memo of indexes it created or adopted). An index nobody declared is
 * left alone. A declared index that exists with another key schema or projection is re-created
 * (delete, then create) when it is managed; when it is not, the operation is refused before
 * anything changes.
 */
import type { GsiProps } from '../../contract/resources';

export interface LiveIndex {
  name: string;
  keySchema: { AttributeName: string; KeyType: string }[];
  projection: { ProjectionType: string; NonKeyAttributes?: string[] };
  /** IndexStatus: CREATING | UPDATING | DELETING | ACTIVE. */
  status: string;
  backfilling: boolean;
  provisioned?: { read?: number; write?: number };
  onDemand?: { MaxReadRequestUnits?: number; MaxWriteRequestUnits?: number };
  warm?: { ReadUnitsPerSecond?: number; WriteUnitsPerSecond?: number };
}

export interface TableState {
  status: string;
  /** AttributeDefinitions as DescribeTable reports them (the table's and its indexes' key attributes). */
  attributes: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  indexes: Map<string, LiveIndex>;
}

export type UpdateKind = 'ProvisionedThroughput' | 'OnDemandThroughput' | 'WarmThroughput';

export type Step =
  | { kind: 'refuse'; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'delete'; index: string; why: 'removed' | 'redefined' }
  /** `set`: the values to send (a dimension the template did not change keeps its live value). */
  | { kind: 'update'; index: GsiProps; what: UpdateKind; set: Record<string, number> }
  | { kind: 'create'; index: GsiProps }
  | { kind: 'settled' };

export interface PlanInput {
  desired: GsiProps[];
  /** Every index name this resource manages (see the header). */
  managed: ReadonlySet<string>;
  /** The previous properties' indexes (Update only): a throughput is set only when the template changed it. */
  previous?: GsiProps[];
  /** Updates already made in this operation (`<index>|<kind>`), so none is repeated. */
  done: ReadonlySet<string>;
  /** The declared key attributes' types (the resource's AttributeDefinitions). */
  attributes?: { AttributeName: string; AttributeType: string }[];
  table: TableState;
}

const keysOf = (k: { AttributeName: string; KeyType: string }[]) => k.map((x) => `${x.KeyType}:${x.AttributeName}`).join(',');
const projectionOf = (p: { ProjectionType: string; NonKeyAttributes?: string[] }) =>
  `${p.ProjectionType}:${p.ProjectionType === 'INCLUDE' ? [...(p.NonKeyAttributes ?? [])].sort().join(',') : ''}`;

/**
 * Why a live index does not have the declared definition, or undefined when it does. A key
 * attribute whose declared type differs from the table's is a different key too: DynamoDB keeps
 * one type per attribute name, and CloudFormation replaces a table whose AttributeDefinition is
 * edited (AWS::DynamoDB::Table, AttributeDefinitions: "Replacement if you edit an existing AttributeDefinition").
 */
export function definitionDiffers(want: GsiProps, live: LiveIndex, declared: PlanInput['attributes'] = [], table?: TableState): string | undefined {
  if (keysOf(want.KeySchema) !== keysOf(live.keySchema)) return `key schema ${keysOf(live.keySchema)} -> ${keysOf(want.KeySchema)}`;
  for (const k of want.KeySchema) {
    const was = table?.attributes.find((a) => a.AttributeName === k.AttributeName)?.AttributeType;
    const now = declared.find((a) => a.AttributeName === k.AttributeName)?.AttributeType;
    if (was !== undefined && now !== undefined && was !== now) return `type of ${k.AttributeName} ${was} -> ${now}`;
  }
  if (projectionOf(want.Projection) !== projectionOf(live.projection)) return `projection ${projectionOf(live.projection)} -> ${projectionOf(want.Projection)}`;
  return undefined;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The one update an existing, correctly defined index needs next, if any, with what to send. */
function updateFor(want: GsiProps, live: LiveIndex, input: PlanInput): { what: UpdateKind; set: Record<string, number> } | undefined {
  const was = input.previous?.find((p) => p.IndexName === want.IndexName);
  const pending = (k: UpdateKind) => !input.done.has(`${want.IndexName}|${k}`);
  // Provisioned capacity floats under autoscaling, so it is set only when the template changed it
  // (as CloudFormation's own handler does), never to undo autoscaling's work.
  const t = want.ProvisionedThroughput;
  if (
    input.table.billingMode === 'PROVISIONED' &&
    t !== undefined &&
    was?.ProvisionedThroughput !== undefined &&
    !same(t, was.ProvisionedThroughput) &&
    (live.provisioned?.read !== t.ReadCapacityUnits || live.provisioned?.write !== t.WriteCapacityUnits) &&
    pending('ProvisionedThroughput')
  ) {
    // Only the dimension the template changed: the other keeps what autoscaling made of it.
    const prev = was.ProvisionedThroughput;
    return {
      what: 'ProvisionedThroughput',
      set: {
        ReadCapacityUnits: t.ReadCapacityUnits !== prev.ReadCapacityUnits ? t.ReadCapacityUnits : (live.provisioned?.read ?? t.ReadCapacityUnits),
        WriteCapacityUnits: t.WriteCapacityUnits !== prev.WriteCapacityUnits ? t.WriteCapacityUnits : (live.provisioned?.write ?? t.WriteCapacityUnits),
      },
    };
  }
  // The on-demand maximum; one the template no longer sets is removed with -1 ("To remove the
  // maximum OnDemandThroughput that is currently set ... set the value of MaxReadRequestUnits to
  // -1", OnDemandThroughput, DynamoDB API reference) when this resource had set it.
  const liveOd = (live.onDemand ?? {}) as Record<string, number | undefined>;
  const wasOd = (was?.OnDemandThroughput ?? {}) as Record<string, number | undefined>;
  const od: Record<string, number> = { ...(want.OnDemandThroughput as Record<string, number> | undefined) };
  for (const k of ['MaxReadRequestUnits', 'MaxWriteRequestUnits'])
    if (od[k] === undefined && wasOd[k] !== undefined && liveOd[k] !== undefined && liveOd[k] !== -1) od[k] = -1;
  if (
    input.table.billingMode === 'PAY_PER_REQUEST' &&
    Object.entries(od).some(([k, v]) => liveOd[k] !== v && !(v === -1 && liveOd[k] === undefined)) &&
    pending('OnDemandThroughput')
  )
    return { what: 'OnDemandThroughput', set: od };
  // Warm throughput only rises (DynamoDB API reference, WarmThroughput: it cannot be decreased).
  const w = want.WarmThroughput;
  if (w !== undefined && Object.entries(w).some(([k, v]) => ((live.warm as Record<string, number> | undefined)?.[k] ?? 0) < v) && pending('WarmThroughput'))
    return { what: 'WarmThroughput', set: w as Record<string, number> };
  return undefined;
}

export function planIndexes(input: PlanInput): Step {
  const { desired, managed, table } = input;
  // Refusals first, before any change: a declared index that someone else made differently.
  for (const want of desired) {
    const live = table.indexes.get(want.IndexName);
    if (!live || live.status === 'DELETING') continue;
    const differs = definitionDiffers(want, live, input.attributes, table);
    if (differs && !managed.has(want.IndexName)) {
      return {
        kind: 'refuse',
        reason:
          `Index ${want.IndexName} already exists with another definition (${differs}) and this stack does not manage it, so it was neither ` +
          'deleted nor re-created. Nothing was changed. Rename the declared index, or delete the existing one yourself if it is no longer needed.',
      };
    }
  }
  // An index being backfilled may be deleted ("Managing global secondary indexes": during the
  // backfilling phase you can delete the index being created): a managed index that is no longer
  // wanted, such as the one a rolled-back update added, stops backfilling at once.
  const unwanted = [...table.indexes.values()].find(
    (i) => i.status === 'CREATING' && i.backfilling && managed.has(i.name) && !desired.some((g) => g.IndexName === i.name),
  );
  if (unwanted) return { kind: 'delete', index: unwanted.name, why: 'removed' };
  const busy = [...table.indexes.values()].find((i) => i.status !== 'ACTIVE' || i.backfilling);
  if (busy) return { kind: 'wait', reason: `index ${busy.name} is ${busy.status}${busy.backfilling ? ' (backfilling)' : ''}` };
  if (table.status !== 'ACTIVE') return { kind: 'wait', reason: `table is ${table.status}` };

  const wanted = new Map(desired.map((g) => [g.IndexName, g]));
  for (const live of table.indexes.values()) {
    if (!managed.has(live.name)) continue;
    const want = wanted.get(live.name);
    if (!want) return { kind: 'delete', index: live.name, why: 'removed' };
    if (definitionDiffers(want, live, input.attributes, table)) return { kind: 'delete', index: live.name, why: 'redefined' };
  }
  for (const want of desired) {
    const live = table.indexes.get(want.IndexName);
    if (!live) continue;
    const update = updateFor(want, live, input);
    if (update) return { kind: 'update', index: want, ...update };
  }
  const missing = desired.find((g) => !table.indexes.has(g.IndexName));
  if (missing) return { kind: 'create', index: missing };
  return { kind: 'settled' };
}
