/**
 * Throttling and faults injected between the loader and its backends (test/support/load-fault-proxy.ts):
 * the final table is exactly the source, and the counts are exact.
 */
import { runLoad } from '../../../load/loader';
import { S3Source } from '../../../load/source';
import type { LoadOptions, WriteMode } from '../../../load/types';
import type { RetryPolicy } from '../../../load/retry';
import { canonical, compress, richItems, toDynamoDbJson, type Item } from '../../support/load-data';
import { startFaultProxy, type DynamoFaults } from '../../support/load-fault-proxy';
import { captureLog, createBucket, createTable, ddbClient, putObject, s3Client, scanAll, startBackends, unique, type Backends } from './helpers';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';

let b: Backends;
beforeAll(async () => {
  b = await startBackends();
});
afterAll(async () => b?.stop());

/** Real backoff shape, shortened so the suite stays quick. */
const fastRetry = (): RetryPolicy => ({ baseMs: 5, capMs: 100, maxAttempts: 12, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: Math.random });

function options(table: string, writeMode: WriteMode): LoadOptions {
  return { tableName: table, format: 'DYNAMODB_JSON', compression: 'GZIP', csv: { delimiter: ',' }, writeMode, maxRejectedRecords: 0, concurrency: 6 };
}

const FAULTS: [string, DynamoFaults][] = [
  ['throttling', { throttle: 0.3 }],
  ['500 errors', { serverError: 0.3 }],
  ['connection resets before the write', { resetBefore: 0.2 }],
  ['connection resets after the write was applied', { resetAfter: 0.2 }],
  ['partial batches (UnprocessedItems)', { partialBatch: 0.5 }],
  ['latency', { latencyMs: 30 }],
  ['every fault at once', { throttle: 0.1, serverError: 0.1, resetBefore: 0.05, resetAfter: 0.05, partialBatch: 0.2, latencyMs: 5 }],
];

describe.each(['DynamoDB Local', 'moto'] as const)('faults in front of %s', (backend) => {
  test.each(FAULTS)('Overwrite under %s: the table equals the source and every item is counted once', async (_name, faults) => {
    const target = backend === 'moto' ? b.moto.endpoint : b.local.endpoint;
    const proxy = await startFaultProxy({ target, seed: 11, dynamodb: faults });
    // The SDK's own retries are off (maxAttempts 1), so every fault reaches the loader's backoff.
    const ddb = ddbClient(proxy.endpoint, 1);
    const table = unique('flt');
    await createTable(b.dynamodb[backend], table);
    const bucket = unique('flt').toLowerCase();
    await createBucket(b.s3, bucket);
    const items = richItems(400, { seed: 5 });
    await putObject(b.s3, bucket, 'd/part-0', compress(toDynamoDbJson(items.slice(0, 250)), 'GZIP'));
    await putObject(b.s3, bucket, 'd/part-1', compress(toDynamoDbJson(items.slice(250)), 'GZIP'));
    try {
      const out = await runLoad(options(table, 'Overwrite'), {
        dynamodb: ddb,
        source: new S3Source(b.s3, bucket, 'd/'),
        log: captureLog(),
        retry: fastRetry(),
      });
      expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 400, itemsSkipped: 0, recordsRejected: 0, objectsRead: 2 } });
      expect((await scanAll(b.dynamodb[backend], table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
      const injected = Object.values(proxy.injected).reduce((a, n) => a + n, 0);
      if (!faults.latencyMs || Object.keys(faults).length > 1) expect(injected).toBeGreaterThan(0);
    } finally {
      ddb.destroy();
      await proxy.stop();
    }
  });
});

test('PutIfAbsent under throttling, 500s and resets: existing items are kept and counted as skipped, the rest written', async () => {
  const proxy = await startFaultProxy({ target: b.local.endpoint, seed: 3, dynamodb: { throttle: 0.15, serverError: 0.15, resetBefore: 0.1 } });
  const ddb = ddbClient(proxy.endpoint, 1);
  const direct = b.dynamodb['DynamoDB Local'];
  const table = unique('pia');
  await createTable(direct, table);
  const bucket = unique('pia').toLowerCase();
  await createBucket(b.s3, bucket);
  const items = richItems(300, { seed: 9 });
  // 50 items already exist with other content: PutIfAbsent must leave them alone.
  const existing: Item[] = items.slice(0, 50).map((i) => ({ pk: i.pk, sk: i.sk, old: { S: 'kept' } }));
  for (const e of existing) await direct.send(new PutItemCommand({ TableName: table, Item: e }));
  await putObject(b.s3, bucket, 'd/part-0', compress(toDynamoDbJson(items), 'GZIP'));
  try {
    const out = await runLoad(options(table, 'PutIfAbsent'), {
      dynamodb: ddb,
      source: new S3Source(b.s3, bucket, 'd/'),
      log: captureLog(),
      retry: fastRetry(),
    });
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 250, itemsSkipped: 50, recordsRejected: 0 } });
    expect((await scanAll(direct, table)).map(canonical).sort()).toEqual([...existing, ...items.slice(50)].map(canonical).sort());
    expect(proxy.injected.throttle + proxy.injected.serverError + proxy.injected.resetBefore).toBeGreaterThan(0);
  } finally {
    ddb.destroy();
    await proxy.stop();
  }
});

