/**
 * Every successful golden output (test/fixtures/output/<case>.json) and every example
 * (templates/examples/*, expanded here with the CLI's own code path) must be:
 *   1. clean under cfn-lint (no errors; the only warnings tolerated are listed below, with why);
 *   2. clean under the service-spec structural check;
 *   3. accepted by DynamoDB itself: each AWS::DynamoDB::Table is created in DynamoDB Local from
 *      common/native-to-api.ts, and DescribeTable must show the template's key schema, attribute
 *      definitions, indexes, projections, billing, stream and TTL.
 * Fixtures are discovered by listing the folders, so new fixtures are covered without edits here.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { expandLoaded, loadTemplate } from '../../../cli/commands/expand';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../common/dynamodb-local';
import { nativeTableToApi, resolvePseudoParameters } from '../../../common/native-to-api';
import { lintTemplates, type LintMatch } from '../../support/cfn-lint';
import { checkTemplateStructure } from '../../support/service-spec';

const root = join(__dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures');
const examplesDir = join(root, 'templates', 'examples');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const STACK = 'arc-test';

/**
 * cfn-lint findings tolerated in generated templates. Everything else (every E*, W* and I*
 * finding) fails the test.
 */
const TOLERATED: Record<string, string> = {
  W2001:
    'Parameter not used: the macro resolves shape-deciding Refs (BillingMode, the *Enabled flags, key names, StreamViewType) ' +
    'to their values at expansion time, so a parameter used only there no longer appears in the expanded template. ' +
    'CloudFormation accepts unused parameters.',
};

interface Case {
  name: string;
  template?: Record<string, unknown>;
  /** Template parameter values: the fixture's <case>.params.json, then the parameters' Defaults. */
  params: Record<string, unknown>;
  /** Why the case has no template (an example that did not expand). */
  error?: string;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function defaults(template: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const params = (template.Parameters ?? {}) as Record<string, { Default?: unknown }>;
  for (const [k, p] of Object.entries(params)) if (p && p.Default !== undefined) out[k] = p.Default;
  return out;
}

function discover(): Case[] {
  const cases: Case[] = [];
  const outDir = join(fixtures, 'output');
  const outputs = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.json') && !f.startsWith('error_')).sort() : [];
  for (const f of outputs) {
    const name = f.replace(/\.json$/, '');
    const template = readJson(join(outDir, f)) as Record<string, unknown>;
    const paramsFile = join(fixtures, 'input', `${name}.params.json`);
    const given = existsSync(paramsFile) ? (readJson(paramsFile) as Record<string, unknown>) : {};
    cases.push({ name: `fixture ${name}`, template, params: { ...defaults(template), ...given } });
  }
  const examples = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort() : [];
  for (const f of examples) {
    const io = { stdout: process.stdout, stderr: process.stderr, cwd: examplesDir, env: {} };
    try {
      const loaded = loadTemplate(f, io);
      const result = expandLoaded(loaded, { params: {}, region: REGION, accountId: ACCOUNT });
      if (result.ok) cases.push({ name: `example ${f}`, template: result.fragment, params: defaults(loaded.template) });
      else cases.push({ name: `example ${f}`, params: {}, error: result.errorMessage });
    } catch (e) {
      cases.push({ name: `example ${f}`, params: {}, error: (e as Error).message });
    }
  }
  return cases;
}

const cases = discover();

function templateOf(c: Case): Record<string, unknown> {
  if (!c.template) throw new Error(`${c.name} did not expand: ${c.error}`);
  return c.template;
}

test('the golden outputs and the examples are found', () => {
  expect(cases.filter((c) => c.name.startsWith('fixture ')).length).toBeGreaterThan(0);
  expect(cases.filter((c) => c.name.startsWith('example ')).length).toBeGreaterThan(0);
});

describe('cfn-lint', () => {
  let lint: Record<string, LintMatch[]>;
  beforeAll(async () => {
    const templates: Record<string, unknown> = {};
    for (const c of cases) if (c.template) templates[c.name] = c.template;
    lint = await lintTemplates(templates, { regions: [REGION], processes: 2 });
    // ~1 s per large template on a busy 2-core machine; the default test timeout is too short for 50+ templates.
  }, 600_000);

  test.each(cases.map((c) => [c.name, c] as const))('%s has no cfn-lint findings', (_name, c) => {
    templateOf(c);
    expect(lint[c.name].filter((m) => !(m.rule in TOLERATED))).toEqual([]);
  });
});

describe('service-spec structure', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s has no structural findings', (_name, c) => {
    expect(checkTemplateStructure(templateOf(c))).toEqual([]);
  });
});

type Props = Record<string, unknown> & {
  KeySchema: { AttributeName: string; KeyType: string }[];
  AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
};

