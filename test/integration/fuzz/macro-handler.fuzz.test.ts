/**
 * Fuzzes the macro Lambda handler with thousands of random and malformed events and fragments.
 * Whatever comes in, the handler must:
 *   - never throw or reject, and always echo the requestId with status success or failure;
 *   - never return success with an invalid template: every success is checked with the
 *     service-spec structural walker, must contain no Arc resource, and a sample of distinct
 *     successes is linted with cfn-lint in one batch;
 *   - on failure, name the failing Arc resource's logical ID (`[LogicalId]`), and only Arc IDs.
 * The runs are bounded (a few seconds). The seed is fixed for reproducible CI; set FUZZ_SEED to
 * explore others (fast-check prints the seed and the shrunk counterexample on failure).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseTemplate } from '../../../cli/yaml';
import { handler } from '../../../macro/handler';
import { lintTemplates } from '../../support/cfn-lint';
import { checkTemplateStructure } from '../../support/service-spec';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** How many distinct successful outputs are linted (cfn-lint takes ~1 s per large template). */
const SAMPLE = 6;
const PARAMS = { Env: 'dev', Mode: 'PROVISIONED', Flag: 'true', Name: 'pk' };

// The handler logs one JSON line per call; thousands of them would drown the test output.
let writeSpy: jest.SpyInstance;
beforeAll(() => {
  writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterAll(() => writeSpy.mockRestore());

function event(fragment: unknown, requestId: string): Record<string, unknown> {
  return { region: REGION, accountId: ACCOUNT, fragment, transformId: `${ACCOUNT}::ArcDynamoDb`, params: {}, requestId, templateParameterValues: PARAMS };
}

/** Intrinsics that resolve in the fuzz template (so a success that copies them stays lint-clean). */
const intrinsic = fc.constantFrom<unknown>(
  { Ref: 'Env' },
  { 'Fn::Sub': '${AWS::StackName}-x' },
  { 'Fn::ImportValue': 'shared-value' },
  { 'Fn::If': ['IsProd', 'a', 'b'] },
  { 'Fn::GetAtt': ['Other', 'Arn'] },
  { Ref: 'Missing' },
);

/** Values of the wrong type or out of range, including the string forms CloudFormation delivers. */
const junk = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -3, max: 100000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('5', '0', '-1', 'true', 'false', 'yes', '', ' ', 'ALL', 'S'),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  intrinsic,
);

/** Mostly valid values, sometimes junk. */
const v = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 10, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: junk });

const ATTRS = ['pk', 'sk', 'g1', 'g2', 'lsk'];
const INDEXES = ['gsi1', 'by-status', 'idx.2', 'lsi_a'];
const attrName = fc.constantFrom(...ATTRS);
const flag = v(fc.constantFrom<unknown>(true, false, 'true', 'false', { Ref: 'Flag' }));
const capacity = v(fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constantFrom<unknown>('5', { Ref: 'Env' })));
const projection = v(fc.constantFrom('ALL', 'KEYS_ONLY', 'INCLUDE'));
const scaling = v(
  fc.record(
    {
      MaxCapacity: capacity,
      MinCapacity: capacity,
      TargetValue: v(fc.integer({ min: 20, max: 90 })),
      ScaleInCooldown: v(fc.nat(300)),
      ScaleOutCooldown: v(fc.nat(300)),
    },
    { requiredKeys: [] },
  ),
);
const scalingMap = v(fc.dictionary(fc.constantFrom(...INDEXES, 'nope'), scaling, { maxKeys: 3 }));
const nonKey = v(fc.array(fc.constantFrom('a', 'b', 'c', 'pk'), { maxLength: 3 }));

const gsi = v(
  fc.record(
    {
      Name: v(fc.constantFrom(...INDEXES)),
      HashKey: v(attrName),
      RangeKey: v(attrName),
      ProjectionType: projection,
      NonKeyAttributes: nonKey,
      ReadCapacity: capacity,
      WriteCapacity: capacity,
    },
    { requiredKeys: ['Name', 'HashKey'] },
  ),
);
const lsi = v(
  fc.record(
    { Name: v(fc.constantFrom(...INDEXES)), RangeKey: v(attrName), ProjectionType: projection, NonKeyAttributes: nonKey },
    { requiredKeys: ['Name', 'RangeKey'] },
  ),
);

