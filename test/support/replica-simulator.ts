/**
 * The replica simulator: a loopback HTTP proxy in front of moto_server that implements what
 * moto does not: UpdateTable ReplicaUpdates and DescribeTable.Replicas (moto 5.2.1 accepts
 * ReplicaUpdates and ignores them), UpdateTableReplicaAutoScaling and
 * DescribeTableReplicaAutoScaling, and contributor insights (moto answers 500). Everything else is
 * forwarded to moto unchanged, so DynamoDB, tags, PITR, Application Auto Scaling and CloudWatch
 * are moto's real per-region backends.
 *
 * Two parts:
 * - the replication groups and their rules R1-R13, each with its AWS source, in
 *   replica-simulator/group.ts (pure, tested on its own);
 * - this proxy, which asks moto for the facts the rules need, runs their effects in moto, and
 *   injects faults: throttling, HTTP 500, latency, connection resets (`injectFault`), and the
 *   control plane's eventual consistency (`consistencyFaults`, replica-simulator/consistency.ts:
 *   ListTagsOfResource returns the previous tag set for a while after TagResource/UntagResource;
 *   DescribeTable answers ResourceNotFoundException for a while after CreateTable and the
 *   pre-update description after UpdateTable). Consistency faults are off unless a caller turns
 *   them on (`LIFECYCLE_FAULTS` is the preset lifecycle tests use);
 * - table exports (ExportTableToPointInTime, DescribeExport) with the layout DynamoDB writes,
 *   which moto's own lacks (replica-simulator/exports.ts, E1-E6);
 * - online index operations (`indexPhases`, opt-in; rules R14-R17 with their sources in
 *   replica-simulator/indexes.ts): a new GSI goes through resource allocation (IndexStatus
 *   CREATING, Backfilling false, table UPDATING) and backfilling (CREATING, Backfilling true) before
 *   ACTIVE; a deleted one stays DELETING for a while; one online index create or delete at a time
 *   per table (LimitExceededException); what each phase admits (ResourceInUseException); on a
 *   replicated table an index created or deleted in one region is created or deleted in every
 *   region of the group. Off when the option is absent: moto's behaviour (ACTIVE at once, any number
 *   of index operations, no propagation to replicas).
 *
 * Holds keep an operation in flight for as long as a test needs, whatever the machine's speed:
 * `holdIndexBackfill(region, table, index)` (an index create stays CREATING, Backfilling true) and
 * `holdReplicaCreation(region)` (a replica being created there stays CREATING); each returns its
 * release. `indexOperations` lists every index create, delete and update clients sent (and moto
 * accepted), in order, whether `indexPhases` is on or off.
 */
import * as http from 'node:http';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  ScanCommand,
  type TableDescription,
  UpdateTableCommand,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { S3Client } from '@aws-sdk/client-s3';
import { freePort } from './ports';
import { LOCAL_CREDENTIALS, type Moto } from './moto';
import { ReplicationGroups, SimError, type ScalingEffect, type SimOperation, type UpdateTableReplicaAutoScalingInput } from './replica-simulator/group';
import { ConsistencyModel, LIFECYCLE_FAULTS, NO_CONSISTENCY_FAULTS, type ConsistencyFaults, type TagList } from './replica-simulator/consistency';
import { IndexPhases, type IndexOperation, type IndexPhase, type IndexPhaseTimes, type IndexUpdateInput } from './replica-simulator/indexes';
import { ExportModel, type ExportRecord } from './replica-simulator/exports';

export { LIFECYCLE_FAULTS, NO_CONSISTENCY_FAULTS, type ConsistencyFaults, type IndexOperation, type IndexPhase, type IndexPhaseTimes, type SimOperation };

export interface SimCall {
  service: string;
  region: string;
  operation: string;
  mutating: boolean;
  status: number;
  /** DynamoDB calls: the TableName or ResourceArn the call named. */
  table?: string;
  fault?: FaultKind;
  /** Set when a consistency fault answered this read with stale data. */
  consistencyFault?: 'stale-tags' | 'describe-not-found' | 'stale-describe';
  /** Epoch ms when the call arrived. */
  at: number;
}

export type FaultKind = 'throttle' | 'error500' | 'latency' | 'reset';

export interface FaultSpec {
  kind: FaultKind;
  /** How many matching requests get the fault. */
  count: number;
  /** Operation names (e.g. UpdateTable); any when absent. */
  operations?: string[];
  latencyMs?: number;
}

