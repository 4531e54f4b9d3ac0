/**
 * `npm run bench` — the loader's throughput beside its ceiling, measured in the same run against
 * the same DynamoDB Local:
 * - loader: runLoad from moto_server's S3 (gzip DynamoDB JSON, ~1 KB items) into a fresh table;
 * - ceiling: the same items already in memory as AttributeValues, written by a tight
 *   BatchWriteItem loop (25 per call) with the same number of calls in flight.
 * Runs alternate (ceiling, loader, ...) so drift on a shared machine hits both; medians are
 * compared. Target: loader >= 80% of the ceiling.
 */
import { BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { runLoad } from '../load/loader';
import { S3Source } from '../load/source';
import { itemSize } from '../load/item';
import { compress, richItems, toDynamoDbJson, type Item, PK_SK_KEY } from '../test/support/load-data';
import { LOCAL_CREDENTIALS, startMoto } from '../test/support/moto';

const ITEMS = Number(process.env.LOAD_BENCH_ITEMS ?? 20000);
const RUNS = Number(process.env.LOAD_BENCH_RUNS ?? 5);
const CONCURRENCY = 8;
const OBJECTS = 4;
const TARGET = 0.8;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function freshTable(ddb: DynamoDBClient, name: string): Promise<void> {
  await ddb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      ...PK_SK_KEY,
    }),
  );
}

/** The raw ceiling: batches of 25 from memory, CONCURRENCY calls in flight, nothing else. */
async function ceiling(ddb: DynamoDBClient, table: string, items: Item[]): Promise<number> {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) {
        let batch = batches[next++].map((Item) => ({ PutRequest: { Item } }));
        while (batch.length > 0) {
          const r = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: batch } }));
          batch = (r.UnprocessedItems?.[table] ?? []) as typeof batch;
        }
      }
    }),
  );
  return items.length / ((performance.now() - t0) / 1000);
}

async function loader(ddb: DynamoDBClient, s3: S3Client, table: string, bucket: string): Promise<number> {
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const t0 = performance.now();
  const out = await runLoad(
    {
      tableName: table,
      format: 'DYNAMODB_JSON',
      compression: 'GZIP',
      csv: { delimiter: ',' },
      writeMode: 'Overwrite',
      maxRejectedRecords: 0,
      concurrency: CONCURRENCY,
    },
    { dynamodb: ddb, source: new S3Source(s3, bucket, 'bench/'), log },
  );
  const secs = (performance.now() - t0) / 1000;
  if (out.status !== 'done' || out.counters.itemsWritten !== ITEMS) throw new Error(`loader run did not finish cleanly: ${JSON.stringify(out).slice(0, 300)}`);
  return ITEMS / secs;
}

async function main(): Promise<void> {
  const [local, moto] = await Promise.all([startDynamoDbLocal(), startMoto()]);
  const ddb = new DynamoDBClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  try {
    const items = richItems(ITEMS, { seed: 77, padBytes: 860 });
    const avg = items.reduce((a, i) => a + itemSize(i), 0) / items.length;
    const bucket = 'arc-load-bench';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const per = Math.ceil(ITEMS / OBJECTS);
    for (let i = 0; i < OBJECTS; i++) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `bench/part-${i}.json.gz`, Body: compress(toDynamoDbJson(items.slice(i * per, (i + 1) * per)), 'GZIP') }),
      );
    }
    console.log(
      `load bench: ${ITEMS} items of ~${Math.round(avg)} bytes, ${OBJECTS} gzip objects in moto S3, DynamoDB Local, ${CONCURRENCY} requests in ` +
        `flight, ${RUNS} runs each`,
    );

    // One untimed full run of each path first (JIT, connections, DynamoDB Local warming up).
    await freshTable(ddb, 'bench-ceiling');
    await ceiling(ddb, 'bench-ceiling', items);
    await freshTable(ddb, 'bench-loader');
    await loader(ddb, s3, 'bench-loader', bucket);

    const ceil: number[] = [];
    const load: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      await freshTable(ddb, 'bench-ceiling');
      ceil.push(await ceiling(ddb, 'bench-ceiling', items));
      await freshTable(ddb, 'bench-loader');
      load.push(await loader(ddb, s3, 'bench-loader', bucket));
      console.log(`  run ${r + 1}: ceiling ${Math.round(ceil[r])} items/s, loader ${Math.round(load[r])} items/s`);
    }
    const c = median(ceil);
    const l = median(load);
    const ratio = l / c;
    const ok = ratio >= TARGET;
    console.log(`ceiling (in-memory BatchWriteItem loop): median ${Math.round(c)} items/s`);
    console.log(`loader  (S3 -> gunzip -> parse -> check -> BatchWriteItem): median ${Math.round(l)} items/s`);
    console.log(`ratio ${(ratio * 100).toFixed(1)}% (target >= ${TARGET * 100}%)   ${ok ? 'PASS' : 'FAIL'}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    ddb.destroy();
    s3.destroy();
    await Promise.all([local.stop(), moto.stop()]);
  }
}

main().catch((e) => {
  console.error(`load bench failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
