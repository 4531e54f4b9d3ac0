/**
 * The macro's core: a pure function from a template fragment to the expanded fragment, or to the
 * complete list of errors. No I/O, never throws, same input gives byte-identical output.
 *
 * Flow: find the Arc::DynamoDB::Table resources -> parse each (schema, values, defaults; what the
 * schema rejects is left out, the rest parsed) -> named rules on what parsed -> generators for the
 * tables without errors -> template-wide checks (table names, collisions, limits) on what did
 * expand -> merge in place of the Arc resource. Every error of every table comes in one failure.
 * Everything that is not an Arc resource is copied through untouched, in its original key order.
 */
import { dict } from '../contract/resources';
import { formatErrors, TEMPLATE_SCOPE, type ArcError } from './errors';
import { finishers, generators } from './generators';
import type { CfnOutput, CfnResource, ExpandContext, GeneratedParts } from './generators/types';
import { ARC_TABLE_TYPE, parseTable } from './model/parse';
import type { Passthrough, TableModel } from './model/types';
import { isObject } from './model/values';
import { runRules } from './rules';
import { ruleId, type RuleName } from './rules/catalog';

export type { ArcError } from './errors';

export interface ExpandInput {
  fragment: unknown;
  templateParameterValues?: Record<string, unknown>;
  region: string;
  accountId: string;
  providerServiceToken?: Passthrough<string>;
}

export type ExpandResult = { ok: true; fragment: Record<string, unknown> } | { ok: false; errors: ArcError[]; errorMessage: string };

/** CloudFormation's template quotas (AWS CloudFormation user guide, "Quotas"). */
export const MAX_RESOURCES = 500;
export const MAX_OUTPUTS = 200;

/** Without an injected ARN (the CLI), the provider is the function the packaging names `arc-dynamodb-provider`. */
export const DEFAULT_PROVIDER_SERVICE_TOKEN = { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:arc-dynamodb-provider' };

/** The macro's name in a template's `Transform` section. */
export const TRANSFORM_NAME = 'ArcDynamoDb';

const fail = (errors: ArcError[]): ExpandResult => ({ ok: false, errors, errorMessage: formatErrors(errors) });

/**
 * CloudFormation hands a template-level macro the template without its Transform section. Callers
 * that read a template file (the CLI, the golden tests) remove this macro from it the same way;
 * other transforms stay, for CloudFormation to run after this one.
 */
export function withoutArcTransform(template: Record<string, unknown>): Record<string, unknown> {
  if (!('Transform' in template)) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key !== 'Transform') out[key] = value;
    else if (Array.isArray(value)) {
      const rest = value.filter((t) => t !== TRANSFORM_NAME);
      if (rest.length > 0) out[key] = rest;
    } else if (value !== TRANSFORM_NAME) out[key] = value;
  }
  return out;
}

interface Expansion {
  logicalId: string;
  model: TableModel;
  parts: GeneratedParts;
}

const templateError = (name: RuleName, logicalId: string, path: string, message: string): ArcError => ({ rule: ruleId(name), logicalId, path, message });

/** Runs every generator; two of them claiming one logical ID is an error, never an overwrite. */
function generate(model: TableModel, ctx: ExpandContext): { parts: GeneratedParts; errors: ArcError[] } {
  const resources: Record<string, CfnResource> = dict();
  const outputs: Record<string, CfnOutput> = dict();
  const errors: ArcError[] = [];
  const duplicate = (kind: string, id: string) =>
    errors.push(
      templateError(
        'generated-ids-unique',
        model.logicalId,
        '',
        `generates the ${kind} ${id} twice; give its indexes or regions names that differ in more than punctuation`,
      ),
    );
  for (const generator of generators) {
    let part: GeneratedParts;
    try {
      part = generator(model, ctx);
    } catch (e) {
      // A generator bug, not bad input: still name the resource, and return no partial template.
      errors.push(
        templateError(
          'internal-error',
          model.logicalId,
          '',
          `internal error in the ArcDynamoDb macro (${generator.name || 'generator'}): ${(e as Error).message}`,
        ),
      );
      continue;
    }
    for (const [id, r] of Object.entries(part.resources)) {
      if (id in resources) duplicate('resource', id);
      resources[id] = r;
    }
    for (const [id, o] of Object.entries(part.outputs)) {
      if (id in outputs) duplicate('output', id);
      outputs[id] = o;
    }
  }
  let parts: GeneratedParts = { resources, outputs };
  for (const finish of finishers) parts = finish(model, parts);
  return { parts, errors };
}

