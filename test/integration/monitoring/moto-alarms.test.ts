import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  PutDashboardCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnResource } from '../../../macro/generators/types';
import { LOCAL_CREDENTIALS, MOTO_ACCOUNT, startMoto, type Moto } from '../../support/moto';
import { SCENARIOS } from '../../unit/monitoring/scenarios';
import { evaluate, type SeriesPoint } from './metric-math';
import { CTX, templateFor } from './template';
import { metricDataQueries, putMetricAlarmInput, resolve, type Bindings } from './to-api';

/**
 * Every generated alarm goes to moto_server 5.2.1's CloudWatch through PutMetricAlarm, translated
 * from its native properties. What moto checks and what it does not (read in moto/cloudwatch):
 * - PutMetricAlarm stores any well-typed request (it checks ExtendedStatistic and
 *   EvaluateLowSampleCountPercentile only); DescribeAlarms returns what was stored.
 * - GetMetricData computes MetricStat queries from PutMetricData datapoints (Sum, Average, ...),
 *   matching the exact dimension set; it does NOT evaluate metric math (an expression yields the
 *   series of the query whose Id equals the whole expression, otherwise nothing).
 * So the expressions are computed by ./metric-math.ts over moto's per-metric results.
 */
const pseudo = { partition: 'aws', region: CTX.region, accountId: MOTO_ACCOUNT };
const bindingsFor = (tableName: string): Bindings => ({
  refs: { Orders: tableName, OnCallTopic: `arn:aws:sns:${CTX.region}:${MOTO_ACCOUNT}:on-call` },
  pseudo,
});

interface GeneratedAlarm {
  scenario: string;
  logicalId: string;
  input: PutMetricAlarmCommandInput;
}

function generatedAlarms(tableNameFor: (scenario: string, logicalId: string) => string): GeneratedAlarm[] {
  const out: GeneratedAlarm[] = [];
  for (const [scenario, table] of Object.entries(SCENARIOS)) {
    for (const [logicalId, r] of Object.entries(templateFor(table).monitoring)) {
      if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
      const input = putMetricAlarmInput(`${scenario}-${logicalId}`, r.Properties ?? {}, bindingsFor(tableNameFor(scenario, logicalId)));
      out.push({ scenario, logicalId, input });
    }
  }
  return out;
}

let moto: Moto;
let cw: CloudWatchClient;

