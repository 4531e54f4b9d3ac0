/**
 * The AWS backend: runs the scenarios against a real account, in which the ArcDynamoDb macro and
 * the provider are already deployed (`sam deploy`, docs/deploy.md). Used by `npm run e2e:aws`
 * (scripts/e2e-aws.ts), never by `npm test`.
 *
 * - Every stack it makes is named <ARC_E2E_STACK_PREFIX><runId>-<scenario> and tagged
 *   arc-e2e-run=<runId>; every table <ARC_E2E_TABLE_PREFIX><stack name>-t. It deletes only what
 *   carries this run's prefix: its own stacks, the tables a Retain policy left behind (replicas
 *   first, one per UpdateTable, then the table), and the objects it uploaded.
 * - Arc templates are deployed as they are, `Transform: ArcDynamoDb` included: CloudFormation runs
 *   the macro (CreateStack/UpdateStack with CAPABILITY_AUTO_EXPAND, CloudFormation User Guide,
 *   "Perform custom processing on CloudFormation templates with template macros").
 * - `failResource` names an AWS::CloudWatch::Dashboard of the scenario; the backend gives it a
 *   DashboardBody that is not JSON, which PutDashboard refuses, so CloudFormation fails that
 *   resource for real (the scenario makes it depend on what must be updated first).
 * - Local faults (holding the provider, forced timeouts, duplicate delivery) are not injectable
 *   here; the runner skips those steps and reports them. Whether each request was answered exactly
 *   once cannot be observed either (CloudFormation shows no responses); the stack status stands
 *   for it.
 * - Reads are eventually consistent, so failing state checks are read again for up to
 *   `settleMs`; every wait here is bounded.
 *
 * The pure parts (configuration from the environment, names, the account check, the template
 * rewrite) are exported for test/integration/lifecycle/aws-runner.test.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import {
  BatchWriteItemCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTagsOfResourceCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { parseDocument } from 'yaml';
import { LOCAL_REGIONS, type Scenario } from './scenario';
import { regionTableOf, type Backend, type Item, type RegionTable, type ScenarioContext, type StackOutcome, type TableSettings } from './runner';

export interface AwsConfig {
  account: string;
  region: string;
  /** Local region name → this account's region (index 0 is the home region). */
  regionMap: Record<string, string>;
  stackPrefix: string;
  tablePrefix: string;
  macroStack: string;
  macroName: string;
  providerFunction: string;
  loadBucket?: string;
  scenarios?: string[];
  reportDir: string;
  runId: string;
  stackTimeoutMs: number;
  settleMs: number;
  pollMs: number;
}

const NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/** A run ID: UTC minute plus 4 random hex digits, lower case (fits stack and table names). */
export function newRunId(now = new Date(), random = randomBytes(2).toString('hex')): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}-${random}`;
}

/** The configuration from the environment, or every problem with it (nothing is called yet). */
export function parseAwsConfig(env: NodeJS.ProcessEnv, runId = newRunId()): { config?: AwsConfig; errors: string[] } {
  const errors: string[] = [];
  const account = (env.ARC_E2E_ACCOUNT ?? '').trim();
  if (!account)
    errors.push('ARC_E2E_ACCOUNT is not set: name the 12-digit AWS account ID this run may create stacks and tables in (the run refuses any other account).');
  else if (!/^\d{12}$/.test(account)) errors.push(`ARC_E2E_ACCOUNT must be a 12-digit account ID, not '${account}'.`);
  const region = (env.ARC_E2E_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1').trim();
  const regions = (env.ARC_E2E_REGIONS ?? `${region},eu-west-1,ap-southeast-2`)
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (regions.length !== LOCAL_REGIONS.length)
    errors.push(`ARC_E2E_REGIONS must list ${LOCAL_REGIONS.length} regions: the home region, then two replica regions (got '${env.ARC_E2E_REGIONS}').`);
  else if (regions[0] !== region) errors.push(`ARC_E2E_REGIONS must start with the home region ${region}, where the macro and the provider are deployed.`);
  else if (new Set(regions).size !== regions.length) errors.push('ARC_E2E_REGIONS must name three different regions.');
  for (const r of regions) if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(r)) errors.push(`'${r}' is not a region name.`);
  const stackPrefix = env.ARC_E2E_STACK_PREFIX ?? 'arc-e2e-';
  if (!NAME.test(stackPrefix) || stackPrefix.length > 40)
    errors.push(`ARC_E2E_STACK_PREFIX must start with a letter, hold only A-Z a-z 0-9 - and be at most 40 characters, not '${stackPrefix}'.`);
  const tablePrefix = env.ARC_E2E_TABLE_PREFIX ?? '';
  if (tablePrefix && !/^[A-Za-z0-9_.-]{1,100}$/.test(tablePrefix))
    errors.push(`ARC_E2E_TABLE_PREFIX must be table-name characters (A-Z a-z 0-9 _ - .), not '${tablePrefix}'.`);
  const loadBucket = env.ARC_E2E_LOAD_BUCKET?.trim() || undefined;
  if (loadBucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(loadBucket)) errors.push(`ARC_E2E_LOAD_BUCKET is not a bucket name: '${loadBucket}'.`);
  const minutes = Number(env.ARC_E2E_STACK_TIMEOUT_MINUTES ?? 90);
  if (!Number.isFinite(minutes) || minutes <= 0) errors.push('ARC_E2E_STACK_TIMEOUT_MINUTES must be a positive number.');
  if (errors.length > 0) return { errors };
  return {
    errors,
    config: {
      account,
      region,
      regionMap: Object.fromEntries(LOCAL_REGIONS.map((l, i) => [l, regions[i]])),
      stackPrefix,
      tablePrefix,
      macroStack: env.ARC_E2E_MACRO_STACK ?? 'arc-dynamodb',
      macroName: env.ARC_E2E_MACRO_NAME ?? 'ArcDynamoDb',
      providerFunction: env.ARC_E2E_PROVIDER_FUNCTION ?? 'arc-dynamodb-provider',
      ...(loadBucket ? { loadBucket } : {}),
      ...(env.ARC_E2E_SCENARIOS
        ? {
            scenarios: env.ARC_E2E_SCENARIOS.split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          }
        : {}),
      reportDir: env.ARC_E2E_REPORT_DIR ?? `e2e-report/${runId}`,
      runId,
      stackTimeoutMs: minutes * 60_000,
      settleMs: 120_000,
      pollMs: 10_000,
    },
  };
}

/** Everything this run creates starts with this. */
export const runPrefix = (c: Pick<AwsConfig, 'stackPrefix' | 'runId'>) => `${c.stackPrefix}${c.runId}-`;
export const stackNameFor = (c: Pick<AwsConfig, 'stackPrefix' | 'runId'>, scenario: string) => `${runPrefix(c)}${scenario}`;
export const tableNameFor = (c: Pick<AwsConfig, 'stackPrefix' | 'runId' | 'tablePrefix'>, scenario: string) => `${c.tablePrefix}${stackNameFor(c, scenario)}-t`;
/** Only tables whose names carry this run's prefix are ever deleted by the run. */
export const isRunTable = (c: Pick<AwsConfig, 'stackPrefix' | 'runId' | 'tablePrefix'>, name: string) => name.startsWith(`${c.tablePrefix}${runPrefix(c)}`);

/** The account in a CloudFormation stack ID (arn:<partition>:cloudformation:<region>:<account>:stack/...). */
export function accountOfStackId(stackId: string): string | undefined {
  return /^arn:[^:]+:cloudformation:[^:]+:(\d{12}):stack\//.exec(stackId)?.[1];
}

/** Refusal text when the credentials' account is not the one named, else undefined. */
export function accountMismatch(expected: string, observed: string | undefined, how: string): string | undefined {
  if (observed === undefined) return `Could not tell which account the credentials belong to (${how}); refusing to run.`;
  return observed === expected ? undefined : `The credentials belong to account ${observed} (${how}), not ARC_E2E_ACCOUNT=${expected}; refusing to run.`;
}

/** The Arc template with the configured macro name and, for failResource, a dashboard PutDashboard refuses. */
export function awsTemplate(template: string, opts: { macroName: string; failResource?: string }): string {
  const doc = parseDocument(template);
  if (opts.macroName !== 'ArcDynamoDb') doc.set('Transform', opts.macroName);
  if (opts.failResource) {
    const type = doc.getIn(['Resources', opts.failResource, 'Type']);
    if (type !== 'AWS::CloudWatch::Dashboard')
      throw new Error(`failResource ${opts.failResource}: the AWS runner can fail only an AWS::CloudWatch::Dashboard of the scenario (it is ${String(type)})`);
    // Not JSON: PutDashboard answers InvalidParameterInput, and CloudFormation fails the resource.
    doc.setIn(['Resources', opts.failResource, 'Properties', 'DashboardBody'], 'arc-e2e: this body is deliberately not JSON');
  }
  return doc.toString();
}

const TERMINAL = /(_COMPLETE|_FAILED)$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorName = (e: unknown) => (e as { name?: string }).name ?? '';
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Loads @aws-sdk/client-sts when it is installed (it is not a dependency of this project). */
function optionalSts():
  | {
      STSClient: new (c: { region: string }) => { send(c: unknown): Promise<{ Account?: string }>; destroy(): void };
      GetCallerIdentityCommand: new (i: object) => unknown;
    }
  | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@aws-sdk/client-sts');
  } catch {
    return undefined;
  }
}

export interface Preflight {
  ok: boolean;
  notes: string[];
  problems: string[];
}

export class AwsBackend implements Backend {
  readonly name = 'aws' as const;
  readonly localFaults = false;
  readonly loadBucket?: string;
  readonly regionMap: Record<string, string>;
  readonly settle: { budgetMs: number; intervalMs: number };
  private readonly cfn: CloudFormationClient;
  private readonly s3: S3Client;
  private readonly ddb = new Map<string, DynamoDBClient>();
  /** Stack name → its ID, for every stack this run created. */
  private readonly stacks = new Map<string, string>();
  private readonly tables = new Set<string>();
  private readonly objects = new Set<string>();

  constructor(readonly config: AwsConfig) {
    this.cfn = new CloudFormationClient({ region: config.region });
    this.s3 = new S3Client({ region: config.region });
    this.loadBucket = config.loadBucket;
    this.regionMap = config.regionMap;
    this.settle = { budgetMs: config.settleMs, intervalMs: 5000 };
  }

  private dynamodb(region = this.config.region): DynamoDBClient {
    let c = this.ddb.get(region);
    if (!c) this.ddb.set(region, (c = new DynamoDBClient({ region })));
    return c;
  }

  private get regions(): string[] {
    return Object.values(this.regionMap);
  }

  /** The account, the macro and the provider (and the load bucket) are what this run expects. */
  async preflight(): Promise<Preflight> {
    const c = this.config;
    const notes: string[] = [];
    const problems: string[] = [];
    let macroStack;
    try {
      macroStack = (await this.cfn.send(new DescribeStacksCommand({ StackName: c.macroStack }))).Stacks?.[0];
    } catch (e) {
      problems.push(
        `The macro stack ${c.macroStack} was not found in ${c.region} (${message(e)}). Deploy arc-dynamodb first: sam build && sam deploy (docs/deploy.md).`,
      );
    }
    const sts = optionalSts();
    if (sts) {
      const client = new sts.STSClient({ region: c.region });
      try {
        const who = await client.send(new sts.GetCallerIdentityCommand({}));
        const bad = accountMismatch(c.account, who.Account, 'STS GetCallerIdentity');
        if (bad) problems.push(bad);
        else notes.push(`account ${c.account} confirmed with STS GetCallerIdentity`);
      } finally {
        client.destroy();
      }
    } else if (macroStack?.StackId) {
      const bad = accountMismatch(c.account, accountOfStackId(macroStack.StackId), `the ID of stack ${c.macroStack}`);
      if (bad) problems.push(bad);
      else notes.push(`account ${c.account} confirmed from the ID of stack ${c.macroStack} (@aws-sdk/client-sts is not installed)`);
    } else if (!problems.length) problems.push(accountMismatch(c.account, undefined, 'no STS client and no macro stack') as string);
    if (problems.length > 0) return { ok: false, notes, problems };

    if (!macroStack || !/_COMPLETE$/.test(macroStack.StackStatus ?? '') || /ROLLBACK_COMPLETE$|^DELETE/.test(macroStack.StackStatus ?? '')) {
      problems.push(`The macro stack ${c.macroStack} is ${macroStack?.StackStatus ?? 'missing'}; deploy it with sam deploy (docs/deploy.md).`);
    } else {
      const resources = (await this.cfn.send(new DescribeStackResourcesCommand({ StackName: c.macroStack }))).StackResources ?? [];
      const macro = resources.find((r) => r.ResourceType === 'AWS::CloudFormation::Macro');
      if (!macro) problems.push(`Stack ${c.macroStack} has no AWS::CloudFormation::Macro; is it the arc-dynamodb stack (template.yaml)?`);
      else if (macro.PhysicalResourceId !== c.macroName)
        problems.push(`Stack ${c.macroStack} deploys the macro ${macro.PhysicalResourceId}, not ${c.macroName} (set ARC_E2E_MACRO_NAME).`);
      else notes.push(`macro ${c.macroName} deployed by stack ${c.macroStack} (${macroStack.StackStatus})`);
    }
    const lambda = new LambdaClient({ region: c.region });
    try {
      await lambda.send(new GetFunctionCommand({ FunctionName: c.providerFunction }));
      notes.push(`provider function ${c.providerFunction} found`);
    } catch (e) {
      problems.push(`The provider function ${c.providerFunction} was not found (${errorName(e) || message(e)}); deploy arc-dynamodb with sam deploy.`);
    } finally {
      lambda.destroy();
    }
    if (c.loadBucket) {
      try {
        await this.s3.send(new HeadBucketCommand({ Bucket: c.loadBucket, ExpectedBucketOwner: c.account }));
        notes.push(`load bucket ${c.loadBucket} found; it must be in the provider's LoadBucketNames`);
      } catch (e) {
        problems.push(`The load bucket ${c.loadBucket} is not readable in account ${c.account} (${errorName(e) || message(e)}).`);
      }
    } else notes.push('ARC_E2E_LOAD_BUCKET is not set: the scenarios that load data are skipped');
    return { ok: problems.length === 0, notes, problems };
  }

  context(s: Scenario): ScenarioContext {
    return {
      scenario: s,
      stackName: stackNameFor(this.config, s.name),
      tableName: tableNameFor(this.config, s.name),
      hashKey: s.hashKey ?? 'pk',
      ...(this.loadBucket ? { bucket: this.loadBucket } : {}),
    };
  }

  private async status(stackId: string): Promise<string> {
    return (await this.cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0]?.StackStatus ?? 'UNKNOWN';
  }

  private async waitTerminal(stackId: string, what: string): Promise<string> {
    const until = Date.now() + this.config.stackTimeoutMs;
    for (;;) {
      const s = await this.status(stackId);
      if (TERMINAL.test(s) && !s.endsWith('_IN_PROGRESS')) return s;
      if (Date.now() > until) throw new Error(`${what}: still ${s} after ${this.config.stackTimeoutMs / 60000} minutes`);
      await sleep(this.config.pollMs);
    }
  }

  /** The reasons of the stack's events since `since`, newest first. */
  private async reasons(stackId: string, since: Date): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const r = await this.cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: token }));
      const events: StackEvent[] = r.StackEvents ?? [];
      for (const e of events)
        if (e.Timestamp && e.Timestamp >= since && e.ResourceStatusReason) out.push(`${e.LogicalResourceId} ${e.ResourceStatus}: ${e.ResourceStatusReason}`);
      if (!r.NextToken || events.some((e) => e.Timestamp && e.Timestamp < since)) break;
      token = r.NextToken;
    }
    return out;
  }

  private async operate(ctx: ScenarioContext, template: string | undefined): Promise<{ stackId: string; since: Date; noUpdate?: string }> {
    const since = new Date(Date.now() - 1000);
    const existing = this.stacks.get(ctx.stackName);
    const common = { TemplateBody: template, Capabilities: ['CAPABILITY_AUTO_EXPAND' as const], Tags: [{ Key: 'arc-e2e-run', Value: this.config.runId }] };
    if (template === undefined) {
      if (!existing) throw new Error(`stack ${ctx.stackName} was not created by this run`);
      await this.cfn.send(new DeleteStackCommand({ StackName: existing }));
      return { stackId: existing, since };
    }
    if (existing && !(await this.status(existing)).startsWith('DELETE_')) {
      try {
        await this.cfn.send(new UpdateStackCommand({ StackName: existing, ...common }));
      } catch (e) {
        if (/No updates are to be performed/.test(message(e))) return { stackId: existing, since, noUpdate: message(e) };
        throw e;
      }
      return { stackId: existing, since };
    }
    this.tables.add(ctx.tableName);
    const r = await this.cfn.send(new CreateStackCommand({ StackName: ctx.stackName, OnFailure: 'ROLLBACK', ...common }));
    this.stacks.set(ctx.stackName, String(r.StackId));
    return { stackId: String(r.StackId), since };
  }

  async deploy(ctx: ScenarioContext, template: string, opts: { failResource?: string }): Promise<StackOutcome> {
    const op = await this.operate(ctx, awsTemplate(template, { macroName: this.config.macroName, failResource: opts.failResource }));
    if (op.noUpdate) return { status: await this.status(op.stackId), reasons: [op.noUpdate] };
    const status = await this.waitTerminal(op.stackId, `deploying ${ctx.stackName}`);
    return { status, reasons: await this.reasons(op.stackId, op.since) };
  }

  async deleteStack(ctx: ScenarioContext): Promise<StackOutcome> {
    const op = await this.operate(ctx, undefined);
    const status = await this.waitTerminal(op.stackId, `deleting ${ctx.stackName}`);
    return { status, reasons: await this.reasons(op.stackId, op.since) };
  }

  async deleteDuringCreate(ctx: ScenarioContext, template: string, region: string): Promise<StackOutcome> {
    const op = await this.operate(ctx, awsTemplate(template, { macroName: this.config.macroName }));
    const until = Date.now() + this.config.stackTimeoutMs;
    let seen = false;
    // DeleteStack once the replicas resource is CREATE_IN_PROGRESS and the replica is CREATING.
    while (!seen) {
      if (Date.now() > until) throw new Error(`the replica in ${region} never showed CREATING`);
      const status = await this.status(op.stackId);
      if (status !== 'CREATE_IN_PROGRESS')
        return {
          status,
          reasons: [`the Create ended (${status}) before the replica in ${region} was seen CREATING`, ...(await this.reasons(op.stackId, op.since))],
        };
      const resources = (await this.cfn.send(new DescribeStackResourcesCommand({ StackName: op.stackId }))).StackResources ?? [];
      const replicas = resources.find((r) => r.ResourceType === 'Custom::ArcDynamoDbReplicas');
      if (replicas?.ResourceStatus === 'CREATE_IN_PROGRESS') {
        const t = await this.describe(this.config.region, ctx.tableName);
        seen = (t?.Replicas ?? []).some((r) => r.RegionName === region && r.ReplicaStatus === 'CREATING');
      }
      if (!seen) await sleep(2000);
    }
    await this.cfn.send(new DeleteStackCommand({ StackName: op.stackId }));
    const status = await this.waitTerminal(op.stackId, `deleting ${ctx.stackName} during its create`);
    return { status, reasons: await this.reasons(op.stackId, op.since) };
  }

  async upload(ctx: ScenarioContext, key: string, body: string): Promise<void> {
    const k = `arc-dynamodb/${ctx.stackName}/${key}`;
    this.objects.add(k);
    await this.s3.send(new PutObjectCommand({ Bucket: this.loadBucket, Key: k, Body: body, ExpectedBucketOwner: this.config.account }));
  }

  async putItems(ctx: ScenarioContext, items: Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let request: Record<string, { PutRequest: { Item: Item } }[]> | undefined = {
        [ctx.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt >= 8) throw new Error(`BatchWriteItem on ${ctx.tableName}: items still unprocessed after 8 attempts`);
        const r = await this.dynamodb().send(new BatchWriteItemCommand({ RequestItems: request }));
        request = r.UnprocessedItems as typeof request;
        if (request && Object.keys(request).length > 0) await sleep(200 * 2 ** attempt);
      }
    }
  }

  async updateItem(ctx: ScenarioContext, key: Item, set: Item): Promise<void> {
    const names = Object.keys(set);
    await this.dynamodb().send(
      new UpdateItemCommand({
        TableName: ctx.tableName,
        Key: key,
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((k, i) => [`#a${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(names.map((k, i) => [`:v${i}`, set[k]])),
      }),
    );
  }

  async regionTable(ctx: ScenarioContext, region: string): Promise<RegionTable | undefined> {
    const t = await this.describe(region, ctx.tableName);
    if (!t) return undefined;
    const ddb = this.dynamodb(region);
    const pitr = (await ddb.send(new DescribeContinuousBackupsCommand({ TableName: ctx.tableName }))).ContinuousBackupsDescription
      ?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
    const insights: Record<string, string> = {};
    for (const index of [undefined, ...(t.GlobalSecondaryIndexes ?? []).map((g) => String(g.IndexName))]) {
      const ci = await ddb.send(new DescribeContributorInsightsCommand({ TableName: ctx.tableName, ...(index ? { IndexName: index } : {}) }));
      const on = ci.ContributorInsightsStatus === 'ENABLED' || ci.ContributorInsightsStatus === 'ENABLING';
      insights[index ?? 'table'] = on ? (ci.ContributorInsightsMode ?? 'ACCESSED_AND_THROTTLED_KEYS') : 'off';
    }
    return regionTableOf(t, pitr === 'ENABLED', insights);
  }

  private async describe(region: string, name: string): Promise<TableDescription | undefined> {
    try {
      return (await this.dynamodb(region).send(new DescribeTableCommand({ TableName: name }))).Table;
    } catch (e) {
      if (errorName(e) === 'ResourceNotFoundException') return undefined;
      throw e;
    }
  }

  async tableRegions(ctx: ScenarioContext, regions: string[]): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {};
    for (const r of regions.length ? regions : this.regions) {
      const t = await this.describe(r, ctx.tableName);
      out[r] = t !== undefined && t.TableStatus !== 'DELETING';
    }
    return out;
  }

  async readItems(ctx: ScenarioContext, keys: string[]): Promise<Record<string, Item | undefined>> {
    const out: Record<string, Item | undefined> = {};
    for (const k of keys) {
      try {
        out[k] = (await this.dynamodb().send(new GetItemCommand({ TableName: ctx.tableName, Key: { [ctx.hashKey]: { S: k } }, ConsistentRead: true }))).Item as
          | Item
          | undefined;
      } catch (e) {
        if (errorName(e) !== 'ResourceNotFoundException') throw e;
        out[k] = undefined;
      }
    }
    return out;
  }

  async tableSettings(ctx: ScenarioContext): Promise<TableSettings | undefined> {
    const t = await this.describe(this.config.region, ctx.tableName);
    if (!t) return undefined;
    const tags = (await this.dynamodb().send(new ListTagsOfResourceCommand({ ResourceArn: t.TableArn }))).Tags ?? [];
    const pitr = (await this.dynamodb().send(new DescribeContinuousBackupsCommand({ TableName: ctx.tableName }))).ContinuousBackupsDescription
      ?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
    return {
      tags: Object.fromEntries(tags.map((x) => [String(x.Key), String(x.Value)])),
      pointInTimeRecovery: pitr === 'ENABLED',
      indexes: (t.GlobalSecondaryIndexes ?? []).map((g) => String(g.IndexName)),
    };
  }

  mark(): number {
    return 0;
  }

  async answeredOnce(): Promise<undefined> {
    return undefined;
  }

  async quiesce(): Promise<void> {}

  /** Deletes a table of this run in every region: replicas first (one per UpdateTable), then the table. */
  private async deleteRunTable(name: string, notes: string[]): Promise<void> {
    if (!isRunTable(this.config, name)) throw new Error(`refusing to delete ${name}: it does not carry this run's prefix`);
    const until = Date.now() + this.config.stackTimeoutMs;
    for (;;) {
      const home = await this.describe(this.config.region, name);
      if (!home) break;
      if (Date.now() > until) throw new Error(`table ${name} still exists after ${this.config.stackTimeoutMs / 60000} minutes`);
      const replicas = (home.Replicas ?? []).filter((r) => r.RegionName && r.RegionName !== this.config.region);
      if (home.TableStatus !== 'ACTIVE' || replicas.some((r) => r.ReplicaStatus !== 'ACTIVE')) {
        await sleep(this.config.pollMs);
        continue;
      }
      const next = replicas[0];
      try {
        if (next) {
          await this.dynamodb().send(new UpdateTableCommand({ TableName: name, ReplicaUpdates: [{ Delete: { RegionName: next.RegionName } }] }));
          notes.push(`removed the replica of ${name} in ${next.RegionName}`);
        } else {
          if (home.DeletionProtectionEnabled) await this.dynamodb().send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: false }));
          await this.dynamodb().send(new DeleteTableCommand({ TableName: name }));
          notes.push(`deleted table ${name} in ${this.config.region}`);
        }
      } catch (e) {
        if (errorName(e) !== 'ResourceInUseException' && errorName(e) !== 'ResourceNotFoundException') throw e;
      }
      await sleep(this.config.pollMs);
    }
    // A replica table left in another region by itself (not in the home table's replica list).
    for (const r of this.regions.filter((x) => x !== this.config.region)) {
      if (await this.describe(r, name)) {
        await this.dynamodb(r)
          .send(new DeleteTableCommand({ TableName: name }))
          .catch((e) => notes.push(`could not delete ${name} in ${r}: ${message(e)}`));
        notes.push(`deleted table ${name} in ${r}`);
      }
    }
  }

  async cleanupScenario(ctx: ScenarioContext): Promise<string[]> {
    const notes: string[] = [];
    const id = this.stacks.get(ctx.stackName);
    if (id) {
      const s = await this.status(id);
      if (s !== 'DELETE_COMPLETE') {
        if (s.endsWith('_IN_PROGRESS')) await this.waitTerminal(id, `waiting for ${ctx.stackName}`).catch((e) => notes.push(message(e)));
        await this.cfn.send(new DeleteStackCommand({ StackName: id }));
        notes.push(`deleted stack ${ctx.stackName}: ${await this.waitTerminal(id, `deleting ${ctx.stackName}`)}`);
      }
      this.stacks.delete(ctx.stackName);
    }
    if (this.tables.has(ctx.tableName)) {
      await this.deleteRunTable(ctx.tableName, notes);
      this.tables.delete(ctx.tableName);
    }
    for (const k of [...this.objects].filter((o) => o.startsWith(`arc-dynamodb/${ctx.stackName}/`))) {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.loadBucket, Key: k, ExpectedBucketOwner: this.config.account }));
      this.objects.delete(k);
      notes.push(`deleted s3://${this.loadBucket}/${k}`);
    }
    return notes;
  }

  /** After the run: anything a failed cleanup left (every stack, table and object of this run). */
  async teardown(): Promise<string[]> {
    const notes: string[] = [];
    for (const [name, id] of [...this.stacks]) {
      try {
        if ((await this.status(id)) !== 'DELETE_COMPLETE') {
          await this.cfn.send(new DeleteStackCommand({ StackName: id }));
          notes.push(`teardown: stack ${name} ${await this.waitTerminal(id, `deleting ${name}`)}`);
        }
        this.stacks.delete(name);
      } catch (e) {
        notes.push(`teardown: could not delete stack ${name} (${id}): ${message(e)}; delete it by hand`);
      }
    }
    for (const t of [...this.tables]) {
      try {
        await this.deleteRunTable(t, notes);
        this.tables.delete(t);
      } catch (e) {
        notes.push(`teardown: could not delete table ${t}: ${message(e)}; delete it by hand`);
      }
    }
    for (const k of [...this.objects]) {
      await this.s3
        .send(new DeleteObjectCommand({ Bucket: this.loadBucket, Key: k, ExpectedBucketOwner: this.config.account }))
        .catch((e) => notes.push(`teardown: could not delete s3://${this.loadBucket}/${k}: ${message(e)}`));
      this.objects.delete(k);
    }
    return notes;
  }

  destroy(): void {
    this.cfn.destroy();
    this.s3.destroy();
    for (const c of this.ddb.values()) c.destroy();
  }
}
