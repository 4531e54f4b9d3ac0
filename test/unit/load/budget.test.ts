/**
 * The write budget (load/budget.ts) on an injected clock: what capacity a table has, what the
 * budget allows, and the pacer's sliding window and AIMD, second by simulated second.
 */
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import {
  budgetLimits,
  ON_DEMAND_DEFAULT_WRITE_UNITS,
  Pacer,
  tableWriteCapacity,
  writeUnits,
  type PacerOptions,
  type TableCapacity,
} from '../../../load/budget';

/** A virtual clock: sleep() resolves when the driver moves time to its end, never on the wall clock. */
function virtualClock() {
  let now = 0;
  const timers: { at: number; resolve: () => void }[] = [];
  const settle = () => new Promise<void>((r) => setImmediate(r));
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
    /** Runs until every worker is done, moving time from timer to timer. */
    async run(work: Promise<unknown>) {
      let done = false;
      const end = () => {
        done = true;
      };
      work.then(end, end);
      for (;;) {
        await settle();
        if (done) return work;
        if (timers.length === 0) throw new Error('stalled: no timer and the work is not done');
        timers.sort((a, b) => a.at - b.at);
        const t = timers.shift()!;
        now = Math.max(now, t.at);
        t.resolve();
      }
    },
  };
}

const PROVISIONED = (wcu: number, extra: Partial<TableDescription> = {}): TableDescription => ({
  ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: wcu },
  ...extra,
});

/** `workers` loops that each take `units` per request, with `latencyMs` per request, until `untilMs`; returns every start. */
async function greedy(
  pacer: Pacer,
  clock: ReturnType<typeof virtualClock>,
  o: { workers: number; units: number; items?: number; latencyMs: number; untilMs: number },
) {
  const starts: { t: number; units: number; items: number }[] = [];
  const worker = async () => {
    while (clock.now() < o.untilMs) {
      const answered = await pacer.acquire(o.units, o.items ?? 25);
      starts.push({ t: clock.now(), units: o.units, items: o.items ?? 25 });
      await clock.sleep(o.latencyMs);
      answered();
    }
  };
  await clock.run(Promise.all(Array.from({ length: o.workers }, worker)));
  return starts;
}

/** The most units started in any window [t, t + 1 s) beginning at a start. */
function peakWindow(starts: { t: number; units: number }[], from = 0, to = Infinity, key: 'units' | 'items' = 'units') {
  const s = starts.filter((x) => x.t >= from && x.t < to);
  let peak = 0;
  for (const a of s)
    peak = Math.max(
      peak,
      s.filter((b) => b.t >= a.t && b.t < a.t + 1000).reduce((n, b) => n + (b as never as Record<string, number>)[key], 0),
    );
  return peak;
}

function pacer(
  clock: ReturnType<typeof virtualClock>,
  o: Partial<PacerOptions> & Pick<PacerOptions, 'budget'>,
  capacity: TableCapacity = { writeUnitsPerSecond: 1000, source: 'provisioned' },
) {
  return new Pacer({ readCapacity: async () => capacity, capacity, now: clock.now, sleep: clock.sleep, ...o });
}

