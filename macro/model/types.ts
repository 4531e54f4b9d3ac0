/**
 * The typed model of one `Arc::DynamoDB::Table`, produced once by the parser from the properties
 * that passed schema validation (values at fault are left out), before the named rules. Generators consume only this model: they never look at the
 * raw template properties.
 *
 * Shape-deciding values (billing mode, *Enabled flags, index lists, key names, stream view type)
 * are always resolved literals here. Pass-through values (names, capacities, ARNs, tag values)
 * may still be CloudFormation intrinsics, copied unchanged into the output.
 */

/** A CloudFormation intrinsic function object such as `{ Ref: X }` or `{ 'Fn::Sub': '...' }`. */
export type Intrinsic = { [fn: string]: unknown };
/** A value copied unchanged into the output: a literal or any intrinsic. */
export type Passthrough<T> = T | Intrinsic;

export type BillingMode = 'PAY_PER_REQUEST' | 'PROVISIONED';
export type AttributeType = 'S' | 'N' | 'B';
export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

/** Attributes, indexes and replicas keep `index`, their position in the template's list, for property paths. */
export interface AttributeModel {
  index?: number;
  name: string;
  type: AttributeType;
}

/**
 * One entry of `ScheduledActions` (beyond the module): CloudFormation's
 * AWS::ApplicationAutoScaling::ScalableTarget ScheduledAction, with its own names.
 */
export interface ScheduledActionModel {
  index: number;
  name: Passthrough<string>;
  schedule: Passthrough<string>;
  minCapacity?: Passthrough<number>;
  maxCapacity?: Passthrough<number>;
  timezone?: Passthrough<string>;
  startTime?: Passthrough<string>;
  endTime?: Passthrough<string>;
}

/** Target-tracking settings for one scalable dimension (module: autoscaling_read/_write). */
export interface ScalingModel {
  minCapacity: Passthrough<number>;
  maxCapacity: Passthrough<number>;
  targetValue: Passthrough<number>;
  scaleInCooldown: Passthrough<number>;
  scaleOutCooldown: Passthrough<number>;
  /** Present when ScheduledActions is given (even empty): written onto the scalable target. */
  scheduledActions?: ScheduledActionModel[];
}

export interface ProjectionModel {
  type: ProjectionType;
  nonKeyAttributes?: string[];
}

export interface GsiModel {
  index?: number;
  name: string;
  /**
   * The partition key's attributes, and the sort key's (none, or up to four each): a GSI key may be
   * made of up to four attributes each (DynamoDB developer guide, "Multi-attribute keys pattern").
   */
  hashKeys: string[];
  rangeKeys: string[];
  projection: ProjectionModel;
  readCapacity?: Passthrough<number>;
  writeCapacity?: Passthrough<number>;
  onDemandThroughput?: Passthrough<Record<string, unknown>>;
  warmThroughput?: Passthrough<Record<string, unknown>>;
}

export interface LsiModel {
  index?: number;
  name: string;
  rangeKey: string;
  projection: ProjectionModel;
}

export interface ReplicaModel {
  index?: number;
  regionName: string;
  kmsKeyArn?: Passthrough<string>;
  propagateTags: boolean;
  pointInTimeRecoveryEnabled: boolean;
  pointInTimeRecoveryPeriodInDays?: Passthrough<number>;
  tableClass?: Passthrough<string>;
  deletionProtectionEnabled?: boolean;
  contributorInsightsEnabled?: boolean;
  readCapacity?: Passthrough<number>;
  maxReadRequestUnits?: Passthrough<number>;
  contributorInsightsMode?: Passthrough<string>;
  /** Per-replica index settings (ReplicaSpecification.GlobalSecondaryIndexes), in the template's order. */
  indexes: ReplicaIndexModel[];
}

