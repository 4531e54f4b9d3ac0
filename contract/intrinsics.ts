/**
 * The one evaluator of CloudFormation's intrinsic functions in this project. The macro's
 * parameter resolution, `local up`, the native-table translation and the tests' stack engine all
 * use it, so the same template resolves the same way everywhere. Pure, with no imports.
 *
 * Policy (CloudFormation user guide, "Intrinsic function reference", "Condition functions",
 * "Pseudo parameters reference"):
 * - `Ref`: `AWS::NoValue` removes the property or list item it stands in; a pseudo parameter or a
 *   template parameter gives its value; a resource gives what `resources.ref` says.
 * - `Fn::GetAtt` (`[Id, Attr]` or `"Id.Attr"`): what `resources.getAtt` says.
 * - `Fn::Sub` (string or `[string, map]`, `${Id.Attr}`, the `${!Literal}` escape), `Fn::Join`,
 *   `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Base64`: computed once every argument is known.
 * - `Fn::If` picks a branch once its condition is known; `Fn::Equals` compares as CloudFormation
 *   does, as strings (a number and its decimal string are equal), lists element by element;
 *   `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition` as in the guide; a condition that refers to
 *   itself is an error.
 * - What cannot be known (a resource without a lookup, an unknown parameter, a function this
 *   evaluator has no data for): with `unresolved: 'keep'` the expression stays as written, so the
 *   caller can name it or skip it; with `unresolved: 'throw'` it is an IntrinsicError naming the
 *   path. A value is never guessed.
 */

export const NO_VALUE = Symbol('AWS::NoValue');

type Json = Record<string, unknown>;

const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not', 'Condition']);

/** The function of `{Ref}`, `{Condition}` or `{Fn::X}` (an object with exactly that one key), else undefined. */
export function intrinsicName(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0];
  return k === 'Ref' || k === 'Condition' || k.startsWith('Fn::') ? k : undefined;
}

export const isIntrinsic = (v: unknown): boolean => intrinsicName(v) !== undefined;

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

export interface PseudoInput {
  stackName: string;
  region: string;
  accountId: string;
  /** A local stack has no real ID: a fixed, well-formed stack ARN stands in. */
  stackId?: string;
}

export function pseudoParameters(p: PseudoInput): Record<string, string> {
  const partition = partitionOf(p.region);
  return {
    'AWS::StackName': p.stackName,
    'AWS::Region': p.region,
    'AWS::AccountId': p.accountId,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackId': p.stackId ?? `arn:${partition}:cloudformation:${p.region}:${p.accountId}:stack/${p.stackName}/00000000-0000-0000-0000-000000000000`,
  };
}

/**
 * `Ref` to a template parameter: its value when the parameters hold it (an own property: a
 * parameter named `constructor` is not Object.prototype's). The evaluator's Ref starts here, and
 * the macro, which resolves only parameters, calls it alone.
 */
export function parameterValue(name: string, parameters: Record<string, unknown> | undefined): { found: true; value: unknown } | { found: false } {
  return parameters !== undefined && Object.prototype.hasOwnProperty.call(parameters, name) ? { found: true, value: parameters[name] } : { found: false };
}

/** How the evaluator reads other resources of the stack. */
export interface ResourceLookup {
  has(logicalId: string): boolean;
  /** undefined: not known (yet). */
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
}

export interface EvalContext {
  parameters?: Record<string, unknown>;
  pseudo?: Record<string, unknown>;
  conditions?: Record<string, unknown>;
  mappings?: Record<string, Record<string, Record<string, unknown>>>;
  resources?: ResourceLookup;
  unresolved: 'keep' | 'throw';
}

export class IntrinsicError extends Error {
  constructor(
    readonly path: string,
    message: string,
    /** True when the value is fine but cannot be known here (as opposed to a template error). */
    readonly cannotBeKnown = false,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'IntrinsicError';
  }
}

/** Thrown inside the evaluator when something cannot be known; caught where 'keep' applies. */
class Unknown extends Error {}

const has = (o: object | undefined, k: string) => o !== undefined && Object.prototype.hasOwnProperty.call(o, k);
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const join = (path: string, k: string | number) => (typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k);

/** Every scalar as the string CloudFormation would see (how Fn::Equals compares). */
export function asCloudFormationStrings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asCloudFormationStrings);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asCloudFormationStrings(x)]));
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
}

export class Evaluator {
  private readonly known = new Map<string, boolean>();
  private readonly evaluating = new Set<string>();

  constructor(private readonly ctx: EvalContext) {}

  /** The value with every intrinsic it can settle settled; AWS::NoValue properties and items dropped. */
  evaluate(value: unknown, path = ''): unknown {
    const out = this.walk(value, path);
    return out === NO_VALUE ? undefined : out;
  }

