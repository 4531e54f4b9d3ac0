/**
 * A load's write budget: how much of the table's write capacity a load may use, so it never
 * starves the application that shares the table.
 *
 * - The table's write capacity (tableWriteCapacity) is read from DescribeTable: the provisioned
 *   WriteCapacityUnits (which autoscaling moves, so the pacer reads it again now and then), or
 *   OnDemandThroughput.MaxWriteRequestUnits, or, on demand without a maximum, the table's warm
 *   throughput, which DynamoDB reports for every table and which a pre-warm raises
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html), and
 *   failing that the 4,000 writes per second a new on-demand table sustains
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html#on-demand-capacity-mode-initial).
 *   A global secondary index with less write capacity than its table throttles the table's writes
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/gsi-throttling.html),
 *   so the capacity is the lowest of the table's and its indexes'.
 * - Writes are counted in write capacity units: one per item of up to 1 KB, rounded up
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#write-operation-consumption).
 * - The Pacer admits a request only when the units (and items) of the requests in its window, with
 *   it, stay within the budget. A request stays in the window from its admission until one second
 *   after its answer: then however late a request reaches DynamoDB after its admission, no two
 *   requests the window kept apart can reach it less than a second apart, so no second at DynamoDB
 *   carries more than the budget (the window only costs the latency of a request per second). On
 *   throttling it halves its rate (at most once a second) and wins it back additively, a tenth of
 *   the budget per second, never above the budget: AIMD, as TCP's congestion control.
 */
import type { TableDescription } from '@aws-sdk/client-dynamodb';

export interface WriteBudget {
  /** A share (1-100) of the table's write capacity. */
  capacityPercent?: number;
  /** An absolute cap in write capacity units per second. */
  maxWriteUnitsPerSecond?: number;
  /** An absolute cap in items per second. */
  maxItemsPerSecond?: number;
}

export type CapacitySource = 'provisioned' | 'on-demand maximum' | 'warm throughput' | 'on-demand default';

export interface TableCapacity {
  writeUnitsPerSecond: number;
  source: CapacitySource;
}

/** A new on-demand table "will be able to sustain up to 4,000 writes per second" (on-demand capacity mode, initial throughput). */
export const ON_DEMAND_DEFAULT_WRITE_UNITS = 4000;

/** Write capacity units for an item of `bytes` (as load/item.ts itemSize counts it): 1 per KB, rounded up, at least 1. */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

type Throughputs = Pick<TableDescription, 'ProvisionedThroughput' | 'OnDemandThroughput' | 'WarmThroughput'>;

function capacityOf(t: Throughputs, onDemand: boolean): TableCapacity {
  const provisioned = t.ProvisionedThroughput?.WriteCapacityUnits ?? 0;
  if (!onDemand && provisioned > 0) return { writeUnitsPerSecond: provisioned, source: 'provisioned' };
  // -1 removes the maximum (OnDemandThroughput, MaxWriteRequestUnits).
  const max = t.OnDemandThroughput?.MaxWriteRequestUnits ?? -1;
  if (max > 0) return { writeUnitsPerSecond: max, source: 'on-demand maximum' };
  const warm = t.WarmThroughput?.WriteUnitsPerSecond ?? 0;
  if (warm > 0) return { writeUnitsPerSecond: warm, source: 'warm throughput' };
  return { writeUnitsPerSecond: ON_DEMAND_DEFAULT_WRITE_UNITS, source: 'on-demand default' };
}

/** The table's write capacity per second, as DescribeTable tells it: the lowest of the table's and its global secondary indexes'. */
export function tableWriteCapacity(t: TableDescription): TableCapacity {
  const onDemand = t.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST';
  let low = capacityOf(t, onDemand);
  for (const g of t.GlobalSecondaryIndexes ?? []) {
    const c = capacityOf(g, onDemand);
    if (c.writeUnitsPerSecond < low.writeUnitsPerSecond) low = c;
  }
  return low;
}