function checkCollisions(template: Record<string, unknown>, resources: Record<string, unknown>, expansions: Expansion[]): ArcError[] {
  const errors: ArcError[] = [];
  const collision = (logicalId: string, path: string, message: string) => errors.push(templateError('generated-ids-unique', logicalId, path, message));
  const params = isObject(template.Parameters) ? Object.keys(template.Parameters) : [];
  const existingOutputs = isObject(template.Outputs) ? Object.keys(template.Outputs) : [];
  // Resource IDs share a namespace with parameter names (both are Ref targets).
  const taken = new Map<string, string>();
  // Every resource already in the template, Arc tables included: each keeps its own ID.
  for (const id of Object.keys(resources)) taken.set(id, `resource ${id}`);
  for (const id of params) taken.set(id, `parameter ${id}`);
  const takenOutputs = new Map<string, string>(existingOutputs.map((id) => [id, `output ${id}`]));

  for (const e of expansions) {
    for (const id of Object.keys(e.parts.resources)) {
      if (id === e.logicalId) continue;
      const owner = taken.get(id);
      if (owner) collision(e.logicalId, '', `generates the resource ${id}, which collides with the ${owner}; rename one of them`);
      else taken.set(id, `resource ${id} generated for ${e.logicalId}`);
    }
    for (const id of Object.keys(e.parts.outputs)) {
      const owner = takenOutputs.get(id);
      if (owner) collision(e.logicalId, 'Outputs', `generates the output ${id}, which collides with the ${owner}; rename one of them`);
      else takenOutputs.set(id, `output ${id} generated for ${e.logicalId}`);
    }
  }
  return errors;
}

/** A table of the template whose name is a literal: an Arc table (once parsed) or a native AWS::DynamoDB::Table. */
interface NamedTable {
  logicalId: string;
  name: string;
  condition?: unknown;
  arc: boolean;
}

/**
 * DynamoDB table names are unique in an account and region: the second CreateTable of a name
 * fails (ResourceInUseException), after CloudFormation has created everything before it. Two
 * tables can only both exist when neither has a Condition or both have the same one; tables
 * under different conditions may be alternatives, and are left alone.
 */
function checkTableNames(tables: NamedTable[]): ArcError[] {
  const errors: ArcError[] = [];
  tables.forEach((t, i) => {
    if (!t.arc) return;
    const first = tables.slice(0, i).find((o) => o.name === t.name && JSON.stringify(o.condition ?? null) === JSON.stringify(t.condition ?? null));
    if (!first) return;
    errors.push(
      templateError(
        'table-names-unique',
        t.logicalId,
        'TableName',
        `'${t.name}' is also the TableName of ${first.logicalId}; DynamoDB table names are unique in an account and region, so the second table ` +
          `would fail to create`,
      ),
    );
  });
  return errors;
}

interface Counts {
  resources: number;
  outputs: number;
  /** Arc tables with errors: their expansion is unknown, so each counts as one resource and no output. */
  failedTables: number;
}

