/**
 * Adversarial review of Custom::ArcDynamoDbIndexes and Custom::ArcDynamoDbIndexesPrecheck. Each
 * test is one attack or one misuse and asserts the SAFE behaviour. All but the last "HOLDS" one
 * failed against commit 1e588ac and pass since the fixes (the memo is the only source of
 * "managed", kept per table; the precheck reads only the stack's own, owner-tagged table).
 *
 * The safety claim under test (provider/indexes/plan.ts, header): an index is deleted only when
 * this resource manages it; a declared index that exists with another definition and is not
 * managed is refused before anything changes. And the precheck "only reads the stack's own table".
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { INDEXES_PRECHECK_RESOURCE_TYPE, INDEXES_RESOURCE_TYPE } from '../../../contract/resources';
import { makeIndexesHandler } from '../../../provider/indexes/handler';
import { indexesPrecheckHandler } from '../../../provider/indexes/precheck';
import type { ResourceHandler } from '../../../provider/types';
import { leakedSecrets } from '../../support/cfn-harness';
import { EXACT_STATE, HOME, createHomeTable, startWorld, uniqueName, type World } from '../provider/world';

let w: World;

beforeAll(async () => {
  w = await startWorld({
    ...EXACT_STATE,
    replicaDelayMs: 100,
    handlers: [makeIndexesHandler({ initialMs: 50, maxMs: 400 }) as ResourceHandler<unknown>, indexesPrecheckHandler as ResourceHandler<unknown>],
  });
});
afterAll(async () => {
  expect(leakedSecrets(w.cfn.logs, w.cfn.secrets)).toEqual([]);
  await w?.stop();
});

interface Gsi {
  name: string;
  hash: string;
  range?: string;
  projection?: 'ALL' | 'KEYS_ONLY';
}

/** Properties as the macro writes them and CloudFormation delivers them (scalars as strings). */
function indexesProps(table: string, indexes: Gsi[]): Record<string, unknown> {
  const attrs = [...new Set(indexes.flatMap((i) => [i.hash, ...(i.range ? [i.range] : [])]))];
  const type = (n: string) => (n === 'sk' ? 'N' : 'S');
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
    ServiceTimeout: '3600',
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attrs.map((n) => ({ AttributeName: n, AttributeType: type(n) })),
    GlobalSecondaryIndexes: indexes.map((i) => ({
      IndexName: i.name,
      KeySchema: [{ AttributeName: i.hash, KeyType: 'HASH' }, ...(i.range ? [{ AttributeName: i.range, KeyType: 'RANGE' }] : [])],
      Projection: { ProjectionType: i.projection ?? 'ALL' },
    })),
    TableLogicalId: 'Orders',
  };
}

/** The live indexes, straight from moto: name -> keys/projection. */
async function live(table: string): Promise<Record<string, string>> {
  const t = (await w.sim.direct(HOME).send(new DescribeTableCommand({ TableName: table }))).Table;
  return Object.fromEntries(
    (t?.GlobalSecondaryIndexes ?? []).map((g) => [
      String(g.IndexName),
      `${(g.KeySchema ?? []).map((k) => k.AttributeName).join('+')}/${g.Projection?.ProjectionType}`,
    ]),
  );
}

const deletesOf = (table: string, from: number) =>
  w.sim.indexOperations
    .slice(from)
    .filter((o) => o.table === table && o.kind === 'delete')
    .map((o) => o.index);

const INDEXES = { ResourceType: INDEXES_RESOURCE_TYPE, LogicalResourceId: 'OrdersIndexes' };
// createHomeTable gives every table the index by-gk (HASH gk, ALL), made outside any stack.
const BY_GK: Gsi = { name: 'by-gk', hash: 'gk' };

