import { existsSync, readFileSync } from 'node:fs';
import { expandTemplate } from '../../../macro/expand';
import { caseInput, listCases, render } from '../../fixtures/cases';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value as Record<string, unknown>).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

const cases = listCases();

describe('golden fixtures', () => {
  it('finds the six usage-guide examples and the input cases', () => {
    const names = cases.map((c) => c.name);
    for (const example of ['basic', 'advanced', 'serverless', 'global', 'gaming-leaderboard', 'import']) {
      expect(names).toContain(`example_${example}`);
    }
    expect(cases.length).toBeGreaterThan(6);
  });

  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it(c.expectFailure ? 'fails with exactly the recorded errorMessage' : 'expands to exactly the recorded template', () => {
      expect(existsSync(c.outputFile)).toBe(true);
      const input = caseInput(c);
      deepFreeze(input); // expansion must not mutate its input
      const result = expandTemplate(input);
      expect(result.ok).toBe(!c.expectFailure);
      expect(render(result)).toBe(readFileSync(c.outputFile, 'utf8'));
    });

    it('gives byte-identical output when run again', () => {
      expect(render(expandTemplate(caseInput(c)))).toBe(render(expandTemplate(caseInput(c))));
    });
  });
});
