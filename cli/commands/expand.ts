/**
 * `arc-dynamodb expand <template> [--param Key=Value]... [--region R] [--account A]
 *   [--provider-arn ARN] [--format json|yaml]`
 *
 * Runs the same pure expansion the Lambda macro runs, offline, and prints the result.
 * Exit codes: 0 expanded; 1 the template is invalid or unreadable; 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expandTemplate, TRANSFORM_NAME, withoutArcTransform, type ExpandResult } from '../../macro/expand';
import { isObject } from '../../macro/model/values';
import { parseArgs, parseParams, UsageError, type OptionSpec } from '../args';
import type { CliIO, Command } from '../io';
import { formatTemplate, parseTemplate, TemplateReadError, type OutputFormat } from '../yaml';

/** The macro's name in `Transform:` (the AWS::CloudFormation::Macro resource in template.yaml). */
export const MACRO_NAME = TRANSFORM_NAME;
export const DEFAULT_ACCOUNT = '123456789012';

export const TEMPLATE_OPTIONS: Record<string, OptionSpec> = {
  param: { value: true, repeat: true },
  region: { value: true },
  account: { value: true },
  'provider-arn': { value: true },
  help: {},
  h: {},
};

export interface LoadedTemplate {
  path: string;
  template: Record<string, unknown>;
}

export interface ExpandOptions {
  params: Record<string, string>;
  region: string;
  accountId: string;
  providerArn?: string;
}

/** Reads and parses the template file; unreadable files and bad YAML/JSON become one-line errors. */
export function loadTemplate(file: string, io: CliIO): LoadedTemplate {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new TemplateReadError(`cannot read ${file}: ${why}`);
  }
  const template = parseTemplate(text, file);
  if (template === null || typeof template !== 'object' || Array.isArray(template))
    throw new TemplateReadError(`${file}: a template must be a YAML or JSON object`);
  return { path, template: template as Record<string, unknown> };
}

/** Pulls the shared options out of parsed arguments. */
export function expandOptions(options: Record<string, string[]>, io: CliIO): ExpandOptions {
  const region = options.region?.[0] ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const accountId = options.account?.[0] ?? DEFAULT_ACCOUNT;
  if (!/^\d{12}$/.test(accountId)) throw new UsageError(`--account must be a 12-digit AWS account ID, got '${accountId}'`);
  return { params: parseParams(options.param ?? []), region, accountId, providerArn: options['provider-arn']?.[0] };
}

/**
 * The parameter values CloudFormation would put in the macro event's `templateParameterValues`:
 * the given `--param` values, else each parameter's Default. List-typed parameters
 * (`CommaDelimitedList`, `List<...>`) arrive as lists.
 */
export function parameterValues(template: Record<string, unknown>, given: Record<string, string>): Record<string, unknown> {
  const declared = isObject(template.Parameters) ? template.Parameters : {};
  const unknown = Object.keys(given).filter((k) => !(k in declared));
  if (unknown.length > 0) throw new TemplateReadError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const values: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(declared)) {
    const d = isObject(decl) ? decl : {};
    const raw = name in given ? given[name] : d.Default;
    if (raw === undefined) continue;
    const isList = typeof d.Type === 'string' && (d.Type === 'CommaDelimitedList' || d.Type.startsWith('List<'));
    // CloudFormation delivers parameter values as strings (a Number parameter's 5 arrives as "5").
    const text = Array.isArray(raw) ? raw.map(String).join(',') : String(raw);
    values[name] = isList ? text.split(',').map((s) => s.trim()) : text;
  }
  return values;
}

/** True when the template's Transform names the macro (a string, or a list of names / {Name} objects). */
export function declaresMacro(template: Record<string, unknown>): boolean {
  const t = template.Transform;
  const names = (Array.isArray(t) ? t : t === undefined ? [] : [t]).map((x) => (isObject(x) ? x.Name : x));
  return names.includes(MACRO_NAME);
}

export function countArcTables(template: Record<string, unknown>): number {
  const resources = isObject(template.Resources) ? template.Resources : {};
  return Object.values(resources).filter((r) => isObject(r) && r.Type === 'Arc::DynamoDB::Table').length;
}

/**
 * The warning for a template that has Arc tables but does not name the macro in `Transform`
 * (CloudFormation would then reject the Arc types); none for a template without Arc tables.
 * `expand`, `validate` and `local up` print the same line.
 */
