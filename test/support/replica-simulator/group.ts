/**
 * The replication groups of global tables (version 2019.11.21) as the replica simulator keeps
 * them: which replicas a table has, their status over time, and the rules DynamoDB enforces on
 * changes. Pure: no I/O; what it needs to know about the real tables (held by moto_server) is
 * passed in as facts, and what must happen there comes back as effects for the proxy to run. The
 * clock is passed in too, so every rule is tested on its own
 * (test/integration/simulator/replica-simulator.test.ts).
 *
 * Rules, each with its AWS source:
 * - R1 one replica create or delete per UpdateTable: "you can only add or remove a single replica
 *   in each update" (AWS::DynamoDB::GlobalTable, CloudFormation User Guide); the DynamoDB example
 *   "Remove replicas one-by-one" (developer guide, MultiRegionReplication scenario).
 * - R2 each ReplicationGroupUpdate holds exactly one action: "Each ReplicationGroupUpdate contains
 *   exactly one action" (DynamoDB API reference, ReplicationGroupUpdate).
 * - R3 the table must be ACTIVE; "While it's UPDATING, you can't issue another UpdateTable
 *   request" → ResourceInUseException (DynamoDB API reference, UpdateTable).
 * - R4 streams with NEW_AND_OLD_IMAGES are required before a replica is added (DynamoDB developer
 *   guide, global tables how-it-works; the AWS CLI example creates the table with
 *   StreamViewType=NEW_AND_OLD_IMAGES before update-table --replica-updates).
 * - R5 "A global table must be in on-demand mode or provisioned with auto scaling enabled"
 *   (developer guide, global table design: throughput); the error text is the one public reports
 *   show, "Table write capacity should either be Pay-Per-Request or AutoScaled"
 *   (hashicorp/terraform-provider-aws#13097).
 * - R6 Create invokes CreateTableReplica in the destination region: the replica table really is
 *   created there, with the same key schema, indexes and stream (ReplicationGroupUpdate docs);
 *   Delete invokes DeleteTableReplica, "deleting the replica and all of its items".
 * - R7 ReplicaStatus CREATING → ACTIVE after a delay, and the table is UPDATING meanwhile
 *   (ReplicaDescription.ReplicaStatus enum; UpdateTable: "the table status changes from ACTIVE to
 *   UPDATING"); DELETING → gone likewise. A real replica takes "a few minutes for an empty table, or
 *   up to several hours for large tables" (AWS::DynamoDB::GlobalTable, CloudFormation User Guide):
 *   `holdCreation(region)` keeps every replica being created in that region CREATING (and the home
 *   table UPDATING) past the delay until released, so a test can keep one in flight as long as it
 *   needs.
 * - R8 a replica with deletion protection cannot be deleted: "When this property is enabled, the
 *   table cannot be deleted by any user or process" (DeletionProtectionEnabled, CreateTable API
 *   reference; globaltables-bestpractices: "You must enable deletion protection on each replica").
 * - R9 overrides via Update: ProvisionedThroughputOverride (read only), OnDemandThroughputOverride
 *   (MaxReadRequestUnits), TableClassOverride (UpdateReplicationGroupMemberAction).
 *
 * Global-table capacity rules (DynamoDB developer guide, "Best practices and requirements for
 * managing global tables", V2globaltables_reqs_bestpractices: in provisioned mode "write capacity
 * and write auto scaling settings are managed globally", read settings may differ per replica):
 * - R10 UpdateTableReplicaAutoScaling sets the write minimum, maximum and target utilization once
 *   and DynamoDB applies them to every replica's write scalable target and scaling policy, in every
 *   region; read settings are per replica (UpdateTableReplicaAutoScaling API reference:
 *   ProvisionedWriteCapacityAutoScalingUpdate, GlobalSecondaryIndexUpdates, ReplicaUpdates with
 *   ReplicaProvisionedReadCapacityAutoScalingUpdate). DescribeTableReplicaAutoScaling reports the
 *   settings of every replica (DescribeTableReplicaAutoScaling API reference). Auto scaling needs
 *   PROVISIONED billing ("AutoScaling is not available for tables with PAY_PER_REQUEST billing
 *   mode", aws/aws-cdk#10572).
 * - R11 adding a GSI (UpdateTable GlobalSecondaryIndexUpdates Create) to a replicated PROVISIONED
 *   table whose own write capacity is not auto scaled fails with ValidationException "Table write
 *   capacity should either be Pay-Per-Request or AutoScaled" (aws-controllers-k8s/community#2610,
 *   aws/aws-cdk#19083). Modelled on the message's own words: it is the TABLE's write capacity
 *   that must be on demand or auto scaled. A new index cannot have a scalable target before it
 *   exists; its write auto scaling follows for the whole group through UpdateTableReplicaAutoScaling
 *   (R10), and the macro requires it for every index of such a table (ARC-E7011)
 *   (fact `tableWriteAutoscaled`).
 * - R12 in a replica region, the write scalable target and policy of a replicated PROVISIONED
 *   table belong to DynamoDB once its write auto scaling is managed globally (set through
 *   UpdateTableReplicaAutoScaling, R10): a client's own RegisterScalableTarget or PutScalingPolicy
 *   for that write dimension there would be a second target/policy fighting DynamoDB's, so the
 *   simulator refuses it with ValidationException. Modelled this way because DynamoDB itself
 *   keeps the write settings of all replicas equal (R10) and mirrors them through
 *   UpdateTableReplicaAutoScaling; AWS documents no error text for the conflict (the text here is
 *   the simulator's). Write auto scaling registered in a replica region before any
 *   UpdateTableReplicaAutoScaling is left alone, so callers that manage replica regions
 *   themselves keep working.
 * - R13 the stream cannot be disabled while replicas exist: ValidationException "Disabling Stream
 *   is not allowed for a Global Table replica" (hashicorp/terraform-provider-aws#34450; Terraform
 *   removes the replicas first).
 *
 * - R27 (any table) a switch from PAY_PER_REQUEST to PROVISIONED sets the capacity of the table and
 *   of every global secondary index in that UpdateTable: "When switching from pay-per-request to
 *   provisioned capacity, initial provisioned capacity values must be set" (UpdateTable API
 *   reference, BillingMode); an index left out fails with "ProvisionedThroughput must be specified
 *   for index: <name>" (crossplane-contrib/provider-upjet-aws#1041).
 *
 * Multi-Region strong consistency (MRSC) and per-replica indexes (R14-R17 are the index phases,
 * replica-simulator/indexes.ts):
 * - R18 MultiRegionConsistency "is only valid when you create a global table by specifying one or
 *   more Create actions in the ReplicaUpdates action list" (UpdateTable API reference); absent, the
 *   mode is EVENTUAL. DescribeTable reports it, in every Region of the group.
 * - R19 an MRSC table spans exactly three Regions: "either three replicas, or with two replicas and
 *   one witness" (CreateGlobalTableWitnessGroupMemberAction): its replicas and witness are created
 *   by one UpdateTable (so R1 does not hold for that call), and no replica is added later. "You
 *   can create or delete only one witness per UpdateTable operation" (UpdateTable API reference).
 * - R20 the Regions are all in one Region set, US, EU or AP, and "The witness must be in a
 *   different Region than the replicas" (CreateGlobalTableWitnessGroupMemberAction).
 * - R21 the table is empty when MRSC is enabled: "Table must be empty when enabling MRSC" (the
 *   developer guide's MRSC example, "Create and manage DynamoDB global tables with Multi-Region
 *   Strong Consistency"). The error text is the simulator's.
 * - R22 "The witness must be added when creating the MRSC global table"
 *   (GlobalTableWitnessGroupUpdate.Create).
 * - R23 a witness is removed only "in conjunction with removing a replica. The deletion of both a
 *   witness and replica converts the remaining replica to a single-Region DynamoDB table"
 *   (GlobalTableWitnessGroupUpdate.Delete). An MRSC group is removed whole in one UpdateTable (a
 *   three-replica group by deleting both replicas at once, as the developer guide's MRSC deletion
 *   tutorial does; it also says one replica alone cannot be removed:
 *   https://docs.amazonaws.cn/amazondynamodb/latest/developerguide/delete-gt-mrsc.html, written
 *   for the MRSC preview); removing part of it is refused. AWS documents no error text for that.
 * - R24 the consistency mode cannot change after creation ("You cannot change a global table's
 *   consistency mode after creation", developer guide, Global tables, Consistency modes).
 * - R25 MRSC tables support neither Time to Live nor transactions (developer guide, "How DynamoDB
 *   global tables work", MRSC): UpdateTimeToLive enabling TTL, and TransactWriteItems or
 *   TransactGetItems naming such a table, are refused (the proxy, replica-simulator.ts).
 * - R26 per-replica index overrides (ReplicaGlobalSecondaryIndex: IndexName, read
 *   ProvisionedThroughputOverride, OnDemandThroughputOverride) in a replica Create or Update name
 *   indexes of the table, and DescribeTable shows them under Replicas[].GlobalSecondaryIndexes
 *   (ReplicaGlobalSecondaryIndexDescription). Contributor insights are per Region and per index,
 *   with a mode (UpdateContributorInsights: IndexName, ContributorInsightsMode, default
 *   ACCESSED_AND_THROTTLED_KEYS); an unknown index is ResourceNotFoundException.
 */

