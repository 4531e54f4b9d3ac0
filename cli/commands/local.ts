/**
 * `arc-dynamodb local up <template> [--param K=V]... [--endpoint URL | --port N] [--db-path DIR]
 *   [--seed DIR] [--allow-drift] [--verbose]`
 * `arc-dynamodb local down`
 *
 * Brings the tables of a template up in DynamoDB Local (local/), after expanding it with
 * the macro's own pure function. Exit codes: 0 done; 1 invalid template, drift that could not be
 * applied (unless --allow-drift), or a failure; 2 usage error.
 */
import { basename, extname } from 'node:path';
import { NativeTranslationError } from '../../local/native-to-api';
import { assertParametersSet, LocalInputError, type LocalItem } from '../../local/plan';
import { describeKeys, describeProjection, type LiveTable } from '../../local/sync-table';
import { down, up, type UpReport } from '../../local/up';
import type { Logger } from '../../contract/logger';
import { parseArgs, UsageError } from '../args';
import type { CliIO, Command } from '../io';
import { TemplateReadError } from '../yaml';
import { count, wrap } from '../text';
import { expandLoaded, expandOptions, loadTemplate, parameterValues, TEMPLATE_OPTIONS, transformWarning, writeErrors } from './expand';

export const LOCAL_HELP = `usage: arc-dynamodb local up <template.yaml|template.json> [options]
       arc-dynamodb local down

up: expands the template (the same code the ArcDynamoDb macro runs), starts DynamoDB Local
unless --endpoint is given, creates or updates every table (billing, new indexes one at a time,
stream, TTL), seeds them, and prints each table as DynamoDB Local describes it. A difference it
cannot apply (key schema, an index's keys or projection, LSIs, an index the template dropped) is
reported and exits 1; it never drops a table or an index.
down: stops the DynamoDB Local that 'up' started from this folder.

options (up):
  --param Key=Value     a template parameter value (repeatable); others take their Default
  --endpoint URL        use this DynamoDB Local instead of starting one
  --port N              start DynamoDB Local on port N (default: a free port), so the endpoint
                        stays the same across down and up
  --db-path DIR         keep the started DynamoDB Local's data in DIR (default: in memory)
  --seed DIR            load DIR/<LogicalId or TableName>.<json|jsonl|csv|ion>[.gz|.zst] into the tables
  --allow-drift         exit 0 even when a difference between template and table was not applied
  --stack-name NAME     names tables without TableName NAME-<LogicalId> (default: the template's file name)
  --region R            region for the expansion and the client (default: $AWS_REGION or us-east-1)
  --account A           12-digit account ID for the expansion (default: 123456789012)
  --verbose             list every skipped resource, not one line per kind
  -h, --help            show this help

DynamoDB Local needs Java 17+; its state is kept in .arc-dynamodb/ in the current folder.
`;

const UP_OPTIONS = {
  ...TEMPLATE_OPTIONS,
  endpoint: { value: true },
  port: { value: true },
  'db-path': { value: true },
  seed: { value: true },
  'stack-name': { value: true },
  'allow-drift': {},
  verbose: {},
};

/** The summary's width: it fits a 100-column terminal. */
const WIDTH = 100;

function usage(io: CliIO, message: string): number {
  io.stderr.write(`arc-dynamodb local: ${message}\nRun 'npx arc-dynamodb local --help' for usage.\n`);
  return 2;
}

