/**
 * The load handler's distributed path (docs/load.md, "Distributed loads"). On the first invocation
 * it decides the route (plan.ts route: `Distributed`, or the source's listed size against the
 * budget and the time CloudFormation still waits); a distributed load is planned, sealed and
 * started (driver.ts startRun), and every later invocation is a continuation of the same
 * operation (the long-operation path, as a one-chain load's) that watches the execution, redrives
 * it after a worker failure (at most MAX_REDRIVES times) and, when it succeeded, answers with the
 * batch records summed into the same Fn::GetAtt results.
 */
import { loadRunName } from '../../../contract/load-run';
import { hasBudget, type TableCapacity, type WriteBudget } from '../../../load/budget';
import type { Counters } from '../../../load/types';
import { describeCapacity } from '../../../load/schema';
import { S3Source } from '../../../load/source';
import { requestKey } from '../../guard/lease';
import type { DistributedPort, HandlerRequest, HandlerResult } from '../../types';
import type { LoadProps } from '../properties';
import { executionArnOf, MAX_REDRIVES, pollRun, startRun, stopRun, type DistributedState, type DriverDeps } from './driver';
import { planBatches, route, splitBudget, type BatchObject } from './plan';

/** template.yaml sets it to the state machine's ARN when LoadBucketNames is set. */
export const LOAD_STATE_MACHINE_ENV = 'ARC_DYNAMODB_LOAD_STATE_MACHINE';
/** Between two DescribeExecution calls while the execution runs (its quota is a bucket of 200, refilled at 20 per second). */
export const POLL_MS = 2000;
/** The longest a custom resource waits (ServiceTimeout at most 3600 s, AWS::CloudFormation::CustomResource). */
const MAX_WAIT_MS = 3_600_000;

export interface DistributedCheckpoint extends DistributedState {
  startedAt: number;
}

export function isDistributedCheckpoint(v: unknown): v is DistributedCheckpoint {
  const c = v as DistributedCheckpoint;
  return !!c && typeof c === 'object' && c.v === 1 && c.kind === 'distributed' && typeof c.runId === 'string' && typeof c.executionArn === 'string';
}

/**
 * What a load remembers with its resource's lease (HandlerResult `memo`): the execution of the
 * distributed run it started, until the run's answer, and the physical ID it loads for. A request
 * that takes the resource over while the run goes on (CloudFormation's Delete of a cancelled
 * Create, a rollback) stops it.
 */
export interface LoadMemo {
  distributedRun?: string;
  /** The physical ID the run answers for (absent in a memo written before it was kept: see deleteStops). */
  physicalId?: string;
}
/** The answer's memo once the run has ended: nothing left to stop. */
export const ENDED: LoadMemo = {};

const rememberedRun = (memo: unknown): string | undefined => {
  const run = (memo as LoadMemo | undefined)?.distributedRun;
  return typeof run === 'string' ? run : undefined;
};

/**
 * Whether a Delete stops the remembered run. Not the cleanup Delete of a physical ID an update
 * replaced (a new TableName is a new ID): the resource lives on under its new ID, and the run
 * remembered is the new one's. But CloudFormation creates a replacement before it deletes the
 * resource it replaces (CloudFormation user guide, "Monitor the progress of a stack update",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-monitor-stack.html),
 * so when that update fails and rolls back, the cleanup Delete is of the NEW ID, and the run
 * remembered for it loads for a resource that is going: that Delete stops it.
 */
export function deleteStops(req: HandlerRequest<LoadProps>): boolean {
  if (req.stack?.replaced !== true) return true;
  const id = (req.memo as LoadMemo | undefined)?.physicalId;
  return typeof id === 'string' && id === req.physicalResourceId;
}

/**
 * Stops the distributed run this resource remembers, if any (a Delete, a rollback): its remaining
 * batches never start. Best effort (driver.ts stopRun): workers already running stop at their
 * lease check, since the request that started them no longer holds the resource.
 */
export async function stopRemembered(req: HandlerRequest<LoadProps>, why: string): Promise<void> {
  const run = rememberedRun(req.memo);
  const port = req.clients.distributed;
  if (run === undefined) return;
  if (!port) {
    req.log.warn('distributed load: this provider has no state machine to stop the remembered run', { executionArn: run });
    return;
  }
  await stopRun(run, port.sfn, req.log, why);
}

/** The load handler's own pieces (passed in: this module must not import the handler that imports it). */
export interface Helpers {
  writeBudget(p: LoadProps): WriteBudget | undefined;
  failureReason(table: string, o: { reason: string; counters: Counters }): string;
  resultData(c: Counters, seconds: number): Record<string, number>;
}

const driverDeps = (req: HandlerRequest<LoadProps>, port: DistributedPort): DriverDeps => ({
  s3: req.clients.s3(),
  sfn: port.sfn,
  dynamodb: req.clients.dynamodb(),
  stateTable: port.stateTable,
  stateMachineArn: port.stateMachineArn,
  signingKey: () => port.signingKey(),
  log: req.log,
});

