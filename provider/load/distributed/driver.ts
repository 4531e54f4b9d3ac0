/**
 * The provider's side of a distributed load: it writes the sealed run and manifest, starts the
 * execution, and, each time it looks again, reads the execution's status: it redrives a FAILED
 * execution a bounded number of times (a redrive re-runs only the child executions that did not
 * succeed: "Redriving Map Runs", https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html),
 * and, once it SUCCEEDED, sums the batch records (records.ts) into the load's counts.
 * Observe (DescribeExecution, the records) -> decide (decideRun, pure) -> act (redrive, finish).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, RedriveExecutionCommand, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '../../../contract/logger';
import { awsErrorName } from '../../aws';
import type { Counters } from '../../../load/types';
import type { Batch, BatchObject } from './plan';
import { planBatches } from './plan';
import { readBatchRecords, type BatchRecord } from './records';
import { openStoredRun, sealBatch, sealRun, sealStoredRun, type RunSpec, type StoredRun } from './seal';

/** Where the provider may write (template.yaml grants s3:PutObject only there). */
export const MANIFEST_PREFIX = 'arc-dynamodb/.distributed/';
/** Redrives after a worker failure before the load fails (a redrive re-runs only the failed batches). */
export const MAX_REDRIVES = 3;
/** How long after a redrive a look may still show the run it redrove before the redrive is taken not to have started. */
export const REDRIVE_START_MS = 60_000;

export interface DriverDeps {
  s3: S3Client;
  sfn: SFNClient;
  dynamodb: DynamoDBClient;
  stateTable: string;
  stateMachineArn: string;
  signingKey(): Promise<Buffer>;
  log: Logger;
}

/** What the provider keeps between looks (the continuation's checkpoint). */
export interface DistributedState {
  v: 1;
  kind: 'distributed';
  runId: string;
  executionArn: string;
  batches: number;
  redrives: number;
  /**
   * Epoch ms when redrive number `redrives` was last sent. Absent in a checkpoint sealed before it
   * was kept, and before the first redrive: unknown, taken as now (pollRun then keeps that).
   */
  redrivenAt?: number;
}

export type Observed =
  | { status: 'RUNNING' | 'PENDING_REDRIVE' }
  | { status: 'SUCCEEDED'; records: (BatchRecord | undefined)[] }
  | {
      status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      error: string;
      records: (BatchRecord | undefined)[];
      /** DescribeExecution's redriveCount: only raised once a redrive started, so a look that shows fewer than were made is stale. */
      redriveCount?: number;
      /** DescribeExecution's redriveStatusReason when its redriveStatus is NOT_REDRIVABLE (a redrive would be refused). */
      notRedrivable?: string;
    };

export type Decision =
  | { act: 'wait' }
  | { act: 'redrive' }
  /** The last redrive seems not to have started: send it again, with its client token (idempotent if it did start). */
  | { act: 'redrive-again' }
  | { act: 'done'; counters: Counters; records: number }
  | { act: 'fail'; reason: string; counters: Counters };

const zero = (): Counters => ({ itemsWritten: 0, itemsSkipped: 0, recordsRejected: 0, objectsRead: 0, bytesRead: 0 });

/** Each batch counted once (its record is overwritten by every re-run), only finished ones. */
export function sumRecords(records: (BatchRecord | undefined)[]): { counters: Counters; records: number } {
  const c = zero();
  let n = 0;
  for (const r of records) {
    if (!r || r.checkpoint !== undefined) continue;
    c.itemsWritten += r.counters.itemsWritten;
    c.itemsSkipped += r.counters.itemsSkipped;
    c.recordsRejected += r.counters.recordsRejected;
    c.objectsRead += r.counters.objectsRead;
    c.bytesRead += r.counters.bytesRead;
    n += r.records;
  }
  return { counters: c, records: n };
}

