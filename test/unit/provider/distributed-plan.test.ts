/**
 * Distributed loads (issue 17): the plan (batches, workers, the budget's split, the threshold) and
 * the seals a worker checks before it reads or writes anything.
 */
import { randomBytes } from 'node:crypto';
import { BATCH_OBJECTS, MAX_WORKERS, planBatches, route, splitBudget, type BatchObject } from '../../../provider/load/distributed/plan';
import { openBatch, sealBatch, sealRun, type RunSpec } from '../../../provider/load/distributed/seal';

const MB = 1024 * 1024;
const obj = (key: string, size: number): BatchObject => [key, size, `"${key}"`];

describe('planBatches', () => {
  it('groups objects in listing order up to the byte and object limits, each object in exactly one batch', () => {
    const objects = [obj('a', 100 * MB), obj('b', 100 * MB), obj('c', 100 * MB), obj('d', 600 * MB), obj('e', 1)];
    const batches = planBatches(objects, 256 * MB);
    expect(batches.map((b) => b.o.map((o) => o[0]))).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
    expect(batches.map((b) => b.i)).toEqual([0, 1, 2, 3]);
    const many = Array.from({ length: 250 }, (_, i) => obj(`k${String(i).padStart(3, '0')}`, 10));
    const small = planBatches(many);
    expect(small.map((b) => b.o.length)).toEqual([BATCH_OBJECTS, BATCH_OBJECTS, 50]);
    expect(small.flatMap((b) => b.o)).toEqual(many);
    expect(planBatches([])).toEqual([]);
  });

  it('keeps every sealed batch, with its run, within the 256 KiB of a state input, whatever the keys escape to in JSON', () => {
    // S3 keys are up to 1,024 bytes of UTF-8 (Amazon S3 user guide, "Naming Amazon S3 objects"); JSON writes a quote or a backslash
    // in two bytes and a control character in six, and a Map item is the task's input (Step Functions quotas: 256 KiB per state input).
    const nasty = (i: number, c: string) => obj(`arc-dynamodb/shop/${String(i).padStart(4, '0')}${c.repeat(1000)}`, 10);
    const objects = [...Array.from({ length: 120 }, (_, i) => nasty(i, '\u0001')), ...Array.from({ length: 120 }, (_, i) => nasty(200 + i, '"'))];
    const key = randomBytes(32);
    const run = sealRun(key, { ...specFor(), csv: { delimiter: ',', headerList: Array.from({ length: 50 }, (_, i) => `column_${i}`) } });
    const batches = planBatches(objects);
    expect(batches.flatMap((b) => b.o)).toEqual(objects);
    for (const b of batches) expect(Buffer.byteLength(JSON.stringify({ ArcDynamoDbWorker: run, Batch: sealBatch(key, run, b) }))).toBeLessThan(256 * 1024);
  });
});

describe('splitBudget', () => {
  it('without a budget: one worker per batch up to MAX_WORKERS, no pacing', () => {
    expect(splitBudget(3, undefined, undefined)).toEqual({ workers: 3 });
    expect(splitBudget(1000, undefined, undefined)).toEqual({ workers: MAX_WORKERS });
  });

  it('splits every cap evenly across the workers, so together they never exceed the load budget', () => {
    const s = splitBudget(100, { maxWriteUnitsPerSecond: 1000, capacityPercent: 50 }, { writeUnitsPerSecond: 4000, source: 'provisioned' });
    expect(s.workers).toBe(MAX_WORKERS);
    expect(s.budget).toEqual({ maxWriteUnitsPerSecond: 1000 / MAX_WORKERS, capacityPercent: 50 / MAX_WORKERS });
    expect(s.workers * s.budget!.maxWriteUnitsPerSecond!).toBe(1000);
  });

  it('runs fewer workers when a share would not admit one full BatchWriteItem per second', () => {
    expect(splitBudget(100, { maxItemsPerSecond: 100 }, undefined)).toEqual({ workers: 4, budget: { maxItemsPerSecond: 25 } });
    expect(splitBudget(100, { maxWriteUnitsPerSecond: 10 }, undefined)).toEqual({ workers: 1, budget: { maxWriteUnitsPerSecond: 10 } });
    // 10% of 500 WCU = 50 units/s: two workers of 5% each.
    expect(splitBudget(9, { capacityPercent: 10 }, { writeUnitsPerSecond: 500, source: 'provisioned' })).toEqual({
      workers: 2,
      budget: { capacityPercent: 5 },
    });
  });
});

