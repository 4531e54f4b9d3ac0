import { ids } from '../naming';
import type { AlarmKind, GsiModel, Passthrough, TableModel } from '../model/types';
import { isIntrinsic } from '../model/values';
import { alarmResource, indexAlarmSuffix, type AlarmSpec } from '../monitoring/alarm-resource';
import {
  chunk,
  expression,
  MAX_METRICS_PER_ALARM,
  metricStat,
  sumOfCounts,
  tableNameRef,
  utilizationOfMaximum,
  utilizationOfProvisioned,
  type Dimension,
  type MetricDataQuery,
} from '../monitoring/metric-math';
import { OPERATIONS, type Operation } from '../monitoring/published-metrics';
import { kindEnabled, settingsFor, type AlarmSettings } from '../monitoring/settings';
import type { CfnResource, Generator } from './types';

type Capacity = 'Read' | 'Write';

const describe = (v: Passthrough<number>): string => (typeof v === 'number' ? String(v) : 'the configured value');
const when = (s: AlarmSettings): string =>
  `in ${describe(s.datapointsToAlarm)} of ${describe(s.evaluationPeriods)} periods of ` +
  `${typeof s.period === 'number' ? `${s.period} s` : 'the configured length'}`;

/** MaxRead/WriteRequestUnits of an OnDemandThroughput, when set and not -1 (DynamoDB's "no maximum"). */
function onDemandMaximum(throughput: unknown, capacity: Capacity): Passthrough<number> | undefined {
  if (typeof throughput !== 'object' || throughput === null || isIntrinsic(throughput)) return undefined;
  const value = (throughput as Record<string, unknown>)[`Max${capacity}RequestUnits`];
  if (typeof value === 'number') return value > 0 ? value : undefined;
  if (isIntrinsic(value)) return value as Passthrough<number>;
  return undefined;
}

/** The table itself, then each GSI, as CloudWatch addresses them. */
interface Source {
  gsi?: GsiModel;
  label: string;
  dimensions: Dimension[];
}

function sources(table: TableModel): Source[] {
  const name = tableNameRef(table.logicalId);
  return [
    { label: 'the table', dimensions: [{ Name: 'TableName', Value: name }] },
    ...table.globalSecondaryIndexes.map((gsi) => ({
      gsi,
      label: `index ${gsi.name}`,
      dimensions: [
        { Name: 'TableName', Value: name },
        { Name: 'GlobalSecondaryIndexName', Value: gsi.name },
      ],
    })),
  ];
}

const partNote = (part: number, parts: number, what: string) =>
  parts > 1 ? ` This is alarm ${part} of ${parts} for this kind (CloudWatch allows 10 metrics per alarm); it covers ${what}.` : '';

function throttleAlarms(table: TableModel, capacity: Capacity): Record<string, CfnResource> {
  const kind: AlarmKind = `${capacity}ThrottleEvents`;
  if (!kindEnabled(table, kind)) return {};
  const s = settingsFor(table, kind);
  const verb = capacity === 'Read' ? 'reads' : 'writes';
  const groups = chunk(sources(table), MAX_METRICS_PER_ALARM);
  const out: Record<string, CfnResource> = {};
  groups.forEach((group, i) => {
    const metricIds = group.map((_, j) => `m${j + 1}`);
    const covered = group.map((g) => g.label).join(', ');
    const metrics: MetricDataQuery[] = [
      ...group.map((src, j) => metricStat(metricIds[j], kind, src.dimensions, 'Sum', s.period, src.label)),
      expression('throttles', sumOfCounts(metricIds), `${kind} (sum)`, true),
    ];
    const description =
      `DynamoDB is throttling ${verb} on table ${table.logicalId}: ${kind} summed over ${covered} ` +
      `exceeded ${describe(s.threshold)} ${when(s)}. Throttled requests fail or are retried by the SDK, so callers see errors and latency. ` +
      `What to do: find the throttled table or index on the table's CloudWatch metrics (or the Arc dashboard); ` +
      (capacity === 'Write' ? 'a throttled GSI also throttles writes to the table; ' : '') +
      `if PROVISIONED, raise ${capacity}Capacity or the autoscaling MaxCapacity; if on-demand, check Max${capacity}RequestUnits; ` +
      `if capacity is sufficient, look for a hot partition key (${capacity}KeyRangeThroughputThrottleEvents, Contributor Insights).` +
      partNote(i + 1, groups.length, covered);
    const spec: AlarmSpec = { kind, nameSuffix: i === 0 ? kind : `${kind}-${i + 1}`, description, settings: s, metrics };
    out[ids.alarm(table.logicalId, kind, i + 1)] = alarmResource(table, spec);
  });
  return out;
}

/**
 * SystemErrors is published only per Operation, so it is summed over the operations the table
 * can serve (GetRecords only with a stream), at most 10 per alarm.
 */
