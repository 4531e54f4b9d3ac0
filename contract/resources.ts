/**
 * The contract between the macro (which writes custom resources into templates) and the
 * provider (which receives them as CloudFormation custom-resource events).
 *
 * CloudFormation delivers every scalar in ResourceProperties as a string ("5", "true"), so the
 * provider parses these shapes at its boundary; the macro writes them with native types.
 * Old templates keep working only while these names stay: never rename a property here.
 */

/** The tag every generated table carries; its value is the owning stack's `AWS::StackId`. */
export const OWNER_TAG_KEY = 'arc-dynamodb:owner-stack-id';

/**
 * Set by a table's owner (whoever may tag it) to the name of the stack allowed to adopt it with
 * AdoptExistingTable; the provider writes OWNER_TAG_KEY only when that adoption succeeds.
 */
export const ADOPT_CONSENT_TAG_KEY = 'arc-dynamodb:adopt-by-stack';

export const REPLICAS_RESOURCE_TYPE = 'Custom::ArcDynamoDbReplicas';
export const LOAD_RESOURCE_TYPE = 'Custom::ArcDynamoDbLoad';
export const INDEXES_RESOURCE_TYPE = 'Custom::ArcDynamoDbIndexes';
export const INDEXES_PRECHECK_RESOURCE_TYPE = 'Custom::ArcDynamoDbIndexesPrecheck';
export const EXPORT_RESOURCE_TYPE = 'Custom::ArcDynamoDbExport';

/**
 * A table whose global secondary indexes the provider manages carries this tag with the value
 * INDEXES_MANAGED_BY_PROVIDER (the macro writes it, or `npx arc-dynamodb indexes handover` after
 * an import). The precheck lets an existing table with indexes switch to managed indexes only when it
 * is there: otherwise CloudFormation would delete the indexes that leave the table's template.
 */
export const INDEXES_TAG_KEY = 'arc-dynamodb:indexes';
export const INDEXES_MANAGED_BY_PROVIDER = 'provider';

/** Custom resources may run at most one hour (CloudFormation's `ServiceTimeout` ceiling). */
export const MAX_SERVICE_TIMEOUT_SECONDS = 3600;

/** Environment variable through which the macro Lambda learns the provider function's ARN. */
export const PROVIDER_ARN_ENV = 'ARC_DYNAMODB_PROVIDER_ARN';

export interface ScalingSettingsProps {
  MinCapacity: number;
  MaxCapacity: number;
  TargetValue: number;
  ScaleInCooldown: number;
  ScaleOutCooldown: number;
}

export interface ReplicaProps {
  RegionName: string;
  KmsKeyArn?: string;
  PropagateTags: boolean;
  PointInTimeRecoveryEnabled: boolean;
  PointInTimeRecoveryPeriodInDays?: number;
  TableClass?: string;
  DeletionProtectionEnabled?: boolean;
  ContributorInsightsEnabled?: boolean;
  /** PROVISIONED only: the replica's read capacity, overriding the home table's. */
  ReadCapacity?: number;
  /** PAY_PER_REQUEST only: the replica's on-demand read ceiling. */
  MaxReadRequestUnits?: number;
  /** The replica's Contributor Insights mode (ACCESSED_AND_THROTTLED_KEYS | THROTTLED_KEYS), when insights are on. */
  ContributorInsightsMode?: string;
  /** Per-replica index settings (AWS::DynamoDB::GlobalTable ReplicaSpecification.GlobalSecondaryIndexes). */
  GlobalSecondaryIndexes?: ReplicaIndexProps[];
}

/** One GSI's settings in one replica's Region; a field left out is left as it is. */
export interface ReplicaIndexProps {
  IndexName: string;
  ContributorInsightsEnabled?: boolean;
  ContributorInsightsMode?: string;
  /** PROVISIONED only: ProvisionedThroughputOverride.ReadCapacityUnits of the index in this replica. */
  ReadCapacity?: number;
  /** PAY_PER_REQUEST only: OnDemandThroughputOverride.MaxReadRequestUnits of the index in this replica. */
  MaxReadRequestUnits?: number;
}