import { mrscRegionSet } from '../../../contract/resources';

export class SimError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type MemberStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'UPDATING' | 'CREATION_FAILED';

export interface Member {
  region: string;
  status: MemberStatus;
  /** Set when the creation was told to fail: the status description after the delay. */
  failure?: string;
  readyAt: number;
  kms?: string;
  tableClass?: string;
  readCapacity?: number;
  maxRead?: number;
  /** Per-replica index overrides (R26), by index name. */
  indexes: Map<string, { read?: number; maxRead?: number }>;
}

export interface Group {
  name: string;
  home: string;
  members: Map<string, Member>;
  /** The MRSC witness (R19-R23), by Region. */
  witnesses: Map<string, { status: 'CREATING' | 'ACTIVE' | 'DELETING'; readyAt: number }>;
  /** Set by the UpdateTable that made the group (R18); EVENTUAL again once it is a single-Region table. */
  consistency: 'EVENTUAL' | 'STRONG';
  busyUntil: number;
}

/** The few fields of a TableDescription the rules read (the SDK's shape; moto's answer). */
export interface TableFacts {
  TableName?: string;
  BillingModeSummary?: { BillingMode?: string };
  StreamSpecification?: { StreamEnabled?: boolean; StreamViewType?: string };
  ProvisionedThroughput?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number };
  GlobalSecondaryIndexes?: { IndexName?: string }[];
}

/** What the rules ask about the real world, answered by the proxy from moto (or by a test). */
export interface ReplicaUpdateFacts {
  /** R5: does the home table have a write scalable target? Asked only for a PROVISIONED create. */
  writeAutoscaled(): Promise<boolean>;
  /** R8: is the replica table in that region protected against deletion? */
  deletionProtected(region: string): Promise<boolean>;
  /** R21: does the table hold any item? Asked only when an MRSC table is created. */
  hasItems?(): Promise<boolean>;
}

