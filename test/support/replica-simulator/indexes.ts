/**
 * Online global secondary index operations as the replica simulator models them (opt-in: the
 * simulator's `indexPhases` option). moto_server 5.2.1 makes a new index ACTIVE at once, drops a
 * deleted one at once and accepts any number of index operations; real DynamoDB does not. Pure: no
 * I/O, the clock is passed in, so every rule is tested on its own
 * (test/integration/simulator/index-phases.test.ts). The proxy forwards the operation to moto,
 * then reports the phase this model computes in DescribeTable (and in UpdateTable's answer).
 *
 * Rules, each with its AWS source:
 * - R14 phases of an online index create: resource allocation (IndexStatus CREATING, Backfilling
 *   false), then backfilling (CREATING, Backfilling true), then ACTIVE (DynamoDB developer guide,
 *   "Managing global secondary indexes", section "Adding a global secondary index to an existing
 *   table", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.OnlineOps.html;
 *   DynamoDB API reference, GlobalSecondaryIndexDescription.Backfilling). During resource
 *   allocation the TABLE is UPDATING; once backfilling starts it is ACTIVE again while the index
 *   still backfills (measured on a real account: aws-controllers-k8s/dynamodb-controller,
 *   docs/api-quirks/table-indexes.md, DDB-TABLE-148). A delete shows IndexStatus DELETING, with the
 *   table UPDATING, until the index is gone (same finding; IndexStatus enum in
 *   GlobalSecondaryIndexDescription). moto drops the index at once, so the simulator re-inserts its
 *   last description as DELETING.
 * - R15 one online index create or delete at a time per table: a Create or Delete while another
 *   index of the table is CREATING or DELETING, and more than one Create/Delete in one UpdateTable,
 *   fail with LimitExceededException "Subscriber limit exceeded: Only 1 online index can be created
 *   or deleted simultaneously per table" (architect/architect#334 for the concurrent case;
 *   taoensso/faraday#80 for two updates in one call; both measured again in
 *   aws-controllers-k8s/dynamodb-controller docs/api-quirks/table-indexes.md DDB-TABLE-159;
 *   UpdateTable API reference, GlobalSecondaryIndexUpdates: "You can create or delete only one
 *   global secondary index per UpdateTable operation"). It is not a ValidationException: the
 *   public reports all show LimitExceededException, and DynamoDB Local answers the same. Several
 *   Update (throughput) actions in one call are accepted (DDB-TABLE-159). On a replicated table the
 *   index is created in every region (R17), so an index still CREATING or DELETING in any region of
 *   the group counts.
 * - R16 what an index's phase admits (GSI.OnlineOps, adding an index to an existing table: during
 *   resource allocation you cannot delete the index or its parent table, nor change table/index
 *   throughput; during backfilling you can delete the index and change throughput;
 *   GlobalSecondaryIndexDescription.Backfilling: "You can't delete the index that is being created
 *   when IndexStatus is set to CREATING and Backfilling is false"). The error texts are the real
 *   account's (ResourceInUseException; aws-controllers-k8s/dynamodb-controller docs/api-quirks:
 *   table-indexes.md DDB-TABLE-149, -150, -375, -376; table-subresources.md DDB-TABLE-163):
 *   - Delete of the index in resource allocation: "Attempt to change a resource which is still in
 *     use: Index creation is in resource allocation phase. Retry deletion during backfilling phase
 *     or when the index is active. Table: <t> Index: <i>".
 *   - table ProvisionedThroughput (or a billing mode switch) while an index is in resource
 *     allocation: "... Can't change table IOPS when an index is being created. Table: <t> Indexes:
 *     [<i>]"; while an index is DELETING: "... when an index is being deleted. ..." (the billing
 *     switch was measured while DELETING; during allocation it is refused by analogy, since it
 *     changes the table's throughput, which GSI.OnlineOps forbids then).
 *   - Update (throughput) of the index in resource allocation: "... Index is being created but is
 *     not backfilling yet. Table: <t> Index: <i>" (the finding quotes it without the common
 *     "Attempt to change a resource which is still in use: " prefix; the simulator adds it like the
 *     sibling messages have it); an Update of ANOTHER index is accepted.
 *   - Update, Delete or a new Create of an index that is DELETING: "... Index is being deleted.
 *     Table: <t> Index: <i>".
 *   - DeleteTable while any index is CREATING, UPDATING or DELETING: "Attempt to change a resource
 *     which is still in use: Cannot delete table while indexes are being created, updated, or
 *     deleted." (DDB-TABLE-150; GSI.OnlineOps: the parent table cannot be deleted meanwhile).
 * - R17 (in the proxy) on a replicated table an index created or deleted in one region is created
 *   or deleted in every other region too: "when you create a GSI in one Region it is automatically
 *   replicated to the other Region(s) as well as automatically backfilled" (DynamoDB developer
 *   guide, global tables prescriptive guidance, bp-global-table-design). Each region's copy goes
 *   through the same phases from the same start.
 *
 * Holds (`hold`): while held, a create stays CREATING with Backfilling true once its allocation is
 * over, whatever the clock says, so a test can keep it backfilling as long as it needs; releasing
 * makes it ACTIVE at the next look.
 */

