/**
 * Memory: a generated 300 MB (uncompressed) gzip object, put once in moto's S3 and loaded from it
 * into DynamoDB Local twice, each time in a process of its own whose peak RSS (VmHWM) must stay
 * under 256 MB: by the one-chain loader (loader-child.ts), and by one distributed-load worker
 * running a sealed batch of it (worker-child.ts, provider/load/distributed/worker.ts; issue 17:
 * the bound holds for each worker of a distributed load, not only for the one chain).
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BatchGetItemCommand, CreateTableCommand, DeleteTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand as S3Put } from '@aws-sdk/client-s3';
import type { LoadOptions } from '../../../load/types';
import { dynamoStateStore } from '../../../provider/guard/state-store';
import { planBatches, type BatchObject } from '../../../provider/load/distributed/plan';
import { getBatchRecord } from '../../../provider/load/distributed/records';
import { sealBatch, sealRun, type RunSpec } from '../../../provider/load/distributed/seal';
import { WORKER_KEY, type BatchResult } from '../../../provider/load/distributed/worker';
import { dynamoDbJsonLine, rng } from '../../support/load-data';
import { createBucket, createTable, startBackends, unique, type Backends } from './helpers';

const MB = 1024 * 1024;
const ITEMS = 31_500;
const PAD = 10_000;
const PREFIX = 'big/';
const KEY = `${PREFIX}part-0.json.gz`;
const STATE = 'provider-state';

/** ~10 KB items of words from a small vocabulary: realistic text that gzip shrinks a few times, not a thousand. */
function* lines(): Generator<string> {
  const r = rng(99);
  const words = Array.from({ length: 512 }, (_, i) => `w${(i * 2654435761) % 1e9}`);
  for (let i = 0; i < ITEMS; i++) {
    let pad = '';
    while (pad.length < PAD) pad += `${words[Math.floor(r() * words.length)]} `;
    yield `${dynamoDbJsonLine({ pk: { S: `big-${i}` }, sk: { N: String(i) }, body: { S: pad } })}\n`;
  }
}

let b: Backends;
let dir: string;
let bucket: string;
/** The object's uncompressed bytes (what a load counts as bytesRead) and its gzip size (its S3 size). */
let raw = 0;
let size = 0;

// Generating and gzipping 300 MB is the slow part: done once, for both loads.
beforeAll(async () => {
  // DynamoDB Local keeps 300 MB of items; give it room beyond its default 512 MB heap.
  b = await startBackends({ heapMb: 2048 });
  dir = mkdtempSync(join(tmpdir(), 'arc-load-mem-'));
  bucket = unique('mem').toLowerCase();
  await createBucket(b.s3, bucket);

  // Generate and gzip to disk as a stream, counting the uncompressed bytes.
  const file = join(dir, 'big.json.gz');
  const counted = Readable.from(
    (function* () {
      for (const l of lines()) {
        raw += Buffer.byteLength(l);
        yield l;
      }
    })(),
  );
  await pipeline(counted, createGzip({ level: 1 }), createWriteStream(file));
  size = statSync(file).size;
  await b.s3.send(new S3Put({ Bucket: bucket, Key: KEY, Body: createReadStream(file), ContentLength: size }));
}, 900_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await b?.stop();
});

/** Runs a child script with `-r @swc-node/register` and one JSON argument; returns its one JSON line once it exited 0 with nothing on stderr. */
async function runChild<T>(script: string, args: unknown): Promise<T> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, script), JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as T;
}

/** Spot checks of what countByKey does not fetch: the first, middle and last items are whole. */
async function spotCheck(table: string): Promise<void> {
  for (const i of [0, Math.floor(ITEMS / 2), ITEMS - 1]) {
    const got = await b.dynamodb['DynamoDB Local'].send(new GetItemCommand({ TableName: table, Key: { pk: { S: `big-${i}` }, sk: { N: String(i) } } }));
    expect(got.Item?.body.S?.length).toBeGreaterThanOrEqual(PAD);
  }
}

/**
 * How many of the generated items the table holds, looked up by key: BatchGetItem, 100 keys a call (its limit), returning only
 * the key. Not a Scan, not even Select COUNT: DynamoDB Local pages through these 300 MB in minutes (measured 5.5 min).
 */
async function countByKey(table: string): Promise<number> {
  let found = 0;
  for (let from = 0; from < ITEMS; from += 100) {
    let keys = Array.from({ length: Math.min(100, ITEMS - from) }, (_, k) => ({ pk: { S: `big-${from + k}` }, sk: { N: String(from + k) } }));
    // Keys left unprocessed (BatchGetItem may return fewer than asked) are asked again.
    while (keys.length > 0) {
      const out = await b.dynamodb['DynamoDB Local'].send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ProjectionExpression: 'pk' } } }));
      found += out.Responses?.[table]?.length ?? 0;
      keys = (out.UnprocessedKeys?.[table]?.Keys ?? []) as typeof keys;
    }
  }
  return found;
}

