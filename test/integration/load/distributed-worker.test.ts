/**
 * The distributed-load worker (provider/load/distributed/worker.ts; issue 17): the loader core over
 * one sealed batch of objects, from moto's S3 into DynamoDB Local. It loads exactly its batch,
 * returns and records its counts (a re-run overwrites its own record), resumes an unfinished batch
 * where it stopped, and refuses anything it did not get sealed from the provider.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateTableCommand as CreateDdbTable, DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoStateStore } from '../../../provider/guard/state-store';
import { planBatches, type BatchObject } from '../../../provider/load/distributed/plan';
import { claimBatch, getBatchRecord } from '../../../provider/load/distributed/records';
import { sealBatch, sealRun, type RunSpec } from '../../../provider/load/distributed/seal';
import { runWorker, WORKER_KEY, WorkerError } from '../../../provider/load/distributed/worker';
import { canonical, richItems, toDynamoDbJson } from '../../support/load-data';
import { captureLog, createBucket, createTable, putObject, scanAll, startBackends, unique, type Backends } from './helpers';

let b: Backends;
const STATE = 'provider-state';
beforeAll(async () => {
  b = await startBackends();
  await b.dynamodb['DynamoDB Local'].send(
    new CreateDdbTable({
      TableName: STATE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
});
afterAll(async () => b?.stop());

async function stage(objects: number, per: number) {
  const bucket = unique('dw').toLowerCase();
  const table = unique('dw');
  await createBucket(b.s3, bucket);
  await createTable(b.dynamodb['DynamoDB Local'], table);
  const items = richItems(objects * per);
  for (let i = 0; i < objects; i++) await putObject(b.s3, bucket, `arc-dynamodb/shop/part-${i}.json`, toDynamoDbJson(items.slice(i * per, (i + 1) * per)));
  const listed = await b.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'arc-dynamodb/shop/' }));
  const list: BatchObject[] = (listed.Contents ?? []).map((o) => [o.Key!, o.Size!, o.ETag!]);
  const spec: RunSpec = {
    v: 1,
    runId: unique('run'),
    table,
    bucket,
    prefix: 'arc-dynamodb/shop/',
    format: 'DYNAMODB_JSON',
    compression: 'NONE',
    csv: { delimiter: ',' },
    writeMode: 'Overwrite',
    maxRejectedRecords: 0,
    expiresAt: Date.now() + 600_000,
    lease: { stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/shop/${unique('s')}`, logicalId: 'Seed', request: unique('req') },
  };
  await holdLease(spec, 'running');
  return { bucket, table, items, list, spec };
}

/** The operation lease (provider/guard/lease.ts) as the protocol leaves it: held by the run's request, or done, or another request's. */
async function holdLease(spec: RunSpec, state: 'running' | 'done', request = spec.lease.request): Promise<void> {
  const st = store();
  const cur = await st.readLease(spec.lease.stackId, spec.lease.logicalId);
  const lease = { request, chain: 'c', state, expires: 0, deleting: false, ids: [], propsOf: {}, answered: [] };
  expect(await st.writeLease(spec.lease.stackId, spec.lease.logicalId, lease, cur?.version)).toBe(true);
}

const store = () => dynamoStateStore(b.dynamodb['DynamoDB Local'], STATE);
const deps = (log = captureLog(), deadline = Date.now() + 120_000) => ({
  signingKey: () => store().signingKey(),
  dynamodb: b.dynamodb['DynamoDB Local'],
  s3: b.s3,
  stateTable: STATE,
  readLease: (stackId: string, logicalId: string) => store().readLease(stackId, logicalId),
  log,
  deadline,
});

