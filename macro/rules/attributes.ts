/**
 * DynamoDB requires AttributeDefinitions to list exactly the key attributes of the table and its
 * indexes: a missing one fails CreateTable, and so does one that no key uses ("Number of
 * attributes in KeySchema does not exactly match number of attributes defined in
 * AttributeDefinitions"). Both are caught here, with the property that is wrong.
 */
import { joinPath } from '../errors';
import type { TableModel } from '../model/types';
import { reporter, type Rule } from './types';

/** Every key attribute, with the property path that names it. */
export function keyAttributes(model: TableModel): { name: string; path: string }[] {
  const keys = [{ name: model.hashKey, path: 'HashKey' }];
  if (model.rangeKey !== undefined) keys.push({ name: model.rangeKey, path: 'RangeKey' });
  model.globalSecondaryIndexes.forEach((g, i) => {
    keys.push({ name: g.hashKey, path: joinPath('GlobalSecondaryIndexes', i, 'HashKey') });
    if (g.rangeKey !== undefined) keys.push({ name: g.rangeKey, path: joinPath('GlobalSecondaryIndexes', i, 'RangeKey') });
  });
  model.localSecondaryIndexes.forEach((l, i) => keys.push({ name: l.rangeKey, path: joinPath('LocalSecondaryIndexes', i, 'RangeKey') }));
  return keys.filter((k) => k.name !== '');
}

export const attributeNamesAreUnique: Rule = ({ model }) => {
  const r = reporter(model);
  const seen = new Set<string>();
  model.attributes.forEach((a, i) => {
    if (seen.has(a.name)) r.error(joinPath('Attributes', i, 'Name'), `declares '${a.name}' a second time`);
    seen.add(a.name);
    if (a.name.length > 255) r.error(joinPath('Attributes', i, 'Name'), 'must be at most 255 characters');
  });
  return r.errors;
};

export const keyAttributesAreDeclared: Rule = ({ model }) => {
  const r = reporter(model);
  const declared = new Set(model.attributes.map((a) => a.name));
  for (const key of keyAttributes(model)) {
    if (!declared.has(key.name)) r.error(key.path, `names '${key.name}', which is not declared in Attributes (add {Name: ${key.name}, Type: S|N|B})`);
  }
  return r.errors;
};

export const declaredAttributesAreUsed: Rule = ({ model }) => {
  const r = reporter(model);
  const used = new Set(keyAttributes(model).map((k) => k.name));
  model.attributes.forEach((a, i) => {
    if (!used.has(a.name)) {
      r.error(
        joinPath('Attributes', i),
        `declares '${a.name}', which no key of the table or its indexes uses; DynamoDB rejects unused attribute definitions (remove it, or use it in a key)`,
      );
    }
  });
  return r.errors;
};

/** DynamoDB rejects a key schema whose partition and sort key are the same attribute. */
export const keysAreDistinct: Rule = ({ model }) => {
  const r = reporter(model);
  const same = 'names the same attribute as the partition key; a sort key must be another attribute';
  if (model.rangeKey !== undefined && model.rangeKey === model.hashKey) r.error('RangeKey', same);
  model.globalSecondaryIndexes.forEach((g, i) => {
    if (g.rangeKey !== undefined && g.rangeKey === g.hashKey) r.error(joinPath('GlobalSecondaryIndexes', i, 'RangeKey'), same);
  });
  model.localSecondaryIndexes.forEach((l, i) => {
    if (l.rangeKey === model.hashKey) r.error(joinPath('LocalSecondaryIndexes', i, 'RangeKey'), `${same} (a local secondary index shares the table's partition key)`);
  });
  return r.errors;
};