/** Pure: `now` is the look's time (epoch ms). */
export function decideRun(state: DistributedState, o: Observed, now: number, maxRedrives = MAX_REDRIVES): Decision {
  switch (o.status) {
    case 'RUNNING':
    case 'PENDING_REDRIVE':
      return { act: 'wait' };
    case 'SUCCEEDED': {
      const missing = o.records.findIndex((r) => !r || r.checkpoint !== undefined || r.failed !== undefined);
      const sum = sumRecords(o.records);
      // The Map succeeded only if every child did; a batch without its record would be a provider bug, never counted as loaded.
      if (missing !== -1) return { act: 'fail', reason: `the execution succeeded but batch ${missing} has no finished record`, counters: sum.counters };
      return { act: 'done', ...sum };
    }
    case 'FAILED':
    case 'TIMED_OUT':
    case 'ABORTED': {
      const sum = sumRecords(o.records);
      // A batch that failed on its data (too many rejects, a missing table) fails again when re-run: no redrive.
      const bad = o.records.find((r) => r?.failed !== undefined);
      if (bad?.failed !== undefined) return { act: 'fail', reason: bad.failed, counters: sum.counters };
      // DescribeExecution is eventually consistent: right after a redrive it may still show the run that was redriven. But its
      // redriveCount "is not updated for redrives that failed to start or are pending" (API reference,
      // ExecutionRedrivenEventDetails, https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionRedrivenEventDetails.html):
      // a look that still shows the redriven run long after the redrive (a pending one is PENDING_REDRIVE) sends it again.
      if (o.redriveCount !== undefined && o.redriveCount < state.redrives)
        return now - (state.redrivenAt ?? now) >= REDRIVE_START_MS ? { act: 'redrive-again' } : { act: 'wait' };
      if (o.status === 'ABORTED') return { act: 'fail', reason: 'its Step Functions execution was stopped', counters: sum.counters };
      if (o.notRedrivable !== undefined)
        return {
          act: 'fail',
          reason: `its Step Functions execution ${o.status} (${o.error}) and cannot be redriven: ${o.notRedrivable}`,
          counters: sum.counters,
        };
      if (state.redrives >= maxRedrives)
        return {
          act: 'fail',
          reason: `its Step Functions execution ${o.status} (${o.error}) and was redriven ${state.redrives} times, the most allowed`,
          counters: sum.counters,
        };
      return { act: 'redrive' };
    }
  }
}

/** The ARN Step Functions gives the execution named `name` of a standard state machine (API reference, StartExecution, executionArn). */
export const executionArnOf = (stateMachineArn: string, name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

export interface StartInput {
  spec: Omit<RunSpec, 'v'>;
  objects: BatchObject[];
  workers: number;
  maxBytes?: number;
  maxObjects?: number;
}

/** A run's spec without what a retried start derives anew (the budget from a new listing and capacity, the expiry from the clock). */
const fixedPart = (s: RunSpec) => JSON.stringify({ ...s, budget: undefined, expiresAt: undefined });

/**
 * The run a retried start must use: the one stored by the first, when this key sealed it for this
 * same run (anyone who may write under the folder could have put another there), else an error.
 */
function storedRun(key: Buffer, raw: string, spec: RunSpec, where: string): StoredRun {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`the stored run ${where} is not a sealed run`);
  }
  const opened = openStoredRun(key, parsed);
  if (!opened.ok) throw new Error(`the stored run ${where} is ${opened.why === 'malformed' ? 'not a sealed run' : 'not sealed by this provider'}`);
  if (fixedPart(opened.spec) !== fixedPart(spec)) throw new Error(`the stored run ${where} is another load's`);
  return opened.stored;
}

/**
 * Seals the run and its batches, writes them next to the source, and starts the execution (named
 * after the run). A retried start (Lambda's async retry of the first invocation) keeps the first:
 * the run and then the manifest are each written only if absent (PutObject If-None-Match: *,
 * refused with 412 PreconditionFailed when the object exists: Amazon S3 user guide, "Add
 * preconditions to S3 operations with conditional requests",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html). The run goes
 * first: a retry seals its own run from a new listing and a new DescribeTable (another budget
 * share, another worker count), and the batch MACs cover the run's MAC (seal.ts), so a retry that
 * finds the stored run reads it back and seals the manifest, and starts the execution, with it;
 * without that, the first manifest's batches would not open under the retry's run. A listing
 * changed in between never replaces the batches a running, or later redriven, Map Run reads, and
 * the batch count is the first manifest's. StartExecution with the same name and input is
 * idempotent while the execution is open, and fails with ExecutionAlreadyExists when the input
 * differs or the execution is closed (API reference, StartExecution,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html): either
 * way the run's execution is the one already started.
 */