const report = (who: string, peak: number) =>
  process.stdout.write(
    `memory test: ${(raw / MB).toFixed(0)} MB uncompressed (${(size / MB).toFixed(0)} MB gzip), ${ITEMS} items, ${who} peak RSS ` +
      `${(peak / MB).toFixed(0)} MB\n`,
  );

test('the generated object is over 300 MB uncompressed', () => {
  expect(raw).toBeGreaterThanOrEqual(300 * MB);
});

test('a 300 MB gzip object loads with peak RSS under 256 MB', async () => {
  const table = unique('mem');
  await createTable(b.dynamodb['DynamoDB Local'], table);
  try {
    const options: LoadOptions = {
      tableName: table,
      format: 'DYNAMODB_JSON',
      compression: 'GZIP',
      csv: { delimiter: ',' },
      writeMode: 'Overwrite',
      maxRejectedRecords: 0,
      concurrency: 8,
    };
    const args = { s3Endpoint: b.moto.endpoint, ddbEndpoint: b.local.endpoint, bucket, prefix: PREFIX, options };
    const out = await runChild<{ status: string; counters: { itemsWritten: number; bytesRead: number }; peakRss: number }>('loader-child.ts', args);
    expect(out.status).toBe('done');
    expect(out.counters.itemsWritten).toBe(ITEMS);
    expect(out.counters.bytesRead).toBe(raw);
    report('loader', out.peakRss);
    expect(out.peakRss).toBeLessThan(256 * MB);
    expect(await countByKey(table)).toBe(ITEMS);
    await spotCheck(table);
  } finally {
    // Frees DynamoDB Local of these 300 MB before the worker loads them again.
    await b.dynamodb['DynamoDB Local'].send(new DeleteTableCommand({ TableName: table }));
  }
}, 900_000);

test('a distributed-load worker loads a sealed batch of the 300 MB gzip object with peak RSS under 256 MB', async () => {
  const ddb = b.dynamodb['DynamoDB Local'];
  const table = unique('mem-worker');
  await createTable(ddb, table);
  // The provider's state table (template.yaml): the signing key, the operation lease and the batch records.
  await ddb.send(
    new CreateTableCommand({
      TableName: STATE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  const store = dynamoStateStore(ddb, STATE);
  // A deadline and an expiry far off: the batch finishes in one invocation however slow the machine.
  const deadline = Date.now() + 3_600_000;
  const spec: RunSpec = {
    v: 1,
    runId: unique('run'),
    table,
    bucket,
    prefix: PREFIX,
    format: 'DYNAMODB_JSON',
    compression: 'GZIP',
    csv: { delimiter: ',' },
    writeMode: 'Overwrite',
    maxRejectedRecords: 0,
    expiresAt: deadline,
    lease: { stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/shop/${unique('s')}`, logicalId: 'Seed', request: unique('req') },
  };
  // The operation lease as the provider holds it while its run loads (provider/guard/lease.ts).
  const lease = { request: spec.lease.request, chain: 'c', state: 'running' as const, expires: 0, deleting: false, ids: [], propsOf: {}, answered: [] };
  expect(await store.writeLease(spec.lease.stackId, spec.lease.logicalId, lease, undefined)).toBe(true);

  // The plan as the provider makes it from the listing: one batch of the one object.
  const listed = await b.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: PREFIX }));
  const objects: BatchObject[] = (listed.Contents ?? []).map((o) => [o.Key!, o.Size!, o.ETag!]);
  const batches = planBatches(objects);
  expect(batches).toEqual([{ i: 0, o: [[KEY, size, expect.any(String)]] }]);
  const key = await store.signingKey();
  const run = sealRun(key, spec);
  const event = { [WORKER_KEY]: run, Batch: sealBatch(key, run, batches[0]) };

  const args = { s3Endpoint: b.moto.endpoint, ddbEndpoint: b.local.endpoint, stateTable: STATE, event, deadline };
  const out = await runChild<BatchResult & { peakRss: number }>('worker-child.ts', args);
  const { peakRss, ...result } = out;
  const counters = { itemsWritten: ITEMS, itemsSkipped: 0, recordsRejected: 0, objectsRead: 1, bytesRead: raw };
  expect(result).toEqual({ batch: 0, records: ITEMS, ...counters });
  report('distributed worker', peakRss);
  expect(peakRss).toBeLessThan(256 * MB);

  // Finished: its record holds the counts, with no checkpoint to resume from and no failure.
  expect(await getBatchRecord(ddb, STATE, spec.runId, 0)).toEqual({ counters, records: ITEMS, firstRejects: [] });
  // The table holds every item.
  expect(await countByKey(table)).toBe(ITEMS);
  await spotCheck(table);
}, 900_000);