export interface ReplicaSimulatorOptions {
  /** How long a replica stays CREATING / DELETING (ms). */
  replicaDelayMs?: number;
  /** Eventual-consistency faults; off by default. */
  consistencyFaults?: ConsistencyFaults;
  /** Online index phases and rules R14-R17 (replica-simulator/indexes.ts); off (moto's behaviour) when absent. */
  indexPhases?: IndexPhaseTimes;
  /** How long an export stays IN_PROGRESS (ms; replica-simulator/exports.ts); 0 by default. */
  exportMs?: number;
}

export interface ReplicaSimulator {
  endpoint: string;
  calls: SimCall[];
  operations: SimOperation[];
  /** Calls that change something (everything but Describe*, List*, Get*). */
  mutatingCalls(): SimCall[];
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** Turns the eventual-consistency faults on or off (and sets their lags) from now on. */
  setConsistencyFaults(spec: ConsistencyFaults): void;
  /** The consistency faults in force. */
  consistencyFaults(): ConsistencyFaults;
  /** How long a replica stays CREATING / DELETING (ms). */
  replicaDelayMs: number;
  /** The next replica creation in this region ends CREATION_FAILED with this description. */
  failNextCreate(region: string, description: string): void;
  /**
   * Index phase durations (R14-R17) for operations started from now on; undefined: off, moto's
   * behaviour. Set from the `indexPhases` option.
   */
  indexPhases: IndexPhaseTimes | undefined;
  /** Every index create, delete and update a client sent and moto accepted, oldest first (DynamoDB's own R17 copies not included). */
  indexOperations: IndexOperation[];
  /**
   * While held, a create of this index in this region stays CREATING with Backfilling true once
   * its resource allocation (allocationMs) is over; the returned function releases it (ACTIVE at
   * the next look). May be placed before the create. Needs `indexPhases`.
   */
  holdIndexBackfill(region: string, tableName: string, indexName: string): () => void;
  /**
   * While held, every replica being created in this region stays CREATING (ReplicaStatusPercentProgress
   * "0", the home table UPDATING) even after replicaDelayMs; the returned function releases them
   * (ACTIVE, or CREATION_FAILED when told to fail, at the next look once the delay is over).
   */
  holdReplicaCreation(region: string): () => void;
  /** The phase the simulator reports for an index (undefined: not in an online operation it tracks). */
  indexPhase(region: string, tableName: string, indexName: string): IndexPhase | undefined;
  /** Every export requested (ExportTableToPointInTime, modelled in replica-simulator/exports.ts, E1-E6), oldest first. */
  exports: ExportRecord[];
  /** Exports started from now on stay IN_PROGRESS until the returned function is called. */
  holdExports(): () => void;
  /** A DynamoDB client straight to moto in a region (bypasses the simulator, for assertions). */
  direct(region: string): DynamoDBClient;
  directAutoscaling(region: string): ApplicationAutoScalingClient;
  /** Replica regions of a table as the simulator sees them, with status. */
  replicaStatus(homeRegion: string, tableName: string): Record<string, string>;
  /** DescribeTable in `region` as DynamoDB would answer it, past the consistency faults (for assertions); undefined: no table. */
  describe(region: string, tableName: string): Promise<TableDescription | undefined>;
  /** Contributor Insights of a table (or one of its indexes) in `region`: its status and mode. */
  insightsOf(region: string, tableName: string, indexName?: string): { status: 'ENABLED' | 'DISABLED'; mode?: string };
  stop(): Promise<void>;
}

const READ_ONLY = /^(Describe|List|Get|Scan|Query|BatchGet|HEAD |GET )/;