/** One GSI's settings in one replica's Region. */
export interface ReplicaIndexModel {
  index?: number;
  indexName: string;
  contributorInsightsEnabled?: boolean;
  contributorInsightsMode?: Passthrough<string>;
  readCapacity?: Passthrough<number>;
  maxReadRequestUnits?: Passthrough<number>;
}

export interface ImportTableModel {
  s3BucketSource: { bucket: Passthrough<string>; bucketOwner?: Passthrough<string>; keyPrefix?: Passthrough<string> };
  inputFormat: 'DYNAMODB_JSON' | 'ION' | 'CSV';
  inputCompressionType: 'GZIP' | 'ZSTD' | 'NONE';
  csv?: { delimiter?: Passthrough<string>; headerList?: Passthrough<string[]> };
}

/** CopyFrom: the new table is imported from an export of another table (Custom::ArcDynamoDbExport). */
export interface CopyFromModel {
  sourceTableArn: Passthrough<string>;
  exportTime?: Passthrough<string>;
  s3Bucket: Passthrough<string>;
  s3Prefix?: Passthrough<string>;
  s3BucketOwner?: Passthrough<string>;
  s3SseAlgorithm?: Passthrough<'AES256' | 'KMS'>;
  s3SseKmsKeyId?: Passthrough<string>;
}

export interface LoadModel {
  s3BucketSource: { bucket: Passthrough<string>; keyPrefix?: Passthrough<string>; bucketOwner?: Passthrough<string> };
  inputFormat: 'DYNAMODB_JSON' | 'ION' | 'CSV';
  inputCompressionType: 'GZIP' | 'ZSTD' | 'NONE';
  csv?: { delimiter?: Passthrough<string>; headerList?: Passthrough<string[]> };
  writeMode: 'Overwrite' | 'PutIfAbsent';
  maxRejectedRecords: Passthrough<number>;
  revision?: Passthrough<string>;
  /** Load.WriteBudget, copied as written (load/budget.ts paces to it). */
  writeBudget?: { WriteCapacityPercent?: Passthrough<number>; MaxWriteUnitsPerSecond?: Passthrough<number>; MaxItemsPerSecond?: Passthrough<number> };
  /** Load.Distributed (provider/load/distributed/plan.ts route). */
  distributed?: boolean;
}

/** The groups of `Outputs.Include` (macro/generators/outputs.ts says what each gives). */
export const OUTPUT_GROUPS = ['Table', 'Stream', 'Indexes', 'Replicas', 'Autoscaling'] as const;
export type OutputGroup = (typeof OUTPUT_GROUPS)[number];

