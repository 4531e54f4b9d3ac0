/** The one intrinsics evaluator (contract/intrinsics.ts): each function, both policies for what cannot be known. */
import { Evaluator, evaluate, IntrinsicError, intrinsicName, isIntrinsic, pseudoParameters, type EvalContext } from '../../../contract/intrinsics';

const pseudo = pseudoParameters({ stackName: 'app', region: 'eu-west-1', accountId: '111122223333' });
const keep: EvalContext = {
  parameters: { Env: 'prod', Size: 5, Names: ['a', 'b'] },
  pseudo,
  conditions: {
    IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
    Small: { 'Fn::Equals': [{ Ref: 'Size' }, '5'] },
    Both: { 'Fn::And': [{ Condition: 'IsProd' }, { 'Fn::Not': [{ Condition: 'Small' }] }] },
  },
  unresolved: 'keep',
};
const strict: EvalContext = { ...keep, unresolved: 'throw' };

it('recognises an intrinsic by its one key', () => {
  expect([{ Ref: 'X' }, { 'Fn::Sub': 'x' }, { Condition: 'C' }, { Ref: 'X', Other: 1 }, { Fn: 1 }, ['Ref'], null].map(intrinsicName)).toEqual([
    'Ref',
    'Fn::Sub',
    'Condition',
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  expect(isIntrinsic({ 'Fn::GetAtt': ['T', 'Arn'] })).toBe(true);
});

it("pseudo parameters follow the region's partition", () => {
  expect(pseudo).toMatchObject({
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackId': 'arn:aws:cloudformation:eu-west-1:111122223333:stack/app/00000000-0000-0000-0000-000000000000',
  });
  expect(pseudoParameters({ stackName: 's', region: 'cn-north-1', accountId: '1' })).toMatchObject({
    'AWS::Partition': 'aws-cn',
    'AWS::URLSuffix': 'amazonaws.com.cn',
  });
});

it('Ref, Sub, Join, Select, Split, Base64 and FindInMap resolve what they can', () => {
  const ctx = { ...keep, mappings: { Sizes: { prod: { Rcu: 10 } } } };
  expect(
    evaluate(
      {
        Name: { 'Fn::Sub': '${AWS::StackName}-${Env}-t' },
        Vars: { 'Fn::Sub': ['${A}/${!Literal}', { A: { Ref: 'AWS::Region' } }] },
        Joined: { 'Fn::Join': ['-', [{ Ref: 'Env' }, 'x', 3]] },
        Second: { 'Fn::Select': [1, { Ref: 'Names' }] },
        Parts: { 'Fn::Split': [',', 'a,b,c'] },
        B64: { 'Fn::Base64': 'hi' },
        Rcu: { 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Rcu'] },
      },
      ctx,
    ),
  ).toEqual({ Name: 'app-prod-t', Vars: 'eu-west-1/${Literal}', Joined: 'prod-x-3', Second: 'b', Parts: ['a', 'b', 'c'], B64: 'aGk=', Rcu: 10 });
});

it('AWS::NoValue removes the property or the list item', () => {
  expect(evaluate({ A: { Ref: 'AWS::NoValue' }, B: [1, { Ref: 'AWS::NoValue' }, 2], C: { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, 'x'] } }, keep)).toEqual(
    { B: [1, 2] },
  );
});

it('conditions: Equals compares as strings, And/Or/Not/Condition compose, If picks the branch', () => {
  const ev = new Evaluator(keep);
  expect(ev.condition('Small')).toBe(true); // 5 and "5" are equal to CloudFormation
  expect(ev.condition('Both')).toBe(false);
  expect(evaluate({ 'Fn::If': ['IsProd', 'big', 'small'] }, keep)).toBe('big');
});

it("with 'keep' what cannot be known stays as written; with 'throw' it is an error naming the path", () => {
  const value = { Key: { 'Fn::GetAtt': ['Key', 'Arn'] }, Topic: { Ref: 'Topic' }, Name: { 'Fn::Sub': '${Unknown}-t' }, Ok: { Ref: 'Env' } };
  expect(evaluate(value, keep)).toEqual({ ...value, Ok: 'prod' });
  expect(() => evaluate(value, strict, 'Resources.T.Properties')).toThrow(
    new IntrinsicError('Resources.T.Properties.Key', "Fn::GetAtt Key.Arn needs the stack's resources"),
  );
  expect(() => evaluate({ Topic: { Ref: 'Topic' } }, strict, 'P')).toThrow('P.Topic: Ref to Topic, which is not a known parameter');
});

it('resources are read through the lookup, and an unknown logical ID is an error in either policy', () => {
  const resources = {
    has: (id: string) => id === 'Table',
    ref: () => 'orders-1',
    getAtt: (_id: string, a: string) => (a === 'Arn' ? 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders-1' : undefined),
  };
  expect(evaluate({ N: { Ref: 'Table' }, A: { 'Fn::Sub': '${Table.Arn}/stream' }, G: { 'Fn::GetAtt': 'Table.Arn' } }, { ...keep, resources })).toEqual({
    N: 'orders-1',
    A: 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders-1/stream',
    G: 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders-1',
  });
  expect(() => evaluate({ N: { Ref: 'Nope' } }, { ...keep, resources })).toThrow('Unresolved resource dependencies [Nope]');
  expect(evaluate({ S: { 'Fn::GetAtt': ['Table', 'StreamArn'] } }, { ...keep, resources })).toEqual({ S: { 'Fn::GetAtt': ['Table', 'StreamArn'] } });
});

it('Or with a true operand and And with a false one settle even when another operand cannot be known', () => {
  const ctx: EvalContext = {
    ...keep,
    conditions: {
      ...keep.conditions,
      Unknowable: { 'Fn::Equals': [{ Ref: 'NotGiven' }, 'x'] },
      Either: { 'Fn::Or': [{ Condition: 'Unknowable' }, { Condition: 'IsProd' }] },
      Neither: { 'Fn::And': [{ Condition: 'Unknowable' }, { 'Fn::Not': [{ Condition: 'IsProd' }] }] },
      Open: { 'Fn::Or': [{ Condition: 'Unknowable' }, { 'Fn::Not': [{ Condition: 'IsProd' }] }] },
    },
  };
  const ev = new Evaluator(ctx);
  expect([ev.condition('Either'), ev.condition('Neither'), ev.condition('Open')]).toEqual([true, false, undefined]);
});

it('a condition that refers to itself can never be known; one that is not defined is an error', () => {
  const ctx: EvalContext = { ...strict, conditions: { A: { Condition: 'B' }, B: { Condition: 'A' } } };
  expect(() => new Evaluator(ctx).condition('A')).toThrow('Conditions.A refers to itself (A -> B -> A)');
  expect(new Evaluator({ ...ctx, unresolved: 'keep' }).condition('A')).toBeUndefined();
  expect(() => evaluate({ 'Fn::If': ['Missing', 1, 2] }, keep, 'X')).toThrow("X: condition 'Missing' is not defined in Conditions");
});

it('maps keyed by user names stay plain data (a parameter named constructor is not Object.prototype.constructor)', () => {
  expect(evaluate({ Ref: 'constructor' }, keep)).toEqual({ Ref: 'constructor' });
  expect(evaluate({ Ref: 'toString' }, { ...keep, parameters: { toString: 'x' } })).toBe('x');
});
