/**
 * The AWS runner's pure parts, without the network: configuration and refusal from the
 * environment, names (everything carries the run prefix; only such tables are ever deleted), the
 * account check, the template rewrite for failResource, and the runner with an AWS-like backend
 * (no local faults, other regions): local-only steps are skipped and reported, the remaining
 * steps still make sense, and the report is written as JSON and text.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { accountMismatch, accountOfStackId, awsTemplate, isRunTable, newRunId, parseAwsConfig, stackNameFor, tableNameFor } from '../../e2e/aws-backend';
import { runScenario, summarize, writeReport, type Backend, type Item, type ScenarioContext, type StackOutcome } from '../../e2e/runner';
import { SCENARIOS } from '../../e2e/scenarios';
import { fill, type Scenario } from '../../e2e/scenario';

const ACCOUNT = '123456789012';

describe('configuration', () => {
  it('refuses to run without ARC_E2E_ACCOUNT, or with one that is not an account ID', () => {
    expect(parseAwsConfig({}).errors).toEqual([expect.stringContaining('ARC_E2E_ACCOUNT is not set')]);
    expect(parseAwsConfig({ ARC_E2E_ACCOUNT: '1234' }).errors).toEqual(["ARC_E2E_ACCOUNT must be a 12-digit account ID, not '1234'."]);
    expect(parseAwsConfig({}).config).toBeUndefined();
  });

  it('has defaults for everything else, and a run ID that fits stack and table names', () => {
    const { config, errors } = parseAwsConfig({ ARC_E2E_ACCOUNT: ACCOUNT }, '202612012130-ab12');
    expect(errors).toEqual([]);
    expect(config).toMatchObject({
      account: ACCOUNT,
      region: 'us-east-1',
      regionMap: { 'us-east-1': 'us-east-1', 'eu-west-1': 'eu-west-1', 'ap-southeast-2': 'ap-southeast-2' },
      stackPrefix: 'arc-e2e-',
      tablePrefix: '',
      macroStack: 'arc-dynamodb',
      macroName: 'ArcDynamoDb',
      providerFunction: 'arc-dynamodb-provider',
      reportDir: 'e2e-report/202612012130-ab12',
    });
    expect(config?.loadBucket).toBeUndefined();
    expect(newRunId(new Date(Date.UTC(2026, 11, 1, 21, 30)), 'ab12')).toBe('202612012130-ab12');
    expect(newRunId()).toMatch(/^\d{12}-[0-9a-f]{4}$/);
  });

  it('maps the scenarios’ regions to the ones given, home region first', () => {
    const ok = parseAwsConfig({
      ARC_E2E_ACCOUNT: ACCOUNT,
      AWS_REGION: 'us-west-2',
      ARC_E2E_REGIONS: 'us-west-2,eu-central-1,ap-northeast-1',
      ARC_E2E_LOAD_BUCKET: 'my-seed',
      ARC_E2E_SCENARIOS: 'rollback-load, delete-retain',
    });
    expect(ok.config).toMatchObject({
      region: 'us-west-2',
      regionMap: { 'us-east-1': 'us-west-2', 'eu-west-1': 'eu-central-1', 'ap-southeast-2': 'ap-northeast-1' },
      loadBucket: 'my-seed',
      scenarios: ['rollback-load', 'delete-retain'],
    });
    expect(parseAwsConfig({ ARC_E2E_ACCOUNT: ACCOUNT, ARC_E2E_REGIONS: 'eu-west-1,us-east-1,ap-southeast-2' }).errors).toEqual([
      'ARC_E2E_REGIONS must start with the home region us-east-1, where the macro and the provider are deployed.',
    ]);
    expect(parseAwsConfig({ ARC_E2E_ACCOUNT: ACCOUNT, ARC_E2E_REGIONS: 'us-east-1,eu-west-1' }).errors[0]).toMatch(/must list 3 regions/);
    expect(parseAwsConfig({ ARC_E2E_ACCOUNT: ACCOUNT, ARC_E2E_STACK_PREFIX: '1bad_' }).errors[0]).toMatch(/ARC_E2E_STACK_PREFIX must start with a letter/);
  });
});

describe('names and the account', () => {
  const c = { stackPrefix: 'arc-e2e-', runId: '202612012130-ab12', tablePrefix: 'app-' };

  it('names every stack and table with the run prefix, and deletes only such tables', () => {
    expect(stackNameFor(c, 'rollback-load')).toBe('arc-e2e-202612012130-ab12-rollback-load');
    expect(tableNameFor(c, 'rollback-load')).toBe('app-arc-e2e-202612012130-ab12-rollback-load-t');
    expect(isRunTable(c, tableNameFor(c, 'delete-retain'))).toBe(true);
    expect(isRunTable(c, 'app-arc-e2e-202612012130-ffff-delete-retain-t')).toBe(false); // another run
    expect(isRunTable(c, 'app-orders')).toBe(false);
    // Stack names fit CloudFormation (and the Load prefix rule: a letter, then A-Z a-z 0-9 -).
    for (const s of SCENARIOS) expect(stackNameFor(c, s.name)).toMatch(/^[A-Za-z][A-Za-z0-9-]{0,127}$/);
  });

  it('compares the account of the credentials with ARC_E2E_ACCOUNT', () => {
    expect(accountOfStackId(`arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/arc-dynamodb/6f0c-1`)).toBe(ACCOUNT);
    expect(accountOfStackId('not-an-arn')).toBeUndefined();
    expect(accountMismatch(ACCOUNT, ACCOUNT, 'STS')).toBeUndefined();
    expect(accountMismatch(ACCOUNT, '210987654321', 'STS')).toBe(
      `The credentials belong to account 210987654321 (STS), not ARC_E2E_ACCOUNT=${ACCOUNT}; refusing to run.`,
    );
    expect(accountMismatch(ACCOUNT, undefined, 'STS')).toMatch(/refusing to run/);
  });
});

describe('templates on AWS', () => {
  const tpl = SCENARIOS.find((s) => s.name === 'rollback-load')!.steps.find((s) => s.kind === 'deploy' && s.failResource)!;
  const text = fill((tpl as { template: string }).template, { TableName: 'app-orders', Bucket: 'my-seed' });

  it('fails a scenario dashboard for real: a DashboardBody PutDashboard refuses; the rest, !Sub included, is unchanged', () => {
    const out = awsTemplate(text, { macroName: 'ArcDynamoDb', failResource: 'Tripwire' });
    expect(out).toContain("KeyPrefix: !Sub 'arc-dynamodb/${AWS::StackName}/v3/'");
    expect(out).toMatch(/Transform: ArcDynamoDb/);
    expect(out).toContain('TableName: app-orders');
    const body = (parse(out.replace(/!Sub /g, ''), {}) as { Resources: { Tripwire: { Properties: { DashboardBody: string } } } }).Resources.Tripwire.Properties
      .DashboardBody;
    expect(() => JSON.parse(body)).toThrow();
    expect(() => awsTemplate(text, { macroName: 'ArcDynamoDb', failResource: 'Orders' })).toThrow(/can fail only an AWS::CloudWatch::Dashboard/);
    expect(awsTemplate(text, { macroName: 'MyArc' })).toMatch(/Transform: MyArc/);
  });
});

/**
 * An AWS-like backend in memory: no local faults, other regions, a small model of what the
 * scenarios expect (stack status, regions, items), so the runner's skip and report paths run.
 */
