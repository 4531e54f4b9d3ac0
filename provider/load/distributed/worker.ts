/**
 * The worker entry: one child execution of the distributed-load state machine invokes the provider
 * function (synchronously, `arn:aws:states:::lambda:invoke`) with `{ ArcDynamoDbWorker, Batch }`,
 * and the worker loads that batch with the same loader core as every load (load/loader.ts).
 *
 * - Nothing in the event is trusted: the run and the batch must carry the provider's seal
 *   (seal.ts). An event that does not is refused before anything is read or written.
 * - Its counts are returned (the child's output, which the Map's ResultWriter keeps) and recorded
 *   in the provider's state table (records.ts), which the provider sums when the execution ends.
 * - A failure that a re-run cannot fix (bad records past MaxRejectedRecords, a missing table) is
 *   recorded and thrown as `ArcDynamoDb.LoadFailed`: with no failure tolerated the Map run fails,
 *   and the provider fails the resource with the reason instead of redriving it.
 * - A sealed batch is not enough: the operation that sealed it must still hold the resource's
 *   lease (running, same request), checked before anything is read and again before each object.
 *   A Delete or a rollback stops the execution (run.ts stopRemembered), but Step Functions cannot
 *   stop a Lambda invocation in flight (StopExecution ends the execution, not the function it
 *   called), and a stop may be refused; so without this a batch replayed by anyone who may invoke
 *   the function, or a worker still running after CloudFormation was answered, a Delete or a
 *   rollback, would write over the table afterwards.
 *   A worker also stops writing when the run expires (CloudFormation stopped waiting for it).
 * - A batch not finished by the invocation's deadline records where it stopped and throws
 *   `ArcDynamoDb.BatchUnfinished`; its next run (a redrive) resumes there. One whose writes DynamoDB
 *   still throttles past the loader's retries does the same from its last safe checkpoint and throws
 *   `ArcDynamoDb.BatchTransient`: throttling is the table's traffic, not the data's fault.
 * - One worker at a time per batch (records.ts claimBatch): another one sent it meanwhile throws
 *   `ArcDynamoDb.BatchBusy` before it reads anything; a batch already finished answers its record.
 * - The lease is checked again every LEASE_CHECK_MS while an object loads, so a takeover stops the
 *   writes within seconds.
 * Lambda turns a thrown error into the function error whose errorType is the error's name, and
 * Step Functions names the task's failure after it (Step Functions developer guide, "Handling
 * errors in Step Functions workflows", Lambda errors).
 */
