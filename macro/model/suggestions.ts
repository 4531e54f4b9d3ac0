/**
 * What to write instead of an unknown property, from the most specific advice to the least:
 * 1. a native AWS::DynamoDB::Table shape (KeySchema, AttributeDefinitions, an index's IndexName...)
 *    gets its Arc form, with the user's own values where they can be read (rule native-shapes);
 * 2. a sourcefuse/arc-dynamodb variable (table_name, or max_capacity inside autoscaling_read) gets
 *    its PascalCase property, with the renames inside it (rule module-variable-names);
 * 3. a near miss (HashKye, BilingMode) gets "did you mean" (rule known-properties).
 * Pure string work; the schema walk stays in schema-errors.ts.
 */
import type { RuleName } from '../rules/catalog';
import { isObject } from './values';

export interface Suggestion {
  advice: string;
  rule: RuleName;
  /** The property the advice tells the user to write, when it is one of this object's. */
  names?: string;
}

const show = (v: unknown) => (typeof v === 'string' ? v : '...');

type Kind = 'table' | 'gsi' | 'lsi' | 'attribute' | 'replica' | 'other';

function kindAt(pointer: string): Kind {
  if (pointer === '') return 'table';
  if (/^\/GlobalSecondaryIndexes\/\d+$/.test(pointer)) return 'gsi';
  if (/^\/LocalSecondaryIndexes\/\d+$/.test(pointer)) return 'lsi';
  if (/^\/Attributes\/\d+$/.test(pointer)) return 'attribute';
  if (/^\/ReplicaRegions\/\d+$/.test(pointer)) return 'replica';
  return 'other';
}