const PROPERTY_KEYS = {
  TableName: v(fc.oneof(fc.constantFrom('orders', 'a.b-c_d'), intrinsic)),
  BillingMode: v(fc.constantFrom<unknown>('PAY_PER_REQUEST', 'PROVISIONED', { Ref: 'Mode' })),
  TableClass: v(fc.constantFrom('STANDARD', 'STANDARD_INFREQUENT_ACCESS')),
  DeletionProtectionEnabled: flag,
  HashKey: v(fc.oneof(attrName, fc.constant<unknown>({ Ref: 'Name' }))),
  RangeKey: v(attrName),
  Attributes: v(fc.array(v(fc.record({ Name: v(attrName), Type: v(fc.constantFrom('S', 'N', 'B')) })), { minLength: 1, maxLength: 5 })),
  ReadCapacity: capacity,
  WriteCapacity: capacity,
  AutoscalingEnabled: flag,
  AutoscalingRead: scaling,
  AutoscalingWrite: scaling,
  GsiAutoscalingRead: scalingMap,
  GsiAutoscalingWrite: scalingMap,
  GlobalSecondaryIndexes: v(fc.array(gsi, { maxLength: 3 })),
  LocalSecondaryIndexes: v(fc.array(lsi, { maxLength: 2 })),
  TtlEnabled: flag,
  TtlAttributeName: v(fc.constantFrom('ttl', 'expires')),
  StreamEnabled: flag,
  StreamViewType: v(fc.constantFrom('KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES')),
  ServerSideEncryptionEnabled: flag,
  ServerSideEncryptionKmsKeyArn: v(fc.oneof(fc.constant('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'), intrinsic)),
  PointInTimeRecoveryEnabled: flag,
  PointInTimeRecoveryPeriodInDays: v(fc.integer({ min: 0, max: 40 })),
  TableContributorInsightsEnabled: flag,
  GsiContributorInsightsEnabled: v(fc.dictionary(fc.constantFrom(...INDEXES, 'nope'), flag, { maxKeys: 2 })),
  ContributorInsightsMode: v(fc.constantFrom('ACCESSED_AND_THROTTLED_KEYS', 'THROTTLED_KEYS')),
  ReplicaRegions: v(
    fc.array(v(fc.record({ RegionName: v(fc.constantFrom('eu-west-1', 'us-west-2', 'us-east-1')), PropagateTags: flag }, { requiredKeys: ['RegionName'] })), {
      maxLength: 2,
    }),
  ),
  Tags: v(fc.dictionary(fc.constantFrom('team', 'env', 'aws:x', 'cost-center'), v(fc.oneof(fc.constantFrom('core', 'dev'), intrinsic)), { maxKeys: 3 })),
  OnDemandThroughput: v(fc.record({ MaxReadRequestUnits: capacity, MaxWriteRequestUnits: capacity }, { requiredKeys: [] })),
  WarmThroughput: v(
    fc.record(
      { ReadUnitsPerSecond: v(fc.integer({ min: 12000, max: 40000 })), WriteUnitsPerSecond: v(fc.integer({ min: 4000, max: 40000 })) },
      { requiredKeys: [] },
    ),
  ),
  Outputs: v(fc.oneof(fc.boolean(), fc.record({ ExportPrefix: fc.constantFrom('app', 'svc') }))),
};
const properties = fc.record(PROPERTY_KEYS, { requiredKeys: [] });

