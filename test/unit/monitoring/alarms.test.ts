import { alarmsGenerator } from '../../../macro/generators/alarms';
import type { CfnResource, ExpandContext } from '../../../macro/generators/types';
import type { TableModel } from '../../../macro/model/types';
import { monitoringProblems } from '../../../macro/monitoring/settings';
import { baseTable, gsi, SCENARIOS } from './scenarios';

const ctx: ExpandContext = { region: 'us-east-1', accountId: '123456789012', providerServiceToken: 'arn' };
const alarms = (t: TableModel) => alarmsGenerator(t, ctx).resources;
type Query = {
  Id: string;
  ReturnData: boolean;
  Expression?: unknown;
  MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Period: unknown; Stat: string };
};
const props = (r: CfnResource) => r.Properties as Record<string, unknown>;
const queries = (r: CfnResource) => (props(r).Metrics as Query[] | undefined) ?? [];
const returned = (r: CfnResource) => queries(r).find((q) => q.ReturnData)?.Expression;
const dimValues = (r: CfnResource, name: string) =>
  queries(r)
    .map((q) => q.MetricStat?.Metric.Dimensions.find((d) => d.Name === name)?.Value)
    .filter((v) => v !== undefined);

describe('default alarm set of an on-demand table', () => {
  const out = alarms(SCENARIOS.onDemandDefaults);

  it('emits read and write throttles and SystemErrors split over 13 operations (10 + 3), nothing else', () => {
    expect(Object.keys(out)).toEqual([
      'OrdersReadThrottleEventsAlarm',
      'OrdersWriteThrottleEventsAlarm',
      'OrdersSystemErrorsAlarm',
      'OrdersSystemErrorsAlarm2',
    ]);
    expect(dimValues(out.OrdersSystemErrorsAlarm, 'Operation')).toEqual([
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
      'Scan',
      'BatchGetItem',
      'BatchWriteItem',
      'TransactGetItems',
      'TransactWriteItems',
    ]);
    expect(dimValues(out.OrdersSystemErrorsAlarm2, 'Operation')).toEqual(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);
    expect(returned(out.OrdersSystemErrorsAlarm2)).toBe('SUM([FILL(m1,0),FILL(m2,0),FILL(m3,0)])');
  });

  it('keeps an idle table out of ALARM and uses the defaults documented in docs/monitoring.md', () => {
    for (const r of Object.values(out)) {
      expect(r.Type).toBe('AWS::CloudWatch::Alarm');
      expect(props(r)).toMatchObject({ TreatMissingData: 'notBreaching', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    }
    expect(props(out.OrdersReadThrottleEventsAlarm)).toMatchObject({ EvaluationPeriods: 5, DatapointsToAlarm: 5 });
    expect(queries(out.OrdersReadThrottleEventsAlarm)[0].MetricStat).toMatchObject({ Period: 60, Stat: 'Sum' });
    expect(props(out.OrdersSystemErrorsAlarm)).toMatchObject({ EvaluationPeriods: 15, DatapointsToAlarm: 10 });
  });

  it('names the table by Ref in every TableName dimension and names no alarm without a prefix', () => {
    for (const r of Object.values(out)) {
      expect(dimValues(r, 'TableName').every((v) => JSON.stringify(v) === '{"Ref":"Orders"}')).toBe(true);
      expect(props(r).AlarmName).toBeUndefined();
      expect(props(r).AlarmActions).toBeUndefined();
    }
  });

  it('tells the on-call engineer what the alarm means and what to do, within 1024 characters', () => {
    for (const r of Object.values(out)) {
      const d = String(props(r).AlarmDescription);
      expect(d).toContain('Orders');
      expect(d).toContain('What to do:');
      expect(d.length).toBeLessThanOrEqual(1024);
    }
  });
});

describe('metric-math limits', () => {
  it('splits throttle alarms at 10 metrics: a table with 12 GSIs gets 2 alarms per direction (10 + 3 sources)', () => {
    const out = alarms(SCENARIOS.manyGsis);
    expect(Object.keys(out).filter((k) => k.includes('ThrottleEvents'))).toEqual([
      'OrdersReadThrottleEventsAlarm',
      'OrdersReadThrottleEventsAlarm2',
      'OrdersWriteThrottleEventsAlarm',
      'OrdersWriteThrottleEventsAlarm2',
    ]);
    expect(dimValues(out.OrdersReadThrottleEventsAlarm, 'GlobalSecondaryIndexName')).toHaveLength(9);
    expect(dimValues(out.OrdersReadThrottleEventsAlarm2, 'GlobalSecondaryIndexName')).toEqual(['by-attr-10', 'by-attr-11', 'by-attr-12']);
    expect(String(props(out.OrdersReadThrottleEventsAlarm2).AlarmDescription)).toContain('This is alarm 2 of 2 for this kind');
  });

  it('never puts more than 10 metrics or 10 expressions in an alarm, and returns exactly one series', () => {
    for (const [name, table] of Object.entries(SCENARIOS)) {
      for (const [id, r] of Object.entries(alarms(table))) {
        const q = queries(r);
        if (q.length === 0) continue;
        const label = `${name}/${id}`;
        expect({ label, stats: q.filter((x) => x.MetricStat).length <= 10 }).toEqual({ label, stats: true });
        expect({ label, exprs: q.filter((x) => x.Expression !== undefined).length <= 10 }).toEqual({ label, exprs: true });
        expect({ label, returned: q.filter((x) => x.ReturnData).length }).toEqual({ label, returned: 1 });
        for (const x of q) expect(x.Id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
      }
    }
  });

  it('adds GetRecords to SystemErrors only when the table has a stream', () => {
    const out = alarms(SCENARIOS.onDemandWithStream);
    expect(dimValues(out.OrdersSystemErrorsAlarm2, 'Operation')).toEqual(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction', 'GetRecords']);
  });
});

describe('capacity alarms', () => {
  it('PROVISIONED: consumed as % of the Provisioned* metric for the table and each GSI, read and write', () => {
    const out = alarms(SCENARIOS.provisionedWithGsis);
    expect(Object.keys(out).filter((k) => k.includes('CapacityUtilization'))).toEqual([
      'OrdersReadCapacityUtilizationAlarm',
      'OrdersIndexByGkReadCapacityUtilizationAlarm',
      'OrdersIndexStatusIdxReadCapacityUtilizationAlarm',
      'OrdersWriteCapacityUtilizationAlarm',
      'OrdersIndexByGkWriteCapacityUtilizationAlarm',
      'OrdersIndexStatusIdxWriteCapacityUtilizationAlarm',
    ]);
    const r = out.OrdersIndexStatusIdxWriteCapacityUtilizationAlarm;
    expect(queries(r).map((q) => [q.Id, q.MetricStat?.Metric.MetricName, q.MetricStat?.Stat, q.MetricStat?.Period])).toEqual([
      ['consumed', 'ConsumedWriteCapacityUnits', 'Sum', 300],
      ['provisioned', 'ProvisionedWriteCapacityUnits', 'Average', 300],
      ['utilization', undefined, undefined, undefined],
    ]);
    expect(returned(r)).toBe('100*(consumed/PERIOD(consumed))/provisioned');
    expect(dimValues(r, 'GlobalSecondaryIndexName')).toEqual(['status.idx', 'status.idx']);
    expect(props(r)).toMatchObject({ Threshold: 80, EvaluationPeriods: 3, DatapointsToAlarm: 3 });
  });

  it('on-demand: no capacity alarm without OnDemandThroughput', () => {
    expect(Object.keys(alarms(SCENARIOS.onDemandDefaults)).filter((k) => k.includes('Utilization'))).toEqual([]);
  });

  it('on-demand with OnDemandThroughput: consumed per second as % of each maximum that is set', () => {
    const out = alarms(SCENARIOS.onDemandMaximum);
    expect(Object.keys(out).filter((k) => k.includes('Utilization'))).toEqual([
      'OrdersReadOnDemandUtilizationAlarm',
      'OrdersIndexByGkReadOnDemandUtilizationAlarm',
      'OrdersWriteOnDemandUtilizationAlarm',
    ]);
    expect(returned(out.OrdersReadOnDemandUtilizationAlarm)).toBe('100*(consumed/PERIOD(consumed))/500');
    expect(returned(out.OrdersIndexByGkReadOnDemandUtilizationAlarm)).toBe('100*(consumed/PERIOD(consumed))/100');
    expect(returned(out.OrdersWriteOnDemandUtilizationAlarm)).toBe('100*(consumed/PERIOD(consumed))/200');
  });

  it('on-demand maximum given as an intrinsic goes into the expression through Fn::Sub; -1 (no maximum) gets no alarm', () => {
    const out = alarms(baseTable({ onDemandThroughput: { MaxReadRequestUnits: { Ref: 'MaxReads' }, MaxWriteRequestUnits: -1 } }));
    expect(returned(out.OrdersReadOnDemandUtilizationAlarm)).toEqual({
      'Fn::Sub': ['100*(consumed/PERIOD(consumed))/${ArcMaximum}', { ArcMaximum: { Ref: 'MaxReads' } }],
    });
    expect(out.OrdersWriteOnDemandUtilizationAlarm).toBeUndefined();
  });
});

describe('replicas and UserErrors', () => {
  it('one ReplicationLatency alarm per receiving region, on TableName + ReceivingRegion', () => {
    const out = alarms(SCENARIOS.replicas);
    const ids = Object.keys(out).filter((k) => k.includes('Replication'));
    expect(ids).toEqual(['OrdersReplicationLatencyAlarmUsWest2', 'OrdersReplicationLatencyAlarmEuCentral1']);
    expect(props(out.OrdersReplicationLatencyAlarmEuCentral1)).toMatchObject({
      Namespace: 'AWS/DynamoDB',
      MetricName: 'ReplicationLatency',
      Dimensions: [
        { Name: 'TableName', Value: { Ref: 'Orders' } },
        { Name: 'ReceivingRegion', Value: 'eu-central-1' },
      ],
      Statistic: 'Average',
      Period: 60,
      Threshold: 60000,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
    });
  });

  it('UserErrors is off by default; when enabled it has no dimension and says it is account-wide', () => {
    expect(alarms(SCENARIOS.onDemandDefaults).OrdersUserErrorsAlarm).toBeUndefined();
    const r = alarms(SCENARIOS.overridesAndActions).OrdersUserErrorsAlarm;
    expect(props(r).Dimensions).toBeUndefined();
    expect(props(r)).toMatchObject({ MetricName: 'UserErrors', Statistic: 'Sum', Threshold: 25 });
    expect(String(props(r).AlarmDescription)).toMatch(/^ACCOUNT-WIDE, not specific to table Orders/);
    expect(String(props(r).AlarmDescription)).toContain('no table dimension');
  });
});

describe('overrides, actions, names and conditions', () => {
  const out = alarms(SCENARIOS.overridesAndActions);

  it('applies Threshold, Period (to every metric of the expression), EvaluationPeriods and DatapointsToAlarm', () => {
    const r = out.OrdersReadThrottleEventsAlarm;
    expect(props(r)).toMatchObject({ Threshold: 10, EvaluationPeriods: 2, DatapointsToAlarm: 1 });
    expect(
      queries(r)
        .filter((q) => q.MetricStat)
        .map((q) => q.MetricStat?.Period),
    ).toEqual([300]);
    expect(String(props(r).AlarmDescription)).toContain('exceeded 10 in 1 of 2 periods of 300 s');
    // Untouched kinds keep their defaults.
    expect(props(out.OrdersWriteThrottleEventsAlarm)).toMatchObject({ Threshold: 0, EvaluationPeriods: 5 });
  });

  it('Enabled: false removes that kind only', () => {
    expect(Object.keys(out)).toEqual([
      'OrdersReadThrottleEventsAlarm',
      'OrdersWriteThrottleEventsAlarm',
      'OrdersReadCapacityUtilizationAlarm',
      'OrdersUserErrorsAlarm',
    ]);
  });

  it('sends every alarm to the actions lists, names it prefix-table-kind, and carries the table Condition', () => {
    for (const r of Object.values(out)) {
      expect(r.Condition).toBe('CreateOrders');
      expect(props(r)).toMatchObject({
        ActionsEnabled: true,
        AlarmActions: [{ Ref: 'OnCallTopic' }],
        OKActions: [{ Ref: 'OnCallTopic' }],
        InsufficientDataActions: [{ 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:ops' }],
      });
    }
    expect(props(out.OrdersReadCapacityUtilizationAlarm).AlarmName).toEqual({ 'Fn::Join': ['-', ['shop', { Ref: 'Orders' }, 'ReadCapacityUtilization']] });
  });

  it('names split and per-index alarms distinctly', () => {
    const many = alarms({ ...SCENARIOS.manyGsis, monitoring: { ...SCENARIOS.manyGsis.monitoring, alarmNamePrefix: 'p' } });
    expect((props(many.OrdersSystemErrorsAlarm2).AlarmName as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][2]).toBe('SystemErrors-2');
    const prov = alarms({ ...SCENARIOS.provisionedWithGsis, monitoring: { ...SCENARIOS.provisionedWithGsis.monitoring, alarmNamePrefix: 'p' } });
    expect((props(prov.OrdersIndexByGkReadCapacityUtilizationAlarm).AlarmName as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][2]).toBe(
      'Index-by-gk-ReadCapacityUtilization',
    );
  });

  it('Monitoring.Enabled: false emits no alarm at all', () => {
    expect(alarmsGenerator(SCENARIOS.monitoringDisabled, ctx)).toEqual({ resources: {}, outputs: {} });
  });

  it('passes intrinsic overrides through unchanged', () => {
    const t = baseTable({}, { alarms: { WriteThrottleEvents: { threshold: { Ref: 'WriteThreshold' }, period: { Ref: 'P' } } } });
    const r = alarms(t).OrdersWriteThrottleEventsAlarm;
    expect(props(r).Threshold).toEqual({ Ref: 'WriteThreshold' });
    expect(queries(r)[0].MetricStat?.Period).toEqual({ Ref: 'P' });
    expect(String(props(r).AlarmDescription)).toContain('exceeded the configured value in 5 of 5 periods of the configured length');
  });

  it('emits no partition-specific ARN: only the user’s own action ARNs appear', () => {
    for (const table of Object.values(SCENARIOS)) expect(JSON.stringify(alarms(table))).not.toMatch(/arn:aws/);
  });
});

describe('bad overrides are reported with their property path (the macro adds the logical ID)', () => {
  const problems = (kind: 'ReadThrottleEvents' | 'SystemErrors', o: Record<string, number>) => monitoringProblems(baseTable({}, { alarms: { [kind]: o } }));

  it('DatapointsToAlarm above EvaluationPeriods, naming which value is the default', () => {
    expect(problems('ReadThrottleEvents', { datapointsToAlarm: 6 })).toEqual([
      { path: 'Monitoring.Alarms.ReadThrottleEvents.DatapointsToAlarm', message: 'DatapointsToAlarm (6) must not exceed EvaluationPeriods (5, the default)' },
    ]);
    expect(problems('SystemErrors', { evaluationPeriods: 3 })).toEqual([
      { path: 'Monitoring.Alarms.SystemErrors.EvaluationPeriods', message: 'DatapointsToAlarm (10, the default) must not exceed EvaluationPeriods (3)' },
    ]);
  });

  it('a period that is not a multiple of 60 s', () => {
    expect(problems('ReadThrottleEvents', { period: 30 })).toEqual([
      {
        path: 'Monitoring.Alarms.ReadThrottleEvents.Period',
        message: 'must be a positive multiple of 60 seconds (DynamoDB publishes 1-minute metrics), got 30',
      },
    ]);
  });

  it('an evaluation window longer than one day', () => {
    expect(problems('ReadThrottleEvents', { period: 3600, evaluationPeriods: 25, datapointsToAlarm: 1 })).toEqual([
      {
        path: 'Monitoring.Alarms.ReadThrottleEvents.EvaluationPeriods',
        message: 'EvaluationPeriods x Period is 90000 s; CloudWatch allows at most 86400 s (one day)',
      },
    ]);
  });

  it('a negative threshold or a fractional evaluation count', () => {
    expect(problems('SystemErrors', { threshold: -1 })).toEqual([
      { path: 'Monitoring.Alarms.SystemErrors.Threshold', message: 'must be a number >= 0, got -1' },
    ]);
    expect(problems('SystemErrors', { evaluationPeriods: 12.5 })).toEqual([
      { path: 'Monitoring.Alarms.SystemErrors.EvaluationPeriods', message: 'must be a whole number >= 1, got 12.5' },
    ]);
  });

  it('does not check a disabled kind, and finds nothing wrong with the defaults', () => {
    expect(monitoringProblems(baseTable({}, { alarms: { SystemErrors: { enabled: false, period: 7 } } }))).toEqual([]);
    for (const t of Object.values(SCENARIOS)) expect(monitoringProblems(t)).toEqual([]);
  });

  it('the generator refuses settings the rules should have rejected, naming the table and path', () => {
    expect(() => alarms(baseTable({}, { alarms: { ReadThrottleEvents: { datapointsToAlarm: 6 } } }))).toThrow(
      'Orders: Monitoring.Alarms.ReadThrottleEvents.DatapointsToAlarm: DatapointsToAlarm (6) must not exceed EvaluationPeriods (5, the default)',
    );
  });
});

describe('GSI name safety', () => {
  it('makes index alarm IDs alphanumeric while the dimension keeps the real index name', () => {
    const t = baseTable({
      billingMode: 'PROVISIONED',
      readCapacity: 1,
      writeCapacity: 1,
      globalSecondaryIndexes: [gsi('last_activity-idx', { readCapacity: 1, writeCapacity: 1 })],
    });
    const r = alarms(t).OrdersIndexLastActivityIdxReadCapacityUtilizationAlarm;
    expect(dimValues(r, 'GlobalSecondaryIndexName')).toEqual(['last_activity-idx', 'last_activity-idx']);
  });
});
