/**
 * Makes one table in DynamoDB Local match a native table plan (local/native-to-api.ts): creates
 * it, or brings an existing one up to date the way CloudFormation would, without ever dropping it.
 *
 * DynamoDB Local implements CreateTable, UpdateTable (GSIs, streams, deletion protection) and
 * UpdateTimeToLive, and nothing else of what CloudFormation calls (PITR, contributor insights,
 * Kinesis, resource policies: docs/local-stand-ins.md, from DynamoDB Local's usage notes); those are skipped
 * and said so.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { FollowUpKind, TablePlan } from './native-to-api';

export interface TableInspection {
  logicalId: string;
  plan: TablePlan;
  existing?: TableDescription;
  /** Set when the existing table cannot become the planned one without being dropped. */
  conflict?: string;
}

export interface TableOutcome {
  logicalId: string;
  tableName: string;
  result: 'created' | 'updated' | 'unchanged';
  /** What was done, in order ("added index byEmail", "enabled TTL on expiresAt"). */
  changes: string[];
  /** What was not done and why (features DynamoDB Local lacks, drift left alone). */
  notes: string[];
}

/** Local features CloudFormation would set but DynamoDB Local does not implement. */
const NOT_LOCAL: Record<Exclude<FollowUpKind, 'UpdateTimeToLive'>, string> = {
  UpdateContinuousBackups: 'point-in-time recovery',
  UpdateContributorInsights: 'contributor insights',
  EnableKinesisStreamingDestination: 'Kinesis streaming destination',
  PutStreamResourcePolicy: 'stream resource policy',
};

function describeKeys(keys: KeySchemaElement[] | undefined, defs: AttributeDefinition[] | undefined): string {
  const type = (name?: string) => defs?.find((d) => d.AttributeName === name)?.AttributeType ?? '?';
  return (keys ?? []).map((k) => `${k.AttributeName} (${k.KeyType}, ${type(k.AttributeName)})`).join(', ');
}

