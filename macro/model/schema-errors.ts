/**
 * Runs the build-time compiled JSON Schema validator and turns ajv's errors into one sentence per
 * problem, at the property path a user recognises (`GlobalSecondaryIndexes[0].ProjectionType`).
 *
 * ajv reports every failed alternative of an `anyOf` (a literal, "5", an intrinsic...). Those are
 * folded into one "must be <what the property accepts>", described from the schema itself (walked
 * along the value's path in the validator's own schema). When the value is a plain object and the property
 * has an object form, the object's own errors are reported instead.
 *
 * Each problem carries its rule ID (rules/catalog.ts) and the JSON pointer of the value at fault,
 * so that the parser can leave exactly those values out and check everything else in the same
 * round. An unknown property gets a suggestion (model/suggestions.ts): a near miss, the module's
 * snake_case variable, or the Arc form of a native AWS::DynamoDB::Table shape.
 */
import type { ErrorObject as AjvError } from 'ajv';
import validate from '../generated/validate-table';
import type { ArcError } from '../errors';
import { ruleId, type RuleName } from '../rules/catalog';
import { suggestProperty, nativeTagsHint } from './suggestions';
import { isIntrinsic, isObject } from './values';

/** ajv's error without schemaPath, which the build rewrites away (scripts/build-steps/10-schema.mjs). */
type ErrorObject = Omit<AjvError, 'schemaPath'>;