describe("the table's write capacity, from DescribeTable", () => {
  test('provisioned: WriteCapacityUnits', () => {
    expect(tableWriteCapacity(PROVISIONED(300))).toEqual({ writeUnitsPerSecond: 300, source: 'provisioned' });
  });
  test('a global secondary index with less write capacity than its table bounds the table (its back-pressure throttles the table)', () => {
    const t = PROVISIONED(300, { GlobalSecondaryIndexes: [{ IndexName: 'g', ProvisionedThroughput: { WriteCapacityUnits: 120, ReadCapacityUnits: 5 } }] });
    expect(tableWriteCapacity(t)).toEqual({ writeUnitsPerSecond: 120, source: 'provisioned' });
  });
  test('on demand with a maximum: OnDemandThroughput.MaxWriteRequestUnits', () => {
    const t: TableDescription = {
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
      OnDemandThroughput: { MaxWriteRequestUnits: 2500 },
      WarmThroughput: { WriteUnitsPerSecond: 9000 },
    };
    expect(tableWriteCapacity(t)).toEqual({ writeUnitsPerSecond: 2500, source: 'on-demand maximum' });
  });
  test('on demand without a maximum (-1): the warm throughput, which a pre-warm raises', () => {
    const t: TableDescription = {
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      OnDemandThroughput: { MaxWriteRequestUnits: -1 },
      WarmThroughput: { WriteUnitsPerSecond: 20000 },
    };
    expect(tableWriteCapacity(t)).toEqual({ writeUnitsPerSecond: 20000, source: 'warm throughput' });
  });
  test('on demand with nothing reported (DynamoDB Local): the 4,000 writes per second of a new on-demand table', () => {
    const t: TableDescription = {
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
    };
    expect(tableWriteCapacity(t)).toEqual({ writeUnitsPerSecond: ON_DEMAND_DEFAULT_WRITE_UNITS, source: 'on-demand default' });
    expect(ON_DEMAND_DEFAULT_WRITE_UNITS).toBe(4000);
  });
});

test('write units: 1 per KB, rounded up, at least 1', () => {
  expect([0, 1, 1024, 1025, 2048, 400 * 1024].map(writeUnits)).toEqual([1, 1, 1, 2, 2, 400]);
});

test('the budget: a share of capacity, absolute caps, and the lowest of them', () => {
  const cap: TableCapacity = { writeUnitsPerSecond: 1000, source: 'provisioned' };
  expect(budgetLimits({ capacityPercent: 40 }, cap)).toEqual({ units: 400, items: Infinity });
  expect(budgetLimits({ maxWriteUnitsPerSecond: 250 }, cap)).toEqual({ units: 250, items: Infinity });
  expect(budgetLimits({ capacityPercent: 40, maxWriteUnitsPerSecond: 250, maxItemsPerSecond: 90 }, cap)).toEqual({ units: 250, items: 90 });
  expect(budgetLimits({ capacityPercent: 40, maxWriteUnitsPerSecond: 900 }, cap)).toEqual({ units: 400, items: Infinity });
});