export interface CreateReplicaEffect {
  kind: 'create-replica-table';
  region: string;
  provisioned: boolean;
  readCapacity?: number;
  kms?: string;
  tableClass?: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
}
export interface DeleteReplicaEffect {
  kind: 'delete-replica-table';
  region: string;
}
export type ReplicaEffect = CreateReplicaEffect | DeleteReplicaEffect;

export interface SimOperation {
  table: string;
  region: string;
  kind: 'create' | 'delete' | 'update';
  startedAt: number;
  readyAt: number;
}

/** One accepted ReplicaUpdates call: run `effects` in moto, then `commit()` the new group state. */
export interface ReplicaUpdatePlan {
  effects: ReplicaEffect[];
  commit(now: number): SimOperation[];
}

/** Auto scaling settings as UpdateTableReplicaAutoScaling carries them (AutoScalingSettingsUpdate). */
export interface AutoScalingSettingsUpdate {
  MinimumUnits?: number;
  MaximumUnits?: number;
  AutoScalingDisabled?: boolean;
  AutoScalingRoleArn?: string;
  ScalingPolicyUpdate?: {
    PolicyName?: string;
    TargetTrackingScalingPolicyConfiguration?: { TargetValue?: number; ScaleInCooldown?: number; ScaleOutCooldown?: number; DisableScaleIn?: boolean };
  };
}

export interface UpdateTableReplicaAutoScalingInput {
  TableName?: string;
  ProvisionedWriteCapacityAutoScalingUpdate?: AutoScalingSettingsUpdate;
  GlobalSecondaryIndexUpdates?: { IndexName?: string; ProvisionedWriteCapacityAutoScalingUpdate?: AutoScalingSettingsUpdate }[];
  ReplicaUpdates?: {
    RegionName?: string;
    ReplicaProvisionedReadCapacityAutoScalingUpdate?: AutoScalingSettingsUpdate;
    ReplicaGlobalSecondaryIndexUpdates?: { IndexName?: string; ProvisionedReadCapacityAutoScalingUpdate?: AutoScalingSettingsUpdate }[];
  }[];
}

/** One Application Auto Scaling change in one region, for the proxy to make in moto. */
export interface ScalingEffect {
  region: string;
  resourceId: string;
  dimension:
    | 'dynamodb:table:WriteCapacityUnits'
    | 'dynamodb:table:ReadCapacityUnits'
    | 'dynamodb:index:WriteCapacityUnits'
    | 'dynamodb:index:ReadCapacityUnits';
  /** undefined: deregister (AutoScalingDisabled). */
  settings?: {
    min: number;
    max: number;
    targetValue: number;
    policyName: string;
    scaleInCooldown?: number;
    scaleOutCooldown?: number;
    disableScaleIn?: boolean;
    roleArn?: string;
  };
}

const WRITE_DIMENSIONS = new Set(['dynamodb:table:WriteCapacityUnits', 'dynamodb:index:WriteCapacityUnits']);

export class ReplicationGroups {
  private groups = new Map<string, Group>(); // key: table name (one account)
  private failingCreates = new Map<string, string>();
  /** R12: resource IDs (table/<n>, table/<n>/index/<i>) whose write auto scaling DynamoDB manages globally, per table. */
  private managedWrite = new Map<string, Set<string>>();
  /** Regions whose replica creations are held CREATING (a count per region). */
  private creationHolds = new Map<string, number>();

  /** The next replica creation in this region ends CREATION_FAILED with this description. */
  failNextCreate(region: string, description: string): void {
    this.failingCreates.set(region, description);
  }

  /** Keeps every replica being created in `region` CREATING, past its delay, until the returned function is called. */
  holdCreation(region: string): () => void {
    this.creationHolds.set(region, (this.creationHolds.get(region) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.creationHolds.get(region) ?? 1) - 1;
      if (left > 0) this.creationHolds.set(region, left);
      else this.creationHolds.delete(region);
    };
  }

  private creationHeld(m: Member): boolean {
    return m.status === 'CREATING' && (this.creationHolds.get(m.region) ?? 0) > 0;
  }

  /** R3/R7: the home table is UPDATING while a change runs (its delay, or a held replica creation). */
  private busyAt(g: Group, now: number): boolean {
    return now < g.busyUntil || [...g.members.values()].some((m) => this.creationHeld(m));
  }

  /** R7: transitions happen lazily, when someone looks. */
  settle(g: Group, now: number): void {
    for (const m of [...g.members.values()]) {
      if (now < m.readyAt || this.creationHeld(m)) continue;
      if (m.status === 'DELETING') g.members.delete(m.region);
      else if (m.status === 'CREATING' && m.failure) m.status = 'CREATION_FAILED';
      else if (m.status !== 'CREATION_FAILED') m.status = 'ACTIVE';
    }
    for (const [region, w] of [...g.witnesses]) {
      if (now < w.readyAt) continue;
      if (w.status === 'DELETING') g.witnesses.delete(region);
      else w.status = 'ACTIVE';
    }
    // R23: with its replicas and witness gone, the table is a single-Region table again.
    if (g.members.size === 0 && g.witnesses.size === 0) g.consistency = 'EVENTUAL';
  }

