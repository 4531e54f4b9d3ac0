import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parameterValues } from '../../../cli/commands/expand';
import { parseTemplate } from '../../../cli/yaml';
import { expandTemplate, withoutArcTransform } from '../../../macro/expand';
import { ROOT } from './sam-template';

const DIR = join(ROOT, 'templates', 'service-catalog');
const product = () => parseTemplate(readFileSync(join(DIR, 'product.yaml'), 'utf8'), 'product.yaml') as Record<string, unknown>;

function cfnLint(files: string[], extra: string[] = []): { status: number | null; output: string } {
  const r = spawnSync('cfn-lint', ['--regions', 'us-east-1', ...extra, '--template', ...files], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/** The product expanded by the macro's own function, as CloudFormation would at launch. */
function expandProduct(params: Record<string, string>) {
  const template = product();
  return expandTemplate({
    fragment: withoutArcTransform(template),
    templateParameterValues: parameterValues(template, params),
    region: 'us-east-1',
    accountId: '123456789012',
  });
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

describe('Service Catalog product and portfolio templates', () => {
  it('the product declares the macro transform, exactly one Arc table and its outputs', () => {
    const t = product();
    expect(t.Transform).toBe('ArcDynamoDb');
    const resources = t.Resources as Resources;
    expect(Object.values(resources).map((r) => r.Type)).toEqual(['Arc::DynamoDB::Table']);
    expect(Object.keys(t.Outputs as object).sort()).toEqual(['TableArn', 'TableName']);
  });

  it('the product lints pre-transform with the registry schema, and the portfolio lints as is', () => {
    const r = cfnLint(
      [join(DIR, 'product.yaml'), join(DIR, 'portfolio.yaml')],
      ['--registry-schemas', join(ROOT, 'schema', 'registry'), '--append-rules', join(ROOT, 'schema', 'registry', 'cfn-lint-rules')],
    );
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it.each([
    [
      'on demand, defaults',
      { TableName: 'orders' },
      ['Table', 'TableReadThrottleEventsAlarm', 'TableSystemErrorsAlarm', 'TableSystemErrorsAlarm2', 'TableWriteThrottleEventsAlarm'],
    ],
    [
      'provisioned with autoscaling, numeric keys, no protection',
      {
        TableName: 'events',
        BillingMode: 'PROVISIONED',
        PartitionKeyType: 'N',
        SortKeyName: 'at',
        SortKeyType: 'N',
        PointInTimeRecovery: 'false',
        DeletionProtection: 'false',
        Environment: 'prod',
      },
      [
        'Table',
        'TableReadCapacityUtilizationAlarm',
        'TableReadScalableTarget',
        'TableReadScalingPolicy',
        'TableReadThrottleEventsAlarm',
        'TableSystemErrorsAlarm',
        'TableSystemErrorsAlarm2',
        'TableWriteCapacityUtilizationAlarm',
        'TableWriteScalableTarget',
        'TableWriteScalingPolicy',
        'TableWriteThrottleEventsAlarm',
      ],
    ],
  ])('expanded by the macro (%s), the product passes cfn-lint', (_name, params, expectedResources) => {
    const result = expandProduct(params);
    if (!result.ok) throw new Error(result.errorMessage);
    const resources = result.fragment.Resources as Resources;
    expect(Object.keys(resources).sort()).toEqual(expectedResources);
    expect(resources.Table.Type).toBe('AWS::DynamoDB::Table');
    const file = join(mkdtempSync(join(tmpdir(), 'arc-sc-')), 'expanded.json');
    writeFileSync(file, JSON.stringify(result.fragment, null, 1));
    // W2001 (parameter not used): the macro settles shape-deciding parameters (key names and
    // types, billing mode, flags) into literals, so the expanded template no longer refers to
    // them. CloudFormation accepts unused parameters.
    const r = cfnLint([file], ['--ignore-checks', 'W2001']);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('a launch that names the same attribute twice fails with the macro error naming the table and property', () => {
    const result = expandProduct({ TableName: 'orders', SortKeyName: 'pk' });
    expect(result).toMatchObject({ ok: false });
    if (result.ok) return;
    expect(result.errorMessage).toBe(
      "2 error(s) in Arc::DynamoDB::Table resources:\n- [Table] Attributes[1].Name: declares 'pk' a second time (ARC-E3001)\n- [Table] RangeKey: " +
        'names the same attribute as the partition key; a sort key must be another attribute (ARC-E3005)',
    );
  });
});