describe('route (the threshold)', () => {
  it('follows an explicit Distributed either way', () => {
    expect(route({ distributed: true, sourceBytes: 1, secondsLeft: 3600 }).kind).toBe('distributed');
    expect(route({ distributed: false, sourceBytes: 1e15, secondsLeft: 60 }).kind).toBe('one-chain');
  });

  it('otherwise compares the listed size at the budget rate with the time CloudFormation still waits', () => {
    expect(route({ sourceBytes: 100 * MB, secondsLeft: 3600 }).kind).toBe('one-chain');
    expect(route({ sourceBytes: 100 * 1024 * MB, secondsLeft: 3600 }).kind).toBe('distributed');
    // 100 MB at 10 items/s of ~1 KB: ~10,000 s, more than an hour allows.
    const slow = route({ sourceBytes: 100 * MB, budget: { maxItemsPerSecond: 10 }, secondsLeft: 3600 });
    expect(slow.kind).toBe('distributed');
    expect(slow.why).toMatch(/take ~10240 s, and CloudFormation waits 3600 s more/);
  });
});

function specFor(): RunSpec {
  return {
    v: 1,
    runId: 'r1',
    table: 'app-orders',
    bucket: 'seed',
    prefix: 'arc-dynamodb/shop/',
    format: 'DYNAMODB_JSON',
    compression: 'NONE',
    csv: { delimiter: ',' },
    writeMode: 'Overwrite',
    maxRejectedRecords: 0,
    expiresAt: 10_000,
    lease: { stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop/1', logicalId: 'Seed', request: 'r' },
  };
}

describe('sealed runs and batches', () => {
  const key = randomBytes(32);
  const spec = specFor();
  const run = sealRun(key, spec);
  const batch = sealBatch(key, run, { i: 0, o: [obj('arc-dynamodb/shop/a.json', 10)] });

  it('opens what the provider sealed', () => {
    expect(openBatch(key, run, batch, 5000)).toEqual({ ok: true, spec, batch: { i: 0, o: batch.o } });
  });

  it('refuses another key, a changed run, a changed batch, a batch of another run, and an expired run', () => {
    const why = (r: unknown, b: unknown, now = 5000, k = key) => {
      const o = openBatch(k, r, b, now);
      return o.ok ? 'opened' : o.why;
    };
    expect(why(run, batch, 5000, randomBytes(32))).toBe('the run is not sealed by this provider');
    expect(why({ ...run, run: run.run.replace('app-orders', 'app-users') }, batch)).toBe('the run is not sealed by this provider');
    expect(why(run, { ...batch, o: [obj('arc-dynamodb/shop/b.json', 10)] })).toBe('the batch is not sealed for this run');
    expect(why(run, { ...batch, i: 1 })).toBe('the batch is not sealed for this run');
    const other = sealRun(key, { ...spec, runId: 'r2' });
    expect(why(other, batch)).toBe('the batch is not sealed for this run');
    expect(why(run, batch, 10_000)).toBe('the run has expired');
    expect(why(undefined, batch)).toBe('no sealed run');
    expect(why(run, { i: 0, o: [] })).toBe('no sealed batch');
  });

  it('refuses, even sealed, an object outside the run prefix', () => {
    const outside = sealBatch(key, run, { i: 0, o: [obj('arc-dynamodb/other/a.json', 10)] });
    expect(openBatch(key, run, outside, 5000)).toEqual({ ok: false, why: 'an object outside the run' });
  });
});
