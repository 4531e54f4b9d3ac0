/**
 * `local up` and `local down`, minus argument parsing and printing (cli/commands/local.ts):
 * plan every resource of the expanded template, start (or reuse) DynamoDB Local, refuse before
 * any change if an existing table has another key schema, then create or update each table and
 * seed it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../contract/logger';
import { planLocal, type LocalContext, type LocalItem } from './plan';
import { planSeed, seedTables, type SeedOutcome } from './seed';
import { ensureServer, stopServer, type StopResult } from './server';
import { applyTable, inspectTable, type TableOutcome } from './sync-table';

export interface UpOptions {
  cwd: string;
  /** Use this DynamoDB (Local) instead of starting one. */
  endpoint?: string;
  /** Keep the started DynamoDB Local's data in this folder instead of in memory. */
  dbPath?: string;
  seedDir?: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  waitTimeoutMs?: number;
}

export interface UpReport {
  endpoint: string;
  server: 'started' | 'reused' | 'external';
  dbPath?: string;
  items: LocalItem[];
  tables: TableOutcome[];
  seeds: SeedOutcome[];
  ignoredSeedFiles: string[];
}

/** Existing tables whose key schema differs: nothing was changed. */
export class LocalConflictError extends Error {
  constructor(readonly conflicts: string[]) {
    super(conflicts.join('\n'));
  }
}

function client(endpoint: string, region: string, env: NodeJS.ProcessEnv, ours: boolean): DynamoDBClient {
  // The started DynamoDB Local runs with -sharedDb, so any key works. An external one keeps a
  // database per access key and region: use the caller's key, as their other tools would.
  const credentials =
    !ours && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : { accessKeyId: 'local', secretAccessKey: 'local' };
  return new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 3 });
}

export async function up(expanded: unknown, ctx: LocalContext, options: UpOptions): Promise<UpReport> {
  // Everything that can be wrong with the input is found before a server starts.
  const items = planLocal(expanded, ctx);
  const tables = items.flatMap((i) => (i.kind === 'table' ? [i] : []));
  const seedPlan =
    options.seedDir === undefined
      ? undefined
      : planSeed(
          options.seedDir,
          tables.map((t) => ({ logicalId: t.logicalId, tableName: t.plan.tableName })),
        );

  let endpoint: string;
  let server: UpReport['server'];
  let dbPath: string | undefined;
  if (options.endpoint !== undefined) {
    endpoint = options.endpoint;
    server = 'external';
  } else {
    const ensured = await ensureServer(options.cwd, { dbPath: options.dbPath });
    endpoint = ensured.endpoint;
    server = ensured.how;
    dbPath = ensured.state.dbPath;
  }

  const ddb = client(endpoint, ctx.region, options.env, server !== 'external');
  try {
    const inspections = [];
    for (const t of tables) inspections.push(await inspectTable(ddb, t.logicalId, t.plan));
    const conflicts = inspections.flatMap((i) => (i.conflict ? [i.conflict] : []));
    if (conflicts.length > 0) throw new LocalConflictError(conflicts);

    const outcomes: TableOutcome[] = [];
    for (const inspection of inspections) outcomes.push(await applyTable(ddb, inspection, { waitTimeoutMs: options.waitTimeoutMs }));
    const seeds = seedPlan ? await seedTables(ddb, seedPlan, options.log) : [];
    return { endpoint, server, dbPath, items, tables: outcomes, seeds, ignoredSeedFiles: seedPlan?.ignored ?? [] };
  } finally {
    ddb.destroy();
  }
}

export function down(cwd: string): Promise<StopResult> {
  return stopServer(cwd);
}
