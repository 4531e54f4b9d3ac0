/**
 * The distributed load's decision (provider/load/distributed/driver.ts decideRun): wait while the
 * execution runs, redrive a failed one a bounded number of times, never redrive a batch that
 * failed on its data, and sum each batch's record once.
 */
import { decideRun, pollRun, sumRecords, type DistributedState, type DriverDeps } from '../../../provider/load/distributed/driver';
import type { BatchRecord } from '../../../provider/load/distributed/records';

const state = (redrives = 0): DistributedState => ({ v: 1, kind: 'distributed', runId: 'r1', executionArn: 'arn:x', batches: 2, redrives });
const rec = (w: number, extra: Partial<BatchRecord> = {}): BatchRecord => ({
  counters: { itemsWritten: w, itemsSkipped: 1, recordsRejected: 0, objectsRead: 1, bytesRead: 10 * w },
  records: w + 1,
  firstRejects: [],
  ...extra,
});

test('waits while the execution runs or is being redriven', () => {
  expect(decideRun(state(), { status: 'RUNNING' })).toEqual({ act: 'wait' });
  expect(decideRun(state(), { status: 'PENDING_REDRIVE' })).toEqual({ act: 'wait' });
});

test('a succeeded execution: each batch record summed once', () => {
  expect(decideRun(state(), { status: 'SUCCEEDED', records: [rec(3), rec(4)] })).toEqual({
    act: 'done',
    records: 9,
    counters: { itemsWritten: 7, itemsSkipped: 2, recordsRejected: 0, objectsRead: 2, bytesRead: 70 },
  });
  const missing = decideRun(state(), { status: 'SUCCEEDED', records: [rec(3), undefined] });
  expect(missing).toMatchObject({ act: 'fail', reason: 'the execution succeeded but batch 1 has no finished record' });
});

test('a failed execution is redriven until the bound, then fails with the reason', () => {
  const failed = { status: 'FAILED' as const, error: 'States.ExceedToleratedFailureThreshold', records: [rec(3), undefined] };
  expect(decideRun(state(0), failed, 2)).toEqual({ act: 'redrive' });
  expect(decideRun(state(1), failed, 2)).toEqual({ act: 'redrive' });
  expect(decideRun(state(2), failed, 2)).toEqual({
    act: 'fail',
    reason: 'its Step Functions execution FAILED (States.ExceedToleratedFailureThreshold) and was redriven 2 times, the most allowed',
    counters: sumRecords([rec(3)]).counters,
  });
  expect(decideRun(state(), { ...failed, status: 'TIMED_OUT' }, 2)).toEqual({ act: 'redrive' });
  expect(decideRun(state(), { ...failed, status: 'ABORTED' }, 2)).toMatchObject({ act: 'fail', reason: 'its Step Functions execution was stopped' });
});

test('a batch that failed on its data is not redriven: the load fails with its reason', () => {
  const bad = rec(2, { failed: 'More than MaxRejectedRecords (0) records were rejected' });
  expect(decideRun(state(), { status: 'FAILED', error: 'ArcDynamoDb.LoadFailed', records: [rec(3), bad] })).toEqual({
    act: 'fail',
    reason: 'More than MaxRejectedRecords (0) records were rejected',
    counters: sumRecords([rec(3), bad]).counters,
  });
});

test('an unfinished batch (with a checkpoint) is not counted', () => {
  expect(sumRecords([rec(3), rec(5, { checkpoint: { v: 1 } as never })]).records).toBe(4);
});

/**
 * pollRun against Step Functions' read consistency. DescribeExecution "is eventually consistent.
 * The results are best effort and may not reflect very recent updates and changes" (Step
 * Functions API reference, DescribeExecution,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html), so a
 * look right after StartExecution may not find the execution yet, and one right after
 * RedriveExecution may still show the FAILED run it redrove (its redriveCount not yet raised).
 * RedriveExecution refuses an execution that is not FAILED, ABORTED or TIMED_OUT with
 * ExecutionNotRedrivable (API reference, RedriveExecution,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html).
 */
describe('pollRun with eventually consistent looks', () => {
  const fake = (describe: () => unknown, redrive: () => unknown = () => ({})) => {
    const sent: string[] = [];
    const sfn = {
      send: async (c: { constructor: { name: string } }) => {
        sent.push(c.constructor.name);
        return c.constructor.name === 'DescribeExecutionCommand' ? describe() : redrive();
      },
    };
    const dynamodb = { send: async () => ({}) };
    const log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
    const deps = { sfn, dynamodb, s3: {}, stateTable: 't', stateMachineArn: 'arn:m', signingKey: async () => Buffer.alloc(32), log } as unknown as DriverDeps;
    return { deps, sent };
  };
  const named = (name: string) => Object.assign(new Error(name), { name });

  it('a stale FAILED look after a redrive (redriveCount behind the redrives made) waits; it neither redrives again nor spends a redrive', async () => {
    const { deps, sent } = fake(() => ({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', redriveCount: 0 }));
    const polled = await pollRun(state(1), deps);
    expect(polled).toEqual({ status: 'running', state: state(1) });
    expect(sent).toEqual(['DescribeExecutionCommand']);
  });

  it('a look that does not find the execution yet, just after it was started, waits', async () => {
    const { deps } = fake(() => {
      throw named('ExecutionDoesNotExist');
    });
    expect(await pollRun(state(0), deps)).toEqual({ status: 'running', state: state(0) });
  });

  it('a redrive refused because the execution already runs again (ExecutionNotRedrivable) waits, without counting it', async () => {
    const { deps, sent } = fake(
      () => ({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', redriveCount: 0 }),
      () => {
        throw named('ExecutionNotRedrivable');
      },
    );
    expect(await pollRun(state(0), deps)).toEqual({ status: 'running', state: state(0) });
    expect(sent).toEqual(['DescribeExecutionCommand', 'RedriveExecutionCommand']);
  });

  it('a FAILED execution Step Functions will not redrive (redriveStatus NOT_REDRIVABLE) fails the load with its reason, without a redrive', async () => {
    const { deps, sent } = fake(() => ({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded',
    }));
    expect(await pollRun(state(0), deps)).toMatchObject({ status: 'failed', reason: expect.stringContaining('Execution redrivable period exceeded') });
    expect(sent).toEqual(['DescribeExecutionCommand']);
  });
});