function awsLike(regionMap: Record<string, string>): Backend & { templates: string[] } {
  const home = regionMap['us-east-1'];
  let stack: { regions: string[]; retain: boolean } | undefined;
  const items = new Map<string, Item>();
  const templates: string[] = [];
  /** A retained table keeps its regions after its stack is gone. */
  let lastRegions: string[] = [];
  const regionsOf = (t: string) => [home, ...[...t.matchAll(/RegionName: ([a-z0-9-]+)/g)].map((m) => m[1])];
  const done = (status: string): StackOutcome => ({ status, reasons: [] });
  return {
    name: 'aws',
    localFaults: false,
    regionMap,
    settle: { budgetMs: 0, intervalMs: 0 },
    templates,
    context: (s: Scenario): ScenarioContext => ({ scenario: s, stackName: `fake-${s.name}`, tableName: `fake-${s.name}-t`, hashKey: 'pk' }),
    async deploy(_ctx, template, o) {
      templates.push(template);
      if (!stack) {
        stack = { regions: regionsOf(template), retain: !/DeletionPolicy: Delete/.test(template) };
        return done('CREATE_COMPLETE');
      }
      if (o.failResource) return done('UPDATE_ROLLBACK_COMPLETE');
      stack.regions = regionsOf(template);
      return done('UPDATE_COMPLETE');
    },
    async deleteStack() {
      lastRegions = stack?.retain ? stack.regions : [];
      if (!stack?.retain) items.clear();
      stack = undefined;
      return done('DELETE_COMPLETE');
    },
    async deleteDuringCreate() {
      return done('DELETE_COMPLETE');
    },
    async upload() {},
    async putItems(_ctx, list) {
      for (const i of list) items.set(String(i.pk.S), i);
    },
    async updateItem(_ctx, key, set) {
      items.set(String(key.pk.S), { ...items.get(String(key.pk.S)), ...set });
    },
    async tableRegions(_ctx, regions) {
      const held = stack?.regions ?? lastRegions;
      return Object.fromEntries(regions.map((r) => [r, held.includes(r)]));
    },
    async readItems(_ctx, keys) {
      return Object.fromEntries(keys.map((k) => [k, items.get(k)]));
    },
    async tableSettings() {
      return undefined;
    },
    mark: () => 0,
    answeredOnce: async () => undefined,
    quiesce: async () => {},
    cleanupScenario: async () => ['fake cleanup'],
  };
}