/** `[{AttributeName: id, KeyType: HASH}, ...]` -> `HashKey: id, RangeKey: sk`, or undefined when unreadable. */
function keysOf(keySchema: unknown, lsi: boolean): string | undefined {
  if (!Array.isArray(keySchema)) return undefined;
  const key = (type: string) => {
    const k = keySchema.find((x) => isObject(x) && x.KeyType === type);
    return isObject(k) && typeof k.AttributeName === 'string' ? k.AttributeName : undefined;
  };
  const hash = key('HASH');
  const range = key('RANGE');
  const parts = [...(hash !== undefined && !lsi ? [`HashKey: ${hash}`] : []), ...(range !== undefined ? [`RangeKey: ${range}`] : [])];
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function attributesOf(definitions: unknown): string | undefined {
  if (!Array.isArray(definitions)) return undefined;
  const items = definitions.filter(isObject).map((d) => `{Name: ${show(d.AttributeName)}, Type: ${show(d.AttributeType)}}`);
  return items.length > 0 ? `[${items.join(', ')}]` : undefined;
}

/** Native names -> the Arc advice, per kind of object. */
function nativeAdvice(kind: Kind, key: string, value: unknown): Suggestion | undefined {
  const native = (advice: string, names?: string): Suggestion => ({
    advice: `${advice} (${key} is the native AWS::DynamoDB::Table form)`,
    rule: 'native-shapes',
    ...(names ? { names } : {}),
  });
  if (kind === 'table') {
    switch (key) {
      case 'KeySchema': {
        const keys = keysOf(value, false);
        return native(keys ? `write ${keys}` : 'write HashKey (and RangeKey) with the key attribute names', 'HashKey');
      }
      case 'AttributeDefinitions': {
        const attrs = attributesOf(value);
        return native(attrs ? `write Attributes: ${attrs}` : 'write Attributes: [{Name, Type}]', 'Attributes');
      }
      case 'ProvisionedThroughput':
        return native('write ReadCapacity and WriteCapacity');
      case 'StreamSpecification':
        return native('write StreamEnabled: true and StreamViewType');
      case 'TimeToLiveSpecification':
        return native('write TtlEnabled: true and TtlAttributeName');
      case 'SSESpecification':
        return native('write ServerSideEncryptionEnabled (and ServerSideEncryptionKmsKeyArn)');
      case 'PointInTimeRecoverySpecification':
        return native('write PointInTimeRecoveryEnabled (and PointInTimeRecoveryPeriodInDays)');
      case 'ContributorInsightsSpecification':
        return native('write TableContributorInsightsEnabled (and ContributorInsightsMode)');
      case 'ImportSourceSpecification':
        return native('write ImportTable');
      default:
        return undefined;
    }
  }
  if (kind === 'gsi' || kind === 'lsi') {
    switch (key) {
      case 'IndexName':
        return native(typeof value === 'string' ? `write Name: ${value}` : 'write Name', 'Name');
      case 'KeySchema': {
        const keys = keysOf(value, kind === 'lsi');
        return native(keys ? `write ${keys}` : kind === 'lsi' ? 'write RangeKey' : 'write HashKey (and RangeKey)', kind === 'lsi' ? 'RangeKey' : 'HashKey');
      }
      case 'Projection':
        return native('write ProjectionType (and NonKeyAttributes) on the index itself');
      case 'ProvisionedThroughput':
        return kind === 'gsi' ? native('write ReadCapacity and WriteCapacity on the index itself') : undefined;
      case 'ContributorInsightsSpecification':
        return kind === 'gsi' ? native('write GsiContributorInsightsEnabled: {<index name>: true} on the table') : undefined;
      default:
        return undefined;
    }
  }
  if (kind === 'attribute') {
    if (key === 'AttributeName') return native('write Name', 'Name');
    if (key === 'AttributeType') return native('write Type', 'Type');
  }
  return undefined;
}

/** The module's variable names that are not plain PascalCase conversions of a property's. */
const MODULE_ALIASES: Readonly<Record<string, string>> = { point_in_time_recovery: 'PointInTimeRecoveryEnabled' };

const pascal = (snake: string) =>
  snake
    .split('_')
    .filter((p) => p.length > 0)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');

const isModuleName = (key: string) => /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(key);

/** The module-variable renames inside a value, for a message: `max_capacity → MaxCapacity`. */
function innerRenames(value: unknown, out: Set<string>, depth = 0): void {
  if (depth > 4) return;
  const objects = Array.isArray(value) ? value.filter(isObject) : isObject(value) ? [value] : [];
  for (const o of objects) {
    for (const [k, v] of Object.entries(o)) {
      if (isModuleName(k)) out.add(`${k} → ${MODULE_ALIASES[k] ?? pascal(k)}`);
      innerRenames(v, out, depth + 1);
    }
  }
}

function moduleAdvice(pointer: string, key: string, value: unknown, known: readonly string[]): Suggestion | undefined {
  if (!isModuleName(key)) return undefined;
  const kind = kindAt(pointer);
  const alias = kind === 'replica' || kind === 'table' ? MODULE_ALIASES[key] : undefined;
  const target = alias !== undefined && known.includes(alias) ? alias : pascal(key);
  if (!known.includes(target)) return undefined;
  const inner = new Set<string>();
  innerRenames(value, inner);
  const inside = inner.size > 0 ? `; inside it, ${[...inner].join(', ')}` : '';
  return {
    advice: `write ${target}: properties are the sourcefuse/arc-dynamodb variables in PascalCase${inside}`,
    rule: 'module-variable-names',
    names: target,
  };
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/** The closest known name, if it is close enough to be a typo: 1 edit for short names, 2 from 6 characters. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const limit = key.length >= 6 ? 2 : key.length >= 3 ? 1 : 0;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Advice for an unknown property `key` of the object at `pointer`, whose known properties are `known`. */
export function suggestProperty(pointer: string, key: string, value: unknown, known: readonly string[]): Suggestion | undefined {
  const native = nativeAdvice(kindAt(pointer), key, value);
  if (native) return native;
  const module = moduleAdvice(pointer, key, value, known);
  if (module) return module;
  const near = nearest(key, known);
  return near ? { advice: `did you mean ${near}?`, rule: 'known-properties', names: near } : undefined;
}

/** `Tags: [{Key, Value}]`, the native list, gets the map the Arc resource takes. */
export function nativeTagsHint(value: unknown): string | undefined {
  if (!Array.isArray(value) || !value.every((t) => isObject(t) && 'Key' in t)) return undefined;
  const sample = value
    .slice(0, 3)
    .map(
      (t) =>
        `${String((t as Record<string, unknown>).Key)}: ` +
        `${typeof (t as Record<string, unknown>).Value === 'string' ? String((t as Record<string, unknown>).Value) : '...'}`,
    )
    .join(', ');
  return `is a list of {Key, Value}, the native AWS::DynamoDB::Table form; write a map: Tags: {${sample}}`;
}
