/**
 * Scheduled scaling (issue 14, part 3): ScheduledActions reach the scalable targets in
 * CloudFormation's names, the schedule checks follow the PutScheduledAction reference, and the
 * capacity alarms never carry a capacity from the template, so they follow scheduled changes.
 */
import { expandTemplate } from '../../../macro/expand';
import { scheduleProblem } from '../../../macro/rules/autoscaling';

const base = { region: 'us-east-1', accountId: '123456789012' };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const businessHours = [
  { ScheduledActionName: 'up', Schedule: 'cron(0 8 ? * MON-FRI *)', Timezone: 'Europe/Berlin', ScalableTargetAction: { MinCapacity: 777, MaxCapacity: 999 } },
  { ScheduledActionName: 'down', Schedule: 'cron(0 19 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 3 } },
];

function expand(props: Record<string, unknown>): Resources {
  const r = expandTemplate({
    ...base,
    fragment: {
      Resources: {
        T: {
          Type: 'Arc::DynamoDB::Table',
          Properties: {
            BillingMode: 'PROVISIONED',
            HashKey: 'id',
            Attributes: [
              { Name: 'id', Type: 'S' },
              { Name: 'g', Type: 'S' },
            ],
            GlobalSecondaryIndexes: [{ Name: 'by-g', HashKey: 'g' }],
            ReadCapacity: 5,
            WriteCapacity: 5,
            AutoscalingEnabled: true,
            ...props,
          },
        },
      },
    },
  });
  if (!r.ok) throw new Error(r.errorMessage);
  return r.fragment.Resources as Resources;
}

describe('scheduled scaling', () => {
  it('writes ScheduledActions onto the table and index scalable targets, in CloudFormation names', () => {
    const res = expand({
      AutoscalingRead: { MaxCapacity: 100, ScheduledActions: businessHours },
      GsiAutoscalingRead: { 'by-g': { MaxCapacity: 50, ScheduledActions: [businessHours[1]] } },
    });
    expect(res.TReadScalableTarget.Properties.ScheduledActions).toEqual([
      {
        ScalableTargetAction: { MaxCapacity: 999, MinCapacity: 777 },
        Schedule: 'cron(0 8 ? * MON-FRI *)',
        ScheduledActionName: 'up',
        Timezone: 'Europe/Berlin',
      },
      { ScalableTargetAction: { MinCapacity: 3 }, Schedule: 'cron(0 19 ? * MON-FRI *)', ScheduledActionName: 'down' },
    ]);
    expect(res.TIndexByGReadScalableTarget.Properties.ScheduledActions).toEqual([
      { ScalableTargetAction: { MinCapacity: 3 }, Schedule: 'cron(0 19 ? * MON-FRI *)', ScheduledActionName: 'down' },
    ]);
  });

  it('leaves a target without ScheduledActions exactly as before', () => {
    const res = expand({ AutoscalingRead: { MaxCapacity: 100 } });
    expect(Object.keys(res.TReadScalableTarget.Properties)).toEqual([
      'MaxCapacity',
      'MinCapacity',
      'ResourceId',
      'RoleARN',
      'ScalableDimension',
      'ServiceNamespace',
    ]);
  });

  it('keeps the capacity alarms free of any capacity number, so they follow scheduled changes', () => {
    const res = expand({
      ReadCapacity: 555,
      WriteCapacity: 444,
      AutoscalingRead: { MaxCapacity: 100, MinCapacity: 5, ScheduledActions: businessHours },
      AutoscalingWrite: {
        MaxCapacity: 333,
        ScheduledActions: [{ ScheduledActionName: 'w', Schedule: 'rate(1 day)', ScalableTargetAction: { MaxCapacity: 222 } }],
      },
      GsiAutoscalingRead: { 'by-g': { MaxCapacity: 50, ScheduledActions: businessHours } },
    });
    const alarms = Object.entries(res).filter(([id, r]) => r.Type === 'AWS::CloudWatch::Alarm' && /CapacityUtilizationAlarm$/.test(id));
    expect(alarms.map(([id]) => id).sort()).toEqual([
      'TIndexByGReadCapacityUtilizationAlarm',
      'TIndexByGWriteCapacityUtilizationAlarm',
      'TReadCapacityUtilizationAlarm',
      'TWriteCapacityUtilizationAlarm',
    ]);
    for (const [, alarm] of alarms) {
      const metrics = JSON.stringify(alarm.Properties.Metrics);
      expect(metrics).toMatch(/"MetricName":"Provisioned(Read|Write)CapacityUnits"/);
      const expression = (alarm.Properties.Metrics as { Id: string; Expression?: string }[]).find((m) => m.Id === 'utilization')?.Expression;
      expect(expression).toBe('100*(consumed/PERIOD(consumed))/provisioned');
      // The template's capacities (table, autoscaling, scheduled) appear nowhere in the alarm's metrics.
      for (const n of [555, 444, 333, 222, 777, 999]) expect(metrics).not.toContain(String(n));
      expect(JSON.stringify(alarm.Properties.Threshold)).not.toMatch(/555|444|333|222|777|999/);
    }
  });
});

describe('scheduleProblem (Application Auto Scaling API reference, PutScheduledAction, Schedule)', () => {
  it.each([
    'at(2026-03-01T09:00:00)',
    'at(2028-02-29T23:59:59)',
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(1 day)',
    'rate(7 days)',
    'cron(0 8 ? * MON-FRI *)',
    'cron(15 12 * * ? *)',
    'cron(0/15 * ? * * *)',
    'cron(0 10 ? * 6L 2026-2030)',
    'cron(0 9 1W * ? *)',
  ])('accepts %s', (s) => expect(scheduleProblem(s)).toBeUndefined());

  it.each([
    ['at(2026-02-29T09:00:00)', /not a date/],
    ['at(2026-03-01T24:00:00)', /not a date/],
    ['at(2026-03-01T09:00)', /at\(yyyy-mm-ddThh:mm:ss\)/],
    ['at(2026-03-01T09:00:00Z)', /no time zone/],
    ['rate(0 minutes)', /positive integer/],
    ['rate(1 week)', /minute, minutes, hour, hours, day or days/],
    ['rate(1.5 hours)', /positive integer/],
    ['cron(0 8 * * *)', /six fields.*not 5/],
    ['cron(0 8 ? * MON-FRI * *)', /not 7/],
    ['cron(0 8 1 * MON *)', /one of them must be \?/],
    ['cron(0 8 ? * MON-FRI $)', /characters/],
    ['0 8 ? * MON-FRI *', /must be at\(/],
    ['', /must be at\(/],
  ])('refuses %s', (s, message) => expect(scheduleProblem(s)).toMatch(message));
});
