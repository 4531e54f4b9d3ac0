/**
 * A distributed load's plan (pure): whether the load goes to Step Functions, its batches, how many
 * run at once, and each worker's share of the write budget.
 *
 * Why batches planned here, not the Map's ItemBatcher over ListObjectsV2: ItemBatcher groups items
 * by count (MaxItemsPerBatch) or by the bytes of the items' JSON (MaxInputBytesPerBatch), that is
 * of the object listings, not of the objects (Step Functions developer guide, "ItemBatcher (Map)"),
 * so it cannot balance batches by the data they load; and every batch a worker runs must be sealed
 * by the provider (worker.ts), which a batch built by Step Functions could not be. The planned
 * batches go to S3 as one JSON array, which the Map's ItemReader reads (InputType JSON).
 */
import { budgetLimits, hasBudget, type TableCapacity, type WriteBudget } from '../../../load/budget';

/** One source object of a batch: [key, size in bytes, ETag]. */
export type BatchObject = [key: string, size: number, etag: string];

export interface Batch {
  /** The batch's index in the manifest: its record in the provider's state table is keyed by it. */
  i: number;
  o: BatchObject[];
}

/** Bytes of source per batch: a worker loads it well within one invocation (15 minutes) at a few MB/s. */
export const BATCH_BYTES = 256 * 1024 * 1024;
/** Objects per batch: keeps a batch's item (up to 1,024-byte keys) far below the 256 KiB a Map item may carry (Step Functions quotas). */
export const BATCH_OBJECTS = 100;
/** Workers at once. The Map runs up to 10,000 child executions in parallel (Distributed Map quotas); the table's capacity is the real bound. */
export const MAX_WORKERS = 40;
/** A worker's budget must admit one full BatchWriteItem (25 items of up to 1 KB) per second. */
export const MIN_WORKER_UNITS = 25;
/**
 * What one provider invocation chain loads per second when nothing else bounds it, for the
 * threshold only: conservative (the loader reaches ~86% of a BatchWriteItem loop's ceiling, a
 * few MB/s of small items: docs/load.md, "Throughput").
 */
export const ONE_CHAIN_BYTES_PER_SECOND = 2 * 1024 * 1024;
/** Average stored bytes per item assumed when the budget caps items or units but the items' size is unknown. */
export const ASSUMED_ITEM_BYTES = 1024;

/**
 * A batch's objects as JSON, at most: a Map item is its child execution's input, which with the
 * sealed run may not exceed 256 KiB (Step Functions quotas, "Maximum input or output size for a
 * task, state, or execution": https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). A key
 * is up to 1,024 bytes of UTF-8, but JSON writes a quote or backslash in two bytes and a control
 * character in six, so 100 keys alone could exceed it; the rest is left for the run and the MAC.
 */
export const BATCH_JSON_BYTES = 192 * 1024;

export function planBatches(objects: BatchObject[], maxBytes = BATCH_BYTES, maxObjects = BATCH_OBJECTS): Batch[] {
  const batches: Batch[] = [];
  let current: BatchObject[] = [];
  let bytes = 0;
  let json = 0;
  for (const o of objects) {
    const size = Buffer.byteLength(JSON.stringify(o)) + 1;
    if (current.length > 0 && (bytes + o[1] > maxBytes || current.length >= maxObjects || json + size > BATCH_JSON_BYTES)) {
      batches.push({ i: batches.length, o: current });
      current = [];
      bytes = 0;
      json = 0;
    }
    current.push(o);
    bytes += o[1];
    json += size;
  }
  if (current.length > 0) batches.push({ i: batches.length, o: current });
  return batches;
}

/** How many workers run at once, and each one's share of the budget (the budget is the whole load's, never more). */
export function splitBudget(batches: number, budget: WriteBudget | undefined, capacity: TableCapacity | undefined): { workers: number; budget?: WriteBudget } {
  let workers = Math.max(1, Math.min(batches, MAX_WORKERS));
  if (!hasBudget(budget)) return { workers };
  const { units, items } = budgetLimits(budget, capacity);
  const cap = Math.min(units, items);
  if (cap !== Infinity) workers = Math.max(1, Math.min(workers, Math.floor(cap / MIN_WORKER_UNITS)));
  const share: WriteBudget = {};
  if (budget.capacityPercent !== undefined) share.capacityPercent = budget.capacityPercent / workers;
  if (budget.maxWriteUnitsPerSecond !== undefined) share.maxWriteUnitsPerSecond = budget.maxWriteUnitsPerSecond / workers;
  if (budget.maxItemsPerSecond !== undefined) share.maxItemsPerSecond = budget.maxItemsPerSecond / workers;
  return { workers, budget: share };
}

export type Route = { kind: 'one-chain'; why: string } | { kind: 'distributed'; why: string };

/**
 * The threshold: an explicit `Distributed` wins; otherwise the load goes to Step Functions when
 * one invocation chain, at the budget's rate (or ONE_CHAIN_BYTES_PER_SECOND), would need more
 * than half the time CloudFormation still waits for it.
 */
export function route(o: { distributed?: boolean; sourceBytes: number; budget?: WriteBudget; capacity?: TableCapacity; secondsLeft: number }): Route {
  if (o.distributed === true) return { kind: 'distributed', why: 'Distributed: true' };
  if (o.distributed === false) return { kind: 'one-chain', why: 'Distributed: false' };
  let rate = ONE_CHAIN_BYTES_PER_SECOND;
  if (hasBudget(o.budget)) {
    const { units, items } = budgetLimits(o.budget, o.capacity);
    rate = Math.min(rate, Math.min(units, items) * ASSUMED_ITEM_BYTES);
  }
  const seconds = o.sourceBytes / rate;
  const waits = Math.round(o.secondsLeft);
  const why = `${o.sourceBytes} bytes at ~${Math.round(rate)} bytes/s take ~${Math.round(seconds)} s, and CloudFormation waits ${waits} s more`;
  return seconds > o.secondsLeft / 2 ? { kind: 'distributed', why } : { kind: 'one-chain', why };
}
