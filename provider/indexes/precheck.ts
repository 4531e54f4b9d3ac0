/**
 * `Custom::ArcDynamoDbIndexesPrecheck`: runs before the table in every deploy that has it (the
 * table depends on it) and refuses, before CloudFormation touches the table, the one update that
 * would lose indexes: turning GlobalSecondaryIndexManagement PROVIDER on for an existing table
 * whose indexes are still on the AWS::DynamoDB::Table. The indexes then leave the table's
 * template, and CloudFormation's Table handler deletes indexes that leave it (AWS::DynamoDB::Table,
 * GlobalSecondaryIndexes: an index removed from the template is deleted).
 *
 * It changes nothing, so it names no table for the ownership check: it finds the stack's own
 * table through CloudFormation (DescribeStackResource: it must be an AWS::DynamoDB::Table of the
 * stack) and only reads it; it names the table's indexes only when the table carries this stack's
 * owner tag, so it tells no stack anything about another's table.
 * - Create: no table in the stack yet (a new stack, or a new table): nothing to lose. A table with
 *   no index: nothing to lose. A table tagged arc-dynamodb:indexes=provider (made with PROVIDER, or
 *   handed over after an import, docs/indexes.md): its indexes are the provider's already.
 *   Anything else is refused, naming the indexes CloudFormation would delete.
 * - Update from PAY_PER_REQUEST to PROVISIONED of a table with indexes: refused (DynamoDB needs
 *   every index's capacity in the switching UpdateTable, which the Table resource cannot send).
 * - Any other Update, Delete: nothing to check (the table's mode did not change in this deploy,
 *   or PROVIDER is being turned off, for which docs/indexes.md gives the steps).
 */
import { INDEXES_MANAGED_BY_PROVIDER, INDEXES_PRECHECK_RESOURCE_TYPE, INDEXES_TAG_KEY, OWNER_TAG_KEY } from '../../contract/resources';
import { awsErrorName, describeTable } from '../aws';
import { listTags } from '../guard/ownership';
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
  const switchingToProvisioned = req.requestType === 'Update' && p.BillingMode === 'PROVISIONED' && req.oldProperties?.BillingMode === 'PAY_PER_REQUEST';
  if (req.requestType !== 'Create' && !switchingToProvisioned) return ok(`${req.requestType}: nothing to check`);
  if (!req.stack) return { status: 'failed', reason: "The indexes precheck needs CloudFormation to say which table is the stack's; nothing was changed." };
  const resource = await req.stack.resource(p.TableLogicalId);
  if (resource === undefined) return ok('the stack has no table under this logical ID yet');
  // Only the stack's own table is ever described, and only its index names are ever reported:
  // TableLogicalId could name any resource whose physical ID someone chose to be another table's name.
  if (resource.type !== 'AWS::DynamoDB::Table') return refuseBlind(p, `${p.TableLogicalId} is a ${resource.type.slice(0, 80)}, not an AWS::DynamoDB::Table`);
  const tableName = resource.physicalId;
  const ddb = req.clients.dynamodb();
  const table = await describeTable(ddb, tableName);
  if (!table) return ok('the table does not exist');
  const indexes = (table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName ?? '').filter((n) => n);
  const tags = await listTags(ddb, table?.TableArn ?? '');
  if (tags[OWNER_TAG_KEY] !== req.stackId) return refuseBlind(p, `the table is not tagged as this stack's (${OWNER_TAG_KEY})`);
  if (indexes.length === 0) return ok('the table has no global secondary index');
  if (switchingToProvisioned && table?.BillingModeSummary?.BillingMode !== 'PROVISIONED') {
    // "When switching from pay-per-request to provisioned capacity, initial provisioned capacity
    // values must be set" (UpdateTable API reference, BillingMode), for every index too
    // ("ProvisionedThroughput must be specified for index: ...", crossplane-contrib/provider-upjet-aws#1041);
    // CloudFormation's table update carries no index, so it would fail half-way.
    return {
      status: 'failed',
      reason:
        `Refused before the table was touched: ${p.TableLogicalId} (${tableName}) cannot switch from PAY_PER_REQUEST to PROVISIONED in a ` +
        `deploy while the provider manages its indexes (${indexes.join(', ')}): DynamoDB needs each index's capacity in the same UpdateTable, ` +
        'which CloudFormation\'s table update cannot carry. Nothing was changed. See docs/indexes.md, "Limits", for the way to switch.',
    };
  }
  if (req.requestType !== 'Create') return ok('the billing switch has no index to carry');
  if (tags[INDEXES_TAG_KEY] === INDEXES_MANAGED_BY_PROVIDER) return ok("the table's indexes are the provider's");
  return {
    status: 'failed',
    reason:
      `Refused before the table was touched: ${p.TableLogicalId} (${tableName}) has ${indexes.length} global secondary ` +
      `${indexes.length === 1 ? 'index' : 'indexes'} (${indexes.join(', ')}) on its AWS::DynamoDB::Table. With GlobalSecondaryIndexManagement ` +
      "PROVIDER they leave the table's template, and CloudFormation would delete them. Nothing was changed. To switch without losing an " +
      'index, follow docs/indexes.md "Switching an existing table" (retain the table, remove it from the stack, import it back, ' +
      'then npx arc-dynamodb indexes handover).',
  };
}

/** A refusal that says nothing about any table's indexes (see `check`). */
function refuseBlind(p: PrecheckProps, why: string): HandlerResult {
  return {
    status: 'failed',
    reason:
      `Refused before the table was touched: ${why}, so the precheck for ${p.TableLogicalId} cannot vouch that no index would be lost. ` +
      'Nothing was changed.',
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
      // The error's name only: AWS messages can name roles and resources the stack has no business seeing.
      req.log.warn('indexes precheck could not read the table', { error: (e as Error).message });
      return { status: 'failed', reason: `Could not check the table's indexes (${awsErrorName(e) || 'Error'}). Nothing was changed.` };
    }
  },
};
