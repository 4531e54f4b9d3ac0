/**
 * The replica simulator: a loopback HTTP proxy in front of moto_server that implements what
 * moto does not: UpdateTable ReplicaUpdates and DescribeTable.Replicas (moto 5.2.1 accepts
 * ReplicaUpdates and ignores them; /work/shared/notes/local-test-stack.md §1a), and contributor
 * insights (moto answers 500). Everything else is forwarded to moto unchanged, so DynamoDB,
 * tags, PITR, Application Auto Scaling and CloudWatch are moto's real per-region backends.
 *
 * Rules implemented, each with its AWS source:
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
 *   (developer guide, global table design: throughput).
 * - R6 Create invokes CreateTableReplica in the destination region: the replica table really is
 *   created there, with the same key schema, indexes and stream (ReplicationGroupUpdate docs);
 *   Delete invokes DeleteTableReplica, "deleting the replica and all of its items".
 * - R7 ReplicaStatus CREATING → ACTIVE after a delay, and the table is UPDATING meanwhile
 *   (ReplicaDescription.ReplicaStatus enum; UpdateTable: "the table status changes from ACTIVE to
 *   UPDATING"); DELETING → gone likewise.
 * - R8 a replica with deletion protection cannot be deleted: "When this property is enabled, the
 *   table cannot be deleted by any user or process" (DeletionProtectionEnabled, CreateTable API
 *   reference; globaltables-bestpractices: "You must enable deletion protection on each replica").
 * - R9 overrides via Update: ProvisionedThroughputOverride (read only), OnDemandThroughputOverride
 *   (MaxReadRequestUnits), TableClassOverride (UpdateReplicationGroupMemberAction).
 * Fault injection on request: throttling, HTTP 500, latency and connection resets.
 */
import * as http from 'node:http';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { freePort } from './ports';
import { LOCAL_CREDENTIALS, type Moto } from './moto';

export interface SimCall {
  service: string;
  region: string;
  operation: string;
  mutating: boolean;
  status: number;
  /** DynamoDB calls: the TableName or ResourceArn the call named. */
  table?: string;
  fault?: FaultKind;
  /** Epoch ms when the call arrived. */
  at: number;
}

/** One replica create or delete as the simulator ran it: its own operation time is readyAt - startedAt. */
export interface SimOperation {
  table: string;
  region: string;
  kind: 'create' | 'delete' | 'update';
  startedAt: number;
  readyAt: number;
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

interface Member {
  region: string;
  status: 'CREATING' | 'ACTIVE' | 'DELETING' | 'UPDATING' | 'CREATION_FAILED';
  /** Set when the creation was told to fail: the status after the delay. */
  failure?: string;
  readyAt: number;
  kms?: string;
  tableClass?: string;
  readCapacity?: number;
  maxRead?: number;
}

interface Group {
  name: string;
  home: string;
  members: Map<string, Member>;
  busyUntil: number;
}

export interface ReplicaSimulator {
  endpoint: string;
  calls: SimCall[];
  operations: SimOperation[];
  /** Calls that change something (everything but Describe*, List*, Get*). */
  mutatingCalls(): SimCall[];
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** How long a replica stays CREATING / DELETING (ms). */
  replicaDelayMs: number;
  /** The next replica creation in this region ends CREATION_FAILED with this description. */
  failNextCreate(region: string, description: string): void;
  /** A DynamoDB client straight to moto in a region (bypasses the simulator, for assertions). */
  direct(region: string): DynamoDBClient;
  directAutoscaling(region: string): ApplicationAutoScalingClient;
  /** Replica regions of a table as the simulator sees them, with status. */
  replicaStatus(homeRegion: string, tableName: string): Record<string, string>;
  stop(): Promise<void>;
}

const READ_ONLY = /^(Describe|List|Get|Scan|Query|BatchGet|HEAD |GET )/;

function jsonError(res: http.ServerResponse, status: number, type: string, message: string) {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
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

export async function startReplicaSimulator(moto: Moto, opts: { replicaDelayMs?: number } = {}): Promise<ReplicaSimulator> {
  const port = await freePort();
  const motoUrl = new URL(moto.endpoint);
  const calls: SimCall[] = [];
  const operations: SimOperation[] = [];
  let faults: FaultSpec[] = [];
  const failingCreates = new Map<string, string>();
  const groups = new Map<string, Group>(); // key: table name (one account)
  const insights = new Map<string, 'ENABLED' | 'DISABLED'>(); // key: region|table
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
  const sim: ReplicaSimulator = {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    operations,
    mutatingCalls: () => calls.filter((c) => c.mutating && c.status < 400),
    injectFault: (spec) => void faults.push({ ...spec }),
    clearFaults: () => void (faults = []),
    failNextCreate: (region, description) => void failingCreates.set(region, description),
    replicaDelayMs: opts.replicaDelayMs ?? 300,
    direct,
    directAutoscaling,
    replicaStatus: (home, name) => {
      const g = groups.get(name);
      if (!g || g.home !== home) return {};
      settle(g);
      return Object.fromEntries([...g.members.values()].map((m) => [m.region, m.status]));
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };

  /** R7: transitions happen lazily, when someone looks. */
  function settle(g: Group) {
    const now = Date.now();
    for (const m of [...g.members.values()]) {
      if (now < m.readyAt) continue;
      if (m.status === 'DELETING') g.members.delete(m.region);
      else if (m.status === 'CREATING' && m.failure) m.status = 'CREATION_FAILED';
      else if (m.status !== 'CREATION_FAILED') m.status = 'ACTIVE';
    }
  }

  function groupOf(region: string, name: string): Group | undefined {
    const g = groups.get(name);
    if (!g) return undefined;
    settle(g);
    return g.home === region || g.members.has(region) ? g : undefined;
  }

  function replicaDescriptions(g: Group, exceptRegion: string) {
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
      });
    }
    return list;
  }

