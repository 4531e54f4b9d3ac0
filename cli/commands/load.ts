/**
 * `arc-dynamodb load --table T (--s3 s3://bucket/prefix | --file PATH...) [--format F]
 *   [--compression C] [--write-mode M] [--max-rejected N] [--endpoint URL] [--s3-endpoint URL]
 *   [--region R] [--bucket-owner ACCOUNT] [--delimiter D] [--header a,b,c] [--concurrency N]
 *   [--write-capacity-percent P] [--max-write-units-per-second N] [--max-items-per-second N]`
 *
 * The custom resource's loader, from a terminal: into any table, DynamoDB Local included.
 * Exit codes: 0 loaded (rejects within --max-rejected); 1 the load failed; 2 usage error.
 *
 * `arc-dynamodb load --stack STACK --resource LOGICAL_ID [--region R] [--cloudformation-endpoint URL]
 *   [--stepfunctions-endpoint URL]`
 *
 * Follows the newest distributed load (Step Functions execution) of the stack's
 * Custom::ArcDynamoDbLoad until it ends (cli/load-progress.ts), one progress line per look.
 * Exit codes: 0 it SUCCEEDED; 1 it FAILED, TIMED_OUT or ABORTED, or the resource has none; 2 usage error.
 */
import { existsSync } from 'node:fs';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { S3Client } from '@aws-sdk/client-s3';
import { runLoad } from '../../load/loader';
import { describeKind, oneItemPerLineProblem, seedFileKind } from '../../local/seed';
import { COMPRESSION_TYPES, CSV_DELIMITERS, INPUT_FORMATS, WRITE_MODES } from '../../contract/resources';
import { FileSource, S3Source, type ObjectSource } from '../../load/source';
import type { CompressionType, InputFormat, LoadOptions, Progress, WriteMode } from '../../load/types';
import type { WriteBudget } from '../../load/budget';
import type { Logger } from '../../contract/logger';
import { parseArgs, UsageError, type OptionSpec } from '../args';
import { credentialsFor } from '../aws';
import { count } from '../text';
import type { CliIO, Command } from '../io';
import {
  cloudFormationWaits,
  follow,
  followVerdict,
  listExecutions,
  loadTargets,
  newestExecution,
  progressText,
  readStack,
  sfnClientFor,
  stepFunctionsNote,
} from '../load-progress';
import { LOAD_RESOURCE_TYPE } from '../../contract/resources';

const SPEC: Record<string, OptionSpec> = {
  table: { value: true },
  s3: { value: true },
  file: { value: true, repeat: true },
  format: { value: true, choices: INPUT_FORMATS },
  compression: { value: true, choices: COMPRESSION_TYPES },
  'write-mode': { value: true, choices: WRITE_MODES },
  'max-rejected': { value: true },
  endpoint: { value: true },
  's3-endpoint': { value: true },
  region: { value: true },
  'bucket-owner': { value: true },
  delimiter: { value: true },
  header: { value: true },
  concurrency: { value: true },
  'write-capacity-percent': { value: true },
  'max-write-units-per-second': { value: true },
  'max-items-per-second': { value: true },
  stack: { value: true },
  resource: { value: true },
  'cloudformation-endpoint': { value: true },
  'stepfunctions-endpoint': { value: true },
  help: {},
  h: {},
};

/** What only the follow mode (`--stack --resource`) takes; everything else but --region belongs to the --table mode. */
const FOLLOW_OPTIONS = ['stack', 'resource', 'cloudformation-endpoint', 'stepfunctions-endpoint'];

