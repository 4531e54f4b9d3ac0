import type { Intrinsic, Passthrough } from '../model/types';
import { DYNAMODB_NAMESPACE, unpublishedReason } from './published-metrics';

/**
 * CloudWatch limits for one alarm's `Metrics` array (PutMetricAlarm, MetricDataQuery): at most 10
 * entries with MetricStat, at most 10 with Expression, exactly one with ReturnData true, and that
 * expression must return a single time series.
 */
export const MAX_METRICS_PER_ALARM = 10;
export const MAX_EXPRESSIONS_PER_ALARM = 10;

export interface Dimension {
  Name: string;
  Value: Passthrough<string>;
}

/** `AWS::CloudWatch::Alarm` MetricDataQuery, as CloudFormation spells it. */
export interface MetricDataQuery {
  Id: string;
  Label?: string;
  ReturnData: boolean;
  Expression?: Passthrough<string>;
  MetricStat?: {
    Metric: { Namespace: string; MetricName: string; Dimensions: Dimension[] };
    Period: Passthrough<number>;
    Stat: string;
  };
}

/** `{ Ref: tableId }`: CloudFormation resolves it to the table name, the `TableName` dimension value. */
export const tableNameRef = (tableId: string): Intrinsic => ({ Ref: tableId });

/**
 * One DynamoDB metric to retrieve. Throws if DynamoDB does not publish the metric with these
 * dimension names: such an alarm would be created and never fire.
 */
export function metricStat(
  id: string,
  metricName: string,
  dimensions: Dimension[],
  stat: string,
  period: Passthrough<number>,
  label?: string,
): MetricDataQuery {
  const operation = dimensions.find((d) => d.Name === 'Operation')?.Value;
  const reason = unpublishedReason(
    DYNAMODB_NAMESPACE,
    metricName,
    dimensions.map((d) => d.Name),
    typeof operation === 'string' ? operation : undefined,
  );
  if (reason !== null) throw new Error(`internal: ${reason}`);
  return {
    Id: id,
    ...(label !== undefined ? { Label: label } : {}),
    ReturnData: false,
    MetricStat: { Metric: { Namespace: DYNAMODB_NAMESPACE, MetricName: metricName, Dimensions: dimensions }, Period: period, Stat: stat },
  };
}

export function expression(id: string, expr: Passthrough<string>, label: string, returnData: boolean): MetricDataQuery {
  return { Id: id, Label: label, ReturnData: returnData, Expression: expr };
}

/**
 * Sum of event-count series. DynamoDB sends these metrics only when they are non-zero, so series
 * are sparse, and a GSI that never throttles has no series at all:
 * - plain `m1+m2` has a value only at timestamps where every series has one;
 * - FILL(m,0) fills gaps, but we do not rely on it producing values for a series with no
 *   datapoint in the whole window;
 * - SUM over an array adds, per timestamp, the series that have a value.
 * Both together keep one throttled index visible whatever the others do.
 */
export function sumOfCounts(ids: readonly string[]): string {
  return `SUM([${ids.map((id) => `FILL(${id},0)`).join(',')}])`;
}

/**
 * Consumed capacity as % of provisioned. Consumed is a Sum per period; provisioned is units per
 * second, so consumed is divided by PERIOD() first. Using the Provisioned* metric rather than a
 * fixed threshold keeps the alarm right when autoscaling changes the capacity
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/creating-alarms.html).
 */
export function utilizationOfProvisioned(consumedId: string, provisionedId: string): string {
  return `100*(${consumedId}/PERIOD(${consumedId}))/${provisionedId}`;
}

/**
 * Consumed request units per second as % of an on-demand maximum (MaxRead/WriteRequestUnits).
 * The maximum may be an intrinsic, so the expression is then an Fn::Sub.
 */
export function utilizationOfMaximum(consumedId: string, maximum: Passthrough<number>): Passthrough<string> {
  if (typeof maximum === 'number') return `100*(${consumedId}/PERIOD(${consumedId}))/${maximum}`;
  return { 'Fn::Sub': [`100*(${consumedId}/PERIOD(${consumedId}))/\${ArcMaximum}`, { ArcMaximum: maximum }] };
}

/** Splits `items` into groups of at most `size`, keeping order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
