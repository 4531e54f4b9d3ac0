/**
 * `arc-dynamodb indexes handover --stack STACK --table LOGICAL_ID [--region R] [--endpoint URL]
 *  [--cloudformation-endpoint URL]`
 *
 * Step 4 of switching an existing table from inline indexes to GlobalSecondaryIndexManagement
 * PROVIDER (docs/indexes.md, "Switching an existing table"). It checks each earlier step on the
 * account before it writes anything, and then only tags the table `arc-dynamodb:indexes=provider`,
 * which the precheck needs to let the switch through:
 * 1. the stack exists and no operation is running on it (its status ends in _COMPLETE);
 * 2. the logical ID is an AWS::DynamoDB::Table of the stack (DescribeStackResource);
 * 3. the stack's template (GetTemplate, Processed) has no inline GlobalSecondaryIndexes for it:
 *    the table was imported with the PROVIDER template, so no later update deletes an index
 *    (CloudFormation compares templates, and deletes indexes that leave one);
 * 4. the table carries this stack's owner tag (arc-dynamodb:owner-stack-id).
 * It lists the live indexes the next deploy will adopt (or re-create, when their definition
 * differs from the declared one). Exit codes: 0 handed over, 1 a step is not done, 2 usage error.
 */
import { CloudFormationClient, DescribeStackResourceCommand, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ListTagsOfResourceCommand, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { INDEXES_MANAGED_BY_PROVIDER, INDEXES_TAG_KEY, OWNER_TAG_KEY } from '../../contract/resources';
import { parseArgs, UsageError, type OptionSpec } from '../args';
import { credentialsFor, regionOf } from '../aws';
import type { Command } from '../io';

const SPEC: Record<string, OptionSpec> = {
  stack: { value: true },
  table: { value: true },
  region: { value: true },
  endpoint: { value: true },
  'cloudformation-endpoint': { value: true },
  help: {},
  h: {},
};

export const HELP = `usage: arc-dynamodb indexes handover --stack STACK --table LOGICAL_ID [options]

Hands a table's indexes over to GlobalSecondaryIndexManagement PROVIDER, after the table was
retained, removed from the stack and imported back with the PROVIDER template (docs/indexes.md,
"Switching an existing table"). Checks each of those steps, then tags the table
${INDEXES_TAG_KEY}=${INDEXES_MANAGED_BY_PROVIDER}. Changes nothing else.

  --stack STACK                     the stack's name or ID
  --table LOGICAL_ID                the table's logical ID in the stack
  --region R                        AWS region (default: AWS_REGION, else us-east-1)
  --endpoint URL                    DynamoDB endpoint
  --cloudformation-endpoint URL     CloudFormation endpoint
  -h, --help                        show this help

exit codes: 0 handed over, 1 a step is not done (nothing was changed), 2 usage error
`;

/** A step that is not done: the message says which and what to do; nothing was changed. */
class NotReady extends Error {}

export const run: Command = async (args, io) => {
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(args, SPEC);
    if (o.flags.has('help') || o.flags.has('h')) {
      io.stdout.write(HELP);
      return 0;
    }
    if (o.positionals[0] !== 'handover') throw new UsageError(`unknown subcommand '${o.positionals[0] ?? ''}'; the only one is 'handover'`);
    if (!o.options.stack || !o.options.table) throw new UsageError('--stack and --table are required');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`arc-dynamodb indexes: ${e.message}\nTry: npx arc-dynamodb indexes --help\n`);
    return 2;
  }
  const region = regionOf(o.options.region?.[0], io.env);
  const ddbEndpoint = o.options.endpoint?.[0];
  const cfnEndpoint = o.options['cloudformation-endpoint']?.[0];
  const cfn = new CloudFormationClient({ region, ...(cfnEndpoint ? { endpoint: cfnEndpoint } : {}), ...credentialsFor(cfnEndpoint, io.env) });
  const ddb = new DynamoDBClient({ region, ...(ddbEndpoint ? { endpoint: ddbEndpoint } : {}), ...credentialsFor(ddbEndpoint, io.env) });
  const stackName = o.options.stack[0];
  const logicalId = o.options.table[0];
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    if (!stack?.StackId) throw new NotReady(`stack ${stackName} does not exist`);
    const status = stack.StackStatus ?? '';
    // Stable and usable: *_COMPLETE, except a stack whose creation rolled back or that is deleted.
    if (!status.endsWith('_COMPLETE') || status === 'ROLLBACK_COMPLETE' || status.startsWith('DELETE'))
      throw new NotReady(`stack ${stackName} is ${status}; run this when the import has completed (IMPORT_COMPLETE)`);
    const detail = (await cfn.send(new DescribeStackResourceCommand({ StackName: stack.StackId, LogicalResourceId: logicalId }))).StackResourceDetail;
    if (detail?.ResourceType !== 'AWS::DynamoDB::Table' || !detail.PhysicalResourceId)
      throw new NotReady(`${logicalId} is not an AWS::DynamoDB::Table of stack ${stackName}; import the table first (step 3)`);
    const body = (await cfn.send(new GetTemplateCommand({ StackName: stack.StackId, TemplateStage: 'Processed' }))).TemplateBody ?? '{}';
    const resource = (JSON.parse(body) as { Resources?: Record<string, { Properties?: { GlobalSecondaryIndexes?: unknown[] } }> }).Resources?.[logicalId];
    const inline = resource?.Properties?.GlobalSecondaryIndexes ?? [];
    if (inline.length > 0)
      throw new NotReady(
        `the stack's template still has ${inline.length} inline ${inline.length === 1 ? 'index' : 'indexes'} on ${logicalId}: an update ` +
          'with PROVIDER would make CloudFormation delete them. Retain the table, remove it from the stack, and import it back with the ' +
          'PROVIDER template (steps 1 to 3) first',
      );
    const tableName = detail.PhysicalResourceId;
    const table = (await ddb.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    const tags = (await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: table?.TableArn }))).Tags ?? [];
    const owner = tags.find((t) => t.Key === OWNER_TAG_KEY)?.Value;
    if (owner !== stack.StackId)
      throw new NotReady(`table ${tableName} is not tagged ${OWNER_TAG_KEY}=${stack.StackId} (it has ${owner ?? 'no such tag'}); import it into this stack`);
    await ddb.send(new TagResourceCommand({ ResourceArn: table?.TableArn, Tags: [{ Key: INDEXES_TAG_KEY, Value: INDEXES_MANAGED_BY_PROVIDER }] }));
    const names = (table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).join(', ') || 'none';
    io.stdout.write(
      `Handed over ${logicalId} (${tableName}): tagged ${INDEXES_TAG_KEY}=${INDEXES_MANAGED_BY_PROVIDER}.\n` +
        `Its indexes now: ${names}. The next deploy adopts each one declared with the same definition.\n` +
        `Next: deploy the full template with GlobalSecondaryIndexManagement: PROVIDER.\n`,
    );
    return 0;
  } catch (e) {
    const why = e instanceof NotReady ? e.message : `${(e as { name?: string }).name ?? 'Error'}: ${(e as Error).message}`;
    io.stderr.write(`arc-dynamodb indexes handover: ${why}. Nothing was changed.\n`);
    return 1;
  }
};