export const HELP = `usage: arc-dynamodb load --table TABLE (--s3 s3://BUCKET/PREFIX | --file PATH...) [options]
       arc-dynamodb load --stack STACK --resource LOGICAL_ID [--region R] [--cloudformation-endpoint URL]
                         [--stepfunctions-endpoint URL]

Loads DynamoDB JSON, Ion or CSV data (as DynamoDB ImportTable reads them) into an existing table;
or, with --stack and --resource, follows a stack's distributed load (Load.Distributed) until it ends.

  --table TABLE            the table to load into (it must exist)
  --s3 s3://BUCKET/PREFIX  every object under the prefix, in key order
  --file PATH              a local file (repeat for more), in the order given
  --format F               DYNAMODB_JSON, ION or CSV (default: from the --file extension,
                           .json/.jsonl, .ion, .csv; else DYNAMODB_JSON)
  --compression C          NONE, GZIP or ZSTD (default: from the --file extension, .gz, .zst;
                           else NONE)
  --write-mode M           Overwrite (default) or PutIfAbsent (never replaces an existing item)
  --max-rejected N         fail once more than N records are rejected (default 0)
  --delimiter D            CSV delimiter: , ; : | tab or space (default ,)
  --header a,b,c           CSV column names; then the first line of each object is data
  --bucket-owner ACCOUNT   expected owner of the bucket (ExpectedBucketOwner on every S3 call)
  --endpoint URL           DynamoDB endpoint, e.g. http://localhost:8000 for DynamoDB Local
  --s3-endpoint URL        S3 endpoint (path-style addressing)
  --region R               AWS region (default: AWS_REGION, else us-east-1)
  --concurrency N          write requests in flight (default 8)

Write budget (Load.WriteBudget; the lowest given applies; none: as fast as it can):
  --write-capacity-percent P      1-100% of the table's write capacity: provisioned WCU
                                  (read again every 30 s, as autoscaling moves it), else
                                  OnDemandThroughput.MaxWriteRequestUnits, else the warm
                                  throughput (else 4,000, a new on-demand table's)
  --max-write-units-per-second N  write capacity units per second (1 per KB of item)
  --max-items-per-second N        items per second

Following a distributed load (not with the options above, but --region):
  --stack STACK                   the stack's name or ID
  --resource LOGICAL_ID           the Custom::ArcDynamoDbLoad's logical ID in the stack
  --cloudformation-endpoint URL   CloudFormation endpoint
  --stepfunctions-endpoint URL    Step Functions endpoint
  It follows the resource's newest Step Functions execution until it ends, with a progress line
  on each look (every 5 s; ARC_DYNAMODB_POLL_MS sets it): its status and batches succeeded of the
  total, running, pending and failed. A FAILED execution is followed on while CloudFormation still
  waits for the load (the provider redrives it then). It needs states:ListExecutions,
  states:DescribeExecution, states:ListMapRuns and states:DescribeMapRun.

Exit codes: 0 loaded (or the execution SUCCEEDED), 1 the load failed (or the execution FAILED,
TIMED_OUT or ABORTED, or the resource has no distributed load), 2 usage error.
`;

/** `--stack STACK --resource LOGICAL_ID`: follow that resource's distributed load. */
export interface FollowCommandConfig {
  mode: 'follow';
  stack: string;
  resource: string;
  region: string;
  cloudformationEndpoint?: string;
  stepfunctionsEndpoint?: string;
}

export interface LoadCommandConfig {
  options: LoadOptions;
  /** Set when the format or compression came from the file names: what to tell the user. */
  chosen?: string;
  source: { kind: 's3'; bucket: string; prefix: string; owner?: string } | { kind: 'files'; paths: string[] };
  endpoint?: string;
  s3Endpoint?: string;
  region: string;
}

function int(v: string | undefined, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${v}'`);
  return Number(v);
}

function url(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return v;
  } catch {
    throw new UsageError(`--${name} must be an http(s) URL, got '${v}'`);
  }
}

