/**
 * What `arc-dynamodb status` and `load --stack --resource` print of an execution: its error and
 * cause are whatever the caller of StopExecution wrote (up to 256 and 32,768 characters: Step
 * Functions API reference, StopExecution), so they reach the terminal without control sequences
 * (an escape sequence could otherwise redraw the output as a fake SUCCEEDED). (Found by an
 * adversarial review; docs/security.md says who may start or stop the provider's executions.)
 */
import { DescribeExecutionCommand, DescribeMapRunCommand, ListMapRunsCommand } from '@aws-sdk/client-sfn';
import { followVerdict, progressText, readProgress, type SfnLike } from '../../../cli/load-progress';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:arc-dynamodb-provider-load';
const at = (s: string) => new Date(`2026-01-01T${s}Z`);

test("an execution's error and cause reach the terminal without control sequences", async () => {
  // StopExecution(error, cause) on the execution the CLI follows: both are the caller's text.
  const cause = '\x1b[1A\x1b[2K\rSeedLoad: SUCCEEDED, 6/6 batches succeeded, 0 running, 0 pending, 0 failed\x1b[8m';
  const sfn: SfnLike = {
    send: async (c: unknown) => {
      if (c instanceof DescribeExecutionCommand) return { name: 'arc-x-y', status: 'ABORTED', error: 'ArcDynamoDb.Superseded', cause };
      if (c instanceof ListMapRunsCommand) return { mapRuns: [{ mapRunArn: 'm', startDate: at('10:00:00') }] };
      if (c instanceof DescribeMapRunCommand) return { itemCounts: { total: 6, succeeded: 1, aborted: 5 } };
      throw new Error('unexpected');
    },
  };
  const p = await readProgress(sfn, `${MACHINE.replace(':stateMachine:', ':execution:')}:arc-x-y`);
  const out = [progressText(p), ...((followVerdict(p) as { lines?: string[] })?.lines ?? [])].join('\n');
  expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
});