export async function startRun(input: StartInput, deps: DriverDeps): Promise<DistributedState> {
  const key = await deps.signingKey();
  const spec: RunSpec = { v: 1, ...input.spec };
  const batches: Batch[] = planBatches(input.objects, input.maxBytes, input.maxObjects);
  const folder = `${MANIFEST_PREFIX}${spec.runId}/`;
  const owner = spec.owner ? { ExpectedBucketOwner: spec.owner } : {};
  const manifest = { Bucket: spec.bucket, Key: `${folder}manifest.json`, ...owner };
  const runObject = { Bucket: spec.bucket, Key: `${folder}run.json`, ...owner };
  const first = sealRun(key, spec);
  let stored = sealStoredRun(key, first, input.workers, batches.length);
  let retried = false;
  try {
    await deps.s3.send(new PutObjectCommand({ ...runObject, Body: JSON.stringify(stored), ContentType: 'application/json', IfNoneMatch: '*' }));
  } catch (e) {
    if (awsErrorName(e) !== 'PreconditionFailed') throw e;
    // GetObject under arc-dynamodb/ of a load bucket is the provider role's (template.yaml ReadLoadObjects).
    const got = await deps.s3.send(new GetObjectCommand(runObject));
    stored = storedRun(key, (await got.Body?.transformToString('utf8')) ?? '', spec, `s3://${runObject.Bucket}/${runObject.Key}`);
    retried = true;
    deps.log.info('distributed load: a retried start keeps the first run', { run: spec.runId, workers: stored.workers, batches: stored.batches });
  }
  const run = stored.run;
  // The batch count is the stored one, sealed with the run (anyone who may write under the folder could change anything else).
  const count = stored.batches;
  if (retried && batches.length !== count) {
    // The first start planned another number of batches; its manifest must exist then, or the source changed in between.
    const exists = await deps.s3.send(new HeadObjectCommand(manifest)).then(
      () => true,
      (e: unknown) => {
        if (awsErrorName(e) === 'NotFound' || awsErrorName(e) === 'NoSuchKey') return false;
        throw e;
      },
    );
    if (!exists)
      throw new Error(
        `the source changed while the load's first start was retried (${count} batches planned, ${batches.length} now); ` + 'load again with a new Revision',
      );
  }
  try {
    await deps.s3.send(
      new PutObjectCommand({
        ...manifest,
        Body: JSON.stringify(batches.map((b) => sealBatch(key, run, b))),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
  } catch (e) {
    if (awsErrorName(e) !== 'PreconditionFailed') throw e;
    deps.log.info('distributed load: a retried start keeps the first manifest', { run: spec.runId, batches: count, listed: batches.length });
  }
  let executionArn: string;
  try {
    const started = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: spec.runId,
        input: JSON.stringify({
          Run: run,
          Manifest: { Bucket: manifest.Bucket, Key: manifest.Key },
          // The stored worker count: the budget was split for that many (plan.ts splitBudget), never for more.
          MaxConcurrency: Math.max(1, Math.min(stored.workers, count)),
          Results: { Bucket: spec.bucket, Prefix: `${folder}results` },
        }),
      }),
    );
    executionArn = started.executionArn!;
  } catch (e) {
    if (awsErrorName(e) !== 'ExecutionAlreadyExists') throw e;
    executionArn = executionArnOf(deps.stateMachineArn, spec.runId);
    deps.log.info('distributed load: its execution was already started', { run: spec.runId });
  }
  deps.log.info('distributed load started', { run: spec.runId, batches: count, workers: stored.workers });
  return { v: 1, kind: 'distributed', runId: spec.runId, executionArn, batches: count, redrives: 0 };
}

export type Polled =
  | { status: 'running'; state: DistributedState }
  | { status: 'done'; counters: Counters; records: number }
  | { status: 'failed'; reason: string; counters: Counters };

/**
 * One look at the execution, and what follows from it. DescribeExecution "is eventually
 * consistent" (Step Functions API reference, DescribeExecution,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html): a
 * look just after StartExecution may not find the execution, and one just after a redrive may show
 * the run it redrove, so both mean "look again" (the operation's ServiceTimeout bounds the wait);
 * a redrive still not seen after REDRIVE_START_MS is sent again. `now` is the clock (tests pass their own).
 */
