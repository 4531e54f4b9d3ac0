/**
 * Writes items with many requests in flight: BatchWriteItem (25 puts per call, the API's limit:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html) for
 * Overwrite, and conditional PutItem (`attribute_not_exists` on the hash key) for PutIfAbsent,
 * because BatchWriteItem takes no conditions.
 *
 * Counts change only when DynamoDB has confirmed a write, so the counters at any drained moment
 * describe exactly what is in the table.
 */
import { BatchWriteItemCommand, PutItemCommand, type BatchWriteItemCommandOutput, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { writeUnits, type Pacer } from './budget';
import { itemSize } from './item';
import { backoffMs, isRetryable, type RetryPolicy } from './retry';
import { keyOf, type TableSchema } from './schema';
import { LoadError, type Item, type Position, type WriteMode } from './types';

/** BatchWriteItem: "The maximum number of items in a single request is 25" (API reference). */
export const BATCH_SIZE = 25;

interface Pending {
  item: Item;
  pos: Position;
  key: string;
  /** Write capacity units the put consumes (only counted with a write budget). */
  units: number;
}

interface Waited {
  ms: number;
}

const unitsOf = (batch: Pending[]) => batch.reduce((a, p) => a + p.units, 0);

export interface WriterOptions {
  writeMode: WriteMode;
  concurrency: number;
  retry: RetryPolicy;
  /** A record DynamoDB itself refused (ValidationException): counted as a reject. */
  onReject(pos: Position, message: string): void;
  /** Aborted at the hard deadline: requests in flight are cancelled and no new one starts. */
  abortSignal?: AbortSignal;
  /** The slowest write of earlier invocations, so the first stop decision is informed. */
  slowestWriteMs?: number;
  /** Paces every request (each retry included) to the load's write budget (load/budget.ts). */
  pacer?: Pacer;
}

/** The run passed its hard deadline; its result is discarded and its last checkpoint stands. */
export class AbortedError extends Error {
  constructor() {
    super('aborted at the deadline');
    this.name = 'AbortedError';
  }
}

const isValidation = (e: unknown) => (e as Error)?.name === 'ValidationException';
/** Throttled by DynamoDB: provisioned capacity, or an on-demand table's maximum (ThrottlingException). */
const isThrottle = (e: unknown) => ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'].includes((e as Error)?.name);
/**
 * The SDK retried the call before it answered (its `$metadata.attempts`): the client's own retries
 * (standard mode retries throttling and transient errors inside one `send`: AWS SDKs and Tools
 * reference guide, "Retry behavior", https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html)
 * hide a throttled attempt from the writer, so the pacer is told of them as of a throttle.
 */
const sdkRetried = (r: unknown) => ((r as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1) > 1;
const isConditionFailed = (e: unknown) => (e as Error)?.name === 'ConditionalCheckFailedException';

/** AWS error text names no item values; still cap it, it ends up in CloudFormation events. */
const short = (e: unknown) => `${(e as Error).name}: ${String((e as Error).message).slice(0, 200)}`;

export class ItemWriter {
  written = 0;
  skipped = 0;
  /** The longest a dispatched request (or group of 25 puts) has taken, retries included, in ms. */
  slowestWriteMs = 0;
  /** A write that failed for good (retries exhausted, or an error no retry can fix). */
  failure: Error | undefined;

  private batch: Pending[] = [];
  private batchKeys = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly inflightKeys = new Map<string, number>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly schema: TableSchema,
    private readonly opts: WriterOptions,
  ) {
    this.slowestWriteMs = opts.slowestWriteMs ?? 0;
  }

  private checkAbort(): void {
    if (this.opts.abortSignal?.aborted) throw new AbortedError();
  }

  /** Queues one item; resolves once it is queued (waiting while `concurrency` requests are in flight). */
  async add(item: Item, pos: Position): Promise<void> {
    if (this.failure) throw this.failure;
    this.checkAbort();
    const key = keyOf(item, this.schema);
    // BatchWriteItem refuses two writes to one key in a call, and two calls in flight for one key
    // would race: the later record must win, as it does when the file is read in order.
    if (this.batchKeys.has(key)) await this.dispatch();
    if (this.inflightKeys.has(key)) await this.drain();
    this.batch.push({ item, pos, key, units: this.opts.pacer ? writeUnits(itemSize(item)) : 1 });
    this.batchKeys.add(key);
    if (this.batch.length >= (this.opts.pacer?.batchItems(BATCH_SIZE) ?? BATCH_SIZE)) await this.dispatch();
  }

  /** Sends what is queued and waits for every request in flight. Throws the first failure. */
  async flush(): Promise<void> {
    await this.dispatch();
    await this.drain();
    if (this.failure) throw this.failure;
  }

  private async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  private async dispatch(): Promise<void> {
    if (this.batch.length === 0) return;
    while (this.inflight.size >= this.opts.concurrency) await Promise.race(this.inflight);
    const batch = this.batch;
    this.batch = [];
    this.batchKeys = new Set();
    for (const p of batch) this.inflightKeys.set(p.key, (this.inflightKeys.get(p.key) ?? 0) + 1);
    const started = Date.now();
    // Time spent waiting for the write budget is not the write's: the loader adds the pacer's own drain time (Pacer.drainMs).
    const wait: Waited = { ms: 0 };
    const run = this.opts.writeMode === 'PutIfAbsent' ? this.putEach(batch, true, wait, true) : this.batchWrite(batch, wait);
    const done: Promise<void> = run
      .then(() => {
        this.slowestWriteMs = Math.max(this.slowestWriteMs, Date.now() - started - wait.ms);
      })
      .catch((e: unknown) => {
        if (this.opts.abortSignal?.aborted) {
          this.failure ??= new AbortedError();
          return;
        }
        this.failure ??=
          e instanceof LoadError ? e : new LoadError(`writing to table '${this.schema.tableName}' failed: ${short(e)}`, { transient: isRetryable(e) });
      })
      .finally(() => {
        this.inflight.delete(done);
        for (const p of batch) {
          const n = this.inflightKeys.get(p.key)! - 1;
          if (n === 0) this.inflightKeys.delete(p.key);
          else this.inflightKeys.set(p.key, n);
        }
      });
    this.inflight.add(done);
  }

  /** Waits for the write budget, adding the wait to `wait`. */
  private async paced(units: number, items: number, wait: Waited): Promise<(() => void) | undefined> {
    if (!this.opts.pacer) return undefined;
    const t = Date.now();
    const answered = await this.opts.pacer.acquire(units, items);
    wait.ms += Date.now() - t;
    return answered;
  }

  private async batchWrite(batch: Pending[], wait: Waited): Promise<void> {
    const { retry } = this.opts;
    const table = this.schema.tableName;
    let remaining = batch;
    const pacer = this.opts.pacer;
    for (let attempt = 1; ; attempt++) {
      this.checkAbort();
      const answered = await this.paced(unitsOf(remaining), remaining.length, wait);
      let unprocessed: WriteRequest[];
      let res: BatchWriteItemCommandOutput | undefined;
      try {
        res = await this.client
          .send(new BatchWriteItemCommand({ RequestItems: { [table]: remaining.map((p) => ({ PutRequest: { Item: p.item } })) } }), {
            abortSignal: this.opts.abortSignal,
          })
          .finally(answered);
        unprocessed = res.UnprocessedItems?.[table] ?? [];
        if (sdkRetried(res)) pacer?.throttled();
      } catch (e) {
        // One bad item fails the whole call (a type DynamoDB checks that we do not, a size at the edge):
        // write the items one by one, so only the bad one is rejected, with its position.
        if (isValidation(e)) return this.putEach(remaining, false, wait);
        if (isThrottle(e) || sdkRetried(e)) pacer?.throttled();
        if (!isRetryable(e) || attempt >= retry.maxAttempts) throw this.gaveUp('BatchWriteItem', attempt, e);
        await retry.sleep(backoffMs(attempt, retry));
        continue;
      }
      this.written += remaining.length - unprocessed.length;
      // UnprocessedItems are DynamoDB's throttling of part of a batch (API_BatchWriteItem).
      if (unprocessed.length > 0) pacer?.throttled();
      else if (!sdkRetried(res)) pacer?.succeeded();
      if (unprocessed.length === 0) return;
      const left = new Set(unprocessed.map((w) => keyOf(w.PutRequest!.Item as Item, this.schema)));
      remaining = remaining.filter((p) => left.has(p.key));
      if (attempt >= retry.maxAttempts) {
        throw new LoadError(
          `DynamoDB left ${remaining.length} items unprocessed after ${attempt} BatchWriteItem attempts; the table is throttled (raise its write ` +
            `capacity, then load again with a new Revision)`,
          { transient: true },
        );
      }
      await retry.sleep(backoffMs(attempt, retry));
    }
  }

  /** One group of puts; `paced` when the group's first attempts still need their units (a failed batch's were counted already). */
  private async putEach(batch: Pending[], conditional: boolean, wait: Waited, paced = false): Promise<void> {
    const answered = paced ? await this.paced(unitsOf(batch), batch.length, wait) : undefined;
    await Promise.all(batch.map((p) => this.putOne(p, conditional, wait))).finally(answered);
  }

  private async putOne(p: Pending, conditional: boolean, wait: Waited): Promise<void> {
    const { retry, pacer } = this.opts;
    for (let attempt = 1; ; attempt++) {
      this.checkAbort();
      // A condition that fails still consumes write capacity, so every attempt is paced.
      const answered = attempt > 1 ? await this.paced(p.units, 1, wait) : undefined;
      try {
        const put = await this.client
          .send(
            new PutItemCommand({
              TableName: this.schema.tableName,
              Item: p.item,
              ...(conditional ? { ConditionExpression: 'attribute_not_exists(#h)', ExpressionAttributeNames: { '#h': this.schema.hashKey } } : {}),
            }),
            { abortSignal: this.opts.abortSignal },
          )
          .finally(answered);
        this.written++;
        if (sdkRetried(put)) pacer?.throttled();
        else pacer?.succeeded();
        return;
      } catch (e) {
        if (isConditionFailed(e)) {
          this.skipped++;
          pacer?.succeeded();
          return;
        }
        if (isThrottle(e)) pacer?.throttled();
        if (isValidation(e)) {
          this.opts.onReject(p.pos, `DynamoDB refused the item (${short(e)})`);
          return;
        }
        if (!isRetryable(e) || attempt >= retry.maxAttempts) throw this.gaveUp('PutItem', attempt, e);
        await retry.sleep(backoffMs(attempt, retry));
      }
    }
  }

  private gaveUp(op: string, attempts: number, e: unknown): LoadError {
    const why = isRetryable(e) ? `still failing after ${attempts} attempts` : 'failed';
    return new LoadError(`${op} on table '${this.schema.tableName}' ${why}: ${short(e)}`, { transient: isRetryable(e) });
  }
}
