/**
 * The templates the macro proof runs on: every successful golden output
 * (test/fixtures/output/<case>.json, with input/<case>.params.json and parameter Defaults as
 * parameter values) and every example in templates/examples/, expanded with the CLI's own code.
 * Discovered by listing the folders, so new fixtures are covered without edits.
 */
import { Evaluator, pseudoParameters } from '../../../contract/intrinsics';
import { EXPORT_RESOURCE_TYPE, exportKeyPrefixFor } from '../../../contract/resources';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandLoaded, loadTemplate } from '../../../cli/commands/expand';

const root = join(__dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures');
const examplesDir = join(root, 'templates', 'examples');
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const STACK = 'arc-test';

export interface Case {
  name: string;
  template?: Record<string, unknown>;
  /** Template parameter values: the fixture's <case>.params.json, then the parameters' Defaults. */
  params: Record<string, unknown>;
  /** Why the case has no template (an example that did not expand). */
  error?: string;
}
function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function defaults(template: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const params = (template.Parameters ?? {}) as Record<string, { Default?: unknown }>;
  for (const [k, p] of Object.entries(params)) if (p && p.Default !== undefined) out[k] = p.Default;
  return out;
}

export function discoverCases(): Case[] {
  const cases: Case[] = [];
  const outDir = join(fixtures, 'output');
  const outputs = existsSync(outDir)
    ? readdirSync(outDir)
        .filter((f) => f.endsWith('.json') && !f.startsWith('error_'))
        .sort()
    : [];
  for (const f of outputs) {
    const name = f.replace(/\.json$/, '');
    const template = readJson(join(outDir, f)) as Record<string, unknown>;
    const paramsFile = join(fixtures, 'input', `${name}.params.json`);
    const given = existsSync(paramsFile) ? (readJson(paramsFile) as Record<string, unknown>) : {};
    cases.push({ name: `fixture ${name}`, template, params: { ...defaults(template), ...given } });
  }
  const examples = existsSync(examplesDir)
    ? readdirSync(examplesDir)
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .sort()
    : [];
  for (const f of examples) {
    const io = { stdout: process.stdout, stderr: process.stderr, cwd: examplesDir, env: {} };
    try {
      const loaded = loadTemplate(f, io);
      const result = expandLoaded(loaded, { params: {}, region: REGION, accountId: ACCOUNT });
      if (result.ok) cases.push({ name: `example ${f}`, template: result.fragment, params: defaults(loaded.template) });
      else cases.push({ name: `example ${f}`, params: {}, error: result.errorMessage });
    } catch (e) {
      cases.push({ name: `example ${f}`, params: {}, error: (e as Error).message });
    }
  }
  return cases;
}

export function templateOf(c: Case): Record<string, unknown> {
  if (!c.template) throw new Error(`${c.name} did not expand: ${c.error}`);
  return c.template;
}

/**
 * The native AWS::DynamoDB::Table resources CloudFormation would create from a template:
 * [logicalId, Properties], leaving out those whose Condition is false for these parameters.
 */
export function tablesOf(template: Record<string, unknown>, params: Record<string, unknown> = {}): [string, Record<string, unknown>][] {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string; Condition?: string; Properties?: Record<string, unknown> }>;
  const ev = new Evaluator({
    parameters: params,
    pseudo: pseudoParameters({ stackName: 'golden', region: 'us-east-1', accountId: '123456789012' }),
    conditions: (template.Conditions ?? {}) as Record<string, unknown>,
    unresolved: 'keep',
  });
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table' && (r.Condition === undefined || ev.condition(r.Condition) !== false))
    .map(([id, r]) => [id, withExportAttributes(r.Properties ?? {}, resources)]);
}

/**
 * A copy's ImportSourceSpecification reads Custom::ArcDynamoDbExport's Fn::GetAtt (CopyFrom): here
 * they are what such an export reports once made (provider/exports/handler.ts), with a fixed ID.
 */
function withExportAttributes(
  value: Record<string, unknown>,
  resources: Record<string, { Type?: string; Properties?: Record<string, unknown> }>,
): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const getAtt = o['Fn::GetAtt'];
    const source = Array.isArray(getAtt) ? resources[String(getAtt[0])] : undefined;
    if (Array.isArray(getAtt) && source?.Type === EXPORT_RESOURCE_TYPE) {
      const p = source.Properties ?? {};
      const prefix = `${exportKeyPrefixFor('golden', String(p.S3Prefix ?? p.TableLogicalId))}/AWSDynamoDB/01764633600000-a1b2c3d4/data/`;
      const attributes: Record<string, unknown> = { S3Bucket: p.S3Bucket, S3BucketOwner: p.S3BucketOwner ?? '123456789012', S3KeyPrefix: prefix };
      if (!(String(getAtt[1]) in attributes)) throw new Error(`no stand-in for ${String(getAtt[1])} of ${String(getAtt[0])}`);
      return attributes[String(getAtt[1])];
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value) as Record<string, unknown>;
}