import { SimError } from './group';

export interface IndexPhaseTimes {
  /** How long a new index stays CREATING with Backfilling false (resource allocation, ms). */
  allocationMs: number;
  /** How long it then stays CREATING with Backfilling true (ms). */
  backfillMs: number;
  /** How long a deleted index stays DELETING (ms). */
  deleteMs: number;
}

export type IndexPhase = 'allocation' | 'backfilling' | 'active' | 'deleting' | 'gone';

/** One index operation a client sent (and moto accepted), in the region it was sent to. */
export interface IndexOperation {
  region: string;
  table: string;
  index: string;
  kind: 'create' | 'delete' | 'update';
  /** Epoch ms when the simulator accepted it. */
  at: number;
}

interface CreateEntry {
  kind: 'create';
  allocationEnd: number;
  backfillEnd: number;
  /** A hold on it was released: ACTIVE as soon as allocation is over. */
  released: boolean;
}
interface DeleteEntry {
  kind: 'delete';
  end: number;
  /** The index's description before the delete, re-inserted as DELETING. */
  description: Record<string, unknown>;
  position: number;
}
type Entry = CreateEntry | DeleteEntry;

/** The few fields of UpdateTable's input the rules read. */
export interface IndexUpdateInput {
  TableName?: string;
  BillingMode?: string;
  ProvisionedThroughput?: unknown;
  GlobalSecondaryIndexUpdates?: { Create?: { IndexName?: string }; Delete?: { IndexName?: string }; Update?: { IndexName?: string } }[];
}

const IN_USE = 'Attempt to change a resource which is still in use: ';
export const ONE_ONLINE_INDEX = 'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table';

const key = (region: string, table: string, index: string) => `${region}|${table}|${index}`;

export class IndexPhases {
  private entries = new Map<string, Entry>();
  private holds = new Map<string, number>();

  /** undefined: off (moto's behaviour, nothing masked, nothing refused). Changes apply to operations started afterwards. */
  constructor(public times: IndexPhaseTimes | undefined) {}

  get enabled(): boolean {
    return this.times !== undefined;
  }

  private phaseOf(k: string, now: number): IndexPhase | undefined {
    const e = this.entries.get(k);
    if (!e) return undefined;
    if (e.kind === 'delete') {
      if (now < e.end) return 'deleting';
      this.entries.delete(k);
      return 'gone';
    }
    if (now < e.allocationEnd) return 'allocation';
    if ((this.holds.get(k) ?? 0) > 0) return 'backfilling';
    if (!e.released && now < e.backfillEnd) return 'backfilling';
    this.entries.delete(k);
    return 'active';
  }

  /** The phase of an index the simulator tracks; undefined when it does not (moto's status stands). */
  phase(region: string, table: string, index: string, now: number): IndexPhase | undefined {
    return this.phaseOf(key(region, table, index), now);
  }

  /** Indexes of `table` in `region` still in an online operation, with their phase. */
  inFlight(region: string, table: string, now: number): { index: string; phase: IndexPhase }[] {
    const prefix = `${region}|${table}|`;
    const out: { index: string; phase: IndexPhase }[] = [];
    for (const k of [...this.entries.keys()]) {
      if (!k.startsWith(prefix)) continue;
      const phase = this.phaseOf(k, now);
      if (phase === 'allocation' || phase === 'backfilling' || phase === 'deleting') out.push({ index: k.slice(prefix.length), phase });
    }
    return out;
  }

  /** Keeps a create of this index backfilling (after its allocation) until the returned function is called. */
  hold(region: string, table: string, index: string, now: number): () => void {
    const k = key(region, table, index);
    this.phaseOf(k, now); // settle first: a create already over stays over
    this.holds.set(k, (this.holds.get(k) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.holds.get(k) ?? 1) - 1;
      if (left > 0) {
        this.holds.set(k, left);
        return;
      }
      this.holds.delete(k);
      const e = this.entries.get(k);
      if (e?.kind === 'create') e.released = true;
    };
  }