/** The consistency modes of a global table (UpdateTable MultiRegionConsistency). */
export const CONSISTENCY_MODES = ['EVENTUAL', 'STRONG'] as const;

/**
 * The Region sets of multi-Region strong consistency: an MRSC table's Regions (replicas and
 * witness) are all in one of them (CreateGlobalTableWitnessGroupMemberAction, DynamoDB API
 * reference: "The witness must be in a different Region than the replicas and within the same
 * Region set").
 */
export const MRSC_REGION_SETS: Readonly<Record<'US' | 'EU' | 'AP', readonly string[]>> = {
  US: ['us-east-1', 'us-east-2', 'us-west-2'],
  EU: ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  AP: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
};

/** The MRSC Region set a Region belongs to, if any. */
export function mrscRegionSet(region: string): 'US' | 'EU' | 'AP' | undefined {
  for (const [set, regions] of Object.entries(MRSC_REGION_SETS)) if (regions.includes(region)) return set as 'US' | 'EU' | 'AP';
  return undefined;
}

/**
 * What is wrong with an MRSC table's Regions, in words (empty when nothing is): exactly three
 * Regions, the home Region and two replicas or one replica and a witness ("A MRSC global table can
 * be configured with either three replicas, or with two replicas and one witness"), all in one
 * Region set, the witness in none of the replica Regions (CreateGlobalTableWitnessGroupMemberAction,
 * DynamoDB API reference). The macro and the provider both ask it.
 */
export function mrscRegionProblems(home: string, replicas: readonly string[], witnesses: readonly string[]): string[] {
  const out: string[] = [];
  if (witnesses.length > 1) out.push(`has ${witnesses.length} witnesses; an MRSC table has at most one`);
  const total = 1 + replicas.length + witnesses.length;
  if (total !== 3 || (witnesses.length === 1 && replicas.length !== 1)) {
    out.push(
      `spans ${total} Regions (${[home, ...replicas, ...witnesses].join(', ')}); multi-Region strong consistency needs exactly three: the ` +
        `table's own Region and two replicas, or one replica and one witness`,
    );
  }
  for (const w of witnesses) {
    if (w === home || replicas.includes(w)) out.push(`has its witness in ${w}, which already holds a replica; the witness must be in another Region`);
  }
  const sets = new Map<string, string[]>();
  for (const r of [home, ...replicas, ...witnesses]) {
    const set = mrscRegionSet(r) ?? 'none';
    sets.set(set, [...(sets.get(set) ?? []), r]);
  }
  const outside = sets.get('none');
  if (outside) {
    out.push(
      `uses ${outside.join(', ')}, outside every MRSC Region set (US: ${MRSC_REGION_SETS.US.join(', ')}; EU: ${MRSC_REGION_SETS.EU.join(', ')}; ` +
        `AP: ${MRSC_REGION_SETS.AP.join(', ')})`,
    );
  } else if (sets.size > 1) {
    out.push(`mixes Region sets (${[...sets].map(([s, rs]) => `${s}: ${rs.join(', ')}`).join('; ')}); all its Regions must be in one set`);
  }
  return out;
}

/** A CloudFormation intrinsic function call in a template (`{Ref: X}`, `{'Fn::Sub': ...}`). */
export type IntrinsicCall = { [fn: string]: unknown };

/**
 * A resource's properties as a template holds them: any value may still be an intrinsic that
 * CloudFormation resolves before the provider sees it. The macro's generators build the custom
 * resources' properties `satisfies AsWritten<...Props>`, the same shapes the provider parses, so
 * the two sides cannot drift apart.
 */
export type AsWritten<T> = T extends (infer E)[] ? AsWritten<E>[] | IntrinsicCall : T extends object ? { [K in keyof T]: AsWritten<T[K]> } : T | IntrinsicCall;

