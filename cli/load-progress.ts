/**
 * The progress of a `Custom::ArcDynamoDbLoad`'s distributed load (docs/load.md, "Distributed
 * loads"), read from Step Functions: `arc-dynamodb status` shows it, `arc-dynamodb load --stack S
 * --resource ID` follows it to its end. The pure parts (which state machine, which execution,
 * which Map Run, the text, the verdict) are apart from the calls, so that tests can check them.
 *
 * How a resource's executions are found: the provider deploys its state machine as
 * `<ProviderFunctionName>-load` beside the function (template.yaml), so the resource's ServiceToken
 * (the provider function's ARN, in the stack's processed template) names it; the provider names
 * every execution of the resource `loadRunPrefix(stackId, logicalId)` + the request's hash
 * (contract/load-run.ts). ListExecutions has no name filter, so the CLI lists the machine's
 * executions and keeps those with the prefix; the newest start is the resource's current load.
 *
 * Each item of the Map is one batch (the machine has no ItemBatcher: docs/load.md), so the Map
 * Run's item counts are batch counts (DescribeMapRun, itemCounts: Step Functions API reference,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeMapRun.html).
 */
import { type CloudFormationClient, DescribeStackResourceCommand, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  SFNClient,
  type ExecutionListItem,
  type MapRunItemCounts,
  type MapRunListItem,
} from '@aws-sdk/client-sfn';
import { evaluate, intrinsicName, pseudoParameters } from '../contract/intrinsics';
import { loadRunPrefix } from '../contract/load-run';
import { LOAD_RESOURCE_TYPE } from '../contract/resources';
import { credentialsFor } from './aws';
import { count } from './text';

export type Resources = Record<string, { Type?: string; DependsOn?: string | string[]; Properties?: Record<string, unknown> }>;

/** The stack (by name or ID) and the resources of its processed template: what CloudFormation deploys, after the transforms ran. */
export async function readStack(cfn: CloudFormationClient, stackName: string): Promise<{ stack: Stack & { StackId: string }; resources: Resources }> {
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  if (!stack?.StackId) throw new Error(`stack ${stackName} does not exist`);
  const body = (await cfn.send(new GetTemplateCommand({ StackName: stack.StackId, TemplateStage: 'Processed' }))).TemplateBody ?? '{}';
  return { stack: stack as Stack & { StackId: string }, resources: (JSON.parse(body) as { Resources?: Resources }).Resources ?? {} };
}

/** Where a load resource's executions are, or why that cannot be said. */
export type LoadTarget = { logicalId: string; stateMachineArn: string; prefix: string } | { logicalId: string; problem: string };

/**
 * The state machine of the provider a ServiceToken names: the token as the processed template has
 * it (a string, or the macro's default `Fn::Sub` of pseudo parameters, or a `Ref` to a stack
 * parameter), settled with the stack's pseudo parameters and parameter values. A Lambda function
 * ARN (with or without a version or alias) gives `arn:<partition>:states:<region>:<account>:
 * stateMachine:<function name>-load`, the name template.yaml gives the machine.
 */
export function stateMachineFor(serviceToken: unknown, stack: Pick<Stack, 'StackId' | 'StackName' | 'Parameters'>): { arn: string } | { problem: string } {
  const [, partition, , region, account] = String(stack.StackId).split(':');
  const parameters = Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ResolvedValue ?? p.ParameterValue]));
  const pseudo = {
    ...pseudoParameters({ stackName: String(stack.StackName), region, accountId: account, stackId: stack.StackId }),
    'AWS::Partition': partition,
  };
  let token: unknown;
  try {
    token = evaluate(serviceToken, { pseudo, parameters, unresolved: 'keep' });
  } catch (e) {
    return { problem: `its ServiceToken cannot be read (${(e as Error).message}): its provider's state machine is unknown` };
  }
  if (typeof token !== 'string') {
    const what = token === undefined ? 'no ServiceToken' : `a ServiceToken this command cannot settle (${intrinsicName(token) ?? typeof token})`;
    return { problem: `${what}: its provider's state machine is unknown` };
  }
  const m = /^arn:([^:]+):lambda:([^:]+):(\d{12}):function:([^:]+)(?::[^:]+)?$/.exec(token);
  if (!m) return { problem: `its ServiceToken ${token} is not a Lambda function ARN: no arc-dynamodb provider state machine` };
  return { arn: `arn:${m[1]}:states:${m[2]}:${m[3]}:stateMachine:${m[4]}-load` };
}

