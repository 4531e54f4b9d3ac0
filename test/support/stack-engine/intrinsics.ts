/**
 * Template values as CloudFormation resolves them before a resource handler sees them. The
 * evaluation itself is the project's one evaluator (contract/intrinsics.ts); this module adds
 * what only a stack has: parameters with their types and defaults, and the dependency graph.
 *
 * - Parameters: given values, else Default; list types (CommaDelimitedList, List<...>) become
 *   lists; AllowedValues is checked (CloudFormation User Guide, "Parameters" section).
 * - Pseudo-parameters AWS::StackId, AWS::StackName, AWS::Region, AWS::AccountId,
 *   AWS::Partition, AWS::URLSuffix, AWS::NoValue (User Guide, "Pseudo parameters reference").
 *   `Ref: AWS::NoValue` removes the property or list item ("Fn::If": "AWS::NoValue ... removes
 *   the corresponding resource property").
 * - Intrinsic functions (User Guide, "Intrinsic function reference"): Ref, Fn::GetAtt (list or
 *   "A.B" form), Fn::Sub (string or [string, map], `${A.B}` attribute form, `${!x}` escape),
 *   Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Base64, Fn::If, and the condition
 *   functions Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition.
 * - Dependencies (User Guide, "DependsOn attribute"): a resource depends on every resource it
 *   names with Ref, Fn::GetAtt or Fn::Sub, and on its DependsOn list.
 */
import {
  asCloudFormationStrings,
  Evaluator as Intrinsics,
  IntrinsicError,
  intrinsicName,
  NO_VALUE,
  partitionOf,
  pseudoParameters,
  type PseudoInput,
} from '../../../contract/intrinsics';
import type { Json, Template } from './types';

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export { NO_VALUE, partitionOf };

export { pseudoParameters, type PseudoInput };

/** Parameter values as CloudFormation hands them to Ref: strings, or lists of strings. */
export function resolveParameters(template: Template, given: Record<string, string> = {}): Record<string, string | string[]> {
  const declared = template.Parameters ?? {};
  const unknown = Object.keys(given).filter((k) => !(k in declared));
  if (unknown.length > 0) throw new TemplateError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const out: Record<string, string | string[]> = {};
  const missing: string[] = [];
  for (const [name, decl] of Object.entries(declared)) {
    const raw = name in given ? given[name] : decl.Default;
    if (raw === undefined) {
      missing.push(name);
      continue;
    }
    const text = Array.isArray(raw) ? raw.map(String).join(',') : String(raw);
    const type = String(decl.Type ?? 'String');
    if (Array.isArray(decl.AllowedValues) && !decl.AllowedValues.map(String).includes(text)) {
      throw new TemplateError(`Parameter '${name}' must be one of AllowedValues`);
    }
    if (type === 'Number' && !Number.isFinite(Number(text))) throw new TemplateError(`Parameter '${name}' must be a number not '${text}'`);
    out[name] = type === 'CommaDelimitedList' || type.startsWith('List<') ? text.split(',').map((s) => s.trim()) : text;
  }
  if (missing.length > 0) throw new TemplateError(`Parameters: [${missing.join(', ')}] must have values`);
  return out;
}

const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The one key of `{ Ref }` / `{ Fn::X }` / `{ Condition }`, else undefined (the project's one check). */
export const intrinsicKey = intrinsicName;

/** `${Name}` and `${Name.Attr}` variables of an Fn::Sub string (escapes `${!...}` excluded). */
function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}!][^}]*)\}/g)].map((m) => m[1].trim());
}

/** Logical IDs of resources a value refers to (Ref, Fn::GetAtt, Fn::Sub). */
export function references(value: unknown, resourceIds: Set<string>, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) references(v, resourceIds, out);
    return out;
  }
  if (!isObj(value)) return out;
  const key = intrinsicKey(value);
  if (key === 'Ref' && typeof value.Ref === 'string' && resourceIds.has(value.Ref)) out.add(value.Ref);
  if (key === 'Fn::GetAtt') {
    const arg = value['Fn::GetAtt'];
    const id = Array.isArray(arg) ? arg[0] : typeof arg === 'string' ? arg.split('.')[0] : undefined;
    if (typeof id === 'string' && resourceIds.has(id)) out.add(id);
  }
  if (key === 'Fn::Sub') {
    const arg = value['Fn::Sub'];
    const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    const local = isObj(vars) ? Object.keys(vars) : [];
    if (typeof text === 'string') {
      for (const name of subVariables(text)) {
        const id = name.split('.')[0];
        if (!local.includes(name) && resourceIds.has(id)) out.add(id);
      }
    }
    references(vars, resourceIds, out);
    return out;
  }
  for (const v of Object.values(value)) references(v, resourceIds, out);
  return out;
}

/** How the evaluator reads other resources: Ref and Fn::GetAtt values. */
export interface ResourceLookup {
  ref(logicalId: string): string | undefined;
  getAtt(logicalId: string, attribute: string): unknown;
}

/**
 * The engine's view of the project's one intrinsics evaluator (contract/intrinsics.ts), strict:
 * CloudFormation resolves everything before a handler runs, so what cannot be resolved is a
 * TemplateError here, never a value left for later.
 */
export class Evaluator {
  private readonly inner: Intrinsics;

  constructor(template: Template, parameters: Record<string, string | string[]>, pseudo: Record<string, string>, lookup: ResourceLookup) {
    this.inner = new Intrinsics({
      parameters,
      pseudo,
      conditions: template.Conditions ?? {},
      mappings: template.Mappings as Record<string, Record<string, Record<string, unknown>>> | undefined,
      resources: {
        has: (id) => Object.prototype.hasOwnProperty.call(template.Resources, id),
        ref: (id) => lookup.ref(id),
        getAtt: (id, a) => lookup.getAtt(id, a),
      },
      unresolved: 'throw',
    });
  }

  /** A named condition of the Conditions section. */
  condition(name: string): boolean {
    return this.guard(() => this.inner.condition(name) as boolean);
  }

  /** The value with every intrinsic resolved; properties and items that are AWS::NoValue dropped. */
  resolve(value: unknown): unknown {
    return this.guard(() => this.inner.evaluate(value));
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof IntrinsicError) throw new TemplateError(`Template error: ${e.message}`);
      throw e;
    }
  }
}

/** Every scalar as a string: how custom resources receive their properties (the evaluator's own conversion). */
export const stringify = asCloudFormationStrings;

/** Deep equality of two resolved property sets (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObj(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  return v;
}
