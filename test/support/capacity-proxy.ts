/**
 * A capacity model of DynamoDB in front of DynamoDB Local (which never throttles): each listed
 * table gets a token bucket of write capacity units, refilled at its provisioned WCU per second,
 * and writes beyond it are throttled the way DynamoDB throttles them.
 * - A write consumes 1 WCU per KB of item, rounded up (DynamoDB developer guide, "Capacity unit
 *   consumption for write operations":
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#write-operation-consumption),
 *   the item's size counted as DynamoDB counts it (load/item.ts itemSize, CapacityUnitCalculations).
 *   A conditional put that fails its condition consumes too ("If a ConditionExpression evaluates to
 *   false during a conditional write, DynamoDB still consumes write capacity from the table",
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalWrites.ReturnConsumedCapacity),
 *   so capacity is taken on admission.
 * - A PutItem that does not fit gets HTTP 400 with
 *   `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":...}`,
 *   the error shape of the developer guide's "Error handling with DynamoDB"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 * - A BatchWriteItem writes the puts that fit and returns the rest as UnprocessedItems; when none
 *   fits it fails with ProvisionedThroughputExceededException ("If none of the items can be
 *   processed due to insufficient provisioned throughput on all of the tables in the request, then
 *   BatchWriteItem returns a ProvisionedThroughputExceededException",
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 * - The bucket holds `burstSeconds` of capacity (default 1). DynamoDB keeps up to 300 seconds of
 *   unused capacity for bursts (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html),
 *   so this model throttles sooner than DynamoDB does, never later.
 * - An UpdateTable that passes through it with ProvisionedThroughput sets the table's new rate,
 *   as autoscaling's UpdateTable does.
 * It listens on one port per label ('loader', 'app', ...) over one shared model, and counts what
 * each label was granted and refused, with the time of each grant, for the bench and the tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fromDynamoDbJson, itemSize } from '../../load/item';
import { collect, DDB_ERR, forward, readBody } from './load-fault-proxy';

export interface LabelStats {
  requests: number;
  /** Requests refused whole (400) or in part (UnprocessedItems). */
  throttledRequests: number;
  itemsGranted: number;
  itemsThrottled: number;
  unitsGranted: number;
  /** [ms since start, units] of each grant. */
  grants: [number, number][];
}

export interface CapacityProxy {
  endpoints: Record<string, string>;
  stats: Record<string, LabelStats>;
  /** The WCU/s the model enforces on `table` now. */
  capacity(table: string): number | undefined;
  setCapacity(table: string, writeUnitsPerSecond: number): void;
  /** The most units granted to `label` in any one-second window [t, t + 1 s) from a grant, between `from` and `to` (ms since start). */
  peakWindow(label: string, from?: number, to?: number): number;
  /** Forgets the counts (the buckets stay). */
  reset(): void;
  stop(): Promise<void>;
}

const PTEE_MESSAGE =
  'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.';

interface Bucket {
  rate: number;
  tokens: number;
  at: number;
}

const units = (wire: Record<string, unknown>) => {
  const item: Record<string, ReturnType<typeof fromDynamoDbJson>> = {};
  for (const [k, v] of Object.entries(wire)) item[k] = fromDynamoDbJson(v, k);
  return Math.max(1, Math.ceil(itemSize(item) / 1024));
};