  /** R25: is the table in `region` part of a multi-Region strongly consistent group? */
  isStrong(region: string, name: string, now: number): boolean {
    const g = this.groupOf(region, name, now);
    return Boolean(g && g.consistency === 'STRONG' && (g.members.size > 0 || g.witnesses.size > 0));
  }

  /** The group the table in `region` belongs to (home or member), settled. */
  groupOf(region: string, name: string, now: number): Group | undefined {
    const g = this.groups.get(name);
    if (!g) return undefined;
    this.settle(g, now);
    return g.home === region || g.members.has(region) ? g : undefined;
  }

  /** Replica regions of a table as the simulator sees them, with status. */
  replicaStatus(home: string, name: string, now: number): Record<string, string> {
    const g = this.groups.get(name);
    if (!g || g.home !== home) return {};
    this.settle(g, now);
    return Object.fromEntries([...g.members.values()].map((m) => [m.region, m.status]));
  }

  /** Regions with a replica table (home first), settled. */
  regionsOf(g: Group, now: number): string[] {
    this.settle(g, now);
    return [g.home, ...[...g.members.values()].filter((m) => m.status !== 'DELETING' && m.status !== 'CREATION_FAILED').map((m) => m.region)];
  }

  hasReplicas(region: string, name: string, now: number): boolean {
    const g = this.groupOf(region, name, now);
    return Boolean(g && [...g.members.values()].some((m) => m.status !== 'CREATION_FAILED'));
  }

  replicaDescriptions(g: Group, exceptRegion: string): Record<string, unknown>[] {
    const list: Record<string, unknown>[] = [];
    if (g.home !== exceptRegion) list.push({ RegionName: g.home, ReplicaStatus: 'ACTIVE' });
    for (const m of g.members.values()) {
      if (m.region === exceptRegion) continue;
      list.push({
        RegionName: m.region,
        ReplicaStatus: m.status,
        ...(m.status === 'CREATING' ? { ReplicaStatusPercentProgress: '0' } : {}),
        ...(m.status === 'CREATION_FAILED' ? { ReplicaStatusDescription: m.failure } : {}),
        ...(m.kms ? { KMSMasterKeyId: m.kms } : {}),
        ...(m.readCapacity !== undefined ? { ProvisionedThroughputOverride: { ReadCapacityUnits: m.readCapacity } } : {}),
        ...(m.maxRead !== undefined ? { OnDemandThroughputOverride: { MaxReadRequestUnits: m.maxRead } } : {}),
        ...(m.tableClass ? { ReplicaTableClassSummary: { TableClass: m.tableClass } } : {}),
        ...(m.indexes.size > 0
          ? {
              GlobalSecondaryIndexes: [...m.indexes].map(([IndexName, o]) => ({
                IndexName,
                ...(o.read !== undefined ? { ProvisionedThroughputOverride: { ReadCapacityUnits: o.read } } : {}),
                ...(o.maxRead !== undefined ? { OnDemandThroughputOverride: { MaxReadRequestUnits: o.maxRead } } : {}),
              })),
            }
          : {}),
      });
    }
    return list;
  }

  /** DescribeTable as DynamoDB answers it for a table in a replication group (Replicas, status). */
  patchDescription(region: string, t: Record<string, unknown>, now: number): Record<string, unknown> {
    const g = this.groupOf(region, String(t.TableName), now);
    if (!g) return t;
    const out: Record<string, unknown> = { ...t, GlobalTableVersion: '2019.11.21', Replicas: this.replicaDescriptions(g, region) };
    if (g.members.size > 0 || g.witnesses.size > 0) {
      out.MultiRegionConsistency = g.consistency;
      if (g.witnesses.size > 0) out.GlobalTableWitnesses = [...g.witnesses].map(([RegionName, w]) => ({ RegionName, WitnessStatus: w.status }));
    }
    if (g.home === region) {
      if (this.busyAt(g, now)) out.TableStatus = 'UPDATING';
    } else {
      const m = g.members.get(region);
      if (m && m.status !== 'ACTIVE') out.TableStatus = m.status === 'DELETING' ? 'DELETING' : m.status === 'UPDATING' ? 'ACTIVE' : 'CREATING';
    }
    return out;
  }

  /** R3 for an UpdateTable of the home table that is not about replicas. */
  busy(region: string, name: string, now: number): boolean {
    const g = this.groupOf(region, name, now);
    return Boolean(g && g.home === region && this.busyAt(g, now));
  }