describe('Custom::ArcDynamoDbIndexes: indexes it does not manage', () => {
  // BREAKS (finding 1): handler.ts builds `managed` from the declared names first
  // (`new Set([...declared, ...old, ...memo])`), so in plan.ts the refusal
  // `differs && !managed.has(want.IndexName)` can never fire: a declared index that exists with
  // another definition is always "managed", and is deleted and re-created. The unit test
  // (indexes-plan.test.ts, "an unmanaged index ... is refused") passes managed: new Set(), which
  // the handler never does.
  it('a declared index that already exists with another definition, made outside the stack, is refused and not re-created', async () => {
    const stack = w.cfn.stackId('idx-redefine');
    const table = uniqueName('idx-redefine');
    await createHomeTable(w.sim, table, { ownerStackId: stack });
    const mark = w.sim.indexOperations.length;
    const r = await w.cfn.request({
      ...INDEXES,
      RequestType: 'Create',
      StackId: stack,
      ResourceProperties: indexesProps(table, [{ ...BY_GK, projection: 'KEYS_ONLY' }]),
    });
    await w.cfn.idle();
    expect(deletesOf(table, mark)).toEqual([]);
    expect(await live(table)).toEqual({ 'by-gk': 'gk/ALL' });
    expect(r.body).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/does not manage it/) });
  }, 60_000);

  // BREAKS (finding 2): an Update that adopts an index which existed before (same definition, no
  // change made) puts it in the memo, and the rollback of that Update (properties swapped, the
  // adopted index only in OldResourceProperties and the memo) deletes it. The index existed before
  // the stack ever declared it; rolling back must leave it as it was.
  it('the rollback of an update that adopted a pre-existing index leaves that index alone', async () => {
    const stack = w.cfn.stackId('idx-rollback');
    const table = uniqueName('idx-rollback');
    await createHomeTable(w.sim, table, { ownerStackId: stack });
    const v1 = indexesProps(table, []);
    const v2 = indexesProps(table, [BY_GK]);
    const c = await w.cfn.request({ ...INDEXES, RequestType: 'Create', StackId: stack, ResourceProperties: v1 });
    await w.cfn.idle();
    expect(c.body.Status).toBe('SUCCESS');
    const id = c.body.PhysicalResourceId;
    // The deploy that declares by-gk: adopted as it is (nothing changes).
    const u = await w.cfn.request({
      ...INDEXES,
      RequestType: 'Update',
      StackId: stack,
      PhysicalResourceId: id,
      ResourceProperties: v2,
      OldResourceProperties: v1,
    });
    await w.cfn.idle();
    expect(u.body.Status).toBe('SUCCESS');
    expect(await live(table)).toEqual({ 'by-gk': 'gk/ALL' });
    // Another resource of that deploy fails: CloudFormation rolls this one back.
    const mark = w.sim.indexOperations.length;
    const rb = await w.cfn.request({
      ...INDEXES,
      RequestType: 'Update',
      StackId: stack,
      PhysicalResourceId: id,
      ResourceProperties: v1,
      OldResourceProperties: v2,
      StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
    });
    await w.cfn.idle();
    expect(rb.body.Status).toBe('SUCCESS');
    expect(deletesOf(table, mark)).toEqual([]);
    expect(await live(table)).toEqual({ 'by-gk': 'gk/ALL' });
  }, 60_000);

  // BREAKS (finding 3): the memo is kept per (stack, logical ID), not per table. It survives the
  // resource's Delete (handler.ts returns the memo unchanged) and is handed to a later Create of
  // the same logical ID, which then deletes what an earlier incarnation once adopted.
  it('a new Create of the logical ID does not act on the memo an earlier, deleted incarnation left', async () => {
    const stack = w.cfn.stackId('idx-stale-memo');
    const table = uniqueName('idx-stale-memo');
    await createHomeTable(w.sim, table, { ownerStackId: stack });
    const v1 = indexesProps(table, [BY_GK]);
    const c = await w.cfn.request({ ...INDEXES, RequestType: 'Create', StackId: stack, ResourceProperties: v1 });
    await w.cfn.idle();
    expect(c.body.Status).toBe('SUCCESS');
    // PROVIDER is turned off: the resource is deleted, the indexes stay with the table.
    const d = await w.cfn.request({ ...INDEXES, RequestType: 'Delete', StackId: stack, PhysicalResourceId: c.body.PhysicalResourceId, ResourceProperties: v1 });
    await w.cfn.idle();
    expect(d.body.Status).toBe('SUCCESS');
    expect(await live(table)).toEqual({ 'by-gk': 'gk/ALL' });
    // Months later PROVIDER comes back with a template that does not declare by-gk (someone else's now).
    const mark = w.sim.indexOperations.length;
    const again = await w.cfn.request({ ...INDEXES, RequestType: 'Create', StackId: stack, ResourceProperties: indexesProps(table, []) });
    await w.cfn.idle();
    expect(again.body.Status).toBe('SUCCESS');
    expect(deletesOf(table, mark)).toEqual([]);
    expect(await live(table)).toEqual({ 'by-gk': 'gk/ALL' });
  }, 60_000);

  // BREAKS (finding 3b): the memo and OldResourceProperties name indexes of the table the resource
  // USED to point at; when TableName changes (table replaced, AdoptExistingTable moved to another
  // table), those names are applied to the new table, whose same-named index was never declared
  // for it.
  it("when TableName changes, the old table's managed names do not delete the new table's indexes", async () => {
    const stack = w.cfn.stackId('idx-retarget');
    const t1 = uniqueName('idx-retarget-a');
    const t2 = uniqueName('idx-retarget-b');
    await createHomeTable(w.sim, t1, { ownerStackId: stack });
    await createHomeTable(w.sim, t2, { ownerStackId: stack });
    const v1 = indexesProps(t1, [BY_GK]);
    const c = await w.cfn.request({ ...INDEXES, RequestType: 'Create', StackId: stack, ResourceProperties: v1 });
    await w.cfn.idle();
    expect(c.body.Status).toBe('SUCCESS');
    const mark = w.sim.indexOperations.length;
    const u = await w.cfn.request({
      ...INDEXES,
      RequestType: 'Update',
      StackId: stack,
      PhysicalResourceId: c.body.PhysicalResourceId,
      ResourceProperties: indexesProps(t2, []),
      OldResourceProperties: v1,
    });
    await w.cfn.idle();
    expect(u.body.Status).toBe('SUCCESS');
    expect(deletesOf(t2, mark)).toEqual([]);
    expect(await live(t2)).toEqual({ 'by-gk': 'gk/ALL' });
  }, 60_000);
});