test('each worker loads exactly its sealed batch; together they load the source item for item, and the counts add up', async () => {
  const s = await stage(5, 40);
  const key = await store().signingKey();
  const run = sealRun(key, s.spec);
  const batches = planBatches(s.list, 1, 2); // a byte limit of 1: one object per batch
  expect(batches.map((x) => x.o.length)).toEqual([1, 1, 1, 1, 1]);
  const twoPer = planBatches(s.list, Infinity, 2);
  expect(twoPer.map((x) => x.o.length)).toEqual([2, 2, 1]);
  const results = [];
  for (const batch of twoPer) results.push(await runWorker({ [WORKER_KEY]: run, Batch: sealBatch(key, run, batch) }, deps()));
  expect(results.map((r) => [r.batch, r.itemsWritten, r.objectsRead, r.records])).toEqual([
    [0, 80, 2, 80],
    [1, 80, 2, 80],
    [2, 40, 1, 40],
  ]);
  const loaded = (await scanAll(b.dynamodb['DynamoDB Local'], s.table)).map(canonical).sort();
  expect(loaded).toEqual(s.items.map(canonical).sort());
  expect(results.reduce((n, r) => n + r.bytesRead, 0)).toBe(s.list.reduce((n, o) => n + o[1], 0));
  const record = await getBatchRecord(b.dynamodb['DynamoDB Local'], STATE, s.spec.runId, 2);
  expect(record).toEqual({
    counters: { itemsWritten: 40, itemsSkipped: 0, recordsRejected: 0, objectsRead: 1, bytesRead: s.list[4][1] },
    records: 40,
    firstRejects: [],
  });

  // A finished batch sent again (a redrive of a child aborted while its invocation went on) writes nothing and answers its
  // record's counts: counted once. An item deleted meanwhile stays deleted.
  const [gone] = await scanAll(b.dynamodb['DynamoDB Local'], s.table);
  await b.dynamodb['DynamoDB Local'].send(new DeleteItemCommand({ TableName: s.table, Key: { pk: gone.pk, sk: gone.sk } }));
  const again = await runWorker({ [WORKER_KEY]: run, Batch: sealBatch(key, run, twoPer[2]) }, deps());
  expect([again.batch, again.itemsWritten, again.records]).toEqual([2, 40, 40]);
  expect((await getBatchRecord(b.dynamodb['DynamoDB Local'], STATE, s.spec.runId, 2))?.counters.itemsWritten).toBe(40);
  expect((await scanAll(b.dynamodb['DynamoDB Local'], s.table)).length).toBe(s.items.length - 1);
});

test('one worker at a time per batch: a second one sent it meanwhile is refused as busy before it reads or writes, and may run once it is free', async () => {
  const s = await stage(2, 300);
  const key = await store().signingKey();
  const run = sealRun(key, s.spec);
  const [batch] = planBatches(s.list);
  const event = { [WORKER_KEY]: run, Batch: sealBatch(key, run, batch) };
  // The first worker holds the batch while it loads (its first lease check is where the second one is sent).
  let second: unknown;
  let reads = 0;
  const d = deps();
  const first = runWorker(event, {
    ...d,
    invocationId: 'first',
    readLease: async (stackId: string, logicalId: string) => {
      if (++reads === 2) {
        const log = captureLog();
        second = await runWorker(event, { ...deps(log), invocationId: 'second' }).catch((e: unknown) => e);
        expect(log.lines.some((l) => l.message === 'batch busy: another worker holds it')).toBe(true);
      }
      return d.readLease(stackId, logicalId);
    },
  });
  const done = await first;
  expect((second as Error).name).toBe('ArcDynamoDb.BatchBusy');
  expect((second as Error).message).toMatch(/nothing was read or written/);
  expect([done.itemsWritten, done.records]).toEqual([600, 600]);
  // Released: a later worker takes the batch, finds it finished and answers its counts.
  const later = await runWorker(event, { ...deps(), invocationId: 'third' });
  expect([later.itemsWritten, later.records]).toEqual([600, 600]);
  expect((await scanAll(b.dynamodb['DynamoDB Local'], s.table)).map(canonical).sort()).toEqual(s.items.map(canonical).sort());
});

