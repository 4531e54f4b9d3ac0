/**
 * `npm run bench` — loads into a table that serves traffic, against a capacity model of DynamoDB
 * (test/support/capacity-proxy.ts: a token bucket of the table's provisioned WCU per second in
 * front of DynamoDB Local, throttling with ProvisionedThroughputExceededException and
 * UnprocessedItems as DynamoDB does). In one run, alternating, each against a fresh table:
 * - the loader with a write budget of 80% of the table's capacity, and, as the baseline, the
 *   same loader without a budget (as fast as it can, today's behaviour);
 * - both again beside an "application" writing 15% of the capacity with PutItem, tried once each.
 * Printed beside each other (medians): the loader's consumed WCU/s against the budget (the mean
 * of the whole seconds it wrote in, and its busiest one-second window; target: at or under it),
 * its throttled share (target < 1%), its rate as a share of the budget (target >= 90%), and the
 * application's success rate (target > 99%). The model's bucket starts full, so the baseline can consume more than the
 * table's capacity for its first second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { writeUnits } from '../load/budget';
import { itemSize } from '../load/item';
import { runLoad } from '../load/loader';
import { FileSource } from '../load/source';
import { startAppWriter, startCapacityProxy, type CapacityProxy } from '../test/support/capacity-proxy';
import { compress, richItems, toDynamoDbJson, PK_SK_KEY } from '../test/support/load-data';
import { LOCAL_CREDENTIALS } from '../test/support/moto';

const ITEMS = Number(process.env.CAPACITY_BENCH_ITEMS ?? 6000);
const RUNS = Number(process.env.CAPACITY_BENCH_RUNS ?? 3);
const WCU = 1000;
const PERCENT = 80;
const BUDGET = (WCU * PERCENT) / 100;
const APP_PER_SECOND = 150; // 1-WCU puts: 15% of the capacity
const TABLE = 'bench-capacity';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

interface Figures {
  unitsPerSecond: number;
  peak: number;
  throttledShare: number;
  appSuccess: number;
}

async function freshTable(ddb: DynamoDBClient, proxy: CapacityProxy): Promise<void> {
  await ddb.send(new DeleteTableCommand({ TableName: TABLE })).catch(() => undefined);
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      ...PK_SK_KEY,
      ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: WCU },
    }),
  );
  proxy.setCapacity(TABLE, WCU);
  proxy.reset();
}

async function scenario(
  ddb: DynamoDBClient,
  proxy: CapacityProxy,
  clients: { loader: DynamoDBClient; app: DynamoDBClient },
  file: string,
  budget: boolean,
  app: boolean,
): Promise<Figures> {
  await freshTable(ddb, proxy);
  const writer = app
    ? startAppWriter(
        clients.app,
        (i) => new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `app-${i}` }, sk: { N: '0' }, v: { S: 'x'.repeat(600) } } }),
        APP_PER_SECOND,
      )
    : undefined;
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const out = await runLoad(
    {
      tableName: TABLE,
      format: 'DYNAMODB_JSON',
      compression: 'GZIP',
      csv: { delimiter: ',' },
      writeMode: 'Overwrite',
      maxRejectedRecords: 0,
      concurrency: 8,
      ...(budget ? { writeBudget: { capacityPercent: PERCENT } } : {}),
    },
    {
      dynamodb: clients.loader,
      source: new FileSource([file]),
      log,
      // The baseline is throttled hard: give both the patience to finish.
      retry: { baseMs: 50, capMs: 2000, maxAttempts: 60, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: Math.random },
    },
  );
  const counts = await writer?.stop();
  if (out.status !== 'done' || out.counters.itemsWritten !== ITEMS) throw new Error(`load did not finish cleanly: ${JSON.stringify(out).slice(0, 300)}`);
  const s = proxy.stats.loader;
  // The mean of the whole seconds the load wrote in, at the model, from its first grant on (a last, partial second is left out).
  const first = s.grants[0][0];
  const whole = Math.max(1, Math.floor((s.grants.at(-1)![0] - first) / 1000));
  const inWhole = s.grants.filter(([t]) => t < first + whole * 1000).reduce((n, [, u]) => n + u, 0);
  return {
    unitsPerSecond: inWhole / whole,
    peak: proxy.peakWindow('loader'),
    throttledShare: s.requests > 0 ? s.throttledRequests / s.requests : 0,
    appSuccess: counts ? counts.ok / counts.sent : NaN,
  };
}

async function main(): Promise<void> {
  const local = await startDynamoDbLocal();
  const proxy = await startCapacityProxy({ target: local.endpoint, tables: { [TABLE]: WCU }, labels: ['loader', 'app'] });
  const client = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const ddb = client(local.endpoint);
  const clients = { loader: client(proxy.endpoints.loader), app: client(proxy.endpoints.app) };
  const dir = mkdtempSync(join(tmpdir(), 'arc-capacity-bench-'));
  try {
    const items = richItems(ITEMS, { seed: 78, padBytes: 700 });
    const units = items.reduce((n, i) => n + writeUnits(itemSize(i)), 0);
    const file = join(dir, 'items.json.gz');
    writeFileSync(file, compress(toDynamoDbJson(items), 'GZIP'));
    console.log(
      `capacity bench: ${ITEMS} items (${units} WCU), a ${WCU} WCU/s table modelled in front of DynamoDB Local, budget ${PERCENT}% = ${BUDGET} ` +
        `WCU/s, application ${APP_PER_SECOND} puts/s (1 WCU each), ${RUNS} runs each`,
    );
    // One untimed run first (JIT, connections, DynamoDB Local warming up).
    await scenario(ddb, proxy, clients, file, true, false);

    const runs: Record<'base' | 'budget' | 'baseApp' | 'budgetApp', Figures[]> = { base: [], budget: [], baseApp: [], budgetApp: [] };
    for (let r = 0; r < RUNS; r++) {
      runs.base.push(await scenario(ddb, proxy, clients, file, false, false));
      runs.budget.push(await scenario(ddb, proxy, clients, file, true, false));
      runs.baseApp.push(await scenario(ddb, proxy, clients, file, false, true));
      runs.budgetApp.push(await scenario(ddb, proxy, clients, file, true, true));
      const f = (x: Figures) =>
        `${Math.round(x.unitsPerSecond)} WCU/s, ${pct(x.throttledShare)} throttled${Number.isNaN(x.appSuccess) ? '' : `, app ${pct(x.appSuccess)}`}`;
      console.log(
        `  run ${r + 1}: no budget ${f(runs.base[r])} | budget ${f(runs.budget[r])} | ` +
          `no budget + app ${f(runs.baseApp[r])} | budget + app ${f(runs.budgetApp[r])}`,
      );
    }
    const m = (k: keyof typeof runs, f: keyof Figures) => median(runs[k].map((x) => x[f]));
    const checks: [string, boolean][] = [];
    const row = (name: string, base: string, ours: string, ok?: boolean) => {
      if (ok !== undefined) checks.push([name, ok]);
      console.log(`  ${name.padEnd(34)} ${base.padEnd(26)} ${ours}${ok === undefined ? '' : ok ? '   PASS' : '   FAIL'}`);
    };
    for (const [title, b, o] of [
      ['alone', 'base', 'budget'],
      [`beside the application (${APP_PER_SECOND} WCU/s)`, 'baseApp', 'budgetApp'],
    ] as const) {
      console.log(`loader ${title}: medians, baseline (no budget) beside budget ${PERCENT}% (${BUDGET} WCU/s)`);
      const bu = m(b, 'unitsPerSecond');
      const ou = m(o, 'unitsPerSecond');
      row('consumed WCU/s (target <= budget)', `${Math.round(bu)} (${pct(bu / BUDGET, 0)} of budget)`, `${Math.round(ou)}`, ou <= BUDGET);
      row('busiest second, WCU (<= budget)', `${Math.round(m(b, 'peak'))}`, `${Math.round(m(o, 'peak'))}`, m(o, 'peak') <= BUDGET);
      row('throttled requests (target < 1%)', pct(m(b, 'throttledShare')), pct(m(o, 'throttledShare')), m(o, 'throttledShare') < 0.01);
      row('rate / budget (target >= 90%)', pct(bu / BUDGET), pct(ou / BUDGET), ou / BUDGET >= 0.9);
      if (b === 'baseApp') {
        row('application success (target > 99%)', pct(m(b, 'appSuccess')), pct(m(o, 'appSuccess')), m(o, 'appSuccess') > 0.99);
      }
    }
    const failed = checks.filter(([, ok]) => !ok);
    console.log(failed.length === 0 ? 'all targets met   PASS' : `targets missed: ${failed.map(([n]) => n).join('; ')}   FAIL`);
    process.exitCode = failed.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    ddb.destroy();
    clients.loader.destroy();
    clients.app.destroy();
    await proxy.stop();
    await local.stop();
  }
}

main().catch((e) => {
  console.error(`capacity bench failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