describe('the runner on an AWS-like backend', () => {
  const map = { 'us-east-1': 'us-west-2', 'eu-west-1': 'eu-central-1', 'ap-southeast-2': 'ap-northeast-1' };

  it('skips local-only steps, says why, maps the regions, and the steps left still pass', async () => {
    const b = awsLike(map);
    const scenario = SCENARIOS.find((s) => s.name === 'timeout-replica-create')!;
    const r = await runScenario(b, scenario);
    expect(r.steps.map((s) => s.outcome)).toEqual(['passed', 'passed', 'skipped', 'skipped', 'passed', 'passed', 'passed']);
    expect(r.outcome).toBe('passed');
    expect(r.steps[2].skippedBecause).toBe('local-only: holding the provider Lambda needs the local Lambda service');
    expect(r.steps[0].notes).toEqual([expect.stringContaining('not observable on this backend')]);
    for (const t of b.templates) {
      expect(t).not.toMatch(/eu-west-1|ap-southeast-2/);
      expect(t).toContain('eu-central-1');
      expect(t).toContain(`TableName: fake-timeout-replica-create-t`);
    }
    expect(r.steps[5].checks.find((c) => c.what === 'regions holding the table')).toMatchObject({
      ok: true,
      expected: { 'us-west-2': true, 'eu-central-1': true, 'ap-northeast-1': true },
    });
  });

  it('skips a scenario that needs a load bucket when there is none, and writes the report as JSON and text', async () => {
    const b = awsLike(map);
    const reports = [];
    for (const name of ['rollback-load', 'duplicate-delivery']) reports.push(await runScenario(b, SCENARIOS.find((s) => s.name === name)!));
    const report = summarize('aws', '202612012130-ab12', '2026-12-01T21:30:00.000Z', reports, ['a note']);
    expect(report.counts).toEqual({ passed: 1, failed: 0, skipped: 1, knownDefects: 0 });
    expect(report.ok).toBe(true);
    expect(report.skippedSteps).toEqual([
      { scenario: 'rollback-load', step: 0, title: '(whole scenario)', reason: 'it needs a load bucket and none was given' },
      {
        scenario: 'duplicate-delivery',
        step: 3,
        title: 'v2: add ap-southeast-2, its Update delivered twice',
        reason: 'local-only: delivering one event twice needs the local Lambda service',
      },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'arc-e2e-report-'));
    const paths = writeReport(report, join(dir, 'run'));
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(report);
    const text = readFileSync(paths.text, 'utf8');
    expect(text).toContain('arc-dynamodb end-to-end run 202612012130-ab12 on aws: OK');
    expect(text).toContain('1 passed, 0 failed, 1 skipped');
    expect(text).toContain('SKIPPED rollback-load');
    expect(text).toContain(
      'duplicate-delivery step 3 (v2: add ap-southeast-2, its Update delivered twice): local-only: delivering one event twice needs the local Lambda service',
    );
    expect(text).toContain('cleanup: fake cleanup');
  });

  it('a failing scenario with a known defect is reported but does not fail the run', () => {
    const base = { description: '', stackName: 's', tableName: 't', steps: [], cleanup: [], ms: 0 };
    const known = summarize('aws', 'r', '', [{ ...base, name: 'a', outcome: 'failed', knownDefect: 'x' }]);
    expect([known.ok, known.counts.knownDefects]).toEqual([true, 1]);
    expect(summarize('aws', 'r', '', [{ ...base, name: 'a', outcome: 'failed' }]).ok).toBe(false);
  });
});