test("a claim left by a worker whose invocation died holds until that invocation's end, then the batch is taken over", async () => {
  const s = await stage(1, 10);
  const key = await store().signingKey();
  const run = sealRun(key, s.spec);
  const [batch] = planBatches(s.list);
  const event = { [WORKER_KEY]: run, Batch: sealBatch(key, run, batch) };
  const t0 = Date.now();
  // The dead invocation's claim, held until its Lambda deadline.
  expect(await claimBatch(b.dynamodb['DynamoDB Local'], STATE, s.spec.runId, 0, 'dead', t0 + 60_000, t0, s.spec.expiresAt)).toBe(true);
  const busy = await runWorker(event, { ...deps(), invocationId: 'next', now: () => t0 + 1000 }).catch((e: unknown) => e);
  expect((busy as Error).name).toBe('ArcDynamoDb.BatchBusy');
  expect(await scanAll(b.dynamodb['DynamoDB Local'], s.table)).toEqual([]);
  const after = await runWorker(event, { ...deps(), invocationId: 'next', now: () => t0 + 61_000 });
  expect(after.itemsWritten).toBe(10);
});

test('a batch cut off by its deadline records where it stopped, and its next run resumes there: every item once', async () => {
  const s = await stage(2, 300);
  const key = await store().signingKey();
  const run = sealRun(key, s.spec);
  const [batch] = planBatches(s.list);
  const sealed = sealBatch(key, run, batch);
  // A deadline already close: the loader makes progress of at least one record, then stops.
  const err = await runWorker({ [WORKER_KEY]: run, Batch: sealed }, deps(captureLog(), Date.now() + 50)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkerError);
  expect((err as WorkerError).name).toBe('ArcDynamoDb.BatchUnfinished');
  const partial = await getBatchRecord(b.dynamodb['DynamoDB Local'], STATE, s.spec.runId, 0);
  expect(partial?.checkpoint).toBeDefined();
  expect(partial!.records).toBeLessThan(600);
  const done = await runWorker({ [WORKER_KEY]: run, Batch: sealed }, deps());
  expect([done.itemsWritten + done.itemsSkipped, done.records, done.objectsRead]).toEqual([600, 600, 2]);
  const loaded = (await scanAll(b.dynamodb['DynamoDB Local'], s.table)).map(canonical).sort();
  expect(loaded).toEqual(s.items.map(canonical).sort());
});

test('refuses an unsealed, forged or expired batch before reading or writing anything', async () => {
  const s = await stage(1, 10);
  const key = await store().signingKey();
  const run = sealRun(key, s.spec);
  const [batch] = planBatches(s.list);
  const log = captureLog();
  const attempts: Record<string, unknown>[] = [
    { [WORKER_KEY]: JSON.parse(JSON.stringify(run)), Batch: { ...batch, m: '0'.repeat(64) } },
    { [WORKER_KEY]: { ...run, run: run.run.replace(s.table, 'app-other') }, Batch: sealBatch(key, run, batch) },
    { [WORKER_KEY]: { v: 1, run: run.run, mac: 'f'.repeat(64) }, Batch: sealBatch(key, run, batch) },
    { [WORKER_KEY]: sealRun(key, { ...s.spec, expiresAt: Date.now() - 1 }), Batch: batch },
  ];
  const expired = sealRun(key, { ...s.spec, expiresAt: Date.now() - 1 });
  attempts.push({ [WORKER_KEY]: expired, Batch: sealBatch(key, expired, batch) });
  for (const a of attempts) {
    const err = await runWorker(a, deps(log)).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ArcDynamoDb.NotSealed');
    expect((err as Error).message).toMatch(/nothing was read or written/);
  }
  expect(await scanAll(b.dynamodb['DynamoDB Local'], s.table)).toEqual([]);
  expect(await getBatchRecord(b.dynamodb['DynamoDB Local'], STATE, s.spec.runId, 0)).toBeUndefined();
  expect(log.lines.filter((l) => l.message === 'worker event refused').map((l) => l.fields?.reason)).toEqual([
    'the batch is not sealed for this run',
    'the run is not sealed by this provider',
    'the run is not sealed by this provider',
    'no sealed batch',
    'the run has expired',
  ]);
});