import type { Readable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../../contract/logger';
import { runLoad } from '../../../load/loader';
import { S3Source, type ObjectSource, type SourceObject } from '../../../load/source';
import type { Counters } from '../../../load/types';
import { randomUUID } from 'node:crypto';
import { claimBatch, getBatchRecord, putBatchRecord, releaseBatch } from './records';
import { openBatch, type RunSpec } from './seal';
import type { Batch } from './plan';
import type { LeaseRecord } from '../../guard/state-store';

/** Marks a worker event; its value is the sealed run (the state machine's ItemSelector puts it there). */
export const WORKER_KEY = 'ArcDynamoDbWorker';
/** Between two lease checks while one object loads: one consistent GetItem of the state table each time. */
export const LEASE_CHECK_MS = 10_000;
/** Writes in flight per worker (as the provider's own loads: load/handler.ts PROVIDER_CONCURRENCY). */
export const WORKER_CONCURRENCY = 8;

export interface BatchResult extends Counters {
  batch: number;
  records: number;
}

export type WorkerErrorName =
  | 'ArcDynamoDb.LoadFailed'
  | 'ArcDynamoDb.BatchUnfinished'
  | 'ArcDynamoDb.BatchTransient'
  | 'ArcDynamoDb.BatchBusy'
  | 'ArcDynamoDb.NotSealed'
  | 'ArcDynamoDb.NotCurrent';

export class WorkerError extends Error {
  constructor(name: WorkerErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

export const isWorkerEvent = (e: unknown): e is Record<string, unknown> => !!e && typeof e === 'object' && WORKER_KEY in (e as object);

export interface WorkerDeps {
  signingKey(): Promise<Buffer>;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  stateTable: string;
  /** The operation lease (provider/guard/state-store.ts readLease, ConsistentRead). */
  readLease(stackId: string, logicalId: string): Promise<Pick<LeaseRecord, 'request' | 'state'> | undefined>;
  log: Logger;
  /** Epoch ms by which the worker must have returned (the invocation's deadline, less a margin). */
  deadline: number;
  /** Epoch ms by which the invocation has ended whatever happens (Lambda's own deadline): how long its claim on the batch holds. */
  hardDeadline?: number;
  /** Names this invocation in the batch's claim; a fresh one by default. */
  invocationId?: string;
  /** Between two lease checks while an object loads (default LEASE_CHECK_MS). */
  leaseCheckMs?: number;
  now?: () => number;
}

/** The batch's objects, in key order, from S3: only what the sealed batch lists, with the listed ETags (a rewritten object fails the load). */
class BatchSource implements ObjectSource {
  readonly description: string;
  private readonly s3: S3Source;
  constructor(
    client: S3Client,
    private readonly spec: RunSpec,
    private readonly batch: Batch,
    private readonly stillCurrent: () => Promise<void>,
  ) {
    this.s3 = new S3Source(client, spec.bucket, spec.prefix, spec.owner);
    this.description = `s3://${spec.bucket}/${spec.prefix} (batch ${batch.i})`;
  }
  async *list(after: string): AsyncGenerator<SourceObject> {
    let first = true;
    for (const [key, size, etag] of [...this.batch.o].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      if (after !== '' && key <= after) continue;
      // Checked before the batch starts; again before each later object (a takeover stops the batch there).
      if (!first) await this.stillCurrent();
      first = false;
      yield { key, name: `s3://${this.spec.bucket}/${key}`, size, etag };
    }
  }
  open(obj: SourceObject, from: number): Promise<Readable> {
    return this.s3.open(obj, from);
  }
}

export async function runWorker(event: Record<string, unknown>, deps: WorkerDeps): Promise<BatchResult> {
  const now = deps.now ?? Date.now;
  const opened = openBatch(await deps.signingKey(), event[WORKER_KEY], event.Batch, now());
  if (!opened.ok) {
    deps.log.warn('worker event refused', { reason: opened.why });
    throw new WorkerError('ArcDynamoDb.NotSealed', `Not a batch of this provider's distributed loads (${opened.why}); nothing was read or written.`);
  }
  const { spec, batch } = opened;
  const log = deps.log;
  const stillCurrent = async () => {
    const l = spec.lease ? await deps.readLease(spec.lease.stackId, spec.lease.logicalId) : undefined;
    if (l && l.state === 'running' && l.request === spec.lease.request) return;
    log.warn("worker stopped: the run is no longer its operation's", { run: spec.runId, batch: batch.i });
    throw new WorkerError(
      'ArcDynamoDb.NotCurrent',
      `Batch ${batch.i} of run ${spec.runId}: the operation that started it has ended or was taken over; nothing was read or written from here on.`,
    );
  };
  await stillCurrent();
  // One worker at a time per batch (records.ts claimBatch): a second one sent it meanwhile is retried by the state machine later.
  const token = deps.invocationId ?? randomUUID();
  const claimed = await claimBatch(
    deps.dynamodb,
    deps.stateTable,
    spec.runId,
    batch.i,
    token,
    deps.hardDeadline ?? deps.deadline + 60_000,
    now(),
    spec.expiresAt,
  );
  if (!claimed) {
    log.warn('batch busy: another worker holds it', { run: spec.runId, batch: batch.i });
    throw new WorkerError('ArcDynamoDb.BatchBusy', `Batch ${batch.i} of run ${spec.runId} is being loaded by another invocation; nothing was read or written.`);
  }
  try {
    return await loadBatch(spec, batch, deps, stillCurrent);
  } finally {
    await releaseBatch(deps.dynamodb, deps.stateTable, spec.runId, batch.i, token);
  }
}

async function loadBatch(spec: RunSpec, batch: Batch, deps: WorkerDeps, stillCurrent: () => Promise<void>): Promise<BatchResult> {
  const now = deps.now ?? Date.now;
  const log = deps.log;
  // CloudFormation stops waiting at the run's expiry: no worker writes past it.
  const deadline = Math.min(deps.deadline, spec.expiresAt);
  const previous = await getBatchRecord(deps.dynamodb, deps.stateTable, spec.runId, batch.i);
  // Finished already (a worker sent it again after the first one finished it, e.g. a redrive of a child aborted while its
  // invocation went on): its counts stand, nothing is written again.
  if (previous && previous.checkpoint === undefined && previous.failed === undefined) {
    log.info('batch already done', { run: spec.runId, batch: batch.i, ...previous.counters });
    return { batch: batch.i, ...previous.counters, records: previous.records };
  }
  log.info('batch started', { run: spec.runId, batch: batch.i, objects: batch.o.length, resumed: previous?.checkpoint !== undefined });
  const remaining = deadline - now();
  // The lease is checked before each object, and on a timer while one loads (an object may take the whole invocation): a
  // Delete, a rollback or CloudFormation giving up stops the writes within LEASE_CHECK_MS, not at the object's end.
  const stop = new AbortController();
  let lost: unknown;
  const timer = setInterval(() => {
    stillCurrent().catch((e: unknown) => {
      if (!(e instanceof WorkerError)) return; // a failed read of the lease is not a takeover; the next look decides
      lost ??= e;
      stop.abort();
    });
  }, deps.leaseCheckMs ?? LEASE_CHECK_MS);
  timer.unref();
  const outcome = await runLoad(
    {
      tableName: spec.table,
      format: spec.format,
      compression: spec.compression,
      csv: spec.csv,
      writeMode: spec.writeMode,
      maxRejectedRecords: spec.maxRejectedRecords,
      concurrency: WORKER_CONCURRENCY,
      part: true,
      ...(spec.budget ? { writeBudget: spec.budget } : {}),
    },
    { dynamodb: deps.dynamodb, source: new BatchSource(deps.s3, spec, batch, stillCurrent), log, signal: stop.signal },
    previous?.checkpoint,
    deadline - Math.min(5000, remaining / 10),
    deadline - Math.min(1000, remaining / 20),
  ).finally(() => clearInterval(timer));
  // Taken over while it loaded: nothing is recorded (the run is no longer its operation's).
  if (lost) throw lost;
  const cp = outcome.checkpoint;
  const base = { counters: cp.counters, records: cp.records, firstRejects: cp.firstRejects };
  const record = (r: Parameters<typeof putBatchRecord>[4]) => putBatchRecord(deps.dynamodb, deps.stateTable, spec.runId, batch.i, r, spec.expiresAt);
  switch (outcome.status) {
    case 'done':
      await record(base);
      log.info('batch done', { run: spec.runId, batch: batch.i, ...cp.counters });
      return { batch: batch.i, ...cp.counters, records: cp.records };
    case 'failed':
      // Throttled (or a service still failing) past every retry: not the data's fault. The batch resumes from its last
      // safe checkpoint in a later run (the state machine retries it, a redrive runs it again).
      if (outcome.transient) {
        await record({ ...base, checkpoint: cp });
        log.warn('batch interrupted: DynamoDB still refuses its writes', { run: spec.runId, batch: batch.i, reason: outcome.reason });
        throw new WorkerError('ArcDynamoDb.BatchTransient', `batch ${batch.i}: ${outcome.reason}; its next run resumes where it stopped`);
      }
      await record({ ...base, failed: outcome.reason });
      throw new WorkerError('ArcDynamoDb.LoadFailed', outcome.reason);
    case 'continue':
      await record({ ...base, checkpoint: cp });
      throw new WorkerError('ArcDynamoDb.BatchUnfinished', `batch ${batch.i} did not finish within one invocation; its next run resumes where it stopped`);
  }
}
