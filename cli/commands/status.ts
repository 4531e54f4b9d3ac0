/**
 * `arc-dynamodb status --stack STACK [--region R] [--cloudformation-endpoint URL]`
 *
 * What the stack's arc-dynamodb operations are doing, from CloudFormation's own records: each
 * Custom::ArcDynamoDb* resource and each WaitCondition of a long operation (docs/indexes.md,
 * "Operations longer than an hour") with its status and reason. A WaitCondition still
 * CREATE_IN_PROGRESS means the provider is working on it in the background. Exit codes: 0, 1 when
 * the stack cannot be read, 2 usage error.
 */
import { CloudFormationClient, DescribeStackResourceCommand, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { parseArgs, UsageError, type OptionSpec } from '../args';
import { credentialsFor, regionOf } from '../aws';
import type { Command } from '../io';

const SPEC: Record<string, OptionSpec> = { stack: { value: true }, region: { value: true }, 'cloudformation-endpoint': { value: true }, help: {}, h: {} };

export const HELP = `usage: arc-dynamodb status --stack STACK [options]

Shows the arc-dynamodb resources of a stack (replicas, indexes, loads) and the WaitConditions of
their long operations, as CloudFormation records them. A WaitCondition in CREATE_IN_PROGRESS is
work the provider is still doing in the background.

  --stack STACK                     the stack's name or ID
  --region R                        AWS region (default: AWS_REGION, else us-east-1)
  --cloudformation-endpoint URL     CloudFormation endpoint
  -h, --help                        show this help
`;

type Resources = Record<string, { Type?: string; DependsOn?: string | string[] }>;

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
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: o.options.stack[0] }))).Stacks?.[0];
    if (!stack?.StackId) throw new Error(`stack ${o.options.stack[0]} does not exist`);
    const body = (await cfn.send(new GetTemplateCommand({ StackName: stack.StackId, TemplateStage: 'Processed' }))).TemplateBody ?? '{}';
    const resources = (JSON.parse(body) as { Resources?: Resources }).Resources ?? {};
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
    }
    if (ours.length === 0) lines.push('  no arc-dynamodb resources');
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (e) {
    io.stderr.write(`arc-dynamodb status: ${(e as Error).message}\n`);
    return 1;
  }
};