export function parseLoadArgs(args: string[], env: NodeJS.ProcessEnv): LoadCommandConfig | FollowCommandConfig | 'help' {
  const { positionals, options: o, flags } = parseArgs(args, SPEC);
  if (flags.has('help') || flags.has('h')) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const region = o.region?.[0] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const given = Object.keys(o);
  if (o.stack || o.resource) {
    const other = given.find((k) => !FOLLOW_OPTIONS.includes(k) && k !== 'region');
    if (other) throw new UsageError(`--stack and --resource follow a distributed load; --${other} loads a table: give one or the other`);
    if (!o.stack) throw new UsageError('--resource needs --stack STACK');
    if (!o.resource) throw new UsageError('--stack needs --resource LOGICAL_ID (the Custom::ArcDynamoDbLoad to follow)');
    const cloudformationEndpoint = url(o['cloudformation-endpoint']?.[0], 'cloudformation-endpoint');
    const stepfunctionsEndpoint = url(o['stepfunctions-endpoint']?.[0], 'stepfunctions-endpoint');
    return {
      mode: 'follow',
      stack: o.stack[0],
      resource: o.resource[0],
      region,
      ...(cloudformationEndpoint ? { cloudformationEndpoint } : {}),
      ...(stepfunctionsEndpoint ? { stepfunctionsEndpoint } : {}),
    };
  }
  const followOnly = given.find((k) => FOLLOW_OPTIONS.includes(k));
  if (followOnly) throw new UsageError(`--${followOnly} applies to --stack STACK --resource LOGICAL_ID only`);
  const table = o.table?.[0];
  if (!table) throw new UsageError('--table is required');
  if (!o.s3 === !o.file) throw new UsageError('give exactly one of --s3 s3://BUCKET/PREFIX or --file PATH');
  let source: LoadCommandConfig['source'];
  if (o.s3) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(o.s3[0]);
    if (!m) throw new UsageError(`--s3 must look like s3://BUCKET/PREFIX, got '${o.s3[0]}'`);
    const owner = o['bucket-owner']?.[0];
    if (owner !== undefined && !/^\d{12}$/.test(owner)) throw new UsageError(`--bucket-owner must be a 12-digit AWS account ID, got '${owner}'`);
    source = { kind: 's3', bucket: m[1], prefix: m[2], owner };
  } else {
    if (o['bucket-owner']) throw new UsageError('--bucket-owner applies to --s3 only');
    source = { kind: 'files', paths: o.file };
  }
  // Without --format / --compression, local files say theirs by their extension (as --seed reads them).
  let format = o.format?.[0] as InputFormat | undefined;
  let compression = o.compression?.[0] as CompressionType | undefined;
  let chosen: string | undefined;
  if (source.kind === 'files' && (format === undefined || compression === undefined)) {
    const kinds = source.paths.map((p) => seedFileKind(p.split('/').pop() ?? p));
    const formats = new Set(kinds.map((k) => k?.format));
    const compressions = new Set(kinds.map((k) => k?.compression));
    if (format === undefined && formats.size === 1 && kinds[0] !== undefined) format = kinds[0].format;
    else if (format === undefined && formats.size > 1)
      throw new UsageError(`the --file extensions name different formats (${[...formats].map((f) => f ?? 'unknown').join(', ')}); give --format`);
    if (compression === undefined && compressions.size === 1 && kinds[0] !== undefined) compression = kinds[0].compression;
    else if (compression === undefined && compressions.size > 1) throw new UsageError('the --file extensions name different compressions; give --compression');
    chosen = 'chosen from the file extension';
    if (kinds.some((k) => k === undefined)) chosen = 'the default, as the file extension names no format';
  }
  const delimiter = o.delimiter?.[0] === 'tab' ? '\t' : (o.delimiter?.[0] ?? ',');
  if (!CSV_DELIMITERS.includes(delimiter)) throw new UsageError(`--delimiter must be one of , ; : | tab or space, got '${o.delimiter![0]}'`);
  const headerList = o.header?.[0].split(',').map((h) => h.trim());
  if (headerList?.some((h) => h === '')) throw new UsageError('--header has an empty column name');
  const pct = o['write-capacity-percent']?.[0];
  if (pct !== undefined && !(/^\d+(\.\d+)?$/.test(pct) && Number(pct) >= 1 && Number(pct) <= 100)) {
    throw new UsageError(`--write-capacity-percent must be a number from 1 to 100, got '${pct}'`);
  }
  const units = o['max-write-units-per-second']?.[0];
  const items = o['max-items-per-second']?.[0];
  const writeBudget: WriteBudget = {
    ...(pct !== undefined ? { capacityPercent: Number(pct) } : {}),
    ...(units !== undefined ? { maxWriteUnitsPerSecond: int(units, 'max-write-units-per-second', 1, 1_000_000_000, 0) } : {}),
    ...(items !== undefined ? { maxItemsPerSecond: int(items, 'max-items-per-second', 1, 1_000_000_000, 0) } : {}),
  };
  return {
    options: {
      tableName: table,
      format: format ?? 'DYNAMODB_JSON',
      compression: compression ?? 'NONE',
      csv: { delimiter, headerList },
      writeMode: (o['write-mode']?.[0] ?? 'Overwrite') as WriteMode,
      maxRejectedRecords: int(o['max-rejected']?.[0], 'max-rejected', 0, 1_000_000_000, 0),
      concurrency: int(o.concurrency?.[0], 'concurrency', 1, 64, 8),
      ...(Object.keys(writeBudget).length > 0 ? { writeBudget } : {}),
    },
    source,
    ...(chosen ? { chosen } : {}),
    endpoint: url(o.endpoint?.[0], 'endpoint'),
    s3Endpoint: url(o['s3-endpoint']?.[0], 's3-endpoint'),
    region,
  };
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtBytes = (n: number) =>
  n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;
