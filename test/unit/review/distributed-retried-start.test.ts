/**
 * Review (issue 17): a first invocation that wrote the manifest and died before StartExecution is
 * retried by Lambda (same request, so the same runId). The retry re-derives the run spec from a
 * fresh listing and a fresh DescribeTable (provider/load/distributed/run.ts startDistributed:
 * splitBudget over the listed batches, the capacity read now), seals a NEW run, keeps the FIRST
 * manifest (PutObject If-None-Match: * -> 412) and starts the execution with the new run. Every
 * batch in the manifest carries a MAC over the first run's MAC (seal.ts sealBatch), so no worker
 * can open any batch: each child fails ArcDynamoDb.NotSealed, the driver redrives three times and
 * the load fails. The retry must start the execution with the run the manifest was sealed for.
 */
import { randomBytes } from 'node:crypto';
import { startRun, type DriverDeps, type StartInput } from '../../../provider/load/distributed/driver';
import { openBatch, type RunSpec } from '../../../provider/load/distributed/seal';
import { planBatches, splitBudget, type BatchObject } from '../../../provider/load/distributed/plan';

const named = (name: string) => Object.assign(new Error(name), { name });

test('a start retried after a crash between the manifest and StartExecution starts a run whose batches the worker can open', async () => {
  const key = randomBytes(32);
  const stored = new Map<string, { body: string; meta: Record<string, string> }>();
  const s3 = {
    send: async (c: { constructor: { name: string }; input: { Key: string; Body?: string; Metadata?: Record<string, string> } }) => {
      if (c.constructor.name === 'PutObjectCommand') {
        if (stored.has(c.input.Key)) throw named('PreconditionFailed');
        stored.set(c.input.Key, { body: c.input.Body!, meta: c.input.Metadata ?? {} });
        return {};
      }
      if (c.constructor.name === 'HeadObjectCommand') return { Metadata: stored.get(c.input.Key)!.meta };
      throw new Error(`unexpected ${c.constructor.name}`);
    },
  };
  let starts = 0;
  let startedInput: { Run: unknown } | undefined;
  const sfn = {
    send: async (c: { constructor: { name: string }; input: { input: string; name: string } }) => {
      if (c.constructor.name !== 'StartExecutionCommand') throw new Error(`unexpected ${c.constructor.name}`);
      starts++;
      // The first invocation dies here (a timeout, an out-of-memory kill): StartExecution never reached Step Functions.
      if (starts === 1) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      startedInput = JSON.parse(c.input.input) as { Run: unknown };
      return { executionArn: `arn:aws:states:us-east-1:1:execution:m:${c.input.name}` };
    },
  };
  const log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
  const deps = { s3, sfn, dynamodb: {}, stateTable: 't', stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:m', signingKey: async () => key, log } as unknown as DriverDeps;

  // The operation's deadline (req.workDeadline) is the same on the retry: only the listing-derived share differs.
  const expiresAt = Date.now() + 3_600_000;
  const objects = (n: number): BatchObject[] => Array.from({ length: n }, (_, i) => [`arc-dynamodb/shop/part-${i}.json`, 300 * 1024 * 1024, `"e${i}"`]);
  // What startDistributed seals: the budget split over the batches it just listed (WriteCapacityPercent 50 of 1,000 WCU).
  const input = (listed: BatchObject[]): StartInput => {
    const split = splitBudget(planBatches(listed).length, { capacityPercent: 50 }, { writeUnitsPerSecond: 1000, source: 'provisioned' });
    const spec: Omit<RunSpec, 'v'> = {
      runId: 'arc-0123456789abcdef-0123456789abcdef01234567',
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
    };
    return { spec, objects: listed, workers: split.workers };
  };

  await expect(startRun(input(objects(4)), deps)).rejects.toThrow('socket hang up');
  // Lambda retries the event; meanwhile a fifth object landed under the prefix (the case driver.ts's comment names).
  await startRun(input(objects(5)), deps);

  const manifest = JSON.parse([...stored.values()][0].body) as unknown[];
  const opened = openBatch(key, startedInput!.Run, manifest[0], Date.now());
  expect(opened).toEqual(expect.objectContaining({ ok: true }));
});
