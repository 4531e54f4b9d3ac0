import type { CfnResource } from '../generators/types';
import type { AlarmKind, TableModel } from '../model/types';
import type { Dimension, MetricDataQuery } from './metric-math';
import { DYNAMODB_NAMESPACE, unpublishedReason } from './published-metrics';
import type { AlarmSettings } from './settings';

/** CloudWatch's AlarmDescription limit (PutMetricAlarm: 0-1024 characters). */
export const MAX_DESCRIPTION_LENGTH = 1024;

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
    const reason = unpublishedReason(DYNAMODB_NAMESPACE, spec.metricName, spec.dimensions.map((d) => d.Name));
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
  return {
    Type: 'AWS::CloudWatch::Alarm',
    ...(table.condition !== undefined ? { Condition: table.condition } : {}),
    Properties: properties,
  };
}
