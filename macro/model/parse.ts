/**
 * Raw `Arc::DynamoDB::Table` -> TableModel: the JSON Schema first, then shape-deciding values
 * resolved (literals or parameter Refs), strings like "5" and "true" coerced, defaults applied.
 * Settings whose switch is off are dropped here; whether that is a contradiction (an error) is
 * decided by the named rules in macro/rules/, which also see the raw properties.
 *
 * Schema errors do not stop the parse: the values at fault are left out and the rest is parsed,
 * so the rules can check what did parse in the same round (every error in one message). The
 * result says which paths failed; rules use that to stay silent on what only echoes them.
 */
import { dict } from '../../contract/resources';
import { FailedPaths, joinPath, type ArcError } from '../errors';
import { ruleId, type RuleName } from '../rules/catalog';
import { schemaErrors, withoutInvalid } from './schema-errors';
import validate from '../generated/validate-table';
import { isIntrinsic, isObject, ValueReader } from './values';
import {
  ALARM_KINDS,
  type AlarmKind,
  type AlarmOverrideModel,
  type AttributeModel,
  type GsiModel,
  type CopyFromModel,
  type ImportTableModel,
  type LoadModel,
  type LsiModel,
  type MonitoringModel,
  type Passthrough,
  type ProjectionModel,
  type ReplicaIndexModel,
  type ReplicaModel,
  type ScalingModel,
  type ScheduledActionModel,
  type TableModel,
  OUTPUT_GROUPS,
  type OutputGroup,
} from './types';

export const ARC_TABLE_TYPE = 'Arc::DynamoDB::Table';

/** Module defaults (autoscaling_read/_write) and DynamoDB's documented values. */
export const DEFAULTS = {
  billingMode: 'PAY_PER_REQUEST',
  minCapacity: 1,
  targetValue: 70,
  scaleInCooldown: 60,
  scaleOutCooldown: 60,
  ttlAttributeName: 'ttl',
  streamViewType: 'NEW_AND_OLD_IMAGES',
  deletionPolicy: 'Retain',
} as const;

/** Resource attributes CloudFormation defines, and what the macro does with each. */
const SUPPORTED_ATTRIBUTES = new Set(['Type', 'Properties', 'Condition', 'DependsOn', 'Metadata', 'DeletionPolicy', 'UpdateReplacePolicy']);
const PROPERTY_NAMES: ReadonlySet<string> = new Set(Object.keys((validate.schema as { properties: Record<string, unknown> }).properties));
// AWS::DynamoDB::Table supports no Snapshot policy (CloudFormation user guide, DeletionPolicy
// attribute: Snapshot is for resources with snapshots, such as RDS and EBS; cfn-lint E3035).
const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate'];
const UPDATE_REPLACE_POLICIES = ['Delete', 'Retain'];

export interface ParseContext {
  /** The event's templateParameterValues: what a shape-deciding `Ref` resolves to. */
  params?: Record<string, unknown>;
}

