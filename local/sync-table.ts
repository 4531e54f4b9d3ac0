/**
 * Makes one table in DynamoDB Local match a native table plan (local/native-to-api.ts): creates
 * it, or brings an existing one up to date the way CloudFormation would, without ever dropping a
 * table or an index. Every difference between the template and the table as DescribeTable shows
 * it is either applied (billing and capacity, new GSIs one at a time, the stream, TTL) or reported
 * as drift (key schema, a GSI's keys or projection, LSIs, indexes the template no longer has).
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
  type Projection,
  type TableDescription,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { FollowUpKind, TablePlan } from './native-to-api';

export interface TableInspection {
  logicalId: string;
  plan: TablePlan;
  existing?: TableDescription;
  /** The attribute TTL is enabled on, if any. */
  existingTtl?: string;
  /** Set when the existing table cannot become the planned one without being dropped. */
  conflict?: string;
}

/** What DescribeTable and DescribeTimeToLive say about a table. */
export interface LiveTable {
  table: TableDescription;
  ttlAttribute?: string;
}

export interface TableOutcome {
  logicalId: string;
  tableName: string;
  /** 'drifted': the table exists with another key schema and was left as it is. */
  result: 'created' | 'updated' | 'unchanged' | 'drifted';
  /** What was done, in order ("added index byEmail", "enabled TTL on expiresAt"). */
  changes: string[];
  /** Differences between the template and the local table that were not applied, one each. */
  drift: string[];
  /** What was not done and why (features DynamoDB Local lacks). */
  notes: string[];
  /** The table as DescribeTable shows it at the end. */
  live?: LiveTable;
}

/** Local features CloudFormation would set but DynamoDB Local does not implement. */
const NOT_LOCAL: Record<Exclude<FollowUpKind, 'UpdateTimeToLive'>, string> = {
  UpdateContinuousBackups: 'point-in-time recovery',
  UpdateContributorInsights: 'contributor insights',
  EnableKinesisStreamingDestination: 'Kinesis streaming destination',
  PutStreamResourcePolicy: 'stream resource policy',
};

/** `pk hash S, sk range N`. */
export function describeKeys(keys: KeySchemaElement[] | undefined, defs: AttributeDefinition[] | undefined): string {
  const type = (name?: string) => defs?.find((d) => d.AttributeName === name)?.AttributeType ?? '?';
  return (keys ?? []).map((k) => `${k.AttributeName} ${k.KeyType === 'HASH' ? 'hash' : 'range'} ${type(k.AttributeName)}`).join(', ');
}

/** `ALL`, `KEYS_ONLY`, `INCLUDE (a, b)`. */
export function describeProjection(p: Projection | undefined): string {
  const type = p?.ProjectionType ?? 'ALL';
  return type === 'INCLUDE' ? `INCLUDE (${[...(p?.NonKeyAttributes ?? [])].sort().join(', ')})` : type;
}

type Capacity = { ReadCapacityUnits?: number; WriteCapacityUnits?: number };
const capacity = (t: Capacity | undefined) => `${t?.ReadCapacityUnits ?? 0}/${t?.WriteCapacityUnits ?? 0}`;
const billingOf = (t: TableDescription) => t.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
const plannedBilling = (plan: TablePlan) => plan.create.BillingMode ?? 'PROVISIONED';
const billingText = (mode: string, t: Capacity | undefined) => (mode === 'PAY_PER_REQUEST' ? 'on demand' : `provisioned ${capacity(t)}`);

/** One difference between the template and the local table. */
export interface Difference {
  text: string;
  /** local up changes the table to match; otherwise the difference stays (drift). */
  applicable: boolean;
}

const NO_INDEX_CHANGE = 'DynamoDB cannot change an index in place and local up never deletes one: delete the index yourself, then run local up again';
const NO_LSI = 'DynamoDB makes LSIs only with the table, and local up never drops a table';

/**
 * Every difference between the plan and the local table, one per aspect: key schema, each
 * GSI's keys, projection and capacity, billing mode and capacity, stream, TTL and each LSI.
 * Pure: compares what DescribeTable and DescribeTimeToLive returned.
 */
