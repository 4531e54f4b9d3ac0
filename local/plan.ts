/**
 * From an expanded template to what `local up` does with each resource: tables get a native
 * plan (the one translation in local/native-to-api.ts); everything else is listed with the
 * reason it has no local meaning.
 */
import { EXPORT_RESOURCE_TYPE, REPLICAS_RESOURCE_TYPE, LOAD_RESOURCE_TYPE } from '../contract/resources';
import { Evaluator, IntrinsicError, intrinsicName, pseudoParameters } from '../contract/intrinsics';
import { nativeTableToApi, NativeTranslationError, type TablePlan } from './native-to-api';

export interface LocalContext {
  stackName: string;
  region: string;
  accountId: string;
  /** Template parameter values after defaults and --param overrides. */
  parameters: Record<string, unknown>;
}

export type LocalItem =
  | {
      logicalId: string;
      type: string;
      kind: 'table';
      plan: TablePlan;
      /** Values that cannot be known locally and do not decide the table's shape: left out, one note each. */
      notes: string[];
    }
  | { logicalId: string; type: string; kind: 'skipped'; reason: string };

/** Resource types the macro generates that DynamoDB Local cannot represent. */
const NO_LOCAL_MEANING: Record<string, string> = {
  'AWS::ApplicationAutoScaling::ScalableTarget': 'autoscaling: DynamoDB Local has no capacity to scale',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'autoscaling: DynamoDB Local has no capacity to scale',
  'AWS::CloudWatch::Alarm': 'alarm: there is no CloudWatch locally',
  'AWS::CloudWatch::Dashboard': 'dashboard: there is no CloudWatch locally',
  [REPLICAS_RESOURCE_TYPE]: 'replicas: DynamoDB Local has a single region and no global tables',
  [LOAD_RESOURCE_TYPE]: 'load from S3: runs in AWS only; seed local tables with --seed DIR',
  [EXPORT_RESOURCE_TYPE]: 'CopyFrom (an export of the source table to S3): runs in AWS only, so the table is created empty; seed it with --seed DIR',
};

/** `AWS::Serverless::*`: the SAM transform runs in CloudFormation after the macro, never locally. */
const SAM = 'SAM resource: the SAM transform is not run locally, so nothing is created (not even for AWS::Serverless::SimpleTable)';

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
      const { properties, notes } = withoutUnknowable(props);
      let plan: TablePlan;
      try {
        plan = nativeTableToApi(logicalId, properties, { defaultTableName: `${ctx.stackName}-${logicalId}` });
      } catch (e) {
        if (e instanceof NativeTranslationError && e.message.includes('unresolved intrinsic'))
          throw new NativeTranslationError(logicalId, e.path, `${e.message.slice(`${logicalId}: ${e.path}: `.length)}; ${SHAPE_NOTE}`);
        throw e;
      }
      items.push({ logicalId, type, kind: 'table', plan, notes });
      continue;
    }
    const sam = type.startsWith('AWS::Serverless::') ? SAM : undefined;
    items.push({ logicalId, type, kind: 'skipped', reason: NO_LOCAL_MEANING[type] ?? sam ?? 'not a DynamoDB table: not created locally' });
  }
  return items;
}

const SHAPE_NOTE = "it decides the table's name or shape (keys, attributes, indexes, billing), so it must be known locally";

/** Table properties that decide what the table is; everything else DynamoDB Local ignores or cannot do. */
const SHAPE = new Set(['TableName', 'KeySchema', 'AttributeDefinitions', 'BillingMode', 'ProvisionedThroughput', 'LocalSecondaryIndexes']);
const GSI_SHAPE = new Set(['IndexName', 'KeySchema', 'Projection', 'ProvisionedThroughput']);

/** Why leaving a property out changes nothing that DynamoDB Local does. */
const IGNORED_LOCALLY: Record<string, string> = {
  SSESpecification: 'DynamoDB Local does not encrypt',
  Tags: 'DynamoDB Local has no tags',
  TableClass: 'DynamoDB Local ignores the table class',
  OnDemandThroughput: 'DynamoDB Local ignores it',
  WarmThroughput: 'DynamoDB Local ignores it',
  ResourcePolicy: 'DynamoDB Local has no resource policies',
  ImportSourceSpecification: 'DynamoDB Local cannot import',
  PointInTimeRecoverySpecification: 'DynamoDB Local has no point-in-time recovery',
  ContributorInsightsSpecification: 'DynamoDB Local has no contributor insights',
  KinesisStreamSpecification: 'DynamoDB Local has no Kinesis destinations',
};