export async function startCapacityProxy(opts: {
  target: string;
  tables: Record<string, number>;
  labels?: string[];
  burstSeconds?: number;
  now?: () => number;
}): Promise<CapacityProxy> {
  const target = new URL(opts.target);
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const burst = opts.burstSeconds ?? 1;
  const buckets = new Map<string, Bucket>();
  const set = (table: string, rate: number) => buckets.set(table, { rate, tokens: rate * burst, at: now() });
  for (const [t, r] of Object.entries(opts.tables)) set(t, r);
  const fresh = (): LabelStats => ({ requests: 0, throttledRequests: 0, itemsGranted: 0, itemsThrottled: 0, unitsGranted: 0, grants: [] });
  const labels = opts.labels ?? ['loader'];
  const stats: Record<string, LabelStats> = Object.fromEntries(labels.map((l) => [l, fresh()]));

  /** Takes `cost` from the table's bucket if it holds that much; true when granted. Unlisted tables are unlimited. */
  function take(table: string, cost: number): boolean {
    const b = buckets.get(table);
    if (!b) return true;
    const t = now();
    b.tokens = Math.min(b.rate * burst, b.tokens + (b.rate * (t - b.at)) / 1000);
    b.at = t;
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  const refuse = (res: ServerResponse) => {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(DDB_ERR('ProvisionedThroughputExceededException', PTEE_MESSAGE));
  };

  async function pass(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<Buffer> {
    const up = await forward(target, req, body);
    const out = await collect(up.res);
    res.writeHead(up.status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(out);
    return out;
  }

  async function handle(label: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
    const s = stats[label];
    const grant = (u: number, items: number) => {
      s.unitsGranted += u;
      s.itemsGranted += items;
      s.grants.push([now() - t0, u]);
    };
    if (op === 'PutItem') {
      const doc = JSON.parse(body.toString('utf8')) as { TableName: string; Item: Record<string, unknown> };
      s.requests++;
      const cost = units(doc.Item);
      if (!take(doc.TableName, cost)) {
        s.throttledRequests++;
        s.itemsThrottled++;
        return refuse(res);
      }
      grant(cost, 1);
      await pass(req, res, body);
      return;
    }
    if (op === 'BatchWriteItem') {
      const doc = JSON.parse(body.toString('utf8')) as { RequestItems: Record<string, { PutRequest?: { Item: Record<string, unknown> } }[]> };
      s.requests++;
      const granted: typeof doc.RequestItems = {};
      const left: typeof doc.RequestItems = {};
      let grantedUnits = 0;
      let grantedItems = 0;
      for (const [table, writes] of Object.entries(doc.RequestItems)) {
        for (const w of writes) {
          const cost = w.PutRequest ? units(w.PutRequest.Item) : 1;
          if ((left[table]?.length ?? 0) === 0 && take(table, cost)) {
            granted[table] = [...(granted[table] ?? []), w];
            grantedUnits += cost;
            grantedItems++;
          } else left[table] = [...(left[table] ?? []), w];
        }
      }
      const throttled = Object.values(left).reduce((n, l) => n + l.length, 0);
      if (throttled > 0) {
        s.throttledRequests++;
        s.itemsThrottled += throttled;
      }
      if (grantedItems === 0) return refuse(res);
      grant(grantedUnits, grantedItems);
      const up = await forward(target, req, Buffer.from(JSON.stringify({ ...doc, RequestItems: granted })));
      const out = JSON.parse((await collect(up.res)).toString('utf8')) as { UnprocessedItems?: typeof left };
      res.writeHead(up.status, { 'content-type': 'application/x-amz-json-1.0' });
      if (up.status !== 200) return void res.end(JSON.stringify(out));
      const unprocessed = { ...(out.UnprocessedItems ?? {}) };
      for (const [t, l] of Object.entries(left)) unprocessed[t] = [...(unprocessed[t] ?? []), ...l];
      return void res.end(JSON.stringify({ ...out, UnprocessedItems: unprocessed }));
    }
    const out = await pass(req, res, body);
    if (op === 'UpdateTable') {
      const doc = JSON.parse(body.toString('utf8')) as { TableName: string; ProvisionedThroughput?: { WriteCapacityUnits?: number } };
      const wcu = doc.ProvisionedThroughput?.WriteCapacityUnits;
      if (wcu !== undefined && buckets.has(doc.TableName) && !out.toString('utf8').includes('__type')) set(doc.TableName, wcu);
    }
  }

  const sockets = new Set<Socket>();
  const servers = await Promise.all(
    labels.map(async (label) => {
      const server = createServer((req, res) => void handle(label, req, res).catch(() => req.socket.destroy()));
      server.on('connection', (sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return { label, server };
    }),
  );
  return {
    endpoints: Object.fromEntries(servers.map(({ label, server }) => [label, `http://127.0.0.1:${(server.address() as AddressInfo).port}`])),
    stats,
    capacity: (t) => buckets.get(t)?.rate,
    setCapacity: set,
    peakWindow(label, from = 0, to = Infinity) {
      const g = stats[label].grants.filter(([t]) => t >= from && t < to);
      let peak = 0;
      let j = 0;
      let sum = 0;
      // Grants are in time order: a two-pointer sweep over windows that start at a grant.
      for (let i = 0; i < g.length; i++) {
        while (j < g.length && g[j][0] < g[i][0] + 1000) sum += g[j++][1];
        peak = Math.max(peak, sum);
        sum -= g[i][1];
      }
      return peak;
    },
    reset() {
      for (const l of labels) stats[l] = fresh();
    },
    stop: async () => {
      for (const sock of sockets) sock.destroy();
      await Promise.all(servers.map(({ server }) => new Promise<void>((r) => server.close(() => r()))));
    },
  };
}

/**
 * An "application" writing beside a load: one PutItem of `item(i)` every 1000/`perSecond` ms
 * (never catching up, so a slow machine sends less, never bursts), each tried once (the client
 * should have maxAttempts 1), until stopped. The success rate is what the load left it.
 */
export function startAppWriter(
  client: { send(c: unknown): Promise<unknown> },
  put: (i: number) => unknown,
  perSecond: number,
): { stop(): Promise<{ sent: number; ok: number; throttled: number; failed: number }> } {
  let stopped = false;
  const counts = { sent: 0, ok: 0, throttled: 0, failed: 0 };
  const inflight = new Set<Promise<void>>();
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      counts.sent++;
      const p: Promise<void> = client
        .send(put(i))
        .then(() => void counts.ok++)
        .catch((e: Error) => void (e.name === 'ProvisionedThroughputExceededException' ? counts.throttled++ : counts.failed++))
        .finally(() => inflight.delete(p));
      inflight.add(p);
      await new Promise((r) => setTimeout(r, 1000 / perSecond));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.all([...inflight]);
      return counts;
    },
  };
}