function sameKeys(
  a: KeySchemaElement[] | undefined,
  aDefs: AttributeDefinition[] | undefined,
  b: KeySchemaElement[] | undefined,
  bDefs: AttributeDefinition[] | undefined,
): boolean {
  return describeKeys(a, aDefs) === describeKeys(b, bDefs);
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (e) {
    if (e instanceof ResourceNotFoundException || (e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/** Reads the table's current state; changes nothing. */
export async function inspectTable(client: DynamoDBClient, logicalId: string, plan: TablePlan): Promise<TableInspection> {
  const existing = await describe(client, plan.tableName);
  const inspection: TableInspection = { logicalId, plan, existing };
  if (existing && !sameKeys(existing.KeySchema, existing.AttributeDefinitions, plan.create.KeySchema, plan.create.AttributeDefinitions)) {
    inspection.conflict =
      `${logicalId}: table '${plan.tableName}' already exists with key schema ${describeKeys(existing.KeySchema, existing.AttributeDefinitions)}, ` +
      `but the template wants ${describeKeys(plan.create.KeySchema, plan.create.AttributeDefinitions)}. ` +
      `arc-dynamodb never drops a table: delete it yourself, or give the resource another TableName.`;
  }
  return inspection;
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await describe(client, tableName);
    if (t && t.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return t;
    if (Date.now() > deadline) throw new Error(`table '${tableName}' did not become ACTIVE (with every index ACTIVE) within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The definitions an index's key attributes need (UpdateTable wants exactly those for a new GSI). */
function definitionsFor(gsi: GlobalSecondaryIndex, defs: AttributeDefinition[]): AttributeDefinition[] {
  const names = new Set((gsi.KeySchema ?? []).map((k) => k.AttributeName));
  return defs.filter((d) => names.has(d.AttributeName));
}

export interface ApplyOptions {
  /** Per wait for ACTIVE (table creation, each index). */
  waitTimeoutMs?: number;
}

/** Creates or updates the table. Call only for an inspection without a conflict. */
export async function applyTable(client: DynamoDBClient, inspection: TableInspection, options: ApplyOptions = {}): Promise<TableOutcome> {
  const { logicalId, plan } = inspection;
  if (inspection.conflict) throw new Error(inspection.conflict);
  const waitMs = options.waitTimeoutMs ?? 120000;
  const tableName = plan.tableName;
  const outcome: TableOutcome = { logicalId, tableName, result: 'unchanged', changes: [], notes: [] };
  const step = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      const err = e as Error;
      throw new Error(`${logicalId}: ${what} on table '${tableName}' failed: ${err.name}: ${err.message}`);
    }
  };

  let table = inspection.existing;
  if (!table) {
    await step('CreateTable', () => client.send(new CreateTableCommand(plan.create)));
    table = await step('waiting for ACTIVE', () => waitUntilActive(client, tableName, waitMs));
    outcome.result = 'created';
    outcome.changes.push('created');
    if (plan.importTable) outcome.notes.push('import from S3 (ImportSourceSpecification): DynamoDB Local cannot import; created empty, seed it with --seed');
  } else {
    // Indexes: DynamoDB creates at most one GSI per UpdateTable and refuses another while one
    // builds ("Only 1 online index can be created or deleted simultaneously per table"), so add
    // them one at a time and wait for each to become ACTIVE.
    const have = new Map((table.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g]));
    for (const gsi of plan.create.GlobalSecondaryIndexes ?? []) {
      const current = have.get(gsi.IndexName);
      if (current) {
        if (!sameKeys(current.KeySchema, table.AttributeDefinitions, gsi.KeySchema, plan.create.AttributeDefinitions)) {
          outcome.notes.push(
            `index ${gsi.IndexName} exists with another key schema (${describeKeys(current.KeySchema, table.AttributeDefinitions)}); left as it is`,
          );
        }
        continue;
      }
      await step(`UpdateTable (add index ${gsi.IndexName})`, () =>
        client.send(
          new UpdateTableCommand({
            TableName: tableName,
            AttributeDefinitions: definitionsFor(gsi, plan.create.AttributeDefinitions ?? []),
            GlobalSecondaryIndexUpdates: [{ Create: gsi }],
          }),
        ),
      );
      table = await step('waiting for the index', () => waitUntilActive(client, tableName, waitMs));
      outcome.changes.push(`added index ${gsi.IndexName}`);
    }
    const wanted = new Set((plan.create.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    for (const name of have.keys()) if (!wanted.has(name)) outcome.notes.push(`index ${name} is not in the template; kept (local up never deletes)`);
    const wantedLsi = (plan.create.LocalSecondaryIndexes ?? [])
      .map((l) => l.IndexName)
      .filter((n) => !(table?.LocalSecondaryIndexes ?? []).some((l) => l.IndexName === n));
    if (wantedLsi.length > 0)
      outcome.notes.push(`local indexes ${wantedLsi.join(', ')} missing: DynamoDB makes LSIs only with the table; drop the table to add them`);

    // Streams: enabled by the presence of StreamSpecification; a view type cannot change in place.
    const want = plan.create.StreamSpecification;
    const cur = table.StreamSpecification?.StreamEnabled ? table.StreamSpecification : undefined;
    if (cur && (!want || cur.StreamViewType !== want.StreamViewType)) {
      await step('UpdateTable (disable stream)', () =>
        client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } })),
      );
      table = await step('waiting for ACTIVE', () => waitUntilActive(client, tableName, waitMs));
      if (!want) outcome.changes.push('disabled stream');
    }
    if (want && (!cur || cur.StreamViewType !== want.StreamViewType)) {
      await step('UpdateTable (enable stream)', () => client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: want })));
      table = await step('waiting for ACTIVE', () => waitUntilActive(client, tableName, waitMs));
      outcome.changes.push(`enabled stream ${want.StreamViewType}`);
    }
  }

  // Time to live, created or existing alike.
  const ttlWanted = plan.followUps.find((f) => f.kind === 'UpdateTimeToLive')?.input.TimeToLiveSpecification;
  const ttl = (await step('DescribeTimeToLive', () => client.send(new DescribeTimeToLiveCommand({ TableName: tableName })))).TimeToLiveDescription;
  const ttlOn = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING' ? ttl.AttributeName : undefined;
  if (ttlOn !== undefined && ttlOn !== ttlWanted?.AttributeName) {
    await step('UpdateTimeToLive (disable)', () =>
      client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: false, AttributeName: ttlOn } })),
    );
    if (!ttlWanted) outcome.changes.push(`disabled TTL on ${ttlOn}`);
  }
  if (ttlWanted && ttlOn !== ttlWanted.AttributeName) {
    await step('UpdateTimeToLive', () => client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttlWanted })));
    outcome.changes.push(`enabled TTL on ${ttlWanted.AttributeName}`);
  }

  // DynamoDB Local resets DeletionProtectionEnabled to false on any UpdateTable that omits it
  // (local-test-stack.md §1a), so it is compared and set last.
  const after = await step('DescribeTable', async () => (await describe(client, tableName)) ?? table);
  const protect = plan.create.DeletionProtectionEnabled ?? false;
  if ((after?.DeletionProtectionEnabled ?? false) !== protect) {
    await step('UpdateTable (deletion protection)', () => client.send(new UpdateTableCommand({ TableName: tableName, DeletionProtectionEnabled: protect })));
    // Only a difference from before this run is a change; undoing DynamoDB Local's reset is not.
    const before = inspection.existing ? (inspection.existing.DeletionProtectionEnabled ?? false) : protect;
    if (before !== protect) outcome.changes.push(`${protect ? 'enabled' : 'disabled'} deletion protection`);
  }

  for (const f of plan.followUps) if (f.kind !== 'UpdateTimeToLive') outcome.notes.push(`${NOT_LOCAL[f.kind]}: not supported by DynamoDB Local, skipped`);
  if (outcome.result !== 'created' && outcome.changes.length > 0) outcome.result = 'updated';
  return outcome;
}
