/**
 * Every check the macro makes, with its rule ID, in the manner of cfn-lint's rules (an ID, a short
 * description, a source URL). One entry each. The macro itself carries only the IDs (catalog.ts);
 * this file serves docs/reference.md and the tests, so descriptions cost the bundle nothing. An error always carries the ID of the check that
 * found it, and the errorMessage line ends with it: `- [Orders] HashKey: ... (ARC-E3003)`.
 *
 * IDs are grouped by their thousands digit and never reused or renumbered (users search for them):
 *   ARC-E0xxx template-wide   ARC-E1xxx schema (the resource's shape)   ARC-E2xxx values (literals and parameter Refs)
 *   ARC-E3xxx attributes and keys   ARC-E4xxx indexes   ARC-E5xxx billing   ARC-E6xxx autoscaling
 *   ARC-E7xxx replicas   ARC-E8xxx import and load   ARC-E9xxx table settings
 *
 * `stage` says where the check runs: `template` (expand.ts, across the whole template), `schema`
 * (the JSON Schema, model/schema-errors.ts), `values` (model/values.ts and model/parse.ts, while
 * parsing), `table` (a named rule in rules/index.ts, on the parsed model of one table).
 * docs/reference.md ("Rules") lists the same table; a unit test keeps the two in step.
 */
export type Stage = 'template' | 'schema' | 'values' | 'table';

export interface RuleDoc {
  readonly id: string;
  readonly name: string;
  readonly stage: Stage;
  readonly description: string;
  /** A public page that states the constraint; null when the constraint is the macro's own. */
  readonly source: string | null;
}

const CFN = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide';
const DDB = 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide';
const API = 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference';
const CFN_TABLE = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html';
const MACROS = `${CFN}/template-macros.html`;

