import type { ArcError } from '../errors';
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
