/**
 * Secondary-index limits, from the DynamoDB developer guide ("Service, account, and table quotas":
 * 20 GSIs per table by default, 5 LSIs, 100 projected non-key attributes summed over all indexes;
 * "Naming rules": index names are 3-255 characters of a-z, A-Z, 0-9, _ - .) and the API
 * reference (Projection: NonKeyAttributes holds 1-20 names, for INCLUDE only).
 */
import { joinPath } from '../errors';
import type { GsiModel, LsiModel } from '../model/types';
import { isIntrinsic } from '../model/values';
import { safeName } from '../naming';
import { at, rawItems, type Check, type RuleInput } from './types';

export const MAX_GSI_COUNT = 20;
export const MAX_LSI_COUNT = 5;
export const MAX_NON_KEY_ATTRIBUTES = 100;
export const MAX_NON_KEY_ATTRIBUTES_PER_INDEX = 20;
export const NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,255}$/;

type IndexList = 'GlobalSecondaryIndexes' | 'LocalSecondaryIndexes';
const LISTS: readonly IndexList[] = ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'];
const parsed = ({ model }: RuleInput, list: IndexList): (GsiModel | LsiModel)[] =>
  list === 'GlobalSecondaryIndexes' ? model.globalSecondaryIndexes : model.localSecondaryIndexes;

export const indexCountLimits: Check = ({ properties: p }, r) => {
  // Counted as given: an index that did not parse still counts against the quota.
  const g = rawItems(p.GlobalSecondaryIndexes).length;
  const l = rawItems(p.LocalSecondaryIndexes).length;
  if (g > MAX_GSI_COUNT) r.error('GlobalSecondaryIndexes', `has ${g} indexes; DynamoDB allows at most ${MAX_GSI_COUNT} global secondary indexes per table`);
  if (l > MAX_LSI_COUNT) r.error('LocalSecondaryIndexes', `has ${l} indexes; DynamoDB allows at most ${MAX_LSI_COUNT} local secondary indexes per table`);
};

const indexNames = (input: RuleInput) =>
  LISTS.flatMap((list) => parsed(input, list).map((x) => ({ name: x.name, path: joinPath(list, at(x, parsed(input, list)), 'Name') })));

export const indexNamesAreValid: Check = (input, r) => {
  for (const { name, path } of indexNames(input)) {
    if (!NAME_PATTERN.test(name)) r.error(path, `'${name}' is not a valid index name: 3-255 characters of a-z, A-Z, 0-9, _ - .`);
  }
};

export const indexNamesAreUnique: Check = (input, r) => {
  const seen = new Set<string>();
  for (const { name, path } of indexNames(input)) {
    if (!NAME_PATTERN.test(name)) continue; // reported as invalid
    if (seen.has(name)) r.error(path, `'${name}' is already the name of another index of this table`);
    seen.add(name);
  }
};

export const lsiNeedsTableRangeKey: Check = ({ model, failed }, r) => {
  if (failed.at('RangeKey')) return;
  if (model.localSecondaryIndexes.length > 0 && model.rangeKey === undefined) {
    r.error('LocalSecondaryIndexes', "need a table RangeKey: a local secondary index shares the table's partition key and sorts by another attribute");
  }
};

/** INCLUDE projects the listed NonKeyAttributes (at least one); ALL and KEYS_ONLY take none, and an empty list says just that. */
export const projectionMatchesNonKeyAttributes: Check = (input, r) => {
  const { properties, failed } = input;
  for (const list of LISTS) {
    const raws = rawItems(properties[list]);
    for (const x of parsed(input, list)) {
      const path = joinPath(list, at(x, parsed(input, list)), 'NonKeyAttributes');
      if (failed.at(joinPath(list, at(x, parsed(input, list)), 'ProjectionType')) || failed.touching(path)) continue;
      const given = raws[at(x, parsed(input, list))]?.NonKeyAttributes;
      const count = Array.isArray(given) ? given.length : 0;
      const type = x.projection.type;
      if (type === 'INCLUDE' && given === undefined) r.error(path, 'is required when ProjectionType is INCLUDE');
      else if (type === 'INCLUDE' && count === 0) r.error(path, 'must list at least one attribute when ProjectionType is INCLUDE');
      const fromParameter = isIntrinsic(raws[at(x, parsed(input, list))]?.ProjectionType);
      if (type !== 'INCLUDE' && count > 0 && !fromParameter) r.error(path, `is only allowed when ProjectionType is INCLUDE; this index projects ${type}`);
    }
  }
};

export const nonKeyAttributesPerIndex: Check = (input, r) => {
  for (const list of LISTS) {
    for (const x of parsed(input, list)) {
      const n = x.projection.nonKeyAttributes?.length ?? 0;
      if (n > MAX_NON_KEY_ATTRIBUTES_PER_INDEX) {
        r.error(
          joinPath(list, at(x, parsed(input, list)), 'NonKeyAttributes'),
          `lists ${n} attributes; DynamoDB projects at most ${MAX_NON_KEY_ATTRIBUTES_PER_INDEX} NonKeyAttributes per index`,
        );
      }
    }
  }
};

export const nonKeyAttributesAreUnique: Check = (input, r) => {
  for (const list of LISTS) {
    for (const x of parsed(input, list)) {
      const seen = new Set<string>();
      (x.projection.nonKeyAttributes ?? []).forEach((name, j) => {
        if (seen.has(name))
          r.error(
            joinPath(list, at(x, parsed(input, list)), 'NonKeyAttributes', j),
            `lists '${name}' a second time; DynamoDB rejects duplicate NonKeyAttributes`,
          );
        seen.add(name);
      });
    }
  }
};

export const nonKeyAttributeTotal: Check = ({ model }, r) => {
  const total = [...model.globalSecondaryIndexes, ...model.localSecondaryIndexes].reduce((n, x) => n + (x.projection.nonKeyAttributes?.length ?? 0), 0);
  if (total > MAX_NON_KEY_ATTRIBUTES) {
    r.error(
      'GlobalSecondaryIndexes',
      `project ${total} NonKeyAttributes in total (with LocalSecondaryIndexes); DynamoDB allows at most ${MAX_NON_KEY_ATTRIBUTES} across all ` +
        `indexes of a table`,
    );
  }
};

/** Generated logical IDs carry index names made safe (macro/naming.ts); two names must not become one ID. */
export const indexNamesMakeDistinctIds: Check = ({ model }, r) => {
  const seen = new Map<string, string>();
  for (const g of model.globalSecondaryIndexes) {
    const safe = safeName(g.name);
    const other = seen.get(safe);
    if (other !== undefined && other !== g.name) {
      r.error(
        joinPath('GlobalSecondaryIndexes', at(g, model.globalSecondaryIndexes), 'Name'),
        `'${g.name}' and '${other}' both become '${safe}' in generated logical IDs; rename one of them`,
      );
    }
    seen.set(safe, g.name);
  }
};