const fmtTime = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/**
 * One progress line: a bar, items/s and the ETA from the share of stored bytes read. It never
 * reaches the last column of a `columns`-wide terminal (a full line would wrap, and `\r` would
 * then redraw only its second half): the bar shrinks first, then the rate and ETA go.
 */
export function progressLine(p: Progress, totalBytes: number, elapsedS: number, columns = 80): string {
  const c = p.counters;
  const done = c.itemsWritten + c.itemsSkipped;
  const rate = elapsedS > 0 ? done / elapsedS : 0;
  const share = totalBytes > 0 ? Math.min(1, p.sourceBytes / totalBytes) : 0;
  const eta = share > 0 && share < 1 ? fmtTime((elapsedS / share) * (1 - share)) : '--:--';
  const rejected = c.recordsRejected ? `  ${fmtInt(c.recordsRejected)} rejected` : '';
  const percent = `${(share * 100).toFixed(0).padStart(3)}%`;
  const max = Math.max(1, columns - 1);
  const variants = [
    `  ${fmtInt(done)} items  ${fmtInt(rate)} items/s  ETA ${eta}${rejected}`,
    `  ${fmtInt(done)} items  ETA ${eta}${rejected}`,
    `  ${fmtInt(done)} items${rejected}`,
  ];
  for (const tail of variants) {
    const room = max - tail.length - percent.length - 3; // "[", "] "
    if (room >= 10) {
      const width = Math.min(24, room);
      const filled = Math.round(share * width);
      return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}${tail}`;
    }
  }
  return `${percent}${variants[2]}`.slice(0, max);
}

export const run: Command = async (args, io) => {
  let cfg: LoadCommandConfig | FollowCommandConfig | 'help';
  try {
    cfg = parseLoadArgs(args, io.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`arc-dynamodb load: ${e.message}\nRun 'npx arc-dynamodb load --help' for the options.\n`);
    return 2;
  }
  if (cfg === 'help') {
    io.stdout.write(HELP);
    return 0;
  }
  if ('mode' in cfg) return followLoad(cfg, io);
  // A missing file is the one thing to say about it (how it would have been read is noise).
  if (cfg.source.kind === 'files') {
    const missing = cfg.source.paths.find((f) => !existsSync(f));
    if (missing !== undefined) {
      io.stderr.write(`arc-dynamodb load: ${missing}: no such file\n`);
      return 1;
    }
  }
  if (cfg.chosen) {
    const o = cfg.options;
    io.stderr.write(`reading ${sourceName(cfg)} as ${describeKind(o.format, o.compression, o.csv)}: ${cfg.chosen}\n`);
  }
  if (cfg.options.format === 'DYNAMODB_JSON' && cfg.source.kind === 'files') {
    for (const f of cfg.source.paths) {
      const problem = await oneItemPerLineProblem(f, cfg.options.compression);
      if (problem) {
        io.stderr.write(`arc-dynamodb load: ${problem}\n`);
        return 1;
      }
    }
  }
  return load(cfg, io);
};

const sourceName = (cfg: LoadCommandConfig) =>
  cfg.source.kind === 'files' ? (cfg.source.paths.length === 1 ? cfg.source.paths[0] : count(cfg.source.paths.length, 'file')) : 's3';

async function load(cfg: LoadCommandConfig, io: CliIO): Promise<number> {
  const dynamodb = new DynamoDBClient({ region: cfg.region, ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}), ...credentialsFor(cfg.endpoint, io.env) });
  const s3 =
    cfg.source.kind === 's3'
      ? new S3Client({
          region: cfg.region,
          ...(cfg.s3Endpoint ? { endpoint: cfg.s3Endpoint, forcePathStyle: true } : {}),
          ...credentialsFor(cfg.s3Endpoint, io.env),
        })
      : undefined;
  const source: ObjectSource =
    cfg.source.kind === 's3' ? new S3Source(s3!, cfg.source.bucket, cfg.source.prefix, cfg.source.owner) : new FileSource(cfg.source.paths);
  const tty = io.stderr.isTTY === true;
  const log: Logger = {
    info: (message, f) => {
      if (message !== 'write budget' && message !== 'write budget changed') return;
      const cap = f?.capacity as { writeUnitsPerSecond: number; source: string } | undefined;
      const units = Number(f?.unitsPerSecond ?? f?.units);
      const items = Number(f?.itemsPerSecond ?? f?.items);
      const parts = [...(Number.isFinite(units) ? [`${fmtInt(units)} WCU/s`] : []), ...(Number.isFinite(items) ? [`${fmtInt(items)} items/s`] : [])];
      const share =
        cfg.options.writeBudget?.capacityPercent !== undefined && cap ? ` (of the table's ${fmtInt(cap.writeUnitsPerSecond)} WCU/s, ${cap.source})` : '';
      io.stderr.write(`${tty ? '\r\x1b[K' : ''}write budget${message === 'write budget changed' ? ' now' : ''}: ${parts.join(', ')}${share}\n`);
    },
    warn: (message, fields) => {
      if (message === 'record rejected') io.stderr.write(`${tty ? '\r\x1b[K' : ''}rejected: ${fields?.object} line ${fields?.line}: ${fields?.reason}\n`);
      else if (message === 'object empty' || message === 'object has no records')
        io.stderr.write(`${tty ? '\r\x1b[K' : ''}note: ${fields?.object}: ${message.replace('object ', '')}\n`);
    },
    error: () => undefined,
  };
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  try {
    let totalBytes = 0;
    for await (const o of source.list('')) totalBytes += o.size;
    const columns = io.stderr.columns ?? (Number(io.env.COLUMNS) || 80);
    const onProgress = (p: Progress) => {
      const line = progressLine(p, totalBytes, elapsed(), columns);
      io.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    };
    // ARC_DYNAMODB_PROGRESS_MS: how often the progress line is redrawn (0: after every chunk, for recordings).
    const every = io.env.ARC_DYNAMODB_PROGRESS_MS !== undefined ? Number(io.env.ARC_DYNAMODB_PROGRESS_MS) : tty ? 250 : 5000;
    const out = await runLoad(cfg.options, { dynamodb, source, log, onProgress, progressEveryMs: every });
    if (tty) io.stderr.write('\r\x1b[K');
    const c = out.status === 'continue' ? out.checkpoint.counters : out.counters;
    const secs = elapsed();
    const summary =
      `${count(c.itemsWritten, 'item')} written, ${fmtInt(c.itemsSkipped)} skipped, ${fmtInt(c.recordsRejected)} rejected; ` +
      `${count(c.objectsRead, cfg.source.kind === 'files' ? 'file' : 'object')}, ${fmtBytes(c.bytesRead)} in ${secs.toFixed(1)} s ` +
      `(${fmtInt(secs > 0 ? (c.itemsWritten + c.itemsSkipped) / secs : 0)} items/s)`;
    if (out.status === 'done') {
      io.stdout.write(`Loaded ${source.description} into ${cfg.options.tableName}: ${summary}\n`);
      return 0;
    }
    io.stderr.write(`arc-dynamodb load: ${out.status === 'failed' ? out.reason : 'stopped early'}\nBefore stopping: ${summary}\n`);
    return 1;
  } catch (e) {
    const err = e as Error & { code?: string; address?: string; port?: number };
    // The SDK may wrap a socket error (across realms), keeping only its message: read both.
    const net = /(?:connect|getaddrinfo) (ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH) (\S+)/.exec(err.message);
    if (net || (err.code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH)$/.test(err.code))) {
      const at = net ? ` to ${net[2]}` : err.address ? ` to ${err.address}${err.port ? `:${err.port}` : ''}` : '';
      err.code = net?.[1] ?? err.code;
      io.stderr.write(`arc-dynamodb load: cannot connect${at} (${err.code}); check --endpoint, --s3-endpoint and --region\n`);
    } else {
      io.stderr.write(
        `arc-dynamodb load: ${err.name === 'LoadError' || /^(Error|AWS SDK error wrapper)/.test(err.name) ? '' : `${err.name}: `}${err.message}\n`,
      );
    }
    if (io.env.ARC_DYNAMODB_DEBUG) io.stderr.write(`${err.stack}\n`);
    return 1;
  } finally {
    dynamodb.destroy();
    s3?.destroy();
  }
}