/** `Custom::ArcDynamoDbReplicas` properties, as the macro writes them. */
export interface ReplicasResourceProps {
  ServiceToken: string;
  ServiceTimeout: number;
  TableName: string;
  BillingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  Replicas: ReplicaProps[];
  /** STRONG: multi-Region strong consistency (MRSC); absent: EVENTUAL. Fixed once the replicas exist. */
  MultiRegionConsistency?: 'EVENTUAL' | 'STRONG';
  /** The MRSC witness, at most one (AWS::DynamoDB::GlobalTable GlobalTableWitnesses). */
  GlobalTableWitnesses?: { Region: string }[];
  /** Home-region autoscaling, mirrored into each replica region (PROVISIONED only). */
  Autoscaling?: {
    Read?: ScalingSettingsProps;
    Write?: ScalingSettingsProps;
    Indexes?: Record<string, { Read?: ScalingSettingsProps; Write?: ScalingSettingsProps }>;
  };
  /** Tags propagated to replicas whose PropagateTags is true (includes the ownership tag). */
  Tags: { Key: string; Value: string }[];
  WaitForReplication: boolean;
  /** True when the table's DeletionPolicy is Retain (the default): replicas then stay when the stack deletes them with the table. */
  RetainOnDelete: boolean;
  /** True when the table's UpdateReplacePolicy is Retain (the default): a replaced table's replicas stay with it. */
  RetainOnReplace?: boolean;
  /** True when the table's DeletionPolicy is RetainExceptOnCreate: a create being rolled back deletes the table, and its replicas with it. */
  RetainExceptOnCreate?: boolean;
  /**
   * The table's logical ID: when this resource is removed from a template that keeps the table
   * (ReplicaRegions removed), its Delete removes the replicas whatever RetainOnDelete says.
   */
  TableLogicalId?: string;
  /** Opt-in adoption of a table created elsewhere: names the table, which must not carry the owner tag yet. */
  AdoptExistingTable?: string;
}

/** One global secondary index, in `AWS::DynamoDB::Table`'s own shape (GlobalSecondaryIndex). */
export interface GsiProps {
  IndexName: string;
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
  ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  OnDemandThroughput?: { MaxReadRequestUnits?: number; MaxWriteRequestUnits?: number };
  WarmThroughput?: { ReadUnitsPerSecond?: number; WriteUnitsPerSecond?: number };
  ContributorInsightsSpecification?: { Enabled: boolean; Mode?: string };
}

/** `Custom::ArcDynamoDbIndexes` properties, as the macro writes them (docs/indexes.md). */
export interface IndexesResourceProps {
  ServiceToken: string;
  ServiceTimeout: number;
  TableName: string;
  BillingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  /** The key attributes of the indexes below (the table's own are on the table). */
  AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  GlobalSecondaryIndexes: GsiProps[];
  TableLogicalId: string;
  AdoptExistingTable?: string;
}

/** `Custom::ArcDynamoDbIndexesPrecheck` properties: the table is named by its logical ID, since the table depends on this resource. */
export interface IndexesPrecheckResourceProps {
  ServiceToken: string;
  ServiceTimeout: number;
  TableLogicalId: string;
  /** The table's billing mode: a switch to PROVISIONED is checked before the table is touched. */
  BillingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED';
}

/** `Custom::ArcDynamoDbLoad` properties, as the macro writes them. */
export interface LoadResourceProps {
  ServiceToken: string;
  ServiceTimeout: number;
  TableName: string;
  S3BucketSource: { Bucket: string; KeyPrefix?: string; BucketOwner?: string };
  InputFormat: 'DYNAMODB_JSON' | 'ION' | 'CSV';
  InputCompressionType: 'GZIP' | 'ZSTD' | 'NONE';
  InputFormatOptions?: { Csv?: { Delimiter?: string; HeaderList?: string[] } };
  WriteMode: 'Overwrite' | 'PutIfAbsent';
  MaxRejectedRecords: number;
  Revision?: string;
  AdoptExistingTable?: string;
  /** Paces the load (load/budget.ts); the lowest of the caps given applies. */
  WriteBudget?: { WriteCapacityPercent?: number; MaxWriteUnitsPerSecond?: number; MaxItemsPerSecond?: number };
  /** true: run as a Step Functions Distributed Map; false: one invocation chain; absent: by size (provider/load/distributed/plan.ts route). */
  Distributed?: boolean;
}

