/**
 * plan.ts of the indexes resource, one rule per test: the order (deletes, updates, creates), one
 * create or delete per step, waiting while any index is busy, never deleting an index the
 * resource does not manage, adoption of an index that already has the declared definition, and
 * re-creation of a managed index whose key schema or projection changed.
 */
import type { GsiProps } from '../../../contract/resources';
import { definitionDiffers, planIndexes, type LiveIndex, type PlanInput, type TableState } from '../../../provider/indexes/plan';
import { parseIndexesProps } from '../../../provider/indexes/props';

const gsi = (name: string, hash = `${name}Key`, extra: Partial<GsiProps> = {}): GsiProps => ({
  IndexName: name,
  KeySchema: [{ AttributeName: hash, KeyType: 'HASH' }],
  Projection: { ProjectionType: 'ALL' },
  ...extra,
});

const live = (g: GsiProps, over: Partial<LiveIndex> = {}): LiveIndex => ({
  name: g.IndexName,
  keySchema: g.KeySchema,
  projection: g.Projection,
  status: 'ACTIVE',
  backfilling: false,
  ...(g.ProvisionedThroughput ? { provisioned: { read: g.ProvisionedThroughput.ReadCapacityUnits, write: g.ProvisionedThroughput.WriteCapacityUnits } } : {}),
  ...over,
});

const table = (indexes: LiveIndex[], over: Partial<TableState> = {}): TableState => ({
  status: 'ACTIVE',
  attributes: [],
  billingMode: 'PAY_PER_REQUEST',
  indexes: new Map(indexes.map((i) => [i.name, i])),
  ...over,
});

const plan = (desired: GsiProps[], t: TableState, over: Partial<PlanInput> = {}) =>
  planIndexes({ desired, managed: new Set(desired.map((g) => g.IndexName)), done: new Set(), table: t, ...over });

