import type { GsiModel, MonitoringModel, TableModel } from '../../../macro/model/types';

/** A TableModel as the parser would produce it for a minimal table, with monitoring defaults. */
export function baseTable(overrides: Partial<TableModel> = {}, monitoring: Partial<MonitoringModel> = {}): TableModel {
  return {
    logicalId: 'Orders',
    deletionPolicy: 'Retain',
    updateReplacePolicy: 'Retain',
    billingMode: 'PAY_PER_REQUEST',
    hashKey: 'pk',
    attributes: [{ name: 'pk', type: 'S' }],
    globalSecondaryIndexes: [],
    indexManagement: 'TABLE',
    localSecondaryIndexes: [],
    serverSideEncryption: { enabled: true },
    pointInTimeRecovery: { enabled: true },
    contributorInsights: { table: false, gsi: {} },
    replicas: [],
    multiRegionConsistency: 'EVENTUAL',
    witnesses: [],
    waitForReplication: false,
    tags: [],
    ...overrides,
    replicasDeclared: overrides.replicasDeclared ?? (overrides.replicas ?? []).length > 0,
    monitoring: {
      enabled: true,
      alarmActions: [],
      okActions: [],
      insufficientDataActions: [],
      alarms: {},
      dashboard: false,
      ...monitoring,
    },
  };
}

export function gsi(name: string, extra: Partial<GsiModel> = {}): GsiModel {
  return { name, hashKeys: ['gk'], rangeKeys: [], projection: { type: 'ALL' }, ...extra };
}

const gsis = (n: number, extra: Partial<GsiModel> = {}) => Array.from({ length: n }, (_, i) => gsi(`by-attr-${i + 1}`, extra));

/**
 * Named scenarios shared by the unit, cfn-lint and moto tests: each alarm kind, each billing
 * mode, GSIs (also past the 10-metric split), replicas, overrides and disabling.
 */
export const SCENARIOS: Record<string, TableModel> = {
  onDemandDefaults: baseTable(),
  onDemandWithStream: baseTable({ stream: { viewType: 'NEW_AND_OLD_IMAGES' } }),
  onDemandMaximum: baseTable(
    {
      onDemandThroughput: { MaxReadRequestUnits: 500, MaxWriteRequestUnits: 200 },
      attributes: [
        { name: 'pk', type: 'S' },
        { name: 'gk', type: 'S' },
      ],
      globalSecondaryIndexes: [gsi('by-gk', { onDemandThroughput: { MaxReadRequestUnits: 100 } })],
    },
    { dashboard: true },
  ),
  provisionedWithGsis: baseTable(
    {
      billingMode: 'PROVISIONED',
      readCapacity: 5,
      writeCapacity: 5,
      attributes: [
        { name: 'pk', type: 'S' },
        { name: 'gk', type: 'S' },
      ],
      globalSecondaryIndexes: [gsi('by-gk', { readCapacity: 5, writeCapacity: 5 }), gsi('status.idx', { readCapacity: 1, writeCapacity: 1 })],
    },
    { dashboard: true },
  ),
  manyGsis: baseTable({
    attributes: [
      { name: 'pk', type: 'S' },
      { name: 'gk', type: 'S' },
    ],
    globalSecondaryIndexes: gsis(12),
  }),
  replicas: baseTable(
    {
      stream: { viewType: 'NEW_AND_OLD_IMAGES' },
      replicas: [
        { regionName: 'us-west-2', propagateTags: true, pointInTimeRecoveryEnabled: true, indexes: [] },
        { regionName: 'eu-central-1', propagateTags: true, pointInTimeRecoveryEnabled: true, indexes: [] },
      ],
    },
    { dashboard: true },
  ),
  overridesAndActions: baseTable(
    { condition: 'CreateOrders', billingMode: 'PROVISIONED', readCapacity: 10, writeCapacity: 10 },
    {
      alarmActions: [{ Ref: 'OnCallTopic' }],
      okActions: [{ Ref: 'OnCallTopic' }],
      insufficientDataActions: [{ 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:ops' }],
      alarmNamePrefix: 'shop',
      alarms: {
        ReadThrottleEvents: { threshold: 10, period: 300, evaluationPeriods: 2, datapointsToAlarm: 1 },
        WriteCapacityUtilization: { enabled: false },
        SystemErrors: { enabled: false },
        UserErrors: { enabled: true, threshold: 25 },
      },
      dashboard: true,
    },
  ),
  monitoringDisabled: baseTable({ billingMode: 'PROVISIONED', readCapacity: 5, writeCapacity: 5 }, { enabled: false, dashboard: true }),
};
