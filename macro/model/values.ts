/**
 * Reading raw property values into the model, after the JSON Schema has checked their forms.
 *
 * Two kinds of value (issue 2, "Values and intrinsics"):
 * - shape-deciding values (billing mode, *Enabled flags, key and index names, enums) must be a
 *   literal or a `Ref` to a template parameter, resolved from the event's templateParameterValues;
 * - pass-through values may be any intrinsic and are copied unchanged.
 * CloudFormation can deliver numbers and booleans as strings, so "5" and "true" are accepted and
 * written out as 5 and true.
 */
import { isIntrinsic as isIntrinsicCall, parameterValue } from '../../contract/intrinsics';
import type { ArcError } from '../errors';
import { ruleId, type RuleName } from '../rules/catalog';
import type { Intrinsic, Passthrough } from './types';

/** Where a shape-deciding value came from. A switch that is off by a parameter leaves its settings inert. */
export type Source = 'default' | 'literal' | 'parameter';
export interface Resolved<T> {
  value: T;
  source: Source;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The project's one check (contract/intrinsics.ts), typed for the model. */
export const isIntrinsic = (v: unknown): v is Intrinsic => isIntrinsicCall(v);

/** A parameter's value is judged by its own rule; a literal that reaches here has an unusable form. */
const valueRule = (r: Resolved<unknown>): RuleName => (r.source === 'parameter' ? 'parameter-values-accepted' : 'literal-forms');

/**
 * The strings CloudFormation reads as booleans: "true" and "false", and "True" and "False" too
 * (cfn-lint's non-strict Boolean check accepts exactly these four, as CloudFormation converts them;
 * https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/cfn-resource-specification.md#valueprimitivetype).
 * "TRUE" and "yes" are not among them.
 */
export const BOOLEAN_STRINGS: Readonly<Record<string, boolean>> = { true: true, True: true, false: false, False: false };

/** A boolean, or one of the four boolean strings, as a boolean; anything else is undefined. */
export function booleanString(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(BOOLEAN_STRINGS, v) ? BOOLEAN_STRINGS[v] : undefined;
}

const INTEGER = /^-?[0-9]+$/;
const NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

export interface Range {
  min?: number;
  max?: number;
}

export class ValueReader {
  constructor(
    private readonly logicalId: string,
    private readonly params: Record<string, unknown> | undefined,
    readonly errors: ArcError[],
  ) {}

  error(path: string, message: string, rule: RuleName): void {
    this.errors.push({ rule: ruleId(rule), logicalId: this.logicalId, path, message });
  }

  /**
   * A shape-deciding value: the literal itself, or the value of the template parameter it `Ref`s.
   * Returns undefined (after recording an error) for any other intrinsic.
   */
  private shape(path: string, raw: unknown): Resolved<unknown> | undefined {
    if (!isIntrinsic(raw)) return { value: raw, source: 'literal' };
    const [fn] = Object.keys(raw);
    const why = 'it decides the shape of the output, so it must be a literal or a Ref to a template parameter';
    if (fn !== 'Ref' || typeof raw.Ref !== 'string') {
      this.error(path, `${fn} is not allowed here: ${why}`, 'shape-values-are-literal');
      return undefined;
    }
    const name = raw.Ref;
    if (name.startsWith('AWS::')) {
      this.error(path, `Ref to the pseudo parameter ${name} is not allowed here: ${why}`, 'shape-values-are-literal');
      return undefined;
    }
    // The one evaluator's Ref to a parameter (contract/intrinsics.ts); no pseudo parameters, no resources.
    const parameter = parameterValue(name, this.params);
    if (!parameter.found) {
      this.error(path, `Ref to '${name}', which is not a template parameter with a value: ${why}`, 'refs-name-parameters');
      return undefined;
    }
    return { value: parameter.value, source: 'parameter' };
  }

  /**
   * What was given, for an error message. A template parameter's value is never printed: it may be
   * NoEcho, and CloudFormation shows a transform's error message in the stack events to everyone
   * who can read them ("NoEcho", CloudFormation user guide, Parameters).
   */
  private describe(r: Resolved<unknown>, raw: unknown): string {
    return r.source === 'parameter'
      ? `the value of parameter '${(raw as { Ref: string }).Ref}' is not (parameter values are never printed: they may be NoEcho)`
      : `got ${JSON.stringify(r.value)}`;
  }

