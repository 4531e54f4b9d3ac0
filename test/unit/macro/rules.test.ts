import { isObject } from '../../../macro/model/values';
import { parseTable } from '../../../macro/model/parse';
import { RULES } from '../../../macro/rules';
import { caseInput, listCases } from '../../fixtures/cases';

/** For every error fixture, which named rules report something on its Arc resources. */
function rulesFiredByErrorFixtures(): Set<string> {
  const fired = new Set<string>();
  for (const c of listCases().filter((x) => x.expectFailure)) {
    const input = caseInput(c);
    const resources = isObject(input.fragment) && isObject(input.fragment.Resources) ? input.fragment.Resources : {};
    for (const [id, resource] of Object.entries(resources)) {
      const parsed = parseTable(id, resource, { params: input.templateParameterValues });
      if (!parsed.model || !parsed.properties || parsed.errors.length > 0) continue;
      for (const rule of RULES) {
        if (rule({ model: parsed.model, properties: parsed.properties, region: input.region }).length > 0) fired.add(rule.name);
      }
    }
  }
  return fired;
}

describe('named rules', () => {
  it('each rule has a name and is exercised by at least one error fixture', () => {
    const names = RULES.map((r) => r.name);
    expect(names.every((n) => n.length > 0)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const fired = rulesFiredByErrorFixtures();
    expect(names.filter((n) => !fired.has(n))).toEqual([]);
  });

  it('no rule reports anything on the successful fixtures', () => {
    for (const c of listCases().filter((x) => !x.expectFailure)) {
      const input = caseInput(c);
      const resources = isObject(input.fragment) && isObject(input.fragment.Resources) ? input.fragment.Resources : {};
      for (const [id, resource] of Object.entries(resources)) {
        if (!isObject(resource) || resource.Type !== 'Arc::DynamoDB::Table') continue;
        const parsed = parseTable(id, resource, { params: input.templateParameterValues });
        expect({ case: c.name, errors: parsed.errors }).toEqual({ case: c.name, errors: [] });
        const errors = RULES.flatMap((rule) => rule({ model: parsed.model!, properties: parsed.properties!, region: input.region }));
        expect({ case: c.name, errors }).toEqual({ case: c.name, errors: [] });
      }
    }
  });
});
