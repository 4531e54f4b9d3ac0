import type { Passthrough, TableModel } from '../model/types';
import { DYNAMODB_NAMESPACE, OPERATIONS, unpublishedReason } from './published-metrics';

/**
 * The DashboardBody of one table, as a string for Fn::Sub. `${ArcTableName}` stands for the table
 * name (bound to `{Ref: <table>}`) and `${AWS::Region}` for the stack's Region, so the body is
 * right whatever name CloudFormation gives the table. No other `${` appears in the body: index
 * and Region names cannot contain `$` (DynamoDB naming rules).
 *
 * Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
export const TABLE_NAME_VARIABLE = 'ArcTableName';
const TABLE = `\${${TABLE_NAME_VARIABLE}}`;
const REGION = '${AWS::Region}';

/** One line of a metric widget: a metric `[ns, name, dim, value, ..., options]` or `[{expression...}]`. */
type MetricLine = (string | Record<string, unknown>)[];

interface Widget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

function metric(name: string, dims: [string, string][], options: Record<string, unknown>): MetricLine {
  const reason = unpublishedReason(
    DYNAMODB_NAMESPACE,
    name,
    dims.map(([n]) => n),
    dims.find(([n]) => n === 'Operation')?.[1],
  );
  if (reason !== null) throw new Error(`internal: ${reason}`);
  return [DYNAMODB_NAMESPACE, name, ...dims.flat(), options];
}

const tableDims = (gsi?: string): [string, string][] =>
  gsi === undefined
    ? [['TableName', TABLE]]
    : [
        ['TableName', TABLE],
        ['GlobalSecondaryIndexName', gsi],
      ];

function capacityLines(table: TableModel, capacity: 'Read' | 'Write', idPrefix: string, gsi?: string): MetricLine[] {
  const c = `${idPrefix}${capacity.toLowerCase()}`;
  const lines: MetricLine[] = [
    [{ expression: `${c}/PERIOD(${c})`, label: `Consumed ${capacity} units/s`, id: `${c}ps` }],
    metric(`Consumed${capacity}CapacityUnits`, tableDims(gsi), { id: c, stat: 'Sum', visible: false }),
  ];
  if (table.billingMode === 'PROVISIONED') {
    lines.push(metric(`Provisioned${capacity}CapacityUnits`, tableDims(gsi), { stat: 'Average', label: `Provisioned ${capacity} units/s` }));
  }
  return lines;
}

/** A horizontal line at the on-demand maximum, when it is a literal. */
function onDemandAnnotation(throughput: Passthrough<Record<string, unknown>> | undefined, capacity: 'Read' | 'Write'): Record<string, unknown> {
  if (typeof throughput !== 'object' || throughput === null) return {};
  const v = (throughput as Record<string, unknown>)[`Max${capacity}RequestUnits`];
  if (typeof v !== 'number' || v <= 0) return {};
  return { annotations: { horizontal: [{ label: `Max${capacity}RequestUnits`, value: v }] } };
}

export function dashboardBody(table: TableModel): string {
  const widgets: Widget[] = [];
  let slot = 0;
  const add = (title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}) => {
    widgets.push({
      type: 'metric',
      x: (slot % 2) * 12,
      y: 1 + Math.floor(slot / 2) * 6,
      width: 12,
      height: 6,
      properties: { title, region: REGION, view: 'timeSeries', stacked: false, period: 60, metrics, ...extra },
    });
    slot += 1;
  };
  widgets.push({
    type: 'text',
    x: 0,
    y: 0,
    width: 24,
    height: 1,
    properties: { markdown: `## DynamoDB table ${TABLE} (${table.billingMode})` },
  });

  add('Table: read capacity (units/s)', capacityLines(table, 'Read', 't'), onDemandAnnotation(table.onDemandThroughput, 'Read'));
  add('Table: write capacity (units/s)', capacityLines(table, 'Write', 't'), onDemandAnnotation(table.onDemandThroughput, 'Write'));
  add('Table: throttle events', [metric('ReadThrottleEvents', tableDims(), { stat: 'Sum' }), metric('WriteThrottleEvents', tableDims(), { stat: 'Sum' })]);
  const ops = OPERATIONS.filter((op) => op !== 'GetRecords' || table.stream !== undefined);
  add('Errors', [
    ...ops.map((op) => metric('SystemErrors', [...tableDims(), ['Operation', op]], { stat: 'Sum', label: `SystemErrors ${op}` })),
    metric('UserErrors', [], { stat: 'Sum', label: 'UserErrors (whole account and Region)' }),
    metric('ConditionalCheckFailedRequests', tableDims(), { stat: 'Sum' }),
  ]);
  add(
    'Latency (ms, average)',
    ops
      .filter((op) => op !== 'GetRecords')
      .map((op) => metric('SuccessfulRequestLatency', [...tableDims(), ['Operation', op]], { stat: 'Average', label: op })),
  );

  table.globalSecondaryIndexes.forEach((gsi, i) => {
    const p = `g${i}`;
    add(`Index ${gsi.name}: capacity (units/s)`, [...capacityLines(table, 'Read', p, gsi.name), ...capacityLines(table, 'Write', p, gsi.name)]);
    add(`Index ${gsi.name}: throttle events`, [
      metric('ReadThrottleEvents', tableDims(gsi.name), { stat: 'Sum' }),
      metric('WriteThrottleEvents', tableDims(gsi.name), { stat: 'Sum' }),
    ]);
  });

  if (table.replicas.length > 0) {
    add(
      'Replication latency (ms, average) by receiving Region',
      table.replicas.map((r) => metric('ReplicationLatency', [...tableDims(), ['ReceivingRegion', r.regionName]], { stat: 'Average', label: r.regionName })),
    );
  }
  return JSON.stringify({ widgets });
}