function systemErrorAlarms(table: TableModel): Record<string, CfnResource> {
  const kind: AlarmKind = 'SystemErrors';
  if (!kindEnabled(table, kind)) return {};
  const s = settingsFor(table, kind);
  const ops: Operation[] = OPERATIONS.filter((op) => op !== 'GetRecords' || table.stream !== undefined);
  const groups = chunk(ops, MAX_METRICS_PER_ALARM);
  const out: Record<string, CfnResource> = {};
  groups.forEach((group, i) => {
    const metricIds = group.map((_, j) => `m${j + 1}`);
    const name = tableNameRef(table.logicalId);
    const metrics: MetricDataQuery[] = [
      ...group.map((op, j) =>
        metricStat(
          metricIds[j],
          kind,
          [
            { Name: 'TableName', Value: name },
            { Name: 'Operation', Value: op },
          ],
          'Sum',
          s.period,
          op,
        ),
      ),
      expression('errors', sumOfCounts(metricIds), 'SystemErrors (sum)', true),
    ];
    const description =
      `DynamoDB returned HTTP 500 errors (SystemErrors) for table ${table.logicalId}, summed over ${group.join(', ')}: ` +
      `more than ${describe(s.threshold)} ${when(s)}. These are service-side failures, not caused by the request. ` +
      `What to do: check the AWS Health Dashboard for DynamoDB in this Region; make sure clients retry with backoff (the AWS SDKs do); ` +
      `if errors persist, open an AWS Support case with the table name, Region, operation and time range.` +
      partNote(i + 1, groups.length, `operations ${group.join(', ')}`);
    const spec: AlarmSpec = { kind, nameSuffix: i === 0 ? kind : `${kind}-${i + 1}`, description, settings: s, metrics };
    out[ids.alarm(table.logicalId, kind, i + 1)] = alarmResource(table, spec);
  });
  return out;
}

const alarmIdFor = (table: TableModel, src: Source, kind: AlarmKind) =>
  src.gsi === undefined ? ids.alarm(table.logicalId, kind) : ids.indexAlarm(table.logicalId, src.gsi.name, kind);
const suffixFor = (table: TableModel, src: Source, kind: AlarmKind) => (src.gsi === undefined ? kind : indexAlarmSuffix(table, src.gsi.name, kind));

/**
 * PROVISIONED: consumed as % of the Provisioned* metric, for the table and each GSI. The divisor
 * is CloudWatch's Provisioned*CapacityUnits, never a capacity from the template, so the alarm stays
 * right whenever the capacity changes: target tracking, a ScheduledActions entry moving the
 * target's MinCapacity/MaxCapacity ("scale up for business hours"), or a console change
 * (test/unit/macro/scheduled-scaling.test.ts checks that no capacity is written into the alarms).
 */
function provisionedUtilizationAlarms(table: TableModel, capacity: Capacity): Record<string, CfnResource> {
  const kind: AlarmKind = `${capacity}CapacityUtilization`;
  if (table.billingMode !== 'PROVISIONED' || !kindEnabled(table, kind)) return {};
  const s = settingsFor(table, kind);
  const out: Record<string, CfnResource> = {};
  for (const src of sources(table)) {
    const metrics: MetricDataQuery[] = [
      metricStat('consumed', `Consumed${capacity}CapacityUnits`, src.dimensions, 'Sum', s.period),
      metricStat('provisioned', `Provisioned${capacity}CapacityUnits`, src.dimensions, 'Average', s.period),
      expression('utilization', utilizationOfProvisioned('consumed', 'provisioned'), `${capacity} capacity used (%)`, true),
    ];
    const description =
      `${src.gsi === undefined ? 'Table' : `Index ${src.gsi.name} of table`} ${table.logicalId} is using more than ${describe(s.threshold)}% ` +
      `of its provisioned ${capacity.toLowerCase()} capacity ${when(s)} (Consumed${capacity}CapacityUnits per second / Provisioned${capacity}CapacityUnits; ` +
      `follows autoscaling changes). Throttling follows when it reaches 100%. ` +
      `What to do: if autoscaling is on, it is at MaxCapacity or not keeping up: raise ${src.gsi === undefined ? '' : "the index's "}MaxCapacity; ` +
      `otherwise raise ${capacity}Capacity, or consider on-demand billing for spiky traffic.`;
    out[alarmIdFor(table, src, kind)] = alarmResource(table, { kind, nameSuffix: suffixFor(table, src, kind), description, settings: s, metrics });
  }
  return out;
}