function jsonError(res: http.ServerResponse, status: number, type: string, message: string, contentType = 'application/x-amz-json-1.0') {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** SDK-parsed shapes back to the wire: timestamps are epoch seconds in DynamoDB's JSON protocol. */
function toWire(v: unknown): unknown {
  if (v instanceof Date) return v.getTime() / 1000;
  if (Array.isArray(v)) return v.map(toWire);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}

function json(res: http.ServerResponse, value: unknown) {
  const body = JSON.stringify(toWire(value));
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** table/<name> or an ARN's table part → the table name; `region` from the ARN when there is one. */
function tableOfArn(arn: string): { name: string; region?: string } {
  const m = /^arn:[^:]+:dynamodb:([^:]+):[^:]*:table\/([^/]+)/.exec(arn);
  return m ? { region: m[1], name: m[2] } : { name: arn };
}

export async function startReplicaSimulator(moto: Moto, opts: ReplicaSimulatorOptions = {}): Promise<ReplicaSimulator> {
  const port = await freePort();
  const motoUrl = new URL(moto.endpoint);
  const calls: SimCall[] = [];
  const operations: SimOperation[] = [];
  let faults: FaultSpec[] = [];
  const groups = new ReplicationGroups();
  const consistency = new ConsistencyModel(opts.consistencyFaults ?? NO_CONSISTENCY_FAULTS);
  const indexes = new IndexPhases(opts.indexPhases);
  const indexOperations: IndexOperation[] = [];
  const insights = new Map<string, { status: 'ENABLED' | 'DISABLED'; mode: string }>(); // key: region|table[|index]
  // Table classes: moto 5.2.1 ignores TableClass and reports no TableClassSummary. DynamoDB reports
  // TableClassSummary.TableClass (DescribeTable API reference, TableDescription), and a replica's
  // own table has its TableClassOverride (CreateReplicationGroupMemberAction,
  // UpdateReplicationGroupMemberAction).
  const tableClasses = new Map<string, string>(); // key: region|table
  const clients = new Map<string, DynamoDBClient>();
  const aasClients = new Map<string, ApplicationAutoScalingClient>();
  const direct = (region: string) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = new DynamoDBClient({ region, endpoint: moto.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 })));
    return c;
  };
  const directAutoscaling = (region: string) => {
    let c = aasClients.get(region);
    if (!c) aasClients.set(region, (c = new ApplicationAutoScalingClient({ region, endpoint: moto.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 })));
    return c;
  };
  let s3: S3Client | undefined;
  const exportModel = new ExportModel({
    dynamodb: direct,
    s3: () => (s3 ??= new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, maxAttempts: 2 })),
    durationMs: opts.exportMs ?? 0,
  });
  const sim: ReplicaSimulator = {
    endpoint: `http://127.0.0.1:${port}`,
    exports: exportModel.exports,
    holdExports: () => exportModel.hold(),
    calls,
    operations,
    mutatingCalls: () => calls.filter((c) => c.mutating && c.status < 400),
    injectFault: (spec) => void faults.push({ ...spec }),
    clearFaults: () => void (faults = []),
    setConsistencyFaults: (spec) => consistency.set(spec),
    consistencyFaults: () => consistency.settings,
    failNextCreate: (region, description) => groups.failNextCreate(region, description),
    get indexPhases() {
      return indexes.times;
    },
    set indexPhases(times: IndexPhaseTimes | undefined) {
      indexes.times = times;
    },
    indexOperations,
    holdIndexBackfill: (region, tableName, indexName) => {
      if (!indexes.enabled) throw new Error('replica simulator: holdIndexBackfill needs the indexPhases option');
      return indexes.hold(region, tableName, indexName, Date.now());
    },
    holdReplicaCreation: (region) => groups.holdCreation(region),
    indexPhase: (region, tableName, indexName) => indexes.phase(region, tableName, indexName, Date.now()),
    replicaDelayMs: opts.replicaDelayMs ?? 300,
    direct,
    directAutoscaling,
    replicaStatus: (home, name) => groups.replicaStatus(home, name, Date.now()),
    describe: async (region, name) => {
      const t = await describeDirect(region, name);
      return t ? (describedAs(region, t as unknown as Record<string, unknown>, Date.now()) as TableDescription) : undefined;
    },
    insightsOf: (region, name, index) => {
      const seen = insights.get(`${region}|${name}${index ? `|${index}` : ''}`);
      return seen?.status === 'ENABLED' ? { status: 'ENABLED', mode: seen.mode } : { status: 'DISABLED' };
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function describeDirect(region: string, name: string): Promise<TableDescription | undefined> {
    try {
      return (await direct(region).send(new DescribeTableCommand({ TableName: name }))).Table;
    } catch {
      return undefined;
    }
  }

  async function hasScalableTarget(region: string, resourceId: string, dimension: string): Promise<boolean> {
    const t = await directAutoscaling(region).send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'dynamodb',
        ResourceIds: [resourceId],
        ScalableDimension: dimension as 'dynamodb:table:WriteCapacityUnits',
      }),
    );
    return (t.ScalableTargets ?? []).length > 0;
  }

  function simError(res: http.ServerResponse, e: SimError) {
    jsonError(res, e.status, e.type, e.message);
  }

  async function replicaUpdates(region: string, input: Record<string, unknown>, res: http.ServerResponse) {
    const name = String(input.TableName ?? '');
    const table = await describeDirect(region, name);
    const plan = await groups.planReplicaUpdates(
      region,
      input,
      table,
      {
        writeAutoscaled: () => hasScalableTarget(region, `table/${name}`, 'dynamodb:table:WriteCapacityUnits'),
        deletionProtected: async (target) => Boolean((await describeDirect(target, name))?.DeletionProtectionEnabled),
        hasItems: async () => ((await direct(region).send(new ScanCommand({ TableName: name, Limit: 1, Select: 'COUNT' }))).Count ?? 0) > 0,
      },
      Date.now(),
      sim.replicaDelayMs,
    );
    const t = table as TableDescription;
    for (const effect of plan.effects) {
      if (effect.kind === 'create-replica-table') {
        // R6: the replica table really exists in the target region, same schema.
        const provisioned = effect.provisioned;
        await direct(effect.region).send(
          new CreateTableCommand({
            TableName: name,
            AttributeDefinitions: t.AttributeDefinitions,
            KeySchema: t.KeySchema,
            BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
            ...(provisioned
              ? {
                  ProvisionedThroughput: {
                    ReadCapacityUnits: effect.readCapacity ?? t.ProvisionedThroughput?.ReadCapacityUnits ?? 1,
                    WriteCapacityUnits: t.ProvisionedThroughput?.WriteCapacityUnits ?? 1,
                  },
                }
              : {}),
            ...(t.GlobalSecondaryIndexes?.length
              ? {
                  GlobalSecondaryIndexes: t.GlobalSecondaryIndexes.map((gsi) => ({
                    IndexName: gsi.IndexName,
                    KeySchema: gsi.KeySchema,
                    Projection: gsi.Projection,
                    ...(provisioned
                      ? {
                          ProvisionedThroughput: {
                            ReadCapacityUnits: gsi.ProvisionedThroughput?.ReadCapacityUnits ?? 1,
                            WriteCapacityUnits: gsi.ProvisionedThroughput?.WriteCapacityUnits ?? 1,
                          },
                        }
                      : {}),
                  })),
                }
              : {}),
            ...(t.LocalSecondaryIndexes?.length
              ? { LocalSecondaryIndexes: t.LocalSecondaryIndexes.map((l) => ({ IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection })) }
              : {}),
            StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
            ...(effect.kms ? { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: effect.kms } } : {}),
            ...(effect.tableClass ? { TableClass: effect.tableClass } : {}),
          }),
        );
        if (effect.tableClass) tableClasses.set(`${effect.region}|${name}`, effect.tableClass);
      } else {
        await direct(effect.region)
          .send(new DeleteTableCommand({ TableName: name }))
          .catch(() => undefined);
        indexes.forget(effect.region, name);
        tableClasses.delete(`${effect.region}|${name}`);
      }
    }
    operations.push(...plan.commit(Date.now()));
    const after = await describeDirect(region, name);
    return json(res, { TableDescription: describedAs(region, after as Record<string, unknown> | undefined, Date.now()) });
  }

  /** A table description of `region` as DynamoDB answers it: index phases (R14), then the replication group (R7). */
  function describedAs(region: string, t: Record<string, unknown> | undefined, now: number): Record<string, unknown> {
    const described = groups.patchDescription(region, indexes.mask(region, t, now) as Record<string, unknown>, now);
    const tableClass = tableClasses.get(`${region}|${String(described?.TableName ?? '')}`);
    return tableClass && described ? { ...described, TableClassSummary: { TableClass: tableClass } } : described;
  }

  /** The regions of the table's replication group (just `region` when it has none). */
  function groupRegions(region: string, name: string, now: number): string[] {
    const g = groups.groupOf(region, name, now);
    return g ? groups.regionsOf(g, now) : [region];
  }

  /** R17: DynamoDB creates or deletes the index in every other region of the group (straight into moto there). */
  async function replicateIndexes(region: string, input: Record<string, unknown>, now: number) {
    const name = String(input.TableName ?? '');
    const updates = ((input.GlobalSecondaryIndexUpdates ?? []) as IndexUpdateInput['GlobalSecondaryIndexUpdates'] & object).filter((u) => u.Create || u.Delete);
    if (updates.length === 0) return;
    for (const r of groupRegions(region, name, now).filter((x) => x !== region)) {
      const before = await describeDirect(r, name);
      if (!before) continue;
      const copy = { TableName: name, GlobalSecondaryIndexUpdates: updates };
      try {
        await direct(r).send(
          new UpdateTableCommand({
            ...copy,
            ...(input.AttributeDefinitions ? { AttributeDefinitions: input.AttributeDefinitions } : {}),
          } as UpdateTableCommandInput),
        );
      } catch {
        continue; // e.g. a test already made the index there itself
      }
      indexes.started(r, copy, before as Record<string, unknown[]>, now);
    }
  }

  function recordIndexOperations(region: string, input: Record<string, unknown>, at: number) {
    for (const u of (input.GlobalSecondaryIndexUpdates ?? []) as IndexUpdateInput['GlobalSecondaryIndexUpdates'] & object) {
      const kind = u.Create ? 'create' : u.Delete ? 'delete' : u.Update ? 'update' : undefined;
      const index = (u.Create ?? u.Delete ?? u.Update)?.IndexName;
      if (kind) indexOperations.push({ region, table: String(input.TableName ?? ''), index: String(index ?? ''), kind, at });
    }
  }

  /** R10: DynamoDB's own mirroring of auto scaling settings, straight into moto's Application Auto Scaling. */
  async function applyScaling(effects: ScalingEffect[]) {
    for (const e of effects) {
      const aas = directAutoscaling(e.region);
      if (!e.settings) {
        await aas
          .send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'dynamodb', ResourceId: e.resourceId, ScalableDimension: e.dimension }))
          .catch(() => undefined);
        continue;
      }
      await aas.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'dynamodb',
          ResourceId: e.resourceId,
          ScalableDimension: e.dimension,
          MinCapacity: e.settings.min,
          MaxCapacity: e.settings.max,
          ...(e.settings.roleArn ? { RoleARN: e.settings.roleArn } : {}),
        }),
      );
      const write = e.dimension.endsWith('WriteCapacityUnits');
      await aas.send(
        new PutScalingPolicyCommand({
          ServiceNamespace: 'dynamodb',
          ResourceId: e.resourceId,
          ScalableDimension: e.dimension,
          PolicyName: e.settings.policyName,
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: e.settings.targetValue,
            PredefinedMetricSpecification: { PredefinedMetricType: write ? 'DynamoDBWriteCapacityUtilization' : 'DynamoDBReadCapacityUtilization' },
            ...(e.settings.scaleInCooldown !== undefined ? { ScaleInCooldown: e.settings.scaleInCooldown } : {}),
            ...(e.settings.scaleOutCooldown !== undefined ? { ScaleOutCooldown: e.settings.scaleOutCooldown } : {}),
            ...(e.settings.disableScaleIn !== undefined ? { DisableScaleIn: e.settings.disableScaleIn } : {}),
          },
        }),
      );
    }
  }

  /** DescribeTableReplicaAutoScaling, read from moto's Application Auto Scaling in every region of the group. */
  async function describeReplicaAutoScaling(region: string, name: string) {
    const now = Date.now();
    const table = indexes.mask(region, (await describeDirect(region, name)) as Record<string, unknown> | undefined, now) as TableDescription | undefined;
    if (!table) throw new SimError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    const g = groups.groupOf(region, name, now);
    const regions = g ? groups.regionsOf(g, now) : [region];
    const status = g ? groups.replicaStatus(g.home, name, now) : {};
    const replicas = [];
    for (const r of regions) {
      const aas = directAutoscaling(r);
      const targets = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb' }))).ScalableTargets ?? [];
      const policies = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'dynamodb' }))).ScalingPolicies ?? [];
      const settings = (resourceId: string, dimension: string) => {
        const target = targets.find((x) => x.ResourceId === resourceId && x.ScalableDimension === dimension);
        if (!target) return undefined;
        return {
          MinimumUnits: target.MinCapacity,
          MaximumUnits: target.MaxCapacity,
          AutoScalingDisabled: false,
          ...(target.RoleARN ? { AutoScalingRoleArn: target.RoleARN } : {}),
          ScalingPolicies: policies
            .filter((p) => p.ResourceId === resourceId && p.ScalableDimension === dimension && p.TargetTrackingScalingPolicyConfiguration)
            .map((p) => ({
              PolicyName: p.PolicyName,
              TargetTrackingScalingPolicyConfiguration: {
                TargetValue: p.TargetTrackingScalingPolicyConfiguration?.TargetValue,
                ...(p.TargetTrackingScalingPolicyConfiguration?.ScaleInCooldown !== undefined
                  ? { ScaleInCooldown: p.TargetTrackingScalingPolicyConfiguration.ScaleInCooldown }
                  : {}),
                ...(p.TargetTrackingScalingPolicyConfiguration?.ScaleOutCooldown !== undefined
                  ? { ScaleOutCooldown: p.TargetTrackingScalingPolicyConfiguration.ScaleOutCooldown }
                  : {}),
                ...(p.TargetTrackingScalingPolicyConfiguration?.DisableScaleIn !== undefined
                  ? { DisableScaleIn: p.TargetTrackingScalingPolicyConfiguration.DisableScaleIn }
                  : {}),
              },
            })),
        };
      };
      const base = `table/${name}`;
      replicas.push({
        RegionName: r,
        ReplicaStatus: r === (g?.home ?? region) ? 'ACTIVE' : (status[r] ?? 'ACTIVE'),
        ...(settings(base, 'dynamodb:table:ReadCapacityUnits')
          ? { ReplicaProvisionedReadCapacityAutoScalingSettings: settings(base, 'dynamodb:table:ReadCapacityUnits') }
          : {}),
        ...(settings(base, 'dynamodb:table:WriteCapacityUnits')
          ? { ReplicaProvisionedWriteCapacityAutoScalingSettings: settings(base, 'dynamodb:table:WriteCapacityUnits') }
          : {}),
        GlobalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? []).map((gsi) => {
          const id = `${base}/index/${gsi.IndexName}`;
          return {
            IndexName: gsi.IndexName,
            IndexStatus: gsi.IndexStatus ?? 'ACTIVE',
            ...(settings(id, 'dynamodb:index:ReadCapacityUnits')
              ? { ProvisionedReadCapacityAutoScalingSettings: settings(id, 'dynamodb:index:ReadCapacityUnits') }
              : {}),
            ...(settings(id, 'dynamodb:index:WriteCapacityUnits')
              ? { ProvisionedWriteCapacityAutoScalingSettings: settings(id, 'dynamodb:index:WriteCapacityUnits') }
              : {}),
          };
        }),
      });
    }
    const described = describedAs(region, table as unknown as Record<string, unknown>, now);
    return { TableAutoScalingDescription: { TableName: name, TableStatus: described.TableStatus, Replicas: replicas } };
  }

  async function contributorInsights(region: string, op: string, input: Record<string, unknown>, res: http.ServerResponse) {
    // moto answers 500 here; the shapes follow the DynamoDB API reference (Describe/UpdateContributorInsights).
    const name = String(input.TableName ?? '');
    const table = await describeDirect(region, name);
    if (!table) return jsonError(res, 400, 'ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    if (input.IndexName !== undefined && !(table.GlobalSecondaryIndexes ?? []).some((g) => g.IndexName === input.IndexName))
      return jsonError(res, 400, 'ResourceNotFoundException', `Requested resource not found: Index: ${String(input.IndexName)} not found for table ${name}`);
    const key = `${region}|${name}${input.IndexName ? `|${input.IndexName}` : ''}`;
    if (op === 'UpdateContributorInsights') {
      const status = input.ContributorInsightsAction === 'ENABLE' ? 'ENABLED' : 'DISABLED';
      // The mode defaults to ACCESSED_AND_THROTTLED_KEYS (UpdateContributorInsights API reference, ContributorInsightsMode).
      const mode = typeof input.ContributorInsightsMode === 'string' ? input.ContributorInsightsMode : 'ACCESSED_AND_THROTTLED_KEYS';
      insights.set(key, { status, mode });
      return json(res, {
        TableName: name,
        ...(input.IndexName ? { IndexName: input.IndexName } : {}),
        ContributorInsightsStatus: status === 'ENABLED' ? 'ENABLING' : 'DISABLING',
        ...(status === 'ENABLED' ? { ContributorInsightsMode: mode } : {}),
      });
    }
    const seen = insights.get(key);
    return json(res, {
      TableName: name,
      ...(input.IndexName ? { IndexName: input.IndexName } : {}),
      ContributorInsightsStatus: seen?.status ?? 'DISABLED',
      ...(seen?.status === 'ENABLED' ? { ContributorInsightsMode: seen.mode } : {}),
    });
  }

  async function currentTags(arn: string, signingRegion: string): Promise<TagList> {
    try {
      const out = await direct(tableOfArn(arn).region ?? signingRegion).send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
      return (out.Tags ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value) }));
    } catch {
      return [];
    }
  }

  interface Upstream {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
  }

  /** The request as moto answers it, not yet sent back. */
  function upstream(req: http.IncomingMessage, body: Buffer): Promise<Upstream> {
    return new Promise((resolve) => {
      const headers = { ...req.headers, host: motoUrl.host };
      const up = http.request({ host: motoUrl.hostname, port: motoUrl.port, method: req.method, path: req.url, headers }, (ur) => {
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => resolve({ status: ur.statusCode ?? 502, headers: ur.headers, body: Buffer.concat(chunks) }));
      });
      up.on('error', () => resolve({ status: 502, headers: {}, body: Buffer.alloc(0) }));
      up.end(body);
    });
  }

  /** Sends moto's answer back, its JSON patched first when it succeeded. */
  function reply(res: http.ServerResponse, up: Upstream, patch?: (json: Record<string, unknown>) => Record<string, unknown>): number {
    let out = up.body;
    if (patch && up.status === 200) {
      try {
        out = Buffer.from(JSON.stringify(patch(JSON.parse(out.toString('utf8')))), 'utf8');
      } catch {
        /* leave unpatched */
      }
    }
    const h = { ...up.headers, 'content-length': String(out.length) };
    delete h['transfer-encoding'];
    res.writeHead(up.status, h);
    res.end(out);
    return up.status;
  }

  async function forward(
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse,
    patch?: (json: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<number> {
    return reply(res, await upstream(req, body), patch);
  }

  async function dynamodb(
    region: string,
    operation: string,
    input: Record<string, unknown>,
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse,
    call: SimCall,
  ): Promise<number> {
    const name = String(input.TableName ?? '');
    const key = `${region}|${name}`;
    switch (operation) {
      case 'UpdateTable': {
        if (input.ReplicaUpdates !== undefined || input.GlobalTableWitnessUpdates !== undefined) {
          await replicaUpdates(region, input, res);
          if (res.statusCode === 200)
            for (const u of (input.ReplicaUpdates ?? []) as { Update?: { RegionName?: string; TableClassOverride?: string } }[])
              if (u.Update?.TableClassOverride) tableClasses.set(`${u.Update.RegionName}|${name}`, u.Update.TableClassOverride);
          return res.statusCode;
        }
        const before = await describeDirect(region, name);
        // R3, R11, R13 before moto sees the call.
        await groups.checkTableUpdate(region, input, before, () => hasScalableTarget(region, `table/${name}`, 'dynamodb:table:WriteCapacityUnits'), Date.now());
        // R15, R16 (index phases, when on).
        if (before)
          indexes.checkUpdate(region, input as IndexUpdateInput, before.BillingModeSummary?.BillingMode, groupRegions(region, name, Date.now()), Date.now());
        const previous = before ? describedAs(region, before as unknown as Record<string, unknown>, Date.now()) : undefined;
        const up = await upstream(req, body);
        if (up.status === 200) {
          const now = Date.now();
          recordIndexOperations(region, input, now);
          if (indexes.enabled) {
            indexes.started(region, input as IndexUpdateInput, before as Record<string, unknown[]> | undefined, now);
            await replicateIndexes(region, input, now); // R17
          }
          if (previous) consistency.tableUpdated(key, previous, now);
          if (typeof input.TableClass === 'string') tableClasses.set(key, input.TableClass);
        }
        // UpdateTable's own answer shows the new phases too (the index CREATING, Backfilling false; a deleted one DELETING).
        return reply(
          res,
          up,
          indexes.enabled ? (j) => ({ ...j, TableDescription: indexes.mask(region, j.TableDescription as Record<string, unknown>, Date.now()) }) : undefined,
        );
      }
      case 'CreateTable': {
        const status = await forward(req, body, res);
        if (status === 200) {
          indexes.forget(region, name);
          consistency.tableCreated(key, Date.now());
          if (typeof input.TableClass === 'string') tableClasses.set(key, input.TableClass);
          else tableClasses.delete(key);
        }
        return status;
      }
      case 'DeleteTable': {
        // R16: not while an index is in an online operation.
        indexes.checkDeleteTable(region, name, Date.now());
        const status = await forward(req, body, res);
        if (status === 200) {
          indexes.forget(region, name);
          tableClasses.delete(key);
        }
        return status;
      }
      case 'DescribeTable': {
        const view = consistency.describeRead(key, Date.now());
        if (view?.kind === 'not-found') {
          call.consistencyFault = 'describe-not-found';
          jsonError(res, 400, 'ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
          return 400;
        }
        if (view?.kind === 'stale') {
          call.consistencyFault = 'stale-describe';
          json(res, { Table: view.table });
          return 200;
        }
        return forward(req, body, res, (j) => ({ ...j, Table: describedAs(region, j.Table as Record<string, unknown>, Date.now()) }));
      }
      case 'TagResource':
      case 'UntagResource': {
        const arn = String(input.ResourceArn ?? '');
        const previous = consistency.tagsLag ? await currentTags(arn, region) : [];
        const status = await forward(req, body, res);
        if (status === 200) consistency.tagWrite(arn, previous, Date.now());
        return status;
      }
      case 'ListTagsOfResource': {
        const stale = consistency.tagRead(String(input.ResourceArn ?? ''), Date.now());
        if (stale) {
          call.consistencyFault = 'stale-tags';
          json(res, { Tags: stale });
          return 200;
        }
        return forward(req, body, res);
      }
      case 'ExportTableToPointInTime':
        json(res, { ExportDescription: await exportModel.start(tableOfArn(String(input.TableArn ?? '')).region ?? region, input, Date.now()) });
        return 200;
      case 'DescribeExport':
        json(res, { ExportDescription: await exportModel.describe(String(input.ExportArn ?? ''), Date.now()) });
        return 200;
      case 'UpdateTimeToLive': {
        // R25: MRSC global tables do not support Time to Live (developer guide, consistency modes).
        const spec = input.TimeToLiveSpecification as { Enabled?: boolean } | undefined;
        if (spec?.Enabled && groups.isStrong(region, name, Date.now()))
          throw new SimError('ValidationException', `Time to Live is not supported on multi-Region strongly consistent global table ${name}`);
        return forward(req, body, res);
      }
      case 'TransactWriteItems':
      case 'TransactGetItems': {
        // R25: nor transactions (same source).
        const items = (input.TransactItems ?? []) as Record<string, { TableName?: string }>[];
        const named = items.flatMap((i) => Object.values(i).map((x) => String(x?.TableName ?? '')));
        const strong = named.find((n) => groups.isStrong(region, n, Date.now()));
        if (strong) throw new SimError('ValidationException', `Transactions are not supported on multi-Region strongly consistent global table ${strong}`);
        return forward(req, body, res);
      }
      case 'DescribeContributorInsights':
      case 'UpdateContributorInsights':
        await contributorInsights(region, operation, input, res);
        return res.statusCode;
      case 'UpdateTableReplicaAutoScaling': {
        const table = await describeDirect(region, name);
        const effects = groups.planReplicaAutoScaling(region, input as UpdateTableReplicaAutoScalingInput, table, Date.now());
        await applyScaling(effects);
        json(res, await describeReplicaAutoScaling(region, name));
        return 200;
      }
      case 'DescribeTableReplicaAutoScaling':
        json(res, await describeReplicaAutoScaling(region, name));
        return 200;
      default:
        return forward(req, body, res);
    }
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const region = scope?.[1] ?? 'us-east-1';
    const service = scope?.[2] ?? 'unknown';
    const target = String(req.headers['x-amz-target'] ?? '');
    let operation = target.includes('.') ? (target.split('.').pop() ?? '') : '';
    if (!operation) {
      const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'));
      operation = action ? action[1] : `${req.method} ${String(req.url).split('?')[0]}`;
    }
    const call: SimCall = { service, region, operation, mutating: !READ_ONLY.test(operation), status: 0, at: Date.now() };
    calls.push(call);

    const fault = faults.find((f) => f.count > 0 && (!f.operations || f.operations.includes(operation)));
    if (fault) {
      fault.count--;
      call.fault = fault.kind;
      if (fault.kind === 'reset') {
        call.status = 599;
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'throttle') {
        call.status = 400;
        // DynamoDB control-plane throttling; the SDK retries it with backoff.
        return jsonError(res, 400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
      }
      if (fault.kind === 'error500') {
        call.status = 500;
        return jsonError(res, 500, 'InternalServerError', 'Internal server error');
      }
      await new Promise((r) => setTimeout(r, fault.latencyMs ?? 500));
    }

    try {
      if (service === 'dynamodb') {
        const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
        const named = input.TableName ?? input.ResourceArn;
        if (typeof named === 'string') call.table = named.includes(':table/') ? named.split(':table/')[1] : named;
        call.status = await dynamodb(region, operation, input, req, body, res, call);
        return;
      }
      if (service === 'application-autoscaling' && (operation === 'RegisterScalableTarget' || operation === 'PutScalingPolicy')) {
        const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, string>) : {};
        // R12: a second write target/policy in a replica region of a globally managed table.
        groups.checkScalingCall(region, operation, input, Date.now());
      }
      call.status = await forward(req, body, res);
    } catch (e) {
      if (e instanceof SimError) {
        call.status = e.status;
        if (!res.headersSent) simError(res, e);
        return;
      }
      call.status = 500;
      if (!res.headersSent) jsonError(res, 500, 'InternalServerError', `replica simulator: ${(e as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return sim;
}