function cliLogger(io: CliIO): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    io.stderr.write(`${level}: ${message}${fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { info: () => undefined, warn: (m, f) => line('warning', m, f), error: (m, f) => line('error', m, f) };
}

/** A table as DescribeTable and DescribeTimeToLive show it: keys, then billing, stream and TTL, then one line per index. */
export function describeLive(live: LiveTable): string[] {
  const t = live.table;
  const defs = t.AttributeDefinitions;
  const cap = (p?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number }) => `${p?.ReadCapacityUnits ?? 0}/${p?.WriteCapacityUnits ?? 0}`;
  const onDemand = t.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST';
  const settings = [onDemand ? 'on demand' : `provisioned ${cap(t.ProvisionedThroughput)}`];
  settings.push(t.StreamSpecification?.StreamEnabled ? `stream ${t.StreamSpecification.StreamViewType}` : 'no stream');
  settings.push(live.ttlAttribute ? `TTL ${live.ttlAttribute}` : 'no TTL');
  if (t.DeletionProtectionEnabled) settings.push('deletion protection');
  const lines = [`keys ${describeKeys(t.KeySchema, defs)}`, settings.join('; ')];
  for (const g of t.GlobalSecondaryIndexes ?? [])
    lines.push(
      `GSI ${g.IndexName}: ${describeKeys(g.KeySchema, defs)}; ${describeProjection(g.Projection)}${onDemand ? '' : `; ${cap(g.ProvisionedThroughput)}`}`,
    );
  for (const l of t.LocalSecondaryIndexes ?? []) lines.push(`LSI ${l.IndexName}: ${describeKeys(l.KeySchema, defs)}; ${describeProjection(l.Projection)}`);
  return lines;
}

/** The skipped resources, one line per reason; with `verbose`, their logical IDs under each. */
function skippedLines(items: LocalItem[], verbose: boolean): string[] {
  const byReason = new Map<string, string[]>();
  for (const i of items) if (i.kind === 'skipped') byReason.set(i.reason, [...(byReason.get(i.reason) ?? []), i.logicalId]);
  const out: string[] = [];
  for (const [reason, ids] of byReason) {
    const colon = reason.indexOf(': ');
    const [kind, why] = colon > 0 ? [reason.slice(0, colon), reason.slice(colon + 2)] : [reason, ''];
    out.push(...wrap(`${kind} (${count(ids.length, 'resource')})${why ? `: ${why}` : ''}`, '  ', WIDTH));
    if (verbose) out.push(...wrap(ids.join(', '), '    ', WIDTH, '    '));
  }
  return out;
}

export interface FormatOptions {
  verbose?: boolean;
  region: string;
  env: NodeJS.ProcessEnv;
}

export function formatReport(report: UpReport, options: FormatOptions): string {
  const out: string[] = [];
  const where = report.server === 'external' ? 'given endpoint' : `${report.server}, ${report.dbPath ? `data in ${report.dbPath}` : 'in memory'}`;
  out.push(...wrap(`DynamoDB Local: ${report.endpoint} (${where})`, '', WIDTH, '  '));
  if (report.server !== 'external') out.push("  stop it with 'npx arc-dynamodb local down' (or npm stop)");
  const byId = new Map(report.tables.map((t) => [t.logicalId, t]));
  const tableItems = report.items.flatMap((i) => (i.kind === 'table' ? [i] : []));
  if (tableItems.length > 0) out.push('', 'tables (as DynamoDB Local describes them):');
  for (const item of tableItems) {
    const t = byId.get(item.logicalId);
    const result = t ? (t.result === 'drifted' ? 'left as it is' : t.result) : 'not processed';
    out.push(...wrap(`${item.logicalId} -> ${item.plan.tableName}: ${result}`, '  ', WIDTH, '    '));
    if (!t) continue;
    if (t.live) for (const line of describeLive(t.live)) out.push(...wrap(line, '    ', WIDTH, '      '));
    if (t.result !== 'created') for (const c of t.changes) out.push(...wrap(`changed: ${c}`, '    ', WIDTH, '      '));
    for (const d of t.drift) out.push(...wrap(`DRIFT: ${d}`, '    ', WIDTH, '      '));
    for (const n of t.notes) out.push(...wrap(`note: ${n}`, '    ', WIDTH, '      '));
  }
  const skipped = report.items.filter((i) => i.kind === 'skipped').length;
  if (skipped > 0)
    out.push('', `skipped, no local meaning${options.verbose ? '' : ' (--verbose lists them)'}:`, ...skippedLines(report.items, options.verbose === true));
  if (report.seeds.length > 0 || report.ignoredSeedFiles.length > 0) {
    out.push('', 'seed:');
    for (const s of report.seeds) {
      const c = s.counters;
      const from = `from ${count(s.files.length, 'file')} read as ${s.readAs.join(' and ')}`;
      out.push(
        ...wrap(
          s.status === 'loaded'
            ? `${s.tableName}: ${count(c?.itemsWritten ?? 0, 'item')} written ${from}`
            : `${s.tableName}: FAILED after ${count(c?.itemsWritten ?? 0, 'item')} ${from}: ${s.reason}`,
          '  ',
          WIDTH,
          '    ',
        ),
      );
    }
    for (const f of report.ignoredSeedFiles)
      out.push(...wrap(`ignored ${f}: its name matches no table, or its format is not .json, .jsonl, .csv or .ion`, '  ', WIDTH, '    '));
  }
  const drifted = report.tables.filter((t) => t.drift.length > 0).length;
  const ready = report.tables.length - report.tables.filter((t) => t.result === 'drifted').length;
  out.push(
    '',
    `${count(ready, 'table')} ready, ${count(skipped, 'resource')} skipped (no local meaning)${drifted ? `, ${count(drifted, 'table')} with drift` : ''}.`,
  );
  // Works without AWS configuration: the started DynamoDB Local takes any key and region; an
  // external one keeps a database per key and region, so the hint names the ones `up` used.
  const ours = report.server !== 'external' || !(options.env.AWS_ACCESS_KEY_ID && options.env.AWS_SECRET_ACCESS_KEY);
  out.push(
    ours ? 'Try: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\' : 'Try: \\',
    `  aws dynamodb list-tables --region ${options.region} --endpoint-url ${report.endpoint}`,
  );
  return `${out.join('\n')}\n`;
}

function portOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new UsageError(`--port must be a port number from 1 to 65535, got '${v}'`);
  return Number(v);
}

async function runUp(args: string[], io: CliIO): Promise<number> {
  let parsed;
  let opts;
  let port: number | undefined;
  try {
    parsed = parseArgs(args, UP_OPTIONS);
    if (parsed.flags.has('help') || parsed.flags.has('h')) {
      io.stdout.write(LOCAL_HELP);
      return 0;
    }
    if (parsed.positionals.length !== 1)
      throw new UsageError(parsed.positionals.length === 0 ? 'local up needs a template file' : `expected one template file, got ${parsed.positionals.length}`);
    opts = expandOptions(parsed.options, io);
    port = portOption(parsed.options.port?.[0]);
    if (port !== undefined && parsed.options.endpoint) throw new UsageError('--port starts a DynamoDB Local; with --endpoint nothing is started');
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }
  const file = parsed.positionals[0];
  const option = (name: string) => parsed.options[name]?.[0];
  try {
    const loaded = loadTemplate(file, io);
    const warning = transformWarning(loaded.template, file);
    if (warning) io.stderr.write(warning);
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
      {
        cwd: io.cwd,
        endpoint: option('endpoint'),
        port,
        dbPath: option('db-path'),
        seedDir: option('seed'),
        env: io.env,
        log: cliLogger(io),
        onWait: (pid) => io.stderr.write(`waiting for another arc-dynamodb local command in this folder (pid ${pid}) to finish...\n`),
      },
    );
    io.stdout.write(formatReport(report, { verbose: parsed.flags.has('verbose'), region: opts.region, env: io.env }));
    const drift = report.tables.flatMap((t) => t.drift.map(() => t.logicalId));
    if (drift.length > 0 && !parsed.flags.has('allow-drift')) {
      const them = drift.length === 1 ? 'it' : 'them';
      io.stderr.write(
        `arc-dynamodb local up: ${count(drift.length, 'difference')} between the template and the local tables ` +
          `(${[...new Set(drift)].join(', ')}) could not be applied (DRIFT above); fix ${them}, or pass --allow-drift to accept ${them}\n`,
      );
      return 1;
    }
    return report.seeds.some((s) => s.status === 'failed') ? 1 : 0;
  } catch (e) {
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
