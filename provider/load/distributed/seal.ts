/**
 * Sealed distributed loads. The worker entry (worker.ts) is the provider function itself, and
 * anyone who may invoke that function could send it a "batch" naming any table and any object,
 * so it trusts nothing in the event: the run (what is loaded into which table, until when) and
 * each batch (which objects) travel under an HMAC-SHA256 of the provider's secret key (the key
 * that seals continuations, kept in its state table; provider/guard/seal.ts). The provider seals
 * them only after the request passed the guard (CloudFormation vouched for the stack, the table
 * is the stack's, the source is under the stack's prefix). A batch's MAC covers the run's MAC, so
 * a batch of one run cannot be replayed under another; the run expires when CloudFormation stops
 * waiting for the load, so an old run cannot be replayed over newer data either.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WriteBudget } from '../../../load/budget';
import type { CompressionType, CsvOptions, InputFormat, WriteMode } from '../../../load/types';
import type { Batch } from './plan';

export interface RunSpec {
  v: 1;
  /** Names the execution, the manifest's folder and the batch records. */
  runId: string;
  table: string;
  bucket: string;
  prefix: string;
  owner?: string;
  format: InputFormat;
  compression: CompressionType;
  csv: CsvOptions;
  writeMode: WriteMode;
  maxRejectedRecords: number;
  /** One worker's share of the load's budget (plan.ts splitBudget). */
  budget?: WriteBudget;
  /** Epoch ms after which no worker loads anything for this run (its workers stop writing then too: worker.ts). */
  expiresAt: number;
  /**
   * The operation that started the run (provider/guard/lease.ts requestKey): a worker loads only
   * while that request still holds the resource's lease, so a batch replayed or run late (after
   * CloudFormation was answered, or a Delete or a rollback took the resource over) writes nothing.
   */
  lease: { stackId: string; logicalId: string; request: string };
}

export interface SealedRun {
  v: 1;
  run: string;
  mac: string;
}

export interface SealedBatch extends Batch {
  m: string;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('hex');
const same = (a: string, b: string) => /^[0-9a-f]{64}$/.test(a) && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

export function sealRun(key: Buffer, spec: RunSpec): SealedRun {
  const run = JSON.stringify(spec);
  return { v: 1, run, mac: hmac(key, `run\n${run}`) };
}

export function sealBatch(key: Buffer, run: SealedRun, batch: Batch): SealedBatch {
  return { ...batch, m: hmac(key, `batch\n${run.mac}\n${JSON.stringify([batch.i, batch.o])}`) };
}

/**
 * What a run's folder keeps beside the manifest (run.json, driver.ts startRun): the sealed run, its
 * worker count and its batch count as the first start made them, under a MAC of this key: anyone
 * who may write under `.distributed/` could otherwise raise the worker count (each worker has a
 * share of the budget: more of them exceed it) or lower the batch count (a load that dropped
 * batches would be counted as whole).
 */
export interface StoredRun {
  v: 1;
  run: SealedRun;
  workers: number;
  batches: number;
  mac: string;
}

const storedText = (run: SealedRun, workers: number, batches: number) => `stored\n${run.mac}\n${workers}\n${batches}`;

export function sealStoredRun(key: Buffer, run: SealedRun, workers: number, batches: number): StoredRun {
  return { v: 1, run, workers, batches, mac: hmac(key, storedText(run, workers, batches)) };
}

/** The stored run and its spec, when this key sealed both; `malformed` when it is no stored run at all. */
export function openStoredRun(key: Buffer, raw: unknown): { ok: true; stored: StoredRun; spec: RunSpec } | { ok: false; why: 'malformed' | 'not sealed' } {
  const s = raw as Partial<StoredRun> | null;
  const r = s?.run as Partial<SealedRun> | undefined;
  const counts = Number.isInteger(s?.workers) && (s?.workers ?? 0) >= 1 && Number.isInteger(s?.batches) && (s?.batches ?? -1) >= 0;
  if (
    !s ||
    typeof s !== 'object' ||
    s.v !== 1 ||
    !r ||
    r.v !== 1 ||
    typeof r.run !== 'string' ||
    typeof r.mac !== 'string' ||
    typeof s.mac !== 'string' ||
    !counts
  )
    return { ok: false, why: 'malformed' };
  let spec: RunSpec;
  try {
    spec = JSON.parse(r.run) as RunSpec;
  } catch {
    return { ok: false, why: 'malformed' };
  }
  if (!spec || typeof spec !== 'object') return { ok: false, why: 'malformed' };
  const run = r as SealedRun;
  if (!same(run.mac, hmac(key, `run\n${run.run}`)) || !same(s.mac, hmac(key, storedText(run, s.workers as number, s.batches as number))))
    return { ok: false, why: 'not sealed' };
  return { ok: true, stored: { v: 1, run, workers: s.workers as number, batches: s.batches as number, mac: s.mac }, spec };
}

export type Opened = { ok: true; spec: RunSpec; batch: Batch } | { ok: false; why: string };

/** The run and the batch, when both were sealed by this key, the run has not expired and every object is under the run's prefix. */
export function openBatch(key: Buffer, rawRun: unknown, rawBatch: unknown, now: number): Opened {
  const r = rawRun as Partial<SealedRun> | null;
  if (!r || typeof r !== 'object' || r.v !== 1 || typeof r.run !== 'string' || typeof r.mac !== 'string') return { ok: false, why: 'no sealed run' };
  if (!same(r.mac, hmac(key, `run\n${r.run}`))) return { ok: false, why: 'the run is not sealed by this provider' };
  const b = rawBatch as Partial<SealedBatch> | null;
  if (!b || typeof b !== 'object' || !Number.isInteger(b.i) || !Array.isArray(b.o) || typeof b.m !== 'string') return { ok: false, why: 'no sealed batch' };
  if (!same(b.m, hmac(key, `batch\n${r.mac}\n${JSON.stringify([b.i, b.o])}`))) return { ok: false, why: 'the batch is not sealed for this run' };
  const spec = JSON.parse(r.run) as RunSpec;
  if (spec.v !== 1 || !(now < spec.expiresAt)) return { ok: false, why: 'the run has expired' };
  const objects = b.o as Batch['o'];
  // Sealed, so only a provider bug could break this; checked anyway: a worker never reads outside the run's prefix.
  if (!objects.every((o) => Array.isArray(o) && typeof o[0] === 'string' && o[0].startsWith(spec.prefix)))
    return { ok: false, why: 'an object outside the run' };
  return { ok: true, spec, batch: { i: b.i as number, o: objects } };
}
