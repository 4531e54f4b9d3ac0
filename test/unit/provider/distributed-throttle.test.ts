/**
 * A distributed batch whose writes stay throttled past the loader's retries (a table serving
 * traffic) is not a failure of its data: the worker records where it stopped (the last safe
 * checkpoint) and throws ArcDynamoDb.BatchTransient, which the state machine retries, and if the
 * execution fails anyway the provider redrives it (decideRun), as docs/load.md says. Only a data
 * failure (too many rejects, a missing table) fails the load without a redrive.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { decideRun, type DistributedState } from '../../../provider/load/distributed/driver';
import type { BatchRecord } from '../../../provider/load/distributed/records';
import { sealBatch, sealRun, type RunSpec } from '../../../provider/load/distributed/seal';
import { runWorker, WORKER_KEY, type WorkerDeps } from '../../../provider/load/distributed/worker';

const named = (name: string) => Object.assign(new Error(`${name}: the level of configured provisioned throughput for the table was exceeded`), { name });

test('a batch throttled past its retries is recorded unfinished and redriven, not failed as bad data', async () => {
  jest.spyOn(Math, 'random').mockReturnValue(0); // the loader's backoff sleeps 0 ms
  const key = randomBytes(32);
  const spec: RunSpec = {
    v: 1,
    runId: 'arc-0123456789abcdef-0123456789abcdef01234567',
    table: 'orders',
    bucket: 'seed',
    prefix: 'arc-dynamodb/shop/',
    format: 'DYNAMODB_JSON',
    compression: 'NONE',
    csv: { delimiter: ',' },
    writeMode: 'Overwrite',
    maxRejectedRecords: 0,
    expiresAt: Date.now() + 3_600_000,
    lease: { stackId: 'arn:aws:cloudformation:us-east-1:1:stack/shop/x', logicalId: 'Seed', request: 'r' },
  };
  const run = sealRun(key, spec);
  const body = Array.from({ length: 30 }, (_, i) => JSON.stringify({ Item: { pk: { S: `k${i}` } } })).join('\n');
  const batch = sealBatch(key, run, { i: 0, o: [['arc-dynamodb/shop/part-0.json', Buffer.byteLength(body), '"e0"']] });
  const records = new Map<string, unknown>();
  const dynamodb = {
    send: async (c: { constructor: { name: string }; input: { Item?: { pk: { S: string } } } }) => {
      switch (c.constructor.name) {
        case 'DescribeTableCommand':
          return {
            Table: {
              KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
              AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
              BillingModeSummary: { BillingMode: 'PROVISIONED' },
              ProvisionedThroughput: { WriteCapacityUnits: 100 },
            },
          };
        case 'GetItemCommand':
        case 'DeleteItemCommand':
          return {};
        case 'PutItemCommand':
          records.set(c.input.Item!.pk.S, c.input.Item);
          return {};
        case 'BatchWriteItemCommand':
          // The application's traffic holds the table's capacity for a while: every write is refused.
          throw named('ProvisionedThroughputExceededException');
        default:
          throw new Error(`unexpected ${c.constructor.name}`);
      }
    },
  };
  const s3 = { send: async () => ({ Body: Readable.from([Buffer.from(body)]) }) };
  const log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
  const deps = {
    signingKey: async () => key,
    dynamodb,
    s3,
    stateTable: 'state',
    readLease: async () => ({ request: 'r', state: 'running' as const }),
    log,
    deadline: Date.now() + 60_000,
  } as unknown as WorkerDeps;

  await expect(runWorker({ [WORKER_KEY]: run, Batch: batch }, deps)).rejects.toMatchObject({ name: 'ArcDynamoDb.BatchTransient' });
  const item = records.get(`batch|${spec.runId}|0`) as Record<string, { S?: string; N?: string }>;
  // Recorded as unfinished (where a later run resumes), never as a failure of the data.
  expect(item.failed).toBeUndefined();
  expect(item.checkpoint?.S).toBeDefined();
  const record: BatchRecord = {
    counters: { itemsWritten: 0, itemsSkipped: 0, recordsRejected: 0, objectsRead: 0, bytesRead: 0 },
    records: 0,
    firstRejects: [],
    checkpoint: JSON.parse(item.checkpoint!.S!),
  };
  const state: DistributedState = { v: 1, kind: 'distributed', runId: spec.runId, executionArn: 'arn:x', batches: 1, redrives: 0 };
  expect(decideRun(state, { status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', records: [record] }, Date.now())).toEqual({ act: 'redrive' });
});
