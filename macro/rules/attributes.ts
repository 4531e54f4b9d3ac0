/**
 * DynamoDB requires AttributeDefinitions to list exactly the key attributes of the table and its
 * indexes: a missing one fails CreateTable, and so does one that no key uses ("Number of
 * attributes in KeySchema does not exactly match number of attributes defined in
 * AttributeDefinitions"). Both are caught here, with the property that is wrong.
 */
import { joinPath } from '../errors';
import type { TableModel } from '../model/types';
import { at, rawItems, type Check, type RuleInput } from './types';

/** DynamoDB naming rules: key attribute names and projected attribute names are 1-255 characters. */
export const MAX_KEY_ATTRIBUTE_NAME_LENGTH = 255;

/** A GSI's key attributes with their paths: `HashKey`, or `HashKey[1]` in a multi-attribute key. */
export function gsiKeys(model: TableModel, g: TableModel['globalSecondaryIndexes'][number]): { name: string; path: string }[] {
  const base = joinPath('GlobalSecondaryIndexes', at(g, model.globalSecondaryIndexes));
  const each = (list: string[], field: string) => list.map((name, j) => ({ name, path: list.length > 1 ? joinPath(base, field, j) : joinPath(base, field) }));
  return [...each(g.hashKeys, 'HashKey'), ...each(g.rangeKeys, 'RangeKey')];
}

/** Every key attribute, with the property path that names it. */
export function keyAttributes(model: TableModel): { name: string; path: string }[] {
  const keys = [{ name: model.hashKey, path: 'HashKey' }];
  if (model.rangeKey !== undefined) keys.push({ name: model.rangeKey, path: 'RangeKey' });
  model.globalSecondaryIndexes.forEach((g) => keys.push(...gsiKeys(model, g)));
  model.localSecondaryIndexes.forEach((l) =>
    keys.push({ name: l.rangeKey, path: joinPath('LocalSecondaryIndexes', at(l, model.localSecondaryIndexes), 'RangeKey') }),
  );
  return keys.filter((k) => k.name !== '');
}

/** True when some key of the table or an index did not parse: it may be the one that uses an attribute. */
function someKeyFailed({ failed, properties }: RuleInput): boolean {
  if (failed.at('HashKey') || failed.at('RangeKey') || failed.at('GlobalSecondaryIndexes') || failed.at('LocalSecondaryIndexes')) return true;
  const keyFailed = (list: string, fields: string[]) =>
    rawItems(properties[list]).some((_, i) => failed.at(joinPath(list, i)) || fields.some((f) => failed.at(joinPath(list, i, f))));
  return keyFailed('GlobalSecondaryIndexes', ['HashKey', 'RangeKey']) || keyFailed('LocalSecondaryIndexes', ['RangeKey']);
}

export const attributeNamesAreUnique: Check = ({ model }, r) => {
  const seen = new Set<string>();
  for (const a of model.attributes) {
    if (seen.has(a.name)) r.error(joinPath('Attributes', at(a, model.attributes), 'Name'), `declares '${a.name}' a second time`);
    seen.add(a.name);
  }
};

export const attributeNameLength: Check = ({ model }, r) => {
  const tooLong = (name: string) =>
    `is ${name.length} characters long; DynamoDB allows at most ${MAX_KEY_ATTRIBUTE_NAME_LENGTH} for key and projected attribute names`;
  for (const a of model.attributes)
    if (a.name.length > MAX_KEY_ATTRIBUTE_NAME_LENGTH) r.error(joinPath('Attributes', at(a, model.attributes), 'Name'), tooLong(a.name));
  const projected = (list: string, indexes: { index?: number; projection: { nonKeyAttributes?: string[] } }[]) => {
    for (const x of indexes) {
      (x.projection.nonKeyAttributes ?? []).forEach((n, j) => {
        if (n.length > MAX_KEY_ATTRIBUTE_NAME_LENGTH) r.error(joinPath(list, at(x, indexes), 'NonKeyAttributes', j), tooLong(n));
      });
    }
  };
  projected('GlobalSecondaryIndexes', model.globalSecondaryIndexes);
  projected('LocalSecondaryIndexes', model.localSecondaryIndexes);
};

export const keyAttributesAreDeclared: Check = (input, r) => {
  const { model, properties, failed } = input;
  if (failed.at('Attributes')) return;
  // An attribute whose name did not parse may be the declaration a key needs.
  const raws = rawItems(properties.Attributes);
  if (
    raws.some((a, i) => failed.at(joinPath('Attributes', i)) && typeof a.Name !== 'string') ||
    raws.some((_, i) => failed.at(joinPath('Attributes', i, 'Name')))
  )
    return;
  const declared = new Set(model.attributes.map((a) => a.name));
  const declaredBadly = new Set(raws.filter((a) => typeof a.Name === 'string').map((a) => a.Name as string));
  for (const key of keyAttributes(model)) {
    if (declared.has(key.name)) continue;
    if (declaredBadly.has(key.name)) continue; // declared, with a Type already reported
    r.error(key.path, `names '${key.name}', which is not declared in Attributes (add {Name: ${key.name}, Type: S|N|B})`);
  }
};

export const declaredAttributesAreUsed: Check = (input, r) => {
  const { model } = input;
  if (someKeyFailed(input)) return;
  const used = new Set(keyAttributes(model).map((k) => k.name));
  for (const a of model.attributes) {
    if (!used.has(a.name)) {
      r.error(
        joinPath('Attributes', at(a, model.attributes)),
        `declares '${a.name}', which no key of the table or its indexes uses; DynamoDB rejects unused attribute definitions (remove it, or use it in a key)`,
      );
    }
  }
};

/** DynamoDB rejects a key schema whose partition and sort key are the same attribute. */
export const keysAreDistinct: Check = ({ model }, r) => {
  const same = 'names the same attribute as the partition key; a sort key must be another attribute';
  if (model.rangeKey !== undefined && model.rangeKey === model.hashKey) r.error('RangeKey', same);
  // A GSI key attribute at most once across its partition and sort key attributes (DynamoDB
  // developer guide, "Multi-attribute keys pattern": each attribute of a multi-attribute key is
  // its own component; one attribute in two places is no key DynamoDB accepts).
  for (const g of model.globalSecondaryIndexes) {
    const seen = new Set<string>();
    for (const k of gsiKeys(model, g)) {
      if (seen.has(k.name))
        r.error(k.path, k.path.includes('RangeKey') && g.hashKeys.includes(k.name) ? same : `names '${k.name}' a second time in this index's key`);
      seen.add(k.name);
    }
  }
  for (const l of model.localSecondaryIndexes) {
    if (l.rangeKey === model.hashKey)
      r.error(
        joinPath('LocalSecondaryIndexes', at(l, model.localSecondaryIndexes), 'RangeKey'),
        `${same} (a local secondary index shares the table's partition key)`,
      );
  }
};
