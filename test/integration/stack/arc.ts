/** Arc templates and moto views for the stack-engine tests. */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand, ListDashboardsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudFormationClient, DescribeStackResourceCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { StackEngine, StackEvent } from '../../support/stack-engine';
import { LOCAL_CREDENTIALS } from '../../support/moto';

export const HOME = 'us-east-1';
export const REGIONS = [HOME, 'eu-west-1', 'ap-southeast-2'];

let n = 0;
/** Unique per test run and call: stacks and tables share one moto. */
export const unique = (base: string) => `${base}-${process.pid}-${++n}`;

export interface TableSpec {
  logicalId?: string;
  /** Absent: CloudFormation generates the table's name. */
  tableName?: string;
  billing?: 'PAY_PER_REQUEST' | 'PROVISIONED';
  autoscaling?: boolean;
  gsis?: string[];
  replicas?: string[];
  monitoring?: boolean;
  dashboard?: boolean;
  deletionPolicy?: 'Delete' | 'Retain';
  updateReplacePolicy?: 'Delete' | 'Retain';
  hashKey?: string;
  tags?: Record<string, string>;
}

/** One Arc::DynamoDB::Table resource (attributes pk, and g1..g3 for the indexes). */
export function arcTable(t: TableSpec): Record<string, unknown> {
  const provisioned = t.billing === 'PROVISIONED';
  const hashKey = t.hashKey ?? 'pk';
  const props: Record<string, unknown> = {
    ...(t.tableName !== undefined ? { TableName: t.tableName } : {}),
    BillingMode: t.billing ?? 'PAY_PER_REQUEST',
    HashKey: hashKey,
    Attributes: [{ Name: hashKey, Type: 'S' }, ...(t.gsis ?? []).map((g) => ({ Name: `${g}Key`, Type: 'S' }))],
    ...(provisioned ? { ReadCapacity: 5, WriteCapacity: 5 } : {}),
    ...(t.autoscaling ? { AutoscalingEnabled: true, AutoscalingRead: { MaxCapacity: 50 }, AutoscalingWrite: { MaxCapacity: 50 } } : {}),
    ...(t.gsis?.length
      ? { GlobalSecondaryIndexes: t.gsis.map((g) => ({ Name: g, HashKey: `${g}Key`, ...(provisioned ? { ReadCapacity: 5, WriteCapacity: 5 } : {}) })) }
      : {}),
    ...(t.replicas?.length ? { StreamEnabled: true, ReplicaRegions: t.replicas.map((r) => ({ RegionName: r, PointInTimeRecoveryEnabled: false })) } : {}),
    Monitoring: t.monitoring === false ? { Enabled: false } : { Dashboard: t.dashboard ?? false },
    ...(t.tags ? { Tags: t.tags } : {}),
  };
  return {
    Type: 'Arc::DynamoDB::Table',
    ...(t.deletionPolicy ? { DeletionPolicy: t.deletionPolicy } : {}),
    ...(t.updateReplacePolicy ? { UpdateReplacePolicy: t.updateReplacePolicy } : {}),
    Properties: props,
  };
}

export function arcTemplate(...tables: TableSpec[]): Record<string, unknown> {
  return { Transform: 'ArcDynamoDb', Resources: Object.fromEntries(tables.map((t) => [t.logicalId ?? 'Orders', arcTable(t)])) };
}

export async function tableIndexes(engine: StackEngine, name: string, region = HOME): Promise<string[] | undefined> {
  try {
    const t = (await engine.sim.direct(region).send(new DescribeTableCommand({ TableName: name }))).Table;
    return (t?.GlobalSecondaryIndexes ?? []).map((g) => String(g.IndexName)).sort();
  } catch {
    return undefined;
  }
}

/** Which of the test regions' moto backends hold a table of this name. */
export async function footprint(engine: StackEngine, name: string): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const r of REGIONS) out[r] = (await tableIndexes(engine, name, r)) !== undefined;
  return out;
}

export async function scaling(engine: StackEngine, name: string): Promise<{ targets: string[]; policies: string[] }> {
  const aas = engine.sim.directAutoscaling(HOME);
  const t = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb' }));
  const p = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'dynamodb' }));
  return {
    targets: (t.ScalableTargets ?? [])
      .filter((x) => x.ResourceId === `table/${name}`)
      .map((x) => `${x.ScalableDimension} ${x.MinCapacity}-${x.MaxCapacity}`)
      .sort(),
    policies: (p.ScalingPolicies ?? [])
      .filter((x) => x.ResourceId === `table/${name}`)
      .map((x) => String(x.PolicyName))
      .sort(),
  };
}

export async function alarmNames(engine: StackEngine, prefix: string): Promise<string[]> {
  const out = await engine.cloudwatch(HOME).send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, MaxRecords: 100 }));
  return (out.MetricAlarms ?? []).map((a) => String(a.AlarmName)).sort();
}

export async function dashboardNames(engine: StackEngine, prefix: string): Promise<string[]> {
  const out = await engine.cloudwatch(HOME).send(new ListDashboardsCommand({ DashboardNamePrefix: prefix }));
  return (out.DashboardEntries ?? []).map((d) => String(d.DashboardName));
}

/** Index of the first event matching; -1 if none. */
export function at(events: StackEvent[], logicalId: string, status: string, physicalId?: string): number {
  return events.findIndex((e) => e.logicalId === logicalId && e.status === status && (physicalId === undefined || e.physicalId === physicalId));
}

export interface ApiSighting {
  cfnRequestId?: string;
  requestType?: string;
  logicalId?: string;
  resourceStatus?: string;
  physicalId?: string;
  stackStatus?: string;
}

/** Reads CloudFormation's API (with the SDK, as the provider does) when an invocation starts. */
export function apiRecorder(endpoint: () => string, sightings: ApiSighting[]) {
  let cfn: CloudFormationClient | undefined;
  return async (record: { continuation: boolean; cfnRequestId?: string; requestType?: string; logicalId?: string }, payload: unknown) => {
    if (record.continuation || record.logicalId === undefined) return;
    cfn ??= new CloudFormationClient({ region: HOME, endpoint: endpoint(), credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const stackId = String((payload as { StackId?: string }).StackId);
    const s: ApiSighting = { cfnRequestId: record.cfnRequestId, requestType: record.requestType, logicalId: record.logicalId };
    try {
      const d = (await cfn.send(new DescribeStackResourceCommand({ StackName: stackId, LogicalResourceId: record.logicalId }))).StackResourceDetail;
      s.resourceStatus = d?.ResourceStatus;
      s.physicalId = d?.PhysicalResourceId;
      s.stackStatus = (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0]?.StackStatus;
    } catch (e) {
      s.resourceStatus = `error: ${(e as Error).message}`;
    }
    sightings.push(s);
  };
}
