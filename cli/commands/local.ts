/**
 * `arc-dynamodb local up <template> [--param K=V]... [--endpoint URL] [--db-path DIR] [--seed DIR]`
 * `arc-dynamodb local down`
 *
 * Brings the tables of a template up in DynamoDB Local (local/), after expanding it with
 * the macro's own pure function. Exit codes: 0 done; 1 invalid template, conflict or failure;
 * 2 usage error.
 */
import { basename, extname } from 'node:path';
import type { KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { NativeTranslationError, type TablePlan } from '../../local/native-to-api';
import { assertParametersSet, LocalInputError } from '../../local/plan';
import { down, LocalConflictError, up, type UpReport } from '../../local/up';
import type { Logger } from '../../contract/logger';
import { parseArgs, UsageError } from '../args';
import type { CliIO, Command } from '../io';
import { TemplateReadError } from '../yaml';
import { expandLoaded, expandOptions, loadTemplate, parameterValues, TEMPLATE_OPTIONS, writeErrors } from './expand';

export const LOCAL_HELP = `usage: arc-dynamodb local up <template.yaml|template.json> [options]
       arc-dynamodb local down

up: expands the template (the same code the ArcDynamoDb macro runs), starts DynamoDB Local
unless --endpoint is given, creates or updates every table (new indexes one at a time, TTL,
streams), seeds them, and prints what it did. Running it again updates in place; a table that
exists with another key schema is refused, never dropped.
down: stops the DynamoDB Local that 'up' started from this folder.

options (up):
  --param Key=Value     a template parameter value (repeatable); others take their Default
  --endpoint URL        use this DynamoDB Local instead of starting one
  --db-path DIR         keep the started DynamoDB Local's data in DIR (default: in memory)
  --seed DIR            load DIR/<LogicalId or TableName>.<json|jsonl|csv|ion>[.gz|.zst] into the tables
  --stack-name NAME     names tables without TableName NAME-<LogicalId> (default: the template's file name)
  --region R            region for the expansion and the client (default: $AWS_REGION or us-east-1)
  --account A           12-digit account ID for the expansion (default: 123456789012)
  -h, --help            show this help

DynamoDB Local needs Java 17+; its state is kept in .arc-dynamodb/ in the current folder.
`;

const UP_OPTIONS = {
  ...TEMPLATE_OPTIONS,
  endpoint: { value: true },
  'db-path': { value: true },
  seed: { value: true },
  'stack-name': { value: true },
};

function usage(io: CliIO, message: string): number {
  io.stderr.write(`arc-dynamodb local: ${message}\nRun 'npx arc-dynamodb local --help' for usage.\n`);
  return 2;
}

function cliLogger(io: CliIO): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    io.stderr.write(`${level}: ${message}${fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { info: () => undefined, warn: (m, f) => line('warning', m, f), error: (m, f) => line('error', m, f) };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One line per table: keys, indexes, stream and TTL, as created. */
function describeTable(plan: TablePlan): string {
  const c = plan.create;
  const type = (name?: string) => c.AttributeDefinitions?.find((d) => d.AttributeName === name)?.AttributeType ?? '?';
  const keys = (ks?: KeySchemaElement[]) =>
    (ks ?? []).map((k) => `${k.AttributeName} ${k.KeyType === 'HASH' ? 'hash' : 'range'} ${type(k.AttributeName)}`).join(', ');
  const parts = [`${plan.tableName}: ${keys(c.KeySchema)}`, c.BillingMode === 'PROVISIONED' ? 'provisioned' : 'on demand'];
  for (const g of c.GlobalSecondaryIndexes ?? []) parts.push(`GSI ${g.IndexName} (${keys(g.KeySchema)})`);
  for (const l of c.LocalSecondaryIndexes ?? []) parts.push(`LSI ${l.IndexName} (${keys(l.KeySchema)})`);
  if (c.StreamSpecification?.StreamEnabled) parts.push(`stream ${c.StreamSpecification.StreamViewType}`);
  const ttl = plan.followUps.find((f) => f.kind === 'UpdateTimeToLive');
  if (ttl?.kind === 'UpdateTimeToLive') parts.push(`TTL ${ttl.input.TimeToLiveSpecification.AttributeName}`);
  return parts.join('; ');
}

export function formatReport(report: UpReport): string {
  const out: string[] = [];
  const where =
    report.server === 'external'
      ? 'given endpoint'
      : `${report.server}, ${report.dbPath ? `data in ${report.dbPath}` : 'in memory'}; stop it with 'npx arc-dynamodb local down' (or npm stop)`;
  out.push(`DynamoDB Local: ${report.endpoint} (${where})`, '');
  const byId = new Map(report.tables.map((t) => [t.logicalId, t]));
  const rows = [['LOGICAL ID', 'TYPE', 'LOCALLY']];
  for (const item of report.items) {
    if (item.kind === 'table') {
      const t = byId.get(item.logicalId);
      const what = t ? `${t.result}${t.changes.length > 0 && t.result === 'updated' ? ` (${t.changes.join(', ')})` : ''}` : 'not processed';
      rows.push([item.logicalId, item.type, `table ${item.plan.tableName}: ${what}`]);
    } else {
      rows.push([item.logicalId, item.type, `skipped: ${item.reason}`]);
    }
  }
  out.push(table(rows));
  const tables = report.items.flatMap((i) => (i.kind === 'table' ? [describeTable(i.plan)] : []));
  if (tables.length > 0) out.push('', 'tables:', ...tables.map((t) => `  ${t}`));
  const notes = report.tables.flatMap((t) => t.notes.map((n) => `  ${t.logicalId}: ${n}`));
  if (notes.length > 0) out.push('', 'notes:', ...notes);
  if (report.seeds.length > 0 || report.ignoredSeedFiles.length > 0) {
    out.push('', 'seed:');
    for (const s of report.seeds) {
      const c = s.counters;
      out.push(
        s.status === 'loaded'
          ? `  ${s.tableName}: ${c?.itemsWritten ?? 0} items written from ${s.files.length} file(s)`
          : `  ${s.tableName}: FAILED after ${c?.itemsWritten ?? 0} items: ${s.reason}`,
      );
    }
    for (const f of report.ignoredSeedFiles) out.push(`  ignored ${f}: its name matches no table, or its format is not .json, .jsonl, .csv or .ion`);
  }
  const skipped = report.items.filter((i) => i.kind === 'skipped').length;
  out.push('', `${report.tables.length} table(s) ready, ${skipped} resource(s) skipped (no local meaning).`);
  out.push(`Try: aws dynamodb list-tables --endpoint-url ${report.endpoint}`);
  return `${out.join('\n')}\n`;
}

async function runUp(args: string[], io: CliIO): Promise<number> {
  let parsed;
  let opts;
  try {
    parsed = parseArgs(args, UP_OPTIONS);
    if (parsed.flags.has('help') || parsed.flags.has('h')) {
      io.stdout.write(LOCAL_HELP);
      return 0;
    }
    if (parsed.positionals.length !== 1)
      throw new UsageError(parsed.positionals.length === 0 ? 'local up needs a template file' : `expected one template file, got ${parsed.positionals.length}`);
    opts = expandOptions(parsed.options, io);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }
  const file = parsed.positionals[0];
  const option = (name: string) => parsed.options[name]?.[0];
  try {
    const loaded = loadTemplate(file, io);
    const values = parameterValues(loaded.template, opts.params);
    assertParametersSet(loaded.template, values);
    const result = expandLoaded(loaded, opts);
    if (!result.ok) {
      writeErrors(result, file, io);
      return 1;
    }
    const stackName = option('stack-name') ?? basename(file, extname(file));
    const report = await up(
      result.fragment,
      { stackName, region: opts.region, accountId: opts.accountId, parameters: values },
      { cwd: io.cwd, endpoint: option('endpoint'), dbPath: option('db-path'), seedDir: option('seed'), env: io.env, log: cliLogger(io) },
    );
    io.stdout.write(formatReport(report));
    return report.seeds.some((s) => s.status === 'failed') ? 1 : 0;
  } catch (e) {
    if (e instanceof LocalConflictError) {
      io.stderr.write(`arc-dynamodb local up: refused, nothing was changed:\n${e.conflicts.map((c) => `  ${c}`).join('\n')}\n`);
      return 1;
    }
    if (e instanceof TemplateReadError || e instanceof LocalInputError || e instanceof NativeTranslationError) {
      io.stderr.write(`arc-dynamodb local up: ${file}: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`arc-dynamodb local up: ${(e as Error).message}\n`);
    if (io.env.ARC_DYNAMODB_DEBUG) io.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

async function runDown(args: string[], io: CliIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(LOCAL_HELP);
    return 0;
  }
  if (args.length > 0) return usage(io, `local down takes no arguments, got '${args.join(' ')}'`);
  const result = await down(io.cwd);
  if (result.how === 'stopped') io.stdout.write(`stopped DynamoDB Local (pid ${result.state.pid}, ${result.state.endpoint})\n`);
  else if (result.stale) io.stdout.write(`DynamoDB Local (pid ${result.stale.pid}) was no longer running; cleared its state\n`);
  else io.stdout.write('no DynamoDB Local started from this folder is running\n');
  return 0;
}

export const run: Command = async (args, io) => {
  const [sub, ...rest] = args;
  if (sub === 'up') return runUp(rest, io);
  if (sub === 'down') return runDown(rest, io);
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(LOCAL_HELP);
    return 0;
  }
  return usage(io, sub === undefined ? "expected 'up' or 'down'" : `unknown subcommand '${sub}' (expected 'up' or 'down')`);
};
