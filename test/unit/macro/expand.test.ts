import { expandTemplate, MAX_RESOURCES, withoutArcTransform } from '../../../macro/expand';
import { listCases, runCase } from '../../fixtures/cases';

const base = { region: 'us-east-1', accountId: '123456789012' };
const arc = (props: Record<string, unknown> = {}) => ({
  Type: 'Arc::DynamoDB::Table',
  Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], Monitoring: { Enabled: false }, ...props },
});

describe('withoutArcTransform', () => {
  it('drops the section when ArcDynamoDb is the only transform', () => {
    expect(withoutArcTransform({ A: 1, Transform: 'ArcDynamoDb', B: 2 })).toEqual({ A: 1, B: 2 });
  });
  it('keeps the other transforms, in order, for CloudFormation to run next', () => {
    expect(withoutArcTransform({ Transform: ['ArcDynamoDb', 'AWS::Serverless-2016-10-31'] })).toEqual({ Transform: ['AWS::Serverless-2016-10-31'] });
    expect(withoutArcTransform({ Transform: 'AWS::Serverless-2016-10-31' })).toEqual({ Transform: 'AWS::Serverless-2016-10-31' });
  });
});

describe('expandTemplate', () => {
  it('leaves no Arc::DynamoDB::Table in any successful golden output', () => {
    for (const c of listCases().filter((x) => !x.expectFailure)) {
      const r = runCase(c);
      expect(r.ok).toBe(true);
      const resources = (r.ok ? r.fragment.Resources : {}) as Record<string, { Type: string }>;
      expect({ case: c.name, arc: Object.keys(resources).filter((id) => resources[id].Type === 'Arc::DynamoDB::Table') }).toEqual({ case: c.name, arc: [] });
    }
  });

  it('returns the very template object when there is nothing to expand', () => {
    const fragment = { Resources: { Q: { Type: 'AWS::SQS::Queue' } } };
    const r = expandTemplate({ ...base, fragment });
    expect(r.ok && r.fragment).toBe(fragment);
  });

  it('collects the errors of every Arc resource instead of stopping at the first', () => {
    const r = expandTemplate({ ...base, fragment: { Resources: { A: arc({ BillingMode: 'X' }), B: arc({ HashKey: 'nope' }) } } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => e.logicalId)).toEqual(['A', 'B', 'B']);
  });

  it('fails two Arc tables whose generated IDs collide, naming the second', () => {
    // "T" + "ReadScalableTarget" vs a table literally called "TReadScalableTarget".
    const provisioned = { BillingMode: 'PROVISIONED', ReadCapacity: 1, WriteCapacity: 1, AutoscalingEnabled: true, AutoscalingRead: { MaxCapacity: 2 } };
    const r = expandTemplate({ ...base, fragment: { Resources: { T: arc(provisioned), TReadScalableTarget: arc() } } });
    expect(!r.ok && r.errorMessage).toBe(
      '1 error(s) in Arc::DynamoDB::Table resources:\n- [T] generates the resource TReadScalableTarget, which collides with the resource ' +
        'TReadScalableTarget; rename one of them (ARC-E0002)',
    );
  });

  it(`counts resources against the limit of ${MAX_RESOURCES} including those outside the Arc tables`, () => {
    const resources: Record<string, unknown> = {};
    for (let i = 0; i < 499; i++) resources[`Q${i}`] = { Type: 'AWS::SQS::Queue' };
    resources.T = arc({ BillingMode: 'PROVISIONED', ReadCapacity: 1, WriteCapacity: 1, AutoscalingEnabled: true, AutoscalingRead: { MaxCapacity: 2 } });
    const r = expandTemplate({ ...base, fragment: { Resources: resources } });
    expect(!r.ok && r.errorMessage).toBe(
      "1 error(s) in Arc::DynamoDB::Table resources:\n- [Template] Resources: the expanded template has 502 resources, over CloudFormation's limit " +
        'of 500 (the Arc::DynamoDB::Table resources expand to 3; split the stack) (ARC-E0003)',
    );
  });

  it('uses the injected provider ServiceToken for generated custom resources, else the packaged function name', () => {
    const fragment = { Resources: { T: arc({ ReplicaRegions: [{ RegionName: 'eu-west-1' }] }) } };
    const token = (r: ReturnType<typeof expandTemplate>) =>
      r.ok ? (r.fragment.Resources as Record<string, { Properties: { ServiceToken?: unknown } }>).TReplicas.Properties.ServiceToken : undefined;
    expect(token(expandTemplate({ ...base, fragment, providerServiceToken: 'arn:aws:lambda:us-east-1:1:function:p' }))).toBe(
      'arn:aws:lambda:us-east-1:1:function:p',
    );
    expect(token(expandTemplate({ ...base, fragment }))).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:arc-dynamodb-provider',
    });
  });
});

describe('expandTemplate with a failing generator', () => {
  afterEach(() => jest.resetModules());
  it('names the resource and returns no template when a generator throws', () => {
    jest.isolateModules(() => {
      jest.doMock('../../../macro/generators', () => ({
        generators: [
          () => {
            throw new Error('boom');
          },
        ],
        finishers: [],
      }));
      const { expandTemplate: expand } = require('../../../macro/expand') as typeof import('../../../macro/expand');
      const r = expand({ ...base, fragment: { Resources: { T: arc() } } });
      expect(r).toEqual({
        ok: false,
        errors: [{ rule: 'ARC-E0006', logicalId: 'T', path: '', message: 'internal error in the ArcDynamoDb macro (generator): boom' }],
        errorMessage: '1 error(s) in Arc::DynamoDB::Table resources:\n- [T] internal error in the ArcDynamoDb macro (generator): boom (ARC-E0006)',
      });
    });
  });
});