beforeAll(async () => {
  moto = await startMoto();
  cw = new CloudWatchClient({ endpoint: moto.endpoint, region: CTX.region, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  cw?.destroy();
  await moto?.stop();
});

describe('moto_server CloudWatch accepts every generated alarm', () => {
  it('stores each alarm from PutMetricAlarm and returns the same definition from DescribeAlarms', async () => {
    await moto.reset();
    const alarms = generatedAlarms(() => 'orders-prod');
    expect(alarms.length).toBeGreaterThan(40);
    for (const a of alarms) await cw.send(new PutMetricAlarmCommand(a.input));

    const names = alarms.map((a) => a.input.AlarmName as string);
    const described = [];
    for (let i = 0; i < names.length; i += 100) {
      const page = await cw.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), MaxRecords: 100 }));
      described.push(...(page.MetricAlarms ?? []));
    }
    expect(described.map((d) => d.AlarmName).sort()).toEqual([...names].sort());
    for (const a of alarms) {
      const d = described.find((x) => x.AlarmName === a.input.AlarmName);
      const want = a.input;
      expect({
        name: want.AlarmName,
        got: d && {
          Threshold: d.Threshold,
          EvaluationPeriods: d.EvaluationPeriods,
          DatapointsToAlarm: d.DatapointsToAlarm,
          ComparisonOperator: d.ComparisonOperator,
          TreatMissingData: d.TreatMissingData,
          AlarmDescription: d.AlarmDescription,
          AlarmActions: d.AlarmActions,
          OKActions: d.OKActions,
          InsufficientDataActions: d.InsufficientDataActions,
          MetricName: d.MetricName,
          Namespace: d.Namespace,
          Period: d.Period,
          Statistic: d.Statistic,
          Dimensions: d.Dimensions?.length ? d.Dimensions : undefined,
          Metrics:
            (d.Metrics ?? []).length === 0
              ? undefined
              : d.Metrics?.map((q) => ({ Id: q.Id, Expression: q.Expression, ReturnData: q.ReturnData, MetricStat: q.MetricStat })),
        },
      }).toEqual({
        name: want.AlarmName,
        got: {
          Threshold: want.Threshold,
          EvaluationPeriods: want.EvaluationPeriods,
          DatapointsToAlarm: want.DatapointsToAlarm,
          ComparisonOperator: want.ComparisonOperator,
          TreatMissingData: want.TreatMissingData,
          AlarmDescription: want.AlarmDescription,
          AlarmActions: want.AlarmActions ?? [],
          OKActions: want.OKActions ?? [],
          InsufficientDataActions: want.InsufficientDataActions ?? [],
          MetricName: want.MetricName,
          Namespace: want.Namespace,
          Period: want.Period,
          Statistic: want.Statistic,
          Dimensions: want.Dimensions?.length ? want.Dimensions : undefined,
          Metrics: want.Metrics?.map((q) => ({ Id: q.Id, Expression: q.Expression, ReturnData: q.ReturnData, MetricStat: q.MetricStat })),
        },
      });
    }
  });

  it('stores every alarm of the golden monitoring outputs (the whole macro pipeline)', async () => {
    await moto.reset();
    const dir = join(__dirname, '..', '..', 'fixtures', 'output');
    const names: string[] = [];
    for (const f of readdirSync(dir).filter((x) => /^monitoring_.*\.json$/.test(x))) {
      const resources = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { Resources: Record<string, CfnResource> }).Resources;
      // Every resource's Ref is its physical name; SNS topics resolve to ARNs.
      const refs = Object.fromEntries(
        Object.entries(resources).map(([id, r]) => [id, r.Type === 'AWS::SNS::Topic' ? `arn:aws:sns:${CTX.region}:${MOTO_ACCOUNT}:${id}` : `${f}-${id}`]),
      );
      for (const [id, r] of Object.entries(resources)) {
        if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
        const input = putMetricAlarmInput(`${f}-${id}`, r.Properties ?? {}, { refs, pseudo });
        await cw.send(new PutMetricAlarmCommand(input));
        names.push(input.AlarmName as string);
      }
    }
    expect(names.length).toBeGreaterThan(30);
    const stored: string[] = [];
    for (let i = 0; i < names.length; i += 100) {
      const page = await cw.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), MaxRecords: 100 }));
      stored.push(...(page.MetricAlarms ?? []).map((a) => a.AlarmName as string));
    }
    expect(stored.sort()).toEqual([...names].sort());
  });

  it('resolves the prefix name, the Ref-ed table name and the partition-safe action ARN', () => {
    const a = generatedAlarms(() => 'orders-prod').find((x) => x.scenario === 'overridesAndActions' && x.logicalId === 'OrdersUserErrorsAlarm');
    expect(a?.input.AlarmName).toBe('shop-orders-prod-UserErrors');
    expect(a?.input.InsufficientDataActions).toEqual([`arn:aws:sns:us-east-1:${MOTO_ACCOUNT}:ops`]);
  });
});

/** Synthetic data for one MetricStat query: two datapoints whose statistic is easy to state. */
function syntheticPoints(stat: string, index: number): number[] {
  if (stat === 'Average') return [90, 110]; // Average 100
  const sum = stat === 'Sum' ? 24000 + 1000 * index : NaN; // Sum 24000, 25000, ...
  return [sum / 2, sum / 2];
}

/** What the alarm should compute from that data, derived from the expression's documented shape. */
function expectedValue(expr: string, sums: (number | undefined)[], period: number): number {
  if (/^SUM\(\[FILL\(m1,0\)(,FILL\(m\d+,0\))*\]\)$/.test(expr)) return sums.reduce<number>((a, b) => a + (b ?? 0), 0);
  if (expr === '100*(consumed/PERIOD(consumed))/provisioned') return (100 * ((sums[0] as number) / period)) / 100;
  const max = /^100\*\(consumed\/PERIOD\(consumed\)\)\/(\d+)$/.exec(expr);
  if (max !== null) return (100 * ((sums[0] as number) / period)) / Number(max[1]);
  throw new Error(`no expected value known for expression ${expr}`);
}

