// Generates schema/registry/arc-dynamodb-table.json, a CloudFormation registry-style resource
// schema for Arc::DynamoDB::Table, from schema/arc-dynamodb-table.schema.json (the single source
// the macro's ajv validator is compiled from), so that the two cannot drift. Give the folder to
// cfn-lint (`--registry-schemas schema/registry/`) to lint pre-transform templates, or to a YAML
// language server (docs/editors.md).
//
// Differences from the source, and why:
// - Intrinsic functions: the source accepts `{Ref: ...}` / `{Fn::...}` objects as explicit
//   alternatives (the macro sees them unresolved). Registry schemas describe resolved values:
//   cfn-lint validates intrinsic functions itself, against the type the property declares
//   (https://github.com/aws-cloudformation/cfn-lint, src/cfnlint/jsonschema/_keywords_cfn.py), so
//   those alternatives are dropped and an `anyOf` left with one branch is folded into its parent.
// - Scalars as strings: the source also accepts "5" and "true" as explicit string branches.
//   cfn-lint already accepts those for integer/number/boolean types (non-strict types, as
//   CloudFormation does), so a string branch beside such a type is dropped too; keeping it only
//   makes cfn-lint report one error per branch for a single bad value.
// - Registry keys: typeName, primaryIdentifier, readOnlyProperties (the attributes `Fn::GetAtt`
//   may name) and sourceUrl are added (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TYPE_NAME = 'Arc::DynamoDB::Table';
export const SOURCE = 'schema/arc-dynamodb-table.schema.json';
export const TARGET = 'schema/registry/arc-dynamodb-table.json';
/**
 * A whole-template JSON Schema for YAML language servers (docs/editors.md). It lives outside
 * schema/registry/ because cfn-lint loads every *.json under --registry-schemas as a resource
 * type schema.
 */
export const EDITOR_TARGET = 'schema/editor/arc-dynamodb-template.schema.json';

const INTRINSIC_REFS = new Set(['#/definitions/intrinsic', '#/definitions/parameterRef']);

/** The attributes the macro resolves for `Fn::GetAtt` on an Arc table, as on AWS::DynamoDB::Table. */
const READ_ONLY = {
  Arn: { description: 'The table ARN (Fn::GetAtt), as AWS::DynamoDB::Table returns it.', type: 'string' },
  StreamArn: { description: 'The stream ARN (Fn::GetAtt) when StreamEnabled is true, as AWS::DynamoDB::Table returns it.', type: 'string' },
};

function withoutIntrinsics(node) {
  if (Array.isArray(node)) return node.map(withoutIntrinsics);
  if (!node || typeof node !== 'object') return node;
  const own = {};
  for (const [key, value] of Object.entries(node)) if (key !== 'anyOf') own[key] = withoutIntrinsics(value);
  if (!Array.isArray(node.anyOf)) return own;
  const branches = node.anyOf.filter((b) => !(b && typeof b === 'object' && INTRINSIC_REFS.has(b.$ref)));
  const scalarTypes = new Set(branches.map((b) => b.type).filter((t) => t === 'integer' || t === 'number' || t === 'boolean'));
  const kept = branches.filter((b) => !(scalarTypes.size > 0 && isStringFormOfScalar(b))).map(withoutIntrinsics);
  // A single branch left is folded into its parent; the parent's own keys (description) win.
  return kept.length === 1 ? { ...kept[0], ...own } : { ...own, anyOf: kept };
}

/** `{type: string, pattern: <digits>}` or `{enum: ["true", "false"]}`: a scalar written as a string. */
function isStringFormOfScalar(b) {
  if (b.type === 'string' && typeof b.pattern === 'string' && Object.keys(b).every((k) => k === 'type' || k === 'pattern')) return true;
  return Array.isArray(b.enum) && b.enum.length === 2 && b.enum.includes('true') && b.enum.includes('false') && Object.keys(b).length === 1;
}

function referenced(node, refs = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => referenced(n, refs));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') refs.add(v);
      else referenced(v, refs);
    }
  }
  return refs;
}

/** The registry schema, as the exact text written to TARGET. Pure: the same source gives the same bytes. */
export function generate(source) {
  const stripped = withoutIntrinsics(source);
  // Definitions only reachable through the dropped alternatives go too (transitively).
  let definitions = { ...stripped.definitions };
  for (;;) {
    const used = referenced({ properties: stripped.properties, definitions });
    const next = Object.fromEntries(Object.entries(definitions).filter(([name]) => used.has(`#/definitions/${name}`)));
    if (Object.keys(next).length === Object.keys(definitions).length) break;
    definitions = next;
  }
  for (const name of Object.keys(READ_ONLY)) {
    if (name in stripped.properties) throw new Error(`${SOURCE}: property ${name} clashes with a read-only attribute of the registry schema`);
  }
  const schema = {
    typeName: TYPE_NAME,
    description: source.description,
    sourceUrl: 'https://github.com/sourcefuse/arc-dynamodb',
    definitions,
    properties: { ...stripped.properties, ...READ_ONLY },
    additionalProperties: false,
    required: source.required ?? [],
    readOnlyProperties: Object.keys(READ_ONLY).map((n) => `/properties/${n}`),
    primaryIdentifier: ['/properties/Arn'],
    tagging: { taggable: true, tagOnCreate: true, tagUpdatable: true, cloudFormationSystemTags: false, tagProperty: '/properties/Tags' },
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/**
 * The editor schema: any CloudFormation template, where each resource whose Type is
 * Arc::DynamoDB::Table has Properties checked against the source schema itself (intrinsics
 * included, since an editor sees them unresolved). Other resources and sections are left open.
 */
export function generateEditorSchema(source) {
  const TABLE = 'arcDynamoDbTableProperties';
  const RESOURCE = 'cloudFormationResource';
  for (const name of [TABLE, RESOURCE]) if (name in source.definitions) throw new Error(`${SOURCE}: definition ${name} clashes with the editor schema's own`);
  const { $schema: _s, $id: _i, definitions, ...table } = source;
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'CloudFormation template with Arc::DynamoDB::Table resources (arc-dynamodb)',
    description:
      'Generated from schema/arc-dynamodb-table.schema.json by scripts/build-steps/20-registry.mjs. ' +
      'Checks the Properties of Arc::DynamoDB::Table resources; everything else is left to other tools.',
    type: 'object',
    properties: {
      Resources: { type: 'object', additionalProperties: { $ref: `#/definitions/${RESOURCE}` } },
    },
    definitions: {
      [RESOURCE]: {
        type: 'object',
        properties: { Type: { type: 'string' } },
        if: { properties: { Type: { const: TYPE_NAME } }, required: ['Type'] },
        then: { properties: { Properties: { $ref: `#/definitions/${TABLE}` } }, required: ['Properties'] },
      },
      [TABLE]: table,
      ...definitions,
    },
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export async function run(root) {
  const source = JSON.parse(readFileSync(join(root, SOURCE), 'utf8'));
  mkdirSync(join(root, 'schema', 'registry'), { recursive: true });
  writeFileSync(join(root, TARGET), generate(source));
  mkdirSync(join(root, 'schema', 'editor'), { recursive: true });
  writeFileSync(join(root, EDITOR_TARGET), generateEditorSchema(source));
}