  /** A named condition; undefined (with 'keep') when it depends on something unknown. */
  condition(name: string, path = `Conditions.${name}`): boolean | undefined {
    try {
      return this.conditionOrThrow(name, path);
    } catch (e) {
      if (e instanceof Unknown && this.ctx.unresolved === 'keep') return undefined;
      if (e instanceof Unknown) throw new IntrinsicError(path, e.message, true);
      throw e;
    }
  }

  private walk(v: unknown, path: string): unknown {
    if (Array.isArray(v)) return v.map((e, i) => this.walk(e, join(path, i))).filter((e) => e !== NO_VALUE);
    if (!isObj(v)) return v;
    const fn = intrinsicName(v);
    if (fn === undefined || (CONDITION_FUNCTIONS.has(fn) && fn !== 'Condition')) {
      if (fn !== undefined) return v; // a condition function outside Conditions: left to CloudFormation
      const out: Json = {};
      for (const [k, e] of Object.entries(v)) {
        const r = this.walk(e, join(path, k));
        if (r !== NO_VALUE) out[k] = r;
      }
      return out;
    }
    try {
      return this.call(fn, v[fn], path);
    } catch (e) {
      if (!(e instanceof Unknown)) throw e;
      if (this.ctx.unresolved === 'throw') throw new IntrinsicError(path, e.message, true);
      return v;
    }
  }

  /** Like walk, but an unknown part makes the whole call unknown (for function arguments). */
  private strict(v: unknown, path: string): unknown {
    const out = this.walk(v, path);
    if (containsIntrinsic(out)) throw new Unknown(`${intrinsicName(firstIntrinsic(out)) ?? 'a value'} cannot be resolved here`);
    return out;
  }

  private scalar(v: unknown, path: string, fn: string): string {
    const r = this.strict(v, path);
    if (typeof r === 'string' || typeof r === 'number' || typeof r === 'boolean') return String(r);
    throw new IntrinsicError(path, `${fn} needs a string here, got ${JSON.stringify(r)?.slice(0, 100)}`);
  }