/** A distributed start, or undefined when the load runs in one chain. */
export async function startDistributed(req: HandlerRequest<LoadProps>, id: string, h: Helpers): Promise<HandlerResult | undefined> {
  const p = req.properties;
  const port = req.clients.distributed;
  if (p.Distributed === false) return undefined;
  if (!port) {
    if (p.Distributed !== true) return undefined;
    return {
      status: 'failed',
      physicalResourceId: id,
      reason:
        `Load into table '${p.TableName}' asks for Distributed: true, but this provider has no distributed-load state machine ` +
        '(deploy template.yaml with LoadBucketNames). Nothing was read or written.',
    };
  }
  const src = p.S3BucketSource;
  const objects: BatchObject[] = [];
  for await (const o of new S3Source(req.clients.s3(), src.Bucket, src.KeyPrefix ?? '', src.BucketOwner).list('')) objects.push([o.key, o.size, o.etag ?? '']);
  const budget = h.writeBudget(p);
  const capacity: TableCapacity | undefined = hasBudget(budget) ? await describeCapacity(req.clients.dynamodb(), p.TableName) : undefined;
  const now = Date.now();
  // When the operation's work must end: its ServiceTimeout (at most an hour, custom resource ServiceTimeout), or, on the
  // long-operation path, its WaitCondition's Timeout (up to 12 hours): the run lives that long, not less. Both count from
  // CloudFormation's request, so a retried first invocation seals the same expiry (driver.ts startRun keeps the first run anyway).
  const endsAt = req.workDeadline ?? req.serviceDeadline ?? now + MAX_WAIT_MS;
  const waits = endsAt - now;
  const r = route({ distributed: p.Distributed, sourceBytes: objects.reduce((n, o) => n + o[1], 0), budget, capacity, secondsLeft: waits / 1000 });
  req.log.info('load route', { table: p.TableName, route: r.kind, why: r.why });
  if (r.kind === 'one-chain' || objects.length === 0) return undefined;
  const split = splitBudget(planBatches(objects).length, budget, capacity);
  // Named after the request: a retried first invocation (Lambda's async retry) keeps the first start (driver.ts startRun).
  const runId = loadRunName(req.stackId, req.logicalResourceId, req.requestId);
  const deps = driverDeps(req, port);
  // Remembered before it starts (and only while this is still the operation's: a Delete sent meanwhile takes over), so that
  // whatever takes the resource over later can stop it: a crash between the two leaves a run that never started to stop.
  const memo: LoadMemo = { distributedRun: executionArnOf(port.stateMachineArn, runId), physicalId: id };
  if (req.remember) await req.remember(memo);
  else await req.assertCurrent?.();
  const state = await startRun(
    {
      spec: {
        runId,
        table: p.TableName,
        bucket: src.Bucket,
        prefix: src.KeyPrefix ?? '',
        ...(src.BucketOwner ? { owner: src.BucketOwner } : {}),
        format: p.InputFormat,
        compression: p.InputCompressionType,
        csv: {
          delimiter: p.InputFormatOptions?.Csv?.Delimiter ?? ',',
          ...(p.InputFormatOptions?.Csv?.HeaderList ? { headerList: p.InputFormatOptions.Csv.HeaderList } : {}),
        },
        writeMode: p.WriteMode,
        maxRejectedRecords: p.MaxRejectedRecords,
        ...(split.budget ? { budget: split.budget } : {}),
        expiresAt: endsAt,
        lease: { stackId: req.stackId, logicalId: req.logicalResourceId, request: requestKey(req.stackId, req.requestId) },
      },
      objects,
      workers: split.workers,
    },
    deps,
  );
  const checkpoint: DistributedCheckpoint = { ...state, startedAt: now };
  return { status: 'continue', checkpoint, physicalResourceId: id };
}

/** Watches the execution until it ends or this invocation's time is up. */
export async function watchDistributed(
  req: HandlerRequest<LoadProps>,
  cp: DistributedCheckpoint,
  id: string,
  h: Helpers,
  stopAt: number,
): Promise<HandlerResult> {
  const p = req.properties;
  const port = req.clients.distributed;
  if (!port) return { status: 'failed', physicalResourceId: id, reason: `Load into table '${p.TableName}' lost its distributed-load state machine.` };
  const deps = driverDeps(req, port);
  let state: DistributedCheckpoint = cp;
  for (;;) {
    // A look may redrive: only while this invocation still holds the operation.
    await req.assertCurrent?.();
    const polled = await pollRun(state, deps, MAX_REDRIVES);
    switch (polled.status) {
      case 'done':
        return {
          status: 'done',
          physicalResourceId: id,
          data: h.resultData(polled.counters, Math.round((Date.now() - cp.startedAt) / 1000)),
          memo: ENDED,
        };
      case 'failed':
        // Its execution has ended (pollRun fails a run only once Step Functions closed it).
        return {
          status: 'failed',
          physicalResourceId: id,
          memo: ENDED,
          reason: h.failureReason(p.TableName, { reason: `the distributed load: ${polled.reason}`, counters: polled.counters }),
        };
      case 'running':
        state = { ...polled.state, startedAt: cp.startedAt };
        if (Date.now() + POLL_MS >= stopAt || req.signal?.aborted) return { status: 'continue', checkpoint: state, physicalResourceId: id };
        await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
