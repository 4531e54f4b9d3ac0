/**
 * Every successful golden output (test/fixtures/output/<case>.json) and every example
 * (templates/examples/*, expanded here with the CLI's own code path) must be:
 *   1. clean under cfn-lint (no errors; the only warnings tolerated are listed below, with why);
 *   2. clean under the service-spec structural check;
 *   3. accepted by DynamoDB itself: each AWS::DynamoDB::Table is created in DynamoDB Local from
 *      local/native-to-api.ts, and DescribeTable must show the template's key schema, attribute
 *      definitions, indexes, projections, billing, stream and TTL.
 * Fixtures are discovered by listing the folders, so new fixtures are covered without edits here.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb-local';
import { nativeTableToApi, resolvePseudoParameters } from '../../../local/native-to-api';
import { lintTemplates, type LintMatch } from '../../support/cfn-lint';
import { checkTemplateStructure } from '../../support/service-spec';
import { ACCOUNT, discoverCases, REGION, STACK, tablesOf, templateOf } from './cases';

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

const cases = discoverCases();

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
    Projection: {
      ProjectionType: i.Projection?.ProjectionType,
      ...(i.Projection?.NonKeyAttributes ? { NonKeyAttributes: [...i.Projection.NonKeyAttributes].sort() } : {}),
    },
  };
  if (withThroughput)
    view.ProvisionedThroughput = {
      ReadCapacityUnits: Number(i.ProvisionedThroughput?.ReadCapacityUnits),
      WriteCapacityUnits: Number(i.ProvisionedThroughput?.WriteCapacityUnits),
    };
  return view;
}

const byName = (a: { IndexName?: string }, b: { IndexName?: string }) => String(a.IndexName).localeCompare(String(b.IndexName));
const byAttr = (a: { AttributeName?: string }, b: { AttributeName?: string }) => String(a.AttributeName).localeCompare(String(b.AttributeName));

/**
 * DynamoDB Local 1.25 lags DynamoDB here: it rejects a GSI key of more than one HASH and one RANGE
 * element ("Key Schema too big"), which DynamoDB accepts since November 2025 (developer guide,
 * "Multi-attribute keys pattern"; cfn-lint 1.51 accepts them too, see the cfn-lint cases above). So
 * a table with such an index is proven to be refused for that reason alone, and the rest of it
 * (keys, attributes, every other index) is then created and checked without those indexes.
 */
async function withoutMultiAttributeKeys(client: DynamoDBClient, logicalId: string, props: Props): Promise<Props> {
  const gsis = (props.GlobalSecondaryIndexes ?? []) as { KeySchema: unknown[] }[];
  const multi = gsis.filter((g) => g.KeySchema.length > 2 || g.KeySchema.filter((k) => (k as { KeyType: string }).KeyType === 'HASH').length > 1);
  if (multi.length === 0) return props;
  const plan = nativeTableToApi(logicalId, props, { defaultTableName: `${STACK}-${logicalId}-multi` });
  await expect(client.send(new CreateTableCommand(plan.create))).rejects.toMatchObject({ message: expect.stringContaining('Key Schema too big') });
  const rest = gsis.filter((g) => !multi.includes(g));
  const used = new Set(
    [
      ...(props.KeySchema as { AttributeName: string }[]),
      ...rest.flatMap((g) => g.KeySchema as { AttributeName: string }[]),
      ...((props.LocalSecondaryIndexes ?? []) as { KeySchema: { AttributeName: string }[] }[]).flatMap((l) => l.KeySchema),
    ].map((k) => k.AttributeName),
  );
  const out: Record<string, unknown> = { ...props, AttributeDefinitions: props.AttributeDefinitions.filter((a) => used.has(a.AttributeName)) };
  if (rest.length > 0) out.GlobalSecondaryIndexes = rest;
  else delete out.GlobalSecondaryIndexes;
  return out as unknown as Props;
}

describe('DynamoDB Local accepts every generated table', () => {
  let ddb: DynamoDbLocal;
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
  });
  afterAll(async () => {
    await ddb?.stop();
  });

  test.each(cases.map((c, i) => [c.name, c, i] as const))(
    '%s: tables are created with the template key schema, attributes and indexes',
    async (_name, c, i) => {
      const template = templateOf(c);
      // DynamoDB Local keeps one database per access key and region: one key per case keeps table names apart.
      const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: REGION, credentials: { accessKeyId: `case${i}`, secretAccessKey: 'x' } });
      try {
        const tables = tablesOf(template, c.params);
        expect(tables.length).toBeGreaterThan(0);
        for (const [logicalId, rawProps] of tables) {
          const conditions = (template.Conditions ?? {}) as Record<string, unknown>;
          const resolved = resolvePseudoParameters(rawProps, {
            stackName: STACK,
            region: REGION,
            accountId: ACCOUNT,
            parameters: c.params,
            conditions,
          }) as Props;
          const props = await withoutMultiAttributeKeys(client, logicalId, resolved);
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
          expect((t.GlobalSecondaryIndexes ?? []).map((g) => indexView(g as IndexShape, provisioned)).sort(byName)).toEqual(
            gsis.map((g) => indexView(g, provisioned)).sort(byName),
          );
          const lsis = (props.LocalSecondaryIndexes ?? []) as IndexShape[];
          expect((t.LocalSecondaryIndexes ?? []).map((l) => indexView(l as IndexShape, false)).sort(byName)).toEqual(
            lsis.map((l) => indexView(l, false)).sort(byName),
          );
          if (provisioned) {
            const pt = props.ProvisionedThroughput as { ReadCapacityUnits: unknown; WriteCapacityUnits: unknown };
            expect({ r: t.ProvisionedThroughput?.ReadCapacityUnits, w: t.ProvisionedThroughput?.WriteCapacityUnits }).toEqual({
              r: Number(pt.ReadCapacityUnits),
              w: Number(pt.WriteCapacityUnits),
            });
          } else {
            expect(t.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
          }
          const stream = props.StreamSpecification as { StreamViewType: string } | undefined;
          expect(t.StreamSpecification ?? null).toEqual(stream ? { StreamEnabled: true, StreamViewType: stream.StreamViewType } : null);
          expect(Boolean(t.DeletionProtectionEnabled)).toBe(String(props.DeletionProtectionEnabled) === 'true');
          const ttl = props.TimeToLiveSpecification as { Enabled: unknown; AttributeName: string } | undefined;
          const described = await client.send(new DescribeTimeToLiveCommand({ TableName: plan.tableName }));
          if (ttl && String(ttl.Enabled) === 'true')
            expect(described.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: ttl.AttributeName });
          else expect(described.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
        }
      } finally {
        client.destroy();
      }
    },
  );
});