/** Every Custom::ArcDynamoDbLoad of the template, with its state machine and execution-name prefix. */
export function loadTargets(resources: Resources, stack: Pick<Stack, 'StackId' | 'StackName' | 'Parameters'>): LoadTarget[] {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === LOAD_RESOURCE_TYPE)
    .map(([logicalId, r]) => {
      const machine = stateMachineFor(r.Properties?.ServiceToken, stack);
      return 'arn' in machine
        ? { logicalId, stateMachineArn: machine.arn, prefix: loadRunPrefix(String(stack.StackId), logicalId) }
        : { logicalId, problem: machine.problem };
    });
}

/** A Step Functions client for the machine's own region (the provider's, which may not be --region). */
export function sfnClientFor(stateMachineArn: string, endpoint: string | undefined, env: NodeJS.ProcessEnv): SFNClient {
  return new SFNClient({ region: stateMachineArn.split(':')[3], ...(endpoint ? { endpoint } : {}), ...credentialsFor(endpoint, env) });
}

/** What `send` needs: an SFNClient, or a test's stand-in. */
export interface SfnLike {
  send(command: unknown): Promise<unknown>;
}

/**
 * The machine's executions, page by page (ListExecutions, at most 1,000 a page, "sorted by time,
 * with the most recent execution first":
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html), until
 * a page holds an execution of every prefix in `wanted` (the newest of each is then listed: the
 * machine serves every stack of the account, and its history may be long) or the pages end.
 */
export async function listExecutions(sfn: SfnLike, stateMachineArn: string, pageSize = 1000, wanted: string[] = []): Promise<ExecutionListItem[]> {
  const all: ExecutionListItem[] = [];
  const missing = new Set(wanted);
  let nextToken: string | undefined;
  do {
    const page = (await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: pageSize, nextToken }))) as {
      executions?: ExecutionListItem[];
      nextToken?: string;
    };
    all.push(...(page.executions ?? []));
    for (const e of page.executions ?? []) for (const p of missing) if (e.name?.startsWith(p)) missing.delete(p);
    nextToken = page.nextToken;
  } while (nextToken && (wanted.length === 0 || missing.size > 0));
  return all;
}

const time = (d: Date | undefined) => (d instanceof Date ? d.getTime() : Number.NEGATIVE_INFINITY);

/**
 * The newest start among the executions named with `prefix`. AWS lists newest first, but the
 * listing is eventually consistent and comes in pages: the start date decides, not the order.
 */
export function newestExecution(executions: ExecutionListItem[], prefix: string): ExecutionListItem | undefined {
  let best: ExecutionListItem | undefined;
  for (const e of executions) if (e.name?.startsWith(prefix) && (best === undefined || time(e.startDate) > time(best.startDate))) best = e;
  return best;
}

/**
 * The Map Run that answers for the execution now: the newest start. A redrive of the execution
 * (it keeps its ARN) normally redrives its existing Map Run, whose DescribeMapRun then "also
 * returns information about the redrives of that Map Run" (redriveCount, redriveDate); but "a new
 * Map Run is started and the existing Map Run isn't redriven" when it failed with
 * States.DataLimitExceeded or a States.Runtime interpolation error, so ListMapRuns may then list
 * two ("Redriving Map Runs", https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html).
 * What the counts of a redriven Map Run cover, as AWS documents it: the redrive re-runs only the
 * child executions that failed, timed out or were aborted, and reuses their ARNs (ibid., "Child
 * workflow execution redrive behavior"), so the succeeded ones stay counted as succeeded; the count
 * of failed items "is reset to 0" when the Map Run is redriven ("Viewing Map Runs", Item processing
 * status, https://docs.aws.amazon.com/step-functions/latest/dg/concepts-examine-map-run.html).
 */
