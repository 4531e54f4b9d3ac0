/**
 * The loader core: objects -> stream -> decompress -> lines -> records -> checks -> writes.
 * Shared by the custom resource (which passes a deadline and carries the checkpoint into its next
 * invocation) and the CLI (no deadline).
 *
 * Memory stays bounded by one line plus the writes in flight: reading waits while `concurrency`
 * requests are in flight, and that backpressure reaches the S3 socket through the stream pipeline.
 */
import { setMaxListeners } from 'node:events';
import { pipeline, type Readable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../contract/logger';
import { hasBudget, Pacer, type TableCapacity } from './budget';
import { decompressor } from './decompress';
import { CsvParser } from './formats/csv';
import { DynamoDbJsonParser } from './formats/ddbjson';
import { IonParser } from './formats/ion';
import type { RecordParser } from './formats/types';
import { splitLines } from './lines';
import { defaultRetryPolicy, isRetryable, type RetryPolicy } from './retry';
import { describeCapacity, describeSchema, validateItem, type TableSchema } from './schema';
import type { ObjectSource, SourceObject } from './source';
import { LoadError, RecordError, zeroCounters, type Counters, type LoadCheckpoint, type LoadOptions, type Progress } from './types';
import { AbortedError, ItemWriter } from './writer';

export interface LoadDeps {
  dynamodb: DynamoDBClient;
  source: ObjectSource;
  log: Logger;
  retry?: RetryPolicy;
  now?: () => number;
  onProgress?: (p: Progress) => void;
  /** How often progress is logged and reported, in ms. */
  progressEveryMs?: number;
  /** With a write budget: the pacer's clock (default: the monotonic performance.now and a timer), and the table's capacity reader (default: DescribeTable). */
  paceClock?: { now(): number; sleep(ms: number): Promise<void> };
  readCapacity?: () => Promise<TableCapacity>;
  /**
   * Aborted by the caller to stop the load now, as at the hard deadline: the writes in flight are
   * cancelled and the outcome is `continue` from the last safe checkpoint (a distributed worker
   * whose operation was taken over: provider/load/distributed/worker.ts).
   */
  signal?: AbortSignal;
  /** How often the pacer reads the table's capacity again (default 30 s). */
  capacityRefreshMs?: number;
}

export type LoadOutcome =
  | { status: 'done'; counters: Counters; seconds: number; checkpoint: LoadCheckpoint }
  | { status: 'continue'; checkpoint: LoadCheckpoint }
  | {
      status: 'failed';
      reason: string;
      /** Set when the load may get past it later (LoadError.transient): `checkpoint` is then the last safe one, to resume from. */
      transient?: true;
      counters: Counters;
      seconds: number;
      checkpoint: LoadCheckpoint;
    };

/** How many reject messages a FAILED reason quotes (CloudFormation caps the whole response at 4 KB). */
export const QUOTED_REJECTS = 5;
const MAX_REJECT_CHARS = 300;
/** Re-opens of one object after a dropped connection, before the load fails. */
const MAX_REOPENS = 5;

export function newCheckpoint(now: number): LoadCheckpoint {
  return { v: 1, startedAt: now, after: '', counters: zeroCounters(), records: 0, firstRejects: [] };
}

function parserFor(opts: LoadOptions, schema: TableSchema): RecordParser {
  switch (opts.format) {
    case 'DYNAMODB_JSON':
      return new DynamoDbJsonParser();
    case 'ION':
      return new IonParser();
    case 'CSV':
      return new CsvParser(opts.csv, schema.attributeTypes);
  }
}

class StopReading {}

/**
 * Runs (or resumes) a load until it finishes, fails, or `stopAt` (epoch ms) passes; then it
 * drains the writes in flight and returns a checkpoint that a later call resumes from.
 * At `hardDeadline` (epoch ms) the run gives up at once: requests in flight are cancelled and it
 * returns the checkpoint it started from (still exact: everything before it was written), so a
 * run that overstays its invocation never keeps writing beside its own continuation.
 */
export async function runLoad(
  opts: LoadOptions,
  deps: LoadDeps,
  checkpoint?: LoadCheckpoint,
  stopAt = Infinity,
  hardDeadline = Infinity,
): Promise<LoadOutcome> {
  const now = deps.now ?? Date.now;
  const log = deps.log;
  const cp: LoadCheckpoint = checkpoint ? structuredClone(checkpoint) : newCheckpoint(now());
  const seconds = () => Math.round((now() - cp.startedAt) / 1000);
  const base = { ...cp.counters };
  const recordsAtStart = cp.records;
  // With a deadline, drain now and then and keep that exact checkpoint: if the run is cut off
  // at its hard deadline, it returns this one, so even a starved invocation makes progress.
  let lastSafe: LoadCheckpoint | undefined = checkpoint ? structuredClone(checkpoint) : undefined;
  const startedRun = now();
  let lastSafeAt = startedRun;
  const horizon = Math.min(stopAt, hardDeadline);
  const safeEvery = horizon === Infinity ? Infinity : Math.max(1, (horizon - startedRun) / 4);
  let tooMany = false;

  let schema: TableSchema;
  try {
    schema = await describeSchema(deps.dynamodb, opts.tableName);
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    log.error('load failed', { reason: e.message });
    return { status: 'failed', reason: e.message, counters: { ...cp.counters }, seconds: seconds(), checkpoint: cp };
  }
  const reject = (object: string, line: number, message: string) => {
    cp.counters.recordsRejected++;
    cp.records++;
    if (cp.firstRejects.length < QUOTED_REJECTS) cp.firstRejects.push(`${object} line ${line}: ${message}`.slice(0, MAX_REJECT_CHARS));
    log.warn('record rejected', { object, line, reason: message });
    if (cp.counters.recordsRejected > opts.maxRejectedRecords) tooMany = true;
  };
  const abort = new AbortController();
  // Every request in flight listens on this one signal until it closes: up to `concurrency`
  // batches, each of which may fall back to 25 single PutItems (writer.putEach). Node warns past 10.
  setMaxListeners(opts.concurrency * 26, abort.signal);
  const abortTimer = hardDeadline === Infinity ? undefined : setTimeout(() => abort.abort(), Math.max(0, hardDeadline - Date.now()));
  abortTimer?.unref();
  const onCallerAbort = () => abort.abort();
  if (deps.signal?.aborted) abort.abort();
  else deps.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const pacer = hasBudget(opts.writeBudget)
    ? new Pacer({
        budget: opts.writeBudget,
        capacity: deps.readCapacity ? undefined : schema.capacity,
        readCapacity: deps.readCapacity ?? (() => describeCapacity(deps.dynamodb, opts.tableName)),
        refreshMs: deps.capacityRefreshMs,
        now: deps.paceClock?.now ?? (() => performance.now()),
        sleep: deps.paceClock?.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
        factor: cp.paceFactor,
        held: cp.paceWindow ? { leftMs: cp.paceWindow.until - Date.now(), units: cp.paceWindow.units, items: cp.paceWindow.items } : undefined,
        signal: abort.signal,
        onChange: (e) => log.info(e.error ? 'write budget: reading the capacity failed, the budget stays' : 'write budget changed', { ...e }),
      })
    : undefined;
  if (pacer) {
    log.info('write budget', {
      table: opts.tableName,
      ...opts.writeBudget,
      unitsPerSecond: pacer.limits.units,
      itemsPerSecond: pacer.limits.items,
      capacity: schema.capacity,
    });
  }
  const writer = new ItemWriter(deps.dynamodb, schema, {
    pacer,
    abortSignal: abort.signal,
    slowestWriteMs: cp.slowestWriteMs,
    writeMode: opts.writeMode,
    concurrency: opts.concurrency,
    retry: deps.retry ?? defaultRetryPolicy(),
    onReject: (pos, message) => reject(pos.object, pos.line, message),
  });
  const sync = () => {
    cp.counters.itemsWritten = base.itemsWritten + writer.written;
    cp.counters.itemsSkipped = base.itemsSkipped + writer.skipped;
    cp.slowestWriteMs = writer.slowestWriteMs;
    if (pacer) {
      cp.paceFactor = pacer.factor;
      const held = pacer.held();
      if (held) cp.paceWindow = { until: Date.now() + held.leftMs, units: held.units, items: held.items };
      else delete cp.paceWindow;
    }
  };

  let sourceBytes = 0;
  let lastReport = now();
  const every = deps.progressEveryMs ?? 10000;
  const report = (object: string, force = false) => {
    if (!force && now() - lastReport < every) return;
    lastReport = now();
    sync();
    log.info('load progress', { object, ...cp.counters, seconds: seconds() });
    deps.onProgress?.({ counters: { ...cp.counters }, sourceBytes, object });
  };

  const failed = async (reason: string, transient?: true): Promise<LoadOutcome> => {
    try {
      await writer.flush();
    } catch {
      // The first failure is the one reported.
    }
    sync();
    log.error('load failed', { ...cp.counters, seconds: seconds(), ...(transient ? { transient } : {}) });
    // A transient failure's checkpoint is the last safe one (every write before it flushed): a later run may resume there.
    if (transient)
      return { status: 'failed', reason, transient, counters: { ...cp.counters }, seconds: seconds(), checkpoint: lastSafe ?? newCheckpoint(cp.startedAt) };
    return { status: 'failed', reason, counters: { ...cp.counters }, seconds: seconds(), checkpoint: cp };
  };
  const tooManyReason = () =>
    `${cp.counters.recordsRejected} records rejected, more than MaxRejectedRecords (${opts.maxRejectedRecords}). First rejects: ${cp.firstRejects.join('; ')}`;

  log.info(checkpoint ? 'load resumed' : 'load started', {
    table: opts.tableName,
    source: deps.source.description,
    format: opts.format,
    compression: opts.compression,
    writeMode: opts.writeMode,
    ...(cp.current ? { object: cp.current.key, line: cp.current.line } : {}),
  });

  let objectsSeen = cp.counters.objectsRead + (cp.current ? 1 : 0);
  try {
    let first = true;
    for await (const obj of deps.source.list(cp.after)) {
      if (first && cp.current && obj.key !== cp.current.key) {
        throw new LoadError(`${deps.source.description}: object '${cp.current.key}' disappeared during the load`);
      }
      first = false;
      if (!cp.current || cp.current.key !== obj.key) {
        objectsSeen++;
        cp.current = { key: obj.key, etag: obj.etag, line: 0, byte: 0 };
      }
      const stopped = await loadObject(obj);
      if (stopped) {
        await writer.flush();
        sync();
        log.info('load paused', { object: obj.key, line: cp.current.line, ...cp.counters, seconds: seconds() });
        return { status: 'continue', checkpoint: cp };
      }
      if (tooMany) return failed(tooManyReason());
      cp.after = obj.key;
      cp.current = undefined;
      cp.counters.objectsRead++;
      log.info('object done', { object: obj.key, objectsRead: cp.counters.objectsRead });
    }
    if (first && cp.current) {
      throw new LoadError(`${deps.source.description}: object '${cp.current.key}' disappeared during the load`);
    }
    await writer.flush();
    sync();
    if (tooMany) return failed(tooManyReason());
  } catch (e) {
    if (e instanceof AbortedError || abort.signal.aborted) {
      log.warn('load aborted at the deadline; the previous checkpoint stands', {});
      return { status: 'continue', checkpoint: lastSafe ?? newCheckpoint(cp.startedAt) };
    }
    if (e instanceof LoadError) return failed(e.message, e.transient ? true : undefined);
    throw e;
  } finally {
    if (abortTimer) clearTimeout(abortTimer);
    deps.signal?.removeEventListener('abort', onCallerAbort);
  }

  if (objectsSeen === 0 && !opts.part) return failed(`${deps.source.description}: no objects to load (check the bucket and KeyPrefix)`);
  if (cp.records === 0 && !opts.part) return failed(`${deps.source.description}: the ${objectsSeen} object(s) contain no records`);
  report('', true);
  log.info('load done', { ...cp.counters, seconds: seconds() });
  return { status: 'done', counters: { ...cp.counters }, seconds: seconds(), checkpoint: cp };

  /** Loads one object from the checkpointed position; true when it stopped for the deadline. */
  async function loadObject(obj: SourceObject): Promise<boolean> {
    for (let reopen = 0; ; reopen++) {
      try {
        return await readObject(obj);
      } catch (e) {
        if (abort.signal.aborted) throw new AbortedError();
        if (e instanceof LoadError || e instanceof StopReading || !isRetryable(e) || reopen >= MAX_REOPENS) {
          if (e instanceof LoadError) throw e;
          if (isRetryable(e)) throw new LoadError(`${obj.name}: reading failed ${reopen + 1} times (${(e as Error).message})`, { transient: true });
          throw e;
        }
        log.warn('object read interrupted, reopening', { object: obj.key, line: cp.current!.line, attempt: reopen + 1 });
        await writer.flush();
      }
    }
  }

  async function readObject(obj: SourceObject): Promise<boolean> {
    const pos = cp.current!;
    const parser = parserFor(opts, schema);
    const needsHeader = parser instanceof CsvParser && parser.needsHeader();
    // Uncompressed objects resume with a ranged GET; compressed ones (and a CSV whose header is its
    // first line) are read from the start again, skipping the lines already done.
    const ranged = opts.compression === 'NONE' && !needsHeader && pos.byte > 0;
    if (ranged && pos.byte >= obj.size) return false;
    if (obj.size === 0) {
      log.warn('object empty', { object: obj.key });
      return false;
    }
    const raw = await deps.source.open(obj, ranged ? pos.byte : 0);
    // Tell a broken connection (read again from the checkpoint) from bad data (fail): pipeline()
    // hands the decoder's error to the source too, so only a different error counts as the source's.
    let rawError: unknown;
    let decodeError: unknown;
    raw.on('error', (e) => {
      if (e !== decodeError) rawError = e;
    });
    raw.on('data', (c: Buffer) => (sourceBytes += c.length));
    const inflate = decompressor(opts.compression);
    inflate?.on('error', (e) => {
      if (e !== rawError) decodeError = e;
    });
    const stream: Readable = inflate ? pipeline(raw, inflate, () => undefined) : raw;
    const skipLines = ranged || needsHeader ? 0 : pos.line;
    const lines = splitLines(stream, ranged ? { firstLine: pos.line + 1, startByte: pos.byte } : { skipLines });
    let lastEnd = pos.byte;
    let hadRecord = false;
    try {
      for await (const group of lines) {
        for (const line of group) {
          if (line.line <= pos.line) {
            // Resuming a CSV whose header is line 1: feed the header, skip the rest.
            if (line.line === 1 && needsHeader) parseLine(line);
            continue;
          }
          const parsed = parseLine(line);
          if (parsed.kind === 'record') {
            hadRecord = true;
            cp.records++;
            if (parsed.error !== undefined) reject(obj.name, parsed.line, parsed.error);
            else {
              try {
                validateItem(parsed.item!, schema);
                await writer.add(parsed.item!, { object: obj.name, line: parsed.line });
              } catch (e) {
                if (!(e instanceof RecordError)) throw e;
                reject(obj.name, parsed.line, e.message);
              }
            }
          }
          if (!parser.pending()) {
            cp.counters.bytesRead += line.end - lastEnd;
            lastEnd = line.end;
            pos.line = line.line;
            pos.byte = line.end;
            if (tooMany) throw new StopReading();
            // Stop early enough to drain the writes in flight before the deadline: twice the
            // slowest write seen so far. Each invocation makes progress of at least one record.
            // With a write budget, also the time the writes waiting for it take to be admitted.
            if (stopAt !== Infinity && cp.records > recordsAtStart && now() + 2 * writer.slowestWriteMs + (pacer?.drainMs() ?? 0) >= stopAt) return true;
            if (now() - lastSafeAt >= safeEvery) {
              await writer.flush();
              sync();
              lastSafe = structuredClone(cp);
              lastSafeAt = now();
            }
          }
        }
        report(obj.key);
      }
      const last = parser.finish();
      if (last.kind === 'record') {
        hadRecord = true;
        cp.records++;
        reject(obj.name, last.line, last.error!);
      }
      if (!hadRecord && pos.line === 0) log.warn('object has no records', { object: obj.key });
      return false;
    } catch (e) {
      if (e instanceof StopReading) return false;
      if (e instanceof RecordError) throw new LoadError(`${obj.name} ${e.message}`);
      if (e instanceof LoadError) throw new LoadError(`${obj.name}: ${e.message}`, { transient: e.transient });
      if (decodeError !== undefined && rawError === undefined && e === decodeError) {
        throw new LoadError(`${obj.name}: not valid ${opts.compression} data (${(decodeError as Error).message})`);
      }
      throw e;
    } finally {
      raw.destroy();
      inflate?.destroy();
    }

    function parseLine(line: Parameters<RecordParser['feed']>[0]) {
      return parser.feed(line);
    }
  }
}
