import { dashboardGenerator } from '../../../macro/generators/dashboard';
import type { CfnResource, ExpandContext } from '../../../macro/generators/types';
import type { TableModel } from '../../../macro/model/types';
import { evaluate, type SeriesPoint } from '../../integration/monitoring/metric-math';
import { SCENARIOS } from './scenarios';

const ctx: ExpandContext = { region: 'us-east-1', accountId: '123456789012', providerServiceToken: 'arn' };
type Widget = {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title?: string; region?: string; metrics?: unknown[][]; annotations?: unknown };
};

function dashboard(t: TableModel): { resource: CfnResource; sub: [string, Record<string, unknown>]; widgets: Widget[] } {
  const resource = dashboardGenerator(t, ctx).resources.OrdersDashboard;
  const sub = (resource.Properties as { DashboardBody: { 'Fn::Sub': [string, Record<string, unknown>] } }).DashboardBody['Fn::Sub'];
  return { resource, sub, widgets: (JSON.parse(sub[0]) as { widgets: Widget[] }).widgets };
}
const titles = (w: Widget[]) => w.map((x) => x.properties.title).filter((x) => x !== undefined);

describe('the optional dashboard', () => {
  it('is off by default and off when Monitoring.Enabled is false', () => {
    expect(dashboardGenerator(SCENARIOS.onDemandDefaults, ctx).resources).toEqual({});
    expect(dashboardGenerator(SCENARIOS.monitoringDisabled, ctx).resources).toEqual({});
  });

  it('resolves the table name through Fn::Sub bound to a Ref, and uses only that and AWS::Region as variables', () => {
    const { resource, sub } = dashboard(SCENARIOS.provisionedWithGsis);
    expect(resource.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(sub[1]).toEqual({ ArcTableName: { Ref: 'Orders' } });
    const variables = new Set([...sub[0].matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]));
    expect([...variables].sort()).toEqual(['AWS::Region', 'ArcTableName']);
  });

  it('PROVISIONED with GSIs: consumed vs provisioned, throttles, errors, latency, and capacity and throttles per GSI', () => {
    const { widgets } = dashboard(SCENARIOS.provisionedWithGsis);
    expect(titles(widgets)).toEqual([
      'Table: read capacity (units/s)',
      'Table: write capacity (units/s)',
      'Table: throttle events',
      'Errors',
      'Latency (ms, average)',
      'Index by-gk: capacity (units/s)',
      'Index by-gk: throttle events',
      'Index status.idx: capacity (units/s)',
      'Index status.idx: throttle events',
    ]);
    const read = widgets[1].properties.metrics ?? [];
    expect(read).toEqual([
      [{ expression: 'tread/PERIOD(tread)', label: 'Consumed Read units/s', id: 'treadps' }],
      ['AWS/DynamoDB', 'ConsumedReadCapacityUnits', 'TableName', '${ArcTableName}', { id: 'tread', stat: 'Sum', visible: false }],
      ['AWS/DynamoDB', 'ProvisionedReadCapacityUnits', 'TableName', '${ArcTableName}', { stat: 'Average', label: 'Provisioned Read units/s' }],
    ]);
    for (const w of widgets.filter((x) => x.type === 'metric')) expect(w.properties.region).toBe('${AWS::Region}');
  });

  it('lays widgets out in two columns without overlap', () => {
    const { widgets } = dashboard(SCENARIOS.provisionedWithGsis);
    const cells = widgets.map((w) => `${w.x},${w.y}`);
    expect(new Set(cells).size).toBe(cells.length);
    for (const w of widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
  });

  it('on-demand with a maximum: no provisioned line, the maximum drawn as a horizontal annotation', () => {
    const { widgets } = dashboard(SCENARIOS.onDemandMaximum);
    const read = widgets[1];
    expect(JSON.stringify(read.properties.metrics)).not.toContain('Provisioned');
    expect(read.properties.annotations).toEqual({ horizontal: [{ label: 'MaxReadRequestUnits', value: 500 }] });
  });

  it('with replicas: replication latency per receiving region', () => {
    const { widgets } = dashboard(SCENARIOS.replicas);
    const w = widgets.find((x) => x.properties.title?.startsWith('Replication latency'));
    expect(w?.properties.metrics).toEqual([
      ['AWS/DynamoDB', 'ReplicationLatency', 'TableName', '${ArcTableName}', 'ReceivingRegion', 'us-west-2', { stat: 'Average', label: 'us-west-2' }],
      ['AWS/DynamoDB', 'ReplicationLatency', 'TableName', '${ArcTableName}', 'ReceivingRegion', 'eu-central-1', { stat: 'Average', label: 'eu-central-1' }],
    ]);
  });

  it('every expression refers only to ids of its own widget, and ids are unique and start lower-case', () => {
    let expressions = 0;
    for (const t of Object.values(SCENARIOS).filter((x) => x.monitoring.enabled && x.monitoring.dashboard)) {
      for (const w of dashboard(t).widgets) {
        const lines = w.properties.metrics ?? [];
        const ids: string[] = [];
        const series: Record<string, SeriesPoint> = {};
        for (const line of lines) {
          const options = line[line.length - 1] as { id?: string };
          if (options.id !== undefined) {
            ids.push(options.id);
            series[options.id] = { value: 120, period: 60 };
          }
        }
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
        for (const line of lines.filter((l) => typeof l[0] !== 'string')) {
          const e = (line[0] as { expression: string }).expression;
          expect(evaluate(e, series)).toBe(2); // 120 units in 60 s = 2 units/s
          expressions += 1;
        }
      }
    }
    expect(expressions).toBeGreaterThanOrEqual(10);
  });

  it('carries the table Condition', () => {
    expect(dashboard(SCENARIOS.overridesAndActions).resource.Condition).toBe('CreateOrders');
  });
});