describe('indexes plan', () => {
  test('deletes come first, then updates, then creates, one at a time', () => {
    const [a, b, c, d] = ['a1x', 'b2x', 'c3x', 'd4x'].map((n) => gsi(n));
    const warmer = { ...c, WarmThroughput: { ReadUnitsPerSecond: 15000 } };
    const managed = new Set(['a1x', 'b2x', 'c3x', 'd4x']);
    // Live: a, b, c. Desired: c (warmer), d. a and b go, c changes, d comes.
    const t = table([live(a), live(b), live(c)]);
    expect(planIndexes({ desired: [warmer, d], managed, done: new Set(), table: t })).toEqual({ kind: 'delete', index: 'a1x', why: 'removed' });
    const t2 = table([live(b), live(c)]);
    expect(planIndexes({ desired: [warmer, d], managed, done: new Set(), table: t2 })).toEqual({ kind: 'delete', index: 'b2x', why: 'removed' });
    const t3 = table([live(c)]);
    expect(planIndexes({ desired: [warmer, d], managed, done: new Set(), table: t3 })).toMatchObject({ kind: 'update', what: 'WarmThroughput' });
    expect(planIndexes({ desired: [warmer, d], managed, done: new Set(['c3x|WarmThroughput']), table: t3 })).toEqual({ kind: 'create', index: d });
    const t4 = table([live(warmer, { warm: { ReadUnitsPerSecond: 15000 } }), live(d)]);
    expect(planIndexes({ desired: [warmer, d], managed, done: new Set(), table: t4 })).toEqual({ kind: 'settled' });
  });

  test.each([
    ['CREATING, allocating', { status: 'CREATING', backfilling: false }],
    ['CREATING, backfilling', { status: 'CREATING', backfilling: true }],
    ['DELETING', { status: 'DELETING' }],
    ['UPDATING', { status: 'UPDATING' }],
  ])('nothing else starts while an index is %s (one online index operation per table)', (_what, over) => {
    const busy = gsi('busy1');
    const next = gsi('next1');
    expect(plan([busy, next], table([live(busy, over as Partial<LiveIndex>)]))).toMatchObject({ kind: 'wait' });
  });

  test('a managed index that is no longer wanted is deleted while it backfills, instead of waiting hours for it', () => {
    const added = gsi('added1');
    const managed = new Set(['added1']);
    const backfilling = table([live(added, { status: 'CREATING', backfilling: true })]);
    expect(planIndexes({ desired: [], managed, done: new Set(), table: backfilling })).toEqual({ kind: 'delete', index: 'added1', why: 'removed' });
    // Not while resources are allocated (DynamoDB refuses that delete), and never an unmanaged one.
    const allocating = table([live(added, { status: 'CREATING', backfilling: false })]);
    expect(planIndexes({ desired: [], managed, done: new Set(), table: allocating })).toMatchObject({ kind: 'wait' });
    expect(planIndexes({ desired: [], managed: new Set(), done: new Set(), table: backfilling })).toMatchObject({ kind: 'wait' });
  });

  test('an index someone else is building also makes it wait (DynamoDB would answer LimitExceededException)', () => {
    const theirs = gsi('theirs');
    expect(plan([gsi('mine1')], table([live(theirs, { status: 'CREATING' })]))).toMatchObject({ kind: 'wait', reason: expect.stringContaining('theirs') });
  });

  test('an index this resource does not manage is never deleted', () => {
    const theirs = gsi('theirs');
    expect(plan([gsi('mine1')], table([live(theirs)]))).toEqual({ kind: 'create', index: gsi('mine1') });
    expect(plan([], table([live(theirs)]))).toEqual({ kind: 'settled' });
  });

  test('an index removed from the template is deleted: it is in the previous properties', () => {
    const old = gsi('old1');
    expect(planIndexes({ desired: [], managed: new Set(['old1']), previous: [old], done: new Set(), table: table([live(old)]) })).toEqual({
      kind: 'delete',
      index: 'old1',
      why: 'removed',
    });
  });

  test('an existing index with the declared definition is adopted, not re-created', () => {
    const g = gsi('byCustomer', 'customer', { Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['b', 'a'] } });
    const existing = live({ ...g, Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a', 'b'] } });
    expect(planIndexes({ desired: [g], managed: new Set(), done: new Set(), table: table([existing]) })).toEqual({ kind: 'settled' });
  });

  test('a managed index whose key schema changed is deleted, then created again', () => {
    const before = gsi('byStatus', 'status');
    const after = gsi('byStatus', 'state');
    expect(definitionDiffers(after, live(before))).toContain('key schema');
    expect(plan([after], table([live(before)]))).toEqual({ kind: 'delete', index: 'byStatus', why: 'redefined' });
    expect(plan([after], table([]))).toEqual({ kind: 'create', index: after });
  });

  test('a managed index whose projection changed is re-created', () => {
    const before = gsi('p1x');
    const after = gsi('p1x', 'p1xKey', { Projection: { ProjectionType: 'KEYS_ONLY' } });
    expect(plan([after], table([live(before)]))).toEqual({ kind: 'delete', index: 'p1x', why: 'redefined' });
  });

  test('an unmanaged index with the declared name but another definition is refused before anything changes', () => {
    const theirs = gsi('shared', 'other');
    const step = planIndexes({ desired: [gsi('shared', 'mine'), gsi('new1')], managed: new Set(), done: new Set(), table: table([live(theirs)]) });
    expect(step).toMatchObject({ kind: 'refuse', reason: expect.stringContaining('Nothing was changed') });
  });

  test('provisioned throughput is set only when the template changed it, never against autoscaling', () => {
    const was = gsi('t1x', 't', { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } });
    const now = gsi('t1x', 't', { ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 5 } });
    const scaled = live(was, { provisioned: { read: 37, write: 12 } });
    const t = table([scaled], { billingMode: 'PROVISIONED' });
    // Unchanged in the template: autoscaling's 37/12 stays.
    expect(planIndexes({ desired: [was], managed: new Set(['t1x']), previous: [was], done: new Set(), table: t })).toEqual({ kind: 'settled' });
    expect(planIndexes({ desired: [now], managed: new Set(['t1x']), previous: [was], done: new Set(), table: t })).toMatchObject({
      kind: 'update',
      what: 'ProvisionedThroughput',
    });
    expect(planIndexes({ desired: [now], managed: new Set(['t1x']), previous: [was], done: new Set(['t1x|ProvisionedThroughput']), table: t })).toEqual({
      kind: 'settled',
    });
  });

  test('the on-demand maximum is brought in line with what is observed', () => {
    const g = gsi('o1x', 'o', { OnDemandThroughput: { MaxReadRequestUnits: 100 } });
    expect(plan([g], table([live(g, { onDemand: { MaxReadRequestUnits: -1 } })]))).toMatchObject({ kind: 'update', what: 'OnDemandThroughput' });
    expect(plan([g], table([live(g, { onDemand: { MaxReadRequestUnits: 100 } })]))).toEqual({ kind: 'settled' });
  });

  test('warm throughput only rises', () => {
    const g = gsi('w1x', 'w', { WarmThroughput: { ReadUnitsPerSecond: 12000 } });
    expect(plan([g], table([live(g, { warm: { ReadUnitsPerSecond: 20000 } })]))).toEqual({ kind: 'settled' });
  });

  test('it waits while the table itself is not ACTIVE', () => {
    expect(plan([gsi('x1x')], table([], { status: 'UPDATING' }))).toEqual({ kind: 'wait', reason: 'table is UPDATING' });
  });
});