/**
 * Where a stack's load data must live: a stack loads only objects under
 * `arc-dynamodb/<StackName>/` of an allowed bucket. The provider reads S3 with its own role for
 * every stack, so without this binding any stack could load (and read back from its own table)
 * objects another team keeps in the same bucket. Whoever may write under that prefix decides what
 * the stack may load, which S3 bucket policies can grant per prefix.
 */
export const LOAD_KEY_ROOT = 'arc-dynamodb/';
export const loadKeyPrefixFor = (stackName: string) => `${LOAD_KEY_ROOT}${stackName}/`;

/**
 * `Custom::ArcDynamoDbExport` properties, as the macro writes them (CopyFrom): the export of the
 * source table that the new table is imported from. The names are ExportTableToPointInTime's.
 */
export interface ExportResourceProps {
  ServiceToken: string;
  ServiceTimeout: number;
  /** The table made from the export (the stack's own), for messages and the export's place in S3. */
  TableLogicalId: string;
  SourceTableArn: string;
  /** ISO 8601; absent: the time the export starts. */
  ExportTime?: string;
  S3Bucket: string;
  /** Under arc-dynamodb/<StackName>/ (EXPORT_KEY_ROOT); default the table's logical ID. */
  S3Prefix?: string;
  S3BucketOwner?: string;
  S3SseAlgorithm?: 'AES256' | 'KMS';
  S3SseKmsKeyId?: string;
  /** The new table's key: the source's must be the same, or the import would reject every item. */
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE'; AttributeType: string }[];
}

/**
 * Where a stack's exports go: under `arc-dynamodb/<StackName>/` of the bucket, as loads read
 * only from there (LOAD_KEY_ROOT). The provider's role may write only there (template.yaml).
 */
export const exportKeyPrefixFor = (stackName: string, prefix: string) => `${LOAD_KEY_ROOT}${stackName}/${prefix.replace(/^\/+|\/+$/g, '')}`;

/**
 * What the export resource returns through `Fn::GetAtt`: the table's ImportSourceSpecification
 * reads S3Bucket, S3BucketOwner and S3KeyPrefix (the export's data folder).
 */
export const EXPORT_RESULT_ATTRIBUTES = ['S3Bucket', 'S3BucketOwner', 'S3KeyPrefix', 'ExportArn', 'ExportTime', 'ItemCount'] as const;

/** A stack's name, the second segment of its ID (arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>). */
export const stackNameOf = (stackId: string) => stackId.split(':stack/')[1]?.split('/')[0] ?? '';

/** The values a load's options take (the same as ImportTable's, plus the write modes). */
export const INPUT_FORMATS = ['DYNAMODB_JSON', 'ION', 'CSV'] as const;
export const COMPRESSION_TYPES = ['GZIP', 'ZSTD', 'NONE'] as const;
export const WRITE_MODES = ['Overwrite', 'PutIfAbsent'] as const;
/** ImportTable's delimiter pattern `[,;:|\t ]` (AWS::DynamoDB::Table Csv.Delimiter). */
export const CSV_DELIMITERS = [',', ';', ':', '|', '\t', ' '];

/** Attributes the load resource returns through `Fn::GetAtt`. */
export const LOAD_RESULT_ATTRIBUTES = ['ItemsWritten', 'ItemsSkipped', 'RecordsRejected', 'ObjectsRead', 'BytesRead', 'Seconds'] as const;

/**
 * A map keyed by names a user or a data file chooses (index, region and attribute names, tag
 * keys): no prototype, so `constructor`, `toString` or `__proto__` are ordinary keys that never
 * reach Object.prototype and never look present when they are not.
 */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * What the macro adds to a Replicas, Indexes or Load resource with LongOperationTimeoutInMinutes:
 * the pre-signed URL of its generation's WaitConditionHandle, and that WaitCondition's Timeout
 * in seconds (provider/protocol/long-operation.ts).
 */
export interface LongOperationProps {
  WaitHandle?: string;
  WaitTimeout?: number;
}