/** The first intrinsic inside `v`, as written in YAML (`!GetAtt Key.Arn`); undefined when there is none. */
function firstIntrinsic(v: unknown): string | undefined {
  const fn = intrinsicName(v);
  if (fn) {
    const arg = (v as Record<string, unknown>)[fn];
    const short = fn === 'Ref' ? '!Ref' : `!${fn.replace(/^Fn::/, '')}`;
    const text = Array.isArray(arg) && arg.every((a) => typeof a === 'string') ? arg.join('.') : typeof arg === 'string' ? arg : '...';
    return `${short} ${text}`;
  }
  if (Array.isArray(v)) {
    for (const e of v) {
      const found = firstIntrinsic(e);
      if (found) return found;
    }
  } else if (v !== null && typeof v === 'object') {
    for (const e of Object.values(v)) {
      const found = firstIntrinsic(e);
      if (found) return found;
    }
  }
  return undefined;
}

/** Stands in for a value of an S3 source that only AWS knows; DynamoDB Local never reads it. */
export const UNKNOWN_LOCALLY = '(unknown locally)';

/**
 * Leaves out what cannot be known locally (a KMS key's `!GetAtt Key.Arn`, a bucket's `!Ref`, a
 * tag from `!Ref Topic`) unless it decides the table's shape: the keys, attributes, indexes and
 * billing must resolve, and nativeTableToApi names them when they do not.
 */
export function withoutUnknowable(props: unknown): { properties: unknown; notes: string[] } {
  if (props === null || typeof props !== 'object' || Array.isArray(props) || intrinsicName(props)) return { properties: props, notes: [] };
  const notes: string[] = [];
  const leftOut = (path: string, found: string, why?: string) => notes.push(`${path} is ${found}, unknown locally: left out${why ? ` (${why})` : ''}`);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(props)) {
    const found = firstIntrinsic(value);
    if (found === undefined || SHAPE.has(name)) {
      out[name] = value;
      continue;
    }
    const why = IGNORED_LOCALLY[name];
    if (name === 'Tags' && Array.isArray(value)) {
      out.Tags = value.filter((tag, i) => {
        const inTag = firstIntrinsic(tag);
        if (inTag) leftOut(`Tags[${i}]${typeof (tag as { Key?: unknown }).Key === 'string' ? ` (${(tag as { Key: string }).Key})` : ''}`, inTag, why);
        return inTag === undefined;
      });
    } else if (name === 'GlobalSecondaryIndexes' && !Array.isArray(value)) {
      out[name] = value; // the whole list: the native translation names it
    } else if (name === 'GlobalSecondaryIndexes') {
      out.GlobalSecondaryIndexes = (value as unknown[]).map((gsi, i) => {
        if (gsi === null || typeof gsi !== 'object' || Array.isArray(gsi) || intrinsicName(gsi)) return gsi;
        const kept: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(gsi)) {
          const inGsi = firstIntrinsic(v);
          if (inGsi === undefined || GSI_SHAPE.has(k)) kept[k] = v;
          else leftOut(`GlobalSecondaryIndexes[${i}].${k}`, inGsi, 'DynamoDB Local ignores it');
        }
        return kept;
      });
    } else if (name === 'SSESpecification' && isPlain(value) && firstIntrinsic({ ...value, KMSMasterKeyId: undefined }) === undefined) {
      const { KMSMasterKeyId: _key, ...rest } = value;
      out.SSESpecification = rest;
      leftOut('SSESpecification.KMSMasterKeyId', found, why);
    } else if (name === 'StreamSpecification' && isPlain(value) && firstIntrinsic({ ...value, ResourcePolicy: undefined }) === undefined) {
      const { ResourcePolicy: _policy, ...rest } = value;
      out.StreamSpecification = rest;
      leftOut('StreamSpecification.ResourcePolicy', found, 'DynamoDB Local has no resource policies');
    } else if (name === 'ImportSourceSpecification' && isPlain(value) && isPlain(value.S3BucketSource)) {
      // Only the bucket and prefix are unknown: the format, compression and CSV options still say
      // how --seed files are read.
      const source = Object.fromEntries(
        Object.entries(value.S3BucketSource).map(([k, v]) => {
          const inSource = firstIntrinsic(v);
          if (inSource) leftOut(`ImportSourceSpecification.S3BucketSource.${k}`, inSource, why);
          return [k, inSource ? UNKNOWN_LOCALLY : v];
        }),
      );
      const rest = { ...value, S3BucketSource: source };
      const inRest = firstIntrinsic(rest);
      if (inRest) leftOut(name, inRest, why);
      else out[name] = rest;
    } else {
      leftOut(name, found, why);
    }
  }
  return { properties: out, notes };
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !intrinsicName(v);
}