function tablesOf(template: Record<string, unknown>): [string, Record<string, unknown>][] {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

interface IndexShape {
  IndexName?: string;
  KeySchema?: unknown;
  Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] };
  ProvisionedThroughput?: { ReadCapacityUnits?: unknown; WriteCapacityUnits?: unknown };
}

/** What DescribeTable should echo for an index, in a comparable form. */
function indexView(i: IndexShape, withThroughput: boolean) {
  const view: Record<string, unknown> = {
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: { ProjectionType: i.Projection?.ProjectionType, ...(i.Projection?.NonKeyAttributes ? { NonKeyAttributes: [...i.Projection.NonKeyAttributes].sort() } : {}) },
  };
  if (withThroughput) view.ProvisionedThroughput = { ReadCapacityUnits: Number(i.ProvisionedThroughput?.ReadCapacityUnits), WriteCapacityUnits: Number(i.ProvisionedThroughput?.WriteCapacityUnits) };
  return view;
}

const byName = (a: { IndexName?: string }, b: { IndexName?: string }) => String(a.IndexName).localeCompare(String(b.IndexName));
const byAttr = (a: { AttributeName?: string }, b: { AttributeName?: string }) => String(a.AttributeName).localeCompare(String(b.AttributeName));

describe('DynamoDB Local accepts every generated table', () => {
  let ddb: DynamoDbLocal;
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
  });
  afterAll(async () => {
    await ddb?.stop();
  });

  test.each(cases.map((c, i) => [c.name, c, i] as const))('%s: tables are created with the template key schema, attributes and indexes', async (_name, c, i) => {
    const template = templateOf(c);
    // DynamoDB Local keeps one database per access key and region: one key per case keeps table names apart.
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: REGION, credentials: { accessKeyId: `case${i}`, secretAccessKey: 'x' } });
    try {
      const tables = tablesOf(template);
      expect(tables.length).toBeGreaterThan(0);
      for (const [logicalId, rawProps] of tables) {
        const conditions = (template.Conditions ?? {}) as Record<string, unknown>;
        const props = resolvePseudoParameters(rawProps, { stackName: STACK, region: REGION, accountId: ACCOUNT, parameters: c.params, conditions }) as Props;
        const plan = nativeTableToApi(logicalId, props, { defaultTableName: `${STACK}-${logicalId}` });
        const created = await client.send(new CreateTableCommand(plan.create));
        expect(created.TableDescription?.TableStatus).toBe('ACTIVE');
        // DynamoDB Local implements UpdateTimeToLive but none of the other follow-up calls (tags, PITR, insights, Kinesis).
        for (const f of plan.followUps) if (f.kind === 'UpdateTimeToLive') await client.send(new UpdateTimeToLiveCommand(f.input));

        const { Table: t } = (await client.send(new DescribeTableCommand({ TableName: plan.tableName }))) as { Table: TableDescription };
        const provisioned = props.BillingMode === 'PROVISIONED';
        expect({ id: logicalId, KeySchema: t.KeySchema }).toEqual({ id: logicalId, KeySchema: props.KeySchema });
        expect([...(t.AttributeDefinitions ?? [])].sort(byAttr)).toEqual([...props.AttributeDefinitions].sort(byAttr));
        const gsis = (props.GlobalSecondaryIndexes ?? []) as IndexShape[];
        expect((t.GlobalSecondaryIndexes ?? []).map((g) => indexView(g as IndexShape, provisioned)).sort(byName)).toEqual(gsis.map((g) => indexView(g, provisioned)).sort(byName));
        const lsis = (props.LocalSecondaryIndexes ?? []) as IndexShape[];
        expect((t.LocalSecondaryIndexes ?? []).map((l) => indexView(l as IndexShape, false)).sort(byName)).toEqual(lsis.map((l) => indexView(l, false)).sort(byName));
        if (provisioned) {
          const pt = props.ProvisionedThroughput as { ReadCapacityUnits: unknown; WriteCapacityUnits: unknown };
          expect({ r: t.ProvisionedThroughput?.ReadCapacityUnits, w: t.ProvisionedThroughput?.WriteCapacityUnits }).toEqual({ r: Number(pt.ReadCapacityUnits), w: Number(pt.WriteCapacityUnits) });
        } else {
          expect(t.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
        }
        const stream = props.StreamSpecification as { StreamViewType: string } | undefined;
        expect(t.StreamSpecification ?? null).toEqual(stream ? { StreamEnabled: true, StreamViewType: stream.StreamViewType } : null);
        expect(Boolean(t.DeletionProtectionEnabled)).toBe(String(props.DeletionProtectionEnabled) === 'true');
        const ttl = props.TimeToLiveSpecification as { Enabled: unknown; AttributeName: string } | undefined;
        const described = await client.send(new DescribeTimeToLiveCommand({ TableName: plan.tableName }));
        if (ttl && String(ttl.Enabled) === 'true') expect(described.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: ttl.AttributeName });
        else expect(described.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
      }
    } finally {
      client.destroy();
    }
  });
});