export interface ParseResult {
  model?: TableModel;
  /** The raw Properties without the values the schema rejected, for rules that ask whether a value was given. */
  properties?: Record<string, unknown>;
  errors: ArcError[];
  /** Where the schema and value errors of the Properties are (resource attributes are not properties). */
  failed: FailedPaths;
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (isObject(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function parseAttributes(
  logicalId: string,
  resource: Raw,
  errors: ArcError[],
): Pick<TableModel, 'condition' | 'dependsOn' | 'metadata' | 'deletionPolicy' | 'updateReplacePolicy'> {
  const err = (path: string, message: string, rule: RuleName = 'resource-attributes') => errors.push({ rule: ruleId(rule), logicalId, path, message });
  for (const key of Object.keys(resource)) {
    if (SUPPORTED_ATTRIBUTES.has(key)) continue;
    // Properties written at the resource level, beside Type, are a common slip.
    const hint = PROPERTY_NAMES.has(key) ? `; ${key} is a property: put it under Properties` : '';
    err(key, `is not supported on ${ARC_TABLE_TYPE} (supported: Condition, DependsOn, Metadata, DeletionPolicy, UpdateReplacePolicy)${hint}`);
  }
  const { Condition, DependsOn, Metadata, DeletionPolicy, UpdateReplacePolicy } = resource;
  if (Condition !== undefined && typeof Condition !== 'string') err('Condition', 'must be the name of a condition');
  if (DependsOn !== undefined && typeof DependsOn !== 'string' && !(Array.isArray(DependsOn) && DependsOn.every((d) => typeof d === 'string'))) {
    err('DependsOn', 'must be a logical ID or a list of logical IDs');
  }
  const policy = (name: string, v: unknown, allowed: string[]): Passthrough<string> => {
    if (v === undefined) return DEFAULTS.deletionPolicy;
    if (isIntrinsic(v)) return v;
    if (typeof v === 'string' && allowed.includes(v)) return v;
    err(name, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}`, 'deletion-policies');
    return DEFAULTS.deletionPolicy;
  };
  return {
    ...(typeof Condition === 'string' ? { condition: Condition } : {}),
    ...(DependsOn !== undefined ? { dependsOn: DependsOn as string | string[] } : {}),
    ...(Metadata !== undefined ? { metadata: Metadata } : {}),
    deletionPolicy: policy('DeletionPolicy', DeletionPolicy, DELETION_POLICIES),
    updateReplacePolicy: policy('UpdateReplacePolicy', UpdateReplacePolicy, UPDATE_REPLACE_POLICIES),
  };
}

class TableParser {
  readonly r: ValueReader;
  constructor(logicalId: string, ctx: ParseContext, errors: ArcError[]) {
    this.r = new ValueReader(logicalId, ctx.params, errors);
  }

  scaling(path: string, raw: unknown): ScalingModel | undefined {
    const s = obj(raw);
    const r = this.r;
    const maxCapacity = r.int(joinPath(path, 'MaxCapacity'), s.MaxCapacity, { min: 1 });
    if (maxCapacity === undefined) return undefined;
    return {
      minCapacity: r.int(joinPath(path, 'MinCapacity'), s.MinCapacity, { min: 1 }) ?? DEFAULTS.minCapacity,
      maxCapacity,
      targetValue: r.num(joinPath(path, 'TargetValue'), s.TargetValue) ?? DEFAULTS.targetValue,
      scaleInCooldown: r.int(joinPath(path, 'ScaleInCooldown'), s.ScaleInCooldown, { min: 0 }) ?? DEFAULTS.scaleInCooldown,
      scaleOutCooldown: r.int(joinPath(path, 'ScaleOutCooldown'), s.ScaleOutCooldown, { min: 0 }) ?? DEFAULTS.scaleOutCooldown,
      ...(Array.isArray(s.ScheduledActions) ? { scheduledActions: this.scheduledActions(joinPath(path, 'ScheduledActions'), s.ScheduledActions) } : {}),
    };
  }

  /** ScheduledActions: CloudFormation's ScheduledAction entries; the rules check schedules, capacities and names. */
  scheduledActions(path: string, raw: unknown[]): ScheduledActionModel[] {
    const r = this.r;
    const out: ScheduledActionModel[] = [];
    raw.forEach((x, i) => {
      const a = obj(x);
      const at = (name: string) => joinPath(path, i, name);
      if (a.ScheduledActionName === undefined || a.Schedule === undefined) return;
      const action = obj(a.ScalableTargetAction);
      const minCapacity = r.int(joinPath(at('ScalableTargetAction'), 'MinCapacity'), action.MinCapacity, { min: 1 });
      const maxCapacity = r.int(joinPath(at('ScalableTargetAction'), 'MaxCapacity'), action.MaxCapacity, { min: 1 });
      out.push({
        index: i,
        name: r.str(a.ScheduledActionName) as Passthrough<string>,
        schedule: r.str(a.Schedule) as Passthrough<string>,
        ...(minCapacity !== undefined ? { minCapacity } : {}),
        ...(maxCapacity !== undefined ? { maxCapacity } : {}),
        ...(a.Timezone !== undefined ? { timezone: r.str(a.Timezone) } : {}),
        ...(a.StartTime !== undefined ? { startTime: r.str(a.StartTime) } : {}),
        ...(a.EndTime !== undefined ? { endTime: r.str(a.EndTime) } : {}),
      });
    });
    return out;
  }

  scalingMap(path: string, raw: unknown): Record<string, ScalingModel> {
    const out: Record<string, ScalingModel> = dict();
    for (const [index, value] of Object.entries(obj(raw))) {
      const s = this.scaling(joinPath(path, index), value);
      if (s) out[index] = s;
    }
    return out;
  }

  /** Outputs.Include: each group once, in the order given (a repeat is reported by the output-groups-unique rule). */
  outputGroups(raw: unknown): OutputGroup[] {
    const out: OutputGroup[] = [];
    list(raw).forEach((g, i) => {
      const group = this.r.choice(joinPath('Outputs.Include', i), g, OUTPUT_GROUPS);
      if (group !== undefined && !out.includes(group)) out.push(group);
    });
    return out;
  }

  /** OnDemandThroughput / WarmThroughput: an intrinsic unchanged, else its known integer fields coerced. */
  throughput(path: string, raw: unknown, fields: readonly string[], min: number): Passthrough<Record<string, unknown>> | undefined {
    if (raw === undefined) return undefined;
    if (isIntrinsic(raw)) return raw;
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const v = this.r.int(joinPath(path, f), obj(raw)[f], { min });
      if (v !== undefined) out[f] = v;
    }
    return out;
  }

  projection(path: string, raw: Raw): ProjectionModel {
    const type = this.r.choice(joinPath(path, 'ProjectionType'), raw.ProjectionType, ['ALL', 'KEYS_ONLY', 'INCLUDE'] as const, 'ALL');
    const projection: ProjectionModel = { type };
    if (raw.NonKeyAttributes !== undefined && type === 'INCLUDE') {
      projection.nonKeyAttributes = list(raw.NonKeyAttributes)
        .map((a, i) => this.r.name(joinPath(path, 'NonKeyAttributes', i), a))
        .filter((a): a is string => a !== undefined);
    }
    return projection;
  }

  s3Source(path: string, raw: unknown): ImportTableModel['s3BucketSource'] {
    const s = obj(raw);
    return {
      bucket: this.r.str(s.Bucket) as Passthrough<string>,
      ...(s.KeyPrefix !== undefined ? { keyPrefix: this.r.str(s.KeyPrefix) } : {}),
      ...(s.BucketOwner !== undefined ? { bucketOwner: this.r.str(s.BucketOwner) } : {}),
    };
  }

  format(path: string, raw: Raw): Pick<ImportTableModel, 'inputFormat' | 'inputCompressionType' | 'csv'> {
    const inputFormat = this.r.choice(joinPath(path, 'InputFormat'), raw.InputFormat, ['DYNAMODB_JSON', 'ION', 'CSV'] as const, 'DYNAMODB_JSON');
    const inputCompressionType = this.r.choice(joinPath(path, 'InputCompressionType'), raw.InputCompressionType, ['GZIP', 'ZSTD', 'NONE'] as const, 'NONE');
    const csvRaw = obj(obj(raw.InputFormatOptions).Csv);
    const csv =
      inputFormat === 'CSV' && raw.InputFormatOptions !== undefined
        ? {
            ...(csvRaw.Delimiter !== undefined ? { delimiter: this.r.str(csvRaw.Delimiter) } : {}),
            ...(csvRaw.HeaderList !== undefined ? { headerList: csvRaw.HeaderList as Passthrough<string[]> } : {}),
          }
        : undefined;
    return { inputFormat, inputCompressionType, ...(csv ? { csv } : {}) };
  }

  copyFrom(raw: Raw): CopyFromModel {
    const str = (v: unknown) => this.r.str(v) as Passthrough<string>;
    const copy: CopyFromModel = { sourceTableArn: str(raw.SourceTableArn), s3Bucket: str(raw.S3Bucket) };
    if (raw.ExportTime !== undefined) copy.exportTime = str(raw.ExportTime);
    if (raw.S3Prefix !== undefined) copy.s3Prefix = str(raw.S3Prefix);
    if (raw.S3BucketOwner !== undefined) copy.s3BucketOwner = str(raw.S3BucketOwner);
    if (raw.S3SseAlgorithm !== undefined) copy.s3SseAlgorithm = raw.S3SseAlgorithm as CopyFromModel['s3SseAlgorithm'];
    if (raw.S3SseKmsKeyId !== undefined) copy.s3SseKmsKeyId = str(raw.S3SseKmsKeyId);
    return copy;
  }

  replica(path: string, index: number, raw: Raw, provisioned: boolean): ReplicaModel | undefined {
    const r = this.r;
    const regionName = r.name(joinPath(path, 'RegionName'), raw.RegionName);
    if (regionName === undefined) return undefined;
    const pitr = r.flag(joinPath(path, 'PointInTimeRecoveryEnabled'), raw.PointInTimeRecoveryEnabled, true).value;
    const replica: ReplicaModel = {
      index,
      regionName,
      propagateTags: r.flag(joinPath(path, 'PropagateTags'), raw.PropagateTags, true).value,
      pointInTimeRecoveryEnabled: pitr,
      indexes: [],
    };
    if (raw.KmsKeyArn !== undefined) replica.kmsKeyArn = r.str(raw.KmsKeyArn);
    const period = r.int(joinPath(path, 'PointInTimeRecoveryPeriodInDays'), raw.PointInTimeRecoveryPeriodInDays, { min: 1, max: 35 });
    if (period !== undefined && pitr) replica.pointInTimeRecoveryPeriodInDays = period;
    if (raw.TableClass !== undefined) replica.tableClass = r.str(raw.TableClass);
    const dp = r.flag(joinPath(path, 'DeletionProtectionEnabled'), raw.DeletionProtectionEnabled);
    if (dp) replica.deletionProtectionEnabled = dp.value;
    const ci = r.flag(joinPath(path, 'ContributorInsightsEnabled'), raw.ContributorInsightsEnabled);
    if (ci) replica.contributorInsightsEnabled = ci.value;
    const rc = r.int(joinPath(path, 'ReadCapacity'), raw.ReadCapacity, { min: 1 });
    if (rc !== undefined && provisioned) replica.readCapacity = rc;
    const mr = r.int(joinPath(path, 'MaxReadRequestUnits'), raw.MaxReadRequestUnits, { min: 1 });
    if (mr !== undefined && !provisioned) replica.maxReadRequestUnits = mr;
    if (raw.ContributorInsightsMode !== undefined) replica.contributorInsightsMode = r.str(raw.ContributorInsightsMode);
    list(raw.GlobalSecondaryIndexes).forEach((x, i) => {
      const gi = obj(x);
      const at = joinPath(path, 'GlobalSecondaryIndexes', i);
      const indexName = r.name(joinPath(at, 'IndexName'), gi.IndexName);
      if (indexName === undefined) return;
      const settings: ReplicaIndexModel = { index: i, indexName };
      const on = r.flag(joinPath(at, 'ContributorInsightsEnabled'), gi.ContributorInsightsEnabled);
      if (on) settings.contributorInsightsEnabled = on.value;
      if (gi.ContributorInsightsMode !== undefined) settings.contributorInsightsMode = r.str(gi.ContributorInsightsMode);
      const grc = r.int(joinPath(at, 'ReadCapacity'), gi.ReadCapacity, { min: 1 });
      if (grc !== undefined && provisioned) settings.readCapacity = grc;
      const gmr = r.int(joinPath(at, 'MaxReadRequestUnits'), gi.MaxReadRequestUnits, { min: 1 });
      if (gmr !== undefined && !provisioned) settings.maxReadRequestUnits = gmr;
      replica.indexes.push(settings);
    });
    return replica;
  }

  load(raw: Raw): LoadModel {
    const r = this.r;
    return {
      s3BucketSource: this.s3Source('Load.S3BucketSource', raw.S3BucketSource),
      ...this.format('Load', raw),
      writeMode: r.choice('Load.WriteMode', raw.WriteMode, ['Overwrite', 'PutIfAbsent'] as const, 'Overwrite'),
      maxRejectedRecords: r.int('Load.MaxRejectedRecords', raw.MaxRejectedRecords, { min: 0 }) ?? 0,
      ...(raw.Revision !== undefined ? { revision: r.str(raw.Revision) } : {}),
      ...(raw.WriteBudget !== undefined ? { writeBudget: this.writeBudget(obj(raw.WriteBudget)) } : {}),
      distributed: r.flag('Load.Distributed', raw.Distributed)?.value,
    };
  }

  writeBudget(raw: Raw): NonNullable<LoadModel['writeBudget']> {
    const out: NonNullable<LoadModel['writeBudget']> = {};
    for (const [k, max] of [['WriteCapacityPercent', 100], ['MaxWriteUnitsPerSecond'], ['MaxItemsPerSecond']] as const) {
      const path = `Load.WriteBudget.${k}`;
      const v = k === 'WriteCapacityPercent' ? this.r.num(path, raw[k], { min: 1, max }) : this.r.int(path, raw[k], { min: 1 });
      if (v !== undefined) out[k] = v;
    }
    return out;
  }

  monitoring(raw: Raw): MonitoringModel {
    const r = this.r;
    const actions = (name: string) => list(raw[name]).map((a) => r.str(a) as Passthrough<string>);
    const alarms: Partial<Record<AlarmKind, AlarmOverrideModel>> = {};
    const alarmsRaw = obj(raw.Alarms);
    for (const kind of ALARM_KINDS) {
      if (alarmsRaw[kind] === undefined) continue;
      const a = obj(alarmsRaw[kind]);
      const path = joinPath('Monitoring.Alarms', kind);
      const o: AlarmOverrideModel = {};
      const enabled = r.flag(joinPath(path, 'Enabled'), a.Enabled);
      if (enabled) o.enabled = enabled.value;
      const threshold = r.num(joinPath(path, 'Threshold'), a.Threshold);
      if (threshold !== undefined) o.threshold = threshold;
      const period = r.int(joinPath(path, 'Period'), a.Period, { min: 10 });
      if (period !== undefined) o.period = period;
      const ev = r.int(joinPath(path, 'EvaluationPeriods'), a.EvaluationPeriods, { min: 1 });
      if (ev !== undefined) o.evaluationPeriods = ev;
      const dp = r.int(joinPath(path, 'DatapointsToAlarm'), a.DatapointsToAlarm, { min: 1 });
      if (dp !== undefined) o.datapointsToAlarm = dp;
      alarms[kind] = o;
    }
    return {
      enabled: r.flag('Monitoring.Enabled', raw.Enabled, true).value,
      alarmActions: actions('AlarmActions'),
      okActions: actions('OkActions'),
      insufficientDataActions: actions('InsufficientDataActions'),
      ...(raw.AlarmNamePrefix !== undefined ? { alarmNamePrefix: r.str(raw.AlarmNamePrefix) } : {}),
      alarms,
      dashboard: r.flag('Monitoring.Dashboard', raw.Dashboard, false).value,
    };
  }

  /** A GSI key: one attribute name, or a list of up to four (multi-attribute keys); names that do not parse are left out. */
  private keyNames(path: string, raw: unknown): string[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
      const one = this.r.name(path, raw);
      return one === undefined ? [] : [one];
    }
    return raw.flatMap((v, j) => {
      const n = this.r.name(joinPath(path, j), v);
      return n === undefined ? [] : [n];
    });
  }

  table(logicalId: string, p: Raw, attrs: ReturnType<typeof parseAttributes>): TableModel {
    const r = this.r;
    const billingMode = r.choice('BillingMode', p.BillingMode, ['PAY_PER_REQUEST', 'PROVISIONED'] as const, DEFAULTS.billingMode);
    const provisioned = billingMode === 'PROVISIONED';

    const attributes: AttributeModel[] = [];
    list(p.Attributes).forEach((a, i) => {
      const name = r.name(joinPath('Attributes', i, 'Name'), obj(a).Name);
      const type = r.choice(joinPath('Attributes', i, 'Type'), obj(a).Type, ['S', 'N', 'B'] as const);
      if (name !== undefined && type !== undefined) attributes.push({ index: i, name, type });
    });

    const autoscalingOn = r.flag('AutoscalingEnabled', p.AutoscalingEnabled, false).value && provisioned;
    const autoscaling: TableModel['autoscaling'] = autoscalingOn
      ? {
          ...(p.AutoscalingRead !== undefined ? { read: this.scaling('AutoscalingRead', p.AutoscalingRead) } : {}),
          ...(p.AutoscalingWrite !== undefined ? { write: this.scaling('AutoscalingWrite', p.AutoscalingWrite) } : {}),
          gsiRead: this.scalingMap('GsiAutoscalingRead', p.GsiAutoscalingRead),
          gsiWrite: this.scalingMap('GsiAutoscalingWrite', p.GsiAutoscalingWrite),
        }
      : undefined;

    // With autoscaling, a missing capacity starts at the autoscaling minimum.
    const readCapacity = provisioned ? (r.int('ReadCapacity', p.ReadCapacity, { min: 1 }) ?? autoscaling?.read?.minCapacity) : undefined;
    const writeCapacity = provisioned ? (r.int('WriteCapacity', p.WriteCapacity, { min: 1 }) ?? autoscaling?.write?.minCapacity) : undefined;
    if (!provisioned) {
      r.int('ReadCapacity', p.ReadCapacity, { min: 1 });
      r.int('WriteCapacity', p.WriteCapacity, { min: 1 });
    }

    const globalSecondaryIndexes: GsiModel[] = [];
    list(p.GlobalSecondaryIndexes).forEach((g, i) => {
      const raw = obj(g);
      const path = joinPath('GlobalSecondaryIndexes', i);
      const name = r.name(joinPath(path, 'Name'), raw.Name);
      const hashKeys = this.keyNames(joinPath(path, 'HashKey'), raw.HashKey);
      const rangeKeys = this.keyNames(joinPath(path, 'RangeKey'), raw.RangeKey);
      const projection = this.projection(path, raw);
      const rc = r.int(joinPath(path, 'ReadCapacity'), raw.ReadCapacity, { min: 1 });
      const wc = r.int(joinPath(path, 'WriteCapacity'), raw.WriteCapacity, { min: 1 });
      const onDemand = this.throughput(joinPath(path, 'OnDemandThroughput'), raw.OnDemandThroughput, ['MaxReadRequestUnits', 'MaxWriteRequestUnits'], 1);
      const warm = this.throughput(joinPath(path, 'WarmThroughput'), raw.WarmThroughput, ['ReadUnitsPerSecond', 'WriteUnitsPerSecond'], 1);
      if (name === undefined || hashKeys.length === 0) return;
      const gsi: GsiModel = { index: i, name, hashKeys, rangeKeys, projection };
      if (provisioned) {
        // An index without its own capacity starts with its autoscaling minimum, else the table's.
        const readDefault = autoscaling?.gsiRead[name]?.minCapacity ?? readCapacity;
        const writeDefault = autoscaling?.gsiWrite[name]?.minCapacity ?? writeCapacity;
        if ((rc ?? readDefault) !== undefined) gsi.readCapacity = rc ?? readDefault;
        if ((wc ?? writeDefault) !== undefined) gsi.writeCapacity = wc ?? writeDefault;
      } else if (onDemand !== undefined) {
        gsi.onDemandThroughput = onDemand;
      }
      if (warm !== undefined) gsi.warmThroughput = warm;
      globalSecondaryIndexes.push(gsi);
    });

    const localSecondaryIndexes: LsiModel[] = [];
    list(p.LocalSecondaryIndexes).forEach((l, i) => {
      const raw = obj(l);
      const path = joinPath('LocalSecondaryIndexes', i);
      const name = r.name(joinPath(path, 'Name'), raw.Name);
      const rangeKey = r.name(joinPath(path, 'RangeKey'), raw.RangeKey);
      const projection = this.projection(path, raw);
      if (name !== undefined && rangeKey !== undefined) localSecondaryIndexes.push({ index: i, name, rangeKey, projection });
    });

    const replicas: ReplicaModel[] = [];
    list(p.ReplicaRegions).forEach((x, i) => {
      const replica = this.replica(joinPath('ReplicaRegions', i), i, obj(x), provisioned);
      if (replica) replicas.push(replica);
    });

    const ttlOn = r.flag('TtlEnabled', p.TtlEnabled, false).value;
    const streamOn = r.flag('StreamEnabled', p.StreamEnabled, false).value;
    const viewType = r.choice(
      'StreamViewType',
      p.StreamViewType,
      ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'] as const,
      DEFAULTS.streamViewType,
    );
    const sseOn = r.flag('ServerSideEncryptionEnabled', p.ServerSideEncryptionEnabled, true).value;
    const pitrOn = r.flag('PointInTimeRecoveryEnabled', p.PointInTimeRecoveryEnabled, true).value;
    const pitrPeriod = r.int('PointInTimeRecoveryPeriodInDays', p.PointInTimeRecoveryPeriodInDays, { min: 1, max: 35 });

    const gsiInsights: Record<string, boolean> = dict();
    for (const [index, v] of Object.entries(obj(p.GsiContributorInsightsEnabled))) {
      const f = r.flag(joinPath('GsiContributorInsightsEnabled', index), v);
      if (f) gsiInsights[index] = f.value;
    }

    // CloudFormation tag values are strings; a YAML `Version: 2` means "2".
    const tags = Object.entries(obj(p.Tags)).map(([key, value]) => ({
      key,
      value: (typeof value === 'number' || typeof value === 'boolean' ? String(value) : r.str(value)) as Passthrough<string>,
    }));
    const onDemandThroughput = this.throughput('OnDemandThroughput', p.OnDemandThroughput, ['MaxReadRequestUnits', 'MaxWriteRequestUnits'], 1);
    const warmThroughput = this.throughput('WarmThroughput', p.WarmThroughput, ['ReadUnitsPerSecond', 'WriteUnitsPerSecond'], 1);

    let outputs: TableModel['outputs'];
    if (isObject(p.Outputs) && ('ExportPrefix' in p.Outputs || 'Include' in p.Outputs)) {
      outputs = {
        ...('ExportPrefix' in p.Outputs ? { exportPrefix: r.str(p.Outputs.ExportPrefix) } : {}),
        ...('Include' in p.Outputs ? { include: this.outputGroups(p.Outputs.Include) } : {}),
      };
    } else if (r.flag('Outputs', p.Outputs, false).value) outputs = {};

    const model: TableModel = {
      logicalId,
      ...attrs,
      ...(p.TableName !== undefined ? { tableName: r.str(p.TableName) } : {}),
      billingMode,
      ...(p.TableClass !== undefined ? { tableClass: r.str(p.TableClass) } : {}),
      hashKey: r.name('HashKey', p.HashKey) ?? '',
      attributes,
      globalSecondaryIndexes,
      indexManagement: r.choice('GlobalSecondaryIndexManagement', p.GlobalSecondaryIndexManagement, ['TABLE', 'PROVIDER'] as const, 'TABLE'),
      localSecondaryIndexes,
      serverSideEncryption: {
        enabled: sseOn,
        ...(sseOn && p.ServerSideEncryptionKmsKeyArn !== undefined ? { kmsKeyArn: r.str(p.ServerSideEncryptionKmsKeyArn) } : {}),
      },
      pointInTimeRecovery: { enabled: pitrOn, ...(pitrOn && pitrPeriod !== undefined ? { recoveryPeriodInDays: pitrPeriod } : {}) },
      contributorInsights: {
        table: r.flag('TableContributorInsightsEnabled', p.TableContributorInsightsEnabled, false).value,
        ...(p.ContributorInsightsMode !== undefined ? { mode: r.str(p.ContributorInsightsMode) } : {}),
        gsi: gsiInsights,
      },
      replicas,
      replicasDeclared: Array.isArray(p.ReplicaRegions),
      multiRegionConsistency: r.choice('MultiRegionConsistency', p.MultiRegionConsistency, ['EVENTUAL', 'STRONG'] as const, 'EVENTUAL'),
      witnesses: list(p.GlobalTableWitnesses).flatMap((w, i) => {
        const region = r.name(joinPath('GlobalTableWitnesses', i, 'Region'), obj(w).Region);
        return region === undefined ? [] : [{ index: i, region }];
      }),
      waitForReplication: r.flag('WaitForReplication', p.WaitForReplication, true).value,
      monitoring: this.monitoring(obj(p.Monitoring)),
      tags,
    };
    const deletionProtection = r.flag('DeletionProtectionEnabled', p.DeletionProtectionEnabled);
    if (deletionProtection) model.deletionProtectionEnabled = deletionProtection.value;
    const rangeKey = r.name('RangeKey', p.RangeKey);
    if (rangeKey !== undefined) model.rangeKey = rangeKey;
    if (readCapacity !== undefined) model.readCapacity = readCapacity;
    if (writeCapacity !== undefined) model.writeCapacity = writeCapacity;
    if (autoscaling) model.autoscaling = autoscaling;
    if (ttlOn) model.ttl = { attributeName: r.str(p.TtlAttributeName) ?? DEFAULTS.ttlAttributeName };
    // Global table replication reads the table's stream and needs both images (rules/replicas.ts).
    if (model.replicasDeclared) model.stream = { viewType: 'NEW_AND_OLD_IMAGES' };
    else if (streamOn) model.stream = { viewType };
    if (p.ImportTable !== undefined) {
      const raw = obj(p.ImportTable);
      model.importTable = { s3BucketSource: this.s3Source('ImportTable.S3BucketSource', raw.S3BucketSource), ...this.format('ImportTable', raw) };
    }
    if (p.CopyFrom !== undefined) model.copyFrom = this.copyFrom(obj(p.CopyFrom));
    if (p.Load !== undefined) model.load = this.load(obj(p.Load));
    if (onDemandThroughput !== undefined && !provisioned) model.onDemandThroughput = onDemandThroughput;
    if (warmThroughput !== undefined) model.warmThroughput = warmThroughput;
    if (p.ResourcePolicy !== undefined) model.resourcePolicy = p.ResourcePolicy as Passthrough<Record<string, unknown>>;
    if (p.KinesisStreamSpecification !== undefined) model.kinesisStreamSpecification = p.KinesisStreamSpecification as Passthrough<Record<string, unknown>>;
    if (outputs) model.outputs = outputs;
    // 61 minutes at least (below that the custom resource's own hour suffices), 720 at most (a WaitCondition's 43,200 s).
    const longOp = r.shapeInt('LongOperationTimeoutInMinutes', p.LongOperationTimeoutInMinutes, { min: 61, max: 720 });
    if (longOp !== undefined) model.longOperationTimeoutMinutes = longOp;
    const adopt = r.name('AdoptExistingTable', p.AdoptExistingTable);
    if (adopt !== undefined) model.adoptExistingTable = adopt;
    return model;
  }
}

/** Parses one Arc resource. Errors are collected, never thrown. */
export function parseTable(logicalId: string, resource: unknown, ctx: ParseContext): ParseResult {
  const shape = (path: string, message: string): ArcError => ({ rule: ruleId('resource-shape'), logicalId, path, message });
  if (!isObject(resource)) return { errors: [shape('', 'must be an object with Type and Properties')], failed: new FailedPaths([]) };
  const attributeErrors: ArcError[] = [];
  const attrs = parseAttributes(logicalId, resource, attributeErrors);
  const raw = resource.Properties ?? {};
  if (!isObject(raw)) return { errors: [...attributeErrors, shape('Properties', 'must be an object')], failed: new FailedPaths([]) };
  const schema = schemaErrors(logicalId, raw);
  const properties = schema.invalid.length > 0 ? withoutInvalid(raw, schema.invalid) : raw;
  const valueErrors: ArcError[] = [];
  const model = new TableParser(logicalId, ctx, valueErrors).table(logicalId, properties, attrs);
  // Leaving a value out can make its parent read differently ({ExportPrefix: 5} becomes {}): an
  // error at, above or inside a path the schema already reported is only its echo.
  const schemaFailed = new FailedPaths(schema.errors);
  const propertyErrors = [...schema.errors, ...valueErrors.filter((e) => !schemaFailed.touching(e.path))];
  return { model, properties, errors: [...attributeErrors, ...propertyErrors], failed: new FailedPaths(propertyErrors, schema.meant) };
}