/** The budget in units and items per second (Infinity: no cap of that kind). */
export function budgetLimits(b: WriteBudget, capacity: TableCapacity | undefined): { units: number; items: number } {
  let units = b.maxWriteUnitsPerSecond ?? Infinity;
  if (b.capacityPercent !== undefined && capacity) units = Math.min(units, (capacity.writeUnitsPerSecond * b.capacityPercent) / 100);
  return { units, items: b.maxItemsPerSecond ?? Infinity };
}

export const hasBudget = (b: WriteBudget | undefined): b is WriteBudget =>
  !!b && (b.capacityPercent !== undefined || b.maxWriteUnitsPerSecond !== undefined || b.maxItemsPerSecond !== undefined);

export interface PacerOptions {
  budget: WriteBudget;
  /** The table's capacity now (DescribeTable), read at start and again every `refreshMs`. */
  readCapacity(): Promise<TableCapacity>;
  /** The capacity already read (with the table's schema), so the first request need not wait for another DescribeTable. */
  capacity?: TableCapacity;
  refreshMs?: number;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** The AIMD factor (0-1] a previous invocation ended with. */
  factor?: number;
  /** What a previous invocation's window still held (Pacer.held), so a continuation's first second does not start afresh. */
  held?: { leftMs: number; units: number; items: number };
  signal?: AbortSignal;
  /** Told when the budget changes (the table's capacity moved) or a re-read fails. */
  onChange?(event: { units: number; items: number; capacity?: TableCapacity; error?: string }): void;
}

/** How often the table's capacity is read again (autoscaling moves provisioned capacity). */
export const CAPACITY_REFRESH_MS = 30_000;
const WINDOW_MS = 1000;
const MIN_FACTOR = 0.05;
const DECREASE = 0.5;
/** Share of the budget won back per second without throttling. */
const INCREASE_PER_SECOND = 0.1;

interface Started {
  expires: number;
  units: number;
  items: number;
}

export class Pacer {
  /** The AIMD factor: the share of the budget the pacer currently allows. */
  factor: number;
  limits: { units: number; items: number };
  capacity: TableCapacity | undefined;
  throttles = 0;
  private window: Started[] = [];
  /** Units and items asked for and not yet admitted. */
  private waiting = { units: 0, items: 0 };
  private readonly aborted: Promise<void> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private lastRead: number;
  private reading = false;
  private lastDecrease = -Infinity;
  private lastIncrease: number;

  constructor(private readonly o: PacerOptions) {
    this.factor = Math.min(1, Math.max(MIN_FACTOR, o.factor ?? 1));
    this.capacity = o.capacity;
    this.limits = budgetLimits(o.budget, o.capacity);
    this.lastRead = o.capacity ? o.now() : -Infinity;
    this.lastIncrease = o.now();
    const signal = o.signal;
    this.aborted = signal ? new Promise((r) => signal.addEventListener('abort', () => r(), { once: true })) : undefined;
    if (o.held && o.held.leftMs > 0) this.window.push({ expires: o.now() + o.held.leftMs, units: o.held.units, items: o.held.items });
  }

  /**
   * About how long the requests waiting now take to be admitted (ms): a second for the window
   * to clear, and the time their units and items take at the current rate. The loader stops
   * reading that much earlier before its deadline, so the writes it drains have their turn.
   */
  drainMs(): number {
    if (this.waiting.units === 0 && this.waiting.items === 0) return 0;
    const rate = (limit: number, n: number) => (limit === Infinity ? 0 : (1000 * n) / (limit * this.factor));
    return WINDOW_MS + Math.max(rate(this.limits.units, this.waiting.units), rate(this.limits.items, this.waiting.items));
  }

  /** What the window holds now, as one entry until its last request leaves (conservative), for the next invocation. */
  held(): { leftMs: number; units: number; items: number } | undefined {
    const now = this.o.now();
    const live = this.window.filter((s) => s.expires > now);
    if (live.length === 0) return undefined;
    const until = Math.max(...live.map((s) => (s.expires === Infinity ? now + WINDOW_MS : s.expires)));
    return { leftMs: Math.ceil(until - now), units: live.reduce((n, s) => n + s.units, 0), items: live.reduce((n, s) => n + s.items, 0) };
  }

