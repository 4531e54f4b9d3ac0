/**
 * Parsing at the boundary. CloudFormation delivers every scalar in ResourceProperties as a
 * string ("5", "true"): aws-cloudformation/cloudformation-coverage-roadmap#1037, aws/aws-cdk#15249.
 * These helpers accept the native type too (the local harness and older events) and throw a
 * PropertyError naming the property path, never a stack trace.
 */
export class PropertyError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`Property '${path}' ${detail}`);
    this.name = 'PropertyError';
  }
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return v.length > 40 ? `a ${v.length}-character string` : `'${v}'`;
  return `a ${typeof v}`;
}

export function asObject(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new PropertyError(path, `must be an object, got ${describeValue(v)}`);
  return v as Record<string, unknown>;
}

export function asList(v: unknown, path: string, max = 100): unknown[] {
  if (!Array.isArray(v)) throw new PropertyError(path, `must be a list, got ${describeValue(v)}`);
  if (v.length > max) throw new PropertyError(path, `has ${v.length} entries; at most ${max} are allowed`);
  return v;
}

export function asString(v: unknown, path: string, opts: { max?: number; pattern?: RegExp; what?: string } = {}): string {
  if (typeof v !== 'string') throw new PropertyError(path, `must be a string, got ${describeValue(v)}`);
  const max = opts.max ?? 2048;
  if (v.length === 0) throw new PropertyError(path, 'must not be empty');
  if (v.length > max) throw new PropertyError(path, `is ${v.length} characters long; at most ${max} are allowed`);
  if (opts.pattern && !opts.pattern.test(v))
    throw new PropertyError(path, `must be ${opts.what ?? `a string matching ${opts.pattern}`}, got ${describeValue(v)}`);
  return v;
}

export function optString(v: unknown, path: string, opts: { max?: number; pattern?: RegExp; what?: string } = {}): string | undefined {
  return v === undefined ? undefined : asString(v, path, opts);
}

export function asBool(v: unknown, path: string): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new PropertyError(path, `must be true or false, got ${describeValue(v)}`);
}

export function optBool(v: unknown, path: string): boolean | undefined {
  return v === undefined ? undefined : asBool(v, path);
}

export function asInt(v: unknown, path: string, min: number, max: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isInteger(n)) throw new PropertyError(path, `must be a whole number, got ${describeValue(v)}`);
  if (n < min || n > max) throw new PropertyError(path, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function optInt(v: unknown, path: string, min: number, max: number): number | undefined {
  return v === undefined ? undefined : asInt(v, path, min, max);
}

export function asNumber(v: unknown, path: string, min: number, max: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}(\.\d{1,15})?$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n)) throw new PropertyError(path, `must be a number, got ${describeValue(v)}`);
  if (n < min || n > max) throw new PropertyError(path, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function asEnum<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new PropertyError(path, `must be one of ${values.join(', ')}, got ${describeValue(v)}`);
  }
  return v as T;
}
