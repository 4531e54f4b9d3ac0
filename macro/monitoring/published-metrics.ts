/**
 * The metrics DynamoDB publishes to CloudWatch, with the exact dimension sets it publishes them
 * under. Every metric the alarms and the dashboard reference must match one row here.
 *
 * Source: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 * (cross-checked against the CloudWatch console metric data in @aws-cdk/aws-service-spec).
 *
 * Why this matters: CloudWatch does not aggregate over a missing dimension. An alarm on
 * `ThrottledRequests` with only `TableName` (the module's own example) is created without error
 * and never fires, because DynamoDB publishes that metric only with `TableName` + `Operation`
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Monitoring-metrics-creating-cloudwatch-alarms.html).
 */

export const DYNAMODB_NAMESPACE = 'AWS/DynamoDB';

/** A dimension set is the sorted list of dimension names; `[]` means "no dimensions" (account-wide). */
export type DimensionSet = readonly string[];

const T = ['TableName'] as const;
const T_GSI = ['GlobalSecondaryIndexName', 'TableName'] as const;
const T_OP = ['Operation', 'TableName'] as const;
const T_REGION = ['ReceivingRegion', 'TableName'] as const;
const T_DELEGATED = ['DelegatedOperation', 'TableName'] as const;
const T_OP_STREAM = ['Operation', 'StreamLabel', 'TableName'] as const;
const ACCOUNT: DimensionSet = [];

export const PUBLISHED_METRICS: Readonly<Record<string, readonly DimensionSet[]>> = {
  AccountMaxReads: [ACCOUNT],
  AccountMaxTableLevelReads: [ACCOUNT],
  AccountMaxTableLevelWrites: [ACCOUNT],
  AccountMaxWrites: [ACCOUNT],
  AccountProvisionedReadCapacityUtilization: [ACCOUNT],
  AccountProvisionedWriteCapacityUtilization: [ACCOUNT],
  AgeOfOldestUnreplicatedRecord: [T_DELEGATED],
  ConditionalCheckFailedRequests: [T],
  ConsumedChangeDataCaptureUnits: [T_DELEGATED],
  ConsumedReadCapacityUnits: [T, T_GSI],
  ConsumedWriteCapacityUnits: [T, T_GSI],
  FailedToReplicateRecordCount: [T_DELEGATED],
  MaxProvisionedTableReadCapacityUtilization: [ACCOUNT],
  MaxProvisionedTableWriteCapacityUtilization: [ACCOUNT],
  OnlineIndexConsumedWriteCapacity: [T_GSI],
  OnlineIndexPercentageProgress: [T_GSI],
  OnlineIndexThrottleEvents: [T_GSI],
  /** Legacy global tables (2017.11.29) only. */
  PendingReplicationCount: [T_REGION],
  ProvisionedReadCapacityUnits: [T, T_GSI],
  ProvisionedWriteCapacityUnits: [T, T_GSI],
  ReadThrottleEvents: [T, T_GSI],
  ReplicationLatency: [T_REGION],
  ReturnedBytes: [T_OP_STREAM],
  ReturnedItemCount: [T_OP],
  ReturnedRecordsCount: [T_OP_STREAM],
  SuccessfulRequestLatency: [T_OP],
  SystemErrors: [T_OP],
  ThrottledPutRecordCount: [T_DELEGATED],
  ThrottledRequests: [T_OP],
  TimeToLiveDeletedItemCount: [T],
  TransactionConflict: [T],
  /** Account- and Region-wide: DynamoDB publishes it with no dimension at all. */
  UserErrors: [ACCOUNT],
  WriteThrottleEvents: [T, T_GSI],
};

/**
 * Values of the `Operation` dimension, from the same page: the data-plane operations, plus the
 * DynamoDB Streams `GetRecords` operation.
 */
export const OPERATIONS = [
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
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
  'GetRecords',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * Checks one metric reference. Returns null when DynamoDB publishes `metricName` in `namespace`
 * with exactly these dimension names, or a message saying what is wrong.
 */
export function unpublishedReason(namespace: string, metricName: string, dimensionNames: readonly string[], operation?: string): string | null {
  if (namespace !== DYNAMODB_NAMESPACE) return `namespace ${namespace} is not ${DYNAMODB_NAMESPACE}`;
  const sets = PUBLISHED_METRICS[metricName];
  if (sets === undefined) return `DynamoDB publishes no metric named ${metricName}`;
  const key = [...dimensionNames].sort().join('+');
  if (!sets.some((s) => [...s].sort().join('+') === key)) {
    const published = sets.map((s) => (s.length === 0 ? '(none)' : s.join('+'))).join(' or ');
    return `${metricName} is not published with dimensions ${key === '' ? '(none)' : key}; published: ${published}`;
  }
  if (operation !== undefined && !(OPERATIONS as readonly string[]).includes(operation)) {
    return `${metricName}: ${operation} is not a value of the Operation dimension`;
  }
  return null;
}
