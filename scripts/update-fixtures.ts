/**
 * Rewrites test/fixtures/output/ from the current macro: `npm run fixtures:update`.
 * Review the diff: the golden files are the specification. Stale outputs (no input) are removed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listCases, OUTPUT_DIR, render, runCase } from '../test/fixtures/cases';

mkdirSync(OUTPUT_DIR, { recursive: true });
const cases = listCases();
let changed = 0;
let mismatched = 0;
for (const c of cases) {
  const result = runCase(c);
  if (result.ok === c.expectFailure) {
    mismatched++;
    process.stderr.write(
      `! ${c.name}: expected ${c.expectFailure ? 'a failure' : 'success'}, got ${result.ok ? 'success' : `failure:\n${result.errorMessage}`}\n`,
    );
  }
  const text = render(result);
  const previous = existsSync(c.outputFile) ? readFileSync(c.outputFile, 'utf8') : undefined;
  if (previous !== text) {
    writeFileSync(c.outputFile, text);
    changed++;
    process.stdout.write(`${previous === undefined ? 'new' : 'updated'} ${c.name}\n`);
  }
}
const wanted = new Set(cases.map((c) => `${c.name}.json`));
for (const f of readdirSync(OUTPUT_DIR)) {
  if (f.endsWith('.json') && !wanted.has(f)) {
    unlinkSync(join(OUTPUT_DIR, f));
    process.stdout.write(`removed ${f}\n`);
  }
}
process.stdout.write(`${cases.length} cases, ${changed} written${mismatched ? `, ${mismatched} with the wrong outcome` : ''}\n`);
if (mismatched) process.exitCode = 1;
