/**
 * `Custom::ArcDynamoDbIndexesPrecheck`: runs before the table in every deploy that has it (the
 * table depends on it) and refuses, before CloudFormation touches the table, the one update that
 * would lose indexes: turning GlobalSecondaryIndexManagement PROVIDER on for an existing table
 * whose indexes are still on the AWS::DynamoDB::Table. The indexes then leave the table's
 * template, and CloudFormation's Table handler deletes indexes that leave it (AWS::DynamoDB::Table,
 * GlobalSecondaryIndexes: an index removed from the template is deleted).
 *
 * It changes nothing, so it names no table for the ownership check: it finds the stack's own
 * table through CloudFormation (DescribeStackResource) and only reads it.
 * - Create: no table in the stack yet (a new stack, or a new table): nothing to lose. A table with
 *   no index: nothing to lose. A table tagged arc-dynamodb:indexes=provider (made with PROVIDER, or
 *   handed over after an import, docs/indexes.md): its indexes are the provider's already.
 *   Anything else is refused, naming the indexes CloudFormation would delete.
 * - Update, Delete: nothing to check (the table's mode did not change in this deploy, or PROVIDER
 *   is being turned off, for which docs/indexes.md gives the steps).
 */
import { DescribeTableCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { INDEXES_MANAGED_BY_PROVIDER, INDEXES_PRECHECK_RESOURCE_TYPE, INDEXES_TAG_KEY } from '../../contract/resources';
import { awsErrorName } from '../aws';
import type { HandlerRequest, HandlerResult, ResourceHandler } from '../types';
import { parsePrecheckProps, type PrecheckProps } from './props';

export const precheckId = (p: PrecheckProps) => `arc-dynamodb:indexes-precheck:${p.TableLogicalId}`;

async function check(req: HandlerRequest<PrecheckProps>): Promise<HandlerResult> {
  const p = req.properties;
  const physicalResourceId = precheckId(p);
  const ok = (why: string): HandlerResult => {
    req.log.info('indexes precheck passed', { table: p.TableLogicalId, why });
    return { status: 'done', physicalResourceId };
  };
  if (req.requestType !== 'Create') return ok(`${req.requestType}: nothing to check`);
  if (!req.stack) return { status: 'failed', reason: "The indexes precheck needs CloudFormation to say which table is the stack's; nothing was changed." };
  const tableName = await req.stack.physicalIdOf(p.TableLogicalId);
  if (tableName === undefined) return ok('the stack has no table under this logical ID yet');
  const ddb = req.clients.dynamodb();
  let table;
  try {
    table = (await ddb.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return ok('the table does not exist');
    throw e;
  }
  const indexes = (table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName ?? '').filter((n) => n);
  if (indexes.length === 0) return ok('the table has no global secondary index');
  const tags = (await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: table?.TableArn }))).Tags ?? [];
  if (tags.some((t) => t.Key === INDEXES_TAG_KEY && t.Value === INDEXES_MANAGED_BY_PROVIDER)) return ok("the table's indexes are the provider's");
  return {
    status: 'failed',
    reason:
      `Refused before the table was touched: ${p.TableLogicalId} (${tableName}) has ${indexes.length} global secondary ` +
      `${indexes.length === 1 ? 'index' : 'indexes'} (${indexes.join(', ')}) on its AWS::DynamoDB::Table. With GlobalSecondaryIndexManagement ` +
      "PROVIDER they leave the table's template, and CloudFormation would delete them. Nothing was changed. To switch without losing an " +
      'index, follow docs/indexes.md "Switching an existing table" (retain, import, npx arc-dynamodb indexes handover).',
  };
}

export const indexesPrecheckHandler: ResourceHandler<PrecheckProps> = {
  resourceType: INDEXES_PRECHECK_RESOURCE_TYPE,
  parseProperties: parsePrecheckProps,
  tableName: () => undefined,
  handle: async (req) => {
    try {
      return await check(req);
    } catch (e) {
      return { status: 'failed', reason: `Could not check the table's indexes: ${awsErrorName(e) || 'Error'}: ${(e as Error).message}. Nothing was changed.` };
    }
  },
};
