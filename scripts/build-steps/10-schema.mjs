// Compiles schema/arc-dynamodb-table.schema.json (the single source of the resource's schema) into
// a standalone ajv validator, so the macro bundle carries no schema compiler and no eval at run time.
// Also writes schema-hints.json: for each `anyOf` node the text of what it accepts, and for each
// closed object its property names, so validation errors read as sentences (macro/model/schema-errors.ts).
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TYPE_TEXT = { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', object: 'an object', array: 'a list' };

function joinAlternatives(parts) {
  const flat = [...new Set(parts.filter(Boolean))];
  if (flat.length <= 1) return flat[0] ?? '';
  return `${flat.slice(0, -1).join(', ')} or ${flat[flat.length - 1]}`;
}

function resolve(schema, ref) {
  return ref.replace(/^#\//, '').split('/').reduce((node, key) => node[key], schema);
}

function describe(schema, node) {
  if (node.title) return node.title;
  if (node.$ref) return describe(schema, resolve(schema, node.$ref));
  if (node.anyOf) return joinAlternatives(node.anyOf.map((n) => describe(schema, n)));
  if (node.enum) return node.enum.length === 1 ? String(node.enum[0]) : `one of ${node.enum.join(', ')}`;
  if (node.type) return TYPE_TEXT[node.type] ?? node.type;
  return 'a valid value';
}

const ANNOTATIONS = new Set(['description', 'default', 'title', '$id', '$schema']);
function stripAnnotations(node) {
  if (Array.isArray(node)) return node.map(stripAnnotations);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` maps names to schemas: a property may itself be called Description or Title.
    if (ANNOTATIONS.has(key) && typeof value !== 'object') continue;
    out[key] = stripAnnotations(value);
  }
  return out;
}

// An alternative that is itself a plain object schema (not the intrinsic or parameter-Ref forms).
function hasObjectBranch(schema, node) {
  return node.anyOf.some((b) => {
    if (b.$ref === '#/definitions/intrinsic' || b.$ref === '#/definitions/parameterRef') return false;
    const r = b.$ref ? resolve(schema, b.$ref) : b;
    return r.type === 'object' || (Array.isArray(r.anyOf) && hasObjectBranch(schema, r));
  });
}

function collectHints(schema, node, path, hints) {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node.anyOf)) {
    hints.expected[`${path}/anyOf`] = describe(schema, node);
    if (hasObjectBranch(schema, node)) hints.objectBranch.push(`${path}/anyOf`);
  }
  if (node.additionalProperties === false && node.properties) hints.allowed[`${path}/additionalProperties`] = Object.keys(node.properties).join(', ');
  for (const [key, child] of Object.entries(node)) {
    if (key === 'enum' || key === 'default') continue;
    if (Array.isArray(child)) child.forEach((c, i) => collectHints(schema, c, `${path}/${key}/${i}`, hints));
    else if (child && typeof child === 'object') collectHints(schema, child, `${path}/${key}`, hints);
  }
}

export async function run(root) {
  const schema = JSON.parse(readFileSync(join(root, 'schema', 'arc-dynamodb-table.schema.json'), 'utf8'));
  // inlineRefs: false keeps one function per definition instead of copies at every use; messages: false
  // drops ajv's English (macro/model/schema-errors.ts writes the sentences).
  const ajv = new Ajv({ allErrors: true, strict: true, inlineRefs: false, messages: false, code: { source: true, optimize: true } });
  // The validator needs no annotations; stripping them keeps the Lambda bundle small.
  const validate = ajv.compile(stripAnnotations(schema));
  const code = standaloneCode(ajv, validate);
  const hints = { expected: {}, allowed: {}, objectBranch: [] };
  collectHints(schema, schema, '#', hints);

  const out = join(root, 'macro', 'generated');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'validate-table.js'), `/* generated from schema/arc-dynamodb-table.schema.json by scripts/build-steps/10-schema.mjs; do not edit */\n${code}\n`);
  writeFileSync(
    join(out, 'validate-table.d.ts'),
    [
      '/* generated; see scripts/build-steps/10-schema.mjs */',
      "import type { ErrorObject } from 'ajv';",
      'declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };',
      'export = validate;',
      '',
    ].join('\n'),
  );
  writeFileSync(join(out, 'schema-hints.json'), `${JSON.stringify(hints, null, 1)}\n`);
}