  private call(fn: string, arg: unknown, path: string): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(String(arg), path);
      case 'Condition':
        return this.conditionOrThrow(String(arg), path);
      case 'Fn::GetAtt': {
        const [id, ...attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return this.getAtt(id, attr.join('.'), path);
      }
      case 'Fn::Sub':
        return this.sub(arg, path);
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') throw new IntrinsicError(path, 'Fn::Join takes [delimiter, list]');
        const parts = this.strict(arg[1], join(path, 1));
        if (!Array.isArray(parts)) throw new IntrinsicError(path, 'Fn::Join needs a list');
        return parts.map((p, i) => this.scalar(p, join(join(path, 1), i), 'Fn::Join')).join(arg[0]);
      }
      case 'Fn::Select': {
        if (!Array.isArray(arg) || arg.length !== 2) throw new IntrinsicError(path, 'Fn::Select takes [index, list]');
        const index = Number(this.scalar(arg[0], join(path, 0), 'Fn::Select'));
        const list = this.strict(arg[1], join(path, 1));
        if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length)
          throw new IntrinsicError(path, 'Fn::Select index out of bounds');
        return list[index];
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') throw new IntrinsicError(path, 'Fn::Split takes [delimiter, string]');
        return this.scalar(arg[1], join(path, 1), 'Fn::Split').split(arg[0]);
      }
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg) || arg.length < 3) throw new IntrinsicError(path, 'Fn::FindInMap takes [map, key, key]');
        const [m, k1, k2] = arg.slice(0, 3).map((x, i) => this.scalar(x, join(path, i), 'Fn::FindInMap'));
        if (!this.ctx.mappings) throw new Unknown('Fn::FindInMap needs the template Mappings');
        const v = has(this.ctx.mappings, m) && has(this.ctx.mappings[m], k1) && has(this.ctx.mappings[m][k1], k2) ? this.ctx.mappings[m][k1][k2] : undefined;
        if (v === undefined) throw new IntrinsicError(path, `Unable to get mapping for ${m}::${k1}::${k2}`);
        return v;
      }
      case 'Fn::Base64':
        return Buffer.from(this.scalar(arg, path, 'Fn::Base64'), 'utf8').toString('base64');
      case 'Fn::If': {
        if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') throw new IntrinsicError(path, 'Fn::If takes [condition, then, else]');
        return this.walk(this.conditionOrThrow(arg[0], path) ? arg[1] : arg[2], path);
      }
      default:
        throw new Unknown(`${fn} is not evaluated here`);
    }
  }

  private ref(name: string, path: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (has(this.ctx.pseudo, name)) return this.ctx.pseudo?.[name];
    const parameter = parameterValue(name, this.ctx.parameters);
    if (parameter.found) return parameter.value;
    if (this.ctx.resources?.has(name)) {
      const v = this.ctx.resources.ref(name);
      if (v === undefined) throw new Unknown(`resource ${name} has no physical ID yet`);
      return v;
    }
    if (name.startsWith('AWS::')) throw new Unknown(`the pseudo parameter ${name} is not known here`);
    if (this.ctx.resources) throw new IntrinsicError(path, `Unresolved resource dependencies [${name}] in the Resources block of the template`);
    throw new Unknown(`Ref to ${name}, which is not a known parameter`);
  }

  private getAtt(id: string, attribute: string, path: string): unknown {
    if (!this.ctx.resources) throw new Unknown(`Fn::GetAtt ${id}.${attribute} needs the stack's resources`);
    if (!this.ctx.resources.has(id)) throw new IntrinsicError(path, `Fn::GetAtt references undefined resource ${id}`);
    const v = this.ctx.resources.getAtt(id, attribute);
    if (v === undefined) throw new Unknown(`resource ${id} has no attribute ${attribute} yet`);
    return v;
  }

  private sub(arg: unknown, path: string): string {
    const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
    if (typeof text !== 'string' || !isObj(vars)) throw new IntrinsicError(path, 'Fn::Sub takes a string or [string, map]');
    const local = new Map(Object.entries(vars).map(([k, v]) => [k, v] as const));
    return text.replace(/\$\{([^}]*)\}/g, (_m, raw: string) => {
      if (raw.startsWith('!')) return `\${${raw.slice(1)}}`;
      const name = raw.trim();
      if (local.has(name)) return this.scalar(local.get(name), join(path, name), 'Fn::Sub');
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [id, ...attr] = name.split('.');
        return this.scalar(this.getAtt(id, attr.join('.'), path), path, 'Fn::Sub');
      }
      return this.scalar(this.ref(name, path), path, 'Fn::Sub');
    });
  }

  private conditionOrThrow(name: string, path: string): boolean {
    const known = this.known.get(name);
    if (known !== undefined) return known;
    if (!has(this.ctx.conditions, name)) {
      if (this.ctx.conditions === undefined) throw new Unknown(`condition ${name} needs the template Conditions`);
      throw new IntrinsicError(path, `condition '${name}' is not defined in Conditions`);
    }
    // A condition that refers to itself can never be known (CloudFormation rejects the template).
    if (this.evaluating.has(name)) throw new Unknown(`Conditions.${name} refers to itself (${[...this.evaluating, name].join(' -> ')})`);
    this.evaluating.add(name);
    try {
      const v = this.test(this.ctx.conditions?.[name], `Conditions.${name}`);
      this.known.set(name, v);
      return v;
    } finally {
      this.evaluating.delete(name);
    }
  }

  /**
   * Fn::And (decisive: false) and Fn::Or (decisive: true): one decisive operand settles it even
   * when another cannot be known; otherwise an unknown operand makes the whole unknown.
   */
  private logic(args: unknown[], path: string, decisive: boolean): boolean {
    let unknown: Unknown | undefined;
    for (const [i, x] of args.entries()) {
      try {
        if (this.test(x, join(path, i)) === decisive) return decisive;
      } catch (e) {
        if (!(e instanceof Unknown)) throw e;
        unknown = e;
      }
    }
    if (unknown) throw unknown;
    return !decisive;
  }

  private test(expr: unknown, path: string): boolean {
    const fn = intrinsicName(expr);
    const arg = fn ? (expr as Json)[fn] : undefined;
    if (fn === 'Condition' && typeof arg === 'string') return this.conditionOrThrow(arg, path);
    if (!Array.isArray(arg)) throw new IntrinsicError(path, `${fn ?? 'this'} is not a condition function`);
    switch (fn) {
      case 'Fn::Equals': {
        if (arg.length !== 2) throw new IntrinsicError(path, 'Fn::Equals takes two values');
        const [a, b] = arg.map((x, i) => this.strict(x, join(path, i)));
        return JSON.stringify(asCloudFormationStrings(a)) === JSON.stringify(asCloudFormationStrings(b));
      }
      case 'Fn::Not':
        return !this.test(arg[0], join(path, 0));
      case 'Fn::And':
        return this.logic(arg, path, false);
      case 'Fn::Or':
        return this.logic(arg, path, true);
      default:
        throw new IntrinsicError(path, `${fn ?? 'this'} is not a condition function`);
    }
  }
}

function firstIntrinsic(v: unknown): unknown {
  if (intrinsicName(v) !== undefined) return v;
  if (Array.isArray(v)) return v.map(firstIntrinsic).find((x) => x !== undefined);
  if (isObj(v))
    return Object.values(v)
      .map(firstIntrinsic)
      .find((x) => x !== undefined);
  return undefined;
}

export const containsIntrinsic = (v: unknown): boolean => firstIntrinsic(v) !== undefined;

/** Evaluates one value in one go. */
export function evaluate(value: unknown, ctx: EvalContext, path = ''): unknown {
  return new Evaluator(ctx).evaluate(value, path);
}