export function differences(plan: TablePlan, live: LiveTable): Difference[] {
  const want = plan.create;
  const have = live.table;
  const out: Difference[] = [];
  const wantKeys = describeKeys(want.KeySchema, want.AttributeDefinitions);
  const haveKeys = describeKeys(have.KeySchema, have.AttributeDefinitions);
  if (wantKeys !== haveKeys) {
    out.push({
      text:
        `key schema is ${haveKeys}, the template wants ${wantKeys}: DynamoDB cannot change a table's keys and local up never drops ` +
        'a table; delete it yourself, or give the resource another TableName',
      applicable: false,
    });
    return out; // another table altogether: its other differences say nothing
  }

  const mode = plannedBilling(plan);
  if (billingOf(have) !== mode || (mode === 'PROVISIONED' && capacity(have.ProvisionedThroughput) !== capacity(want.ProvisionedThroughput))) {
    out.push({
      text: `billing is ${billingText(billingOf(have), have.ProvisionedThroughput)}, the template wants ${billingText(mode, want.ProvisionedThroughput)}`,
      applicable: true,
    });
  }

  const haveGsis = new Map((have.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g]));
  for (const g of want.GlobalSecondaryIndexes ?? []) {
    const cur = haveGsis.get(g.IndexName);
    if (!cur) {
      out.push({ text: `GSI ${g.IndexName} (${describeKeys(g.KeySchema, want.AttributeDefinitions)}) is missing`, applicable: true });
      continue;
    }
    const wk = describeKeys(g.KeySchema, want.AttributeDefinitions);
    const hk = describeKeys(cur.KeySchema, have.AttributeDefinitions);
    if (wk !== hk) out.push({ text: `GSI ${g.IndexName}: keys are ${hk}, the template wants ${wk}; ${NO_INDEX_CHANGE}`, applicable: false });
    const wp = describeProjection(g.Projection);
    const hp = describeProjection(cur.Projection);
    if (wp !== hp) out.push({ text: `GSI ${g.IndexName}: projection is ${hp}, the template wants ${wp}; ${NO_INDEX_CHANGE}`, applicable: false });
    // On demand, an index has no capacity of its own (DynamoDB Local keeps the old figures).
    if (mode === 'PROVISIONED' && capacity(cur.ProvisionedThroughput) !== capacity(g.ProvisionedThroughput))
      out.push({
        text: `GSI ${g.IndexName}: capacity is ${capacity(cur.ProvisionedThroughput)}, the template wants ${capacity(g.ProvisionedThroughput)}`,
        applicable: true,
      });
  }
  const wantedGsis = new Set((want.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  for (const [name, g] of haveGsis)
    if (!wantedGsis.has(name))
      out.push({
        text: `GSI ${name} (${describeKeys(g.KeySchema, have.AttributeDefinitions)}) is not in the template; kept: local up never deletes an index`,
        applicable: false,
      });

  const haveLsis = new Map((have.LocalSecondaryIndexes ?? []).map((l) => [l.IndexName, l]));
  for (const l of want.LocalSecondaryIndexes ?? []) {
    const cur = haveLsis.get(l.IndexName);
    const wk = describeKeys(l.KeySchema, want.AttributeDefinitions);
    if (!cur) {
      out.push({ text: `LSI ${l.IndexName} (${wk}) is missing; ${NO_LSI}`, applicable: false });
      continue;
    }
    const hk = describeKeys(cur.KeySchema, have.AttributeDefinitions);
    if (wk !== hk) out.push({ text: `LSI ${l.IndexName}: keys are ${hk}, the template wants ${wk}; ${NO_LSI}`, applicable: false });
    const wp = describeProjection(l.Projection);
    const hp = describeProjection(cur.Projection);
    if (wp !== hp) out.push({ text: `LSI ${l.IndexName}: projection is ${hp}, the template wants ${wp}; ${NO_LSI}`, applicable: false });
  }
  const wantedLsis = new Set((want.LocalSecondaryIndexes ?? []).map((l) => l.IndexName));
  for (const name of haveLsis.keys()) if (!wantedLsis.has(name)) out.push({ text: `LSI ${name} is not in the template; ${NO_LSI}`, applicable: false });

  const haveStream = have.StreamSpecification?.StreamEnabled ? have.StreamSpecification.StreamViewType : undefined;
  const wantStream = want.StreamSpecification?.StreamEnabled ? want.StreamSpecification.StreamViewType : undefined;
  if (haveStream !== wantStream) out.push({ text: `stream is ${haveStream ?? 'off'}, the template wants ${wantStream ?? 'off'}`, applicable: true });

  const wantTtl = plan.followUps.find((f) => f.kind === 'UpdateTimeToLive')?.input.TimeToLiveSpecification.AttributeName;
  if (live.ttlAttribute !== wantTtl)
    out.push({
      text: `TTL is ${live.ttlAttribute ? `on ${live.ttlAttribute}` : 'off'}, the template wants ${wantTtl ? `TTL on ${wantTtl}` : 'it off'}`,
      applicable: true,
    });
  return out;
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (e) {
    if (e instanceof ResourceNotFoundException || (e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

async function ttlAttribute(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  return ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING' ? ttl.AttributeName : undefined;
}

/** Reads the table's current state; changes nothing. */
export async function inspectTable(client: DynamoDBClient, logicalId: string, plan: TablePlan): Promise<TableInspection> {
  const existing = await describe(client, plan.tableName);
  const inspection: TableInspection = { logicalId, plan, existing };
  if (existing) {
    inspection.existingTtl = await ttlAttribute(client, plan.tableName);
    const keys = differences(plan, { table: existing, ttlAttribute: inspection.existingTtl }).find((d) => d.text.startsWith('key schema '));
    if (keys) inspection.conflict = `table '${plan.tableName}' ${keys.text}`;
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

/**
 * Creates or updates the table, then reads it back: `live` and `drift` say what is really there.
 * A table with another key schema (`inspection.conflict`) is left exactly as it is.
 */
export async function applyTable(client: DynamoDBClient, inspection: TableInspection, options: ApplyOptions = {}): Promise<TableOutcome> {
  const { logicalId, plan } = inspection;
  const waitMs = options.waitTimeoutMs ?? 120000;
  const tableName = plan.tableName;
  const outcome: TableOutcome = { logicalId, tableName, result: 'unchanged', changes: [], drift: [], notes: [] };
  const step = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      const err = e as Error;
      throw new Error(`${logicalId}: ${what} on table '${tableName}' failed: ${err.name}: ${err.message}`);
    }
  };
  const update = async (what: string, input: Omit<UpdateTableCommandInput, 'TableName'>) => {
    await step(`UpdateTable (${what})`, () => client.send(new UpdateTableCommand({ TableName: tableName, ...input })));
    return step('waiting for ACTIVE', () => waitUntilActive(client, tableName, waitMs));
  };

  if (inspection.conflict && inspection.existing) {
    outcome.result = 'drifted';
    outcome.drift.push(inspection.conflict.replace(`table '${tableName}' `, ''));
    outcome.live = { table: inspection.existing, ttlAttribute: inspection.existingTtl };
    return outcome;
  }

  let table = inspection.existing;
  const want = plan.create;
  const mode = plannedBilling(plan);
  if (!table) {
    await step('CreateTable', () => client.send(new CreateTableCommand(want)));
    table = await step('waiting for ACTIVE', () => waitUntilActive(client, tableName, waitMs));
    outcome.result = 'created';
    outcome.changes.push('created');
    if (plan.importTable) outcome.notes.push('import from S3: DynamoDB Local cannot import; created empty, seed it with --seed');
  } else {
    // Billing and capacity first, so that indexes added next match the table's mode.
    const haveMode = billingOf(table);
    if (haveMode !== mode || (mode === 'PROVISIONED' && capacity(table.ProvisionedThroughput) !== capacity(want.ProvisionedThroughput))) {
      const from = billingText(haveMode, table.ProvisionedThroughput);
      table = await update('billing', {
        ...(haveMode !== mode ? { BillingMode: mode } : {}),
        ...(mode === 'PROVISIONED' && want.ProvisionedThroughput ? { ProvisionedThroughput: want.ProvisionedThroughput } : {}),
      });
      outcome.changes.push(`billing ${from} -> ${billingText(mode, want.ProvisionedThroughput)}`);
    }
    const have = new Map((table.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g]));
    if (mode === 'PROVISIONED') {
      for (const gsi of want.GlobalSecondaryIndexes ?? []) {
        const cur = have.get(gsi.IndexName);
        if (!cur || !gsi.ProvisionedThroughput || capacity(cur.ProvisionedThroughput) === capacity(gsi.ProvisionedThroughput)) continue;
        table = await update(`capacity of index ${gsi.IndexName}`, {
          GlobalSecondaryIndexUpdates: [{ Update: { IndexName: gsi.IndexName, ProvisionedThroughput: gsi.ProvisionedThroughput } }],
        });
        outcome.changes.push(`index ${gsi.IndexName} capacity ${capacity(cur.ProvisionedThroughput)} -> ${capacity(gsi.ProvisionedThroughput)}`);
      }
    }
    // Indexes: DynamoDB creates at most one GSI per UpdateTable and refuses another while one
    // builds ("Only 1 online index can be created or deleted simultaneously per table"), so add
    // them one at a time and wait for each to become ACTIVE.
    for (const gsi of want.GlobalSecondaryIndexes ?? []) {
      if (have.has(gsi.IndexName)) continue;
      table = await update(`add index ${gsi.IndexName}`, {
        AttributeDefinitions: definitionsFor(gsi, want.AttributeDefinitions ?? []),
        GlobalSecondaryIndexUpdates: [{ Create: gsi }],
      });
      outcome.changes.push(`added index ${gsi.IndexName}`);
    }

    // Streams: enabled by the presence of StreamSpecification; a view type cannot change in place.
    const wantStream = want.StreamSpecification;
    const cur = table.StreamSpecification?.StreamEnabled ? table.StreamSpecification : undefined;
    if (cur && (!wantStream || cur.StreamViewType !== wantStream.StreamViewType)) {
      table = await update('disable stream', { StreamSpecification: { StreamEnabled: false } });
      if (!wantStream) outcome.changes.push('disabled stream');
    }
    if (wantStream && (!cur || cur.StreamViewType !== wantStream.StreamViewType)) {
      table = await update('enable stream', { StreamSpecification: wantStream });
      outcome.changes.push(`${cur ? `stream ${cur.StreamViewType} -> ` : 'enabled stream '}${wantStream.StreamViewType}`);
    }
  }

  // Time to live, created or existing alike.
  const ttlWanted = plan.followUps.find((f) => f.kind === 'UpdateTimeToLive')?.input.TimeToLiveSpecification;
  const ttlOn = await step('DescribeTimeToLive', () => ttlAttribute(client, tableName));
  if (ttlOn !== undefined && ttlOn !== ttlWanted?.AttributeName) {
    await step('UpdateTimeToLive (disable)', () =>
      client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: false, AttributeName: ttlOn } })),
    );
    if (!ttlWanted) outcome.changes.push(`disabled TTL on ${ttlOn}`);
  }
  if (ttlWanted && ttlOn !== ttlWanted.AttributeName) {
    await step('UpdateTimeToLive', () => client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttlWanted })));
    outcome.changes.push(ttlOn ? `TTL ${ttlOn} -> ${ttlWanted.AttributeName}` : `enabled TTL on ${ttlWanted.AttributeName}`);
  }

  // DynamoDB Local resets DeletionProtectionEnabled to false on any UpdateTable that omits it
  // (docs/local-stand-ins.md), so it is compared and set last.
  const after = await step('DescribeTable', async () => (await describe(client, tableName)) ?? table);
  const protect = want.DeletionProtectionEnabled ?? false;
  if ((after?.DeletionProtectionEnabled ?? false) !== protect) {
    await step('UpdateTable (deletion protection)', () => client.send(new UpdateTableCommand({ TableName: tableName, DeletionProtectionEnabled: protect })));
    // Only a difference from before this run is a change; undoing DynamoDB Local's reset is not.
    const before = inspection.existing ? (inspection.existing.DeletionProtectionEnabled ?? false) : protect;
    if (before !== protect) outcome.changes.push(`${protect ? 'enabled' : 'disabled'} deletion protection`);
  }

  // What is really there now: whatever still differs is drift, applied or not.
  const final = await step('DescribeTable', async () => (await describe(client, tableName)) ?? after);
  outcome.live = { table: final, ttlAttribute: await step('DescribeTimeToLive', () => ttlAttribute(client, tableName)) };
  for (const d of differences(plan, outcome.live)) outcome.drift.push(d.applicable ? `${d.text} (still, after the update)` : d.text);

  for (const f of plan.followUps) if (f.kind !== 'UpdateTimeToLive') outcome.notes.push(`${NOT_LOCAL[f.kind]}: not supported by DynamoDB Local, skipped`);
  if (outcome.result !== 'created' && outcome.changes.length > 0) outcome.result = 'updated';
  return outcome;
}