  /**
   * UpdateTable with ReplicaUpdates and/or GlobalTableWitnessUpdates (R1-R9, R18-R23, R26).
   * `table` is the table in `region` as moto holds it (undefined: it does not exist). Throws
   * SimError when DynamoDB would refuse the call.
   */
  async planReplicaUpdates(
    region: string,
    input: Record<string, unknown>,
    table: TableFacts | undefined,
    facts: ReplicaUpdateFacts,
    now: number,
    delayMs: number,
  ): Promise<ReplicaUpdatePlan> {
    const name = String(input.TableName ?? '');
    const updates = (input.ReplicaUpdates ?? []) as Record<string, Record<string, unknown>>[];
    const witnessUpdates = (input.GlobalTableWitnessUpdates ?? []) as Record<string, Record<string, unknown>>[];
    const mode = input.MultiRegionConsistency as string | undefined;
    const other = Object.keys(input).filter((k) => !['TableName', 'ReplicaUpdates', 'GlobalTableWitnessUpdates', 'MultiRegionConsistency'].includes(k));
    if (other.length > 0) throw new SimError('ValidationException', `replica simulator: ReplicaUpdates combined with ${other.join(', ')} is not simulated`);
    if (!Array.isArray(updates) || !Array.isArray(witnessUpdates) || updates.length + witnessUpdates.length === 0)
      throw new SimError('ValidationException', 'ReplicaUpdates must not be empty');
    // R2 (and its witness twin, GlobalTableWitnessGroupUpdate: Create or Delete)
    for (const u of updates) {
      if (Object.keys(u).filter((k) => ['Create', 'Update', 'Delete'].includes(k)).length !== 1) {
        throw new SimError('ValidationException', 'Each ReplicationGroupUpdate must contain exactly one of Create, Update or Delete');
      }
    }
    for (const u of witnessUpdates) {
      if (Object.keys(u).filter((k) => ['Create', 'Delete'].includes(k)).length !== 1)
        throw new SimError('ValidationException', 'Each GlobalTableWitnessGroupUpdate must contain exactly one of Create or Delete');
    }
    if (!table) throw new SimError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    const existing = this.groups.get(name);
    if (existing) this.settle(existing, now);
    // R3
    const inFlight =
      existing &&
      (this.busyAt(existing, now) ||
        [...existing.members.values()].some((m) => m.status !== 'ACTIVE' && m.status !== 'CREATION_FAILED') ||
        [...existing.witnesses.values()].some((w) => w.status !== 'ACTIVE'));
    if (inFlight) throw new SimError('ResourceInUseException', `Attempt to change a resource which is still in use: Table is being updated: ${name}`);
    if (existing && existing.home !== region && (existing.members.size > 0 || existing.witnesses.size > 0))
      throw new SimError('ValidationException', 'replica simulator: replica updates are accepted in the home region only');

    const creates = updates.filter((u) => u.Create).map((u) => String(u.Create.RegionName ?? ''));
    const deletes = updates.filter((u) => u.Delete).map((u) => String(u.Delete.RegionName ?? ''));
    const witnessCreates = witnessUpdates.filter((u) => u.Create).map((u) => String(u.Create.RegionName ?? ''));
    const witnessDeletes = witnessUpdates.filter((u) => u.Delete).map((u) => String(u.Delete.RegionName ?? ''));
    const members = existing ? [...existing.members.keys()] : [];
    const witnesses = existing ? [...existing.witnesses.keys()] : [];
    const isGlobal = members.length + witnesses.length > 0;
    const currentMode = isGlobal ? (existing?.consistency ?? 'EVENTUAL') : undefined;
    // R18: MultiRegionConsistency is "only valid when you create a global table by specifying one or
    // more Create actions" (UpdateTable API reference); R24: the mode never changes afterwards.
    if (mode !== undefined) {
      if (mode !== 'EVENTUAL' && mode !== 'STRONG') throw new SimError('ValidationException', `Invalid MultiRegionConsistency: ${mode}`);
      if (isGlobal)
        throw new SimError(
          'ValidationException',
          `The consistency mode of global table ${name} (${currentMode}) cannot be changed: MultiRegionConsistency is only valid when the global ` +
            'table is created',
        );
      if (creates.length === 0) throw new SimError('ValidationException', 'MultiRegionConsistency is only valid with one or more replica Create actions');
    }
    const strong = mode === 'STRONG' || currentMode === 'STRONG';
    // "You can create or delete only one witness per UpdateTable operation" (UpdateTable API reference).
    if (witnessUpdates.length > 1) throw new SimError('ValidationException', 'Only one witness can be created or deleted per UpdateTable request');
    // R22: "The witness must be added when creating the MRSC global table" (GlobalTableWitnessGroupUpdate.Create).
    if (witnessCreates.length > 0 && !(mode === 'STRONG' && !isGlobal))
      throw new SimError('ValidationException', 'A witness can only be added when the MRSC global table is created (MultiRegionConsistency STRONG)');
    if (strong && !isGlobal) {
      // R19: "either three replicas, or with two replicas and one witness" (CreateGlobalTableWitnessGroupMemberAction), created together.
      const regions = [region, ...creates, ...witnessCreates];
      if (regions.length !== 3)
        throw new SimError(
          'ValidationException',
          `An MRSC global table spans exactly three Regions; this request gives ${regions.length} (${regions.join(', ')})`,
        );
      // R20: one Region set, the witness apart from the replicas (same source).
      const sets = new Set(regions.map((r) => mrscRegionSet(r) ?? `none:${r}`));
      if (sets.size !== 1 || [...sets][0].startsWith('none:'))
        throw new SimError('ValidationException', `The Regions of an MRSC global table must all be in one Region set (US, EU or AP): ${regions.join(', ')}`);
      for (const w of witnessCreates)
        if (w === region || creates.includes(w)) throw new SimError('ValidationException', `The witness must be in a different Region than the replicas: ${w}`);
      // R21: "Table must be empty when enabling MRSC" (developer guide, the MRSC example).
      if (facts.hasItems && (await facts.hasItems()))
        throw new SimError('ValidationException', `Table ${name} must be empty to be converted to a multi-Region strongly consistent global table`);
    } else if (strong) {
      // R19 again: an MRSC table's three Regions are fixed; R23: the witness goes only with a replica,
      // and (a model, see above) an MRSC group is removed whole, leaving a single-Region table.
      if (creates.length > 0) throw new SimError('ValidationException', `Cannot add a replica to MRSC global table ${name}: it already spans three Regions`);
      if (witnessDeletes.length > 0 && deletes.length === 0)
        throw new SimError(
          'ValidationException',
          'A witness can only be removed together with a replica (GlobalTableWitnessUpdates Delete with ReplicaUpdates Delete)',
        );
      const left = members.filter((m) => !deletes.includes(m)).length + witnesses.filter((w) => !witnessDeletes.includes(w)).length;
      if (deletes.length > 0 && left > 0)
        throw new SimError(
          'ValidationException',
          `replica simulator: removing part of MRSC global table ${name} would leave ${left + 1} Regions; remove its replicas and witness together`,
        );
      for (const w of witnessDeletes) if (!existing?.witnesses.has(w)) throw new SimError('ValidationException', `Table ${name} has no witness in ${w}`);
    } else {
      // R1 (eventual consistency)
      if (creates.length + deletes.length > 1) throw new SimError('ValidationException', 'Only one replica can be created or deleted per UpdateTable request');
      if (witnessDeletes.length > 0) throw new SimError('ValidationException', `Table ${name} has no witness`);
    }

    const provisioned = table.BillingModeSummary?.BillingMode !== 'PAY_PER_REQUEST';
    const indexNames = new Set((table.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const effects: ReplicaEffect[] = [];
    const changes: ((g: Group, now: number) => SimOperation | undefined)[] = [];
    /** R26: per-replica index overrides name indexes the table has (ReplicaGlobalSecondaryIndex). */
    const indexOverrides = (list: unknown, target: string): Map<string, { read?: number; maxRead?: number }> => {
      const out = new Map<string, { read?: number; maxRead?: number }>();
      for (const gi of (list ?? []) as Record<string, unknown>[]) {
        const index = String(gi.IndexName ?? '');
        if (!indexNames.has(index))
          throw new SimError('ValidationException', `Replica ${target}: global secondary index ${index} does not exist on table ${name}`);
        out.set(index, {
          read: (gi.ProvisionedThroughputOverride as { ReadCapacityUnits?: number } | undefined)?.ReadCapacityUnits,
          maxRead: (gi.OnDemandThroughputOverride as { MaxReadRequestUnits?: number } | undefined)?.MaxReadRequestUnits,
        });
      }
      return out;
    };
    for (const u of updates) {
      if (u.Create) {
        const c = u.Create;
        const target = String(c.RegionName ?? '');
        if (target === region) throw new SimError('ValidationException', `Cannot add replica in the table's own region ${region}`);
        if (existing?.members.has(target))
          throw new SimError('ValidationException', `Failed to create a replica of table ${name} in ${target}: a replica already exists there`);
        // R4 (eventual consistency replicates through the stream; MRSC does not need one)
        if (!strong && (!table.StreamSpecification?.StreamEnabled || table.StreamSpecification.StreamViewType !== 'NEW_AND_OLD_IMAGES')) {
          throw new SimError('ValidationException', 'Table must have DynamoDB Streams enabled with StreamViewType NEW_AND_OLD_IMAGES to add a replica');
        }
        // R5
        if (provisioned && !(await facts.writeAutoscaled()))
          throw new SimError('ValidationException', 'Table write capacity should either be Pay-Per-Request or AutoScaled to add a replica');
        const failure = this.failingCreates.get(target);
        const read = (c.ProvisionedThroughputOverride as { ReadCapacityUnits?: number } | undefined)?.ReadCapacityUnits;
        const kms = c.KMSMasterKeyId as string | undefined;
        const tableClass = c.TableClassOverride as 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS' | undefined;
        const maxRead = (c.OnDemandThroughputOverride as { MaxReadRequestUnits?: number } | undefined)?.MaxReadRequestUnits;
        const indexes = indexOverrides(c.GlobalSecondaryIndexes, target);
        // R6: the replica table really exists in the target region (unless told to fail).
        if (!failure) effects.push({ kind: 'create-replica-table', region: target, provisioned, readCapacity: read, kms, tableClass });
        changes.push((g, at) => {
          this.failingCreates.delete(target);
          g.members.set(target, {
            region: target,
            status: 'CREATING',
            failure,
            readyAt: at + delayMs,
            kms,
            tableClass,
            readCapacity: read,
            maxRead,
            indexes,
          });
          g.busyUntil = at + delayMs;
          return { table: name, region: target, kind: 'create', startedAt: at, readyAt: g.busyUntil };
        });
      } else if (u.Delete) {
        const target = String(u.Delete.RegionName ?? '');
        if (!existing?.members.get(target)) throw new SimError('ValidationException', `Cannot delete replica: table ${name} has no replica in ${target}`);
        // R8
        if (await facts.deletionProtected(target)) {
          throw new SimError(
            'ValidationException',
            `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first. (replica ${name} in ${target})`,
          );
        }
        effects.push({ kind: 'delete-replica-table', region: target });
        changes.push((g, at) => {
          const m = g.members.get(target) as Member;
          m.status = 'DELETING';
          m.readyAt = at + delayMs;
          g.busyUntil = at + delayMs;
          return { table: name, region: target, kind: 'delete', startedAt: at, readyAt: g.busyUntil };
        });
      } else if (u.Update) {
        const target = String(u.Update.RegionName ?? '');
        if (!existing?.members.get(target)) throw new SimError('ValidationException', `Cannot update replica: table ${name} has no replica in ${target}`);
        // R9, R26
        const up = u.Update as Record<string, unknown>;
        const indexes = indexOverrides(up.GlobalSecondaryIndexes, target);
        changes.push((g, at) => {
          const m = g.members.get(target) as Member;
          if (typeof up.TableClassOverride === 'string') m.tableClass = up.TableClassOverride;
          if (typeof up.KMSMasterKeyId === 'string') m.kms = up.KMSMasterKeyId;
          const pt = up.ProvisionedThroughputOverride as { ReadCapacityUnits?: number } | undefined;
          if (pt?.ReadCapacityUnits !== undefined) m.readCapacity = pt.ReadCapacityUnits;
          const od = up.OnDemandThroughputOverride as { MaxReadRequestUnits?: number } | undefined;
          if (od?.MaxReadRequestUnits !== undefined) m.maxRead = od.MaxReadRequestUnits;
          for (const [index, o] of indexes) {
            const now = m.indexes.get(index) ?? {};
            m.indexes.set(index, { read: o.read ?? now.read, maxRead: o.maxRead ?? now.maxRead });
          }
          m.status = 'UPDATING';
          m.readyAt = at + Math.ceil(delayMs / 3);
          g.busyUntil = m.readyAt;
          return { table: name, region: target, kind: 'update', startedAt: at, readyAt: g.busyUntil };
        });
      }
    }
    for (const w of witnessCreates) {
      changes.push((g, at) => {
        g.witnesses.set(w, { status: 'CREATING', readyAt: at + delayMs });
        g.busyUntil = Math.max(g.busyUntil, at + delayMs);
        return undefined;
      });
    }
    for (const w of witnessDeletes) {
      changes.push((g, at) => {
        g.witnesses.set(w, { status: 'DELETING', readyAt: at + delayMs });
        g.busyUntil = Math.max(g.busyUntil, at + delayMs);
        return undefined;
      });
    }
    return {
      effects,
      commit: (at) => {
        let g = this.groups.get(name);
        if (!g) this.groups.set(name, (g = { name, home: region, members: new Map(), witnesses: new Map(), consistency: 'EVENTUAL', busyUntil: 0 }));
        if (g.members.size === 0 && g.witnesses.size === 0) {
          g.home = region;
          g.consistency = mode === 'STRONG' ? 'STRONG' : 'EVENTUAL';
        }
        const group = g;
        return changes.map((change) => change(group, at)).filter((o): o is SimOperation => o !== undefined);
      },
    };
  }

  /**
   * UpdateTable without ReplicaUpdates, before it reaches moto: R3 (busy), R13 (stream) and R11
   * (new index on a replicated PROVISIONED table). `tableWriteAutoscaled` answers R11's fact.
   */
  async checkTableUpdate(
    region: string,
    input: Record<string, unknown>,
    table: TableFacts | undefined,
    tableWriteAutoscaled: () => Promise<boolean>,
    now: number,
  ): Promise<void> {
    const name = String(input.TableName ?? '');
    if (this.busy(region, name, now))
      throw new SimError('ResourceInUseException', `Attempt to change a resource which is still in use: Table is being updated: ${name}`);
    // R27
    if (table && input.BillingMode === 'PROVISIONED' && table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST') {
      if (input.ProvisionedThroughput === undefined)
        throw new SimError(
          'ValidationException',
          'One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED',
        );
      const updates = (input.GlobalSecondaryIndexUpdates as { Update?: { IndexName?: string; ProvisionedThroughput?: unknown } }[] | undefined) ?? [];
      const given = new Set(updates.filter((u) => u.Update?.ProvisionedThroughput !== undefined).map((u) => u.Update?.IndexName));
      const missing = (table.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).find((n) => !given.has(n));
      if (missing !== undefined)
        throw new SimError('ValidationException', `One or more parameter values were invalid: ProvisionedThroughput must be specified for index: ${missing}`);
    }
    if (!table || !this.hasReplicas(region, name, now)) return;
    // R13
    const stream = input.StreamSpecification as { StreamEnabled?: boolean } | undefined;
    if (stream && stream.StreamEnabled === false) throw new SimError('ValidationException', 'Disabling Stream is not allowed for a Global Table replica');
    // R11: the billing mode after this call decides.
    const billing = (input.BillingMode as string | undefined) ?? table.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
    if (billing === 'PAY_PER_REQUEST') return;
    const creates = ((input.GlobalSecondaryIndexUpdates as { Create?: { IndexName?: string } }[] | undefined) ?? []).filter((u) => u.Create);
    if (creates.length > 0 && !(await tableWriteAutoscaled()))
      throw new SimError('ValidationException', 'Table write capacity should either be Pay-Per-Request or AutoScaled');
  }

  /**
   * UpdateTableReplicaAutoScaling (R10): validates the call and returns the Application Auto
   * Scaling changes to make, per region. Write settings go to every region of the group; read
   * settings only to the region named.
   */
  planReplicaAutoScaling(region: string, input: UpdateTableReplicaAutoScalingInput, table: TableFacts | undefined, now: number): ScalingEffect[] {
    const name = String(input.TableName ?? '');
    if (!table) throw new SimError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    if (table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST')
      throw new SimError('ValidationException', 'AutoScaling is not available for tables with PAY_PER_REQUEST billing mode');
    const g = this.groupOf(region, name, now);
    if (g && this.busyAt(g, now))
      throw new SimError('ResourceInUseException', `Attempt to change a resource which is still in use: Table is being updated: ${name}`);
    const regions = g ? this.regionsOf(g, now) : [region];
    const indexes = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    const effects: ScalingEffect[] = [];
    const settingsOf = (u: AutoScalingSettingsUpdate, where: string, policyName: string): ScalingEffect['settings'] => {
      if (u.AutoScalingDisabled) return undefined;
      const min = u.MinimumUnits;
      const max = u.MaximumUnits;
      const target = u.ScalingPolicyUpdate?.TargetTrackingScalingPolicyConfiguration;
      if (min === undefined || max === undefined || target?.TargetValue === undefined) {
        throw new SimError(
          'ValidationException',
          `${where}: MinimumUnits, MaximumUnits and ScalingPolicyUpdate.TargetTrackingScalingPolicyConfiguration.TargetValue are required to enable ` +
            `auto scaling`,
        );
      }
      if (min < 1 || max < min)
        throw new SimError('ValidationException', `${where}: MinimumUnits (${min}) must be at least 1 and at most MaximumUnits (${max})`);
      return {
        min,
        max,
        targetValue: target.TargetValue,
        policyName: u.ScalingPolicyUpdate?.PolicyName ?? policyName,
        scaleInCooldown: target.ScaleInCooldown,
        scaleOutCooldown: target.ScaleOutCooldown,
        disableScaleIn: target.DisableScaleIn,
        roleArn: u.AutoScalingRoleArn,
      };
    };
    const managed: [string, boolean][] = [];
    if (input.ProvisionedWriteCapacityAutoScalingUpdate) {
      const resourceId = `table/${name}`;
      const s = settingsOf(
        input.ProvisionedWriteCapacityAutoScalingUpdate,
        'ProvisionedWriteCapacityAutoScalingUpdate',
        `DynamoDBWriteCapacityUtilization:${resourceId}`,
      );
      for (const r of regions) effects.push({ region: r, resourceId, dimension: 'dynamodb:table:WriteCapacityUnits', settings: s });
      managed.push([resourceId, s !== undefined]);
    }
    for (const u of input.GlobalSecondaryIndexUpdates ?? []) {
      const index = String(u.IndexName ?? '');
      if (!indexes.has(index)) throw new SimError('ResourceNotFoundException', `Requested resource not found: Index: ${index} not found for table ${name}`);
      if (!u.ProvisionedWriteCapacityAutoScalingUpdate) continue;
      const resourceId = `table/${name}/index/${index}`;
      const s = settingsOf(
        u.ProvisionedWriteCapacityAutoScalingUpdate,
        `GlobalSecondaryIndexUpdates[${index}]`,
        `DynamoDBWriteCapacityUtilization:${resourceId}`,
      );
      for (const r of regions) effects.push({ region: r, resourceId, dimension: 'dynamodb:index:WriteCapacityUnits', settings: s });
      managed.push([resourceId, s !== undefined]);
    }
    for (const u of input.ReplicaUpdates ?? []) {
      const r = String(u.RegionName ?? '');
      if (!regions.includes(r)) throw new SimError('ValidationException', `Replica ${r} does not exist for table ${name}`);
      if (u.ReplicaProvisionedReadCapacityAutoScalingUpdate) {
        const resourceId = `table/${name}`;
        effects.push({
          region: r,
          resourceId,
          dimension: 'dynamodb:table:ReadCapacityUnits',
          settings: settingsOf(u.ReplicaProvisionedReadCapacityAutoScalingUpdate, `ReplicaUpdates[${r}]`, `DynamoDBReadCapacityUtilization:${resourceId}`),
        });
      }
      for (const gu of u.ReplicaGlobalSecondaryIndexUpdates ?? []) {
        const index = String(gu.IndexName ?? '');
        if (!indexes.has(index)) throw new SimError('ResourceNotFoundException', `Requested resource not found: Index: ${index} not found for table ${name}`);
        if (!gu.ProvisionedReadCapacityAutoScalingUpdate) continue;
        const resourceId = `table/${name}/index/${index}`;
        effects.push({
          region: r,
          resourceId,
          dimension: 'dynamodb:index:ReadCapacityUnits',
          settings: settingsOf(gu.ProvisionedReadCapacityAutoScalingUpdate, `ReplicaUpdates[${r}][${index}]`, `DynamoDBReadCapacityUtilization:${resourceId}`),
        });
      }
    }
    let set = this.managedWrite.get(name);
    if (!set) this.managedWrite.set(name, (set = new Set()));
    for (const [id, on] of managed) {
      if (on) set.add(id);
      else set.delete(id);
    }
    return effects;
  }

  /** Is this write target of `name` managed globally by DynamoDB (R10 has set it)? */
  writeManaged(name: string, resourceId: string): boolean {
    return this.managedWrite.get(name)?.has(resourceId) ?? false;
  }

  /**
   * R12: an Application Auto Scaling RegisterScalableTarget/PutScalingPolicy reaching the
   * simulator (a client's call, not DynamoDB's own mirroring, which goes to moto directly).
   */
  checkScalingCall(
    region: string,
    operation: string,
    input: { ServiceNamespace?: string; ResourceId?: string; ScalableDimension?: string },
    now: number,
  ): void {
    if (operation !== 'RegisterScalableTarget' && operation !== 'PutScalingPolicy') return;
    if (input.ServiceNamespace !== 'dynamodb' || !WRITE_DIMENSIONS.has(String(input.ScalableDimension))) return;
    const m = /^table\/([^/]+)(?:\/index\/.+)?$/.exec(String(input.ResourceId ?? ''));
    if (!m) return;
    const name = m[1];
    const g = this.groupOf(region, name, now);
    if (!g || g.home === region || !this.writeManaged(name, String(input.ResourceId))) return;
    throw new SimError(
      'ValidationException',
      `replica simulator: the write capacity of replicated PROVISIONED table ${name} is managed globally by DynamoDB (UpdateTableReplicaAutoScaling); ` +
        `a second write scalable target or scaling policy for ${String(input.ResourceId)} in replica region ${region} would conflict with it`,
    );
  }
}