export const CATALOG = [
  {
    id: 'ARC-E0001',
    name: 'template-shape',
    stage: 'template',
    description: 'The template is an object whose Resources (and Outputs, when present) are objects',
    source: `${CFN}/template-anatomy.html`,
  },
  {
    id: 'ARC-E0002',
    name: 'generated-ids-unique',
    stage: 'template',
    description: 'A generated logical ID equals no resource, parameter or output of the template, nor another generated ID',
    source: `${CFN}/resources-section-structure.html`,
  },
  {
    id: 'ARC-E0003',
    name: 'resource-limit',
    stage: 'template',
    description: 'The expanded template has at most 500 resources',
    source: `${CFN}/cloudformation-limits.html`,
  },
  {
    id: 'ARC-E0004',
    name: 'output-limit',
    stage: 'template',
    description: 'The expanded template has at most 200 outputs',
    source: `${CFN}/cloudformation-limits.html`,
  },
  {
    id: 'ARC-E0005',
    name: 'table-names-unique',
    stage: 'template',
    description: 'No two tables that can exist together have the same literal TableName',
    source: `${API}/API_CreateTable.html`,
  },
  {
    id: 'ARC-E0006',
    name: 'internal-error',
    stage: 'template',
    description: 'The macro failed on its own (a bug; please report it with the template)',
    source: null,
  },
  {
    id: 'ARC-E1001',
    name: 'resource-shape',
    stage: 'schema',
    description: 'The Arc resource is an object and its Properties an object',
    source: `${CFN}/resources-section-structure.html`,
  },
  {
    id: 'ARC-E1002',
    name: 'resource-attributes',
    stage: 'schema',
    description: 'Only Condition, DependsOn, Metadata, DeletionPolicy and UpdateReplacePolicy, each of its form',
    source: `${CFN}/aws-product-attribute-reference.html`,
  },
  {
    id: 'ARC-E1003',
    name: 'deletion-policies',
    stage: 'schema',
    description: 'DeletionPolicy is Delete, Retain or RetainExceptOnCreate; UpdateReplacePolicy is Delete or Retain (a table has no Snapshot)',
    source: `${CFN}/aws-attribute-deletionpolicy.html`,
  },
  {
    id: 'ARC-E1010',
    name: 'known-properties',
    stage: 'schema',
    description: 'Every property is one the schema defines (a near miss gets a "did you mean")',
    source: null,
  },
  {
    id: 'ARC-E1011',
    name: 'required-properties',
    stage: 'schema',
    description: 'Required properties are present (HashKey, Attributes, an index Name...)',
    source: null,
  },
  { id: 'ARC-E1012', name: 'value-forms', stage: 'schema', description: 'Each value has a form its property accepts (type, allowed values)', source: null },
  { id: 'ARC-E1013', name: 'list-sizes', stage: 'schema', description: 'Lists have at least (or at most) the items their property needs', source: null },
  {
    id: 'ARC-E1014',
    name: 'native-shapes',
    stage: 'schema',
    description: 'A native AWS::DynamoDB::Table shape (KeySchema, AttributeDefinitions, Tags as a list...) is written the Arc way',
    source: CFN_TABLE,
  },
  {
    id: 'ARC-E1015',
    name: 'module-variable-names',
    stage: 'schema',
    description: 'A sourcefuse/arc-dynamodb variable name (table_name) is written as its PascalCase property (TableName)',
    source: 'https://registry.terraform.io/modules/sourcefuse/arc-dynamodb/aws',
  },
  {
    id: 'ARC-E2001',
    name: 'shape-values-are-literal',
    stage: 'values',
    description: 'A shape-deciding value is a literal or a Ref to a template parameter, never another intrinsic or a pseudo parameter',
    source: MACROS,
  },
  {
    id: 'ARC-E2002',
    name: 'refs-name-parameters',
    stage: 'values',
    description: 'A shape-deciding Ref names a template parameter that has a value',
    source: MACROS,
  },
  {
    id: 'ARC-E2003',
    name: 'parameter-values-accepted',
    stage: 'values',
    description: 'The value of a parameter a shape-deciding Ref names is one the property accepts (never printed: it may be NoEcho)',
    source: `${CFN}/parameters-section-structure.html`,
  },
  {
    id: 'ARC-E2004',
    name: 'numbers-in-range',
    stage: 'values',
    description: "A literal number is within its property's range (capacities at least 1, recovery period 1-35 days...)",
    source: CFN_TABLE,
  },
  {
    id: 'ARC-E2005',
    name: 'literal-forms',
    stage: 'values',
    description: "A literal parses as its property's type (an integer, a non-empty name)",
    source: null,
  },
  {
    id: 'ARC-E3001',
    name: 'attribute-names-unique',
    stage: 'table',
    description: 'An attribute is declared once in Attributes',
    source: `${API}/API_CreateTable.html`,
  },
  {
    id: 'ARC-E3002',
    name: 'attribute-name-length',
    stage: 'table',
    description: 'Key and projected attribute names are at most 255 characters',
    source: `${DDB}/HowItWorks.NamingRulesDataTypes.html`,
  },
  {
    id: 'ARC-E3003',
    name: 'keys-declared',
    stage: 'table',
    description: 'Every key of the table and its indexes is declared in Attributes',
    source: `${API}/API_CreateTable.html`,
  },
  {
    id: 'ARC-E3004',
    name: 'attributes-used',
    stage: 'table',
    description: 'Every declared attribute is a key of the table or an index (DynamoDB rejects unused definitions)',
    source: `${API}/API_CreateTable.html`,
  },
  {
    id: 'ARC-E3005',
    name: 'keys-distinct',
    stage: 'table',
    description: 'A sort key is another attribute than its partition key',
    source: `${API}/API_KeySchemaElement.html`,
  },
  {
    id: 'ARC-E4001',
    name: 'index-counts',
    stage: 'table',
    description: 'At most 20 global and 5 local secondary indexes per table',
    source: `${DDB}/ServiceQuotas.html`,
  },
  {
    id: 'ARC-E4002',
    name: 'index-names-valid',
    stage: 'table',
    description: 'Index names are 3-255 characters of a-z A-Z 0-9 _ - .',
    source: `${DDB}/HowItWorks.NamingRulesDataTypes.html`,
  },
  { id: 'ARC-E4003', name: 'index-names-unique', stage: 'table', description: 'No two indexes of a table share a name', source: `${API}/API_CreateTable.html` },
  {
    id: 'ARC-E4004',
    name: 'index-ids-distinct',
    stage: 'table',
    description: 'Two index names never become one generated logical ID (by-a and by_a)',
    source: null,
  },
  { id: 'ARC-E4005', name: 'lsi-needs-range-key', stage: 'table', description: 'Local secondary indexes need a table RangeKey', source: `${DDB}/LSI.html` },
  {
    id: 'ARC-E4006',
    name: 'projection-non-key-attributes',
    stage: 'table',
    description: 'INCLUDE lists NonKeyAttributes; ALL and KEYS_ONLY list none (an empty list is accepted)',
    source: `${API}/API_Projection.html`,
  },
  {
    id: 'ARC-E4007',
    name: 'non-key-attributes-per-index',
    stage: 'table',
    description: 'One index projects at most 20 NonKeyAttributes',
    source: `${API}/API_Projection.html`,
  },
  {
    id: 'ARC-E4008',
    name: 'non-key-attributes-unique',
    stage: 'table',
    description: 'An index lists each NonKeyAttribute once',
    source: `${API}/API_Projection.html`,
  },
  {
    id: 'ARC-E4009',
    name: 'non-key-attributes-total',
    stage: 'table',
    description: 'All indexes of a table project at most 100 NonKeyAttributes in total',
    source: `${DDB}/ServiceQuotas.html`,
  },
  {
    id: 'ARC-E5001',
    name: 'provisioned-needs-capacity',
    stage: 'table',
    description: 'PROVISIONED needs ReadCapacity and WriteCapacity (or autoscaling to start from)',
    source: CFN_TABLE,
  },
  {
    id: 'ARC-E5002',
    name: 'capacity-needs-provisioned',
    stage: 'table',
    description: 'Capacities of the table and its GSIs are only for PROVISIONED',
    source: CFN_TABLE,
  },
  {
    id: 'ARC-E5003',
    name: 'on-demand-throughput-needs-pay-per-request',
    stage: 'table',
    description: 'OnDemandThroughput of the table and its GSIs is only for PAY_PER_REQUEST',
    source: CFN_TABLE,
  },
  {
    id: 'ARC-E6001',
    name: 'autoscaling-needs-provisioned',
    stage: 'table',
    description: 'AutoscalingEnabled needs BillingMode PROVISIONED',
    source: `${DDB}/AutoScaling.html`,
  },
  {
    id: 'ARC-E6002',
    name: 'autoscaling-needs-settings',
    stage: 'table',
    description: 'AutoscalingEnabled true sets at least one of AutoscalingRead, AutoscalingWrite, GsiAutoscalingRead, GsiAutoscalingWrite',
    source: null,
  },
  {
    id: 'ARC-E6003',
    name: 'autoscaling-settings-need-switch',
    stage: 'table',
    description: 'Autoscaling settings are only set with AutoscalingEnabled true',
    source: null,
  },
  {
    id: 'ARC-E6004',
    name: 'gsi-scaling-names-indexes',
    stage: 'table',
    description: 'Every GsiAutoscalingRead/Write key names a GSI of the table',
    source: null,
  },
  {
    id: 'ARC-E6005',
    name: 'scaling-min-max',
    stage: 'table',
    description: 'MinCapacity does not exceed MaxCapacity',
    source: 'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html',
  },
  { id: 'ARC-E6006', name: 'scaling-target-range', stage: 'table', description: 'TargetValue is 20-90 percent utilization', source: `${DDB}/AutoScaling.html` },
  {
    id: 'ARC-E6007',
    name: 'scheduled-action-schedules',
    stage: 'table',
    description:
      'A literal scheduled-action Schedule is at(yyyy-mm-ddThh:mm:ss) of a real time, rate(value unit) with a positive integer and minute(s), hour(s) ' +
      'or day(s), or cron() of six fields with ? in Day-of-month or Day-of-week',
    source: 'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html',
  },
  {
    id: 'ARC-E6008',
    name: 'scheduled-action-capacity-given',
    stage: 'table',
    description: 'A scheduled action ScalableTargetAction sets MinCapacity, MaxCapacity or both',
    source: 'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_ScalableTargetAction.html',
  },
  {
    id: 'ARC-E6009',
    name: 'scheduled-action-min-max',
    stage: 'table',
    description: 'A scheduled action MinCapacity does not exceed its MaxCapacity',
    source: 'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_ScalableTargetAction.html',
  },
  {
    id: 'ARC-E6010',
    name: 'scheduled-action-names-unique',
    stage: 'table',
    description: 'Scheduled action names are unique per scalable target (a second PutScheduledAction of a name replaces the first)',
    source: 'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html',
  },
  {
    id: 'ARC-E6011',
    name: 'scheduled-action-window',
    stage: 'table',
    description: 'A scheduled action names an IANA Timezone, and its literal StartTime comes before its EndTime',
    source: 'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html',
  },
  {
    id: 'ARC-E7001',
    name: 'replica-region-names',
    stage: 'table',
    description: 'A replica RegionName is a region name such as us-west-2',
    source: `${DDB}/GlobalTables.html`,
  },
  {
    id: 'ARC-E7002',
    name: 'replica-regions-remote',
    stage: 'table',
    description: "No replica is in the stack's own region (the table itself is the replica there)",
    source: `${DDB}/GlobalTables.html`,
  },
  { id: 'ARC-E7003', name: 'replica-regions-unique', stage: 'table', description: 'A region holds at most one replica', source: `${DDB}/GlobalTables.html` },
  {
    id: 'ARC-E7004',
    name: 'replica-kms-key-arns',
    stage: 'table',
    description: 'A replica KmsKeyArn is a key ARN (DescribeTable reports the ARN, so an alias never matches)',
    source: 'https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1802',
  },
  {
    id: 'ARC-E7005',
    name: 'replica-kms-key-regions',
    stage: 'table',
    description: "A replica's key is in the replica's own region",
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-globaltable-replicassespecification.html',
  },
  {
    id: 'ARC-E7006',
    name: 'replicas-need-stream',
    stage: 'table',
    description: 'StreamEnabled is not false with ReplicaRegions (replication reads the stream)',
    source: `${DDB}/GlobalTables.html`,
  },
  {
    id: 'ARC-E7007',
    name: 'replicas-need-new-and-old-images',
    stage: 'table',
    description: 'StreamViewType, literal or from a parameter, is NEW_AND_OLD_IMAGES with ReplicaRegions',
    source: `${DDB}/GlobalTables.html`,
  },
  {
    id: 'ARC-E7008',
    name: 'replica-capacity-matches-billing',
    stage: 'table',
    description: "A replica ReadCapacity (its own or an index's) is for PROVISIONED, MaxReadRequestUnits for PAY_PER_REQUEST",
    source: `${DDB}/GlobalTables.html`,
  },
  {
    id: 'ARC-E7009',
    name: 'provisioned-replicas-need-write-autoscaling',
    stage: 'table',
    description: 'A PROVISIONED table with replicas autoscales its writes',
    source: `${DDB}/GlobalTables.html`,
  },
  {
    id: 'ARC-E7010',
    name: 'wait-for-replication-needs-replicas',
    stage: 'table',
    description: 'WaitForReplication is only set with ReplicaRegions',
    source: null,
  },
  {
    id: 'ARC-E7011',
    name: 'provisioned-replica-indexes-need-write-autoscaling',
    stage: 'table',
    description: 'Every GSI of a PROVISIONED table with replicas autoscales its writes (GsiAutoscalingWrite)',
    source: `${DDB}/V2globaltables_reqs_bestpractices.html`,
  },
  {
    id: 'ARC-E7012',
    name: 'consistency-needs-replicas',
    stage: 'table',
    description: 'MultiRegionConsistency is only set with ReplicaRegions, and GlobalTableWitnesses only with MultiRegionConsistency: STRONG',
    source: `${API}/API_GlobalTableWitnessGroupUpdate.html`,
  },
  {
    id: 'ARC-E7013',
    name: 'mrsc-regions',
    stage: 'table',
    description:
      "MultiRegionConsistency: STRONG spans exactly three Regions (the stack's, and two replicas or a replica and a witness), all in one " +
      'Region set (US, EU or AP), the witness in none of the replica Regions',
    source: `${API}/API_CreateGlobalTableWitnessGroupMemberAction.html`,
  },
  {
    id: 'ARC-E7014',
    name: 'mrsc-unsupported-features',
    stage: 'table',
    description:
      'MultiRegionConsistency: STRONG has no TTL and no local secondary indexes, and no ImportTable or CopyFrom (MRSC is enabled on an empty table only)',
    source: `${DDB}/V2globaltables_HowItWorks.html#V2globaltables_HowItWorks.consistency-modes`,
  },
  {
    id: 'ARC-E7015',
    name: 'replica-indexes-name-indexes',
    stage: 'table',
    description: "Each IndexName of a replica's GlobalSecondaryIndexes names a GSI of the table, at most once per replica",
    source: `${CFN}/aws-properties-dynamodb-globaltable-replicaglobalsecondaryindexspecification.html`,
  },
  {
    id: 'ARC-E7016',
    name: 'replica-insights-mode-needs-insights',
    stage: 'table',
    description: "A replica's (or a replica index's) ContributorInsightsMode is only set where ContributorInsightsEnabled is true",
    source: `${API}/API_UpdateContributorInsights.html`,
  },
  { id: 'ARC-E8001', name: 'load-prefix-bound', stage: 'table', description: "A Load KeyPrefix lies under arc-dynamodb/<the stack's name>/", source: null },
  {
    id: 'ARC-E8002',
    name: 'import-without-lsi',
    stage: 'table',
    description: 'ImportTable (and so CopyFrom) creates no local secondary indexes',
    source: `${API}/API_ImportTable.html`,
  },
  {
    id: 'ARC-E8003',
    name: 'csv-options-need-csv',
    stage: 'table',
    description: 'InputFormatOptions (of ImportTable or Load) are only for InputFormat CSV',
    source: `${API}/API_InputFormatOptions.html`,
  },
  {
    id: 'ARC-E8004',
    name: 'copy-from-alone',
    stage: 'table',
    description: 'CopyFrom is not combined with ImportTable or AdoptExistingTable',
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html',
  },
  {
    id: 'ARC-E8005',
    name: 'copy-from-values',
    stage: 'table',
    description: "CopyFrom's SourceTableArn is a table ARN, ExportTime an ISO 8601 time, S3SseKmsKeyId only with S3SseAlgorithm KMS",
    source: `${API}/API_ExportTableToPointInTime.html`,
  },
  {
    id: 'ARC-E9001',
    name: 'table-name-valid',
    stage: 'table',
    description: 'A literal TableName is 3-255 characters of a-z A-Z 0-9 _ - .',
    source: `${DDB}/HowItWorks.NamingRulesDataTypes.html`,
  },
  {
    id: 'ARC-E9002',
    name: 'settings-need-their-switch',
    stage: 'table',
    description: 'A setting whose switch is literally off (or left at an off default) is an error, never ignored',
    source: null,
  },
  {
    id: 'ARC-E9003',
    name: 'gsi-insights-name-indexes',
    stage: 'table',
    description: 'Every GsiContributorInsightsEnabled key names a GSI of the table',
    source: null,
  },
  {
    id: 'ARC-E9004',
    name: 'insights-mode-needs-insights',
    stage: 'table',
    description: 'ContributorInsightsMode is only set when insights can be on somewhere (a parameter switch keeps it inert)',
    source: CFN_TABLE,
  },
  { id: 'ARC-E9005', name: 'adoption-names-the-table', stage: 'table', description: 'AdoptExistingTable needs TableName and equals it', source: null },
  {
    id: 'ARC-E9006',
    name: 'tag-count',
    stage: 'table',
    description: 'At most 49 user tags (DynamoDB allows 50; the macro adds the ownership tag)',
    source: `${DDB}/Tagging.html`,
  },
  {
    id: 'ARC-E9007',
    name: 'tag-keys-and-values',
    stage: 'table',
    description: 'Tag keys are 1-128 characters, not aws: and not the ownership tag; values are at most 256 characters',
    source: `${DDB}/Tagging.html`,
  },
  {
    id: 'ARC-E9008',
    name: 'alarm-periods',
    stage: 'table',
    description: 'An alarm Period is a positive multiple of 60 seconds (DynamoDB publishes 1-minute metrics)',
    source: `${DDB}/metrics-dimensions.html`,
  },
  {
    id: 'ARC-E9009',
    name: 'alarm-datapoints',
    stage: 'table',
    description: 'EvaluationPeriods and DatapointsToAlarm are whole numbers >= 1, DatapointsToAlarm at most EvaluationPeriods',
    source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html',
  },
  {
    id: 'ARC-E9010',
    name: 'alarm-evaluation-window',
    stage: 'table',
    description: 'EvaluationPeriods x Period is at most one day',
    source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html',
  },
  { id: 'ARC-E9011', name: 'alarm-thresholds', stage: 'table', description: 'An alarm Threshold is a number >= 0', source: null },
  { id: 'ARC-E9012', name: 'output-groups-unique', stage: 'table', description: 'Outputs.Include names each group once', source: null },
  {
    id: 'ARC-E9013',
    name: 'output-groups-apply',
    stage: 'table',
    description: 'Each Outputs.Include group has something to give (Stream needs a stream, Indexes indexes, Replicas ReplicaRegions, Autoscaling autoscaling)',
    source: null,
  },
] as const satisfies readonly RuleDoc[];

export type CatalogName = (typeof CATALOG)[number]['name'];