function checkLimits(counts: Counts, expansions: Expansion[]): ArcError[] {
  const errors: ArcError[] = [];
  const atLeast = counts.failedTables > 0 ? 'at least ' : '';
  const partial = counts.failedTables > 0 ? `, counting each of the ${counts.failedTables} with errors as one resource` : '';
  if (counts.resources > MAX_RESOURCES) {
    const generated = expansions.reduce((n, e) => n + Object.keys(e.parts.resources).length, 0) + counts.failedTables;
    const alarms = expansions.reduce((n, e) => n + Object.values(e.parts.resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length, 0);
    const hint =
      alarms > 0 ? `; ${alarms} of them are CloudWatch alarms: set Monitoring.Enabled: false on some tables, or split the stack` : '; split the stack';
    errors.push(
      templateError(
        'resource-limit',
        TEMPLATE_SCOPE,
        'Resources',
        `the expanded template has ${atLeast}${counts.resources} resources, over CloudFormation's limit of ${MAX_RESOURCES} (the ` +
          `Arc::DynamoDB::Table resources expand to ${atLeast}${generated}${partial}${hint})`,
      ),
    );
  }
  if (counts.outputs > MAX_OUTPUTS) {
    errors.push(
      templateError(
        'output-limit',
        TEMPLATE_SCOPE,
        'Outputs',
        `the expanded template has ${atLeast}${counts.outputs} outputs, over CloudFormation's limit of ${MAX_OUTPUTS}; set Outputs: false on some tables`,
      ),
    );
    // Each table that picked groups is named, with its share, at the list that made them.
    for (const e of expansions) {
      const include = e.model.outputs?.include;
      if (include === undefined) continue;
      const n = Object.keys(e.parts.outputs).length;
      errors.push(
        templateError(
          'output-limit',
          e.logicalId,
          'Outputs.Include',
          `gives ${n} of the template's ${atLeast}${counts.outputs} outputs (${include.join(', ')}), over CloudFormation's limit of ${MAX_OUTPUTS} ` +
            'per template; include fewer groups (Indexes, Replicas and Autoscaling give outputs per index, replica and scalable target)',
        ),
      );
    }
  }
  return errors;
}

function expandUnsafe(input: ExpandInput): ExpandResult {
  const template = input.fragment;
  const shape = (path: string, message: string) => fail([templateError('template-shape', TEMPLATE_SCOPE, path, message)]);
  if (!isObject(template)) return shape('', 'the template must be a JSON object');
  const resources = template.Resources;
  if (!isObject(resources)) return shape('Resources', 'must be an object of resources');
  if (template.Outputs !== undefined && !isObject(template.Outputs)) return shape('Outputs', 'must be an object of outputs');
  const ctx: ExpandContext = {
    region: input.region,
    accountId: input.accountId,
    providerServiceToken: input.providerServiceToken ?? DEFAULT_PROVIDER_SERVICE_TOKEN,
  };

  // Every table is checked, whatever the others hold: all errors of all tables in one message.
  const errors: ArcError[] = [];
  const expansions: Expansion[] = [];
  const named: NamedTable[] = [];
  let arcTables = 0;
  let failedTables = 0;
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource)) continue;
    if (resource.Type === 'AWS::DynamoDB::Table') {
      const name = isObject(resource.Properties) ? resource.Properties.TableName : undefined;
      if (typeof name === 'string') named.push({ logicalId, name, condition: resource.Condition, arc: false });
      continue;
    }
    if (resource.Type !== ARC_TABLE_TYPE) continue;
    arcTables++;
    const parsed = parseTable(logicalId, resource, { params: input.templateParameterValues });
    const tableErrors = [...parsed.errors];
    if (parsed.model && parsed.properties) {
      // The rules run on what parsed, and stay silent on what only echoes an error above.
      tableErrors.push(
        ...runRules({ model: parsed.model, properties: parsed.properties, region: input.region, params: input.templateParameterValues, failed: parsed.failed }),
      );
      if (typeof parsed.model.tableName === 'string' && !parsed.failed.at('TableName')) {
        named.push({ logicalId, name: parsed.model.tableName, condition: parsed.model.condition, arc: true });
      }
    }
    errors.push(...tableErrors);
    if (tableErrors.length > 0 || !parsed.model) {
      failedTables++;
      continue;
    }
    const generated = generate(parsed.model, ctx);
    errors.push(...generated.errors);
    if (generated.errors.length > 0) failedTables++;
    else expansions.push({ logicalId, model: parsed.model, parts: generated.parts });
  }
  if (arcTables === 0) return { ok: true, fragment: template };

  // Template-wide checks run on the tables that did expand, even when others have errors.
  errors.push(...checkTableNames(named));
  errors.push(...checkCollisions(template, resources, expansions));

  // Generated resources take the Arc resource's place, so the expanded template reads in order.
  const byId = new Map(expansions.map((e) => [e.logicalId, e]));
  const outResources: Record<string, unknown> = dict();
  for (const [id, resource] of Object.entries(resources)) {
    const e = byId.get(id);
    if (!e) outResources[id] = resource;
    else Object.assign(outResources, e.parts.resources);
  }
  const generatedOutputs = Object.assign({}, ...expansions.map((e) => e.parts.outputs)) as Record<string, CfnOutput>;
  const outputCount = Object.keys(generatedOutputs).length + (isObject(template.Outputs) ? Object.keys(template.Outputs).length : 0);
  errors.push(...checkLimits({ resources: Object.keys(outResources).length, outputs: outputCount, failedTables }, expansions));
  if (errors.length > 0) return fail(errors);

  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key === 'Resources') out.Resources = outResources;
    else if (key === 'Outputs') out.Outputs = { ...(value as Record<string, unknown>), ...generatedOutputs };
    else out[key] = value;
  }
  if (!('Outputs' in out) && Object.keys(generatedOutputs).length > 0) out.Outputs = generatedOutputs;
  return { ok: true, fragment: out };
}

/** Expands every Arc::DynamoDB::Table in the fragment. Pure; never throws. */
export function expandTemplate(input: ExpandInput): ExpandResult {
  try {
    return expandUnsafe(input);
  } catch (e) {
    // A bug, not bad input; the caller still gets one failure with a message, never a partial template.
    return fail([templateError('internal-error', TEMPLATE_SCOPE, '', `internal error in the ArcDynamoDb macro: ${(e as Error).message}`)]);
  }
}