test('a sealed batch is refused once its operation lost the lease (answered, a Delete or a rollback took over), and stops mid-batch on losing it', async () => {
  const s = await stage(3, 20);
  const key = await store().signingKey();
  const run = sealRun(key, s.spec);
  const [batch] = planBatches(s.list);
  const event = { [WORKER_KEY]: run, Batch: sealBatch(key, run, batch) };
  // CloudFormation was answered (the lease is done), or a Delete / rollback Update took the resource over.
  for (const [state, request] of [
    ['done', s.spec.lease.request],
    ['running', 'another-request'],
  ] as const) {
    await holdLease(s.spec, state, request);
    const err = await runWorker(event, deps()).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ArcDynamoDb.NotCurrent');
    expect((err as Error).message).toMatch(/nothing was read or written/);
  }
  expect(await scanAll(b.dynamodb['DynamoDB Local'], s.table)).toEqual([]);
  expect(await getBatchRecord(b.dynamodb['DynamoDB Local'], STATE, s.spec.runId, 0)).toBeUndefined();

  // Held when the batch starts, taken over while its first object loads: the later objects are not written.
  await holdLease(s.spec, 'running');
  let reads = 0;
  const d = deps();
  const mid = await runWorker(event, {
    ...d,
    readLease: async (stackId: string, logicalId: string) => {
      if (++reads === 2) await holdLease(s.spec, 'running', 'a-rollback');
      return d.readLease(stackId, logicalId);
    },
  }).catch((e: unknown) => e);
  expect((mid as Error).name).toBe('ArcDynamoDb.NotCurrent');
  expect(reads).toBe(2);
  // At most the first object's 20 items (those still buffered are dropped), never the other two objects'.
  expect((await scanAll(b.dynamodb['DynamoDB Local'], s.table)).length).toBeLessThanOrEqual(20);
});

test('taken over while one large object loads, a worker stops within a lease check, records nothing, and fails NotCurrent', async () => {
  const s = await stage(1, 2000);
  const key = await store().signingKey();
  // 100 items/s: the object takes 20 s, so the takeover surely comes while it loads (the budget sets the time, not the machine).
  const spec = { ...s.spec, budget: { maxItemsPerSecond: 100 } };
  const run = sealRun(key, spec);
  const [batch] = planBatches(s.list);
  let reads = 0;
  const d = deps();
  const err = await runWorker(
    { [WORKER_KEY]: run, Batch: sealBatch(key, run, batch) },
    {
      ...d,
      leaseCheckMs: 200,
      readLease: async (stackId: string, logicalId: string) => {
        // The first read is the check before the batch; the second, the first timed check: a rollback has taken over.
        if (++reads === 2) await holdLease(spec, 'running', 'a-rollback');
        return d.readLease(stackId, logicalId);
      },
    },
  ).catch((e: unknown) => e);
  expect((err as Error).name).toBe('ArcDynamoDb.NotCurrent');
  expect((await scanAll(b.dynamodb['DynamoDB Local'], s.table)).length).toBeLessThan(2000);
  expect(await getBatchRecord(b.dynamodb['DynamoDB Local'], STATE, spec.runId, 0)).toBeUndefined();
});

test('a worker stops writing when its run expires (CloudFormation stopped waiting), even with invocation time left', async () => {
  const s = await stage(2, 300);
  const key = await store().signingKey();
  const spec = { ...s.spec, expiresAt: Date.now() + 50 };
  const run = sealRun(key, spec);
  const [batch] = planBatches(s.list);
  const err = await runWorker({ [WORKER_KEY]: run, Batch: sealBatch(key, run, batch) }, deps(captureLog(), Date.now() + 120_000)).catch((e: unknown) => e);
  expect((err as Error).name).toBe('ArcDynamoDb.BatchUnfinished');
  expect((await getBatchRecord(b.dynamodb['DynamoDB Local'], STATE, spec.runId, 0))!.records).toBeLessThan(600);
});
