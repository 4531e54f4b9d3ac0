/**
 * `arc-dynamodb expand` and `validate`, run in-process through cli/main.ts with captured streams,
 * on real template files in a temporary folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main, type CliIO } from '../../../cli/main';
import { parseTemplate } from '../../../cli/yaml';
import { expandTemplate } from '../../../macro/expand';
import { parameterValues } from '../../../cli/commands/expand';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arc-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: CliIO = { stdout, stderr, cwd: dir, env: {} };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const ORDERS = `AWSTemplateFormatVersion: '2010-09-09'
Transform: ArcDynamoDb
Parameters:
  Env:
    Type: String
    Default: dev
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      TableName: !Sub '\${Env}-orders'
      HashKey: pk
      RangeKey: sk
      Attributes:
        - { Name: pk, Type: S }
        - { Name: sk, Type: S }
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  QueueUrl:
    Value: !Ref Queue
`;

const MODE = `Transform: [AWS::Serverless-2016-10-31, ArcDynamoDb]
Parameters:
  Mode:
    Type: String
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      BillingMode: !Ref Mode
      HashKey: pk
      Attributes: [{ Name: pk, Type: S }]
      ReadCapacity: 3
      WriteCapacity: 4
`;

const INVALID = `Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      HashKey: pk
      Attributes: [{ Name: pk, Type: S }]
      ReadCapacity: 5
`;

describe('arc-dynamodb expand', () => {
  test('prints the expanded template as JSON, without the ArcDynamoDb transform, and exits 0', async () => {
    const r = await cli('expand', file('orders.yaml', ORDERS));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    const expected = expandTemplate({
      fragment: parseTemplate(ORDERS),
      templateParameterValues: { Env: 'dev' },
      region: 'us-east-1',
      accountId: '123456789012',
    });
    if (!expected.ok) throw new Error(expected.errorMessage);
    const { Transform: _t, ...withoutTransform } = expected.fragment;
    expect(out).toEqual(withoutTransform);
    expect(out.Transform).toBeUndefined();
    expect(out.Resources.Orders.Type).toBe('AWS::DynamoDB::Table');
    expect(out.Resources.Orders.Properties.TableName).toEqual({ 'Fn::Sub': '${Env}-orders' });
    expect(out.Resources.Queue).toEqual({ Type: 'AWS::SQS::Queue' });
    expect(out.Outputs.QueueUrl).toEqual({ Value: { Ref: 'Queue' } });
  });

  test('--format yaml prints YAML that reads back to the same template', async () => {
    const json = await cli('expand', file('orders.yaml', ORDERS));
    const yaml = await cli('expand', 'orders.yaml', '--format', 'yaml');
    expect(yaml.code).toBe(0);
    expect(yaml.stdout.trimStart().startsWith('{')).toBe(false);
    expect(parseTemplate(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  test('expands the same input to byte-identical output', async () => {
    const a = await cli('expand', file('orders.yaml', ORDERS));
    const b = await cli('expand', 'orders.yaml');
    expect(a.stdout).toBe(b.stdout);
  });

  test('--param fills a shape-deciding Ref, and other transforms stay in order', async () => {
    const r = await cli('expand', file('mode.yaml', MODE), '--param', 'Mode=PROVISIONED');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    expect(out.Transform).toEqual(['AWS::Serverless-2016-10-31']);
    expect(out.Resources.Orders.Properties.BillingMode).toBe('PROVISIONED');
    expect(out.Resources.Orders.Properties.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 3, WriteCapacityUnits: 4 });
  });

  test('a shape-deciding Ref to a parameter with no value is an error naming the property', async () => {
    const r = await cli('expand', file('mode.yaml', MODE));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mode\.yaml: \d+ error\(s\) in Arc::DynamoDB::Table resources:\n- \[Orders\] BillingMode: /);
  });

  test('invalid input prints the macro errors to stderr and exits 1', async () => {
    const r = await cli('expand', file('invalid.yaml', INVALID));
    const expected = expandTemplate({ fragment: parseTemplate(INVALID), templateParameterValues: {}, region: 'us-east-1', accountId: '123456789012' });
    if (expected.ok) throw new Error('INVALID should not expand');
    expect(r).toEqual({ code: 1, stdout: '', stderr: `invalid.yaml: ${expected.errorMessage}\n` });
    expect(r.stderr).toContain('[Orders] ReadCapacity');
  });

  test('--region reaches the macro (a replica in the stack region is rejected only there)', async () => {
    const replica = `Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      HashKey: pk
      Attributes: [{ Name: pk, Type: S }]
      StreamEnabled: true
      ReplicaRegions: [{ RegionName: eu-west-1 }]
`;
    file('replica.yaml', replica);
    expect((await cli('validate', 'replica.yaml', '--region', 'us-east-1')).code).toBe(0);
    const r = await cli('validate', 'replica.yaml', '--region', 'eu-west-1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[Orders] ReplicaRegions[0].RegionName');
  });

  test('an unknown --param key is an error, as in CloudFormation', async () => {
    const r = await cli('expand', file('orders.yaml', ORDERS), '--param', 'Nope=1');
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'arc-dynamodb expand: Parameters: [Nope] do not exist in the template\n' });
  });

  test('a template without the transform is expanded, with a warning', async () => {
    const r = await cli('expand', file('plain.yaml', ORDERS.replace('Transform: ArcDynamoDb\n', '')));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("warning: plain.yaml does not declare 'Transform: ArcDynamoDb'; CloudFormation will not expand its Arc resources\n");
  });

  test('reads JSON templates', async () => {
    const json = JSON.stringify(parseTemplate(ORDERS));
    const r = await cli('expand', file('orders.json', json));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await cli('expand', file('orders.yaml', ORDERS))).stdout);
  });

  describe('unreadable input: one clear line, exit 1, no stack trace', () => {
    test('a missing file', async () => {
      expect(await cli('expand', 'missing.yaml')).toEqual({ code: 1, stdout: '', stderr: 'arc-dynamodb expand: cannot read missing.yaml: no such file\n' });
    });
    test('a directory', async () => {
      expect(await cli('expand', '.')).toEqual({ code: 1, stdout: '', stderr: 'arc-dynamodb expand: cannot read .: is a directory\n' });
    });
    test('bad YAML', async () => {
      expect(await cli('expand', file('bad.yaml', 'Resources:\n  A: [1\n  B: 2\n'))).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'arc-dynamodb expand: bad.yaml: invalid YAML (line 3, column 3): Flow sequence in block collection must be sufficiently indented and end with a ]\n',
      });
    });
    test('a YAML scalar instead of a template', async () => {
      expect(await cli('expand', file('scalar.yaml', 'just text\n'))).toEqual({
        code: 1,
        stdout: '',
        stderr: 'arc-dynamodb expand: scalar.yaml: a template must be a YAML or JSON object\n',
      });
    });
  });

  describe('usage errors exit 2', () => {
    const hint = "Run 'npx arc-dynamodb expand --help' for usage.\n";
    const cases: [string, string[], string][] = [
      ['no template', [], 'a template file is required'],
      ['two templates', ['a.yaml', 'b.yaml'], 'expected one template file, got 2'],
      ['an unknown option', ['a.yaml', '--regoin', 'x'], "unknown option '--regoin'"],
      ['a bad format', ['a.yaml', '--format', 'xml'], "option '--format' must be one of json, yaml, got 'xml'"],
      ['a param without =', ['a.yaml', '--param', 'Env'], "--param needs Key=Value, got 'Env'"],
      ['a missing option value', ['a.yaml', '--region'], "option '--region' needs a value"],
      ['a bad account', ['a.yaml', '--account', '12'], "--account must be a 12-digit AWS account ID, got '12'"],
    ];
    test.each(cases)('%s', async (_name, args, message) => {
      expect(await cli('expand', ...args)).toEqual({ code: 2, stdout: '', stderr: `arc-dynamodb expand: ${message}\n${hint}` });
    });
  });

  test('--help prints the options and exits 0', async () => {
    const r = await cli('expand', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: arc-dynamodb expand <template.yaml\|template.json> \[options\]/);
    for (const option of ['--param Key=Value', '--region R', '--account A', '--provider-arn ARN', '--format json|yaml']) expect(r.stdout).toContain(option);
  });
});

describe('parameterValues: what the macro event carries as templateParameterValues', () => {
  const template = {
    Parameters: {
      Env: { Type: 'String', Default: 'dev' },
      Size: { Type: 'Number', Default: 5 },
      Regions: { Type: 'CommaDelimitedList', Default: 'eu-west-1, us-west-2' },
      Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' },
      NoDefault: { Type: 'String' },
    },
  };

  test('defaults as strings, list types as lists, parameters without a value left out', () => {
    expect(parameterValues(template, {})).toEqual({ Env: 'dev', Size: '5', Regions: ['eu-west-1', 'us-west-2'] });
  });

  test('--param values win over defaults, and list values are split', () => {
    expect(parameterValues(template, { Env: 'prod', Subnets: 'subnet-1,subnet-2' })).toEqual({
      Env: 'prod',
      Size: '5',
      Regions: ['eu-west-1', 'us-west-2'],
      Subnets: ['subnet-1', 'subnet-2'],
    });
  });
});

describe('arc-dynamodb validate', () => {
  test('prints the count of Arc tables and of resources after expansion', async () => {
    const r = await cli('validate', file('orders.yaml', ORDERS));
    const expanded = JSON.parse((await cli('expand', 'orders.yaml')).stdout);
    const m = Object.keys(expanded.Resources).length;
    expect(r).toEqual({ code: 0, stdout: `OK: 1 Arc table, ${m} resources\n`, stderr: '' });
  });

  test('prints the errors and exits 1', async () => {
    const r = await cli('validate', file('invalid.yaml', INVALID));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe((await cli('expand', 'invalid.yaml')).stderr);
  });

  test('has no --format option', async () => {
    expect((await cli('validate', 'a.yaml', '--format', 'json')).code).toBe(2);
  });

  test('--help exits 0', async () => {
    const r = await cli('validate', '-h');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: arc-dynamodb validate/);
  });
});
