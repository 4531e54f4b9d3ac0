/**
 * A structural check of a CloudFormation template against the AWS service specification
 * shipped in @aws-cdk/aws-service-spec (the same database the CDK generates L1 constructs from).
 *
 * It reports: unknown resource types, unknown and missing required properties, primitive type
 * mismatches, values outside `allowedValues`, recursing into type definitions, arrays, maps and
 * unions. Intrinsic functions (`Ref`, `Fn::*`) are accepted wherever a value may go, as
 * CloudFormation resolves them before the resource handler validates. Custom resources
 * (`Custom::*`, `AWS::CloudFormation::CustomResource`) have free-form properties and are skipped.
 * It has no cross-field rules: cfn-lint covers those.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, TypeDefinition, Property } from '@aws-cdk/service-spec-types';

export interface SpecFinding {
  /** Slash-separated path from the template root, e.g. `Resources/T/Properties/TableNme`. */
  path: string;
  message: string;
}

type Db = ReturnType<typeof loadAwsServiceSpecSync>;
let database: Db | undefined;
function db(): Db {
  // Loading the gzipped database takes ~0.4 s: once per process.
  database ??= loadAwsServiceSpecSync();
  return database;
}

const resourceCache = new Map<string, Resource | null>();
function resourceType(cfnType: string): Resource | undefined {
  if (!resourceCache.has(cfnType)) resourceCache.set(cfnType, db().lookup('resource', 'cloudFormationType', 'equals', cfnType)[0] ?? null);
  return resourceCache.get(cfnType) ?? undefined;
}

/** Resource-level keys CloudFormation accepts (Template anatomy, "Resources" section). */
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);
const POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];

function isIntrinsic(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function typeName(t: PropertyType): string {
  switch (t.type) {
    case 'ref':
      return db().get('typeDefinition', t.reference).name;
    case 'array':
      return `Array<${typeName(t.element)}>`;
    case 'map':
      return `Map<${typeName(t.element)}>`;
    case 'union':
      return t.types.map(typeName).join(' | ');
    default:
      return t.type;
  }
}

function checkProperties(props: Record<string, Property>, value: unknown, path: string, owner: string, out: SpecFinding[]): void {
  if (isIntrinsic(value)) return;
  if (!isPlainObject(value)) {
    out.push({ path, message: `expected an object (${owner}), got ${show(value)}` });
    return;
  }
  for (const [name, v] of Object.entries(value)) {
    const prop = props[name];
    if (!prop) out.push({ path: `${path}/${name}`, message: `unknown property '${name}' of ${owner}` });
    else checkValue(prop.type, v, `${path}/${name}`, out);
  }
  for (const [name, prop] of Object.entries(props)) {
    if (prop.required && !(name in value)) out.push({ path, message: `missing required property '${name}' of ${owner}` });
  }
}

function checkValue(t: PropertyType, v: unknown, path: string, out: SpecFinding[]): void {
  if (isIntrinsic(v)) return;
  const bad = (what: string) => out.push({ path, message: `expected ${what}, got ${show(v)}` });
  switch (t.type) {
    case 'json':
      return;
    case 'string':
    case 'date-time':
      // Strict: CloudFormation would convert a number here, but the macro must emit strings.
      if (typeof v !== 'string') return void bad('a string');
      if (t.type === 'string' && t.allowedValues && !t.allowedValues.includes(String(v))) {
        out.push({ path, message: `${show(v)} is not one of ${t.allowedValues.join(', ')}` });
      }
      return;
    case 'integer':
    case 'number': {
      // CloudFormation accepts numbers written as strings ("5").
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n) || (t.type === 'integer' && !Number.isInteger(n)))
        return void bad(t.type === 'integer' ? 'an integer' : 'a number');
      if (t.type === 'integer' && t.allowedValues && !t.allowedValues.includes(n))
        out.push({ path, message: `${show(v)} is not one of ${t.allowedValues.join(', ')}` });
      return;
    }
    case 'boolean':
      if (typeof v !== 'boolean' && v !== 'true' && v !== 'false') bad('a boolean');
      return;
    case 'null':
      if (v !== null) bad('null');
      return;
    case 'tag':
      checkProperties(TAG_PROPERTIES, v, path, 'Tag', out);
      return;
    case 'ref': {
      const def: TypeDefinition = db().get('typeDefinition', t.reference);
      checkProperties(def.properties, v, path, def.name, out);
      return;
    }
    case 'array':
      if (!Array.isArray(v)) return void bad(`a list (${typeName(t)})`);
      v.forEach((e, i) => checkValue(t.element, e, `${path}/${i}`, out));
      return;
    case 'map':
      if (!isPlainObject(v)) return void bad(`a map (${typeName(t)})`);
      for (const [k, e] of Object.entries(v)) checkValue(t.element, e, `${path}/${k}`, out);
      return;
    case 'union': {
      // Valid if any member type accepts the value; otherwise report the closest member's findings.
      let best: SpecFinding[] | undefined;
      for (const member of t.types) {
        const found: SpecFinding[] = [];
        checkValue(member, v, path, found);
        if (found.length === 0) return;
        if (!best || found.length < best.length) best = found;
      }
      out.push(...(best ?? []));
      return;
    }
  }
}

const TAG_PROPERTIES: Record<string, Property> = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};

/** Checks every resource of a template. Returns no findings for a structurally valid template. */
export function checkTemplateStructure(template: unknown): SpecFinding[] {
  const out: SpecFinding[] = [];
  if (!isPlainObject(template)) return [{ path: '', message: `a template must be an object, got ${show(template)}` }];
  const resources = template.Resources;
  if (!isPlainObject(resources)) return [{ path: 'Resources', message: 'a template needs a Resources object' }];
  for (const [id, resource] of Object.entries(resources)) {
    const path = `Resources/${id}`;
    if (!isPlainObject(resource)) {
      out.push({ path, message: `a resource must be an object, got ${show(resource)}` });
      continue;
    }
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.has(key)) out.push({ path: `${path}/${key}`, message: `unknown resource attribute '${key}'` });
    for (const key of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      const policy = resource[key];
      if (policy !== undefined && !isIntrinsic(policy) && !POLICIES.includes(String(policy)))
        out.push({ path: `${path}/${key}`, message: `${show(policy)} is not one of ${POLICIES.join(', ')}` });
    }
    const type = resource.Type;
    if (typeof type !== 'string') {
      out.push({ path: `${path}/Type`, message: `a resource needs a Type string, got ${show(type)}` });
      continue;
    }
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') continue;
    const spec = resourceType(type);
    if (!spec) {
      out.push({ path: `${path}/Type`, message: `unknown resource type '${type}'` });
      continue;
    }
    checkProperties(spec.properties, resource.Properties ?? {}, `${path}/Properties`, type, out);
  }
  return out;
}
