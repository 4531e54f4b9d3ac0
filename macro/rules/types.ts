import { joinPath, type ArcError } from '../errors';
import type { TableModel } from '../model/types';

/** What a rule sees: the parsed model, the raw Properties (to ask whether a value was given), the stack's region. */
export interface RuleInput {
  model: TableModel;
  properties: Record<string, unknown>;
  region: string;
}

/** A named check of one DynamoDB or CloudFormation constraint that the JSON Schema cannot express. */
export type Rule = (input: RuleInput) => ArcError[];

/** Builds the errors of one rule for one table. */
export function reporter(model: TableModel) {
  const errors: ArcError[] = [];
  return {
    errors,
    error(path: string, message: string) {
      errors.push({ logicalId: model.logicalId, path, message });
    },
  };
}

/** Reports every key of a map keyed by index name (GsiAutoscalingRead, GsiContributorInsightsEnabled…) that names no GSI. */
export function keysNameIndexes(r: ReturnType<typeof reporter>, model: TableModel, setting: string, map: Record<string, unknown>): void {
  const names = model.globalSecondaryIndexes.map((g) => g.name);
  for (const key of Object.keys(map)) {
    if (!names.includes(key)) r.error(joinPath(setting, key), `names no global secondary index of this table (indexes: ${names.length ? names.join(', ') : 'none'})`);
  }
}
