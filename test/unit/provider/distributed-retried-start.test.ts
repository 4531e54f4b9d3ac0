/**
 * A first invocation that wrote the manifest and died before StartExecution is retried by Lambda
 * (same request, so the same runId). The retry re-derives the run spec from a fresh listing and a
 * fresh DescribeTable (provider/load/distributed/run.ts startDistributed: splitBudget over the
 * listed batches, the capacity read now) and keeps the FIRST manifest (PutObject If-None-Match: *
 * -> 412). Every batch in the manifest carries a MAC over the first run's MAC (seal.ts sealBatch),
 * so a retry that started the execution with a run of its own would leave no batch a worker can
 * open (each child fails ArcDynamoDb.NotSealed, the driver redrives three times, the load fails).
 * The first start stores its sealed run, worker count and batch count beside the manifest, before
 * it, under this provider's MAC (driver.ts startRun), and a retry starts the execution with that
 * run and counts the stored batches (never the manifest's metadata, which others could rewrite).
 */
import { randomBytes } from 'node:crypto';
import { startRun, type DriverDeps, type StartInput } from '../../../provider/load/distributed/driver';
import { openBatch, sealRun, sealStoredRun, type RunSpec } from '../../../provider/load/distributed/seal';
import { planBatches, splitBudget, type BatchObject } from '../../../provider/load/distributed/plan';

const named = (name: string) => Object.assign(new Error(name), { name });
const RUN_ID = 'arc-0123456789abcdef-0123456789abcdef01234567';
const FOLDER = `arc-dynamodb/.distributed/${RUN_ID}/`;

type Sent = { constructor: { name: string }; input: Record<string, unknown> & { Key: string; Body?: string; Metadata?: Record<string, string> } };

/** S3 and Step Functions as the driver sees them; `fail(name, key)` makes one call die (a timeout, an out-of-memory kill). */
function world(fail: (name: string, key: string) => boolean) {
  const key = randomBytes(32);
  const stored = new Map<string, { body: string; meta: Record<string, string> }>();
  const s3Calls: { name: string; input: Record<string, unknown> }[] = [];
  const s3 = {
    send: async (c: Sent) => {
      s3Calls.push({ name: c.constructor.name, input: c.input });
      if (fail(c.constructor.name, c.input.Key)) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      if (c.constructor.name === 'PutObjectCommand') {
        if (stored.has(c.input.Key)) throw named('PreconditionFailed');
        stored.set(c.input.Key, { body: c.input.Body!, meta: c.input.Metadata ?? {} });
        return {};
      }
      if (c.constructor.name === 'HeadObjectCommand') {
        const o = stored.get(c.input.Key);
        if (!o) throw named('NotFound');
        return { Metadata: o.meta };
      }
      if (c.constructor.name === 'GetObjectCommand') {
        const o = stored.get(c.input.Key);
        if (!o) throw named('NoSuchKey');
        return { Body: { transformToString: async () => o.body } };
      }
      throw new Error(`unexpected ${c.constructor.name}`);
    },
  };
  const started: { Run: unknown; MaxConcurrency: number }[] = [];
  const sfn = {
    send: async (c: { constructor: { name: string }; input: { input: string; name: string } }) => {
      if (c.constructor.name !== 'StartExecutionCommand') throw new Error(`unexpected ${c.constructor.name}`);
      if (fail(c.constructor.name, '')) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      started.push(JSON.parse(c.input.input) as { Run: unknown; MaxConcurrency: number });
      return { executionArn: `arn:aws:states:us-east-1:1:execution:m:${c.input.name}` };
    },
  };
  const log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
  const deps = {
    s3,
    sfn,
    dynamodb: {},
    stateTable: 't',
    stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:m',
    signingKey: async () => key,
    log,
  } as unknown as DriverDeps;
  const manifest = () => JSON.parse(stored.get(`${FOLDER}manifest.json`)!.body) as unknown[];
  return { key, stored, s3Calls, started, deps, manifest };
}

// The operation's deadline (req.workDeadline) is the same on the retry: only the listing-derived share differs.
const expiresAt = Date.now() + 3_600_000;
const objects = (n: number): BatchObject[] => Array.from({ length: n }, (_, i) => [`arc-dynamodb/shop/part-${i}.json`, 300 * 1024 * 1024, `"e${i}"`]);
/** What startDistributed seals: the budget split over the batches it just listed (WriteCapacityPercent 50 of 1,000 WCU). */
const input = (listed: BatchObject[], extra: Partial<RunSpec> = {}): StartInput => {
  const split = splitBudget(planBatches(listed).length, { capacityPercent: 50 }, { writeUnitsPerSecond: 1000, source: 'provisioned' });
  const spec: Omit<RunSpec, 'v'> = {
    runId: RUN_ID,
    table: 'orders',
    bucket: 'seed',
    prefix: 'arc-dynamodb/shop/',
    format: 'DYNAMODB_JSON',
    compression: 'NONE',
    csv: { delimiter: ',' },
    writeMode: 'Overwrite',
    maxRejectedRecords: 0,
    ...(split.budget ? { budget: split.budget } : {}),
    expiresAt,
    lease: { stackId: 'arn:aws:cloudformation:us-east-1:1:stack/shop/x', logicalId: 'Seed', request: 'r' },
    ...extra,
  };
  return { spec, objects: listed, workers: split.workers };
};

