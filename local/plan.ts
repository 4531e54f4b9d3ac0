/**
 * From an expanded template to what `local up` does with each resource: tables get a native
 * plan (the one translation in local/native-to-api.ts); everything else is listed with the
 * reason it has no local meaning.
 */
import { REPLICAS_RESOURCE_TYPE, LOAD_RESOURCE_TYPE } from '../contract/resources';
import { Evaluator, IntrinsicError, pseudoParameters } from '../contract/intrinsics';
import { nativeTableToApi, type TablePlan } from './native-to-api';

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
    throw new LocalInputError(
      `Parameters: ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no Default: pass ${missing.map((m) => `--param ${m}=VALUE`).join(' ')}`,
    );
  }
}

/** One item per resource of the expanded template, in template order. */
export function planLocal(expanded: unknown, ctx: LocalContext): LocalItem[] {
  const template = expanded as Template;
  // The project's one intrinsics evaluator (contract/intrinsics.ts). A resource's Condition must
  // be known, since it decides whether the table exists at all; in properties, whatever cannot be
  // known locally stays as written, and the native translation names it if it matters.
  const scope = { parameters: ctx.parameters, pseudo: pseudoParameters(ctx), conditions: template.Conditions ?? {} };
  const conditions = new Evaluator({ ...scope, unresolved: 'throw' });
  const values = new Evaluator({ ...scope, unresolved: 'keep' });
  const condition = (name: string, where: string) => {
    try {
      return conditions.condition(name, where);
    } catch (e) {
      if (e instanceof IntrinsicError)
        throw new LocalInputError(e.cannotBeKnown ? `${e.message}: it decides whether a resource exists, so it must be known locally` : e.message);
      throw e;
    }
  };
  const items: LocalItem[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const type = String(resource.Type);
    if (resource.Condition !== undefined && !condition(resource.Condition, `Resources.${logicalId}.Condition`)) {
      items.push({ logicalId, type, kind: 'skipped', reason: `condition ${resource.Condition} is false` });
      continue;
    }
    if (type === 'AWS::DynamoDB::Table') {
      const props = values.evaluate(resource.Properties ?? {}, `Resources.${logicalId}.Properties`);
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