/** A coherent table (keys, attributes and indexes agree; capacities match the billing mode). */
const coherent = fc
  .record({
    billing: fc.constantFrom('PAY_PER_REQUEST', 'PROVISIONED'),
    range: fc.boolean(),
    gsis: fc.subarray(['gsi1', 'by-status']),
    gsiRange: fc.boolean(),
    lsi: fc.boolean(),
    projection: fc.constantFrom('ALL', 'KEYS_ONLY', 'INCLUDE'),
    autoscaling: fc.boolean(),
    ttl: fc.boolean(),
    stream: fc.option(fc.constantFrom('KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES')),
    kms: fc.option(fc.oneof(fc.constant('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'), intrinsic)),
    pitr: fc.option(fc.boolean()),
    insights: fc.boolean(),
    tableName: fc.option(fc.oneof(fc.constantFrom('orders', 'a.b-c_d'), intrinsic)),
    tags: fc.dictionary(fc.constantFrom('team', 'env', 'cost-center'), fc.oneof(fc.constantFrom('core', 'dev'), intrinsic), { maxKeys: 3 }),
    outputs: fc.option(fc.oneof(fc.boolean(), fc.record({ ExportPrefix: fc.constantFrom('app', 'svc') }))),
    deletionProtection: fc.option(fc.boolean()),
    tableClass: fc.option(fc.constantFrom('STANDARD', 'STANDARD_INFREQUENT_ACCESS')),
    replicas: fc.subarray(['eu-west-1', 'us-west-2'], { maxLength: 1 }),
  })
  .map((c) => {
    const provisioned = c.billing === 'PROVISIONED';
    const range = c.range || c.lsi;
    const attrs = [{ Name: 'pk', Type: 'S' }];
    const p: Record<string, unknown> = { HashKey: 'pk', BillingMode: c.billing };
    if (range) {
      p.RangeKey = 'sk';
      attrs.push({ Name: 'sk', Type: 'N' });
    }
    if (provisioned) Object.assign(p, { ReadCapacity: 5, WriteCapacity: '5' });
    if (c.gsis.length > 0) {
      p.GlobalSecondaryIndexes = c.gsis.map((name, i) => ({
        Name: name,
        HashKey: `g${i + 1}`,
        ...(c.gsiRange ? { RangeKey: 'pk' } : {}),
        ProjectionType: c.projection,
        ...(c.projection === 'INCLUDE' ? { NonKeyAttributes: ['a', 'b'] } : {}),
        ...(provisioned ? { ReadCapacity: 2, WriteCapacity: 2 } : {}),
      }));
      c.gsis.forEach((_n, i) => attrs.push({ Name: `g${i + 1}`, Type: 'S' }));
    }
    if (c.lsi) {
      p.LocalSecondaryIndexes = [{ Name: 'lsi_a', RangeKey: 'lsk', ProjectionType: 'KEYS_ONLY' }];
      attrs.push({ Name: 'lsk', Type: 'S' });
    }
    p.Attributes = attrs;
    if (provisioned && c.autoscaling) {
      const scale = { MaxCapacity: 50, MinCapacity: 5 };
      Object.assign(p, { AutoscalingEnabled: true, AutoscalingRead: scale, AutoscalingWrite: scale });
      if (c.gsis.length > 0) p.GsiAutoscalingRead = { [c.gsis[0]]: scale };
    }
    if (c.ttl) Object.assign(p, { TtlEnabled: 'true', TtlAttributeName: 'expires' });
    if (c.stream || c.replicas.length > 0) Object.assign(p, { StreamEnabled: true, StreamViewType: c.replicas.length > 0 ? 'NEW_AND_OLD_IMAGES' : c.stream });
    if (c.kms !== null) p.ServerSideEncryptionKmsKeyArn = c.kms;
    if (c.pitr !== null) p.PointInTimeRecoveryEnabled = c.pitr;
    if (c.insights)
      Object.assign(p, { TableContributorInsightsEnabled: true, ...(c.gsis.length > 0 ? { GsiContributorInsightsEnabled: { [c.gsis[0]]: false } } : {}) });
    if (c.tableName !== null) p.TableName = c.tableName;
    if (Object.keys(c.tags).length > 0) p.Tags = c.tags;
    if (c.outputs !== null) p.Outputs = c.outputs;
    if (c.deletionProtection !== null) p.DeletionProtectionEnabled = c.deletionProtection;
    if (c.tableClass !== null) p.TableClass = c.tableClass;
    if (c.replicas.length > 0) {
      p.ReplicaRegions = c.replicas.map((RegionName) => ({ RegionName }));
      if (provisioned && !c.autoscaling) Object.assign(p, { AutoscalingEnabled: true, AutoscalingWrite: { MaxCapacity: 20 } });
    }
    return p;
  });

/** A coherent table with zero to two properties deleted, replaced by junk or taken from the random pool. */
const nearlyValid = fc
  .tuple(
    coherent,
    properties,
    fc.array(fc.record({ key: fc.constantFrom(...Object.keys(PROPERTY_KEYS), 'Bogus'), op: fc.constantFrom('delete', 'junk', 'random'), value: junk }), {
      maxLength: 2,
    }),
  )
  .map(([props, random, mutations]) => {
    const out: Record<string, unknown> = { ...props };
    for (const m of mutations) {
      if (m.op === 'delete') delete out[m.key];
      else if (m.op === 'junk') out[m.key] = m.value;
      else if (m.key in random) out[m.key] = (random as Record<string, unknown>)[m.key];
    }
    return out;
  });

const logicalId = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,10}$/).filter((id) => id !== 'Other');