export async function pollRun(given: DistributedState, deps: DriverDeps, maxRedrives = MAX_REDRIVES, now = Date.now): Promise<Polled> {
  const t = now();
  // A redrive's time unknown (a checkpoint sealed before it was kept) is taken as this look's, and kept from now on.
  const state: DistributedState = given.redrives > 0 && given.redrivenAt === undefined ? { ...given, redrivenAt: t } : given;
  const describe = () => deps.sfn.send(new DescribeExecutionCommand({ executionArn: state.executionArn }));
  let d: Awaited<ReturnType<typeof describe>>;
  try {
    d = await describe();
  } catch (e) {
    if (awsErrorName(e) !== 'ExecutionDoesNotExist') throw e;
    deps.log.warn('distributed load: its execution is not visible yet', { run: state.runId });
    return { status: 'running', state };
  }
  const status = String(d.status);
  let observed: Observed;
  if (status === 'SUCCEEDED') observed = { status, records: await readBatchRecords(deps.dynamodb, deps.stateTable, state.runId, state.batches) };
  else if (status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED')
    observed = {
      status,
      error: d.error ?? status,
      records: await readBatchRecords(deps.dynamodb, deps.stateTable, state.runId, state.batches),
      ...(typeof d.redriveCount === 'number' ? { redriveCount: d.redriveCount } : {}),
      ...(d.redriveStatus === 'NOT_REDRIVABLE' ? { notRedrivable: d.redriveStatusReason ?? 'NOT_REDRIVABLE' } : {}),
    };
  else observed = { status: 'RUNNING' };
  const decision = decideRun(state, observed, t, maxRedrives);
  switch (decision.act) {
    case 'wait':
      return { status: 'running', state };
    case 'redrive': {
      const sent = await redrive(state, state.redrives + 1, deps);
      if (sent === 'refused') return { status: 'running', state };
      deps.log.warn('distributed load redriven', { run: state.runId, redrive: state.redrives + 1, error: (observed as { error?: string }).error });
      return { status: 'running', state: { ...state, redrives: state.redrives + 1, redrivenAt: t } };
    }
    case 'redrive-again': {
      // The same client token: RedriveExecution answers "idempotent responses for the last 10 client tokens used to
      // successfully redrive the execution", for 15 minutes (API reference, RedriveExecution), so a redrive that did start
      // (and a look that is merely late) is not redriven twice.
      const sent = await redrive(state, state.redrives, deps);
      deps.log.warn('distributed load: its last redrive has not started; sent it again', {
        run: state.runId,
        redrive: state.redrives,
        sentMsAgo: t - (state.redrivenAt ?? t),
        answer: sent,
      });
      return { status: 'running', state: { ...state, redrivenAt: t } };
    }
    case 'done':
      deps.log.info('distributed load done', { run: state.runId, ...decision.counters });
      return { status: 'done', counters: decision.counters, records: decision.records };
    case 'fail':
      return { status: 'failed', reason: decision.reason, counters: decision.counters };
  }
}

/**
 * Sends redrive number `n` (its client token names it). Refused when the execution is not FAILED,
 * ABORTED or TIMED_OUT (ExecutionNotRedrivable, API reference, RedriveExecution,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html): the
 * look was stale; look again.
 */
async function redrive(state: DistributedState, n: number, deps: DriverDeps): Promise<'sent' | 'refused'> {
  try {
    await deps.sfn.send(new RedriveExecutionCommand({ executionArn: state.executionArn, clientToken: `${state.runId}-${n}` }));
    return 'sent';
  } catch (e) {
    if (awsErrorName(e) !== 'ExecutionNotRedrivable') throw e;
    deps.log.warn('distributed load: redrive refused, looking again', { run: state.runId, error: (e as Error).message });
    return 'refused';
  }
}

/**
 * Stops a run that its operation no longer wants (a Delete or a rollback took the resource over):
 * Step Functions then starts no more of its batches, and the ones running are aborted ("stopped by
 * the user", API reference, MapRunExecutionCounts, aborted:
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_MapRunExecutionCounts.html).
 * It cannot stop a Lambda invocation already running; those workers stop at their next lease check
 * (worker.ts). Best effort: the lease check is what guarantees no batch writes for an operation
 * that ended, so a refused stop is logged and never fails the Delete or the rollback.
 */
export async function stopRun(executionArn: string, sfn: SFNClient, log: Logger, why: string): Promise<'stopped' | 'gone' | 'refused'> {
  try {
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'ArcDynamoDb.Superseded', cause: why }));
    log.info('distributed load stopped', { executionArn, why });
    return 'stopped';
  } catch (e) {
    // Never started (a first invocation that remembered the run and then crashed before StartExecution).
    if (awsErrorName(e) === 'ExecutionDoesNotExist') return 'gone';
    log.warn('distributed load: could not stop its execution; its workers stop at their lease check', { executionArn, error: (e as Error).message });
    return 'refused';
  }
}
