/** Small helpers shared by the generators: intrinsic builders and resource attributes every child gets. */
import { OWNER_TAG_KEY } from '../../contract/resources';
import type { Passthrough, TableModel } from '../model/types';
import { ids } from '../naming';
import type { CfnResource } from './types';

export const ref = (logicalId: string) => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string) => ({ 'Fn::GetAtt': [logicalId, attribute] });
export const sub = (template: string) => ({ 'Fn::Sub': template });

/**
 * With GlobalSecondaryIndexManagement PROVIDER, everything that names an index (its scaling,
 * alarms, the dashboard) and everything that must find the indexes in place (replicas, Load)
 * depends on the Custom::ArcDynamoDbIndexes resource.
 */
export function indexesDependency(table: TableModel): string[] {
  return table.indexManagement === 'PROVIDER' ? [ids.indexes(table.logicalId)] : [];
}

/** `Condition` passes on to every generated resource and output (issue 2). */
export function childAttributes(table: TableModel): Pick<CfnResource, 'Condition'> {
  return table.condition !== undefined ? { Condition: table.condition } : {};
}

/**
 * The table's tags as CloudFormation writes them: the user's, in order, then the ownership tag.
 * CloudFormation does not tag tables with their stack (cloudformation-coverage-roadmap#1360), so
 * this tag is what lets the provider refuse to change another stack's table. Replicas get the same.
 */
export function ownedTags(table: TableModel): { Key: string; Value: Passthrough<string> }[] {
  return [...table.tags.map((tag) => ({ Key: tag.key, Value: tag.value })), { Key: OWNER_TAG_KEY, Value: { Ref: 'AWS::StackId' } }];
}
