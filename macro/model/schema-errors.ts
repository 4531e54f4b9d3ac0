/**
 * Runs the build-time compiled JSON Schema validator and turns ajv's errors into one sentence per
 * problem, at the property path a user recognises (`GlobalSecondaryIndexes[0].ProjectionType`).
 *
 * ajv reports every failed alternative of an `anyOf` (a literal, "5", an intrinsic...). Those are
 * folded into one "must be <what the property accepts>", described from the schema itself (walked
 * along the value's path in schema-min.json). When the value is a plain object and the property
 * has an object form, the object's own errors are reported instead.
 */
import type { ErrorObject } from 'ajv';
import validate from '../generated/validate-table';
import schemaJson from '../generated/schema-min.json';
import type { ArcError } from '../errors';
import { isIntrinsic, isObject } from './values';

interface SchemaNode {
  $ref?: string;
  title?: string;
  type?: string;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  items?: SchemaNode;
  definitions?: Record<string, SchemaNode>;
}

const ROOT = schemaJson as SchemaNode;
const TYPE_TEXT: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

function deref(node: SchemaNode): SchemaNode {
  let n = node;
  while (n.$ref) n = ROOT.definitions?.[n.$ref.replace('#/definitions/', '')] ?? {};
  return n;
}

const isAlternativeForm = (n: SchemaNode) => n.$ref === '#/definitions/intrinsic' || n.$ref === '#/definitions/parameterRef';

/** The plain-object (or list) alternative of a node, if it has one. */
function structural(node: SchemaNode): SchemaNode | undefined {
  const n = deref(node);
  if (n.properties || n.items || isObject(n.additionalProperties)) return n;
  for (const branch of n.anyOf ?? []) {
    if (isAlternativeForm(branch)) continue;
    const s = structural(branch);
    if (s) return s;
  }
  return undefined;
}

function segments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The schema node that describes the value at a JSON pointer. */
function schemaAt(pointer: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = ROOT;
  for (const key of segments(pointer)) {
    const s: SchemaNode | undefined = node ? structural(node) : undefined;
    if (!s) return undefined;
    if (s.items && /^[0-9]+$/.test(key)) node = s.items;
    else if (s.properties?.[key]) node = s.properties[key];
    else node = isObject(s.additionalProperties) ? (s.additionalProperties as SchemaNode) : undefined;
  }
  return node;
}

function joinAlternatives(parts: string[]): string {
  const flat = [...new Set(parts.filter((p) => p !== ''))];
  if (flat.length <= 1) return flat[0] ?? 'a valid value';
  return `${flat.slice(0, -1).join(', ')} or ${flat[flat.length - 1]}`;
}

/** What a schema node accepts, in words. */
function describe(node: SchemaNode): string {
  if (node.title) return node.title;
  if (node.$ref) return describe(deref(node));
  if (node.anyOf) return joinAlternatives(node.anyOf.map(describe));
  if (node.enum) return node.enum.length === 1 ? String(node.enum[0]) : `one of ${node.enum.join(', ')}`;
  if (node.type) return TYPE_TEXT[node.type] ?? node.type;
  return 'a valid value';
}

/** `/GlobalSecondaryIndexes/0/Name` -> `GlobalSecondaryIndexes[0].Name`, using the data to tell lists from maps. */
function toPath(data: unknown, pointer: string): string {
  let node: unknown = data;
  let out = '';
  for (const key of segments(pointer)) {
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
  let node: unknown = data;
  for (const key of segments(pointer)) node = Array.isArray(node) ? node[Number(key)] : isObject(node) ? node[key] : undefined;
  return node;
}

const within = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}/`);

function anyOfSentence(pointer: string, value: unknown): string {
  const node = schemaAt(pointer);
  const want = node ? describe(node) : 'a valid value';
  if (isIntrinsic(value) && want.includes('a Ref to a template parameter')) {
    // A shape-deciding value: only literals and parameter Refs are known when the macro runs.
    return `${Object.keys(value)[0]} is not allowed here: the value decides the shape of the output, so it must be ${want}`;
  }
  return `must be ${want}`;
}

function sentence(e: ErrorObject): { pointer: string; message: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { pointer: `${e.instancePath}/${String(p.missingProperty)}`, message: 'is required' };
    case 'additionalProperties': {
      const known = Object.keys(structural(schemaAt(e.instancePath) ?? {})?.properties ?? {});
      const message =
        e.instancePath === ''
          ? 'is not a property of Arc::DynamoDB::Table (see docs/reference.md)'
          : `is not a known property${known.length ? `; expected one of ${known.join(', ')}` : ''}`;
      return { pointer: `${e.instancePath}/${String(p.additionalProperty)}`, message };
    }
    case 'type':
      return { pointer: e.instancePath, message: `must be ${TYPE_TEXT[String(p.type)] ?? String(p.type)}` };
    case 'enum':
      return { pointer: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'minItems':
      return { pointer: e.instancePath, message: `must have at least ${String(p.limit)} item(s)` };
    case 'maxItems':
      return { pointer: e.instancePath, message: `must have at most ${String(p.limit)} item(s)` };
    default:
      return { pointer: e.instancePath, message: `is invalid (${e.keyword})` };
  }
}

/** Does this error belong to the object form of the property at its path (not to a Ref/intrinsic form)? */
function belongsToObjectForm(e: ErrorObject): boolean {
  const form = structural(schemaAt(e.instancePath) ?? {});
  if (!form) return false;
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return (form.required ?? []).includes(String(p.missingProperty));
  if (e.keyword === 'additionalProperties') return !(String(p.additionalProperty) in (form.properties ?? {}));
  return false;
}

/** Validates an Arc resource's Properties; returns [] when they match the schema. */
export function schemaErrors(logicalId: string, properties: unknown): ArcError[] {
  if (validate(properties)) return [];
  const raw = validate.errors ?? [];

  // anyOf errors on plain objects with an object form are looked into; the others are reported whole.
  const opaque: ErrorObject[] = [];
  const transparent = new Set<string>();
  for (const e of raw) {
    if (e.keyword !== 'anyOf') continue;
    const v = valueAt(properties, e.instancePath);
    const node = schemaAt(e.instancePath);
    if (node && structural(node) && isObject(v) && !isIntrinsic(v)) transparent.add(e.instancePath);
    else opaque.push(e);
  }
  // Of nested opaque anyOf errors, the deepest says the most.
  const reported = opaque.filter((a) => !opaque.some((b) => b.instancePath !== a.instancePath && within(b.instancePath, a.instancePath)));

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
      if (reported.includes(e)) push(e.instancePath, anyOfSentence(e.instancePath, valueAt(properties, e.instancePath)));
      continue;
    }
    if (opaque.some((a) => within(e.instancePath, a.instancePath))) continue;
    if (transparent.has(e.instancePath) && !belongsToObjectForm(e)) continue;
    const s = sentence(e);
    push(s.pointer, s.message);
  }
  if (out.length === 0) for (const e of raw) push(e.instancePath, sentence(e).message);
  return out;
}
