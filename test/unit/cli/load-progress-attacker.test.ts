/**
 * Review A (issue 17): what `arc-dynamodb status` and `load --stack --resource` believe.
 * The CLI takes the resource's load to be the newest execution of the provider's state machine
 * whose name starts with loadRunPrefix(stackId, logicalId) (cli/load-progress.ts). That prefix is
 * a hash of two values anyone who may describe the stack can read, and Step Functions lets anyone
 * with states:StartExecution on the machine pick an execution's name; StopExecution lets the caller
 * set its error and cause (up to 256 and 32,768 characters). So such a caller decides what the CLI
 * reports for any resource, and writes raw control sequences to the user's terminal.
 */
import { DescribeExecutionCommand, DescribeMapRunCommand, ListMapRunsCommand } from '@aws-sdk/client-sfn';
import { followVerdict, newestExecution, progressText, readProgress, type SfnLike } from '../../../cli/load-progress';
import { loadRunName, loadRunPrefix } from '../../../contract/load-run';

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/shop/0b9a8180-1111-2222-3333-444455556666';
const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:arc-dynamodb-provider-load';
const at = (s: string) => new Date(`2026-01-01T${s}Z`);

test("an execution someone else started with the resource's name prefix is not taken for the resource's load", () => {
  const real = loadRunName(STACK_ID, 'SeedLoad', 'cfn-request-1');
  // Started later by a principal with states:StartExecution (any input; its Map fails or is stopped at once).
  const spoof = `${loadRunPrefix(STACK_ID, 'SeedLoad')}${'0'.repeat(24)}`;
  const executions = [
    {
      name: real,
      executionArn: `${MACHINE}:${real}`.replace(':stateMachine:', ':execution:'),
      stateMachineArn: MACHINE,
      status: 'RUNNING' as const,
      startDate: at('10:00:00'),
    },
    {
      name: spoof,
      executionArn: `${MACHINE}:${spoof}`.replace(':stateMachine:', ':execution:'),
      stateMachineArn: MACHINE,
      status: 'ABORTED' as const,
      startDate: at('10:05:00'),
    },
  ];
  expect(newestExecution(executions, loadRunPrefix(STACK_ID, 'SeedLoad'))?.name).toBe(real);
});

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