describe('each alarm expression is well formed and computes the expected value on synthetic data', () => {
  it('GetMetricData with the alarm’s own queries returns every MetricStat series; the returned expression evaluates as designed', async () => {
    await moto.reset();
    const t0 = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
    // One table name per alarm, so the datapoints of different alarms never mix.
    const alarms = generatedAlarms((scenario, id) => `t-${scenario}-${id}`);
    let checked = 0;
    for (const a of alarms) {
      const queries: MetricDataQuery[] = metricDataQueries(a.input);
      const stats = queries.filter((q) => q.MetricStat !== undefined);
      const ret = a.input.Metrics?.find((q) => q.ReturnData)?.Expression;
      // Leave the last series of a multi-metric sum empty, as an idle operation or index is: FILL must cover it.
      const skipLast = ret !== undefined && stats.length > 1 && ret.startsWith('SUM');
      const sums: (number | undefined)[] = [];
      for (const [j, q] of stats.entries()) {
        const ms = q.MetricStat!;
        if (skipLast && j === stats.length - 1) {
          sums.push(undefined);
          continue;
        }
        const points = syntheticPoints(ms.Stat as string, j);
        sums.push(points[0] + points[1]);
        await cw.send(
          new PutMetricDataCommand({
            Namespace: ms.Metric!.Namespace,
            MetricData: points.map((v, k) => ({
              MetricName: ms.Metric!.MetricName,
              Dimensions: ms.Metric!.Dimensions,
              Timestamp: new Date(t0.getTime() + 5000 + 10000 * k),
              Value: v,
            })),
          }),
        );
      }
      const period = Number(stats[0].MetricStat!.Period);
      const res = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: t0, EndTime: new Date(t0.getTime() + period * 1000) }));
      const byId = new Map((res.MetricDataResults ?? []).map((r) => [r.Id as string, r]));
      // moto answers every query, expressions included (their values are empty: it does not do math).
      expect({ alarm: a.input.AlarmName, ids: [...byId.keys()].sort() }).toEqual({ alarm: a.input.AlarmName, ids: queries.map((q) => q.Id as string).sort() });

      const series: Record<string, SeriesPoint> = {};
      for (const [j, q] of stats.entries()) {
        const got = byId.get(q.Id as string)?.Values ?? [];
        const stat = q.MetricStat!.Stat;
        const want = sums[j] === undefined ? [] : [stat === 'Average' ? 100 : sums[j]];
        expect({ alarm: a.input.AlarmName, id: q.Id, got }).toEqual({ alarm: a.input.AlarmName, id: q.Id, got: want });
        series[q.Id as string] = { value: got[0], period: Number(q.MetricStat!.Period) };
      }
      if (ret !== undefined) {
        const value = evaluate(ret, series);
        expect({ alarm: a.input.AlarmName, expr: ret, value }).toEqual({ alarm: a.input.AlarmName, expr: ret, value: expectedValue(ret, sums, period) });
      }
      checked += 1;
    }
    expect(checked).toBe(alarms.length);
  });

  it('the evaluator rejects what CloudWatch would reject, so passing means well formed', () => {
    const s = { m1: { value: 1, period: 60 } };
    expect(() => evaluate('FILL(m2,0)', s)).toThrow('unknown id m2 in FILL(m2,0)');
    expect(() => evaluate('SUMM(m1)', s)).toThrow('unsupported function SUMM in SUMM(m1)');
    expect(() => evaluate('100*(m1', s)).toThrow('expected ) in 100*(m1');
    expect(() => evaluate('SUM([m1,m1)', s)).toThrow('expected ] in SUM([m1,m1)');
    expect(evaluate('100*(m1/PERIOD(m1))/2', s)).toBeCloseTo(100 / 120);
    expect(evaluate('SUM([m1,gone])', { m1: { value: 1, period: 60 }, gone: { value: undefined, period: 60 } })).toBe(1);
    expect(evaluate('SUM([gone])', { gone: { value: undefined, period: 60 } })).toBeUndefined();
  });
});

describe('moto_server CloudWatch accepts every generated dashboard', () => {
  it('PutDashboard takes each resolved DashboardBody without validation messages, naming the real table and Region', async () => {
    await moto.reset();
    let count = 0;
    for (const [scenario, table] of Object.entries(SCENARIOS)) {
      for (const [id, r] of Object.entries(templateFor(table).monitoring)) {
        if (r.Type !== 'AWS::CloudWatch::Dashboard') continue;
        const body = resolve(r.Properties?.DashboardBody, bindingsFor('orders-prod')) as string;
        const put = await cw.send(new PutDashboardCommand({ DashboardName: `${scenario}-${id}`, DashboardBody: body }));
        expect(put.DashboardValidationMessages ?? []).toEqual([]);
        const got = await cw.send(new GetDashboardCommand({ DashboardName: `${scenario}-${id}` }));
        const parsed = JSON.parse(got.DashboardBody as string) as { widgets: { type: string; properties: { region?: string; metrics?: unknown[][] } }[] };
        expect(got.DashboardBody).not.toContain('${');
        for (const w of parsed.widgets.filter((x) => x.type === 'metric')) {
          expect(w.properties.region).toBe(CTX.region);
          for (const line of w.properties.metrics ?? []) if (line[1] !== 'UserErrors' && typeof line[0] === 'string') expect(line[3]).toBe('orders-prod');
        }
        count += 1;
      }
    }
    expect(count).toBe(4);
  });
});