  /**
   * R15 and R16 for an UpdateTable in `region` before it reaches moto. `regions`: every region of
   * the table's replication group (R17 puts each index operation in all of them); `billingMode`:
   * the table's billing mode now. Throws SimError when DynamoDB would refuse the call.
   */
  checkUpdate(region: string, input: IndexUpdateInput, billingMode: string | undefined, regions: string[], now: number): void {
    if (!this.enabled) return;
    const table = String(input.TableName ?? '');
    const updates = input.GlobalSecondaryIndexUpdates ?? [];
    const changing = updates.flatMap((u) => [u.Create, u.Delete].filter((x) => x !== undefined).map((x) => String(x?.IndexName ?? '')));
    // R15: more than one create or delete in one call.
    if (changing.length > 1) throw new SimError('LimitExceededException', ONE_ONLINE_INDEX);
    const busy = [...new Set([region, ...regions])].flatMap((r) => this.inFlight(r, table, now));
    const phaseOf = (index: string) => busy.find((b) => b.index === index)?.phase;
    // R16: what the phase of the named index admits.
    for (const u of updates) {
      const index = String((u.Create ?? u.Delete ?? u.Update)?.IndexName ?? '');
      const phase = phaseOf(index);
      if (phase === 'deleting') throw new SimError('ResourceInUseException', `${IN_USE}Index is being deleted. Table: ${table} Index: ${index}`);
      if (u.Delete && phase === 'allocation') {
        throw new SimError(
          'ResourceInUseException',
          `${IN_USE}Index creation is in resource allocation phase. Retry deletion during backfilling phase or when the index is active. ` +
            `Table: ${table} Index: ${index}`,
        );
      }
      if (u.Update && phase === 'allocation')
        throw new SimError('ResourceInUseException', `${IN_USE}Index is being created but is not backfilling yet. Table: ${table} Index: ${index}`);
    }
    // R15: another index of the table is CREATING or DELETING.
    if (changing.length === 1 && busy.some((b) => b.index !== changing[0])) throw new SimError('LimitExceededException', ONE_ONLINE_INDEX);
    // R16: the table's throughput while an index is allocated or deleted.
    const switching = input.BillingMode !== undefined && input.BillingMode !== (billingMode ?? 'PROVISIONED');
    if (input.ProvisionedThroughput !== undefined || switching) {
      const own = this.inFlight(region, table, now);
      const allocating = own.filter((b) => b.phase === 'allocation').map((b) => b.index);
      const deleting = own.filter((b) => b.phase === 'deleting').map((b) => b.index);
      if (allocating.length > 0)
        throw new SimError(
          'ResourceInUseException',
          `${IN_USE}Can't change table IOPS when an index is being created. Table: ${table} Indexes: [${allocating}]`,
        );
      if (deleting.length > 0)
        throw new SimError('ResourceInUseException', `${IN_USE}Can't change table IOPS when an index is being deleted. Table: ${table} Indexes: [${deleting}]`);
    }
  }

  /** R16: DeleteTable while an index of the table is in an online operation. */
  checkDeleteTable(region: string, table: string, now: number): void {
    if (!this.enabled || this.inFlight(region, table, now).length === 0) return;
    throw new SimError('ResourceInUseException', `${IN_USE}Cannot delete table while indexes are being created, updated, or deleted.`);
  }

  /**
   * R14: moto accepted the call in `region`; the creates and deletes start their phases now.
   * `before`: the table's description in that region before the call (for a delete's DELETING entry).
   */
  started(region: string, input: IndexUpdateInput, before: { GlobalSecondaryIndexes?: unknown[] } | undefined, now: number): void {
    const t = this.times;
    if (!t) return;
    const table = String(input.TableName ?? '');
    for (const u of input.GlobalSecondaryIndexUpdates ?? []) {
      if (u.Create) {
        const k = key(region, table, String(u.Create.IndexName ?? ''));
        this.entries.set(k, { kind: 'create', allocationEnd: now + t.allocationMs, backfillEnd: now + t.allocationMs + t.backfillMs, released: false });
      } else if (u.Delete) {
        const index = String(u.Delete.IndexName ?? '');
        const list = (before?.GlobalSecondaryIndexes ?? []) as Record<string, unknown>[];
        const position = list.findIndex((g) => g.IndexName === index);
        const { Backfilling: _b, ...description } = position >= 0 ? list[position] : { IndexName: index };
        this.entries.set(key(region, table, index), { kind: 'delete', end: now + t.deleteMs, description, position: Math.max(position, 0) });
      }
    }
  }

  /** The table is gone (DeleteTable, a replica deleted) or new: nothing of it is in flight. */
  forget(region: string, table: string): void {
    const prefix = `${region}|${table}|`;
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** R14: a TableDescription of `region` as DynamoDB would answer it now (moto's answer in, masked copy out). */
  mask<T extends Record<string, unknown> | undefined>(region: string, t: T, now: number): T {
    if (!t || !this.enabled) return t;
    const table = String(t.TableName ?? '');
    const inFlight = this.inFlight(region, table, now);
    if (inFlight.length === 0) return t;
    const list = ((t.GlobalSecondaryIndexes ?? []) as Record<string, unknown>[]).map((g) => {
      const phase = inFlight.find((b) => b.index === g.IndexName)?.phase;
      if (phase === 'allocation') return { ...g, IndexStatus: 'CREATING', Backfilling: false };
      if (phase === 'backfilling') return { ...g, IndexStatus: 'CREATING', Backfilling: true };
      return g;
    });
    for (const b of inFlight) {
      if (b.phase !== 'deleting' || list.some((g) => g.IndexName === b.index)) continue;
      const e = this.entries.get(key(region, table, b.index)) as DeleteEntry;
      list.splice(Math.min(e.position, list.length), 0, { ...e.description, IndexStatus: 'DELETING' });
    }
    const updating = inFlight.some((b) => b.phase === 'allocation' || b.phase === 'deleting');
    return { ...t, GlobalSecondaryIndexes: list, ...(updating && t.TableStatus === 'ACTIVE' ? { TableStatus: 'UPDATING' } : {}) };
  }
}
