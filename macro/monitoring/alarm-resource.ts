import { indexesDependency } from '../generators/common';
import type { CfnResource } from '../generators/types';
import type { AlarmKind, TableModel } from '../model/types';
import { stableHash } from '../naming';
import type { Dimension, MetricDataQuery } from './metric-math';
import { DYNAMODB_NAMESPACE, unpublishedReason } from './published-metrics';
import type { AlarmSettings } from './settings';

/** CloudWatch's AlarmDescription limit (PutMetricAlarm: 0-1024 characters). */
export const MAX_DESCRIPTION_LENGTH = 1024;
/** CloudWatch's AlarmName limit (PutMetricAlarm: 1-255 characters). */
export const MAX_ALARM_NAME_LENGTH = 255;

interface AlarmBase {
  kind: AlarmKind;
  /** Appended to `AlarmNamePrefix` and the table name to form AlarmName, e.g. `SystemErrors-2`. */
  nameSuffix: string;
  description: string;
  settings: AlarmSettings;
}

/** An alarm on the result of a metric-math expression (the one entry with ReturnData true). */
export interface MathAlarmSpec extends AlarmBase {
  metrics: MetricDataQuery[];
}

/** An alarm on one metric, with the metric named directly. */
export interface SingleMetricAlarmSpec extends AlarmBase {
  metricName: string;
  dimensions: Dimension[];
  statistic: 'Sum' | 'Average' | 'Maximum';
}

export type AlarmSpec = MathAlarmSpec | SingleMetricAlarmSpec;

/**
 * `Index-<name>-<Kind>`, the AlarmName suffix of a GSI's alarm. AlarmName is
 * `<AlarmNamePrefix>-<table name>-<suffix>`; when the parts known at expansion (a literal prefix
 * and TableName, else their shortest forms) already make it longer than CloudWatch allows, the
 * index name is cut and a stable hash of it added. Only names CloudWatch rejects today change.
 */
export function indexAlarmSuffix(table: TableModel, index: string, kind: string): string {
  const suffix = `Index-${index}-${kind}`;
  const prefix = table.monitoring.alarmNamePrefix;
  if (prefix === undefined) return suffix; // no AlarmName: CloudFormation names the alarm
  const known = (typeof prefix === 'string' ? prefix.length : 1) + 1 + (typeof table.tableName === 'string' ? table.tableName.length : 3) + 1;
  const room = MAX_ALARM_NAME_LENGTH - known - `Index--${kind}`.length;
  if (index.length <= room) return suffix;
  const hash = stableHash(index);
  const keep = Math.max(0, room - hash.length - 1);
  return `Index-${keep > 0 ? `${index.slice(0, keep)}-` : ''}${hash}-${kind}`;
}

/** Long index names can push a description past CloudWatch's limit; the end is cut, never the start. */
export function fitDescription(text: string): string {
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

/**
 * The native resource for one alarm. Every alarm:
 * - uses GreaterThanThreshold and TreatMissingData notBreaching: DynamoDB sends throttle and
 *   error metrics only when they are non-zero, so an idle table has no datapoints and must not
 *   be in ALARM;
 * - carries the table's Condition, so it exists exactly when the table does;
 * - is named only when `AlarmNamePrefix` is set (AlarmName forces replacement on change, and a
 *   generated name never clashes across stacks or regions).
 */
export function alarmResource(table: TableModel, spec: AlarmSpec): CfnResource {
  const m = table.monitoring;
  const properties: Record<string, unknown> = {};
  if (m.alarmNamePrefix !== undefined) {
    properties.AlarmName = { 'Fn::Join': ['-', [m.alarmNamePrefix, { Ref: table.logicalId }, spec.nameSuffix]] };
  }
  properties.AlarmDescription = fitDescription(spec.description);
  properties.ActionsEnabled = true;
  if (m.alarmActions.length > 0) properties.AlarmActions = [...m.alarmActions];
  if (m.okActions.length > 0) properties.OKActions = [...m.okActions];
  if (m.insufficientDataActions.length > 0) properties.InsufficientDataActions = [...m.insufficientDataActions];
  if ('metrics' in spec) {
    properties.Metrics = spec.metrics;
  } else {
    const reason = unpublishedReason(
      DYNAMODB_NAMESPACE,
      spec.metricName,
      spec.dimensions.map((d) => d.Name),
    );
    if (reason !== null) throw new Error(`internal: ${reason}`);
    properties.Namespace = DYNAMODB_NAMESPACE;
    properties.MetricName = spec.metricName;
    if (spec.dimensions.length > 0) properties.Dimensions = spec.dimensions;
    properties.Statistic = spec.statistic;
    properties.Period = spec.settings.period;
  }
  properties.ComparisonOperator = 'GreaterThanThreshold';
  properties.Threshold = spec.settings.threshold;
  properties.EvaluationPeriods = spec.settings.evaluationPeriods;
  properties.DatapointsToAlarm = spec.settings.datapointsToAlarm;
  properties.TreatMissingData = 'notBreaching';
  const after = indexesDependency(table);
  return {
    Type: 'AWS::CloudWatch::Alarm',
    ...(table.condition !== undefined ? { Condition: table.condition } : {}),
    ...(after.length > 0 ? { DependsOn: after } : {}),
    Properties: properties,
  };
}
