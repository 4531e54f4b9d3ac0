/**
 * The scenario format: plain data that both backends run (test/e2e/README.md explains it).
 *
 * A scenario is a name and a sequence of steps. A step deploys an Arc template (the YAML a user
 * writes, `Transform: ArcDynamoDb` and all), deletes the stack, or acts on the world the way
 * something other than CloudFormation would (the application writing items, someone uploading
 * load data). After a step, `expect` says what must hold: the stack's status, which regions hold
 * the table, items, table settings, and (by default) that every custom-resource request was
 * answered exactly once.
 *
 * Templates are text with placeholders the runner fills in, so one scenario runs in any account:
 *   {{TableName}}  the scenario's table (unique per run; on AWS it starts with the run prefix)
 *   {{Bucket}}     the load bucket
 * Loads name their prefix with CloudFormation's own `!Sub 'arc-dynamodb/${AWS::StackName}/...'`
 * (a stack loads only objects under arc-dynamodb/<StackName>/, docs/load.md), and `upload` steps
 * write below that same prefix, so scenarios never need the stack's name.
 *
 * Regions are written as the local world's: us-east-1 (home), eu-west-1, ap-southeast-2. The AWS
 * runner maps them to the regions it is given (ARC_E2E_REGIONS), in templates and expectations.
 *
 * Local-only: a fault that only the local world can inject (holding the provider past its
 * ServiceTimeout, timing a request out at a chosen moment, delivering the same event twice) makes
 * its step local-only, and the type requires saying why (`localOnly: '<reason>'`). The AWS runner
 * skips such steps and lists them in its report; a scenario is written so that the steps left
 * still make sense without it (see README).
 */

export const HOME = 'us-east-1';
export const LOCAL_REGIONS = [HOME, 'eu-west-1', 'ap-southeast-2'] as const;

/** Attribute values as a test writes them: S, N and BOOL only (enough to see who wrote an item). */
export type Value = string | number | boolean;
export type Attributes = Record<string, Value>;

export type StackStatusExpectation =
  | 'CREATE_COMPLETE'
  | 'ROLLBACK_COMPLETE'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_ROLLBACK_COMPLETE'
  | 'UPDATE_ROLLBACK_FAILED'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED';

export interface Expectations {
  /** The stack status the step ends in. */
  status?: StackStatusExpectation;
  /** Which regions hold the table (a table that is DELETING counts as gone). */
  regions?: Record<string, boolean>;
  /** Items by hash-key value: the listed attributes must have these values; null: no such item. */
  items?: Record<string, Attributes | null>;
  /** Settings of the table in its home region. Tags are a subset match. */
  table?: { tags?: Record<string, string>; pointInTimeRecovery?: boolean; indexes?: string[] };
  /** Every custom-resource request of this step was answered exactly once (default true; local backend only). */
  answeredOnce?: boolean;
  /** The stack's event log names this text in some reason (e.g. an injected failure or a timeout). */
  reasonIncludes?: string;
  /**
   * DescribeTable in each listed Region, as the backend reads it there (null: no table there): the
   * fields given must equal what is seen (`insights`: only the keys given). See runner.ts RegionTable.
   */
  regionTables?: Record<string, Partial<RegionTableExpectation> | null>;
}

/** What a scenario may expect of one Region's table (runner.ts RegionTable). */
export interface RegionTableExpectation {
  status: string;
  consistency?: string;
  replicas: string[];
  witnesses: string[];
  deletionProtection: boolean;
  pointInTimeRecovery: boolean;
  tableClass: string;
  replicaIndexes: Record<string, Record<string, { read?: number; maxRead?: number }>>;
  insights: Record<string, string>;
}

/** Faults only the local world can inject. */
export type LocalFault =
  /** Lambda delivers the resource's next request of this type twice (at-least-once delivery). */
  | { kind: 'duplicateDelivery'; logicalId: string; requestType: 'Create' | 'Update' | 'Delete' }
  /** The provider never runs the request (held), so CloudFormation's ServiceTimeout (forced to `timeoutMs`) passes. */
  | { kind: 'holdPastTimeout'; logicalId: string; requestType: 'Create' | 'Update' | 'Delete'; timeoutMs: number }
  /** The request times out at the moment the replica in `region` is observed CREATING. */
  | { kind: 'timeoutDuringReplicaCreation'; logicalId: string; region: string };

interface StepBase {
  /** One line for the report. */
  title: string;
  expect?: Expectations;
}

export interface PlainDeployStep extends StepBase {
  kind: 'deploy';
  /** An Arc template (YAML), placeholders included. */
  template: string;
  /**
   * The logical ID of a resource (an AWS::CloudWatch::Dashboard the scenario declares) whose
   * create or update fails, so the healthy resources updated before it are rolled back. Locally
   * the engine fails it; on AWS the runner gives it an invalid DashboardBody, which PutDashboard
   * refuses. Give it DependsOn on what must be updated first (CloudFormation runs independent
   * resources in parallel).
   */
  failResource?: string;
  fault?: undefined;
  localOnly?: undefined;
}

