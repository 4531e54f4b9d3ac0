/**
 * `local up --seed DIR`: loads local files into the tables with the loader core the provider's
 * Custom::ArcDynamoDbLoad uses (load/), so local data goes through the same parsing and
 * checks as data loaded from S3 in AWS.
 *
 * A file belongs to a table when its name, up to the first dot, is the table's logical ID or its
 * table name: `Orders.json`, `orders.csv.gz`. The other dots say the format and compression.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decompressor } from '../load/decompress';
import { runLoad } from '../load/loader';
import { FileSource } from '../load/source';
import type { CompressionType, Counters, CsvOptions, InputFormat } from '../load/types';
import type { Logger } from '../contract/logger';

export interface SeedTarget {
  logicalId: string;
  tableName: string;
  /** The table's CSV delimiter and header list (its ImportSourceSpecification's), if it has them. */
  csv?: Partial<CsvOptions>;
}

export interface SeedOutcome {
  logicalId: string;
  tableName: string;
  files: string[];
  /** How the files were read, one entry per format: `CSV (delimiter ';')`, `DYNAMODB_JSON, GZIP`. */
  readAs: string[];
  status: 'loaded' | 'failed';
  counters?: Counters;
  reason?: string;
}

const FORMATS: Record<string, InputFormat> = { json: 'DYNAMODB_JSON', jsonl: 'DYNAMODB_JSON', ion: 'ION', csv: 'CSV' };
const COMPRESSIONS: Record<string, CompressionType> = { gz: 'GZIP', zst: 'ZSTD' };

/** Format and compression from a file name (`orders.csv.gz` -> CSV, GZIP); undefined when unknown. */
export function seedFileKind(file: string): { format: InputFormat; compression: CompressionType } | undefined {
  const parts = file
    .split('.')
    .slice(1)
    .map((p) => p.toLowerCase());
  const last = parts[parts.length - 1];
  const compression = last !== undefined && last in COMPRESSIONS ? COMPRESSIONS[last] : 'NONE';
  const formatPart = compression === 'NONE' ? last : parts[parts.length - 2];
  const format = formatPart === undefined ? undefined : FORMATS[formatPart];
  return format ? { format, compression } : undefined;
}

/** `CSV (delimiter ';', header id,title), GZIP`: what a reader of these files is told. */
export function describeKind(format: InputFormat, compression: CompressionType, csv?: Partial<CsvOptions>): string {
  const options: string[] = [];
  if (format === 'CSV') {
    const d = csv?.delimiter ?? ',';
    options.push(`delimiter '${d === '\t' ? '\\t' : d}'`);
    if (csv?.headerList) options.push(`header ${csv.headerList.join(',')}`);
  }
  return `${format}${options.length > 0 ? ` (${options.join(', ')})` : ''}${compression === 'NONE' ? '' : `, ${compression}`}`;
}

/**
 * DYNAMODB_JSON is read as ImportTable reads it, one `{"Item": ...}` per line. A file that spreads
 * an item over several lines (like terraform-aws-modules' s3-import sample) gets this message
 * instead of one reject per line; undefined when the file starts with a whole item on its line.
 */
export async function oneItemPerLineProblem(file: string, compression: CompressionType): Promise<string | undefined> {
  const lines: string[] = [];
  let size = 0;
  const raw = createReadStream(file, { end: 1024 * 1024 });
  const stream = decompressor(compression) ? raw.pipe(decompressor(compression)!) : raw;
  try {
    let rest = '';
    for await (const chunk of stream) {
      rest += chunk.toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
      size += chunk.length;
      if (size > 256 * 1024 || lines.length > 2000) break;
    }
    if (rest) lines.push(rest);
  } catch {
    return undefined; // unreadable or corrupt: the loader reports it
  } finally {
    raw.destroy();
  }
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return undefined;
  const parses = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  if (parses(lines[first]) || !lines[first].trim().startsWith('{')) return undefined;
  for (let last = first + 1; last < lines.length; last++) {
    if (!parses(lines.slice(first, last + 1).join('\n'))) continue;
    const name = basename(file);
    return (
      `${file}: DynamoDB JSON needs one {"Item": ...} per line (as DynamoDB ImportTable reads it), but its first item spans ` +
      `lines ${first + 1}-${last + 1}. Convert it to one item per line, for example with jq:\n` +
      `jq -c . ${name} > ${name}.tmp && mv ${name}.tmp ${name}`
    );
  }
  return undefined;
}

export interface SeedPlan {
  /** Per table: its files grouped by format and compression (one loader run per group). */
  targets: { target: SeedTarget; groups: { format: InputFormat; compression: CompressionType; files: string[] }[] }[];
  /** Files that match no table or have no known format. */
  ignored: string[];
}

export function planSeed(dir: string, targets: SeedTarget[]): SeedPlan {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    throw new Error(`--seed ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
  }
  const plan: SeedPlan = { targets: [], ignored: [] };
  const byTarget = new Map<SeedTarget, Map<string, { format: InputFormat; compression: CompressionType; files: string[] }>>();
  for (const name of entries) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const stem = name.split('.')[0];
    const target = targets.find((t) => t.logicalId === stem) ?? targets.find((t) => t.tableName === stem);
    const kind = seedFileKind(name);
    if (!target || !kind) {
      plan.ignored.push(name);
      continue;
    }
    const groups = byTarget.get(target) ?? new Map();
    byTarget.set(target, groups);
    const key = `${kind.format}/${kind.compression}`;
    const group = groups.get(key) ?? { ...kind, files: [] };
    group.files.push(path);
    groups.set(key, group);
  }
  for (const [target, groups] of byTarget) plan.targets.push({ target, groups: [...groups.values()] });
  return plan;
}

/** Loads every planned group; a failed load is reported, not thrown, so the others still run. */
export async function seedTables(client: DynamoDBClient, plan: SeedPlan, log: Logger): Promise<SeedOutcome[]> {
  const outcomes: SeedOutcome[] = [];
  for (const { target, groups } of plan.targets) {
    const total: Counters = { itemsWritten: 0, itemsSkipped: 0, recordsRejected: 0, objectsRead: 0, bytesRead: 0 };
    const files = groups.flatMap((g) => g.files);
    let failure: string | undefined;
    const readAs = groups.map((g) => describeKind(g.format, g.compression, target.csv));
    for (const g of groups) {
      if (g.format === 'DYNAMODB_JSON') {
        for (const f of g.files) failure ??= await oneItemPerLineProblem(f, g.compression);
        if (failure) break;
      }
      const outcome = await runLoad(
        {
          tableName: target.tableName,
          format: g.format,
          compression: g.compression,
          csv: { delimiter: target.csv?.delimiter ?? ',', ...(target.csv?.headerList ? { headerList: target.csv.headerList } : {}) },
          writeMode: 'Overwrite',
          maxRejectedRecords: 0,
          concurrency: 4,
        },
        { dynamodb: client, source: new FileSource(g.files), log },
      );
      if (outcome.status === 'continue') throw new Error('the loader asked to continue without a deadline'); // unreachable with stopAt = Infinity
      for (const k of Object.keys(total) as (keyof Counters)[]) total[k] += outcome.counters[k];
      if (outcome.status === 'failed') {
        failure = outcome.reason;
        break;
      }
    }
    outcomes.push({
      logicalId: target.logicalId,
      tableName: target.tableName,
      files,
      readAs,
      status: failure ? 'failed' : 'loaded',
      counters: total,
      ...(failure ? { reason: failure } : {}),
    });
  }
  return outcomes;
}
