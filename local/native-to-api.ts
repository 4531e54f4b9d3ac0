/**
 * One translation from the Properties of a native `AWS::DynamoDB::Table` (as the macro emits
 * them) to the DynamoDB API calls that make the same table: a CreateTable input plus the
 * follow-up calls CloudFormation makes for properties CreateTable does not take.
 *
 * It returns data, never calls AWS, so each caller picks what to send. DynamoDB Local, for one,
 * implements only CreateTable and UpdateTimeToLive of these (docs/local-stand-ins.md).
 *
 * Values must be literals: CloudFormation resolves intrinsics before its handler runs, and this
 * translation has no stack to resolve them against. `resolvePseudoParameters` substitutes the
 * pseudo-parameters (and, optionally, template parameters) a table name commonly uses.
 */
import { evaluate, intrinsicName, partitionOf, pseudoParameters } from '../contract/intrinsics';
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  ImportTableCommandInput,
  KeySchemaElement,
  LocalSecondaryIndex,
  OnDemandThroughput,
  Projection,
  ProvisionedThroughput,
  SSESpecification,
  Tag,
  WarmThroughput,
} from '@aws-sdk/client-dynamodb';

/** A property that cannot be translated: names the resource and the property path. */
export class NativeTranslationError extends Error {
  constructor(
    readonly logicalId: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${logicalId}: ${path}: ${detail}`);
  }
}

/**
 * Calls made after CreateTable. Calls that address the table by ARN (`TagResource`-style) are
 * not needed: tags go into CreateTable. The stream's resource policy needs the stream ARN that
 * CreateTable returns, so its input lacks `ResourceArn`; the caller adds it.
 */
export type FollowUp =
  | { kind: 'UpdateTimeToLive'; input: { TableName: string; TimeToLiveSpecification: { Enabled: boolean; AttributeName: string } } }
  | {
      kind: 'UpdateContinuousBackups';
      input: { TableName: string; PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: boolean; RecoveryPeriodInDays?: number } };
    }
  | {
      kind: 'UpdateContributorInsights';
      input: {
        TableName: string;
        IndexName?: string;
        ContributorInsightsAction: 'ENABLE';
        ContributorInsightsMode?: 'ACCESSED_AND_THROTTLED_KEYS' | 'THROTTLED_KEYS';
      };
    }
  | {
      kind: 'EnableKinesisStreamingDestination';
      input: {
        TableName: string;
        StreamArn: string;
        EnableKinesisStreamingConfiguration?: { ApproximateCreationDateTimePrecision: 'MILLISECOND' | 'MICROSECOND' };
      };
    }
  | { kind: 'PutStreamResourcePolicy'; input: { Policy: string } };

export type FollowUpKind = FollowUp['kind'];

export interface TablePlan {
  tableName: string;
  create: CreateTableCommandInput;
  /**
   * Set when the table has an `ImportSourceSpecification`: CloudFormation then makes the table
   * with ImportTable (new tables only) instead of CreateTable. `create` still describes the same
   * table, empty, for callers (like DynamoDB Local) that cannot import.
   */
  importTable?: ImportTableCommandInput;
  followUps: FollowUp[];
}

export interface TranslateOptions {
  /**
   * Used when the resource has no `TableName`. CloudFormation then generates
   * `<stack>-<logicalId>-<random>`; callers pick their own deterministic name.
   */
  defaultTableName?: string;
}

const TABLE_PROPERTIES = new Set([
  'TableName',
  'AttributeDefinitions',
  'KeySchema',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
  'SSESpecification',
  'TableClass',
  'DeletionProtectionEnabled',
  'Tags',
  'TimeToLiveSpecification',
  'PointInTimeRecoverySpecification',
  'ContributorInsightsSpecification',
  'KinesisStreamSpecification',
  'ResourcePolicy',
  'OnDemandThroughput',
  'WarmThroughput',
  'ImportSourceSpecification',
]);

type Json = Record<string, unknown>;

export { intrinsicName, partitionOf };

class Reader {
  constructor(readonly logicalId: string) {}

  fail(path: string, detail: string): never {
    throw new NativeTranslationError(this.logicalId, path, detail);
  }

  private literal(path: string, v: unknown): unknown {
    const fn = intrinsicName(v);
    if (fn) this.fail(path, `is an unresolved intrinsic (${fn}); only literal values can be sent to the DynamoDB API`);
    return v;
  }

  string(path: string, v: unknown): string {
    v = this.literal(path, v);
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    return this.fail(path, `must be a string, got ${describe(v)}`);
  }

  optString(path: string, v: unknown): string | undefined {
    return v === undefined ? undefined : this.string(path, v);
  }

  /** CloudFormation may deliver numbers as strings ("5"). */
  number(path: string, v: unknown): number {
    v = this.literal(path, v);
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n)) return n;
    return this.fail(path, `must be a number, got ${describe(v)}`);
  }

  optNumber(path: string, v: unknown): number | undefined {
    return v === undefined ? undefined : this.number(path, v);
  }

  /** CloudFormation may deliver booleans as strings ("true"). */
  boolean(path: string, v: unknown): boolean {
    v = this.literal(path, v);
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    return this.fail(path, `must be a boolean, got ${describe(v)}`);
  }

  object(path: string, v: unknown, allowed: string[]): Json {
    v = this.literal(path, v);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return this.fail(path, `must be an object, got ${describe(v)}`);
    for (const k of Object.keys(v))
      if (!allowed.includes(k)) this.fail(`${path}.${k}`, `is not a property this translation knows (expected one of ${allowed.join(', ')})`);
    return v as Json;
  }

  array(path: string, v: unknown): unknown[] {
    v = this.literal(path, v);
    if (!Array.isArray(v)) return this.fail(path, `must be a list, got ${describe(v)}`);
    return v;
  }

  enumOf<T extends string>(path: string, v: unknown, values: readonly T[]): T {
    const s = this.string(path, v);
    if (!(values as readonly string[]).includes(s)) this.fail(path, `must be one of ${values.join(', ')}, got '${s}'`);
    return s as T;
  }

  keySchema(path: string, v: unknown): KeySchemaElement[] {
    return this.array(path, v).map((e, i) => {
      const o = this.object(`${path}[${i}]`, e, ['AttributeName', 'KeyType']);
      return {
        AttributeName: this.string(`${path}[${i}].AttributeName`, o.AttributeName),
        KeyType: this.enumOf(`${path}[${i}].KeyType`, o.KeyType, ['HASH', 'RANGE'] as const),
      };
    });
  }

  projection(path: string, v: unknown): Projection {
    const o = this.object(path, v, ['ProjectionType', 'NonKeyAttributes']);
    const p: Projection = {};
    if (o.ProjectionType !== undefined) p.ProjectionType = this.enumOf(`${path}.ProjectionType`, o.ProjectionType, ['ALL', 'KEYS_ONLY', 'INCLUDE'] as const);
    if (o.NonKeyAttributes !== undefined)
      p.NonKeyAttributes = this.array(`${path}.NonKeyAttributes`, o.NonKeyAttributes).map((a, i) => this.string(`${path}.NonKeyAttributes[${i}]`, a));
    return p;
  }

  provisioned(path: string, v: unknown): ProvisionedThroughput {
    const o = this.object(path, v, ['ReadCapacityUnits', 'WriteCapacityUnits']);
    return {
      ReadCapacityUnits: this.number(`${path}.ReadCapacityUnits`, o.ReadCapacityUnits),
      WriteCapacityUnits: this.number(`${path}.WriteCapacityUnits`, o.WriteCapacityUnits),
    };
  }

  onDemand(path: string, v: unknown): OnDemandThroughput {
    const o = this.object(path, v, ['MaxReadRequestUnits', 'MaxWriteRequestUnits']);
    return dropUndefined({
      MaxReadRequestUnits: this.optNumber(`${path}.MaxReadRequestUnits`, o.MaxReadRequestUnits),
      MaxWriteRequestUnits: this.optNumber(`${path}.MaxWriteRequestUnits`, o.MaxWriteRequestUnits),
    });
  }

  warm(path: string, v: unknown): WarmThroughput {
    const o = this.object(path, v, ['ReadUnitsPerSecond', 'WriteUnitsPerSecond']);
    return dropUndefined({
      ReadUnitsPerSecond: this.optNumber(`${path}.ReadUnitsPerSecond`, o.ReadUnitsPerSecond),
      WriteUnitsPerSecond: this.optNumber(`${path}.WriteUnitsPerSecond`, o.WriteUnitsPerSecond),
    });
  }

  /** A policy document may be an object (CloudFormation serialises it) or a JSON string. */
  policy(path: string, v: unknown): string {
    v = this.literal(path, v);
    assertNoIntrinsics(this, path, v);
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

function assertNoIntrinsics(r: Reader, path: string, v: unknown): void {
  const fn = intrinsicName(v);
  if (fn) r.fail(path, `is an unresolved intrinsic (${fn}); only literal values can be sent to the DynamoDB API`);
  if (Array.isArray(v)) v.forEach((e, i) => assertNoIntrinsics(r, `${path}[${i}]`, e));
  else if (v !== null && typeof v === 'object') for (const [k, e] of Object.entries(v)) assertNoIntrinsics(r, `${path}.${k}`, e);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * Translates one `AWS::DynamoDB::Table` resource's Properties. Throws NativeTranslationError
 * (naming the logical ID and property path) on an intrinsic, a wrong type or an unknown property.
 */
export function nativeTableToApi(logicalId: string, properties: unknown, options: TranslateOptions = {}): TablePlan {
  const r = new Reader(logicalId);
  const p = r.object('Properties', properties ?? {}, [...TABLE_PROPERTIES]);
  const at = (k: string) => `Properties.${k}`;

  const tableName: string =
    p.TableName !== undefined
      ? r.string(at('TableName'), p.TableName)
      : (options.defaultTableName ?? r.fail(at('TableName'), 'is not set and no default table name was given'));

  const create: CreateTableCommandInput = {
    TableName: tableName,
    KeySchema: r.keySchema(at('KeySchema'), p.KeySchema),
    AttributeDefinitions: r.array(at('AttributeDefinitions'), p.AttributeDefinitions ?? []).map((e, i): AttributeDefinition => {
      const path = `${at('AttributeDefinitions')}[${i}]`;
      const o = r.object(path, e, ['AttributeName', 'AttributeType']);
      return {
        AttributeName: r.string(`${path}.AttributeName`, o.AttributeName),
        AttributeType: r.enumOf(`${path}.AttributeType`, o.AttributeType, ['S', 'N', 'B'] as const),
      };
    }),
  };
  if (p.BillingMode !== undefined) create.BillingMode = r.enumOf(at('BillingMode'), p.BillingMode, ['PROVISIONED', 'PAY_PER_REQUEST'] as const);
  if (p.ProvisionedThroughput !== undefined) create.ProvisionedThroughput = r.provisioned(at('ProvisionedThroughput'), p.ProvisionedThroughput);
  if (p.OnDemandThroughput !== undefined) create.OnDemandThroughput = r.onDemand(at('OnDemandThroughput'), p.OnDemandThroughput);
  if (p.WarmThroughput !== undefined) create.WarmThroughput = r.warm(at('WarmThroughput'), p.WarmThroughput);
  if (p.TableClass !== undefined) create.TableClass = r.enumOf(at('TableClass'), p.TableClass, ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] as const);
  if (p.DeletionProtectionEnabled !== undefined) create.DeletionProtectionEnabled = r.boolean(at('DeletionProtectionEnabled'), p.DeletionProtectionEnabled);

  const followUps: FollowUp[] = [];
  const insightsModes = ['ACCESSED_AND_THROTTLED_KEYS', 'THROTTLED_KEYS'] as const;
  const insights = (path: string, v: unknown, indexName?: string) => {
    const o = r.object(path, v, ['Enabled', 'Mode']);
    if (!r.boolean(`${path}.Enabled`, o.Enabled)) return;
    const input: Extract<FollowUp, { kind: 'UpdateContributorInsights' }>['input'] = { TableName: tableName, ContributorInsightsAction: 'ENABLE' };
    if (indexName !== undefined) input.IndexName = indexName;
    if (o.Mode !== undefined) input.ContributorInsightsMode = r.enumOf(`${path}.Mode`, o.Mode, insightsModes);
    followUps.push({ kind: 'UpdateContributorInsights', input });
  };

  const gsiInsights: [string, unknown, string][] = [];
  if (p.GlobalSecondaryIndexes !== undefined) {
    create.GlobalSecondaryIndexes = r.array(at('GlobalSecondaryIndexes'), p.GlobalSecondaryIndexes).map((e, i): GlobalSecondaryIndex => {
      const path = `${at('GlobalSecondaryIndexes')}[${i}]`;
      const o = r.object(path, e, [
        'IndexName',
        'KeySchema',
        'Projection',
        'ProvisionedThroughput',
        'OnDemandThroughput',
        'WarmThroughput',
        'ContributorInsightsSpecification',
      ]);
      const gsi: GlobalSecondaryIndex = {
        IndexName: r.string(`${path}.IndexName`, o.IndexName),
        KeySchema: r.keySchema(`${path}.KeySchema`, o.KeySchema),
        Projection: r.projection(`${path}.Projection`, o.Projection),
      };
      if (o.ProvisionedThroughput !== undefined) gsi.ProvisionedThroughput = r.provisioned(`${path}.ProvisionedThroughput`, o.ProvisionedThroughput);
      if (o.OnDemandThroughput !== undefined) gsi.OnDemandThroughput = r.onDemand(`${path}.OnDemandThroughput`, o.OnDemandThroughput);
      if (o.WarmThroughput !== undefined) gsi.WarmThroughput = r.warm(`${path}.WarmThroughput`, o.WarmThroughput);
      if (o.ContributorInsightsSpecification !== undefined)
        gsiInsights.push([`${path}.ContributorInsightsSpecification`, o.ContributorInsightsSpecification, gsi.IndexName as string]);
      return gsi;
    });
  }
  // The table's insights first, then each index's, in template order.
  if (p.ContributorInsightsSpecification !== undefined) insights(at('ContributorInsightsSpecification'), p.ContributorInsightsSpecification);
  for (const [path, v, name] of gsiInsights) insights(path, v, name);

  if (p.LocalSecondaryIndexes !== undefined) {
    create.LocalSecondaryIndexes = r.array(at('LocalSecondaryIndexes'), p.LocalSecondaryIndexes).map((e, i): LocalSecondaryIndex => {
      const path = `${at('LocalSecondaryIndexes')}[${i}]`;
      const o = r.object(path, e, ['IndexName', 'KeySchema', 'Projection']);
      return {
        IndexName: r.string(`${path}.IndexName`, o.IndexName),
        KeySchema: r.keySchema(`${path}.KeySchema`, o.KeySchema),
        Projection: r.projection(`${path}.Projection`, o.Projection),
      };
    });
  }

  if (p.StreamSpecification !== undefined) {
    const path = at('StreamSpecification');
    const o = r.object(path, p.StreamSpecification, ['StreamViewType', 'ResourcePolicy']);
    // In CloudFormation the presence of StreamSpecification enables the stream; the API wants both fields.
    create.StreamSpecification = {
      StreamEnabled: true,
      StreamViewType: r.enumOf(`${path}.StreamViewType`, o.StreamViewType, ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'] as const),
    };
    if (o.ResourcePolicy !== undefined) {
      const rp = r.object(`${path}.ResourcePolicy`, o.ResourcePolicy, ['PolicyDocument']);
      followUps.push({ kind: 'PutStreamResourcePolicy', input: { Policy: r.policy(`${path}.ResourcePolicy.PolicyDocument`, rp.PolicyDocument) } });
    }
  }

  if (p.SSESpecification !== undefined) {
    const path = at('SSESpecification');
    // CloudFormation names the flag SSEEnabled; the API names it Enabled.
    const o = r.object(path, p.SSESpecification, ['SSEEnabled', 'SSEType', 'KMSMasterKeyId']);
    const sse: SSESpecification = { Enabled: r.boolean(`${path}.SSEEnabled`, o.SSEEnabled) };
    if (o.SSEType !== undefined) sse.SSEType = r.enumOf(`${path}.SSEType`, o.SSEType, ['KMS', 'AES256'] as const);
    if (o.KMSMasterKeyId !== undefined) sse.KMSMasterKeyId = r.string(`${path}.KMSMasterKeyId`, o.KMSMasterKeyId);
    create.SSESpecification = sse;
  }

  if (p.Tags !== undefined) {
    create.Tags = r.array(at('Tags'), p.Tags).map((e, i): Tag => {
      const path = `${at('Tags')}[${i}]`;
      const o = r.object(path, e, ['Key', 'Value']);
      return { Key: r.string(`${path}.Key`, o.Key), Value: r.string(`${path}.Value`, o.Value) };
    });
  }

  if (p.ResourcePolicy !== undefined) {
    const o = r.object(at('ResourcePolicy'), p.ResourcePolicy, ['PolicyDocument']);
    create.ResourcePolicy = r.policy(`${at('ResourcePolicy')}.PolicyDocument`, o.PolicyDocument);
  }

  if (p.TimeToLiveSpecification !== undefined) {
    const path = at('TimeToLiveSpecification');
    const o = r.object(path, p.TimeToLiveSpecification, ['Enabled', 'AttributeName']);
    if (r.boolean(`${path}.Enabled`, o.Enabled)) {
      followUps.unshift({
        kind: 'UpdateTimeToLive',
        input: { TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: r.string(`${path}.AttributeName`, o.AttributeName) } },
      });
    }
  }

  if (p.PointInTimeRecoverySpecification !== undefined) {
    const path = at('PointInTimeRecoverySpecification');
    const o = r.object(path, p.PointInTimeRecoverySpecification, ['PointInTimeRecoveryEnabled', 'RecoveryPeriodInDays']);
    if (r.boolean(`${path}.PointInTimeRecoveryEnabled`, o.PointInTimeRecoveryEnabled)) {
      const spec: { PointInTimeRecoveryEnabled: boolean; RecoveryPeriodInDays?: number } = { PointInTimeRecoveryEnabled: true };
      if (o.RecoveryPeriodInDays !== undefined) spec.RecoveryPeriodInDays = r.number(`${path}.RecoveryPeriodInDays`, o.RecoveryPeriodInDays);
      followUps.push({ kind: 'UpdateContinuousBackups', input: { TableName: tableName, PointInTimeRecoverySpecification: spec } });
    }
  }

  if (p.KinesisStreamSpecification !== undefined) {
    const path = at('KinesisStreamSpecification');
    const o = r.object(path, p.KinesisStreamSpecification, ['StreamArn', 'ApproximateCreationDateTimePrecision']);
    const input: Extract<FollowUp, { kind: 'EnableKinesisStreamingDestination' }>['input'] = {
      TableName: tableName,
      StreamArn: r.string(`${path}.StreamArn`, o.StreamArn),
    };
    if (o.ApproximateCreationDateTimePrecision !== undefined) {
      input.EnableKinesisStreamingConfiguration = {
        ApproximateCreationDateTimePrecision: r.enumOf(`${path}.ApproximateCreationDateTimePrecision`, o.ApproximateCreationDateTimePrecision, [
          'MILLISECOND',
          'MICROSECOND',
        ] as const),
      };
    }
    followUps.push({ kind: 'EnableKinesisStreamingDestination', input });
  }

  const plan: TablePlan = { tableName, create, followUps };
  if (p.ImportSourceSpecification !== undefined) plan.importTable = importInput(r, at('ImportSourceSpecification'), p.ImportSourceSpecification, create);
  return plan;
}

/**
 * ImportTable creates the table itself, from TableCreationParameters, which take no LSIs,
 * stream, tags, table class or deletion protection (DynamoDB API reference, ImportTable).
 */
function importInput(r: Reader, path: string, v: unknown, create: CreateTableCommandInput): ImportTableCommandInput {
  const o = r.object(path, v, ['S3BucketSource', 'InputFormat', 'InputFormatOptions', 'InputCompressionType']);
  const s3 = r.object(`${path}.S3BucketSource`, o.S3BucketSource, ['S3Bucket', 'S3KeyPrefix', 'S3BucketOwner']);
  const input: ImportTableCommandInput = {
    S3BucketSource: dropUndefined({
      S3Bucket: r.string(`${path}.S3BucketSource.S3Bucket`, s3.S3Bucket),
      S3KeyPrefix: r.optString(`${path}.S3BucketSource.S3KeyPrefix`, s3.S3KeyPrefix),
      S3BucketOwner: r.optString(`${path}.S3BucketSource.S3BucketOwner`, s3.S3BucketOwner),
    }),
    InputFormat: r.enumOf(`${path}.InputFormat`, o.InputFormat, ['DYNAMODB_JSON', 'ION', 'CSV'] as const),
    TableCreationParameters: dropUndefined({
      TableName: create.TableName,
      AttributeDefinitions: create.AttributeDefinitions,
      KeySchema: create.KeySchema,
      BillingMode: create.BillingMode,
      ProvisionedThroughput: create.ProvisionedThroughput,
      OnDemandThroughput: create.OnDemandThroughput,
      SSESpecification: create.SSESpecification,
      GlobalSecondaryIndexes: create.GlobalSecondaryIndexes,
    }),
  };
  if (o.InputCompressionType !== undefined)
    input.InputCompressionType = r.enumOf(`${path}.InputCompressionType`, o.InputCompressionType, ['GZIP', 'ZSTD', 'NONE'] as const);
  if (o.InputFormatOptions !== undefined) {
    const f = r.object(`${path}.InputFormatOptions`, o.InputFormatOptions, ['Csv']);
    if (f.Csv !== undefined) {
      const c = r.object(`${path}.InputFormatOptions.Csv`, f.Csv, ['Delimiter', 'HeaderList']);
      input.InputFormatOptions = {
        Csv: dropUndefined({
          Delimiter: r.optString(`${path}.InputFormatOptions.Csv.Delimiter`, c.Delimiter),
          HeaderList:
            c.HeaderList === undefined
              ? undefined
              : r
                  .array(`${path}.InputFormatOptions.Csv.HeaderList`, c.HeaderList)
                  .map((h, i) => r.string(`${path}.InputFormatOptions.Csv.HeaderList[${i}]`, h)),
        }),
      };
    }
  }
  return input;
}

/** What the pseudo-parameters resolve to (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html). */
export interface PseudoContext {
  stackName: string;
  region: string;
  accountId: string;
  /** Defaults to a fixed, well-formed stack ARN (a local stack has no real ID). */
  stackId?: string;
  /** Template parameter values, substituted for `Ref` and `${Name}` too. */
  parameters?: Record<string, unknown>;
  /** The template's Conditions section, to resolve `Fn::If`. */
  conditions?: Record<string, unknown>;
}

/**
 * Substitutes, anywhere in `value`, what the project's one intrinsics evaluator
 * (contract/intrinsics.ts) can settle from the pseudo-parameters, the given template parameters
 * and the Conditions; `Ref: AWS::NoValue` removes the property or list item, as in CloudFormation.
 * Anything it cannot resolve is left as it was, so `nativeTableToApi` then names it.
 */
export function resolvePseudoParameters<T>(value: T, ctx: PseudoContext): T {
  return evaluate(value, { parameters: ctx.parameters ?? {}, pseudo: pseudoParameters(ctx), conditions: ctx.conditions ?? {}, unresolved: 'keep' }) as T;
}