describe('Custom::ArcDynamoDbIndexes: other stacks (HOLDS)', () => {
  it("HOLDS: a stack naming another stack's table is refused, also with AdoptExistingTable, and changes nothing", async () => {
    const victim = w.cfn.stackId('idx-victim');
    const attacker = w.cfn.stackId('idx-attacker');
    const table = uniqueName('idx-victim');
    await createHomeTable(w.sim, table, { ownerStackId: victim });
    const mark = w.sim.calls.length;
    const c = await w.cfn.request({ ...INDEXES, RequestType: 'Create', StackId: attacker, ResourceProperties: indexesProps(table, []) });
    await w.cfn.idle();
    expect(c.body).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/belongs to another stack/) });
    const adopt = await w.cfn.request({
      ...INDEXES,
      RequestType: 'Create',
      StackId: attacker,
      LogicalResourceId: 'Other',
      ResourceProperties: { ...indexesProps(table, [{ ...BY_GK, projection: 'KEYS_ONLY' }]), AdoptExistingTable: table },
    });
    await w.cfn.idle();
    expect(adopt.body.Status).toBe('FAILED');
    expect(w.sim.calls.slice(mark).filter((x) => x.mutating && x.status < 400)).toEqual([]);
    expect(await live(table)).toEqual({ 'by-gk': 'gk/ALL' });
  }, 60_000);
});

describe('Custom::ArcDynamoDbIndexesPrecheck: the skipped ownership check', () => {
  // BREAKS (finding 4): precheck.ts takes whatever physical ID the stack holds under
  // TableLogicalId (StackContext.physicalIdOf checks neither the resource type nor the table's
  // owner), reads that table with the provider's role, and names its indexes in the FAILED
  // reason, i.e. in the requesting stack's events. Any resource whose physical ID is a chosen
  // string will do: an AWS::SSM::Parameter named like the victim table, or a custom resource of
  // the attacker's own. So any stack author learns the index names (and existence, and the
  // arc-dynamodb:indexes tag) of any table the provider's role may describe.
  it("a precheck pointed at a non-table resource whose physical ID is another stack's table names none of that table's indexes", async () => {
    const victim = w.cfn.stackId('pre-victim');
    const attacker = w.cfn.stackId('pre-attacker');
    const table = uniqueName('pre-victim');
    await createHomeTable(w.sim, table, { ownerStackId: victim });
    w.cfn.cloudformation.setResource(attacker, { logicalId: 'Decoy', resourceType: 'AWS::SSM::Parameter', physicalId: table, status: 'CREATE_COMPLETE' });
    const r = await w.cfn.request({
      RequestType: 'Create',
      StackId: attacker,
      LogicalResourceId: 'DecoyIndexesPrecheck',
      ResourceType: INDEXES_PRECHECK_RESOURCE_TYPE,
      ResourceProperties: {
        ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
        ServiceTimeout: '300',
        TableLogicalId: 'Decoy',
      },
    });
    await w.cfn.idle();
    expect(r.body.Reason ?? '').not.toContain('by-gk');
  }, 60_000);
});
