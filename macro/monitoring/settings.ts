import type { AlarmKind, AlarmOverrideModel, Passthrough, TableModel } from '../model/types';

/** Threshold, period and datapoints of one alarm kind, after the user's overrides. */
export interface AlarmSettings {
  threshold: Passthrough<number>;
  period: Passthrough<number>;
  evaluationPeriods: Passthrough<number>;
  datapointsToAlarm: Passthrough<number>;
}

interface KindDefaults extends AlarmSettings {
  enabledByDefault: boolean;
}

/**
 * The default alarm set. Shapes follow AWS's recommended alarms for DynamoDB
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#DynamoDB):
 * 60 s periods on the 1-minute metrics, 5/5 for throttles, 10/10 for UserErrors, 15/15 for
 * ReplicationLatency. The capacity alarms use 300 s because ProvisionedRead/WriteCapacityUnits
 * are published at 5-minute granularity (metrics-dimensions page), so a 60 s period would see a
 * provisioned value in only one minute out of five. docs/monitoring.md explains each choice.
 */
export const ALARM_DEFAULTS: Readonly<Record<AlarmKind, KindDefaults>> = {
  ReadThrottleEvents: { enabledByDefault: true, threshold: 0, period: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
  WriteThrottleEvents: { enabledByDefault: true, threshold: 0, period: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
  SystemErrors: { enabledByDefault: true, threshold: 0, period: 60, evaluationPeriods: 15, datapointsToAlarm: 10 },
  ReadCapacityUtilization: { enabledByDefault: true, threshold: 80, period: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
  WriteCapacityUtilization: { enabledByDefault: true, threshold: 80, period: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
  ReadOnDemandUtilization: { enabledByDefault: true, threshold: 80, period: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
  WriteOnDemandUtilization: { enabledByDefault: true, threshold: 80, period: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
  ReplicationLatency: { enabledByDefault: true, threshold: 60000, period: 60, evaluationPeriods: 15, datapointsToAlarm: 15 },
  UserErrors: { enabledByDefault: false, threshold: 0, period: 60, evaluationPeriods: 10, datapointsToAlarm: 10 },
};

/** Which constraint a problem breaks (its rule in macro/rules/catalog.ts). */
export type MonitoringCheck = 'alarm-periods' | 'alarm-datapoints' | 'alarm-evaluation-window' | 'alarm-thresholds';

/** A problem with `Monitoring.Alarms.<Kind>`: the property path inside Properties, and a sentence. */
export interface MonitoringProblem {
  path: string;
  message: string;
}

/** A problem with the constraint it breaks and the fields it compares (when one did not parse, the problem is only its echo). */
export interface MonitoringFinding extends MonitoringProblem {
  check: MonitoringCheck;
  fields: string[];
}

/** Whether the alarm kind is emitted for this table (before asking whether it applies at all). */
export function kindEnabled(table: TableModel, kind: AlarmKind): boolean {
  if (!table.monitoring.enabled) return false;
  const override = table.monitoring.alarms[kind];
  return override?.enabled ?? ALARM_DEFAULTS[kind].enabledByDefault;
}

function merged(table: TableModel, kind: AlarmKind): { s: AlarmSettings; o: AlarmOverrideModel } {
  const d = ALARM_DEFAULTS[kind];
  const o: AlarmOverrideModel = table.monitoring.alarms[kind] ?? {};
  return {
    o,
    s: {
      threshold: o.threshold ?? d.threshold,
      period: o.period ?? d.period,
      evaluationPeriods: o.evaluationPeriods ?? d.evaluationPeriods,
      datapointsToAlarm: o.datapointsToAlarm ?? d.datapointsToAlarm,
    },
  };
}

/**
 * Every problem in the overrides of the enabled alarm kinds, checked against the merged settings
 * (so overriding EvaluationPeriods below a default DatapointsToAlarm is caught too). The macro's
 * rule pipeline reports these with the table's logical ID.
 */
export function monitoringProblems(table: TableModel): MonitoringProblem[] {
  return monitoringFindings(table).map(({ path, message }) => ({ path, message }));
}

/** The same problems, each with its constraint and the fields it compares (the rules in rules/table-settings.ts). */
export function monitoringFindings(table: TableModel): MonitoringFinding[] {
  return (Object.keys(ALARM_DEFAULTS) as AlarmKind[])
    .filter((k) => kindEnabled(table, k))
    .flatMap((k) => {
      const { s, o } = merged(table, k);
      return checkSettings(k, s, o);
    });
}

/** Defaults merged with `Monitoring.Alarms.<kind>`. Throws on a problem the rules should have reported. */
export function settingsFor(table: TableModel, kind: AlarmKind): AlarmSettings {
  const { s, o } = merged(table, kind);
  const problems = checkSettings(kind, s, o);
  if (problems.length > 0) throw new Error(`${table.logicalId}: ${problems[0].path}: ${problems[0].message}`);
  return s;
}

const num = (v: Passthrough<number>): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * CloudWatch's PutMetricAlarm rules, checked when the values are literals (intrinsics are left to
 * CloudFormation): DynamoDB metrics have 1-minute resolution, so a period must be a multiple of
 * 60 s (shorter periods would have no data); DatapointsToAlarm <= EvaluationPeriods;
 * EvaluationPeriods x Period <= 86,400 s ("an alarm's total current evaluation period can be no
 * longer than one day", PutMetricAlarm API reference).
 */
function checkSettings(kind: AlarmKind, s: AlarmSettings, o: AlarmOverrideModel): MonitoringFinding[] {
  const problems: MonitoringFinding[] = [];
  const path = (field: string) => `Monitoring.Alarms.${kind}.${field}`;
  const period = num(s.period);
  const evaluation = num(s.evaluationPeriods);
  const datapoints = num(s.datapointsToAlarm);
  const threshold = num(s.threshold);
  const dflt = (given: unknown) => (given === undefined ? ', the default' : '');
  if (period !== undefined && (!Number.isInteger(period) || period <= 0 || period % 60 !== 0)) {
    problems.push({
      check: 'alarm-periods',
      path: path('Period'),
      message: `must be a positive multiple of 60 seconds (DynamoDB publishes 1-minute metrics), got ${period}`,
      fields: [path('Period')],
    });
  }
  if (evaluation !== undefined && (!Number.isInteger(evaluation) || evaluation < 1)) {
    problems.push({
      check: 'alarm-datapoints',
      path: path('EvaluationPeriods'),
      message: `must be a whole number >= 1, got ${evaluation}`,
      fields: [path('EvaluationPeriods')],
    });
  }
  if (datapoints !== undefined && (!Number.isInteger(datapoints) || datapoints < 1)) {
    problems.push({
      check: 'alarm-datapoints',
      path: path('DatapointsToAlarm'),
      message: `must be a whole number >= 1, got ${datapoints}`,
      fields: [path('DatapointsToAlarm')],
    });
  }
  if (datapoints !== undefined && evaluation !== undefined && datapoints > evaluation) {
    problems.push({
      check: 'alarm-datapoints',
      path: path(o.datapointsToAlarm !== undefined ? 'DatapointsToAlarm' : 'EvaluationPeriods'),
      message: `DatapointsToAlarm (${datapoints}${dflt(o.datapointsToAlarm)}) must not exceed EvaluationPeriods (${evaluation}${dflt(o.evaluationPeriods)})`,
      fields: [path('DatapointsToAlarm'), path('EvaluationPeriods')],
    });
  }
  if (period !== undefined && evaluation !== undefined && period * evaluation > 86400) {
    problems.push({
      check: 'alarm-evaluation-window',
      path: path(o.evaluationPeriods !== undefined ? 'EvaluationPeriods' : 'Period'),
      message: `EvaluationPeriods x Period is ${period * evaluation} s; CloudWatch allows at most 86400 s (one day)`,
      fields: [path('EvaluationPeriods'), path('Period')],
    });
  }
  if (threshold !== undefined && (!Number.isFinite(threshold) || threshold < 0)) {
    problems.push({ check: 'alarm-thresholds', path: path('Threshold'), message: `must be a number >= 0, got ${threshold}`, fields: [path('Threshold')] });
  }
  return problems;
}
