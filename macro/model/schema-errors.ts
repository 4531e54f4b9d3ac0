/**
 * Runs the build-time compiled JSON Schema validator and turns ajv's errors into one sentence per
 * problem, at the property path a user recognises (`GlobalSecondaryIndexes[0].ProjectionType`).
 *
 * ajv reports every failed alternative of an `anyOf` (a literal, "5", an intrinsic...). Those are
 * folded into one "must be <what the property accepts>" message, whose text comes from the schema
 * (schema-hints.json, written by scripts/build-steps/10-schema.mjs). When the value is a plain
 * object and the property accepts an object form, the object's own errors are reported instead.
 */
import type { ErrorObject } from 'ajv';
import validate from '../generated/validate-table';
import hints from '../generated/schema-hints.json';
import type { ArcError } from '../errors';
import { isIntrinsic, isObject } from './values';

const TYPE_TEXT: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

const expected = hints.expected as Record<string, string>;
const allowed = hints.allowed as Record<string, string>;
const objectBranch = new Set<string>(hints.objectBranch);

/** `/GlobalSecondaryIndexes/0/Name` -> `GlobalSecondaryIndexes[0].Name`, using the data to tell lists from maps. */
function toPath(data: unknown, pointer: string): string {
  if (pointer === '') return '';
  let node: unknown = data;
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out += `[${key}]`;
      node = node[Number(key)];
    } else {
      out += out === '' ? key : `.${key}`;
      node = isObject(node) ? node[key] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = Array.isArray(node) ? node[Number(key)] : isObject(node) ? node[key] : undefined;
  }
  return node;
}

function within(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

const fromAlternativeForm = (e: ErrorObject) =>
  e.schemaPath.startsWith('#/definitions/intrinsic/') || e.schemaPath.startsWith('#/definitions/parameterRef/');

function sentence(e: ErrorObject, top: boolean): { pointer: string; message: string } {
  switch (e.keyword) {
    case 'anyOf':
      return { pointer: e.instancePath, message: `must be ${expected[e.schemaPath] ?? 'a valid value'}` };
    case 'required':
      return { pointer: `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, message: 'is required' };
    case 'additionalProperties': {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      const known = allowed[e.schemaPath];
      const message = top
        ? 'is not a property of Arc::DynamoDB::Table (see docs/reference.md)'
        : `is not a known property${known ? `; expected one of ${known}` : ''}`;
      return { pointer: `${e.instancePath}/${name}`, message };
    }
    case 'type':
      return { pointer: e.instancePath, message: `must be ${TYPE_TEXT[(e.params as { type: string }).type] ?? (e.params as { type: string }).type}` };
    case 'enum':
      return { pointer: e.instancePath, message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
    case 'minItems':
      return { pointer: e.instancePath, message: `must have at least ${(e.params as { limit: number }).limit} item(s)` };
    case 'maxItems':
      return { pointer: e.instancePath, message: `must have at most ${(e.params as { limit: number }).limit} item(s)` };
    case 'pattern':
      return { pointer: e.instancePath, message: `must match ${(e.params as { pattern: string }).pattern}` };
    default:
      return { pointer: e.instancePath, message: e.message ?? `is invalid (${e.keyword})` };
  }
}

/** Validates an Arc resource's Properties; returns [] when they match the schema. */
export function schemaErrors(logicalId: string, properties: unknown): ArcError[] {
  if (validate(properties)) return [];
  const raw = validate.errors ?? [];

  // anyOf nodes whose value is a plain object with an object form: look inside instead.
  const transparent = new Set<string>();
  const opaque: ErrorObject[] = [];
  for (const e of raw) {
    if (e.keyword !== 'anyOf') continue;
    const v = valueAt(properties, e.instancePath);
    if (objectBranch.has(e.schemaPath) && isObject(v) && !isIntrinsic(v)) transparent.add(e.instancePath);
    else opaque.push(e);
  }
  // Of nested opaque anyOf errors, the deepest says the most.
  const reported = opaque.filter((a) => !opaque.some((b) => b !== a && b.instancePath !== a.instancePath && within(b.instancePath, a.instancePath)));

  const out: ArcError[] = [];
  const seen = new Set<string>();
  const push = (pointer: string, message: string) => {
    const path = toPath(properties, pointer);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ logicalId, path, message });
  };
  for (const e of raw) {
    if (e.keyword === 'anyOf') {
      if (reported.includes(e)) push(e.instancePath, sentence(e, false).message);
      continue;
    }
    if (opaque.some((a) => within(e.instancePath, a.instancePath))) continue;
    if (transparent.has(e.instancePath) && (fromAlternativeForm(e) || !['required', 'additionalProperties'].includes(e.keyword))) continue;
    const s = sentence(e, e.instancePath === '');
    push(s.pointer, s.message);
  }
  if (out.length === 0) for (const e of raw) push(e.instancePath, sentence(e, false).message);
  return out;
}