export interface FaultyDeployStep extends Omit<PlainDeployStep, 'fault' | 'localOnly'> {
  fault: LocalFault;
  /** Why this cannot run on AWS (reported when skipped). */
  localOnly: string;
}

export type DeployStep = PlainDeployStep | FaultyDeployStep;

export interface DeleteStep extends StepBase {
  kind: 'delete';
}

/** DeleteStack while the Create of `template` is running: once the replica in `region` is CREATING. */
export interface DeleteDuringCreateStep extends StepBase {
  kind: 'deleteDuringCreate';
  template: string;
  whenReplicaCreating: string;
}

/** The application writes whole items (PutItem). */
export interface PutItemsStep extends StepBase {
  kind: 'putItems';
  items: Record<string, Attributes>;
}

/** The application changes attributes of one item (UpdateItem SET), as an application would. */
export interface AppUpdateStep extends StepBase {
  kind: 'appUpdate';
  key: string;
  set: Attributes;
}

/** Someone writes load data: a DynamoDB JSON object at arc-dynamodb/<StackName>/<key> in {{Bucket}}. */
export interface UploadStep extends StepBase {
  kind: 'upload';
  key: string;
  items: Record<string, Attributes>;
}

export type Step = DeployStep | DeleteStep | DeleteDuringCreateStep | PutItemsStep | AppUpdateStep | UploadStep;

export interface Scenario {
  name: string;
  description: string;
  /**
   * The scenario's Regions are fixed, not mapped (MRSC: the US Region set, us-east-1 home with
   * us-east-2 and us-west-2). A backend whose home Region is another is skipped, and says why.
   */
  fixedRegions?: string;
  /** The table's hash key attribute (type S). Default pk. */
  hashKey?: string;
  /** The scenario reads or writes load data: it needs a load bucket ({{Bucket}}). */
  usesLoadBucket?: boolean;
  steps: Step[];
  /**
   * A defect of the product that makes this scenario fail today: what fails and why. Such a
   * scenario stays in the data (so it is run and reported on AWS) but the jest suite leaves it
   * out until the defect is fixed.
   */
  knownDefect?: string;
}

/** Problems with a scenario's shape, before anything runs (empty when it is well formed). */
export function validateScenario(s: Scenario): string[] {
  const out: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(s.name)) out.push(`name '${s.name}' must be 1-31 characters of a-z, 0-9 and -, starting with a letter`);
  if (s.steps.length === 0) out.push('a scenario needs at least one step');
  s.steps.forEach((step, i) => {
    const at = `step ${i + 1} (${step.title})`;
    if ((step.kind === 'deploy' || step.kind === 'deleteDuringCreate') && !/\{\{TableName\}\}/.test(step.template))
      out.push(`${at}: the template must name its table {{TableName}}`);
    if (step.kind === 'deploy' && step.fault && !step.localOnly) out.push(`${at}: a step with a local fault must say why it is local-only`);
    if (step.kind === 'upload' && !s.usesLoadBucket) out.push(`${at}: uploads need usesLoadBucket: true`);
    if (step.kind === 'deploy' && /\{\{Bucket\}\}/.test(step.template) && !s.usesLoadBucket) out.push(`${at}: {{Bucket}} needs usesLoadBucket: true`);
  });
  const last = s.steps[s.steps.length - 1];
  if (last && (!last.expect?.regions || !last.expect.status)) out.push('the last step must expect the status and the regions (the final state)');
  return out;
}

/**
 * The `Orders` table most scenarios deploy (DeletionPolicy Delete, key `pk`, no monitoring), with
 * more of its Properties as YAML lines indented six spaces; `{{TableName}}` is filled per run.
 */
export function ordersTemplate(properties: string, attributes = '[{ Name: pk, Type: S }]'): string {
  return [
    '',
    'Transform: ArcDynamoDb',
    'Resources:',
    '  Orders:',
    '    Type: Arc::DynamoDB::Table',
    '    DeletionPolicy: Delete',
    '    Properties:',
    '      TableName: {{TableName}}',
    '      HashKey: pk',
    `      Attributes: ${attributes}`,
    '      Monitoring: { Enabled: false }',
    properties,
    '',
  ].join('\n');
}

/** Fills the placeholders of a template. */
export function fill(template: string, values: { TableName: string; Bucket?: string }): string {
  return template.replace(/\{\{(TableName|Bucket)\}\}/g, (_, k: 'TableName' | 'Bucket') => {
    const v = values[k];
    if (v === undefined) throw new Error(`the template uses {{${k}}} but no value was given`);
    return v;
  });
}