test('a connection cut mid-object is read again from the last record, with nothing lost or doubled', async () => {
  const proxy = await startFaultProxy({ target: b.moto.endpoint, s3: { cutGetObjectAfterBytes: 20000, times: 2 } });
  const s3 = s3Client(proxy.endpoint);
  const ddb = b.dynamodb['DynamoDB Local'];
  const table = unique('cut');
  await createTable(ddb, table);
  const bucket = unique('cut').toLowerCase();
  await createBucket(b.s3, bucket);
  const items = richItems(500, { seed: 4 });
  await putObject(b.s3, bucket, 'd/part-0', toDynamoDbJson(items));
  try {
    const log = captureLog();
    const out = await runLoad(
      { ...options(table, 'Overwrite'), compression: 'NONE' },
      { dynamodb: ddb, source: new S3Source(s3, bucket, 'd/'), log, retry: fastRetry() },
    );
    expect(out).toMatchObject({
      status: 'done',
      counters: { itemsWritten: 500, recordsRejected: 0, objectsRead: 1, bytesRead: Buffer.byteLength(toDynamoDbJson(items)) },
    });
    expect(proxy.injected.cutBody).toBe(2);
    expect(log.lines.filter((l) => l.message === 'object read interrupted, reopening')).toHaveLength(2);
    expect((await scanAll(ddb, table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
  } finally {
    s3.destroy();
    await proxy.stop();
  }
});

test('throttling that never ends fails the load with a clear reason, and the counts match the table', async () => {
  const proxy = await startFaultProxy({ target: b.local.endpoint, dynamodb: { throttle: 1 } });
  const ddb = ddbClient(proxy.endpoint, 1);
  const table = unique('thr');
  await createTable(b.dynamodb['DynamoDB Local'], table);
  const bucket = unique('thr').toLowerCase();
  await createBucket(b.s3, bucket);
  await putObject(b.s3, bucket, 'd/part-0', compress(toDynamoDbJson(richItems(30)), 'GZIP'));
  try {
    const out = await runLoad(options(table, 'Overwrite'), {
      dynamodb: ddb,
      source: new S3Source(b.s3, bucket, 'd/'),
      log: captureLog(),
      retry: { ...fastRetry(), maxAttempts: 4 },
    });
    expect(out).toMatchObject({
      status: 'failed',
      reason:
        `BatchWriteItem on table '${table}' still failing after 4 attempts: ProvisionedThroughputExceededException: The level of configured ` +
        `provisioned throughput for the table was exceeded.`,
      counters: { itemsWritten: 0 },
    });
    expect(await scanAll(b.dynamodb['DynamoDB Local'], table)).toEqual([]);
  } finally {
    ddb.destroy();
    await proxy.stop();
  }
});

test('a run cut off at its hard deadline returns its last drained checkpoint; continuing from it ends with the exact table and counts', async () => {
  const proxy = await startFaultProxy({ target: b.local.endpoint, dynamodb: { latencyMs: 150 } });
  const ddb = ddbClient(proxy.endpoint, 1);
  const table = unique('hard');
  await createTable(b.dynamodb['DynamoDB Local'], table);
  const bucket = unique('hard').toLowerCase();
  await createBucket(b.s3, bucket);
  const items = richItems(1500, { seed: 12 });
  await putObject(b.s3, bucket, 'd/part-0', compress(toDynamoDbJson(items), 'GZIP'));
  try {
    const source = new S3Source(b.s3, bucket, 'd/');
    let aborted = 0;
    let out = await runLoad(
      options(table, 'Overwrite'),
      { dynamodb: ddb, source, log: captureLog(), retry: fastRetry() },
      undefined,
      Date.now() + 60000,
      Date.now() + 1200,
    );
    while (out.status === 'continue') {
      aborted++;
      // Every checkpoint a cut-off run hands back is exact: it counts just what precedes it.
      expect(out.checkpoint.counters.itemsWritten).toBe(out.checkpoint.records);
      out = await runLoad(
        options(table, 'Overwrite'),
        { dynamodb: ddb, source, log: captureLog(), retry: fastRetry() },
        out.checkpoint,
        Date.now() + 60000,
        Date.now() + 1200,
      );
    }
    expect(aborted).toBeGreaterThan(1);
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 1500, itemsSkipped: 0, recordsRejected: 0, objectsRead: 1 } });
    expect((await scanAll(b.dynamodb['DynamoDB Local'], table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
  } finally {
    ddb.destroy();
    await proxy.stop();
  }
});