export function newestMapRun(mapRuns: MapRunListItem[]): MapRunListItem | undefined {
  let best: MapRunListItem | undefined;
  for (const r of mapRuns) if (best === undefined || time(r.startDate) > time(best.startDate)) best = r;
  return best;
}

export interface BatchCounts {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  /** Not started yet: `pending`, plus `pendingRedrive` (unsuccessful items waiting to be redriven). */
  pending: number;
  timedOut: number;
  aborted: number;
}

export function batchCounts(c: Partial<MapRunItemCounts>): BatchCounts {
  return {
    total: c.total ?? 0,
    succeeded: c.succeeded ?? 0,
    failed: c.failed ?? 0,
    running: c.running ?? 0,
    pending: (c.pending ?? 0) + (c.pendingRedrive ?? 0),
    timedOut: c.timedOut ?? 0,
    aborted: c.aborted ?? 0,
  };
}

export interface LoadProgress {
  executionArn: string;
  name: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE (DescribeExecution). */
  status: string;
  startDate?: Date;
  redriveCount: number;
  redriveStatus?: string;
  error?: string;
  cause?: string;
  /** The newest Map Run's batch counts; undefined before the Map Run started. */
  batches?: BatchCounts;
}

/** One look: the execution (DescribeExecution), then its newest Map Run (ListMapRuns, DescribeMapRun). */
export async function readProgress(sfn: SfnLike, executionArn: string): Promise<LoadProgress> {
  const d = (await sfn.send(new DescribeExecutionCommand({ executionArn }))) as {
    name?: string;
    status?: string;
    startDate?: Date;
    redriveCount?: number;
    redriveStatus?: string;
    error?: string;
    cause?: string;
  };
  const runs: MapRunListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await sfn.send(new ListMapRunsCommand({ executionArn, nextToken }))) as { mapRuns?: MapRunListItem[]; nextToken?: string };
    runs.push(...(page.mapRuns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const run = newestMapRun(runs);
  const counts = run?.mapRunArn
    ? ((await sfn.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn }))) as { itemCounts?: MapRunItemCounts }).itemCounts
    : undefined;
  return {
    executionArn,
    name: d.name ?? executionArn.split(':').pop() ?? executionArn,
    status: String(d.status ?? 'UNKNOWN'),
    ...(d.startDate ? { startDate: d.startDate } : {}),
    redriveCount: d.redriveCount ?? 0,
    ...(d.redriveStatus ? { redriveStatus: d.redriveStatus } : {}),
    ...(d.error ? { error: d.error } : {}),
    ...(d.cause ? { cause: d.cause } : {}),
    ...(run ? { batches: batchCounts(counts ?? {}) } : {}),
  };
}

/** `RUNNING, 3/6 batches succeeded, 2 running, 1 pending, 0 failed, redriven 1 time`. */
export function progressText(p: LoadProgress): string {
  const parts = [printable(p.status, 40)];
  const b = p.batches;
  if (!b) parts.push('no batch started yet');
  else {
    parts.push(`${b.succeeded.toLocaleString('en-US')}/${count(b.total, 'batch', 'batches')} succeeded`);
    parts.push(`${b.running.toLocaleString('en-US')} running`, `${b.pending.toLocaleString('en-US')} pending`, `${b.failed.toLocaleString('en-US')} failed`);
    if (b.timedOut > 0) parts.push(`${b.timedOut.toLocaleString('en-US')} timed out`);
    if (b.aborted > 0) parts.push(`${b.aborted.toLocaleString('en-US')} aborted`);
  }
  if (p.redriveCount > 0) parts.push(`redriven ${count(p.redriveCount, 'time')}`);
  return parts.join(', ');
}

/** RUNNING and PENDING_REDRIVE are not ends: the execution goes on (DescribeExecution, status). */
export const isRunning = (status: string) => status === 'RUNNING' || status === 'PENDING_REDRIVE';

/**
 * Text Step Functions hands back as it was given (an execution's error and cause are whatever the
 * caller of StopExecution wrote, up to 32,768 characters: API reference, StopExecution), printed
 * without control characters (no escape sequence reaches the terminal) and cut to a line's length.
 */
export const printable = (s: string, max = 500): string => {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
};

