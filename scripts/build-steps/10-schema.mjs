// Compiles schema/arc-dynamodb-table.schema.json (the single source of the resource's schema) into
// a standalone ajv validator, so the macro bundle carries no schema compiler and no eval at run time.
// Also writes schema-min.json, the schema with only its titles as annotations: the error formatter
// (macro/model/schema-errors.ts) walks it to say what a property accepts.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ANNOTATIONS = new Set(['description', 'default', 'title', '$id', '$schema']);
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
  // The validator needs no annotations; stripping them keeps the Lambda bundle small.
  const validate = ajv.compile(strip(schema, ANNOTATIONS));
  const code = standaloneCode(ajv, validate);

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
      'declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };',
      'export = validate;',
      '',
    ].join('\n'),
  );
  writeFileSync(join(out, 'schema-min.json'), `${JSON.stringify(strip(schema, DOC_ONLY))}\n`);
}
