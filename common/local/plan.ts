/**
 * From an expanded template to what `local up` does with each resource: tables get a native
 * plan (the one translation in common/native-to-api.ts); everything else is listed with the
 * reason it has no local meaning.
 */
import { REPLICAS_RESOURCE_TYPE, LOAD_RESOURCE_TYPE } from '../contract';
import { intrinsicName, nativeTableToApi, resolvePseudoParameters, type PseudoContext, type TablePlan } from '../native-to-api';

export interface LocalContext {
  stackName: string;
  region: string;
  accountId: string;
  /** Template parameter values after defaults and --param overrides. */
  parameters: Record<string, unknown>;
}

export type LocalItem =
  | { logicalId: string; type: string; kind: 'table'; plan: TablePlan }
  | { logicalId: string; type: string; kind: 'skipped'; reason: string };

/** Resource types the macro generates that DynamoDB Local cannot represent. */
const NO_LOCAL_MEANING: Record<string, string> = {
  'AWS::ApplicationAutoScaling::ScalableTarget': 'autoscaling: DynamoDB Local has no capacity to scale',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'autoscaling: DynamoDB Local has no capacity to scale',
  'AWS::CloudWatch::Alarm': 'alarm: there is no CloudWatch locally',
  'AWS::CloudWatch::Dashboard': 'dashboard: there is no CloudWatch locally',
  [REPLICAS_RESOURCE_TYPE]: 'replicas: DynamoDB Local has a single region and no global tables',
  [LOAD_RESOURCE_TYPE]: 'load from S3: runs in AWS only; seed local tables with --seed DIR',
};

export class LocalInputError extends Error {}

const NO_VALUE = Symbol('AWS::NoValue');

interface Template {
  Parameters?: Record<string, { Type?: string; Default?: unknown; AllowedValues?: unknown[] }>;
  Conditions?: Record<string, unknown>;
  Resources?: Record<string, { Type?: string; Properties?: unknown; Condition?: string }>;
}

/** Every declared parameter needs a value locally: a Default or a --param. */
export function assertParametersSet(template: unknown, values: Record<string, unknown>): void {
  const declared = Object.keys((template as Template).Parameters ?? {});
  const missing = declared.filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new LocalInputError(`Parameters: ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no Default: pass ${missing.map((m) => `--param ${m}=VALUE`).join(' ')}`);
  }
}

function pseudo(ctx: LocalContext): PseudoContext {
  return { stackName: ctx.stackName, region: ctx.region, accountId: ctx.accountId, parameters: ctx.parameters };
}

/** Evaluates the template's Conditions (Fn::Equals/Not/And/Or/Condition over parameters). */
function conditionValues(template: Template, ctx: LocalContext): (name: string, where: string) => boolean {
  const conditions = template.Conditions ?? {};
  const cache = new Map<string, boolean>();
  const evaluate = (name: string, where: string, seen: string[]): boolean => {
    const hit = cache.get(name);
    if (hit !== undefined) return hit;
    if (!(name in conditions)) throw new LocalInputError(`${where}: condition '${name}' is not defined in Conditions`);
    if (seen.includes(name)) throw new LocalInputError(`Conditions.${name}: refers to itself (${[...seen, name].join(' -> ')})`);
    const ev = (v: unknown): boolean | unknown => {
      const fn = intrinsicName(v);
      const o = v as Record<string, unknown>;
      if (fn === 'Fn::Equals') {
        const [a, b] = (o['Fn::Equals'] as unknown[]).map((x) => resolvePseudoParameters(x, pseudo(ctx)));
        if (intrinsicName(a) || intrinsicName(b)) throw new LocalInputError(`Conditions.${name}: cannot be evaluated locally (Fn::Equals of an unresolved value)`);
        return JSON.stringify(a) === JSON.stringify(b);
      }
      if (fn === 'Fn::Not') return !ev((o['Fn::Not'] as unknown[])[0]);
      if (fn === 'Fn::And') return (o['Fn::And'] as unknown[]).every((x) => ev(x) === true);
      if (fn === 'Fn::Or') return (o['Fn::Or'] as unknown[]).some((x) => ev(x) === true);
      if (fn === 'Condition') return evaluate(o.Condition as string, `Conditions.${name}`, [...seen, name]);
      throw new LocalInputError(`Conditions.${name}: cannot be evaluated locally (${fn ?? 'not a condition function'})`);
    };
    const value = ev(conditions[name]) === true;
    cache.set(name, value);
    return value;
  };
  return (name, where) => evaluate(name, where, []);
}

/** Settles Fn::If and drops AWS::NoValue, so that only literals reach the native translation. */
function settleConditionals(v: unknown, condition: (name: string, where: string) => boolean, where: string): unknown {
  if (Array.isArray(v)) return v.map((e, i) => settleConditionals(e, condition, `${where}[${i}]`)).filter((e) => e !== NO_VALUE);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const fn = intrinsicName(v);
  if (fn === 'Ref' && o.Ref === 'AWS::NoValue') return NO_VALUE;
  if (fn === 'Fn::If') {
    const [name, yes, no] = o['Fn::If'] as [string, unknown, unknown];
    return settleConditionals(condition(name, where) ? yes : no, condition, where);
  }
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(o)) {
    const s = settleConditionals(e, condition, `${where}.${k}`);
    if (s !== NO_VALUE) out[k] = s;
  }
  return out;
}

/** One item per resource of the expanded template, in template order. */
export function planLocal(expanded: unknown, ctx: LocalContext): LocalItem[] {
  const template = expanded as Template;
  const condition = conditionValues(template, ctx);
  const items: LocalItem[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const type = String(resource.Type);
    if (resource.Condition !== undefined && !condition(resource.Condition, `Resources.${logicalId}.Condition`)) {
      items.push({ logicalId, type, kind: 'skipped', reason: `condition ${resource.Condition} is false` });
      continue;
    }
    if (type === 'AWS::DynamoDB::Table') {
      const props = resolvePseudoParameters(settleConditionals(resource.Properties ?? {}, condition, `Resources.${logicalId}.Properties`), pseudo(ctx));
      // CloudFormation names a table without TableName `<stack>-<logicalId>-<random>`; locally the
      // name must be stable across runs, so the random part is left out.
      const plan = nativeTableToApi(logicalId, props, { defaultTableName: `${ctx.stackName}-${logicalId}` });
      items.push({ logicalId, type, kind: 'table', plan });
      continue;
    }
    items.push({ logicalId, type, kind: 'skipped', reason: NO_LOCAL_MEANING[type] ?? 'not a DynamoDB table: not created locally' });
  }
  return items;
}
