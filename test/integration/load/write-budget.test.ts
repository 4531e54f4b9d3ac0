/**
 * The write budget against a capacity model of DynamoDB (test/support/capacity-proxy.ts: a token
 * bucket of the table's WCU per second in front of DynamoDB Local, throttling as DynamoDB does):
 * the load stays within its budget, follows the table's capacity when it changes, leaves the
 * application its share, and the final table is the source, item for item.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, PutItemCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb-local';
import { writeUnits } from '../../../load/budget';
import { itemSize } from '../../../load/item';
import { runLoad } from '../../../load/loader';
import { FileSource } from '../../../load/source';
import type { LoadOptions } from '../../../load/types';
import { startAppWriter, startCapacityProxy, type CapacityProxy } from '../../support/capacity-proxy';
import { canonical, compress, richItems, toDynamoDbJson, type Item, PK_SK_KEY } from '../../support/load-data';
import { main, type CliIO } from '../../../cli/main';
import { PassThrough } from 'node:stream';
import { captureLog, ddbClient, scanAll, unique } from './helpers';

let local: DynamoDbLocal;
let direct: DynamoDBClient;
const dir = mkdtempSync(join(tmpdir(), 'arc-budget-'));
beforeAll(async () => {
  local = await startDynamoDbLocal();
  direct = ddbClient(local.endpoint);
});
afterAll(async () => {
  direct?.destroy();
  await local?.stop();
});

async function provisionedTable(name: string, wcu: number): Promise<void> {
  await direct.send(
    new CreateTableCommand({
      TableName: name,
      ...PK_SK_KEY,
      ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: wcu },
    }),
  );
}

function sourceFile(items: Item[]): string {
  const path = join(dir, `${unique('src')}.json.gz`);
  writeFileSync(path, compress(toDynamoDbJson(items), 'GZIP'));
  return path;
}

const options = (table: string, writeBudget: LoadOptions['writeBudget']): LoadOptions => ({
  tableName: table,
  format: 'DYNAMODB_JSON',
  compression: 'GZIP',
  csv: { delimiter: ',' },
  writeMode: 'Overwrite',
  maxRejectedRecords: 0,
  concurrency: 8,
  writeBudget,
});

/** One BatchWriteItem's units at most: what may be in transit between the loader's clock and the proxy's. */
const batchUnits = (items: Item[]) => 25 * Math.max(...items.map((i) => writeUnits(itemSize(i))));
const unitsOf = (items: Item[]) => items.reduce((n, i) => n + writeUnits(itemSize(i)), 0);

let proxy: CapacityProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

test('50% of a 400 WCU table: no second carries more than 200 WCU, nothing is throttled, and the table is the source', async () => {
  const table = unique('bud');
  await provisionedTable(table, 400);
  proxy = await startCapacityProxy({ target: local.endpoint, tables: { [table]: 400 } });
  const items = richItems(700, { seed: 21, padBytes: 700 });
  const ddb = ddbClient(proxy.endpoints.loader, 1);
  const log = captureLog();
  try {
    const out = await runLoad(options(table, { capacityPercent: 50 }), { dynamodb: ddb, source: new FileSource([sourceFile(items)]), log });
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 700, recordsRejected: 0 } });
  } finally {
    ddb.destroy();
  }
  const s = proxy.stats.loader;
  expect(s.throttledRequests).toBe(0);
  expect(s.unitsGranted).toBe(unitsOf(items));
  // Measured where DynamoDB would measure it, at the proxy, on the same clock as the pacer's.
  expect(proxy.peakWindow('loader')).toBeLessThanOrEqual(200);
  const span = (s.grants.at(-1)![0] - s.grants[0][0]) / 1000 + 1;
  expect(s.unitsGranted / span).toBeLessThanOrEqual(200);
  expect(log.lines.find((l) => l.message === 'write budget')?.fields).toMatchObject({
    capacityPercent: 50,
    unitsPerSecond: 200,
    capacity: { writeUnitsPerSecond: 400, source: 'provisioned' },
  });
  expect((await scanAll(direct, table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
});

test('the share follows autoscaling: when the table goes from 200 to 800 WCU mid-load, the load goes from 100 to 400 WCU/s', async () => {
  const table = unique('aut');
  await provisionedTable(table, 200);
  proxy = await startCapacityProxy({ target: local.endpoint, tables: { [table]: 200 } });
  const items = richItems(1400, { seed: 22, padBytes: 700 });
  const ddb = ddbClient(proxy.endpoints.loader, 1);
  const log = captureLog();
  // Autoscaling's UpdateTable, through the model (which then enforces the new rate), 2 s in.
  let raisedAt = 0;
  const raise = setTimeout(() => {
    void ddb.send(new UpdateTableCommand({ TableName: table, ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: 800 } })).then(() => {
      raisedAt = proxy!.stats.loader.grants.at(-1)![0];
    });
  }, 2000);
  try {
    const out = await runLoad(options(table, { capacityPercent: 50 }), {
      dynamodb: ddb,
      source: new FileSource([sourceFile(items)]),
      log,
      capacityRefreshMs: 250,
    });
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 1400 } });
  } finally {
    clearTimeout(raise);
    ddb.destroy();
  }
  expect(raisedAt).toBeGreaterThan(0);
  expect(proxy.capacity(table)).toBe(800);
  expect(proxy.stats.loader.throttledRequests).toBe(0);
  expect(proxy.peakWindow('loader', 0, raisedAt)).toBeLessThanOrEqual(100);
  // Within a refresh (250 ms) and one window of the change, the new budget applies.
  expect(proxy.peakWindow('loader', raisedAt + 1500)).toBeGreaterThan(200 + batchUnits(items));
  expect(proxy.peakWindow('loader')).toBeLessThanOrEqual(400);
  expect(log.lines.filter((l) => l.message === 'write budget changed').map((l) => l.fields?.units)).toEqual([400]);
  expect((await scanAll(direct, table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
});

test('beside an application writing 30% of the capacity, a 50% load leaves it its writes (over 99% succeed at the first try)', async () => {
  const table = unique('app');
  await provisionedTable(table, 400);
  proxy = await startCapacityProxy({ target: local.endpoint, tables: { [table]: 400 }, labels: ['loader', 'app'] });
  const items = richItems(800, { seed: 23, padBytes: 700 });
  const ddb = ddbClient(proxy.endpoints.loader, 1);
  const appClient = ddbClient(proxy.endpoints.app, 1);
  const app = startAppWriter(
    appClient,
    (i) => new PutItemCommand({ TableName: table, Item: { pk: { S: `app-${i}` }, sk: { N: '0' }, v: { S: 'x'.repeat(600) } } }),
    120,
  );
  let counts: Awaited<ReturnType<typeof app.stop>>;
  try {
    const out = await runLoad(options(table, { capacityPercent: 50 }), { dynamodb: ddb, source: new FileSource([sourceFile(items)]), log: captureLog() });
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 800 } });
  } finally {
    counts = await app.stop();
    ddb.destroy();
    appClient.destroy();
  }
  expect(counts.failed).toBe(0);
  expect(counts.sent).toBeGreaterThan(100);
  expect(counts.ok / counts.sent).toBeGreaterThan(0.99);
  expect(proxy.stats.loader.throttledRequests).toBe(0);
  const loaded = (await scanAll(direct, table)).filter((i) => !i.pk.S!.startsWith('app-'));
  expect(loaded.map(canonical).sort()).toEqual(items.map(canonical).sort());
});