const resourceAttributes = fc.record(
  {
    Condition: fc.constant('IsProd'),
    DependsOn: fc.constant('Other'),
    DeletionPolicy: fc.constantFrom('Delete', 'Retain', 'Snapshot'),
    Metadata: fc.constant({ Owner: 'team' }),
  },
  { requiredKeys: [] },
);

function template(resources: Record<string, unknown>): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Env: { Type: 'String' }, Mode: { Type: 'String' }, Flag: { Type: 'String' }, Name: { Type: 'String' }, Missing: { Type: 'String' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
    Resources: { ...resources, Other: { Type: 'AWS::SQS::Queue' } },
  };
}

function hasArcResource(fragment: unknown): boolean {
  const resources = (fragment as { Resources?: Record<string, { Type?: unknown }> }).Resources ?? {};
  return Object.values(resources).some((r) => typeof r?.Type === 'string' && r.Type.startsWith('Arc::'));
}

/** The logical IDs an errorMessage names (`- [Id] path: message` lines). */
function namedIds(errorMessage: string): string[] {
  return [...errorMessage.matchAll(/^- \[([^\]]+)\]/gm)].map((m) => m[1]);
}

/** Distinct successful outputs, linted together at the end. */
const successes = new Map<string, unknown>();
const stats = { success: 0, failure: 0 };

async function checkResponse(fragment: unknown, arcIds: string[], requestId: string): Promise<void> {
  const response = await handler(event(fragment, requestId));
  expect(response.requestId).toBe(requestId);
  if (response.status === 'success') {
    stats.success++;
    expect(response.errorMessage).toBeUndefined();
    expect(hasArcResource(response.fragment)).toBe(false);
    expect(checkTemplateStructure(response.fragment)).toEqual([]);
    const key = JSON.stringify(response.fragment);
    if (successes.size < SAMPLE && !successes.has(key)) successes.set(key, response.fragment);
  } else {
    stats.failure++;
    expect(response.status).toBe('failure');
    expect(response.fragment).toBeUndefined();
    const ids = namedIds(response.errorMessage ?? '');
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(arcIds).toContain(id);
  }
}