/** What following the execution ends with: 0 once it SUCCEEDED, 1 once it FAILED, TIMED_OUT or ABORTED (with why); undefined while it runs. */
export function followVerdict(p: LoadProgress): { code: 0 } | { code: 1; lines: string[] } | undefined {
  if (isRunning(p.status)) return undefined;
  if (p.status === 'SUCCEEDED') return { code: 0 };
  const why = [p.error, p.cause]
    .filter((s): s is string => s !== undefined && s !== '')
    .map((s) => printable(s))
    .join(': ');
  const lines = [`its distributed load ${progressText(p)}${why ? `: ${why}` : ''}`];
  // Following stops at a failure once CloudFormation no longer waits for the load: the provider redrives no more.
  if (p.redriveStatus === 'REDRIVABLE')
    lines.push('CloudFormation no longer waits for it, so the provider redrives it no more; Step Functions could still redrive it (RedriveExecution).');
  return { code: 1, lines };
}

const errorName = (e: unknown) => {
  const err = e as { name?: string; Code?: string; code?: string };
  return err.name && err.name !== 'Error' ? err.name : (err.Code ?? err.code ?? 'Error');
};

/** A short note for a Step Functions call that failed: access denied, no such machine, or the error as it came. */
export function stepFunctionsNote(e: unknown, stateMachineArn: string): string {
  const name = errorName(e);
  if (name === 'AccessDeniedException' || name === 'AccessDenied')
    return 'cannot read Step Functions: access denied (needs states:ListExecutions, states:DescribeExecution, states:ListMapRuns, states:DescribeMapRun)';
  if (name === 'StateMachineDoesNotExist')
    return `no state machine ${stateMachineArn.split(':').pop()}: its provider runs no distributed loads (deployed without LoadBucketNames)`;
  return `cannot read Step Functions: ${name}: ${(e as Error).message ?? String(e)}`;
}

export interface FollowOptions {
  /** Time between looks (ms). */
  intervalMs: number;
  /** How to wait; tests pass one that does not. */
  sleep?: (ms: number) => Promise<void>;
  /** After every look. */
  onLook: (p: LoadProgress) => void;
  /**
   * Asked when the execution ended without success but can be redriven: whether CloudFormation
   * still waits for the load, so that the provider may yet redrive it (it does, a bounded number
   * of times, while CloudFormation waits: docs/load.md). While it does, following goes on.
   */
  stillWaited?: () => Promise<boolean>;
}

/**
 * Looks at the execution until it ends; the last look is the answer. A redrive keeps the ARN, so a
 * redriven execution is followed on: a failed one is followed on while CloudFormation still waits
 * for its load (`stillWaited`), for the provider redrives it then.
 */
export async function follow(sfn: SfnLike, executionArn: string, o: FollowOptions): Promise<LoadProgress> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (;;) {
    const p = await readProgress(sfn, executionArn);
    o.onLook(p);
    if (!isRunning(p.status)) {
      if (p.status === 'SUCCEEDED' || p.redriveStatus !== 'REDRIVABLE' || !o.stillWaited || !(await o.stillWaited())) return p;
    }
    await sleep(o.intervalMs);
  }
}

/**
 * Whether CloudFormation still waits for the load `logicalId`: the resource, or the WaitCondition
 * of its long operation (the one that depends on it: docs/indexes.md, "Operations longer than an
 * hour"), is in a *_IN_PROGRESS status (DescribeStackResource).
 */
export async function cloudFormationWaits(cfn: CloudFormationClient, stackId: string, resources: Resources, logicalId: string): Promise<boolean> {
  const waitConditions = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::CloudFormation::WaitCondition' && [r.DependsOn].flat().includes(logicalId))
    .map(([id]) => id);
  for (const id of [logicalId, ...waitConditions]) {
    try {
      const d = (await cfn.send(new DescribeStackResourceCommand({ StackName: stackId, LogicalResourceId: id }))).StackResourceDetail;
      if (d?.ResourceStatus?.endsWith('_IN_PROGRESS')) return true;
    } catch {
      // Not created (yet), or gone: CloudFormation does not wait for it.
    }
  }
  return false;
}
