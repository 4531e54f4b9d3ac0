/**
 * The rule catalog (macro/rules/catalog.ts) is complete and consistent: every ID well-formed and
 * unique, every table rule registered once, every rule fired by at least one error golden, and
 * every error of every golden carrying a registered ID.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../../macro/rules';
import { RULE_IDS } from '../../../macro/rules/catalog';
import { CATALOG } from '../../../macro/rules/catalog-docs';
import { listCases } from '../../fixtures/cases';

interface GoldenError {
  rule: string;
  logicalId: string;
  path: string;
  message: string;
}

const errorGoldens = listCases()
  .filter((c) => c.expectFailure && existsSync(c.outputFile))
  .map((c) => ({ name: c.name, ...(JSON.parse(readFileSync(c.outputFile, 'utf8')) as { errorMessage: string; errors: GoldenError[] }) }));

describe('the rule catalog', () => {
  it('gives every check a unique, grouped ID, a name, a description and an https source or none', () => {
    const ids = CATALOG.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(CATALOG.map((r) => r.name)).size).toBe(CATALOG.length);
    for (const r of CATALOG) {
      expect({ id: r.id, ok: /^ARC-E[0-9]{4}$/.test(r.id) && r.description.length > 10 && (r.source === null || r.source.startsWith('https://')) }).toEqual({
        id: r.id,
        ok: true,
      });
    }
    // IDs are listed in order, so the catalog reads by group.
    expect([...ids].sort()).toEqual(ids);
  });

  it('the IDs the macro carries at run time are exactly the documented catalog', () => {
    expect(RULE_IDS).toEqual(Object.fromEntries(CATALOG.map((r) => [r.name, r.id])));
  });

  it('registers every table rule exactly once, in RULES, and nothing else there', () => {
    const registered = RULES.map((r) => r.meta.name);
    expect(new Set(registered).size).toBe(registered.length);
    expect([...registered].sort()).toEqual(
      CATALOG.filter((r) => r.stage === 'table')
        .map((r) => r.name)
        .sort(),
    );
  });

  it('every rule but internal-error is fired by at least one error golden', () => {
    const fired = new Set(errorGoldens.flatMap((g) => g.errors.map((e) => e.rule)));
    expect(CATALOG.filter((r) => r.name !== 'internal-error' && !fired.has(r.id)).map((r) => `${r.id} ${r.name}`)).toEqual([]);
  });

  it('every golden error carries a registered rule ID, and its line of the errorMessage ends with it', () => {
    const ids = new Set<string>(CATALOG.map((r) => r.id));
    for (const g of errorGoldens) {
      const lines = g.errorMessage.split('\n');
      expect(lines[0]).toBe(`${g.errors.length} error(s) in Arc::DynamoDB::Table resources:`);
      g.errors.forEach((e, i) => {
        expect({ case: g.name, known: ids.has(e.rule) }).toEqual({ case: g.name, known: true });
        expect(lines[i + 1]).toBe(`- [${e.logicalId}] ${e.path ? `${e.path}: ` : ''}${e.message} (${e.rule})`);
      });
    }
  });
});

describe('docs/reference.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'reference.md'), 'utf8');
  it('lists every rule with its ID, description and source', () => {
    const missing = CATALOG.filter((r) => !doc.includes(`| \`${r.id}\` | ${r.name} | ${r.description} | ${r.source === null ? '—' : r.source} |`)).map(
      (r) => r.id,
    );
    expect(missing).toEqual([]);
  });
});
