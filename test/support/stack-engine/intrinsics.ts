/**
 * Template values as CloudFormation resolves them before a resource handler sees them.
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
import type { Json, Template } from './types';

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export const NO_VALUE = Symbol('AWS::NoValue');

export interface PseudoInput {
  stackId: string;
  stackName: string;
  region: string;
  accountId: string;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function pseudoParameters(p: PseudoInput): Record<string, string> {
  const partition = partitionOf(p.region);
  return {
    'AWS::StackId': p.stackId,
    'AWS::StackName': p.stackName,
    'AWS::Region': p.region,
    'AWS::AccountId': p.accountId,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
  };
}

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

/** The one key of `{ Ref }` / `{ Fn::X }` / `{ Condition }`, else undefined. */
export function intrinsicKey(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  return keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::') ? keys[0] : undefined;
}

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

export class Evaluator {
  private readonly conditionValues = new Map<string, boolean>();
  private readonly evaluating = new Set<string>();

  constructor(
    private readonly template: Template,
    private readonly parameters: Record<string, string | string[]>,
    private readonly pseudo: Record<string, string>,
    private readonly lookup: ResourceLookup,
  ) {}

  /** A named condition of the Conditions section. */
  condition(name: string): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const conditions = this.template.Conditions ?? {};
    if (!(name in conditions)) throw new TemplateError(`Template format error: Unresolved condition dependency ${name}`);
    if (this.evaluating.has(name)) throw new TemplateError(`Template format error: circular condition ${name}`);
    this.evaluating.add(name);
    const v = this.test(conditions[name]);
    this.evaluating.delete(name);
    this.conditionValues.set(name, v);
    return v;
  }

  private test(expr: unknown): boolean {
    const key = intrinsicKey(expr);
    const arg = key ? (expr as Json)[key] : undefined;
    if (key === 'Condition' && typeof arg === 'string') return this.condition(arg);
    if (!Array.isArray(arg)) throw new TemplateError(`Template error: invalid condition ${JSON.stringify(expr)}`);
    switch (key) {
      case 'Fn::Equals': {
        const [a, b] = arg.map((x) => this.resolve(x));
        return JSON.stringify(stringify(a)) === JSON.stringify(stringify(b));
      }
      case 'Fn::Not':
        return !this.test(arg[0]);
      case 'Fn::And':
        return arg.every((x) => this.test(x));
      case 'Fn::Or':
        return arg.some((x) => this.test(x));
      default:
        throw new TemplateError(`Template error: ${key} is not a condition function`);
    }
  }

  /** The value with every intrinsic resolved; properties and items that are AWS::NoValue dropped. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (!isObj(value)) return value;
    const key = intrinsicKey(value);
    if (!key) {
      const out: Json = {};
      for (const [k, v] of Object.entries(value)) {
        const r = this.resolve(v);
        if (r !== NO_VALUE) out[k] = r;
      }
      return out;
    }
    const arg = value[key];
    switch (key) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Condition':
        return this.condition(String(arg));
      case 'Fn::GetAtt': {
        const [id, ...attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        return this.getAtt(String(id), attr.join('.'));
      }
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2) throw new TemplateError('Template error: Fn::Join takes [delimiter, list]');
        const parts = this.resolve(arg[1]);
        if (!Array.isArray(parts)) throw new TemplateError('Template error: Fn::Join needs a list');
        return parts.map((p) => scalar(p, 'Fn::Join')).join(String(arg[0]));
      }
      case 'Fn::Select': {
        const [index, list] = [this.resolve((arg as unknown[])[0]), this.resolve((arg as unknown[])[1])];
        if (!Array.isArray(list) || list[Number(index)] === undefined) throw new TemplateError('Template error: Fn::Select index out of bounds');
        return list[Number(index)];
      }
      case 'Fn::Split': {
        const [delimiter, source] = [String((arg as unknown[])[0]), this.resolve((arg as unknown[])[1])];
        return scalar(source, 'Fn::Split').split(delimiter);
      }
      case 'Fn::FindInMap': {
        const [m, k1, k2] = (arg as unknown[]).map((x) => scalar(this.resolve(x), 'Fn::FindInMap'));
        const v = this.template.Mappings?.[m]?.[k1]?.[k2];
        if (v === undefined) throw new TemplateError(`Template error: Unable to get mapping for ${m}::${k1}::${k2}`);
        return v;
      }
      case 'Fn::Base64':
        return Buffer.from(scalar(this.resolve(arg), 'Fn::Base64'), 'utf8').toString('base64');
      case 'Fn::If': {
        if (!Array.isArray(arg) || arg.length !== 3) throw new TemplateError('Template error: Fn::If takes [condition, then, else]');
        return this.resolve(this.condition(String(arg[0])) ? arg[1] : arg[2]);
      }
      default:
        throw new TemplateError(`Template error: the stack engine does not implement ${key}`);
    }
  }

  private ref(name: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in this.pseudo) return this.pseudo[name];
    if (name in this.parameters) return this.parameters[name];
    if (name in this.template.Resources) {
      const v = this.lookup.ref(name);
      if (v === undefined) throw new TemplateError(`Template error: resource ${name} has no physical ID yet (is it conditioned out?)`);
      return v;
    }
    throw new TemplateError(`Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`);
  }

  private getAtt(id: string, attribute: string): unknown {
    if (!(id in this.template.Resources)) throw new TemplateError(`Template error: instance of Fn::GetAtt references undefined resource ${id}`);
    const v = this.lookup.getAtt(id, attribute);
    if (v === undefined) throw new TemplateError(`Template error: resource ${id} has no attribute ${attribute}`);
    return v;
  }

  private sub(arg: unknown): string {
    const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
    if (typeof text !== 'string' || !isObj(vars)) throw new TemplateError('Template error: Fn::Sub takes a string or [string, map]');
    const local = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, this.resolve(v)]));
    return text.replace(/\$\{([^}]*)\}/g, (_m, raw: string) => {
      if (raw.startsWith('!')) return `\${${raw.slice(1)}}`;
      const name = raw.trim();
      if (name in local) return scalar(local[name], 'Fn::Sub');
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [id, ...attr] = name.split('.');
        return scalar(this.getAtt(id, attr.join('.')), 'Fn::Sub');
      }
      return scalar(this.ref(name), 'Fn::Sub');
    });
  }
}

function scalar(v: unknown, fn: string): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`Template error: ${fn} needs a string, got ${JSON.stringify(v)}`);
}

/** Every scalar as a string: how custom resources receive their properties, and how Fn::Equals compares. */
export function stringify(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stringify);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stringify(x)]));
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
}

/** Deep equality of two resolved property sets (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
