import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmsGenerator } from '../../../macro/generators/alarms';
import { dashboardGenerator } from '../../../macro/generators/dashboard';
import type { CfnResource, ExpandContext } from '../../../macro/generators/types';
import { metricStat } from '../../../macro/monitoring/metric-math';
import { PUBLISHED_METRICS } from '../../../macro/monitoring/published-metrics';
import { metricRefs, unpublishedRefs } from './metric-refs';
import { SCENARIOS } from './scenarios';

const ctx: ExpandContext = { region: 'us-east-1', accountId: '123456789012', providerServiceToken: 'arn' };

function generated(): Record<string, CfnResource> {
  const all: Record<string, CfnResource> = {};
  for (const [name, table] of Object.entries(SCENARIOS)) {
    for (const [id, r] of Object.entries({ ...alarmsGenerator(table, ctx).resources, ...dashboardGenerator(table, ctx).resources })) {
      all[`${name}/${id}`] = r;
    }
  }
  return all;
}

describe('every metric the alarms and dashboards emit is one DynamoDB publishes', () => {
  const resources = generated();
  const refs = metricRefs(resources);

  it('finds metric references in every alarm and dashboard of every scenario', () => {
    const withRefs = new Set(refs.map((r) => r.resource));
    const monitoringResources = Object.keys(resources);
    expect(monitoringResources.length).toBeGreaterThan(40);
    expect(monitoringResources.filter((id) => !withRefs.has(id))).toEqual([]);
  });

  it('matches each namespace, metric name and dimension set to the published-metrics table', () => {
    expect(unpublishedRefs(refs)).toEqual([]);
    // Every metric kind the generators use is covered, so this is not vacuous.
    const names = new Set(refs.map((r) => r.metricName));
    for (const m of [
      'ReadThrottleEvents',
      'WriteThrottleEvents',
      'SystemErrors',
      'ConsumedReadCapacityUnits',
      'ProvisionedWriteCapacityUnits',
      'ReplicationLatency',
      'UserErrors',
      'SuccessfulRequestLatency',
    ]) {
      expect(names).toContain(m);
      expect(PUBLISHED_METRICS[m]).toBeDefined();
    }
  });

  it('puts the table name in TableName as a Ref to the table, never a literal', () => {
    const tableValues = refs.flatMap((r) => r.dimensions.filter((d) => d.name === 'TableName').map((d) => d.value));
    expect(tableValues.length).toBeGreaterThan(100);
    for (const v of tableValues) expect([{ Ref: 'Orders' }, '${ArcTableName}']).toContainEqual(v);
  });

  it("fails an alarm on ThrottledRequests with only TableName (the module's example, which never fires)", () => {
    const bad: CfnResource = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        Namespace: 'AWS/DynamoDB',
        MetricName: 'ThrottledRequests',
        Dimensions: [{ Name: 'TableName', Value: { Ref: 'Orders' } }],
        Statistic: 'Sum',
      },
    };
    expect(unpublishedRefs(metricRefs({ BadAlarm: bad }))).toEqual([
      'BadAlarm: ThrottledRequests is not published with dimensions TableName; published: Operation+TableName',
    ]);
  });

  it('fails a metric-math alarm whose SystemErrors lacks Operation, whose UserErrors has a table dimension, or whose namespace is not AWS/DynamoDB', () => {
    const bad: CfnResource = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        Metrics: [
          {
            Id: 'm1',
            ReturnData: false,
            MetricStat: {
              Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'SystemErrors', Dimensions: [{ Name: 'TableName', Value: 'x' }] },
              Period: 60,
              Stat: 'Sum',
            },
          },
          {
            Id: 'm2',
            ReturnData: false,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/DynamoDB',
                MetricName: 'UserErrors',
                Dimensions: [{ Name: 'TableName', Value: 'x' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
          {
            Id: 'm3',
            ReturnData: false,
            MetricStat: { Metric: { Namespace: 'AWS/DDB', MetricName: 'SystemErrors', Dimensions: [] }, Period: 60, Stat: 'Sum' },
          },
          { Id: 'e', ReturnData: true, Expression: 'm1+m2+m3' },
        ],
      },
    };
    expect(unpublishedRefs(metricRefs({ Bad: bad }))).toEqual([
      'Bad: SystemErrors is not published with dimensions TableName; published: Operation+TableName',
      'Bad: UserErrors is not published with dimensions TableName; published: (none)',
      'Bad: namespace AWS/DDB is not AWS/DynamoDB',
    ]);
  });

  it('fails an unknown Operation value and an unknown metric', () => {
    const dims = (op: string) => [
      { Name: 'TableName', Value: 't' },
      { Name: 'Operation', Value: op },
    ];
    const bad: CfnResource = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        Metrics: [
          { Id: 'a', MetricStat: { Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'SystemErrors', Dimensions: dims('DescribeTable') } } },
          { Id: 'b', MetricStat: { Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'ThrottleEvents', Dimensions: [] } } },
        ],
      },
    };
    expect(unpublishedRefs(metricRefs({ Bad: bad }))).toEqual([
      'Bad: SystemErrors: DescribeTable is not a value of the Operation dimension',
      'Bad: DynamoDB publishes no metric named ThrottleEvents',
    ]);
  });

  it('holds for the golden outputs of the monitoring fixtures (the whole macro pipeline)', () => {
    const dir = join(__dirname, '..', '..', 'fixtures', 'output');
    const files = readdirSync(dir).filter((f) => /^monitoring_.*\.json$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(7);
    let count = 0;
    for (const f of files) {
      const template = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { Resources: Record<string, CfnResource> };
      const refs = metricRefs(template.Resources);
      count += refs.length;
      expect({ f, problems: unpublishedRefs(refs) }).toEqual({ f, problems: [] });
    }
    expect(count).toBeGreaterThan(100);
  });

  it('refuses to build a metric query DynamoDB does not publish', () => {
    expect(() => metricStat('m1', 'ThrottledRequests', [{ Name: 'TableName', Value: 'x' }], 'Sum', 60)).toThrow(
      'internal: ThrottledRequests is not published with dimensions TableName; published: Operation+TableName',
    );
  });
});
