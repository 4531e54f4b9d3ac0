/**
 * The distributed load's decision (provider/load/distributed/driver.ts decideRun): wait while the
 * execution runs, redrive a failed one a bounded number of times, never redrive a batch that
 * failed on its data, and sum each batch's record once.
 */
import { decideRun, pollRun, REDRIVE_START_MS, sumRecords, type DistributedState, type DriverDeps } from '../../../provider/load/distributed/driver';
import type { BatchRecord } from '../../../provider/load/distributed/records';

const NOW = 1_700_000_000_000;
const state = (redrives = 0, redrivenAt?: number): DistributedState => ({
  v: 1,
  kind: 'distributed',
  runId: 'r1',
  executionArn: 'arn:x',
  batches: 2,
  redrives,
  ...(redrivenAt !== undefined ? { redrivenAt } : {}),
});
const rec = (w: number, extra: Partial<BatchRecord> = {}): BatchRecord => ({
  counters: { itemsWritten: w, itemsSkipped: 1, recordsRejected: 0, objectsRead: 1, bytesRead: 10 * w },
  records: w + 1,
  firstRejects: [],
  ...extra,
});

test('waits while the execution runs or is being redriven', () => {
  expect(decideRun(state(), { status: 'RUNNING' }, NOW)).toEqual({ act: 'wait' });
  expect(decideRun(state(), { status: 'PENDING_REDRIVE' }, NOW)).toEqual({ act: 'wait' });
});

test('a succeeded execution: each batch record summed once', () => {
  expect(decideRun(state(), { status: 'SUCCEEDED', records: [rec(3), rec(4)] }, NOW)).toEqual({
    act: 'done',
    records: 9,
    counters: { itemsWritten: 7, itemsSkipped: 2, recordsRejected: 0, objectsRead: 2, bytesRead: 70 },
  });
  const missing = decideRun(state(), { status: 'SUCCEEDED', records: [rec(3), undefined] }, NOW);
  expect(missing).toMatchObject({ act: 'fail', reason: 'the execution succeeded but batch 1 has no finished record' });
});

test('a failed execution is redriven until the bound, then fails with the reason', () => {
  const failed = { status: 'FAILED' as const, error: 'States.ExceedToleratedFailureThreshold', records: [rec(3), undefined] };
  expect(decideRun(state(0), failed, NOW, 2)).toEqual({ act: 'redrive' });
  expect(decideRun(state(1), failed, NOW, 2)).toEqual({ act: 'redrive' });
  expect(decideRun(state(2), failed, NOW, 2)).toEqual({
    act: 'fail',
    reason: 'its Step Functions execution FAILED (States.ExceedToleratedFailureThreshold) and was redriven 2 times, the most allowed',
    counters: sumRecords([rec(3)]).counters,
  });
  expect(decideRun(state(), { ...failed, status: 'TIMED_OUT' }, NOW, 2)).toEqual({ act: 'redrive' });
  expect(decideRun(state(), { ...failed, status: 'ABORTED' }, NOW, 2)).toMatchObject({ act: 'fail', reason: 'its Step Functions execution was stopped' });
});

test('a look that still shows the redriven run waits, until a minute after the redrive: then it sends the redrive again', () => {
  const stale = { status: 'FAILED' as const, error: 'States.ExceedToleratedFailureThreshold', records: [rec(3), undefined], redriveCount: 1 };
  expect(decideRun(state(2, NOW - REDRIVE_START_MS + 1), stale, NOW)).toEqual({ act: 'wait' });
  expect(decideRun(state(2, NOW - REDRIVE_START_MS), stale, NOW)).toEqual({ act: 'redrive-again' });
  expect(decideRun(state(2, NOW - REDRIVE_START_MS), { ...stale, status: 'ABORTED' }, NOW)).toEqual({ act: 'redrive-again' });
  // Unknown (a checkpoint sealed before the time was kept): taken as now.
  expect(decideRun(state(2), stale, NOW)).toEqual({ act: 'wait' });
  // Seen: the redrive started and the execution failed again.
  expect(decideRun(state(2, NOW - 10 * REDRIVE_START_MS), { ...stale, redriveCount: 2 }, NOW)).toEqual({ act: 'redrive' });
});

