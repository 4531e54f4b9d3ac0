import type { CfnResource } from '../../../macro/generators/types';
import { unpublishedReason } from '../../../macro/monitoring/published-metrics';

/** One metric a generated resource asks CloudWatch for. */
export interface MetricRef {
  resource: string;
  namespace: string;
  metricName: string;
  dimensions: { name: string; value: unknown }[];
}

type Dim = { Name: string; Value: unknown };
type Query = { MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: Dim[] } } };

/** Every metric referenced by alarms (both forms) and dashboards (metric lines of the body). */
export function metricRefs(resources: Record<string, CfnResource>): MetricRef[] {
  const out: MetricRef[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::CloudWatch::Alarm') {
      if (typeof p.MetricName === 'string') {
        const dims = (p.Dimensions as Dim[] | undefined) ?? [];
        out.push({ resource: id, namespace: String(p.Namespace), metricName: p.MetricName, dimensions: dims.map((d) => ({ name: d.Name, value: d.Value })) });
      }
      for (const q of (p.Metrics as Query[] | undefined) ?? []) {
        if (q.MetricStat === undefined) continue;
        const m = q.MetricStat.Metric;
        out.push({
          resource: id,
          namespace: m.Namespace,
          metricName: m.MetricName,
          dimensions: (m.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value })),
        });
      }
    } else if (r.Type === 'AWS::CloudWatch::Dashboard') {
      const body = JSON.parse((p.DashboardBody as { 'Fn::Sub': [string, unknown] })['Fn::Sub'][0]) as {
        widgets: { type: string; properties: { metrics?: unknown[][] } }[];
      };
      for (const w of body.widgets) {
        for (const line of w.properties.metrics ?? []) {
          if (typeof line[0] !== 'string') continue; // an expression line
          const parts = line.filter((x) => typeof x === 'string') as string[];
          const [namespace, metricName, ...rest] = parts;
          const dimensions = [];
          for (let i = 0; i < rest.length; i += 2) dimensions.push({ name: rest[i], value: rest[i + 1] });
          out.push({ resource: id, namespace, metricName, dimensions });
        }
      }
    }
  }
  return out;
}

/** The problems of each reference that DynamoDB does not publish, as `<resource>: <reason>`. */
export function unpublishedRefs(refs: MetricRef[]): string[] {
  return refs.flatMap((ref) => {
    const op = ref.dimensions.find((d) => d.name === 'Operation')?.value;
    const reason = unpublishedReason(
      ref.namespace,
      ref.metricName,
      ref.dimensions.map((d) => d.name),
      typeof op === 'string' ? op : undefined,
    );
    return reason === null ? [] : [`${ref.resource}: ${reason}`];
  });
}
