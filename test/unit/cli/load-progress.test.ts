/**
 * The pure parts of following a distributed load (cli/load-progress.ts) and the argument rules of
 * `arc-dynamodb load --stack --resource`: which state machine a ServiceToken names, which
 * execution and Map Run answer for a resource, the progress text, the verdict, the notes. The
 * Step Functions calls run against a stand-in client here; test/integration/cli/load-progress.test.ts
 * runs them against moto's executor.
 */
import { Writable } from 'node:stream';
import { DescribeExecutionCommand, DescribeMapRunCommand, type ListExecutionsCommand, ListMapRunsCommand } from '@aws-sdk/client-sfn';
import { parseLoadArgs } from '../../../cli/commands/load';
import {
  batchCounts,
  follow,
  followVerdict,
  listExecutions,
  loadTargets,
  newestExecution,
  newestMapRun,
  progressText,
  stateMachineFor,
  stepFunctionsNote,
  type LoadProgress,
  type SfnLike,
} from '../../../cli/load-progress';
import { main, type CliIO } from '../../../cli/main';
import { loadRunPrefix } from '../../../contract/load-run';

const STACK = { StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/shop/0b9a8180-1111-2222-3333-444455556666', StackName: 'shop' };
const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:arc-dynamodb-provider-load';

describe('the state machine a ServiceToken names', () => {
  test('a Lambda function ARN, with or without a version or alias, names <function>-load beside it', () => {
    expect(stateMachineFor('arn:aws:lambda:eu-west-1:111122223333:function:arc-dynamodb-provider', STACK)).toEqual({ arn: MACHINE });
    expect(stateMachineFor('arn:aws:lambda:eu-west-1:111122223333:function:arc-dynamodb-provider:live', STACK)).toEqual({ arn: MACHINE });
    // The provider's region and account, not the stack's.
    expect(stateMachineFor('arn:aws:lambda:us-east-2:444455556666:function:p', STACK)).toEqual({
      arn: 'arn:aws:states:us-east-2:444455556666:stateMachine:p-load',
    });
  });

  test("the macro's default Fn::Sub is settled with the stack's partition, region and account", () => {
    const token = { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:arc-dynamodb-provider' };
    expect(stateMachineFor(token, STACK)).toEqual({ arn: MACHINE });
    const cn = { StackId: 'arn:aws-cn:cloudformation:cn-north-1:111122223333:stack/shop/0b9a8180', StackName: 'shop' };
    expect(stateMachineFor(token, cn)).toEqual({ arn: 'arn:aws-cn:states:cn-north-1:111122223333:stateMachine:arc-dynamodb-provider-load' });
  });

  test("a Ref to a stack parameter takes the stack's value for it", () => {
    const stack = { ...STACK, Parameters: [{ ParameterKey: 'Provider', ParameterValue: 'arn:aws:lambda:eu-west-1:111122223333:function:team-provider' }] };
    expect(stateMachineFor({ Ref: 'Provider' }, stack)).toEqual({ arn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:team-provider-load' });
  });

  test('what cannot be settled, or is no Lambda function, is a problem, never a guess', () => {
    expect(stateMachineFor({ 'Fn::ImportValue': 'provider-arn' }, STACK)).toEqual({
      problem: "a ServiceToken this command cannot settle (Fn::ImportValue): its provider's state machine is unknown",
    });
    expect(stateMachineFor(undefined, STACK)).toEqual({ problem: "no ServiceToken: its provider's state machine is unknown" });
    expect(stateMachineFor('arn:aws:sns:eu-west-1:111122223333:provider', STACK)).toEqual({
      problem: 'its ServiceToken arn:aws:sns:eu-west-1:111122223333:provider is not a Lambda function ARN: no arc-dynamodb provider state machine',
    });
  });

  test('every Custom::ArcDynamoDbLoad of the template, with the prefix its executions are named with', () => {
    const resources = {
      Orders: { Type: 'AWS::DynamoDB::Table' },
      SeedLoad: { Type: 'Custom::ArcDynamoDbLoad', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:arc-dynamodb-provider' } },
      Replicas: { Type: 'Custom::ArcDynamoDbReplicas', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:arc-dynamodb-provider' } },
      BadLoad: { Type: 'Custom::ArcDynamoDbLoad', Properties: {} },
    };
    expect(loadTargets(resources, STACK)).toEqual([
      { logicalId: 'SeedLoad', stateMachineArn: MACHINE, prefix: loadRunPrefix(STACK.StackId, 'SeedLoad') },
      { logicalId: 'BadLoad', problem: "no ServiceToken: its provider's state machine is unknown" },
    ]);
  });
});

describe('which execution and which Map Run', () => {
  const prefix = loadRunPrefix(STACK.StackId, 'SeedLoad');
  const at = (s: string) => new Date(`2026-01-01T${s}Z`);

  test("the newest start among the resource's executions, wherever the listing put it", () => {
    const executions = [
      { name: `${prefix}aaa`, executionArn: 'a', stateMachineArn: MACHINE, status: 'SUCCEEDED' as const, startDate: at('10:00:00') },
      {
        name: `${loadRunPrefix(STACK.StackId, 'OtherLoad')}zzz`,
        executionArn: 'other',
        stateMachineArn: MACHINE,
        status: 'RUNNING' as const,
        startDate: at('12:00:00'),
      },
      { name: `${prefix}ccc`, executionArn: 'c', stateMachineArn: MACHINE, status: 'RUNNING' as const, startDate: at('11:00:00') },
      { name: `${prefix}bbb`, executionArn: 'b', stateMachineArn: MACHINE, status: 'FAILED' as const, startDate: at('10:30:00') },
    ];
    expect(newestExecution(executions, prefix)?.executionArn).toBe('c');
    expect(newestExecution(executions.slice(1, 2), prefix)).toBeUndefined();
    expect(newestExecution([], prefix)).toBeUndefined();
  });

  test('after a redrive that started a new Map Run, the newest Map Run answers', () => {
    const runs = [
      { mapRunArn: 'first', executionArn: 'e', stateMachineArn: 'm', startDate: at('10:00:00') },
      { mapRunArn: 'second', executionArn: 'e', stateMachineArn: 'm', startDate: at('10:05:00') },
    ];
    expect(newestMapRun(runs)?.mapRunArn).toBe('second');
    expect(newestMapRun([...runs].reverse())?.mapRunArn).toBe('second');
    expect(newestMapRun([])).toBeUndefined();
  });

  test('pending counts the items waiting to be redriven too', () => {
    expect(batchCounts({ total: 10, succeeded: 4, running: 2, pending: 1, pendingRedrive: 3, failed: 0 })).toEqual({
      total: 10,
      succeeded: 4,
      failed: 0,
      running: 2,
      pending: 4,
      timedOut: 0,
      aborted: 0,
    });
  });
});

const progress = (over: Partial<LoadProgress>): LoadProgress => ({ executionArn: 'arn', name: 'arc-x-y', status: 'RUNNING', redriveCount: 0, ...over });
const counts = (over: Partial<ReturnType<typeof batchCounts>>) => ({ ...batchCounts({}), ...over });

describe('the progress text', () => {
  test('status, batches succeeded of the total, running, pending, failed; timed out, aborted and redrives when there are any', () => {
    expect(progressText(progress({ batches: counts({ total: 6, succeeded: 3, running: 2, pending: 1 }) }))).toBe(
      'RUNNING, 3/6 batches succeeded, 2 running, 1 pending, 0 failed',
    );
    expect(progressText(progress({ status: 'SUCCEEDED', batches: counts({ total: 1, succeeded: 1 }) }))).toBe(
      'SUCCEEDED, 1/1 batch succeeded, 0 running, 0 pending, 0 failed',
    );
    expect(
      progressText(progress({ status: 'FAILED', redriveCount: 2, batches: counts({ total: 12_000, succeeded: 11_990, failed: 4, timedOut: 5, aborted: 1 }) })),
    ).toBe('FAILED, 11,990/12,000 batches succeeded, 0 running, 0 pending, 4 failed, 5 timed out, 1 aborted, redriven 2 times');
    expect(progressText(progress({ redriveCount: 1, batches: counts({ total: 2, succeeded: 1, running: 1 }) }))).toBe(
      'RUNNING, 1/2 batches succeeded, 1 running, 0 pending, 0 failed, redriven 1 time',
    );
  });

  test('before its Map Run started, no batch has', () => {
    expect(progressText(progress({}))).toBe('RUNNING, no batch started yet');
  });
});

describe('the verdict of following', () => {
  test('RUNNING and PENDING_REDRIVE go on; SUCCEEDED is 0', () => {
    expect(followVerdict(progress({ status: 'RUNNING' }))).toBeUndefined();
    expect(followVerdict(progress({ status: 'PENDING_REDRIVE' }))).toBeUndefined();
    expect(followVerdict(progress({ status: 'SUCCEEDED', batches: counts({ total: 2, succeeded: 2 }) }))).toEqual({ code: 0 });
  });

  test('FAILED, TIMED_OUT and ABORTED are 1 with the error and cause; a redrivable one says the provider no longer redrives it', () => {
    const failed = progress({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
      redriveStatus: 'REDRIVABLE',
      batches: counts({ total: 3, succeeded: 2, failed: 1 }),
    });
    expect(followVerdict(failed)).toEqual({
      code: 1,
      lines: [
        'its distributed load FAILED, 2/3 batches succeeded, 0 running, 0 pending, 1 failed: ' +
          'States.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded',
        'CloudFormation no longer waits for it, so the provider redrives it no more; Step Functions could still redrive it (RedriveExecution).',
      ],
    });
    expect(followVerdict(progress({ status: 'ABORTED', redriveStatus: 'NOT_REDRIVABLE' }))).toEqual({
      code: 1,
      lines: ['its distributed load ABORTED, no batch started yet'],
    });
    expect(followVerdict(progress({ status: 'TIMED_OUT', error: 'States.Timeout' }))).toEqual({
      code: 1,
      lines: ['its distributed load TIMED_OUT, no batch started yet: States.Timeout'],
    });
  });
});

describe('a note for what Step Functions refused', () => {
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });
  test('access denied names the actions needed; a missing machine says why it may be missing; anything else as it came', () => {
    expect(stepFunctionsNote(named('AccessDeniedException', 'User x is not authorized'), MACHINE)).toBe(
      'cannot read Step Functions: access denied (needs states:ListExecutions, states:DescribeExecution, states:ListMapRuns, states:DescribeMapRun)',
    );
    expect(stepFunctionsNote(named('StateMachineDoesNotExist', 'State Machine Does Not Exist'), MACHINE)).toBe(
      'no state machine arc-dynamodb-provider-load: its provider runs no distributed loads (deployed without LoadBucketNames)',
    );
    expect(stepFunctionsNote(named('ThrottlingException', 'Rate exceeded'), MACHINE)).toBe('cannot read Step Functions: ThrottlingException: Rate exceeded');
  });
});

/** A stand-in SFN client: answers each command from a script, and records what it was sent. */
function fakeSfn(answer: (command: unknown) => unknown): SfnLike & { sent: unknown[] } {
  const sent: unknown[] = [];
  return {
    sent,
    send: async (command: unknown) => {
      sent.push(command);
      return answer(command);
    },
  };
}

describe('the calls', () => {
  test('listExecutions reads every page, passing the token on', async () => {
    const pages: Record<string, { executions: { name: string }[]; nextToken?: string }> = {
      first: { executions: [{ name: 'a' }, { name: 'b' }], nextToken: 't1' },
      t1: { executions: [{ name: 'c' }], nextToken: 't2' },
      t2: { executions: [] },
    };
    const sfn = fakeSfn((c) => pages[(c as ListExecutionsCommand).input.nextToken ?? 'first']);
    expect((await listExecutions(sfn, MACHINE, 2)).map((e) => e.name)).toEqual(['a', 'b', 'c']);
    expect(sfn.sent.map((c) => (c as ListExecutionsCommand).input)).toEqual([
      { stateMachineArn: MACHINE, maxResults: 2, nextToken: undefined },
      { stateMachineArn: MACHINE, maxResults: 2, nextToken: 't1' },
      { stateMachineArn: MACHINE, maxResults: 2, nextToken: 't2' },
    ]);
  });

  test('listExecutions stops at the page where every wanted prefix has an execution (newest first), else reads to the end', async () => {
    const pages: Record<string, { executions: { name: string }[]; nextToken?: string }> = {
      first: { executions: [{ name: 'arc-a-1' }, { name: 'x' }], nextToken: 't1' },
      t1: { executions: [{ name: 'arc-b-1' }, { name: 'arc-a-0' }], nextToken: 't2' },
      t2: { executions: [{ name: 'arc-b-0' }] },
    };
    const reads = async (wanted: string[]) => {
      const sfn = fakeSfn((c) => pages[(c as ListExecutionsCommand).input.nextToken ?? 'first']);
      const names = (await listExecutions(sfn, MACHINE, 2, wanted)).map((e) => e.name);
      return { names, pages: sfn.sent.length };
    };
    expect(await reads(['arc-a-'])).toEqual({ names: ['arc-a-1', 'x'], pages: 1 });
    expect(await reads(['arc-a-', 'arc-b-'])).toEqual({ names: ['arc-a-1', 'x', 'arc-b-1', 'arc-a-0'], pages: 2 });
    expect((await reads(['arc-c-'])).pages).toBe(3);
  });

  test('follow looks until the execution ends, waiting the interval between looks, and reads the newest Map Run', async () => {
    const statuses = ['RUNNING', 'PENDING_REDRIVE', 'SUCCEEDED'];
    let look = 0;
    const sfn = fakeSfn((c) => {
      if (c instanceof DescribeExecutionCommand) return { name: 'arc-x-y', status: statuses[look++], redriveCount: look > 1 ? 1 : 0 };
      if (c instanceof ListMapRunsCommand) {
        return c.input.nextToken
          ? { mapRuns: [{ mapRunArn: 'new', startDate: new Date(2000) }] }
          : { mapRuns: [{ mapRunArn: 'old', startDate: new Date(1000) }], nextToken: 'more' };
      }
      if (c instanceof DescribeMapRunCommand) {
        expect(c.input.mapRunArn).toBe('new');
        return { itemCounts: { total: 4, succeeded: look === 3 ? 4 : look, running: look === 3 ? 0 : 1, pending: 0, failed: 0 } };
      }
      throw new Error(`unexpected ${String(c)}`);
    });
    const slept: number[] = [];
    const seen: string[] = [];
    const last = await follow(sfn, 'arn:aws:states:eu-west-1:111122223333:execution:m:arc-x-y', {
      intervalMs: 7,
      sleep: async (ms) => void slept.push(ms),
      onLook: (p) => seen.push(progressText(p)),
    });
    expect(seen).toEqual([
      'RUNNING, 1/4 batches succeeded, 1 running, 0 pending, 0 failed',
      'PENDING_REDRIVE, 2/4 batches succeeded, 1 running, 0 pending, 0 failed, redriven 1 time',
      'SUCCEEDED, 4/4 batches succeeded, 0 running, 0 pending, 0 failed, redriven 1 time',
    ]);
    expect(slept).toEqual([7, 7]);
    expect(last.status).toBe('SUCCEEDED');
  });

  it('follows a FAILED execution on while CloudFormation still waits for the load, and stops at it once it does not', async () => {
    const looks = ['FAILED', 'RUNNING', 'FAILED', 'SUCCEEDED'];
    let look = 0;
    const sfn = fakeSfn((c) => {
      if (c instanceof DescribeExecutionCommand)
        return { name: 'arc-x-y', status: looks[look++], redriveStatus: 'REDRIVABLE', error: 'States.ExceedToleratedFailureThreshold' };
      if (c instanceof ListMapRunsCommand) return { mapRuns: [] };
      throw new Error(`unexpected ${String(c)}`);
    });
    // CloudFormation waits through the first failure (the provider redrives it); after the second it no longer does.
    const waits = [true, false];
    const asked: string[] = [];
    const last = await follow(sfn, 'arn:aws:states:eu-west-1:111122223333:execution:m:arc-x-y', {
      intervalMs: 1,
      sleep: async () => undefined,
      onLook: (p) => asked.push(p.status),
      stillWaited: async () => waits.shift() ?? false,
    });
    expect(asked).toEqual(['FAILED', 'RUNNING', 'FAILED']);
    expect(last.status).toBe('FAILED');
  });

  it('stops at once at a failure that cannot be redriven, whatever CloudFormation does', async () => {
    const sfn = fakeSfn((c) => {
      if (c instanceof DescribeExecutionCommand) return { name: 'arc-x-y', status: 'ABORTED', redriveStatus: 'NOT_REDRIVABLE' };
      if (c instanceof ListMapRunsCommand) return { mapRuns: [] };
      throw new Error(`unexpected ${String(c)}`);
    });
    let asked = 0;
    const last = await follow(sfn, 'arn', { intervalMs: 1, sleep: async () => undefined, onLook: () => undefined, stillWaited: async () => ++asked > 0 });
    expect(last.status).toBe('ABORTED');
    expect(asked).toBe(0);
  });
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: CliIO = { stdout, stderr, cwd: process.cwd(), env: {} };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('load --stack --resource: its arguments', () => {
  test('the follow mode takes --region and its endpoints', () => {
    expect(
      parseLoadArgs(
        [
          '--stack',
          'shop',
          '--resource',
          'SeedLoad',
          '--region',
          'eu-west-1',
          '--stepfunctions-endpoint',
          'http://localhost:4566',
          '--cloudformation-endpoint=http://localhost:1',
        ],
        {},
      ),
    ).toEqual({
      mode: 'follow',
      stack: 'shop',
      resource: 'SeedLoad',
      region: 'eu-west-1',
      cloudformationEndpoint: 'http://localhost:1',
      stepfunctionsEndpoint: 'http://localhost:4566',
    });
    expect(parseLoadArgs(['--stack', 'shop', '--resource', 'SeedLoad'], { AWS_REGION: 'ap-south-1' })).toMatchObject({ region: 'ap-south-1' });
  });

  test.each([
    [
      ['--stack', 'shop', '--resource', 'SeedLoad', '--table', 'orders'],
      '--stack and --resource follow a distributed load; --table loads a table: give one or the other',
    ],
    [
      ['--table', 'orders', '--file', 'a.json', '--resource', 'SeedLoad'],
      '--stack and --resource follow a distributed load; --table loads a table: give one or the other',
    ],
    [
      ['--stack', 'shop', '--resource', 'SeedLoad', '--s3', 's3://b/p'],
      '--stack and --resource follow a distributed load; --s3 loads a table: give one or the other',
    ],
    [['--stack', 'shop'], '--stack needs --resource LOGICAL_ID (the Custom::ArcDynamoDbLoad to follow)'],
    [['--resource', 'SeedLoad'], '--resource needs --stack STACK'],
    [
      ['--table', 'orders', '--file', 'a.json', '--stepfunctions-endpoint', 'http://localhost:1'],
      '--stepfunctions-endpoint applies to --stack STACK --resource LOGICAL_ID only',
    ],
    [
      ['--table', 'orders', '--file', 'a.json', '--cloudformation-endpoint', 'http://localhost:1'],
      '--cloudformation-endpoint applies to --stack STACK --resource LOGICAL_ID only',
    ],
    [
      ['--stack', 'shop', '--resource', 'SeedLoad', '--stepfunctions-endpoint', 'localhost:1'],
      "--stepfunctions-endpoint must be an http(s) URL, got 'localhost:1'",
    ],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await cli('load', ...args);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `arc-dynamodb load: ${message}\nRun 'npx arc-dynamodb load --help' for the options.\n` });
  });

  test('--help shows both modes, and status --help its Step Functions endpoint', async () => {
    const load = await cli('load', '--help');
    expect(load.code).toBe(0);
    expect(load.stdout).toContain('arc-dynamodb load --stack STACK --resource LOGICAL_ID');
    expect(load.stdout).toContain('--stepfunctions-endpoint URL');
    expect(load.stdout).toContain('states:ListMapRuns and states:DescribeMapRun');
    const status = await cli('status', '--help');
    expect(status.stdout).toContain('--stepfunctions-endpoint URL      Step Functions endpoint (distributed loads)');
  });
});