/** The alarm kinds a user can tune or disable under `Monitoring.Alarms.<Kind>`. */
export const ALARM_KINDS = [
  'ReadThrottleEvents',
  'WriteThrottleEvents',
  'SystemErrors',
  'ReadCapacityUtilization',
  'WriteCapacityUtilization',
  'ReadOnDemandUtilization',
  'WriteOnDemandUtilization',
  'ReplicationLatency',
  'UserErrors',
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** `Monitoring.Alarms.<Kind>`: every field optional; unset fields take the alarm's defaults. */
export interface AlarmOverrideModel {
  enabled?: boolean;
  threshold?: Passthrough<number>;
  period?: Passthrough<number>;
  evaluationPeriods?: Passthrough<number>;
  datapointsToAlarm?: Passthrough<number>;
}

export interface MonitoringModel {
  enabled: boolean;
  alarmActions: Passthrough<string>[];
  okActions: Passthrough<string>[];
  insufficientDataActions: Passthrough<string>[];
  alarmNamePrefix?: Passthrough<string>;
  alarms: Partial<Record<AlarmKind, AlarmOverrideModel>>;
  dashboard: boolean;
}

export interface TableModel {
  logicalId: string;

  /** Resource attributes of the Arc resource. */
  condition?: string;
  dependsOn?: string | string[];
  metadata?: unknown;
  /** Retain unless the user set another policy: data is never deleted by default. */
  deletionPolicy: Passthrough<string>;
  updateReplacePolicy: Passthrough<string>;

  tableName?: Passthrough<string>;
  billingMode: BillingMode;
  tableClass?: Passthrough<string>;
  deletionProtectionEnabled?: boolean;

  hashKey: string;
  rangeKey?: string;
  attributes: AttributeModel[];

  readCapacity?: Passthrough<number>;
  writeCapacity?: Passthrough<number>;

  /** Present only when AutoscalingEnabled is true (and the table is PROVISIONED). */
  autoscaling?: {
    read?: ScalingModel;
    write?: ScalingModel;
    /** Keyed by GSI name; every key names a GSI of this table. */
    gsiRead: Record<string, ScalingModel>;
    gsiWrite: Record<string, ScalingModel>;
  };

  globalSecondaryIndexes: GsiModel[];
  /**
   * TABLE: the indexes are on the AWS::DynamoDB::Table (CloudFormation applies one creation or
   * deletion per update). PROVIDER: a Custom::ArcDynamoDbIndexes resource owns them
   * (macro/generators/indexes.ts, docs/indexes.md).
   */
  indexManagement: 'TABLE' | 'PROVIDER';
  localSecondaryIndexes: LsiModel[];

  /** Present only when TtlEnabled is true. */
  ttl?: { attributeName: Passthrough<string> };
  /** Present only when StreamEnabled is true (forced to NEW_AND_OLD_IMAGES with replicas). */
  stream?: { viewType: StreamViewType };

  serverSideEncryption: { enabled: boolean; kmsKeyArn?: Passthrough<string> };
  pointInTimeRecovery: { enabled: boolean; recoveryPeriodInDays?: Passthrough<number> };

  contributorInsights: {
    table: boolean;
    mode?: Passthrough<string>;
    /** Keyed by GSI name; false turns insights off for that index (the module's bug, fixed). */
    gsi: Record<string, boolean>;
  };

  importTable?: ImportTableModel;
  copyFrom?: CopyFromModel;
  replicas: ReplicaModel[];
  /**
   * True when ReplicaRegions is given, even as an empty list: the replicas resource then stays in
   * the template (and the stream with it) so that it can remove the replicas it made. Removing the
   * property outright drops that resource and, unless the user keeps the stream on, the stream,
   * which DynamoDB refuses while replicas exist (docs/replicas.md, "Removing replicas").
   */
  replicasDeclared: boolean;
  /** MultiRegionConsistency: EVENTUAL (default) or STRONG (MRSC), fixed when the replicas are created. */
  multiRegionConsistency: 'EVENTUAL' | 'STRONG';
  /** GlobalTableWitnesses[].Region: the MRSC witness (at most one). */
  witnesses: { index: number; region: string }[];
  waitForReplication: boolean;
  load?: LoadModel;
  monitoring: MonitoringModel;

  /** User tags, in the order given. The ownership tag is added by the table generator. */
  tags: { key: string; value: Passthrough<string> }[];

  onDemandThroughput?: Passthrough<Record<string, unknown>>;
  warmThroughput?: Passthrough<Record<string, unknown>>;
  resourcePolicy?: Passthrough<Record<string, unknown>>;
  kinesisStreamSpecification?: Passthrough<Record<string, unknown>>;

  /**
   * Present when `Outputs` is true or an object. `include` is the `Include` list, in the template's
   * order without repeats; absent, the outputs are today's: the table's name and ARN and its stream ARN.
   */
  outputs?: { exportPrefix?: Passthrough<string>; include?: OutputGroup[] };

  /** LongOperationTimeoutInMinutes: the WaitCondition timeout of Replicas, Indexes and Load (macro/generators/long-operations.ts). */
  longOperationTimeoutMinutes?: number;

  /** Opt-in adoption of an existing table by name (see the Security section of the README). */
  adoptExistingTable?: string;
}
