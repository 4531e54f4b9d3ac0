/**
 * The build rewrites ajv's standalone validator to fit the macro's bundle target
 * (scripts/build-steps/10-schema.mjs `compact`). These tests hold the rewrite to two promises:
 *   - the compacted validator reports exactly ajv's errors, less `schemaPath`, on every golden
 *     fixture's Arc table and on each fixture broken in several ways at once;
 *   - when ajv's output no longer has the shape a rewrite expects, the build fails instead of
 *     shipping a validator rewritten in part.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCases, readTemplate, ROOT } from '../../fixtures/cases';

const STEP = join(ROOT, 'scripts', 'build-steps', '10-schema.mjs');
const SCHEMA = join(ROOT, 'schema', 'arc-dynamodb-table.schema.json');

/** Every Arc table's Properties in the golden inputs, and copies of each broken in several ways. */
function samples(): unknown[] {
  const tables: unknown[] = [];
  for (const c of listCases()) {
    const resources = (readTemplate(c.inputFile).Resources ?? {}) as Record<string, { Type?: string; Properties?: unknown }>;
    for (const r of Object.values(resources)) if (r.Type === 'Arc::DynamoDB::Table') tables.push(r.Properties ?? {});
  }
  const broken = tables.map((p) => {
    const copy = JSON.parse(JSON.stringify(p ?? {})) as Record<string, unknown>;
    for (const key of Object.keys(copy)) {
      const v = copy[key];
      copy[key] = Array.isArray(v) ? [...v, 7, { Unknown: true }] : typeof v === 'object' && v ? { ...v, NotAProperty: [1] } : [v];
    }
    return { ...copy, Hashkey: 'typo' };
  });
  return [...tables, ...broken, null, 'text', [], {}];
}

/** Runs a script in a fresh node, which imports the build step as ESM. */
function node(script: string): string {
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
}

describe('the compacted schema validator (scripts/build-steps/10-schema.mjs)', () => {
  it("reports exactly ajv's own errors, less schemaPath, on every fixture and on broken copies of each", () => {
    const dir = mkdtempSync(join(tmpdir(), 'arc-validator-'));
    const inputs = samples();
    writeFileSync(join(dir, 'samples.json'), JSON.stringify(inputs));
    node(
      `import(${JSON.stringify(STEP)}).then((m) => {` +
        `const fs = require('fs'); const path = require('path');` +
        `const raw = m.standaloneOf(JSON.parse(fs.readFileSync(${JSON.stringify(SCHEMA)}, 'utf8')));` +
        `fs.writeFileSync(path.join(${JSON.stringify(dir)}, 'raw.js'), raw);` +
        `fs.writeFileSync(path.join(${JSON.stringify(dir)}, 'compact.js'), m.compact(raw));` +
        `const a = require(path.join(${JSON.stringify(dir)}, 'raw.js')); const b = require(path.join(${JSON.stringify(dir)}, 'compact.js'));` +
        `const samples = JSON.parse(fs.readFileSync(path.join(${JSON.stringify(dir)}, 'samples.json'), 'utf8'));` +
        `const run = (v, s) => { const ok = v(s); return { ok, errors: (v.errors || []).map(({ schemaPath, ...e }) => e) }; };` +
        `fs.writeFileSync(path.join(${JSON.stringify(dir)}, 'result.json'), JSON.stringify({` +
        ` sizes: [raw.length, fs.statSync(path.join(${JSON.stringify(dir)}, 'compact.js')).size],` +
        ` raw: samples.map((s) => run(a, s)), compact: samples.map((s) => run(b, s)) }));` +
        `})`,
    );
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as {
      sizes: [number, number];
      raw: { ok: boolean; errors: unknown[] }[];
      compact: unknown[];
    };
    expect(result.compact).toEqual(result.raw);
    // The comparison means something only if the samples include valid tables and many errors.
    expect(result.raw.filter((r) => r.ok).length).toBeGreaterThan(20);
    expect(result.raw.reduce((n, r) => n + r.errors.length, 0)).toBeGreaterThan(500);
    expect(result.sizes[1]).toBeLessThan(result.sizes[0]);
    expect(readFileSync(join(ROOT, 'macro', 'generated', 'validate-table.js'), 'utf8')).not.toMatch(/schemaPath|parentData|rootData/);
  });

  it('fails the build, naming the rewrite, when ajv output no longer has the expected shape', () => {
    const probe = (code: string): string =>
      node(
        `import(${JSON.stringify(STEP)}).then((m) => { try { m.compact(${JSON.stringify(code)}); process.stdout.write('no error'); }` +
          ` catch (e) { process.stdout.write(e.message); } })`,
      );
    expect(probe('"use strict";module.exports = function validate0(data) { return true; };')).toBe(
      'ajv standalone output changed shape: the "schemaPath" rewrite matched nothing',
    );
  });
});