describe('macro handler fuzzing', () => {
  test('one random Arc table: success is a valid template, failure names its logical ID', async () => {
    await fc.assert(
      fc.asyncProperty(logicalId, nearlyValid, resourceAttributes, fc.uuid(), async (id, props, attrs, requestId) => {
        await checkResponse(template({ [id]: { Type: 'Arc::DynamoDB::Table', ...attrs, Properties: props } }), [id], requestId);
      }),
      { numRuns: 1500, seed: SEED },
    );
    // The generator must reach both outcomes, or the property proves little.
    expect(stats.success).toBeGreaterThan(100);
    expect(stats.failure).toBeGreaterThan(100);
  });

  test('several Arc tables: every error line names one of them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(logicalId, { minLength: 2, maxLength: 4 }),
        fc.array(properties, { minLength: 4, maxLength: 4 }),
        fc.uuid(),
        async (ids, props, requestId) => {
          const resources = Object.fromEntries(ids.map((id, i) => [id, { Type: 'Arc::DynamoDB::Table', Properties: props[i] }]));
          await checkResponse(template(resources), ids, requestId);
        },
      ),
      { numRuns: 300, seed: SEED + 1 },
    );
  });

  test('mutated golden inputs: a deleted or replaced property never yields a partial or invalid template', async () => {
    const inputs = goldenInputs();
    expect(inputs.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...inputs),
        fc.nat(),
        fc.constantFrom('delete', 'replace'),
        junk,
        fc.uuid(),
        async (input, pick, op, value, requestId) => {
          const mutated = structuredClone(input.template);
          const arcIds = Object.entries(mutated.Resources as Record<string, { Type?: string }>)
            .filter(([, r]) => r.Type === 'Arc::DynamoDB::Table')
            .map(([id]) => id);
          const paths = propertyPaths(mutated, arcIds);
          if (paths.length > 0) mutate(mutated, paths[pick % paths.length], op, value);
          const response = await handler({ ...event(mutated, requestId), templateParameterValues: { ...PARAMS, ...input.params } });
          expect(response.requestId).toBe(requestId);
          if (response.status === 'success') {
            expect(hasArcResource(response.fragment)).toBe(false);
            // Non-Arc resources of the golden inputs are valid, so the whole output must be.
            expect(checkTemplateStructure(response.fragment)).toEqual([]);
          } else {
            const ids = namedIds(response.errorMessage ?? '');
            expect(ids.length).toBeGreaterThan(0);
            for (const id of ids) expect([...arcIds, 'Template']).toContain(id);
          }
        },
      ),
      { numRuns: 1000, seed: SEED + 2 },
    );
  });

  test('malformed events and fragments: a failure response, never a throw', async () => {
    const fragment = fc.oneof(
      fc.anything(),
      fc.record({ Resources: fc.anything() }),
      fc.record({
        Resources: fc.dictionary(
          logicalId,
          fc.record({ Type: fc.constantFrom('Arc::DynamoDB::Table', 'AWS::SQS::Queue'), Properties: fc.anything() }, { requiredKeys: ['Type'] }),
        ),
      }),
      fc.record({ Resources: fc.dictionary(logicalId, fc.anything()), Outputs: fc.anything() }),
    );
    const events = fc.oneof(
      fc.anything(),
      fc.record(
        {
          requestId: fc.string(),
          fragment,
          region: fc.oneof(fc.constant(REGION), fc.anything()),
          accountId: fc.anything(),
          templateParameterValues: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(events, async (e) => {
        const response = await handler(e);
        const requestId =
          e !== null && typeof e === 'object' && typeof (e as { requestId?: unknown }).requestId === 'string' ? (e as { requestId: string }).requestId : '';
        expect(response.requestId).toBe(requestId);
        expect(['success', 'failure']).toContain(response.status);
        if (response.status === 'failure') expect(typeof response.errorMessage).toBe('string');
        else expect(hasArcResource(response.fragment)).toBe(false);
      }),
      { numRuns: 2000, seed: SEED + 3 },
    );
  });

  test('a sample of the successful random expansions passes cfn-lint', async () => {
    expect(successes.size).toBeGreaterThanOrEqual(SAMPLE);
    const sample = [...successes.values()];
    const lint = await lintTemplates(Object.fromEntries(sample.map((t, i) => [`success${i}`, t])));
    // One line per distinct finding (rule, path without the random logical ID, message), with an example template index.
    const findings = new Map<string, string>();
    for (const [name, matches] of Object.entries(lint)) {
      for (const m of matches.filter((x) => x.level === 'error')) {
        const key = `${m.rule} ${m.path.replace(/^Resources\/[^/]+/, 'Resources/<id>')}: ${m.message}`;
        if (!findings.has(key)) findings.set(key, name);
      }
    }
    expect([...findings].map(([k, name]) => `${k} (e.g. ${name})`)).toEqual([]);
  });
});

interface GoldenInput {
  template: Record<string, unknown>;
  params: Record<string, unknown>;
}

function goldenInputs(): GoldenInput[] {
  const root = join(__dirname, '..', '..', 'fixtures');
  const inputDir = join(root, 'input');
  if (!existsSync(inputDir)) return [];
  return readdirSync(inputDir)
    .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.params.json') && existsSync(join(root, 'output', `${f.replace(/\.(ya?ml|json)$/, '')}.json`)))
    .sort()
    .map((f) => {
      const name = f.replace(/\.(ya?ml|json)$/, '');
      const paramsFile = join(inputDir, `${name}.params.json`);
      const template = parseTemplate(readFileSync(join(inputDir, f), 'utf8'), f) as Record<string, unknown>;
      const { Transform: _t, ...rest } = template;
      return { template: rest, params: existsSync(paramsFile) ? (JSON.parse(readFileSync(paramsFile, 'utf8')) as Record<string, unknown>) : {} };
    });
}

type Path = (string | number)[];

/** Every path inside the Properties of the Arc resources. */
function propertyPaths(template: Record<string, unknown>, arcIds: string[]): Path[] {
  const out: Path[] = [];
  const walk = (value: unknown, path: Path) => {
    if (path.length > 3) out.push(path);
    if (Array.isArray(value)) value.forEach((e, i) => walk(e, [...path, i]));
    else if (value !== null && typeof value === 'object') for (const [k, e] of Object.entries(value)) walk(e, [...path, k]);
  };
  for (const id of arcIds) walk((template.Resources as Record<string, { Properties?: unknown }>)[id].Properties, ['Resources', id, 'Properties']);
  return out;
}

function mutate(template: Record<string, unknown>, path: Path, op: 'delete' | 'replace', value: unknown): void {
  let node = template as unknown as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (op === 'delete' && Array.isArray(node)) node.splice(Number(last), 1);
  else if (op === 'delete') delete node[last];
  else node[last] = value;
}
