// Compiles schema/arc-dynamodb-table.schema.json (the single source of the resource's schema) into
// a standalone ajv validator, so the macro bundle carries no schema compiler and no eval at run time.
// The validator exports the schema it embeds (`validate.schema`, titles kept): the error formatter
// (macro/model/schema-errors.ts) walks it to say what a property accepts, and the bundle holds it once.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DOC_ONLY = new Set(['description', 'default', '$id', '$schema']);
function strip(node, drop) {
  if (Array.isArray(node)) return node.map((n) => strip(n, drop));
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` maps names to schemas: a property may itself be called Description or Title.
    if (drop.has(key) && (typeof value !== 'object' || key === 'default')) continue;
    out[key] = strip(value, drop);
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

export async function run(root) {
  const schema = JSON.parse(readFileSync(join(root, 'schema', 'arc-dynamodb-table.schema.json'), 'utf8'));
  // inlineRefs: false keeps one function per definition instead of copies at every use; messages: false
  // drops ajv's English (macro/model/schema-errors.ts writes the sentences).
  const ajv = new Ajv({ allErrors: true, strict: true, inlineRefs: false, messages: false, code: { source: true, optimize: true } });
  // The validator is compiled from the schema with its titles kept (the error formatter reads them),
  // and exports the one copy of that schema its code already embeds, so the bundle carries it once.
  const validate = ajv.compile(strip(schema, DOC_ONLY));
  const standalone = standaloneCode(ajv, validate);
  const rootSchema = /^"use strict";module\.exports = (validate\d+);module\.exports\.default = \1;const (schema\d+) = /.exec(standalone);
  if (!rootSchema) throw new Error('ajv standalone output changed shape: cannot find the embedded root schema');
  const code = `${standalone}\nmodule.exports.schema = ${rootSchema[2]};`;

  const out = join(root, 'macro', 'generated');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'validate-table.js'),
    `/* generated from schema/arc-dynamodb-table.schema.json by scripts/build-steps/10-schema.mjs; do not edit */\n${code}\n`,
  );
  writeFileSync(
    join(out, 'validate-table.d.ts'),
    [
      '/* generated; see scripts/build-steps/10-schema.mjs */',
      "import type { ErrorObject } from 'ajv';",
      'declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null; schema: unknown };',
      'export = validate;',
      '',
    ].join('\n'),
  );
}
