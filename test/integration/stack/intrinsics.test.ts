/**
 * The engine's template evaluation over every expanded golden output (test/fixtures/output):
 * every resource the conditions keep resolves to literal values, and every template has a
 * dependency order. Plus the intrinsics those outputs do not happen to use.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Evaluator, intrinsicKey, pseudoParameters, resolveParameters, TemplateError } from '../../support/stack-engine/intrinsics';
import { creationOrder, deletionOrder } from '../../support/stack-engine/graph';
import type { Template } from '../../support/stack-engine/types';

const DIR = join(__dirname, '..', '..', 'fixtures', 'output');
const pseudo = pseudoParameters({
  stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
  stackName: 's',
  region: 'us-east-1',
  accountId: '123456789012',
});
const lookup = { ref: (id: string) => `phys-${id}`, getAtt: (id: string, a: string) => `att-${id}-${a}` };
// For the fixtures, ARNs keep their shape (a stream label is the fourth '/'-separated part of the stream ARN: Outputs.Include Stream).
const fixtureLookup = {
  ref: lookup.ref,
  getAtt: (id: string, a: string) =>
    a === 'StreamArn'
      ? `arn:aws:dynamodb:us-east-1:123456789012:table/phys-${id}/stream/2026-12-01T00:00:00.000`
      : a === 'Arn'
        ? `arn:aws:dynamodb:us-east-1:123456789012:table/phys-${id}`
        : `att-${id}-${a}`,
};

function unresolved(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => unresolved(x, `${path}[${i}]`));
  if (v === null || typeof v !== 'object') return [];
  if (intrinsicKey(v)) return [`${path}: ${JSON.stringify(v).slice(0, 80)}`];
  return Object.entries(v).flatMap(([k, x]) => unresolved(x, `${path}.${k}`));
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8'))] as const)
  .filter(([, t]) => t.Resources !== undefined);

it('resolves every resource of every expanded fixture to literals, in a dependency order', () => {
  expect(fixtures.length).toBeGreaterThan(25);
  let resolved = 0;
  for (const [file, template] of fixtures as [string, Template][]) {
    // Parameters without a Default take their first allowed value.
    const given = Object.fromEntries(
      Object.entries(template.Parameters ?? {})
        .filter(([, p]) => p.Default === undefined)
        .map(([k, p]) => [k, String((p.AllowedValues as unknown[] | undefined)?.[0] ?? 'x')]),
    );
    const ev = new Evaluator(template, resolveParameters(template, given), pseudo, fixtureLookup);
    const ids = Object.entries(template.Resources)
      .filter(([, r]) => r.Condition === undefined || ev.condition(r.Condition))
      .map(([id]) => id);
    const order = creationOrder(template, ids);
    expect({ file, n: order.length }).toEqual({ file, n: ids.length });
    expect(deletionOrder(template, ids)).toEqual([...order].reverse());
    for (const id of ids) {
      const props = ev.resolve(template.Resources[id].Properties ?? {});
      expect({ file, id, left: unresolved(props) }).toEqual({ file, id, left: [] });
      resolved++;
    }
    for (const o of Object.values(template.Outputs ?? {}))
      if (typeof o.Condition !== 'string' || ev.condition(o.Condition)) expect(unresolved(ev.resolve(o.Value))).toEqual([]);
  }
  expect(resolved).toBeGreaterThan(150);
});

it('implements the pseudo-parameters, NoValue, Sub, Select, Split, Join, If and the condition functions', () => {
  const t: Template = {
    Parameters: { Env: { Type: 'String', AllowedValues: ['prod', 'dev'] }, Zones: { Type: 'CommaDelimitedList', Default: 'a,b' } },
    Conditions: {
      IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
      NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      Both: { 'Fn::And': [{ Condition: 'IsProd' }, { 'Fn::Or': [{ Condition: 'NotProd' }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }] }] },
    },
    Resources: { T: { Type: 'AWS::DynamoDB::Table' } },
  };
  const ev = new Evaluator(t, resolveParameters(t, { Env: 'prod' }), pseudo, lookup);
  expect(
    ev.resolve({
      b: { 'Fn::Sub': ['${AWS::Partition}.${AWS::URLSuffix}/${X}', { X: { Ref: 'AWS::AccountId' } }] },
      c: { 'Fn::Select': [1, { 'Fn::Split': [',', { 'Fn::Join': [',', { Ref: 'Zones' }] }] }] },
      d: { 'Fn::If': ['NotProd', 'x', { Ref: 'AWS::NoValue' }] },
      e: [{ 'Fn::If': ['IsProd', { 'Fn::GetAtt': ['T', 'StreamArn'] }, 'y'] }, { Ref: 'AWS::NoValue' }],
      f: { 'Fn::GetAtt': 'T.Arn' },
      g: { Ref: 'AWS::StackId' },
      h: { Ref: 'AWS::Region' },
    }),
  ).toEqual({ b: 'aws.amazonaws.com/123456789012', c: 'b', e: ['att-T-StreamArn'], f: 'att-T-Arn', g: pseudo['AWS::StackId'], h: 'us-east-1' });
  expect(ev.resolve({ 'Fn::Sub': '${AWS::StackName}-${T}-${T.Arn}-${!Literal}' })).toBe('s-phys-T-att-T-Arn-${Literal}');
  expect(ev.condition('Both')).toBe(true);
  expect(() => resolveParameters(t, { Env: 'test' })).toThrow(TemplateError);
  expect(() => resolveParameters(t, {})).toThrow(/Parameters: \[Env\] must have values/);
  expect(() => ev.resolve({ Ref: 'Nope' })).toThrow(/Unresolved resource dependencies \[Nope\]/);
});
