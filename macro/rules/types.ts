import { joinPath, type ArcError, type FailedPaths } from '../errors';
import type { TableModel } from '../model/types';
import { isIntrinsic, isObject } from '../model/values';
import { ruleMeta, type RuleMeta, type RuleName } from './catalog';

/**
 * What a rule sees: the parsed model, the raw Properties (without the values the schema rejected,
 * to ask whether a value was given), the stack's region, the template parameter values, and the
 * paths where errors were already reported. A rule stays silent on what only echoes one of those:
 * an error at the same path or under a failed one is dropped for it (rules/index.ts), and a rule
 * that reasons from another property first asks `failed` whether that property parsed.
 */
export interface RuleInput {
  model: TableModel;
  properties: Record<string, unknown>;
  region: string;
  params?: Record<string, unknown>;
  failed: FailedPaths;
}

export interface Reporter {
  readonly errors: ArcError[];
  error(path: string, message: string): void;
}

/** One DynamoDB or CloudFormation constraint that the JSON Schema cannot express, checked on one table. */
export type Check = (input: RuleInput, r: Reporter) => void;

export interface Rule {
  readonly meta: RuleMeta;
  readonly check: Check;
}

/** Binds a check to its rule ID (its description and source are in catalog-docs.ts). */
export function rule(name: RuleName, check: Check): Rule {
  return { meta: ruleMeta(name), check };
}

/** Builds the errors of one rule for one table, each carrying the rule's ID. */
export function reporter(model: TableModel, id: string): Reporter {
  const errors: ArcError[] = [];
  return {
    errors,
    error(path: string, message: string) {
      errors.push({ rule: id, logicalId: model.logicalId, path, message });
    },
  };
}

type Raw = Record<string, unknown>;

/** The position of a parsed attribute, index or replica in the template's list (the parser records it). */
export function at<T extends { index?: number }>(item: T, list: readonly T[]): number {
  return item.index ?? list.indexOf(item);
}

/** A raw list of objects (items the schema rejected read as {}), or [] when it is no list. */
export function rawItems(v: unknown): Raw[] {
  return Array.isArray(v) ? v.map((x) => (isObject(x) ? x : {})) : [];
}

/** The names of the table's GSIs, and whether that list is complete (no GSI whose name failed to parse). */
export function gsiNames({ model, properties, failed }: RuleInput): { names: string[]; complete: boolean } {
  const raws = rawItems(properties.GlobalSecondaryIndexes);
  const names = model.globalSecondaryIndexes.map((g) => g.name);
  let complete = !failed.at('GlobalSecondaryIndexes');
  raws.forEach((raw, i) => {
    if (model.globalSecondaryIndexes.some((g) => at(g, model.globalSecondaryIndexes) === i)) return;
    // A GSI left out for another reason (its HashKey failed) still has its literal name.
    if (typeof raw.Name === 'string' && !failed.at(joinPath('GlobalSecondaryIndexes', i, 'Name'))) names.push(raw.Name);
    else complete = false;
  });
  return { names, complete };
}

/** Reports every key of a map keyed by index name (GsiAutoscalingRead, GsiContributorInsightsEnabled…) that names no GSI. */
export function keysNameIndexes(input: RuleInput, r: Reporter, setting: string, map: Record<string, unknown>): void {
  const { names, complete } = gsiNames(input);
  if (!complete) return; // the key may name the GSI that did not parse
  for (const key of Object.keys(map)) {
    if (!names.includes(key))
      r.error(joinPath(setting, key), `names no global secondary index of this table (indexes: ${names.length ? names.join(', ') : 'none'})`);
  }
}

/** The literal value of a raw boolean ("true", "False"...), undefined for an intrinsic or nothing. */
export { booleanString as literalBoolean } from '../model/values';

/** True when a template parameter (not a literal) decides this raw value. */
export const byParameter = (raw: unknown): boolean => isIntrinsic(raw);
