import type { MetricDataQuery, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { PUT_METRIC_ALARM_MEMBERS as ALARM_MEMBERS } from '../../support/alarm-members';

/** Values for the Refs and pseudo parameters the monitoring resources use. */
export interface Bindings {
  refs: Record<string, string>;
  pseudo: { partition: string; region: string; accountId: string };
}

/**
 * Resolves the intrinsics our generators emit (Ref, Fn::Sub in both forms, Fn::Join), as
 * CloudFormation would at deploy time. Anything else is an error, so a new intrinsic in the
 * output cannot slip past the moto test unnoticed.
 */
export function resolve(value: unknown, b: Bindings, vars: Record<string, string> = {}): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, b, vars));
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  const o = value as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === 'Ref') return ref(String(o.Ref), b);
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return (resolve(parts, b) as unknown[]).map(String).join(sep);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Sub') {
    const arg = o['Fn::Sub'];
    const [text, map] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
    const local = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(resolve(v, b))]));
    return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => local[name] ?? ref(name, b));
  }
  if (keys.some((k) => k.startsWith('Fn::'))) throw new Error(`unsupported intrinsic ${keys.join(',')}`);
  return Object.fromEntries(keys.map((k) => [k, resolve(o[k], b, vars)]));
}

function ref(name: string, b: Bindings): string {
  if (name === 'AWS::Partition') return b.pseudo.partition;
  if (name === 'AWS::Region') return b.pseudo.region;
  if (name === 'AWS::AccountId') return b.pseudo.accountId;
  const v = b.refs[name];
  if (v === undefined) throw new Error(`no binding for Ref ${name}`);
  return v;
}

const PUT_METRIC_ALARM_MEMBERS = new Set(ALARM_MEMBERS);

/** The PutMetricAlarm request equivalent to one AWS::CloudWatch::Alarm resource. */
export function putMetricAlarmInput(logicalId: string, properties: Record<string, unknown>, b: Bindings): PutMetricAlarmCommandInput {
  const p = resolve(properties, b) as Record<string, unknown>;
  const unknown = Object.keys(p).filter((k) => !PUT_METRIC_ALARM_MEMBERS.has(k));
  if (unknown.length > 0) throw new Error(`${logicalId}: properties with no PutMetricAlarm member: ${unknown.join(', ')}`);
  return { AlarmName: logicalId, ...p } as PutMetricAlarmCommandInput;
}

/** The alarm's Metrics as GetMetricData queries (same structure; ReturnData true on all to see every series). */
export function metricDataQueries(input: PutMetricAlarmCommandInput): MetricDataQuery[] {
  if (input.Metrics !== undefined) return input.Metrics.map((q) => ({ ...q, ReturnData: true }));
  return [
    {
      Id: 'm1',
      ReturnData: true,
      MetricStat: {
        Metric: { Namespace: input.Namespace, MetricName: input.MetricName, Dimensions: input.Dimensions },
        Period: input.Period,
        Stat: input.Statistic,
      },
    },
  ];
}
