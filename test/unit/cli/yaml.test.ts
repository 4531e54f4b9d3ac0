import { parse as parseYaml } from 'yaml';
import { formatTemplate, parseTemplate, TemplateReadError } from '../../../cli/yaml';

const parse = (yaml: string) => parseTemplate(yaml, 't.yaml') as Record<string, unknown>;

describe('parseTemplate: CloudFormation short tags become the long JSON form', () => {
  const cases: [string, string, unknown][] = [
    ['!Ref', 'v: !Ref MyParam', { Ref: 'MyParam' }],
    ['!Ref to a pseudo-parameter', 'v: !Ref AWS::Region', { Ref: 'AWS::Region' }],
    ['!Sub scalar', "v: !Sub '${AWS::StackName}-orders'", { 'Fn::Sub': '${AWS::StackName}-orders' }],
    ['!Sub sequence with a variable map', "v: !Sub ['${P}-x', { P: !Ref Prefix }]", { 'Fn::Sub': ['${P}-x', { P: { Ref: 'Prefix' } }] }],
    ['!GetAtt dotted scalar', 'v: !GetAtt Table.StreamArn', { 'Fn::GetAtt': ['Table', 'StreamArn'] }],
    ['!GetAtt splits at the first dot only', 'v: !GetAtt Db.Endpoint.Address', { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }],
    ['!GetAtt sequence', 'v: !GetAtt [Table, Arn]', { 'Fn::GetAtt': ['Table', 'Arn'] }],
    ['!Join', "v: !Join ['-', [a, !Ref B]]", { 'Fn::Join': ['-', ['a', { Ref: 'B' }]] }],
    ['!If', 'v: !If [IsProd, 10, !Ref AWS::NoValue]', { 'Fn::If': ['IsProd', 10, { Ref: 'AWS::NoValue' }] }],
    ['!Select', 'v: !Select [0, !GetAZs ""]', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
    ['!Split', "v: !Split [',', 'a,b']", { 'Fn::Split': [',', 'a,b'] }],
    ['!FindInMap', 'v: !FindInMap [Sizes, !Ref Env, Read]', { 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Read'] }],
    ['!ImportValue scalar', 'v: !ImportValue shared-key-arn', { 'Fn::ImportValue': 'shared-key-arn' }],
    ['!ImportValue with a nested long form', "v: !ImportValue { 'Fn::Sub': '${Env}-key' }", { 'Fn::ImportValue': { 'Fn::Sub': '${Env}-key' } }],
    ['!Base64', 'v: !Base64 hello', { 'Fn::Base64': 'hello' }],
    ['!Cidr', "v: !Cidr ['10.0.0.0/16', 4, 8]", { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] }],
    ['!GetAZs', 'v: !GetAZs us-east-1', { 'Fn::GetAZs': 'us-east-1' }],
    ['!Equals', 'v: !Equals [!Ref Env, prod]', { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }],
    ['!And', 'v: !And [!Condition A, !Condition B]', { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] }],
    ['!Or', 'v: !Or [!Condition A, !Equals [x, y]]', { 'Fn::Or': [{ Condition: 'A' }, { 'Fn::Equals': ['x', 'y'] }] }],
    ['!Not', 'v: !Not [!Condition A]', { 'Fn::Not': [{ Condition: 'A' }] }],
    ['!Condition', 'v: !Condition IsProd', { Condition: 'IsProd' }],
    [
      '!Transform',
      'v: !Transform { Name: AWS::Include, Parameters: { Location: s3://b/k } }',
      { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
    ],
  ];
  test.each(cases)('%s', (_name, yaml, expected) => {
    expect(parse(yaml).v).toEqual(expected);
  });

  test('block-style sequences under a tag are read like flow ones', () => {
    expect(parse('v: !Join\n  - ""\n  - - a\n    - !Ref B\n').v).toEqual({ 'Fn::Join': ['', ['a', { Ref: 'B' }]] });
  });

  test('a date-like AWSTemplateFormatVersion stays a string (YAML 1.2 core schema)', () => {
    expect(parse('AWSTemplateFormatVersion: 2010-09-09').AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  test('JSON templates are read as JSON', () => {
    expect(parseTemplate('{"Resources": {"T": {"Type": "X", "Properties": {"N": 1.50}}}}', 't.json')).toEqual({
      Resources: { T: { Type: 'X', Properties: { N: 1.5 } } },
    });
  });
});

describe('parseTemplate: unreadable input gives one line naming the file and position', () => {
  test('an unknown tag, as CloudFormation rejects it', () => {
    expect(() => parse('a: 1\nb: !Reff X\n')).toThrow(new TemplateReadError('t.yaml: invalid YAML (line 2, column 4): Unresolved tag: !Reff'));
  });
  test('a duplicate key', () => {
    expect(() => parse('a: 1\na: 2\n')).toThrow(new TemplateReadError('t.yaml: invalid YAML (line 2, column 1): Map keys must be unique'));
  });
  test('a broken flow sequence', () => {
    expect(() => parse('a: [1\nb: 2\n')).toThrow(
      't.yaml: invalid YAML (line 2, column 1): Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
  });
  test('invalid JSON', () => {
    expect(() => parseTemplate('{"a": }', 'x.json')).toThrow(/^x\.json: invalid JSON: Unexpected token/);
  });
});

describe('formatTemplate', () => {
  const template = { Resources: { T: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: { 'Fn::Sub': '${AWS::StackName}-t' } } } } };

  test('JSON is indented and ends with a newline', () => {
    expect(formatTemplate(template, 'json')).toBe(`${JSON.stringify(template, null, 2)}\n`);
  });

  test('YAML round-trips through the reader unchanged', () => {
    expect(parseTemplate(formatTemplate(template, 'yaml'))).toEqual(template);
  });

  test('YAML quotes strings that a YAML 1.1 or 1.2 parser would read as booleans, dates or numbers', () => {
    const tricky = { AWSTemplateFormatVersion: '2010-09-09', a: 'yes', b: 'on', c: '0755', d: '1e3', e: 'true', f: '123', g: '~', num: 5, yes_: true };
    const text = formatTemplate(tricky, 'yaml');
    expect(text).toBe('AWSTemplateFormatVersion: "2010-09-09"\na: "yes"\nb: "on"\nc: "0755"\nd: "1e3"\ne: "true"\nf: "123"\ng: "~"\nnum: 5\nyes_: true\n');
    expect(parseTemplate(text)).toEqual(tricky);
  });

  test('YAML quotes strings only YAML 1.2 reads as numbers (0o17 is 15 there, a plain string under 1.1)', () => {
    // Given strings a YAML 1.2 core-schema reader would resolve to numbers, as keys and values
    const tricky = { a: '0o17', b: '0x1F', c: '.inf', d: '-.5', '0o17': 'key', plain: 'words' };
    // When written as YAML
    const text = formatTemplate(tricky, 'yaml');
    // Then each is quoted, and a 1.2 reader (the CLI's own) and a 1.1 reader read back the strings
    expect(text).toBe('a: "0o17"\nb: "0x1F"\nc: ".inf"\nd: "-.5"\n"0o17": key\nplain: words\n');
    expect(parseTemplate(text)).toEqual(tricky);
    expect(parseYaml(text, { version: '1.1' })).toEqual(tricky);
  });

  test('YAML never uses anchors or aliases for repeated objects (CloudFormation does not accept them)', () => {
    const shared = { Ref: 'X' };
    const text = formatTemplate({ a: shared, b: shared }, 'yaml');
    expect(text).toBe('a:\n  Ref: X\nb:\n  Ref: X\n');
  });
});