test('a budget above what the table has left (the application takes most): the load is throttled, backs off, and still loads every item once', async () => {
  const table = unique('aim');
  await provisionedTable(table, 300);
  proxy = await startCapacityProxy({ target: local.endpoint, tables: { [table]: 300 }, labels: ['loader', 'app'] });
  const items = richItems(1200, { seed: 24, padBytes: 700 });
  const ddb = ddbClient(proxy.endpoints.loader, 1);
  const appClient = ddbClient(proxy.endpoints.app, 1);
  const app = startAppWriter(
    appClient,
    (i) => new PutItemCommand({ TableName: table, Item: { pk: { S: `app-${i}` }, sk: { N: '0' }, v: { S: 'x'.repeat(1500) } } }),
    100,
  );
  const log = captureLog();
  try {
    const out = await runLoad(options(table, { capacityPercent: 100 }), {
      dynamodb: ddb,
      source: new FileSource([sourceFile(items)]),
      log,
      // Real backoff, shortened.
      retry: { baseMs: 20, capMs: 500, maxAttempts: 30, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: Math.random },
    });
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 1200, itemsSkipped: 0, recordsRejected: 0 } });
    // The pacer carries its backed-off share into the checkpoint, for a continuation to start from.
    expect(out.checkpoint.paceFactor).toBeGreaterThan(0);
    expect(out.checkpoint.paceFactor).toBeLessThanOrEqual(1);
  } finally {
    await app.stop();
    ddb.destroy();
    appClient.destroy();
  }
  expect(proxy.stats.loader.throttledRequests).toBeGreaterThan(0);
  const loaded = (await scanAll(direct, table)).filter((i) => !i.pk.S!.startsWith('app-'));
  expect(loaded.map(canonical).sort()).toEqual(items.map(canonical).sort());
});

test('arc-dynamodb load --write-capacity-percent 25 --max-items-per-second 150: says its budget, keeps to the lower cap, exit 0', async () => {
  const table = unique('cli');
  await provisionedTable(table, 400);
  proxy = await startCapacityProxy({ target: local.endpoint, tables: { [table]: 400 } });
  const items = richItems(400, { seed: 25, padBytes: 700 });
  const err: string[] = [];
  const out: string[] = [];
  const stream = (sink: string[]) => new PassThrough().on('data', (d) => sink.push(String(d)));
  const io: CliIO = { stdout: stream(out), stderr: stream(err), cwd: dir, env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } };
  const args = ['load', '--table', table, '--file', sourceFile(items), '--endpoint', proxy.endpoints.loader];
  const code = await main([...args, '--write-capacity-percent', '25', '--max-items-per-second', '150'], io);
  expect(err.join('')).toContain("write budget: 100 WCU/s, 150 items/s (of the table's 400 WCU/s, provisioned)\n");
  expect(code).toBe(0);
  expect(out.join('')).toMatch(/400 items written/);
  expect(proxy.peakWindow('loader')).toBeLessThanOrEqual(100);
  expect(proxy.stats.loader.throttledRequests).toBe(0);
  expect((await scanAll(direct, table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
});
