/**
 * The proof harness itself is tested: the batched cfn-lint runner and the service-spec structural
 * check must pass a valid template and report exactly what is wrong with a broken one.
 */
import { lintTemplates, type LintMatch } from '../../support/cfn-lint';
import { checkTemplateStructure } from '../../support/service-spec';

const table = (props: Record<string, unknown> = {}) => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    ...props,
  },
});
const template = (resources: Record<string, unknown>) => ({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources });

const valid = template({
  T: table({ StreamSpecification: { StreamViewType: 'NEW_IMAGE' }, Tags: [{ Key: 'a', Value: { Ref: 'AWS::StackName' } }] }),
  Target: {
    Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
    Properties: {
      MaxCapacity: 10,
      MinCapacity: 1,
      ResourceId: { 'Fn::Sub': 'table/${T}' },
      ScalableDimension: 'dynamodb:table:ReadCapacityUnits',
      ServiceNamespace: 'dynamodb',
    },
  },
  Hook: { Type: 'Custom::Anything', Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f', Free: { Form: [1] } } },
});

describe('cfn-lint runner (one python process for many templates)', () => {
  let results: Record<string, LintMatch[]>;
  beforeAll(async () => {
    results = await lintTemplates({
      valid,
      typo: template({ T: table({ TableNme: 'x' }) }),
      provisionedWithoutThroughput: template({ T: table({ BillingMode: 'PROVISIONED' }) }),
      badGetAtt: template({ T: table(), O: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['T', 'StreamArnn'] } } } }),
      yamlText: 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: one\n',
    });
  });

  test('a valid template has no findings', () => {
    expect(results.valid).toEqual([]);
  });

  test('an unknown property is E3002 at its path', () => {
    expect(results.typo).toEqual([
      {
        rule: 'E3002',
        level: 'error',
        message: "Additional properties are not allowed ('TableNme' was unexpected. Did you mean 'TableName'?)",
        path: 'Resources/T/Properties/TableNme',
      },
    ]);
  });

  test('PROVISIONED without ProvisionedThroughput is E3639', () => {
    expect(results.provisionedWithoutThroughput).toEqual([
      { rule: 'E3639', level: 'error', message: "'ProvisionedThroughput' is a required property", path: 'Resources/T/Properties' },
    ]);
  });

  test('a GetAtt of an attribute the type lacks is E1010 naming the bad attribute', () => {
    expect(results.badGetAtt.map((m) => m.rule)).toEqual(['E1010']);
    expect(results.badGetAtt[0].message).toMatch(/'StreamArnn' is not one of/);
  });

  test('spreading the templates over several processes gives the same findings', async () => {
    const spread = await lintTemplates(
      { valid, typo: template({ T: table({ TableNme: 'x' }) }), provisionedWithoutThroughput: template({ T: table({ BillingMode: 'PROVISIONED' }) }) },
      { processes: 3 },
    );
    expect(spread).toEqual({ valid: results.valid, typo: results.typo, provisionedWithoutThroughput: results.provisionedWithoutThroughput });
  });

  test('YAML text is linted too', () => {
    expect(results.yamlText).toEqual([
      { rule: 'E3012', level: 'error', message: "'one' is not of type 'integer'", path: 'Resources/Q/Properties/DelaySeconds' },
    ]);
  });
});

describe('service-spec structural check', () => {
  test('a valid template (with intrinsics and a custom resource) has no findings', () => {
    expect(checkTemplateStructure(valid)).toEqual([]);
  });

  test('unknown, missing and mistyped properties are reported at their paths', () => {
    expect(
      checkTemplateStructure(
        template({
          T: table({
            TableNme: 'x',
            SSESpecification: { Enabled: true },
            GlobalSecondaryIndexes: [{ IndexName: 'g', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }],
            Tags: [{ Key: 'a' }],
            DeletionProtectionEnabled: 'yes',
            BillingMode: 5,
            TimeToLiveSpecification: { Enabled: true, AttributeName: ['ttl'] },
          }),
        }),
      ),
    ).toEqual([
      { path: 'Resources/T/Properties/BillingMode', message: 'expected a string, got 5' },
      { path: 'Resources/T/Properties/TableNme', message: "unknown property 'TableNme' of AWS::DynamoDB::Table" },
      { path: 'Resources/T/Properties/SSESpecification/Enabled', message: "unknown property 'Enabled' of SSESpecification" },
      { path: 'Resources/T/Properties/SSESpecification', message: "missing required property 'SSEEnabled' of SSESpecification" },
      { path: 'Resources/T/Properties/GlobalSecondaryIndexes/0', message: "missing required property 'Projection' of GlobalSecondaryIndex" },
      { path: 'Resources/T/Properties/Tags/0', message: "missing required property 'Value' of Tag" },
      { path: 'Resources/T/Properties/DeletionProtectionEnabled', message: 'expected a boolean, got "yes"' },
      { path: 'Resources/T/Properties/TimeToLiveSpecification/AttributeName', message: 'expected a string, got ["ttl"]' },
    ]);
  });

  test('allowedValues, integers, lists and resource attributes are checked', () => {
    expect(
      checkTemplateStructure(
        template({
          G: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { KeySchema: [], AttributeDefinitions: [], Replicas: {}, MultiRegionConsistency: 'STRONGISH' } },
          S: {
            Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
            Properties: { MaxCapacity: 1.5, MinCapacity: '1', ResourceId: 'r', ScalableDimension: 'd', ServiceNamespace: 'dynamodb' },
            DeletionPolicy: 'Keep',
            Conditon: 'X',
          },
        }),
      ),
    ).toEqual([
      { path: 'Resources/G/Properties/Replicas', message: 'expected a list (Array<ReplicaSpecification>), got {}' },
      { path: 'Resources/G/Properties/MultiRegionConsistency', message: '"STRONGISH" is not one of EVENTUAL, STRONG' },
      { path: 'Resources/S/Conditon', message: "unknown resource attribute 'Conditon'" },
      { path: 'Resources/S/DeletionPolicy', message: '"Keep" is not one of Delete, Retain, RetainExceptOnCreate, Snapshot' },
      { path: 'Resources/S/Properties/MaxCapacity', message: 'expected an integer, got 1.5' },
    ]);
  });

  test('an unexpanded Arc resource is an unknown type', () => {
    expect(checkTemplateStructure(template({ A: { Type: 'Arc::DynamoDB::Table', Properties: {} } }))).toEqual([
      { path: 'Resources/A/Type', message: "unknown resource type 'Arc::DynamoDB::Table'" },
    ]);
  });

  test('a template without Resources', () => {
    expect(checkTemplateStructure({ Outputs: {} })).toEqual([{ path: 'Resources', message: 'a template needs a Resources object' }]);
  });
});