  function patchDescription(region: string, t: Record<string, unknown>) {
    const g = groupOf(region, String(t.TableName));
    if (!g) return t;
    const now = Date.now();
    const out: Record<string, unknown> = { ...t, GlobalTableVersion: '2019.11.21', Replicas: replicaDescriptions(g, region) };
    if (g.home === region) {
      if (now < g.busyUntil) out.TableStatus = 'UPDATING';
    } else {
      const m = g.members.get(region);
      if (m && m.status !== 'ACTIVE') out.TableStatus = m.status === 'DELETING' ? 'DELETING' : m.status === 'UPDATING' ? 'ACTIVE' : 'CREATING';
    }
    return out;
  }

  async function describeDirect(region: string, name: string): Promise<TableDescription | undefined> {
    try {
      return (await direct(region).send(new DescribeTableCommand({ TableName: name }))).Table;
    } catch {
      return undefined;
    }
  }

  async function replicaUpdates(region: string, input: Record<string, unknown>, res: http.ServerResponse) {
    const name = String(input.TableName ?? '');
    const updates = input.ReplicaUpdates as Record<string, Record<string, unknown>>[];
    const other = Object.keys(input).filter((k) => k !== 'TableName' && k !== 'ReplicaUpdates');
    if (other.length > 0) return jsonError(res, 400, 'ValidationException', `replica simulator: ReplicaUpdates combined with ${other.join(', ')} is not simulated`);
    if (!Array.isArray(updates) || updates.length === 0) return jsonError(res, 400, 'ValidationException', 'ReplicaUpdates must not be empty');
    // R2
    for (const u of updates) {
      if (Object.keys(u).filter((k) => ['Create', 'Update', 'Delete'].includes(k)).length !== 1) {
        return jsonError(res, 400, 'ValidationException', 'Each ReplicationGroupUpdate must contain exactly one of Create, Update or Delete');
      }
    }
    // R1
    if (updates.filter((u) => u.Create || u.Delete).length > 1) {
      return jsonError(res, 400, 'ValidationException', 'Only one replica can be created or deleted per UpdateTable request');
    }
    const table = await describeDirect(region, name);
    if (!table) return jsonError(res, 400, 'ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    let g = groups.get(name);
    if (g) settle(g);
    // R3
    const inFlight = g && (Date.now() < g.busyUntil || [...g.members.values()].some((m) => m.status !== 'ACTIVE' && m.status !== 'CREATION_FAILED'));
    if (inFlight) return jsonError(res, 400, 'ResourceInUseException', `Attempt to change a resource which is still in use: Table is being updated: ${name}`);
    if (g && g.home !== region) return jsonError(res, 400, 'ValidationException', 'replica simulator: replica updates are accepted in the home region only');
    const delay = sim.replicaDelayMs;
    for (const u of updates) {
      if (u.Create) {
        const c = u.Create;
        const target = String(c.RegionName ?? '');
        if (target === region) return jsonError(res, 400, 'ValidationException', `Cannot add replica in the table's own region ${region}`);
        if (g?.members.has(target)) return jsonError(res, 400, 'ValidationException', `Failed to create a replica of table ${name} in ${target}: a replica already exists there`);
        // R4
        if (!table.StreamSpecification?.StreamEnabled || table.StreamSpecification.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
          return jsonError(res, 400, 'ValidationException', 'Table must have DynamoDB Streams enabled with StreamViewType NEW_AND_OLD_IMAGES to add a replica');
        }
        // R5
        const provisioned = table.BillingModeSummary?.BillingMode !== 'PAY_PER_REQUEST';
        if (provisioned) {
          const t = await directAutoscaling(region).send(
            new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb', ResourceIds: [`table/${name}`], ScalableDimension: 'dynamodb:table:WriteCapacityUnits' }),
          );
          if ((t.ScalableTargets ?? []).length === 0) return jsonError(res, 400, 'ValidationException', 'Table write capacity should either be Pay-Per-Request or AutoScaled to add a replica');
        }
        const failure = failingCreates.get(target);
        failingCreates.delete(target);
        // R6: the replica table really exists in the target region, same schema.
        const read = (c.ProvisionedThroughputOverride as { ReadCapacityUnits?: number } | undefined)?.ReadCapacityUnits;
        const kms = c.KMSMasterKeyId as string | undefined;
        const tableClass = c.TableClassOverride as 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS' | undefined;
        if (!failure) await direct(target).send(
          new CreateTableCommand({
            TableName: name,
            AttributeDefinitions: table.AttributeDefinitions,
            KeySchema: table.KeySchema,
            BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
            ...(provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: read ?? table.ProvisionedThroughput?.ReadCapacityUnits ?? 1, WriteCapacityUnits: table.ProvisionedThroughput?.WriteCapacityUnits ?? 1 } } : {}),
            ...(table.GlobalSecondaryIndexes?.length
              ? {
                  GlobalSecondaryIndexes: table.GlobalSecondaryIndexes.map((gsi) => ({
                    IndexName: gsi.IndexName,
                    KeySchema: gsi.KeySchema,
                    Projection: gsi.Projection,
                    ...(provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: gsi.ProvisionedThroughput?.ReadCapacityUnits ?? 1, WriteCapacityUnits: gsi.ProvisionedThroughput?.WriteCapacityUnits ?? 1 } } : {}),
                  })),
                }
              : {}),
            ...(table.LocalSecondaryIndexes?.length ? { LocalSecondaryIndexes: table.LocalSecondaryIndexes.map((l) => ({ IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection })) } : {}),
            StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
            ...(kms ? { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: kms } } : {}),
            ...(tableClass ? { TableClass: tableClass } : {}),
          }),
        );
        if (!g) groups.set(name, (g = { name, home: region, members: new Map(), busyUntil: 0 }));
        g.members.set(target, { region: target, status: 'CREATING', failure, readyAt: Date.now() + delay, kms, tableClass, readCapacity: read, maxRead: (c.OnDemandThroughputOverride as { MaxReadRequestUnits?: number } | undefined)?.MaxReadRequestUnits });
        g.busyUntil = Date.now() + delay;
        operations.push({ table: name, region: target, kind: 'create', startedAt: Date.now(), readyAt: g.busyUntil });
      } else if (u.Delete) {
        const target = String(u.Delete.RegionName ?? '');
        const m = g?.members.get(target);
        if (!g || !m) return jsonError(res, 400, 'ValidationException', `Cannot delete replica: table ${name} has no replica in ${target}`);
        // R8
        const replica = await describeDirect(target, name);
        if (replica?.DeletionProtectionEnabled) {
          return jsonError(res, 400, 'ValidationException', `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first. (replica ${name} in ${target})`);
        }
        await direct(target).send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
        m.status = 'DELETING';
        m.readyAt = Date.now() + delay;
        g.busyUntil = Date.now() + delay;
        operations.push({ table: name, region: target, kind: 'delete', startedAt: Date.now(), readyAt: g.busyUntil });
      } else if (u.Update) {
        const target = String(u.Update.RegionName ?? '');
        const m = g?.members.get(target);
        if (!g || !m) return jsonError(res, 400, 'ValidationException', `Cannot update replica: table ${name} has no replica in ${target}`);
        // R9
        const up = u.Update as Record<string, { ReadCapacityUnits?: number; MaxReadRequestUnits?: number } | string | undefined>;
        if (typeof up.TableClassOverride === 'string') m.tableClass = up.TableClassOverride;
        if (typeof up.KMSMasterKeyId === 'string') m.kms = up.KMSMasterKeyId;
        const pt = up.ProvisionedThroughputOverride as { ReadCapacityUnits?: number } | undefined;
        if (pt?.ReadCapacityUnits !== undefined) m.readCapacity = pt.ReadCapacityUnits;
        const od = up.OnDemandThroughputOverride as { MaxReadRequestUnits?: number } | undefined;
        if (od?.MaxReadRequestUnits !== undefined) m.maxRead = od.MaxReadRequestUnits;
        m.status = 'UPDATING';
        m.readyAt = Date.now() + Math.ceil(delay / 3);
        g.busyUntil = m.readyAt;
        operations.push({ table: name, region: target, kind: 'update', startedAt: Date.now(), readyAt: g.busyUntil });
      }
    }
    const after = await describeDirect(region, name);
    return json(res, { TableDescription: patchDescription(region, after as Record<string, unknown>) });
  }

  async function contributorInsights(region: string, op: string, input: Record<string, unknown>, res: http.ServerResponse) {
    // moto answers 500 here; the shapes follow the DynamoDB API reference (Describe/UpdateContributorInsights).
    const name = String(input.TableName ?? '');
    if (!(await describeDirect(region, name))) return jsonError(res, 400, 'ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    const key = `${region}|${name}${input.IndexName ? `|${input.IndexName}` : ''}`;
    if (op === 'UpdateContributorInsights') {
      const status = input.ContributorInsightsAction === 'ENABLE' ? 'ENABLED' : 'DISABLED';
      insights.set(key, status);
      return json(res, { TableName: name, ...(input.IndexName ? { IndexName: input.IndexName } : {}), ContributorInsightsStatus: status === 'ENABLED' ? 'ENABLING' : 'DISABLING' });
    }
    return json(res, { TableName: name, ContributorInsightsStatus: insights.get(key) ?? 'DISABLED' });
  }

  function forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, patch?: (json: Record<string, unknown>) => Record<string, unknown>): Promise<number> {
    return new Promise((resolve) => {
      const headers = { ...req.headers, host: motoUrl.host };
      const up = http.request({ host: motoUrl.hostname, port: motoUrl.port, method: req.method, path: req.url, headers }, (ur) => {
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => {
          let out = Buffer.concat(chunks);
          const status = ur.statusCode ?? 502;
          if (patch && status === 200) {
            try {
              out = Buffer.from(JSON.stringify(patch(JSON.parse(out.toString('utf8')))), 'utf8');
            } catch {
              /* leave unpatched */
            }
          }
          const h = { ...ur.headers, 'content-length': String(out.length) };
          delete h['transfer-encoding'];
          res.writeHead(status, h);
          res.end(out);
          resolve(status);
        });
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
        resolve(502);
      });
      up.end(body);
    });
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const region = scope?.[1] ?? 'us-east-1';
    const service = scope?.[2] ?? 'unknown';
    const target = String(req.headers['x-amz-target'] ?? '');
    let operation = target.includes('.') ? target.split('.').pop() ?? '' : '';
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
        if (operation === 'UpdateTable') {
          const g = groupOf(region, String(input.TableName));
          if (input.ReplicaUpdates !== undefined) {
            await replicaUpdates(region, input, res);
            call.status = res.statusCode;
            return;
          }
          // R3 for any other update of the home table while replicas change.
          if (g && g.home === region && Date.now() < g.busyUntil) {
            call.status = 400;
            return jsonError(res, 400, 'ResourceInUseException', `Attempt to change a resource which is still in use: Table is being updated: ${String(input.TableName)}`);
          }
        }
        if (operation === 'DescribeContributorInsights' || operation === 'UpdateContributorInsights') {
          await contributorInsights(region, operation, input, res);
          call.status = res.statusCode;
          return;
        }
        if (operation === 'DescribeTable') {
          call.status = await forward(req, body, res, (j) => ({ ...j, Table: patchDescription(region, j.Table as Record<string, unknown>) }));
          return;
        }
      }
      call.status = await forward(req, body, res);
    } catch (e) {
      call.status = 500;
      if (!res.headersSent) jsonError(res, 500, 'InternalServerError', `replica simulator: ${(e as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return sim;
}