describe('multi-attribute index keys in the indexes resource (DynamoDB developer guide, "Multi-attribute keys pattern")', () => {
  const raw = (keys: [string, string][]) => ({
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:p',
    TableName: 'matches',
    BillingMode: 'PAY_PER_REQUEST',
    TableLogicalId: 'Matches',
    AttributeDefinitions: ['a', 'b', 'c', 'd', 'e'].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
    GlobalSecondaryIndexes: [
      { IndexName: 'multi', KeySchema: keys.map(([n, t]) => ({ AttributeName: n, KeyType: t })), Projection: { ProjectionType: 'ALL' } },
    ],
  });

  test('up to four HASH elements, then up to four RANGE elements, are accepted in that order', () => {
    const p = parseIndexesProps(
      raw([
        ['a', 'HASH'],
        ['b', 'HASH'],
        ['c', 'RANGE'],
        ['d', 'RANGE'],
      ]),
    );
    expect(p.GlobalSecondaryIndexes[0].KeySchema.map((k) => k.KeyType)).toEqual(['HASH', 'HASH', 'RANGE', 'RANGE']);
  });

  test.each([
    [
      'a RANGE before a HASH',
      [
        ['a', 'RANGE'],
        ['b', 'HASH'],
      ],
    ],
    ['five HASH elements', ['a', 'b', 'c', 'd', 'e'].map((n) => [n, 'HASH'])],
  ] as [string, [string, string][]][])('%s is refused', (_what, keys) => {
    expect(() => parseIndexesProps(raw(keys))).toThrow(/must be 1 to 4 HASH elements, then up to 4 RANGE elements/);
  });

  test('a changed order of the key attributes is a changed key schema (the index is re-created)', () => {
    const was = gsi('multi', 'a', {
      KeySchema: [
        { AttributeName: 'a', KeyType: 'HASH' },
        { AttributeName: 'b', KeyType: 'HASH' },
      ],
    });
    const now = gsi('multi', 'a', {
      KeySchema: [
        { AttributeName: 'b', KeyType: 'HASH' },
        { AttributeName: 'a', KeyType: 'HASH' },
      ],
    });
    expect(definitionDiffers(now, live(was))).toContain('key schema');
  });
});
