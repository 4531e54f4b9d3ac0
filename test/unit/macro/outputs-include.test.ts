/**
 * The module's outputs (issue 14, part 4): `Outputs: true | {ExportPrefix}` stays exactly as it
 * was, `Include` picks groups, and the 200-output limit names each table at its Outputs.Include.
 */
import { expandTemplate } from '../../../macro/expand';

const base = { region: 'us-east-1', accountId: '123456789012' };
const table = (props: Record<string, unknown>) => ({
  Type: 'Arc::DynamoDB::Table',
  Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], StreamEnabled: true, Monitoring: { Enabled: false }, ...props },
});
const outputsOf = (props: Record<string, unknown>) => {
  const r = expandTemplate({ ...base, fragment: { Resources: { T: table(props) } } });
  if (!r.ok) throw new Error(r.errorMessage);
  return r.fragment.Outputs as Record<string, { Value: unknown; Export?: { Name: unknown } }>;
};

describe('Outputs', () => {
  it('true and {ExportPrefix} give the same three outputs as before', () => {
    expect(Object.keys(outputsOf({ Outputs: true }))).toEqual(['TName', 'TArn', 'TStreamArn']);
    const exported = outputsOf({ Outputs: { ExportPrefix: 'p' } });
    expect(Object.values(exported).map((o) => o.Export?.Name)).toEqual(['p-TableName', 'p-TableArn', 'p-StreamArn']);
  });

  it('Include gives only the groups named, in their order, exported as <prefix>-<ID without the table>', () => {
    const out = outputsOf({ Outputs: { ExportPrefix: 'p', Include: ['Stream', 'Table'] } });
    expect(Object.keys(out)).toEqual(['TStreamArn', 'TStreamLabel', 'TName', 'TArn']);
    expect(out.TStreamLabel.Export?.Name).toBe('p-StreamLabel');
    expect(out.TStreamLabel.Value).toEqual({ 'Fn::Select': [3, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['T', 'StreamArn'] }] }] });
  });

  it('names each table that picked groups when the template goes over 200 outputs', () => {
    const gsis = Array.from({ length: 20 }, (_, i) => ({ Name: `gsi${i}`, HashKey: `k${i}` }));
    const attributes = [{ Name: 'id', Type: 'S' }, ...gsis.map((g) => ({ Name: g.HashKey, Type: 'S' }))];
    const many = table({ Attributes: attributes, GlobalSecondaryIndexes: gsis, Outputs: { Include: ['Indexes'] } });
    const r = expandTemplate({ ...base, fragment: { Resources: { A: many, B: many, C: many, D: many, E: many, F: many } } });
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.map((e) => `${e.rule} ${e.logicalId} ${e.path}`)).toEqual([
      'ARC-E0004 Template Outputs',
      ...['A', 'B', 'C', 'D', 'E', 'F'].map((id) => `ARC-E0004 ${id} Outputs.Include`),
    ]);
    expect(errors[1].message).toMatch(/^gives 40 of the template's 240 outputs \(Indexes\), over CloudFormation's limit of 200/);
  });
});