export function transformWarning(template: Record<string, unknown>, file: string): string | undefined {
  if (declaresMacro(template) || countArcTables(template) === 0) return undefined;
  return `warning: ${file} does not declare 'Transform: ${MACRO_NAME}'; CloudFormation will not expand its Arc resources\n`;
}

/** Expands a loaded template with the macro's pure function. */
export function expandLoaded(loaded: LoadedTemplate, opts: ExpandOptions): ExpandResult {
  // CloudFormation hands a template-level macro the template without the macro in its Transform
  // section; other transforms (e.g. AWS::Serverless-2016-10-31) stay, in order, to run after it.
  const input = {
    fragment: withoutArcTransform(loaded.template),
    templateParameterValues: parameterValues(loaded.template, opts.params),
    region: opts.region,
    accountId: opts.accountId,
    ...(opts.providerArn !== undefined ? { providerServiceToken: opts.providerArn } : {}),
  };
  return expandTemplate(input);
}

/**
 * Writes the expansion errors: the same text the macro returns to CloudFormation as
 * `errorMessage` (a count line, then one `- [LogicalId] Path: message (ARC-Exxxx)` line per
 * error, ending with the rule that found it; docs/reference.md lists the rules).
 */
export function writeErrors(result: Extract<ExpandResult, { ok: false }>, file: string, io: CliIO): void {
  io.stderr.write(`${file}: ${result.errorMessage.trimEnd()}\n`);
}

export const EXPAND_HELP = `usage: arc-dynamodb expand <template.yaml|template.json> [options]

Expands the Arc::DynamoDB::Table resources of a template into native CloudFormation, offline,
with the same code the ArcDynamoDb macro runs, and prints the result to stdout.

options:
  --param Key=Value     a template parameter value (repeatable); others take their Default
  --region R            the stack's region (default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1)
  --account A           the stack's 12-digit account ID (default: ${DEFAULT_ACCOUNT})
  --provider-arn ARN    the provider Lambda's ARN, used as ServiceToken of generated custom resources
  --format json|yaml    output format (default: json)
  -h, --help            show this help

exit codes: 0 expanded, 1 invalid or unreadable template, 2 usage error
`;

/** Shared driver: parses arguments, loads, expands; returns the result or an exit code. */
export function runExpansion(
  command: 'expand' | 'validate',
  args: string[],
  io: CliIO,
  extra: Record<string, OptionSpec>,
  help: string,
): { code: number } | { loaded: LoadedTemplate; result: ExpandResult; options: Record<string, string[]>; file: string } {
  let parsed;
  let opts: ExpandOptions;
  try {
    parsed = parseArgs(args, { ...TEMPLATE_OPTIONS, ...extra });
    if (parsed.flags.has('help') || parsed.flags.has('h')) {
      io.stdout.write(help);
      return { code: 0 };
    }
    if (parsed.positionals.length !== 1)
      throw new UsageError(parsed.positionals.length === 0 ? 'a template file is required' : `expected one template file, got ${parsed.positionals.length}`);
    opts = expandOptions(parsed.options, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`arc-dynamodb ${command}: ${e.message}\nRun 'npx arc-dynamodb ${command} --help' for usage.\n`);
    return { code: 2 };
  }
  const file = parsed.positionals[0];
  try {
    const loaded = loadTemplate(file, io);
    const warning = transformWarning(loaded.template, file);
    if (warning) io.stderr.write(warning);
    return { loaded, result: expandLoaded(loaded, opts), options: parsed.options, file };
  } catch (e) {
    if (!(e instanceof TemplateReadError)) throw e;
    io.stderr.write(`arc-dynamodb ${command}: ${e.message}\n`);
    return { code: 1 };
  }
}

export const run: Command = async (args, io) => {
  const outcome = runExpansion('expand', args, io, { format: { value: true, choices: ['json', 'yaml'] } }, EXPAND_HELP);
  if ('code' in outcome) return outcome.code;
  if (!outcome.result.ok) {
    writeErrors(outcome.result, outcome.file, io);
    return 1;
  }
  const format = (outcome.options.format?.[0] ?? 'json') as OutputFormat;
  io.stdout.write(formatTemplate(outcome.result.fragment, format));
  return 0;
};
