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

// ajv's standalone output carries what this validator never needs; the macro's bundle target (under 150 KB,
// bench/macro.bench.ts) leaves no room for it. Each rewrite below is checked: if ajv's output changes shape,
// the build fails here instead of shipping a validator that was rewritten in part.
//   - `schemaPath` on each error: the formatter (macro/model/schema-errors.ts) reads instancePath, keyword and
//     params, never schemaPath;
//   - parentData, parentDataProperty and rootData passed to each sub-validator: they serve `$data` references
//     and dynamic anchors, which this schema does not use (ajv's `$data` option is off);
//   - the same statements at each of the error pushes, sub-validator calls and merges, property checks
//     and `anyOf: [enum, $ref]` values, as shared functions (HELPERS) whose results are the same errors.
const REWRITES = [
  { name: 'schemaPath', from: /schemaPath:"[^"]*",/g, to: '' },
  {
    name: 'error push',
    from: /const (err\d+) = (\{instancePath[^;]*?\});if\(vErrors === null\)\{vErrors = \[\1\];\}else \{vErrors\.push\(\1\);\}errors\+\+;/g,
    to: (_, _name, error) => `vErrors = pushObject(vErrors, ${error});errors++;`,
  },
  {
    name: 'error fields',
    from: /pushObject\(vErrors, \{instancePath(?::([^,{}]+))?,keyword:("\w+"),params:(\{[^{}]*\})\}\)/g,
    to: (_, path, keyword, params) => `pushError(vErrors, ${path ?? 'instancePath'}, ${keyword}, ${params})`,
  },
  {
    name: 'sub-validator merge',
    from: /vErrors = vErrors === null \? (validate\d+)\.errors : vErrors\.concat\(\1\.errors\);errors = vErrors\.length;/g,
    to: (_, fn) => `vErrors = concatErrors(vErrors, ${fn}.errors);errors = vErrors.length;`,
  },
  { name: 'call context', from: /,parentData:[\w$]+,parentDataProperty:("[^"]*"|[\w$]+),rootData\}/g, to: '}' },
  { name: 'passed context', from: /\{instancePath,parentData,parentDataProperty,rootData\}/g, to: '{instancePath}' },
  { name: 'signature', from: /\{instancePath="", parentData, parentDataProperty, rootData=data\}=\{\}/g, to: '{instancePath=""}={}' },
  {
    name: 'sub-validator call',
    from: /if\(!\((validate\d+)\(([^,()]+), \{instancePath:([^{}]*)\}\)\)\)\{vErrors = concatErrors\(vErrors, \1\.errors\);errors = vErrors\.length;\}/g,
    // A failed sub-validator always yields a new list (concatErrors), so "changed" is "failed".
    to: (_, fn, data, path) =>
      `{const merged = callValidator(${fn}, ${data}, ${path}, vErrors);if(merged !== vErrors){vErrors = merged;errors = vErrors.length;}}`,
  },
  {
    name: 'property call',
    from: new RegExp(
      String.raw`if\((data\d*)\.(\w+) !== undefined\)\{\{const merged = callValidator\((validate\d+), \1\.\2, instancePath\+"\/\2", vErrors\);` +
        String.raw`if\(merged !== vErrors\)\{vErrors = merged;errors = vErrors\.length;\}\}\}`,
      'g',
    ),
    to: (_, data, key, fn) =>
      `{const merged = callProperty(${fn}, ${data}, "${key}", instancePath, vErrors);if(merged !== vErrors){vErrors = merged;errors = vErrors.length;}}`,
  },
  {
    name: 'enum or reference',
    from: new RegExp(
      [
        String.raw`const (_errs\d+) = errors;let (valid\d+) = false;const (_errs\d+) = errors;if\(!\([^{}]*?\)\)\{`,
        String.raw`vErrors = pushError\(vErrors, (instancePath(?:\+"[^"]*")?), "enum", \{allowedValues: ([\w.[\]]+)\}\);errors\+\+;\}`,
        String.raw`var (_valid\d+) = \3 === errors;\2 = \2 \|\| \6;if\(!\2\)\{const (_errs\d+) = errors;`,
        String.raw`\{const merged = callValidator\((validate\d+), (data\d*), \4, vErrors\);`,
        String.raw`if\(merged !== vErrors\)\{vErrors = merged;errors = vErrors\.length;\}\}`,
        String.raw`var \6 = \7 === errors;\2 = \2 \|\| \6;\}if\(!\2\)\{vErrors = pushError\(vErrors, \4, "anyOf", \{\}\);errors\+\+;\}`,
        String.raw`else \{errors = \1;if\(vErrors !== null\)\{if\(\1\)\{vErrors\.length = \1;\}else \{vErrors = null;\}\}\}`,
      ].join(''),
      'g',
    ),
    // ajv keeps errors equal to vErrors' length (its merges set one from the other), so it is recounted.
    to: (_, _a, _b, _c, path, allowed, _d, _e, fn, data) =>
      `vErrors = enumOrReference(vErrors, ${data}, ${allowed}, ${fn}, ${path});errors = vErrors === null ? 0 : vErrors.length;`,
  },
];
const HELPERS = [
  'function pushObject(v, e){if(v === null) return [e]; v.push(e); return v;}',
  'function pushError(v, instancePath, keyword, params){return pushObject(v, {instancePath, keyword, params});}',
  'function concatErrors(v, e){return v === null ? e : v.concat(e);}',
  'function callValidator(f, data, instancePath, v){return f(data, {instancePath}) ? v : concatErrors(v, f.errors);}',
  // anyOf [enum, $ref]: valid when either is; else the enum's error, the reference's, then anyOf's.
  'function enumOrReference(v, data, allowedValues, f, instancePath){if(allowedValues.includes(data)) return v;',
  'const before = v === null ? 0 : v.length;const withEnum = pushError(v, instancePath, "enum", {allowedValues});',
  'const merged = callValidator(f, data, instancePath, withEnum);if(merged !== withEnum) return pushError(merged, instancePath, "anyOf", {});',
  'if(before){withEnum.length = before;return withEnum;}return null;}',
  // Only for the schema's own property names, which are plain words: no JSON-pointer escaping needed.
  'function callProperty(f, data, key, instancePath, v){return data[key] === undefined ? v : callValidator(f, data[key], instancePath + "/" + key, v);}',
].join('');

export function compact(standalone) {
  let code = standalone;
  for (const { name, from, to } of REWRITES) {
    const before = code;
    code = code.replace(from, to);
    if (code === before) throw new Error(`ajv standalone output changed shape: the "${name}" rewrite matched nothing`);
  }
  // What must be gone entirely, so no error push or context use was left half-rewritten.
  for (const leftover of [/schemaPath/, /parentData/, /rootData/, /vErrors\.push\(err/, /vErrors\.concat\(validate/]) {
    if (leftover.test(code)) throw new Error(`ajv standalone output changed shape: ${leftover} is left after the rewrites`);
  }
  if (!code.startsWith('"use strict";')) throw new Error('ajv standalone output changed shape: no "use strict" prologue');
  return `"use strict";${HELPERS}${code.slice('"use strict";'.length)}`;
}

/** ajv's standalone module for the schema, as ajv writes it (before `compact`). */
export function standaloneOf(schema) {
  // inlineRefs: false keeps one function per definition instead of copies at every use; messages: false
  // drops ajv's English (macro/model/schema-errors.ts writes the sentences).
  const ajv = new Ajv({ allErrors: true, strict: true, inlineRefs: false, messages: false, code: { source: true, optimize: true } });
  // The validator is compiled from the schema with its titles kept (the error formatter reads them),
  // and exports the one copy of that schema its code already embeds, so the bundle carries it once.
  const validate = ajv.compile(strip(schema, DOC_ONLY));
  return standaloneCode(ajv, validate);
}

export async function run(root) {
  const schema = JSON.parse(readFileSync(join(root, 'schema', 'arc-dynamodb-table.schema.json'), 'utf8'));
  const standalone = standaloneOf(schema);
  const rootSchema = /^"use strict";module\.exports = (validate\d+);module\.exports\.default = \1;const (schema\d+) = /.exec(standalone);
  if (!rootSchema) throw new Error('ajv standalone output changed shape: cannot find the embedded root schema');
  const code = `${compact(standalone)}\nmodule.exports.schema = ${rootSchema[2]};`;

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
      // schemaPath is rewritten away (see compact above).
      "declare const validate: ((data: unknown) => boolean) & { errors?: Omit<ErrorObject, 'schemaPath'>[] | null; schema: unknown };",
      'export = validate;',
      '',
    ].join('\n'),
  );
}
