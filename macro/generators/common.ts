/** Small helpers shared by the generators: intrinsic builders and resource attributes every child gets. */
import type { TableModel } from '../model/types';
import type { CfnResource } from './types';

export const ref = (logicalId: string) => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string) => ({ 'Fn::GetAtt': [logicalId, attribute] });
export const sub = (template: string) => ({ 'Fn::Sub': template });

/** `Condition` passes on to every generated resource and output (issue 2). */
export function childAttributes(table: TableModel): Pick<CfnResource, 'Condition'> {
  return table.condition !== undefined ? { Condition: table.condition } : {};
}
