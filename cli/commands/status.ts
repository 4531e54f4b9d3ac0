/**
 * `arc-dynamodb status --stack STACK [--region R] [--cloudformation-endpoint URL] [--stepfunctions-endpoint URL]`
 *
 * What the stack's arc-dynamodb operations are doing, from CloudFormation's own records: each
 * Custom::ArcDynamoDb* resource and each WaitCondition of a long operation (docs/indexes.md,
 * "Operations longer than an hour") with its status and reason. A WaitCondition still
 * CREATE_IN_PROGRESS means the provider is working on it in the background. Under each load, its
 * newest distributed load from Step Functions (cli/load-progress.ts): the execution's status, its
 * batches and redrives; a Step Functions that cannot be read is a note on that line, not a
 * failure. Exit codes: 0, 1 when the stack cannot be read, 2 usage error.
 */
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import type { ExecutionListItem, SFNClient } from '@aws-sdk/client-sfn';
import { parseArgs, UsageError, type OptionSpec } from '../args';
import { credentialsFor, regionOf } from '../aws';
import type { Command } from '../io';
import {
  listExecutions,
  loadTargets,
  newestExecution,
  progressText,
  readProgress,
  readStack,
  sfnClientFor,
  stepFunctionsNote,
  type LoadTarget,
} from '../load-progress';

const SPEC: Record<string, OptionSpec> = {
  stack: { value: true },
  region: { value: true },
  'cloudformation-endpoint': { value: true },
  'stepfunctions-endpoint': { value: true },
  help: {},
  h: {},
};

export const HELP = `usage: arc-dynamodb status --stack STACK [options]

Shows the arc-dynamodb resources of a stack (replicas, indexes, loads) and the WaitConditions of
their long operations, as CloudFormation records them. A WaitCondition in CREATE_IN_PROGRESS is
work the provider is still doing in the background.

  --stack STACK                     the stack's name or ID
  --region R                        AWS region (default: AWS_REGION, else us-east-1)
  --cloudformation-endpoint URL     CloudFormation endpoint
  --stepfunctions-endpoint URL      Step Functions endpoint (distributed loads)
  -h, --help                        show this help

Under each Custom::ArcDynamoDbLoad, its newest distributed load (Load.Distributed), from the
provider's Step Functions state machine: the execution's status, its batches (succeeded of the
total, running, pending, failed) and how often it was redriven. A load that never ran distributed
shows nothing more. Reading it needs states:ListExecutions, states:DescribeExecution,
states:ListMapRuns and states:DescribeMapRun; without them the line says so.
`;

export const run: Command = async (args, io) => {
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(args, SPEC);
    if (o.flags.has('help') || o.flags.has('h')) {
      io.stdout.write(HELP);
      return 0;
    }
    if (!o.options.stack) throw new UsageError('--stack is required');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`arc-dynamodb status: ${e.message}\nTry: npx arc-dynamodb status --help\n`);
    return 2;
  }
  const endpoint = o.options['cloudformation-endpoint']?.[0];
  const cfn = new CloudFormationClient({
    region: regionOf(o.options.region?.[0], io.env),
    ...(endpoint ? { endpoint } : {}),
    ...credentialsFor(endpoint, io.env),
  });
  const sfnEndpoint = o.options['stepfunctions-endpoint']?.[0];
  const clients = new Map<string, SFNClient>();
  try {
    const { stack, resources } = await readStack(cfn, o.options.stack[0]);
    const targets = new Map(loadTargets(resources, stack).map((t) => [t.logicalId, t]));
    // One listing per state machine, however many loads of the stack share it.
    const listings = new Map<string, Promise<ExecutionListItem[]>>();
    const distributed = async (t: LoadTarget): Promise<string | undefined> => {
      if ('problem' in t) return `distributed load: ${t.problem}`;
      try {
        const region = t.stateMachineArn.split(':')[3];
        const sfn = clients.get(region) ?? sfnClientFor(t.stateMachineArn, sfnEndpoint, io.env);
        clients.set(region, sfn);
        let listing = listings.get(t.stateMachineArn);
        if (!listing) {
          const arn = t.stateMachineArn;
          const prefixes = [...targets.values()].flatMap((x) => ('prefix' in x && x.stateMachineArn === arn ? [x.prefix] : []));
          listing = listExecutions(sfn, arn, 1000, prefixes);
          listings.set(t.stateMachineArn, listing);
        }
        const newest = newestExecution(await listing, t.prefix);
        if (!newest?.executionArn) return undefined;
        const p = await readProgress(sfn, newest.executionArn);
        return `distributed load ${p.name}${p.startDate ? ` (started ${p.startDate.toISOString()})` : ''}: ${progressText(p)}`;
      } catch (e) {
        return `distributed load: ${stepFunctionsNote(e, t.stateMachineArn)}`;
      }
    };
    const ours = Object.entries(resources).filter(([, r]) => r.Type?.startsWith('Custom::ArcDynamoDb') || r.Type === 'AWS::CloudFormation::WaitCondition');
    const lines = [`${stack.StackName}: ${stack.StackStatus}`];
    for (const [id, r] of ours) {
      let status = 'not created';
      let reason = '';
      try {
        const d = (await cfn.send(new DescribeStackResourceCommand({ StackName: stack.StackId, LogicalResourceId: id }))).StackResourceDetail;
        status = d?.ResourceStatus ?? 'unknown';
        reason = d?.ResourceStatusReason ?? '';
      } catch {
        // not created (yet): DescribeStackResource answers ValidationError
      }
      const of = r.Type === 'AWS::CloudFormation::WaitCondition' ? ` (waits for ${[r.DependsOn].flat().join(', ')})` : '';
      const working =
        r.Type === 'AWS::CloudFormation::WaitCondition' && status === 'CREATE_IN_PROGRESS' ? ': the provider is working on it in the background' : '';
      lines.push(`  ${id} ${r.Type}${of}: ${status}${working}${reason ? ` - ${reason}` : ''}`);
      const target = targets.get(id);
      const progress = target ? await distributed(target) : undefined;
      if (progress) lines.push(`    ${progress}`);
    }
    if (ours.length === 0) lines.push('  no arc-dynamodb resources');
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (e) {
    io.stderr.write(`arc-dynamodb status: ${(e as Error).message}\n`);
    return 1;
  } finally {
    cfn.destroy();
    for (const c of clients.values()) c.destroy();
  }
};