  /** Writes per BatchWriteItem that fit one second of the item budget (1-25). */
  batchItems(max: number): number {
    return Math.max(1, Math.min(max, Math.floor(this.limits.items)));
  }

  /**
   * Waits until `units` and `items` may start; requests are admitted in the order they ask.
   * Call the function it returns when the request has its answer (or failed).
   */
  acquire(units: number, items: number): Promise<() => void> {
    this.waiting.units += units;
    this.waiting.items += items;
    const turn = this.queue
      .then(() => this.admit(units, items))
      .finally(() => {
        this.waiting.units -= units;
        this.waiting.items -= items;
      });
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** A request was throttled (ProvisionedThroughputExceededException or UnprocessedItems): halve the rate, once per window. */
  throttled(): void {
    this.throttles++;
    const now = this.o.now();
    if (now - this.lastDecrease < WINDOW_MS) return;
    this.factor = Math.max(MIN_FACTOR, this.factor * DECREASE);
    this.lastDecrease = now;
    this.lastIncrease = now;
  }

  /** A request went through whole: win back rate additively. */
  succeeded(): void {
    const now = this.o.now();
    this.factor = Math.min(1, this.factor + (INCREASE_PER_SECOND * Math.max(0, now - this.lastIncrease)) / 1000);
    this.lastIncrease = now;
  }

  private refresh(now: number): Promise<void> | undefined {
    if (this.reading || now - this.lastRead < (this.o.refreshMs ?? CAPACITY_REFRESH_MS)) return undefined;
    this.reading = true;
    this.lastRead = now;
    return this.o
      .readCapacity()
      .then((c) => {
        const changed = c.writeUnitsPerSecond !== this.capacity?.writeUnitsPerSecond;
        this.capacity = c;
        this.limits = budgetLimits(this.o.budget, c);
        if (changed) this.o.onChange?.({ ...this.limits, capacity: c });
      })
      .catch((e: unknown) => this.o.onChange?.({ ...this.limits, error: (e as Error).message }))
      .finally(() => {
        this.reading = false;
      });
  }

  private async admit(units: number, items: number): Promise<() => void> {
    // The first read blocks (a share of capacity needs the capacity); later ones run beside the writes.
    const read = this.refresh(this.o.now());
    if (read && this.capacity === undefined) await read;
    for (;;) {
      if (this.o.signal?.aborted) throw Object.assign(new Error('aborted at the deadline'), { name: 'AbortedError' });
      const now = this.o.now();
      this.window = this.window.filter((s) => s.expires > now);
      const maxUnits = this.limits.units * this.factor;
      const maxItems = this.limits.items * this.factor;
      let usedUnits = 0;
      let usedItems = 0;
      for (const s of this.window) {
        usedUnits += s.units;
        usedItems += s.items;
      }
      if (this.window.length === 0 || (usedUnits + units <= maxUnits && usedItems + items <= maxItems)) {
        // A request bigger than a whole window's budget holds the window for as many windows as it is big, so the
        // rate over time stays within the budget.
        const span = Math.max(1, units / maxUnits, items / maxItems);
        const entry: Started = { expires: Infinity, units, items };
        this.window.push(entry);
        return () => {
          if (entry.expires === Infinity) entry.expires = this.o.now() + WINDOW_MS * span;
        };
      }
      // Wait for the first requests to leave the window until this one fits (or the window is empty).
      // A request still unanswered leaves a second after its answer at the earliest.
      let freeUnits = usedUnits;
      let freeItems = usedItems;
      let at = now + WINDOW_MS;
      for (const s of [...this.window].sort((a, b) => a.expires - b.expires)) {
        freeUnits -= s.units;
        freeItems -= s.items;
        at = Math.min(s.expires, now + WINDOW_MS);
        if (freeUnits + units <= maxUnits && freeItems + items <= maxItems) break;
      }
      await (this.aborted ? Promise.race([this.o.sleep(Math.max(1, at - now)), this.aborted]) : this.o.sleep(Math.max(1, at - now)));
    }
  }
}
