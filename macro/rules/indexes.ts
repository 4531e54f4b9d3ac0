/**
 * Secondary-index limits, from the DynamoDB developer guide ("Service, account, and table quotas":
 * 20 GSIs per table by default, 5 LSIs, 100 projected non-key attributes summed over all indexes;
 * "Naming rules": index names are 3-255 characters of a-z, A-Z, 0-9, _ - .).
 */
import { joinPath } from '../errors';
import { isIntrinsic } from '../model/values';
import { safeName } from '../naming';
import { reporter, type Rule } from './types';

export const MAX_GSI_COUNT = 20;
export const MAX_LSI_COUNT = 5;
export const MAX_NON_KEY_ATTRIBUTES = 100;
export const NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,255}$/;

export const indexCountLimits: Rule = ({ model }) => {
  const r = reporter(model);
  const g = model.globalSecondaryIndexes.length;
  const l = model.localSecondaryIndexes.length;
  if (g > MAX_GSI_COUNT) r.error('GlobalSecondaryIndexes', `has ${g} indexes; DynamoDB allows at most ${MAX_GSI_COUNT} global secondary indexes per table`);
  if (l > MAX_LSI_COUNT) r.error('LocalSecondaryIndexes', `has ${l} indexes; DynamoDB allows at most ${MAX_LSI_COUNT} local secondary indexes per table`);
  return r.errors;
};

export const indexNamesAreValidAndUnique: Rule = ({ model }) => {
  const r = reporter(model);
  const seen = new Set<string>();
  const check = (name: string, path: string) => {
    if (!NAME_PATTERN.test(name)) r.error(path, `'${name}' is not a valid index name: 3-255 characters of a-z, A-Z, 0-9, _ - .`);
    else if (seen.has(name)) r.error(path, `'${name}' is already the name of another index of this table`);
    seen.add(name);
  };
  model.globalSecondaryIndexes.forEach((g, i) => check(g.name, joinPath('GlobalSecondaryIndexes', i, 'Name')));
  model.localSecondaryIndexes.forEach((l, i) => check(l.name, joinPath('LocalSecondaryIndexes', i, 'Name')));
  return r.errors;
};

export const lsiNeedsTableRangeKey: Rule = ({ model }) => {
  const r = reporter(model);
  if (model.localSecondaryIndexes.length > 0 && model.rangeKey === undefined) {
    r.error('LocalSecondaryIndexes', 'need a table RangeKey: a local secondary index shares the table\'s partition key and sorts by another attribute');
  }
  return r.errors;
};

/** INCLUDE projects the listed NonKeyAttributes; ALL and KEYS_ONLY take none. */
export const projectionMatchesNonKeyAttributes: Rule = ({ model, properties }) => {
  const r = reporter(model);
  const check = (kind: 'GlobalSecondaryIndexes' | 'LocalSecondaryIndexes', rawList: unknown) => {
    const raws = Array.isArray(rawList) ? rawList : [];
    const parsed = kind === 'GlobalSecondaryIndexes' ? model.globalSecondaryIndexes : model.localSecondaryIndexes;
    raws.forEach((raw, i) => {
      const given = (raw as Record<string, unknown>).NonKeyAttributes !== undefined;
      const type = parsed[i]?.projection.type;
      if (type === undefined) return;
      if (type === 'INCLUDE' && !given) r.error(joinPath(kind, i, 'NonKeyAttributes'), 'is required when ProjectionType is INCLUDE');
      const fromParameter = isIntrinsic((raw as Record<string, unknown>).ProjectionType);
      if (type !== 'INCLUDE' && given && !fromParameter) r.error(joinPath(kind, i, 'NonKeyAttributes'), `is only allowed when ProjectionType is INCLUDE; this index projects ${type}`);
    });
  };
  check('GlobalSecondaryIndexes', properties.GlobalSecondaryIndexes);
  check('LocalSecondaryIndexes', properties.LocalSecondaryIndexes);
  return r.errors;
};

export const nonKeyAttributeTotal: Rule = ({ model }) => {
  const r = reporter(model);
  const total = [...model.globalSecondaryIndexes, ...model.localSecondaryIndexes].reduce((n, x) => n + (x.projection.nonKeyAttributes?.length ?? 0), 0);
  if (total > MAX_NON_KEY_ATTRIBUTES) {
    r.error('GlobalSecondaryIndexes', `project ${total} NonKeyAttributes in total (with LocalSecondaryIndexes); DynamoDB allows at most ${MAX_NON_KEY_ATTRIBUTES} across all indexes of a table`);
  }
  return r.errors;
};

/** Generated logical IDs carry index names made safe (macro/naming.ts); two names must not become one ID. */
export const indexNamesMakeDistinctIds: Rule = ({ model }) => {
  const r = reporter(model);
  const seen = new Map<string, string>();
  model.globalSecondaryIndexes.forEach((g, i) => {
    const safe = safeName(g.name);
    const other = seen.get(safe);
    if (other !== undefined && other !== g.name) {
      r.error(joinPath('GlobalSecondaryIndexes', i, 'Name'), `'${g.name}' and '${other}' both become '${safe}' in generated logical IDs; rename one of them`);
    }
    seen.set(safe, g.name);
  });
  return r.errors;
};