export interface SchemaNode {
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

/** The schema the validator was compiled from, titles kept (it embeds it once; scripts/build-steps/10-schema.mjs). */
const ROOT = validate.schema as SchemaNode;
const TYPE_TEXT: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

export function deref(node: SchemaNode): SchemaNode {
  let n = node;
  while (n.$ref) n = ROOT.definitions?.[n.$ref.replace('#/definitions/', '')] ?? {};
  return n;
}

const isAlternativeForm = (n: SchemaNode) => n.$ref === '#/definitions/intrinsic' || n.$ref === '#/definitions/parameterRef';

/** The plain-object (or list) alternative of a node, if it has one. */
export function structural(node: SchemaNode): SchemaNode | undefined {
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
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The schema node that describes the value at a JSON pointer. */
export function schemaAt(pointer: string): SchemaNode | undefined {
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

const inside = (pointer: string, ancestor: string) => pointer === ancestor || pointer.startsWith(`${ancestor}/`);

function anyOfSentence(pointer: string, value: unknown): { message: string; rule: RuleName } {
  const node = schemaAt(pointer);
  const want = node ? describe(node) : 'a valid value';
  if (isIntrinsic(value) && want.includes('a Ref to a template parameter')) {
    // A shape-deciding value: only literals and parameter Refs are known when the macro runs.
    return {
      message: `${Object.keys(value)[0]} is not allowed here: the value decides the shape of the output, so it must be ${want}`,
      rule: 'shape-values-are-literal',
    };
  }
  return { message: `must be ${want}`, rule: 'value-forms' };
}

interface Sentence {
  pointer: string;
  message: string;
  rule: RuleName;
  /** A required property that this sentence already tells the user to write (its "is required" is an echo). */
  names?: string;
}

function sentence(e: ErrorObject, data: unknown): Sentence {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { pointer: `${e.instancePath}/${String(p.missingProperty)}`, message: 'is required', rule: 'required-properties' };
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const pointer = `${e.instancePath}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const node = structural(schemaAt(e.instancePath) ?? {});
      const known = Object.keys(node?.properties ?? {});
      const s = suggestProperty(e.instancePath, key, valueAt(data, pointer), known);
      const base = e.instancePath === '' ? 'is not a property of Arc::DynamoDB::Table' : 'is not a known property';
      if (s) return { pointer, message: `${base}; ${s.advice}`, rule: s.rule, ...(s.names ? { names: s.names } : {}) };
      const message = e.instancePath === '' ? `${base} (see docs/reference.md)` : `${base}${known.length ? `; expected one of ${known.join(', ')}` : ''}`;
      return { pointer, message, rule: 'known-properties' };
    }
    case 'type': {
      const hint = e.instancePath === '/Tags' ? nativeTagsHint(valueAt(data, e.instancePath)) : undefined;
      if (hint) return { pointer: e.instancePath, message: hint, rule: 'native-shapes' };
      return { pointer: e.instancePath, message: `must be ${TYPE_TEXT[String(p.type)] ?? String(p.type)}`, rule: 'value-forms' };
    }
    case 'enum':
      return { pointer: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).join(', ')}`, rule: 'value-forms' };
    case 'minItems':
      return { pointer: e.instancePath, message: `must have at least ${String(p.limit)} item(s)`, rule: 'list-sizes' };
    case 'maxItems':
      return { pointer: e.instancePath, message: `must have at most ${String(p.limit)} item(s)`, rule: 'list-sizes' };
    case 'minProperties': {
      const known = Object.keys(structural(schemaAt(e.instancePath) ?? {})?.properties ?? {});
      return { pointer: e.instancePath, message: `needs at least ${String(p.limit)} of ${known.join(', ')}`, rule: 'value-forms' };
    }
    default:
      return { pointer: e.instancePath, message: `is invalid (${e.keyword})`, rule: 'value-forms' };
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

export interface SchemaResult {
  errors: ArcError[];
  /** JSON pointers of the values at fault (unknown keys, wrong forms): the parser leaves these out. */
  invalid: string[];
  /**
   * Property paths a suggestion names (`BilingMode` -> `BillingMode`): the user meant to set them,
   * so what they read as now (a default) must not be reasoned from.
   */
  meant: string[];
}

/** Validates an Arc resource's Properties; no errors when they match the schema. */
export function schemaErrors(logicalId: string, properties: unknown): SchemaResult {
  if (validate(properties)) return { errors: [], invalid: [], meant: [] };
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
  const reported = opaque.filter((a) => !opaque.some((b) => b.instancePath !== a.instancePath && inside(b.instancePath, a.instancePath)));

  const found: Sentence[] = [];
  for (const e of raw) {
    if (e.keyword === 'anyOf') {
      if (reported.includes(e)) found.push({ pointer: e.instancePath, ...anyOfSentence(e.instancePath, valueAt(properties, e.instancePath)) });
      continue;
    }
    if (opaque.some((a) => inside(e.instancePath, a.instancePath))) continue;
    if (transparent.has(e.instancePath) && !belongsToObjectForm(e)) continue;
    found.push(sentence(e, properties));
  }
  if (found.length === 0) for (const e of raw) found.push({ ...sentence(e, properties), pointer: e.instancePath });

  // "HashKey: is required" next to "KeySchema: ... write HashKey" or "HashKye: did you mean HashKey?" says nothing new.
  const named = new Set(found.filter((s) => s.names !== undefined).map((s) => `${s.pointer.slice(0, s.pointer.lastIndexOf('/'))}/${s.names}`));
  const out: ArcError[] = [];
  const invalid: string[] = [];
  // Only a property that is missing was meant; one that is there speaks for itself.
  const meant = [...named].filter((pointer) => valueAt(properties, pointer) === undefined).map((pointer) => toPath(properties, pointer));
  const seen = new Set<string>();
  for (const s of found) {
    if (s.rule === 'required-properties' && named.has(s.pointer)) continue;
    const path = toPath(properties, s.pointer);
    const key = `${path}\u0000${s.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ rule: ruleId(s.rule), logicalId, path, message: s.message });
    if (s.rule !== 'required-properties') invalid.push(s.pointer);
  }
  return { errors: out, invalid, meant };
}

/**
 * A copy of `data` without the values at `pointers` (the input is never changed). A list item at
 * fault becomes undefined, so the other items keep their indexes (and their property paths).
 */
export function withoutInvalid(data: Record<string, unknown>, pointers: readonly string[]): Record<string, unknown> {
  let root: Record<string, unknown> = data;
  const copied = new Set<unknown>();
  const copy = <T>(v: T): T => {
    const c = (Array.isArray(v) ? [...v] : { ...(v as object) }) as T;
    copied.add(c);
    return c;
  };
  for (const pointer of pointers) {
    const keys = segments(pointer);
    if (keys.length === 0) continue;
    if (!copied.has(root)) root = copy(root);
    let node: unknown = root;
    for (let i = 0; i < keys.length - 1; i++) {
      const container = node as Record<string, unknown>;
      const child = container[keys[i]];
      if (child === null || typeof child !== 'object') {
        node = undefined;
        break;
      }
      const c = copied.has(child) ? child : copy(child);
      container[keys[i]] = c;
      node = c;
    }
    if (node === undefined) continue;
    const last = keys[keys.length - 1];
    if (Array.isArray(node)) node[Number(last)] = undefined;
    else if (isObject(node)) delete node[last];
  }
  return root;
}
