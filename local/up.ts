/**
 * `local up` and `local down`, minus argument parsing and printing (cli/commands/local.ts):
 * plan every resource of the expanded template, start (or reuse) DynamoDB Local, refuse before
 * any change if an existing table has another key schema, then create or update each table and
 * seed it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../contract/logger';
import { planLocal, type LocalContext, type LocalItem } from './plan';
import type { TablePlan } from './native-to-api';
import { planSeed, seedTables, type SeedOutcome, type SeedPlan, type SeedTarget } from './seed';
import { ensureServer, stopServer, type StopResult } from './server';
import { withStateLock } from './state';
import { applyTable, inspectTable, type TableOutcome } from './sync-table';

export interface UpOptions {
  cwd: string;
  /** Use this DynamoDB (Local) instead of starting one. */
  endpoint?: string;
  /** Keep the started DynamoDB Local's data in this folder instead of in memory. */
  dbPath?: string;
  /** Start the DynamoDB Local on this port instead of a free one. */
  port?: number;
  seedDir?: string;
  env: NodeJS.ProcessEnv;
  /** Told when another `local` command in this folder holds the state lock and this one waits. */
  onWait?: (holderPid: number) => void;
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

/** The delimiter and header list of the table's CSV import, which its --seed CSV files share. */
function csvOptionsOf(plan: TablePlan): SeedTarget['csv'] {
  const csv = plan.importTable?.InputFormatOptions?.Csv;
  if (!csv) return undefined;
  return { ...(csv.Delimiter ? { delimiter: csv.Delimiter } : {}), ...(csv.HeaderList ? { headerList: csv.HeaderList } : {}) };
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
          tables.map((t) => ({ logicalId: t.logicalId, tableName: t.plan.tableName, csv: csvOptionsOf(t.plan) })),
        );

  if (options.endpoint !== undefined) return sync(options.endpoint, 'external', undefined, items, seedPlan, ctx, options);
  // Held from reading the state file to the last table write: a second `local up` in this folder
  // waits, then reuses the server this one started, and finds the tables made.
  return withStateLock(
    options.cwd,
    async () => {
      const ensured = await ensureServer(options.cwd, { dbPath: options.dbPath, port: options.port });
      return sync(ensured.endpoint, ensured.how, ensured.state.dbPath, items, seedPlan, ctx, options);
    },
    { onWait: options.onWait },
  );
}

async function sync(
  endpoint: string,
  server: UpReport['server'],
  dbPath: string | undefined,
  items: LocalItem[],
  seedPlan: SeedPlan | undefined,
  ctx: LocalContext,
  options: UpOptions,
): Promise<UpReport> {
  const tables = items.flatMap((i) => (i.kind === 'table' ? [i] : []));
  const ddb = client(endpoint, ctx.region, options.env, server !== 'external');
  try {
    const inspections = [];
    for (const t of tables) inspections.push(await inspectTable(ddb, t.logicalId, t.plan));
    const outcomes: TableOutcome[] = [];
    for (const [i, inspection] of inspections.entries()) {
      const outcome = await applyTable(ddb, inspection, { waitTimeoutMs: options.waitTimeoutMs });
      outcome.notes.unshift(...tables[i].notes);
      outcomes.push(outcome);
    }
    // A table left with another key schema is not seeded: its items would not fit.
    const drifted = new Set(outcomes.filter((o) => o.result === 'drifted').map((o) => o.logicalId));
    const plan = seedPlan && { ...seedPlan, targets: seedPlan.targets.filter((t) => !drifted.has(t.target.logicalId)) };
    const seeds = plan ? await seedTables(ddb, plan, options.log) : [];
    return { endpoint, server, dbPath, items, tables: outcomes, seeds, ignoredSeedFiles: seedPlan?.ignored ?? [] };
  } finally {
    ddb.destroy();
  }
}

export function down(cwd: string): Promise<StopResult> {
  return withStateLock(cwd, () => stopServer(cwd));
}