test('a batch that failed on its data is not redriven: the load fails with its reason', () => {
  const bad = rec(2, { failed: 'More than MaxRejectedRecords (0) records were rejected' });
  expect(decideRun(state(), { status: 'FAILED', error: 'ArcDynamoDb.LoadFailed', records: [rec(3), bad] }, NOW)).toEqual({
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
    const tokens: unknown[] = [];
    const warned: string[] = [];
    const sfn = {
      send: async (c: { constructor: { name: string }; input: { clientToken?: string } }) => {
        sent.push(c.constructor.name);
        if (c.constructor.name === 'RedriveExecutionCommand') tokens.push(c.input.clientToken);
        return c.constructor.name === 'DescribeExecutionCommand' ? describe() : redrive();
      },
    };
    const dynamodb = { send: async () => ({}) };
    const log = { info: () => {}, warn: (m: string) => warned.push(m), error: () => {}, debug: () => {} };
    const deps = { sfn, dynamodb, s3: {}, stateTable: 't', stateMachineArn: 'arn:m', signingKey: async () => Buffer.alloc(32), log } as unknown as DriverDeps;
    return { deps, sent, tokens, warned };
  };
  const at = (t: number) => () => t;
  const named = (name: string) => Object.assign(new Error(name), { name });

  it('a stale FAILED look after a redrive (redriveCount behind the redrives made) waits; it neither redrives again nor spends a redrive', async () => {
    const { deps, sent } = fake(() => ({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', redriveCount: 0 }));
    const polled = await pollRun(state(1, NOW - 5000), deps, 3, at(NOW));
    expect(polled).toEqual({ status: 'running', state: state(1, NOW - 5000) });
    expect(sent).toEqual(['DescribeExecutionCommand']);
  });

  it('a redrive records when it was sent', async () => {
    const { deps, tokens } = fake(() => ({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', redriveCount: 0 }));
    expect(await pollRun(state(0), deps, 3, at(NOW))).toEqual({ status: 'running', state: state(1, NOW) });
    expect(tokens).toEqual(['r1-1']);
  });

  it('a redrive still not seen a minute after it was sent (it failed to start) is sent again with its client token, and not counted twice', async () => {
    const { deps, sent, tokens, warned } = fake(() => ({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold', redriveCount: 0 }));
    expect(await pollRun(state(1, NOW - REDRIVE_START_MS), deps, 3, at(NOW))).toEqual({ status: 'running', state: state(1, NOW) });
    expect(sent).toEqual(['DescribeExecutionCommand', 'RedriveExecutionCommand']);
    // The first redrive's token (r1-1): had it started after all, Step Functions answers it without redriving again.
    expect(tokens).toEqual(['r1-1']);
    expect(warned).toEqual(['distributed load: its last redrive has not started; sent it again']);
  });

  it('a checkpoint without the redrive time (sealed before it was kept) counts from the first look that sees the redrive stale', async () => {
    const { deps, sent } = fake(() => ({ status: 'TIMED_OUT', error: 'States.Timeout', redriveCount: 1 }));
    const first = await pollRun(state(2), deps, 3, at(NOW));
    expect(first).toEqual({ status: 'running', state: state(2, NOW) });
    const later = await pollRun(state(2, NOW), deps, 3, at(NOW + REDRIVE_START_MS));
    expect(later).toEqual({ status: 'running', state: state(2, NOW + REDRIVE_START_MS) });
    expect(sent).toEqual(['DescribeExecutionCommand', 'DescribeExecutionCommand', 'RedriveExecutionCommand']);
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