test('a start retried after a crash between the manifest and StartExecution starts a run whose batches the worker can open', async () => {
  let retried = false;
  const w = world((name) => name === 'StartExecutionCommand' && !retried);
  await expect(startRun(input(objects(4)), w.deps)).rejects.toThrow('socket hang up');
  // Lambda retries the event; meanwhile a fifth object landed under the prefix (the case driver.ts's comment names).
  retried = true;
  const state = await startRun(input(objects(5)), w.deps);
  expect(state.batches).toBe(4);
  const opened = openBatch(w.key, w.started[0].Run, w.manifest()[0], Date.now());
  expect(opened).toEqual(expect.objectContaining({ ok: true }));
  // The worker count stored with the run: the budget was split for the first listing's batches.
  expect(w.started[0].MaxConcurrency).toBe(input(objects(4)).workers);
});

test('a start retried after a crash between the stored run and the manifest seals the manifest for the stored run', async () => {
  let retried = false;
  const w = world((name, key) => name === 'PutObjectCommand' && key.endsWith('manifest.json') && !retried);
  await expect(startRun(input(objects(4)), w.deps)).rejects.toThrow('socket hang up');
  expect([...w.stored.keys()]).toEqual([`${FOLDER}run.json`]);
  retried = true;
  // The source changed in between (a fifth object): the stored batch count no longer fits, and nothing is started.
  await expect(startRun(input(objects(5), { expiresAt: expiresAt + 1 }), w.deps)).rejects.toThrow(
    "the source changed while the load's first start was retried (4 batches planned, 5 now); load again with a new Revision",
  );
  expect(w.started).toEqual([]);
  // The same listing: this manifest is the first, sealed for the first run.
  const state = await startRun(input(objects(4), { expiresAt: expiresAt + 1 }), w.deps);
  expect(state.batches).toBe(4);
  const run = w.started[0].Run as { run: string };
  expect(JSON.parse(run.run)).toMatchObject({ expiresAt, budget: input(objects(4)).spec.budget });
  expect(w.manifest().every((b) => openBatch(w.key, run, b, Date.now()).ok)).toBe(true);
  expect(w.started[0].MaxConcurrency).toBe(input(objects(4)).workers);
});

test('a start retried after everything was written starts the execution with the same input (StartExecution is idempotent then)', async () => {
  const w = world(() => false);
  await startRun(input(objects(4)), w.deps);
  await startRun(input(objects(5)), w.deps);
  expect(w.started[1]).toEqual(w.started[0]);
});

test('the stored run is read back from the bucket owner named by the source, and written before the manifest', async () => {
  const w = world(() => false);
  await startRun(input(objects(2), { owner: '111122223333' }), w.deps);
  await startRun(input(objects(2), { owner: '111122223333' }), w.deps);
  const calls = w.s3Calls.map((c) => [c.name, c.input.Key, c.input.ExpectedBucketOwner, c.input.IfNoneMatch]);
  expect(calls).toEqual([
    ['PutObjectCommand', `${FOLDER}run.json`, '111122223333', '*'],
    ['PutObjectCommand', `${FOLDER}manifest.json`, '111122223333', '*'],
    ['PutObjectCommand', `${FOLDER}run.json`, '111122223333', '*'],
    ['GetObjectCommand', `${FOLDER}run.json`, '111122223333', undefined],
    ['PutObjectCommand', `${FOLDER}manifest.json`, '111122223333', '*'],
  ]);
});

test("a stored run this key did not seal, or another load's, is refused: nothing is started", async () => {
  const w = world(() => false);
  const plant = (body: unknown) => w.stored.set(`${FOLDER}run.json`, { body: JSON.stringify(body), meta: {} });
  const spec = { v: 1 as const, ...input(objects(2)).spec };
  const foreign = randomBytes(32);
  plant(sealStoredRun(foreign, sealRun(foreign, spec), 1, 1));
  await expect(startRun(input(objects(2)), w.deps)).rejects.toThrow(`the stored run s3://seed/${FOLDER}run.json is not sealed by this provider`);
  // This key's run, but its worker count raised by whoever may write the folder (more workers, each with a share of the budget).
  plant({ ...sealStoredRun(w.key, sealRun(w.key, spec), 1, 1), workers: 40 });
  await expect(startRun(input(objects(2)), w.deps)).rejects.toThrow('is not sealed by this provider');
  plant(sealStoredRun(w.key, sealRun(w.key, { ...spec, table: 'payments' }), 1, 1));
  await expect(startRun(input(objects(2)), w.deps)).rejects.toThrow("is another load's");
  plant({ ...sealStoredRun(w.key, sealRun(w.key, spec), 1, 1), workers: 0 });
  await expect(startRun(input(objects(2)), w.deps)).rejects.toThrow('is not a sealed run');
  w.stored.set(`${FOLDER}run.json`, { body: '{', meta: {} });
  await expect(startRun(input(objects(2)), w.deps)).rejects.toThrow('is not a sealed run');
  expect(w.started).toEqual([]);
  expect(w.stored.has(`${FOLDER}manifest.json`)).toBe(false);
});