describe('the pacer, on a virtual clock', () => {
  test('8 greedy writers: no one-second window carries more than the budget, and the budget is used (>= 95%)', async () => {
    const clock = virtualClock();
    const p = pacer(clock, { budget: { capacityPercent: 50 } });
    const starts = await greedy(p, clock, { workers: 8, units: 25, latencyMs: 7, untilMs: 60_000 });
    expect(peakWindow(starts)).toBeLessThanOrEqual(500);
    // Over the first 60 s, counted by start.
    const total = starts.filter((s) => s.t < 60_000).reduce((n, s) => n + s.units, 0);
    expect(total / 60).toBeGreaterThanOrEqual(0.95 * 500);
    expect(total / 60).toBeLessThanOrEqual(500);
  });

  test('however late a request reaches DynamoDB before its answer, no second at DynamoDB carries more than the budget', async () => {
    const clock = virtualClock();
    const p = pacer(clock, { budget: { maxWriteUnitsPerSecond: 300 } });
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const arrivals: { t: number; units: number }[] = [];
    const worker = async () => {
      while (clock.now() < 30_000) {
        const answered = await p.acquire(25, 25);
        // The request leaves after a stall of up to 200 ms (a busy event loop, a slow socket), and is answered 5 ms after it arrives.
        await clock.sleep(Math.floor(random() * 200));
        arrivals.push({ t: clock.now(), units: 25 });
        await clock.sleep(5);
        answered();
      }
    };
    await clock.run(Promise.all(Array.from({ length: 8 }, worker)));
    arrivals.sort((a, b) => a.t - b.t);
    expect(peakWindow(arrivals)).toBeLessThanOrEqual(300);
    // The cost: each second loses a request's latency.
    expect(arrivals.filter((a) => a.t < 30_000).reduce((n, a) => n + a.units, 0) / 30).toBeGreaterThanOrEqual(0.75 * 300);
  });

  test('an items-per-second cap holds too, with batches cut to fit it', async () => {
    const clock = virtualClock();
    const p = pacer(clock, { budget: { maxItemsPerSecond: 60 } });
    expect(p.batchItems(25)).toBe(25);
    expect(pacer(clock, { budget: { maxItemsPerSecond: 10 } }).batchItems(25)).toBe(10);
    const starts = await greedy(p, clock, { workers: 4, units: 25, items: 20, latencyMs: 5, untilMs: 20_000 });
    expect(peakWindow(starts, 0, Infinity, 'items')).toBeLessThanOrEqual(60);
    const items = starts.filter((s) => s.t < 20_000).reduce((n, s) => n + s.items, 0);
    expect(items / 20).toBeGreaterThanOrEqual(0.9 * 60);
    expect(items / 20).toBeLessThanOrEqual(60);
  });

  test('a request bigger than a whole second of budget goes alone and holds the window for as long as it is big', async () => {
    const clock = virtualClock();
    const p = pacer(clock, { budget: { maxWriteUnitsPerSecond: 10 } });
    const starts = await greedy(p, clock, { workers: 2, units: 25, latencyMs: 1, untilMs: 10_000 });
    for (let i = 1; i < starts.length; i++) expect(starts[i].t - starts[i - 1].t).toBeGreaterThanOrEqual(2500);
    // Each leaves the window 2.5 s after its answer (1 ms after its start).
    expect(starts.filter((s) => s.t < 10_000).map((s) => s.t)).toEqual([0, 2501, 5002, 7503]);
  });

  test('throttling halves the rate once per second; it comes back additively, a tenth of the budget per second, never above the budget', async () => {
    const clock = virtualClock();
    const p = pacer(clock, { budget: { maxWriteUnitsPerSecond: 1000 } });
    await clock.run(clock.sleep(5000));
    p.throttled();
    p.throttled(); // the same congestion: one decrease
    expect(p.factor).toBe(0.5);
    await clock.run(clock.sleep(999));
    p.throttled();
    expect(p.factor).toBe(0.5);
    await clock.run(clock.sleep(1));
    p.throttled();
    expect(p.factor).toBe(0.25);
    // Half a second without throttling: +5% of the budget.
    await clock.run(clock.sleep(500));
    p.succeeded();
    expect(p.factor).toBeCloseTo(0.3, 10);
    await clock.run(clock.sleep(60_000));
    p.succeeded();
    expect(p.factor).toBe(1);
    expect(p.throttles).toBe(4);
    // While halved, the window admits half the budget.
    p.throttled();
    const from = clock.now();
    const starts = await greedy(p, clock, { workers: 8, units: 10, latencyMs: 5, untilMs: from + 1000 });
    expect(starts.filter((s) => s.t < from + 1000).reduce((n, s) => n + s.units, 0)).toBe(500);
  });

  test('it never goes below 5% of the budget, and a factor carried from an earlier invocation is kept', () => {
    const clock = virtualClock();
    const p = pacer(clock, { budget: { maxWriteUnitsPerSecond: 100 }, factor: 0.3 });
    expect(p.factor).toBe(0.3);
    for (let i = 0; i < 20; i++) {
      p.throttled();
      clock.sleep(0); // no time passes: only the first decrease counts
    }
    expect(p.factor).toBe(0.15);
    expect(pacer(clock, { budget: { maxWriteUnitsPerSecond: 100 }, factor: 0.001 }).factor).toBe(0.05);
  });

  test('the share follows autoscaling: the capacity is read again every refresh, and each second stays within the budget of its time', async () => {
    const clock = virtualClock();
    const reads: number[] = [];
    // Autoscaling raises the table from 400 to 1,200 WCU at 20 s, then lowers it to 200 at 40 s.
    const capacityAt = (t: number) => (t < 20_000 ? 400 : t < 40_000 ? 1200 : 200);
    const changes: number[] = [];
    const p = new Pacer({
      budget: { capacityPercent: 50 },
      readCapacity: async () => {
        reads.push(clock.now());
        return { writeUnitsPerSecond: capacityAt(clock.now()), source: 'provisioned' };
      },
      refreshMs: 5000,
      now: clock.now,
      sleep: clock.sleep,
      onChange: (e) => changes.push(e.units),
    });
    const starts = await greedy(p, clock, { workers: 8, units: 5, items: 5, latencyMs: 4, untilMs: 60_000 });
    // The first read happens before the first write (a share needs the capacity); then every 5 s.
    expect(reads[0]).toBe(0);
    expect(reads.length).toBeGreaterThanOrEqual(12);
    expect(changes).toEqual([200, 600, 100]);
    // Before the first read that saw each change, the old budget; a window that spans a change
    // holds at most the higher budget.
    expect(peakWindow(starts, 0, 19_000)).toBeLessThanOrEqual(200);
    expect(peakWindow(starts, 26_000, 39_000)).toBeLessThanOrEqual(600);
    expect(peakWindow(starts, 26_000, 39_000)).toBeGreaterThanOrEqual(0.95 * 600);
    expect(peakWindow(starts, 46_000, 60_000)).toBeLessThanOrEqual(100);
  });

  test('a failed re-read keeps the budget it had and says so', async () => {
    const clock = virtualClock();
    const events: { units: number; error?: string }[] = [];
    let n = 0;
    const p = new Pacer({
      budget: { capacityPercent: 10 },
      readCapacity: async () => {
        if (n++ > 0) throw new Error('ThrottlingException: rate of control plane requests');
        return { writeUnitsPerSecond: 1000, source: 'provisioned' };
      },
      refreshMs: 1000,
      now: clock.now,
      sleep: clock.sleep,
      onChange: (e) => events.push(e),
    });
    await greedy(p, clock, { workers: 1, units: 10, latencyMs: 10, untilMs: 3000 });
    expect(p.limits.units).toBe(100);
    expect(events[0]).toMatchObject({ units: 100 });
    expect(events.slice(1).every((e) => e.units === 100 && /ThrottlingException/.test(e.error ?? ''))).toBe(true);
  });

  test("a continuation's pacer starts with what the last invocation's window held, and says how long its queue takes", async () => {
    const clock = virtualClock();
    const first = pacer(clock, { budget: { maxWriteUnitsPerSecond: 100 } });
    (await first.acquire(60, 25))();
    await clock.run(clock.sleep(400));
    const held = first.held()!;
    expect(held).toEqual({ leftMs: 600, units: 60, items: 25 });
    const next = pacer(clock, { budget: { maxWriteUnitsPerSecond: 100 }, held });
    expect(next.drainMs()).toBe(0);
    const admitted: number[] = [];
    const a = next.acquire(60, 25).then((done) => {
      admitted.push(clock.now());
      done();
    });
    // 60 units waiting at 100 units/s: the window's second, and 600 ms of budget.
    expect(next.drainMs()).toBe(1600);
    await clock.run(a);
    expect(admitted).toEqual([1000]); // not before the held 60 units left the window
    expect(next.drainMs()).toBe(0);
  });

  test('an aborted pacer stops waiting', async () => {
    const clock = virtualClock();
    const abort = new AbortController();
    const p = pacer(clock, { budget: { maxWriteUnitsPerSecond: 10 }, signal: abort.signal });
    (await p.acquire(10, 1))();
    const waiting = p.acquire(10, 1);
    abort.abort();
    await expect(clock.run(waiting)).rejects.toMatchObject({ name: 'AbortedError' });
  });
});