/** `--stack --resource`: the resource's newest distributed load, followed until it ends. */
async function followLoad(cfg: FollowCommandConfig, io: CliIO): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`arc-dynamodb load: ${message}\n`);
    return 1;
  };
  const cfn = new CloudFormationClient({
    region: cfg.region,
    ...(cfg.cloudformationEndpoint ? { endpoint: cfg.cloudformationEndpoint } : {}),
    ...credentialsFor(cfg.cloudformationEndpoint, io.env),
  });
  let sfn: SFNClient | undefined;
  try {
    let read: Awaited<ReturnType<typeof readStack>>;
    try {
      read = await readStack(cfn, cfg.stack);
    } catch (e) {
      return fail((e as Error).message);
    }
    const { stack, resources } = read;
    const r = Object.hasOwn(resources, cfg.resource) ? resources[cfg.resource] : undefined;
    if (r?.Type !== LOAD_RESOURCE_TYPE) {
      const loads = Object.keys(resources).filter((id) => resources[id].Type === LOAD_RESOURCE_TYPE);
      const what = r ? `is of type ${r.Type}, not ${LOAD_RESOURCE_TYPE}` : 'is not in its template';
      return fail(`${cfg.resource} of stack ${stack.StackName} ${what} (its loads: ${loads.length > 0 ? loads.join(', ') : 'none'})`);
    }
    const target = loadTargets({ [cfg.resource]: r }, stack)[0];
    if ('problem' in target) return fail(`${cfg.resource}: ${target.problem}`);
    sfn = sfnClientFor(target.stateMachineArn, cfg.stepfunctionsEndpoint, io.env);
    const client = sfn;
    const tty = io.stderr.isTTY === true;
    let drawn = false;
    try {
      const newest = newestExecution(await listExecutions(client, target.stateMachineArn, 1000, [target.prefix]), target.prefix);
      if (!newest?.executionArn) {
        return fail(
          `${cfg.resource} has no distributed load: state machine ${target.stateMachineArn.split(':').pop()} has no execution of it ` +
            '(a load that runs in one chain, with Distributed: false or a small source, has none)',
        );
      }
      io.stderr.write(`following ${newest.name}${newest.startDate ? `, started ${newest.startDate.toISOString()}` : ''}\n`);
      // ARC_DYNAMODB_POLL_MS: the time between looks (tests make it small); anything but a number of ms is the default.
      const given = Number(io.env.ARC_DYNAMODB_POLL_MS ?? Number.NaN);
      const intervalMs = Number.isFinite(given) && given >= 0 ? given : 5000;
      const last = await follow(client, newest.executionArn, {
        intervalMs,
        stillWaited: () => cloudFormationWaits(cfn, stack.StackId, resources, cfg.resource),
        onLook: (p) => {
          drawn = true;
          io.stderr.write(tty ? `\r\x1b[K${progressText(p)}` : `${progressText(p)}\n`);
        },
      });
      if (tty) io.stderr.write('\n');
      drawn = false;
      const verdict = followVerdict(last);
      if (verdict?.code === 0) {
        io.stdout.write(`${cfg.resource}: ${progressText(last)}\n`);
        return 0;
      }
      return fail(`${cfg.resource}: ${(verdict?.lines ?? [progressText(last)]).join('\n')}`);
    } catch (e) {
      // On a terminal the last progress line stays, ended, above the error.
      if (tty && drawn) io.stderr.write('\n');
      return fail(`${cfg.resource}: ${stepFunctionsNote(e, target.stateMachineArn)}`);
    }
  } finally {
    cfn.destroy();
    sfn?.destroy();
  }
}
