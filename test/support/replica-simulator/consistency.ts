/**
 * Eventual consistency of DynamoDB's control plane, as the replica simulator injects it.
 *
 * - Tags: "If you issue a ListTagsOfResource request immediately after a TagResource request,
 *   DynamoDB might return your previous tag set" (DynamoDB API reference, TagResource; the same
 *   for UntagResource). AWS made the tagging APIs eventually consistent in August 2024
 *   (hashicorp/terraform-provider-aws#39326).
 * - DescribeTable: "DescribeTable uses an eventually consistent query, and the metadata for your
 *   table might not be available at that moment. ... If you issue a DescribeTable request
 *   immediately after a CreateTable request, DynamoDB might return a ResourceNotFoundException"
 *   (DynamoDB API reference, DescribeTable). After UpdateTable the same eventually consistent read
 *   may return the description from before the update.
 *
 * Model: each write leaves a window per resource in which reads see the state from before the
 * write. The window lasts `lagMs` milliseconds OR `reads` reads, whichever lasts longer (a count
 * makes a test deterministic; a duration makes it realistic). A write inside an open window keeps
 * the older snapshot (the last state a reader could have seen) and restarts the window.
 *
 * Pure: no I/O, the clock is passed in, so it is tested on its own.
 */

export interface ConsistencyFaults {
  /** Off: every read is consistent (the default for existing callers). */
  enabled: boolean;
  /** After TagResource/UntagResource, ListTagsOfResource returns the previous tag set for this long (ms). */
  tagLagMs?: number;
  /** ... and for at least this many ListTagsOfResource calls on that resource. */
  tagLagReads?: number;
  /** After CreateTable, DescribeTable answers ResourceNotFoundException; after UpdateTable it returns the pre-update description; for this long (ms). */
  describeLagMs?: number;
  /** ... and for at least this many DescribeTable calls on that table. */
  describeLagReads?: number;
}

export const NO_CONSISTENCY_FAULTS: ConsistencyFaults = { enabled: false };

/**
 * What lifecycle tests turn on: at least one stale read after every tag write and every table
 * create/update is guaranteed (the read counts), and a short real-time window on top.
 */
export const LIFECYCLE_FAULTS: Readonly<ConsistencyFaults> = Object.freeze({
  enabled: true,
  tagLagMs: 1000,
  tagLagReads: 1,
  describeLagMs: 500,
  describeLagReads: 1,
});

interface Window<T> {
  /** What readers see meanwhile. */
  value: T;
  until: number;
  readsLeft: number;
}

/** Per-key stale windows (one store for tags, one for table descriptions). */
export class StaleWindows<T> {
  private windows = new Map<string, Window<T>>();

  /** Opens (or restarts) the window of `key`; an already open window keeps its older value. */
  open(key: string, value: T, now: number, lagMs = 0, reads = 0): void {
    const w = this.windows.get(key);
    const live = w && this.isOpen(w, now);
    this.windows.set(key, { value: live ? w.value : value, until: now + lagMs, readsLeft: reads });
  }

  /** A read of `key`: the stale value while the window is open (the read counts), else undefined. */
  read(key: string, now: number): { value: T } | undefined {
    const w = this.windows.get(key);
    if (!w) return undefined;
    if (!this.isOpen(w, now)) {
      this.windows.delete(key);
      return undefined;
    }
    w.readsLeft = Math.max(0, w.readsLeft - 1);
    return { value: w.value };
  }

  has(key: string, now: number): boolean {
    const w = this.windows.get(key);
    return Boolean(w && this.isOpen(w, now));
  }

  clear(): void {
    this.windows.clear();
  }

  private isOpen(w: Window<T>, now: number): boolean {
    return now < w.until || w.readsLeft > 0;
  }
}

/** Tag sets as ListTagsOfResource returns them. */
export type TagList = { Key: string; Value: string }[];

/** The description a DescribeTable reader sees during the window: none yet (just created) or the old one. */
export type DescribeView = { kind: 'not-found' } | { kind: 'stale'; table: Record<string, unknown> };

/** Both stores and the switch, as the proxy uses them. */
export class ConsistencyModel {
  readonly tags = new StaleWindows<TagList>();
  readonly describe = new StaleWindows<DescribeView>();
  private faults: ConsistencyFaults;

  constructor(faults: ConsistencyFaults = NO_CONSISTENCY_FAULTS) {
    this.faults = { ...faults };
  }

  get settings(): ConsistencyFaults {
    return { ...this.faults };
  }

  set(faults: ConsistencyFaults): void {
    this.faults = { ...faults };
    if (!faults.enabled) {
      this.tags.clear();
      this.describe.clear();
    }
  }

  get tagsLag(): boolean {
    return this.faults.enabled && ((this.faults.tagLagMs ?? 0) > 0 || (this.faults.tagLagReads ?? 0) > 0);
  }

  get describeLag(): boolean {
    return this.faults.enabled && ((this.faults.describeLagMs ?? 0) > 0 || (this.faults.describeLagReads ?? 0) > 0);
  }

  /** TagResource/UntagResource succeeded on `resourceArn`; `previous` is the tag set before it. */
  tagWrite(resourceArn: string, previous: TagList, now: number): void {
    if (this.tagsLag) this.tags.open(resourceArn, previous, now, this.faults.tagLagMs, this.faults.tagLagReads);
  }

  /** ListTagsOfResource: the previous tag set while the window is open. */
  tagRead(resourceArn: string, now: number): TagList | undefined {
    return this.faults.enabled ? this.tags.read(resourceArn, now)?.value : undefined;
  }

  /** CreateTable succeeded: DescribeTable does not find the table for a while. */
  tableCreated(key: string, now: number): void {
    if (this.describeLag) this.describe.open(key, { kind: 'not-found' }, now, this.faults.describeLagMs, this.faults.describeLagReads);
  }

  /** UpdateTable succeeded; `before` is the description before it. */
  tableUpdated(key: string, before: Record<string, unknown>, now: number): void {
    if (this.describeLag) this.describe.open(key, { kind: 'stale', table: before }, now, this.faults.describeLagMs, this.faults.describeLagReads);
  }

  describeRead(key: string, now: number): DescribeView | undefined {
    return this.faults.enabled ? this.describe.read(key, now)?.value : undefined;
  }
}