/** On-demand with OnDemandThroughput: consumed request units per second as % of the maximum. */
function onDemandUtilizationAlarms(table: TableModel, capacity: Capacity): Record<string, CfnResource> {
  const kind: AlarmKind = `${capacity}OnDemandUtilization`;
  if (table.billingMode !== 'PAY_PER_REQUEST' || !kindEnabled(table, kind)) return {};
  const s = settingsFor(table, kind);
  const out: Record<string, CfnResource> = {};
  for (const src of sources(table)) {
    const maximum = onDemandMaximum(src.gsi === undefined ? table.onDemandThroughput : src.gsi.onDemandThroughput, capacity);
    if (maximum === undefined) continue;
    const metrics: MetricDataQuery[] = [
      metricStat('consumed', `Consumed${capacity}CapacityUnits`, src.dimensions, 'Sum', s.period),
      expression('utilization', utilizationOfMaximum('consumed', maximum), `${capacity} request units used (% of maximum)`, true),
    ];
    const description =
      `${src.gsi === undefined ? 'Table' : `Index ${src.gsi.name} of table`} ${table.logicalId} is consuming more than ${describe(s.threshold)}% ` +
      `of its on-demand maximum (OnDemandThroughput.Max${capacity}RequestUnits = ${describe(maximum)} per second) ${when(s)}. ` +
      `At 100% DynamoDB throttles requests (${capacity}MaxOnDemandThroughputThrottleEvents). ` +
      `What to do: if the traffic is expected, raise Max${capacity}RequestUnits; if not, find the caller driving it.`;
    out[alarmIdFor(table, src, kind)] = alarmResource(table, { kind, nameSuffix: suffixFor(table, src, kind), description, settings: s, metrics });
  }
  return out;
}

/** ReplicationLatency is emitted in the stack's Region per receiving Region. */
function replicationAlarms(table: TableModel): Record<string, CfnResource> {
  const kind: AlarmKind = 'ReplicationLatency';
  if (table.replicas.length === 0 || !kindEnabled(table, kind)) return {};
  const s = settingsFor(table, kind);
  const out: Record<string, CfnResource> = {};
  for (const replica of table.replicas) {
    const description =
      `Replication from table ${table.logicalId} in this Region to its replica in ${replica.regionName} is slow: average ReplicationLatency ` +
      `above ${describe(s.threshold)} ms ${when(s)} (typically 0.5 to 2.5 s). Reads in ${replica.regionName} return stale data meanwhile. ` +
      `What to do: check throttling and capacity of the replica in ${replica.regionName} (its write capacity must keep up with this Region's writes) ` +
      `and the AWS Health Dashboard for either Region.`;
    const spec: AlarmSpec = {
      kind,
      nameSuffix: `${kind}-${replica.regionName}`,
      description,
      settings: s,
      metricName: kind,
      dimensions: [
        { Name: 'TableName', Value: tableNameRef(table.logicalId) },
        { Name: 'ReceivingRegion', Value: replica.regionName },
      ],
      statistic: 'Average',
    };
    out[ids.regionAlarm(table.logicalId, replica.regionName, kind)] = alarmResource(table, spec);
  }
  return out;
}

/** UserErrors has no table dimension: it counts HTTP 400s of every table in the account and Region. */
function userErrorAlarm(table: TableModel): Record<string, CfnResource> {
  const kind: AlarmKind = 'UserErrors';
  if (!kindEnabled(table, kind)) return {};
  const s = settingsFor(table, kind);
  const description =
    `ACCOUNT-WIDE, not specific to table ${table.logicalId}: DynamoDB UserErrors (HTTP 400 other than throttling and failed conditions) ` +
    `for ALL tables in this account and Region exceeded ${describe(s.threshold)} ${when(s)}; DynamoDB publishes this metric with no table dimension. ` +
    `What to do: look in application logs for ValidationException, AccessDeniedException or ResourceNotFoundException ` +
    `(CloudTrail data events show the caller); usually a bad deployment or missing IAM permission.`;
  return {
    [ids.alarm(table.logicalId, kind)]: alarmResource(table, {
      kind,
      nameSuffix: kind,
      description,
      settings: s,
      metricName: kind,
      dimensions: [],
      statistic: 'Sum',
    }),
  };
}

/** The default CloudWatch alarm set of one table (issue 5; docs/monitoring.md). */
export const alarmsGenerator: Generator = (table) => {
  if (!table.monitoring.enabled) return { resources: {}, outputs: {} };
  return {
    resources: {
      ...throttleAlarms(table, 'Read'),
      ...throttleAlarms(table, 'Write'),
      ...systemErrorAlarms(table),
      ...provisionedUtilizationAlarms(table, 'Read'),
      ...provisionedUtilizationAlarms(table, 'Write'),
      ...onDemandUtilizationAlarms(table, 'Read'),
      ...onDemandUtilizationAlarms(table, 'Write'),
      ...replicationAlarms(table),
      ...userErrorAlarm(table),
    },
    outputs: {},
  };
};
