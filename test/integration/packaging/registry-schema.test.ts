import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parseTemplate } from '../../../cli/yaml';
import { ROOT } from './sam-template';

const REGISTRY = join(ROOT, 'schema', 'registry');
const RULES = join(REGISTRY, 'cfn-lint-rules');
const EXAMPLES = join(ROOT, 'templates', 'examples');

function cfnLint(template: string, extra: string[]): { status: number | null; output: string } {
  const r = spawnSync('cfn-lint', ['--regions', 'us-east-1', ...extra, '--template', template], {
    encoding: 'utf8',
    env: { ...process.env, AWS_DEFAULT_REGION: 'us-east-1' },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
const withRegistry = ['--registry-schemas', REGISTRY, '--append-rules', RULES];

function tempTemplate(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'arc-registry-')), name);
  writeFileSync(file, text);
  return file;
}

const BAD = `AWSTemplateFormatVersion: '2010-09-09'
Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      HashKey: pk
      BillingMode: PAY_PER_REQUESTS
      HashKeys: x
      Attributes:
        - { Name: pk, Type: S }
`;

describe('registry-style schema for Arc::DynamoDB::Table', () => {
  it('is exactly what scripts/build-steps/20-registry.mjs generates from the ajv source schema (no drift)', () => {
    const script =
      `import('${join(ROOT, 'scripts', 'build-steps', '20-registry.mjs')}').then((m) => ` +
      `process.stdout.write(m.generate(JSON.parse(require('fs').readFileSync('${join(ROOT, 'schema', 'arc-dynamodb-table.schema.json')}', 'utf8')))))`;
    const regenerated = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(regenerated).toBe(readFileSync(join(REGISTRY, 'arc-dynamodb-table.json'), 'utf8'));
  });

  it('declares the type, every source property, no others beyond the read-only attributes, and is closed', () => {
    const source = JSON.parse(readFileSync(join(ROOT, 'schema', 'arc-dynamodb-table.schema.json'), 'utf8')) as { properties: object; required: string[] };
    const registry = JSON.parse(readFileSync(join(REGISTRY, 'arc-dynamodb-table.json'), 'utf8')) as Record<string, unknown> & { properties: object };
    expect(registry.typeName).toBe('Arc::DynamoDB::Table');
    expect(registry.additionalProperties).toBe(false);
    expect(registry.required).toEqual(source.required);
    expect(Object.keys(registry.properties).sort()).toEqual([...Object.keys(source.properties), 'Arn', 'StreamArn'].sort());
    expect(registry.readOnlyProperties).toEqual(['/properties/Arn', '/properties/StreamArn']);
    expect(JSON.stringify(registry)).not.toContain('#/definitions/intrinsic');
  });

  it('without the schema, cfn-lint rejects a pre-transform template with E3006', () => {
    const r = cfnLint(tempTemplate('bad.yaml', BAD), []);
    expect(r.output).toContain("E3006 Resource type 'Arc::DynamoDB::Table' does not exist in 'us-east-1'");
    expect(r.status).toBe(2);
  });

  it('lints every example template pre-transform without E3006 or any other finding', () => {
    const examples = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f));
    expect(examples.length).toBeGreaterThan(0);
    const r = spawnSync('cfn-lint', ['--regions', 'us-east-1', ...withRegistry, '--template', ...examples.map((f) => join(EXAMPLES, f))], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('reports a misspelt Arc property and a bad enum value with the exact cfn-lint rule and message', () => {
    const file = tempTemplate('bad.yaml', BAD);
    const r = cfnLint(file, withRegistry);
    expect(r.output).toBe(
      [
        "E3030 'PAY_PER_REQUESTS' is not one of ['PAY_PER_REQUEST', 'PROVISIONED']",
        `${file}:8:7`,
        '',
        "E3002 Additional properties are not allowed ('HashKeys' was unexpected. Did you mean 'HashKey'?)",
        `${file}:9:7`,
      ].join('\n'),
    );
    expect(r.status).toBe(2);
  });

  it('reports a missing required property and a wrong type, and accepts intrinsics where the source does', () => {
    const file = tempTemplate(
      'mixed.yaml',
      `AWSTemplateFormatVersion: '2010-09-09'
Transform: ArcDynamoDb
Parameters:
  Env: { Type: String, Default: dev }
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      TableName: !Sub 'orders-\${Env}'
      HashKey: pk
      ReadCapacity: [1]
      Tags: { env: !Ref Env }
  Audit:
    Type: Arc::DynamoDB::Table
    Properties:
      HashKey: id
`,
    );
    const r = cfnLint(file, withRegistry);
    expect(r.output).toBe(
      [
        "E3003 'Attributes' is a required property",
        `${file}:8:5`,
        '',
        "E3012 [1] is not of type 'integer'",
        `${file}:11:7`,
        '',
        "E3003 'Attributes' is a required property",
        `${file}:15:5`,
      ].join('\n'),
    );
  });

  it('documents why the extra rule ships: cfn-lint 1.51 alone loads the type but checks none of its properties', () => {
    const r = cfnLint(tempTemplate('bad.yaml', BAD), ['--registry-schemas', REGISTRY]);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('editor schema (YAML language servers)', () => {
  const schemaFile = join(ROOT, 'schema', 'editor', 'arc-dynamodb-template.schema.json');
  const validate = () => new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);

  it('is exactly what the build step generates from the source schema', () => {
    const script =
      `import('${join(ROOT, 'scripts', 'build-steps', '20-registry.mjs')}').then((m) => ` +
      `process.stdout.write(m.generateEditorSchema(JSON.parse(require('fs').readFileSync(` +
      `'${join(ROOT, 'schema', 'arc-dynamodb-table.schema.json')}', 'utf8')))))`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe(readFileSync(schemaFile, 'utf8'));
  });

  it('accepts every example template, intrinsics included', () => {
    const check = validate();
    for (const f of readdirSync(EXAMPLES).filter((n) => /\.ya?ml$/.test(n))) {
      const ok = check(parseTemplate(readFileSync(join(EXAMPLES, f), 'utf8'), f));
      expect([f, ok, check.errors ?? null]).toEqual([f, true, null]);
    }
  });

  it('points at the Arc property that is wrong, and ignores other resource types', () => {
    const check = validate();
    const template = parseTemplate(BAD.replace('Resources:', 'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: { Anything: 1 }'), 'bad.yaml');
    expect(check(template)).toBe(false);
    const errors = (check.errors ?? []).map(
      (e) => `${e.instancePath} ${e.message}${e.params && 'additionalProperty' in e.params ? ` '${String(e.params.additionalProperty)}'` : ''}`,
    );
    expect(errors).toContain("/Resources/Orders/Properties must NOT have additional properties 'HashKeys'");
    expect(errors).toContain('/Resources/Orders/Properties/BillingMode must be equal to one of the allowed values');
    expect(errors.some((e) => e.startsWith('/Resources/Bucket'))).toBe(false);
  });
});