  /** A shape-deciding boolean; `dflt` when missing. */
  flag(path: string, raw: unknown, dflt: boolean): Resolved<boolean>;
  flag(path: string, raw: unknown, dflt?: undefined): Resolved<boolean> | undefined;
  flag(path: string, raw: unknown, dflt?: boolean): Resolved<boolean> | undefined {
    if (raw === undefined) return dflt === undefined ? undefined : { value: dflt, source: 'default' };
    const r = this.shape(path, raw);
    if (!r) return dflt === undefined ? undefined : { value: dflt, source: 'default' };
    if (typeof r.value === 'boolean') return { value: r.value, source: r.source };
    const b = booleanString(r.value);
    if (b !== undefined) return { value: b, source: r.source };
    this.error(path, `must be true or false; ${this.describe(r, raw)}`, valueRule(r));
    return dflt === undefined ? undefined : { value: dflt, source: 'default' };
  }

  /** A shape-deciding string from a closed set; `dflt` when missing. */
  choice<T extends string>(path: string, raw: unknown, allowed: readonly T[], dflt: T): T;
  choice<T extends string>(path: string, raw: unknown, allowed: readonly T[]): T | undefined;
  choice<T extends string>(path: string, raw: unknown, allowed: readonly T[], dflt?: T): T | undefined {
    if (raw === undefined) return dflt;
    const r = this.shape(path, raw);
    if (!r) return dflt;
    if (typeof r.value === 'string' && (allowed as readonly string[]).includes(r.value)) return r.value as T;
    this.error(path, `must be one of ${allowed.join(', ')}; ${this.describe(r, raw)}`, valueRule(r));
    return dflt;
  }

  /** A shape-deciding free string (key, index and region names). */
  name(path: string, raw: unknown): string | undefined {
    if (raw === undefined) return undefined;
    const r = this.shape(path, raw);
    if (!r) return undefined;
    if (typeof r.value === 'string' && r.value.length > 0) return r.value;
    this.error(path, `must be a non-empty string; ${this.describe(r, raw)}`, valueRule(r));
    return undefined;
  }

  /** A shape-deciding integer: a literal or a template parameter's value, range-checked. */
  shapeInt(path: string, raw: unknown, range: Range = {}): number | undefined {
    if (raw === undefined) return undefined;
    const r = this.shape(path, raw);
    if (!r) return undefined;
    const n = this.numeric(path, r.value, range, INTEGER, 'an integer');
    return typeof n === 'number' ? n : undefined;
  }

  /** A pass-through integer: intrinsics unchanged, "5" becomes 5, literals range-checked. */
  int(path: string, raw: unknown, range: Range = {}): Passthrough<number> | undefined {
    return this.numeric(path, raw, range, INTEGER, 'an integer');
  }

  /** A pass-through number (thresholds, target values). */
  num(path: string, raw: unknown, range: Range = {}): Passthrough<number> | undefined {
    return this.numeric(path, raw, range, NUMBER, 'a number');
  }

  private numeric(path: string, raw: unknown, range: Range, pattern: RegExp, what: string): Passthrough<number> | undefined {
    if (raw === undefined) return undefined;
    if (isIntrinsic(raw)) return raw;
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && pattern.test(raw) ? Number(raw) : NaN;
    if (Number.isNaN(n) || (what === 'an integer' && !Number.isInteger(n))) {
      this.error(path, `must be ${what}; got ${JSON.stringify(raw)}`, 'literal-forms');
      return undefined;
    }
    if (range.min !== undefined && n < range.min) this.error(path, `must be at least ${range.min}; got ${n}`, 'numbers-in-range');
    else if (range.max !== undefined && n > range.max) this.error(path, `must be at most ${range.max}; got ${n}`, 'numbers-in-range');
    return n;
  }

  /** A pass-through string or intrinsic, copied unchanged. */
  str(raw: unknown): Passthrough<string> | undefined {
    if (raw === undefined) return undefined;
    return raw as Passthrough<string>;
  }
}

/** The literal number of a pass-through value, or undefined when it is an intrinsic. */
export function literalNumber(v: Passthrough<number> | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
