/**
 * Shared shapes of the S3 loader. The loader core (loader.ts) serves both the custom resource
 * (handler.ts) and the CLI (cli/commands/load.ts): only the source and the deadline differ.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { WriteBudget } from './budget';

export type InputFormat = 'DYNAMODB_JSON' | 'ION' | 'CSV';
export type CompressionType = 'GZIP' | 'ZSTD' | 'NONE';
export type WriteMode = 'Overwrite' | 'PutIfAbsent';

export type Item = Record<string, AttributeValue>;

export interface CsvOptions {
  /** One of `, ; : | \t` and space (the ImportTable pattern `[,;:|\t ]`); default comma. */
  delimiter: string;
  /** When present the first line of every object is data; when absent it is the header. */
  headerList?: string[];
}

export interface LoadOptions {
  tableName: string;
  format: InputFormat;
  compression: CompressionType;
  csv: CsvOptions;
  writeMode: WriteMode;
  /** The load fails once more than this many records are rejected. */
  maxRejectedRecords: number;
  /** BatchWriteItem calls (or groups of 25 conditional puts) in flight at once. */
  concurrency: number;
  /** Paces the writes to a share of the table's write capacity and/or absolute caps (load/budget.ts); absent: as fast as it can. */
  writeBudget?: WriteBudget;
  /**
   * One batch of a distributed load (provider/load/distributed/worker.ts): a batch whose objects
   * hold no records is no failure, for the provider checks the load as a whole.
   */
  part?: boolean;
}

/** Where a record came from, for reject messages. Never carries data. */
export interface Position {
  /** `s3://bucket/key` or a file path. */
  object: string;
  /** 1-based physical line where the record starts. */
  line: number;
}

export interface Counters {
  itemsWritten: number;
  itemsSkipped: number;
  recordsRejected: number;
  objectsRead: number;
  /** Uncompressed bytes of source data consumed (whole records only, so resumes add up exactly). */
  bytesRead: number;
}

export const zeroCounters = (): Counters => ({ itemsWritten: 0, itemsSkipped: 0, recordsRejected: 0, objectsRead: 0, bytesRead: 0 });

/**
 * Where a load stands: everything before it is written (or skipped, or rejected) and counted.
 * Small and JSON-serialisable, so the provider can carry it into its next invocation.
 */
export interface LoadCheckpoint {
  v: 1;
  startedAt: number;
  /** The last object finished completely ('' before the first). Objects are read in key order. */
  after: string;
  /** The object in progress, if any. */
  current?: { key: string; etag?: string; line: number; byte: number };
  counters: Counters;
  /** Records seen in total (written + skipped + rejected), to tell "nothing to load" apart. */
  records: number;
  /** The first few reject messages, kept for the final FAILED reason. */
  firstRejects: string[];
  /** The slowest write seen so far (ms), so each invocation stops in time to drain its writes. */
  slowestWriteMs?: number;
  /** With a write budget: the share of it the pacer allowed when this checkpoint was taken (AIMD, load/budget.ts). */
  paceFactor?: number;
  /** With a write budget: what the pacer's one-second window still held, until epoch ms `until` (load/budget.ts). */
  paceWindow?: { until: number; units: number; items: number };
}

/** A user-facing failure of the whole load (bad source, missing table, too many rejects). */
export class LoadError extends Error {
  /**
   * A failure the same load may get past later: DynamoDB still throttling, or a service error still
   * failing, after every retry. Not a fault of the data or the table (too many rejects, a missing
   * table, a rewritten object), which fails the same way again.
   */
  readonly transient: boolean;
  constructor(message: string, opts: { transient?: boolean } = {}) {
    super(message);
    this.name = 'LoadError';
    this.transient = opts.transient === true;
  }
}

/** A record that cannot be loaded; the message never quotes data, only names and types. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

export interface Progress {
  counters: Counters;
  /** Bytes of stored (possibly compressed) source consumed, for the CLI's ETA. */
  sourceBytes: number;
  object: string;
}
