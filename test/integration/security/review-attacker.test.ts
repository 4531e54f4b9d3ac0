/**
 * Adversarial review of the provider's admission path (docs/security.md). Each test is one attack
 * and asserts the SAFE behaviour; the ones without "HOLDS" broke the first version of the guard
 * and were fixed (stale cleanup IDs, late duplicates, earlier requests taking the lease over,
 * oversized answers).
 *
 * Attacker: may invoke the provider function directly with any payload, knows every stack ID,
 * logical ID and physical ID, owns stacks of their own that use the provider, can write under
 * their own load prefix, and may time requests to coincide with a victim stack's updates.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, ScanCommand, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { loadHandler } from '../../../provider/load/handler';
import { CONTINUATION_KEY } from '../../../provider/continuation';
import { seal } from '../../../provider/guard/seal';
import { parseEvent } from '../../../provider/protocol/event';
import { makeReplicasHandler } from '../../../provider/replicas/handler';
import type { ResourceHandler } from '../../../provider/types';
import { ADOPT_CONSENT_TAG_KEY, OWNER_TAG_KEY } from '../../../contract/resources';
import { leakedSecrets, type HarnessEvent, type ResponseRecord } from '../../support/cfn-harness';
import { EXACT_STATE, HOME, createHomeTable, regionView, replicasProps, startWorld, uniqueName, type World } from '../provider/world';

const EU = 'eu-west-1';
const AP = 'ap-southeast-2';
const CLEANUP = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
let w: World;
let state: DynamoDBClient;

beforeAll(async () => {
  w = await startWorld({
    ...EXACT_STATE,
    replicaDelayMs: 200,
    handlers: [makeReplicasHandler({ initialMs: 50, maxMs: 400 }) as ResourceHandler<unknown>, loadHandler as ResourceHandler<unknown>],
  });
  state = new DynamoDBClient({ region: HOME, endpoint: w.moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
});
afterAll(async () => {
  expect(leakedSecrets(w.cfn.logs, w.cfn.secrets)).toEqual([]);
  state?.destroy();
  await w?.stop();
});

async function stateItems(): Promise<string> {
  const out = await state.send(new ScanCommand({ TableName: w.cfn.stateTable, ConsistentRead: true }));
  return JSON.stringify((out.Items ?? []).map((i) => JSON.stringify(i)).sort());
}

async function forge(e: HarnessEvent, extra: Record<string, unknown> = {}): Promise<ResponseRecord | undefined> {
  const ev = { ...w.cfn.event(e), ...extra };
  w.cfn.deliverForged(ev);
  await w.cfn.idle();
  return w.cfn.responsesFor(String(ev.RequestId))[0];
}

const mutatingSince = (mark: number) => w.sim.calls.slice(mark).filter((c) => c.mutating && c.status < 400);

/**
 * A victim stack whose replicas resource was once moved from table t1 to t2 (the table was
 * renamed, i.e. replaced, UpdateReplacePolicy Retain): the provider answered both physical IDs,
 * CloudFormation's legitimate cleanup Delete of the old one kept t1's replica as Retain says.
 */
async function renamedVictim() {
  const stack = w.cfn.stackId('renamed');
  const t1 = uniqueName('old');
  const t2 = uniqueName('new');
  await createHomeTable(w.sim, t1, { ownerStackId: stack });
  await createHomeTable(w.sim, t2, { ownerStackId: stack });
  const keep = { RetainOnDelete: true, RetainOnReplace: true, TableLogicalId: 'Table' };
  const p1 = replicasProps(t1, [{ RegionName: EU }], keep);
  const p2 = replicasProps(t2, [{ RegionName: EU }], keep);
  const c = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'TableReplicas', ResourceProperties: p1 });
  await w.cfn.idle();
  expect(c.body.Status).toBe('SUCCESS');
  const id1 = c.body.PhysicalResourceId;
  const u = await w.cfn.request({
    RequestType: 'Update',
    StackId: stack,
    LogicalResourceId: 'TableReplicas',
    PhysicalResourceId: id1,
    ResourceProperties: p2,
    OldResourceProperties: p1,
  });
  await w.cfn.idle();
  expect(u.body.Status).toBe('SUCCESS');
  const id2 = u.body.PhysicalResourceId;
  expect(id2).not.toBe(id1);
  w.cfn.cloudformation.setTemplate(stack, { Resources: { Table: { Type: 'AWS::DynamoDB::Table' }, TableReplicas: { Type: 'Custom::ArcDynamoDbReplicas' } } });
  const d = await w.cfn.request({
    RequestType: 'Delete',
    StackId: stack,
    LogicalResourceId: 'TableReplicas',
    PhysicalResourceId: id1,
    ResourceProperties: p1,
    StackStatus: CLEANUP,
    Record: { status: 'UPDATE_COMPLETE', physicalId: id2 },
  });
  await w.cfn.idle();
  expect(d.body.Status).toBe('SUCCESS');
  w.cfn.cloudformation.setStackStatus(stack, 'UPDATE_COMPLETE');
  expect(w.sim.replicaStatus(HOME, t1)).toEqual({ [EU]: 'ACTIVE' });
  expect(w.sim.replicaStatus(HOME, t2)).toEqual({ [EU]: 'ACTIVE' });
  expect(w.cfn.cloudformation.resource(stack, 'TableReplicas')).toMatchObject({ status: 'UPDATE_COMPLETE', physicalId: id2 });
  return { stack, t1, t2, id1, id2 };
}

describe('cleanup-phase Deletes with old physical IDs', () => {
  // BREAKS: the cleanup path (authenticate.ts:92-95, guard/index.ts:147-149) checks only that the
  // stack is in *_CLEANUP_IN_PROGRESS and that the physical ID is one the provider once answered.
  // Nothing binds that ID to the event's ResourceProperties, and nothing consumes the ID after its
  // one real cleanup Delete. So during ANY later update of the victim stack (every successful update
  // passes through UPDATE_COMPLETE_CLEANUP_IN_PROGRESS), a stale ID plus properties naming the
  // CURRENT table and RetainOnReplace=false makes the replicas handler delete the current table's
  // replicas (the table is owned by the victim stack, so the ownership check passes).
  it("a replayed cleanup Delete of a stale physical ID, with properties naming the victim's CURRENT table, removes nothing", async () => {
    const v = await renamedVictim();
    // Much later, the victim stack updates something else and passes through its cleanup phase.
    w.cfn.cloudformation.setStackStatus(v.stack, CLEANUP);
    const mark = w.sim.calls.length;
    const r = await forge({
      RequestType: 'Delete',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: v.id1,
      ResourceProperties: replicasProps(v.t2, [{ RegionName: EU }], { RetainOnDelete: false, RetainOnReplace: false, TableLogicalId: 'Table' }),
    });
    await w.cfn.idle();
    w.cfn.cloudformation.setStackStatus(v.stack, 'UPDATE_COMPLETE');
    expect(r?.body.Status).toBeDefined();
    expect(mutatingSince(mark)).toEqual([]);
    expect(w.sim.replicaStatus(HOME, v.t2)).toEqual({ [EU]: 'ACTIVE' });
  });

  // BREAKS (same root cause): the ID is the real one for t1, but the properties are the attacker's.
  // t1 was replaced with UpdateReplacePolicy Retain and CloudFormation's real cleanup Delete kept
  // its replica; a replay with RetainOnReplace=false deletes it.
  it("a replayed cleanup Delete of the old ID with RetainOnReplace flipped to false keeps the retained table's replica", async () => {
    const v = await renamedVictim();
    w.cfn.cloudformation.setStackStatus(v.stack, CLEANUP);
    const mark = w.sim.calls.length;
    await forge({
      RequestType: 'Delete',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: v.id1,
      ResourceProperties: replicasProps(v.t1, [{ RegionName: EU }], { RetainOnDelete: false, RetainOnReplace: false, TableLogicalId: 'Table' }),
    });
    await w.cfn.idle();
    w.cfn.cloudformation.setStackStatus(v.stack, 'UPDATE_COMPLETE');
    expect(mutatingSince(mark)).toEqual([]);
    expect(w.sim.replicaStatus(HOME, v.t1)).toEqual({ [EU]: 'ACTIVE' });
  });

  it('HOLDS: a cleanup-phase Delete naming the CURRENT physical ID is refused (it needs DELETE_IN_PROGRESS)', async () => {
    const v = await renamedVictim();
    w.cfn.cloudformation.setStackStatus(v.stack, CLEANUP);
    const mark = w.sim.calls.length;
    const before = await stateItems();
    const r = await forge({
      RequestType: 'Delete',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: v.id2,
      ResourceProperties: replicasProps(v.t2, [{ RegionName: EU }], { RetainOnDelete: false, RetainOnReplace: false }),
    });
    w.cfn.cloudformation.setStackStatus(v.stack, 'UPDATE_COMPLETE');
    expect(r?.body.Status).toBe('FAILED');
    expect(mutatingSince(mark)).toEqual([]);
    expect(await stateItems()).toBe(before);
  });

  it('HOLDS: a stale-ID Delete while the victim stack is NOT in a cleanup phase is refused', async () => {
    const v = await renamedVictim();
    const mark = w.sim.calls.length;
    const before = await stateItems();
    const r = await forge({
      RequestType: 'Delete',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: v.id1,
      ResourceProperties: replicasProps(v.t2, [{ RegionName: EU }], { RetainOnDelete: false, RetainOnReplace: false }),
    });
    expect(r?.body.Status).toBe('FAILED');
    expect(mutatingSince(mark)).toEqual([]);
    expect(await stateItems()).toBe(before);
  });
});

/** A victim stack with one replica in EU (PITR on), created by CloudFormation. */
async function victim(base = 'victim') {
  const stack = w.cfn.stackId(base);
  const name = uniqueName(base);
  await createHomeTable(w.sim, name, { ownerStackId: stack });
  const props = replicasProps(name, [{ RegionName: EU, PointInTimeRecoveryEnabled: true }]);
  const created = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'TableReplicas', ResourceProperties: props });
  await w.cfn.idle();
  expect(created.body.Status).toBe('SUCCESS');
  return { stack, name, props, physicalId: created.body.PhysicalResourceId, createEvent: undefined as unknown };
}

describe('duplicate and replayed deliveries', () => {
  // BREAKS: "a duplicate delivery (also after the request was answered) stays silent" holds only
  // while the lease still names that request. Once a later request for the resource ran, the lease
  // names the later one (guard/index.ts:121-122 compares with the CURRENT lease only), so a late
  // duplicate of the first request is refused and answered FAILED: a second answer to a request
  // that was already answered SUCCESS.
  it('a late duplicate of a request that was answered, delivered after a later request was answered, gets no second answer', async () => {
    const stack = w.cfn.stackId('dup');
    const name = uniqueName('dup');
    await createHomeTable(w.sim, name, { ownerStackId: stack });
    const props = replicasProps(name, []);
    const first = w.cfn.event({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'TableReplicas', ResourceProperties: props });
    w.cfn.deliver(first);
    const r1 = await w.cfn.waitForResponse(String(first.RequestId));
    await w.cfn.idle();
    expect(r1.body.Status).toBe('SUCCESS');
    const u = await w.cfn.request({
      RequestType: 'Update',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: r1.body.PhysicalResourceId,
      ResourceProperties: props,
      OldResourceProperties: props,
    });
    await w.cfn.idle();
    expect(u.body.Status).toBe('SUCCESS');
    // Lambda delivers the first event once more (at-least-once asynchronous delivery).
    w.cfn.deliverForged(first);
    await w.cfn.idle();
    expect(w.cfn.responsesFor(String(first.RequestId)).map((r) => r.body.Status)).toEqual(['SUCCESS']);
  });

  // BREAKS: a duplicate (or an attacker's copy) of an earlier Update, delivered while CloudFormation
  // runs a later Update of the same resource, passes authentication (UPDATE_IN_PROGRESS with the
  // same physical ID) and then TAKES the lease from the running request: judgeLease
  // (guard/lease.ts:50-55) lets any different, non-continuation request take over a running one.
  // The stale properties are applied, and CloudFormation's real request is answered FAILED
  // ("Superseded by a later request") although CloudFormation sent nothing later.
  it('a duplicate of an earlier Update arriving during a later Update neither supersedes it nor turns its answer into FAILED', async () => {
    const v = await victim('dup-window');
    const r1props = replicasProps(v.name, [{ RegionName: EU, PointInTimeRecoveryEnabled: false }]);
    const r1 = w.cfn.event({
      RequestType: 'Update',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: v.physicalId,
      ResourceProperties: r1props,
      OldResourceProperties: v.props,
    });
    w.cfn.deliver(r1);
    expect((await w.cfn.waitForResponse(String(r1.RequestId))).body.Status).toBe('SUCCESS');
    await w.cfn.idle();
    // The later Update adds a replica in AP; the replica takes a while to create.
    const r2props = replicasProps(v.name, [{ RegionName: EU, PointInTimeRecoveryEnabled: false }, { RegionName: AP }]);
    const r2 = w.cfn.event({
      RequestType: 'Update',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: v.physicalId,
      ResourceProperties: r2props,
      OldResourceProperties: r1props,
    });
    w.cfn.deliver(r2);
    await new Promise((r) => setTimeout(r, 80));
    // The old event once more, in CloudFormation's own window for r2.
    w.cfn.deliverForged(r1);
    const answer = await w.cfn.waitForResponse(String(r2.RequestId));
    await w.cfn.idle();
    // CloudFormation's real request r2 must get its SUCCESS, r1 no second answer, r2's replica must exist.
    expect({
      r2: answer.body.Status,
      r2Reason: answer.body.Reason,
      r1Answers: w.cfn.responsesFor(String(r1.RequestId)).length,
      replicas: w.sim.replicaStatus(HOME, v.name),
    }).toEqual({
      r2: 'SUCCESS',
      r2Reason: 'SUCCESS',
      r1Answers: 1,
      replicas: { [EU]: 'ACTIVE', [AP]: 'ACTIVE' },
    });
  });
});

describe('duplicate continuations', () => {
  // BREAKS: Lambda may deliver an asynchronous self-invoke more than once. A duplicate of one of
  // the provider's OWN sealed continuations that arrives after the request was answered (the
  // resource is CREATE_COMPLETE now) fails authentication, and the guard then answers it
  // 'superseded' (guard/index.ts:111-114) -> run.ts answers FAILED "Superseded by a later
  // request" to the same ResponseURL: a second, contradicting answer, although no later request
  // exists and the lease says the request was already answered (state 'done').
  it("a late duplicate of the provider's own sealed continuation, after the request was answered, gets no second answer", async () => {
    const stack = w.cfn.stackId('dupcont');
    const name = uniqueName('dupcont');
    await createHomeTable(w.sim, name, { ownerStackId: stack });
    const first = w.cfn.event({
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'TableReplicas',
      ResourceProperties: replicasProps(name, [{ RegionName: EU }]),
    });
    w.cfn.deliver(first);
    expect((await w.cfn.waitForResponse(String(first.RequestId))).body.Status).toBe('SUCCESS');
    await w.cfn.idle();
    // What the provider itself sealed for this request's next hop (the test reads the key that
    // only the provider can read, to stand in for Lambda re-delivering a real continuation).
    const secret = (await state.send(new GetItemCommand({ TableName: w.cfn.stateTable, Key: { pk: { S: 'key|continuation' } }, ConsistentRead: true }))).Item
      ?.secret?.B as Uint8Array;
    const parsed = parseEvent(first, { allowPrefix: w.cfn.responsePrefix });
    if (!parsed.ok) throw new Error(parsed.reason);
    const envelope = seal(Buffer.from(secret), parsed.event, {
      chainId: 'the-real-chain',
      startedAt: Date.now() - 5000,
      hop: 1,
      checkpoint: { mutated: true, synced: [], tagged: [], scaled: false },
    });
    const mark = w.sim.calls.length;
    w.cfn.deliverForged({ ...first, [CONTINUATION_KEY]: envelope });
    await w.cfn.idle();
    expect(mutatingSince(mark)).toEqual([]);
    expect(w.cfn.responsesFor(String(first.RequestId)).map((r) => r.body.Status)).toEqual(['SUCCESS']);
  });
});

describe('Lambda on-failure destination records', () => {
  it('HOLDS: a forged destination record wrapping a victim event answers FAILED only at its own ResponseURL and changes nothing', async () => {
    const v = await victim('dest');
    const mark = w.sim.calls.length;
    const before = await stateItems();
    const inner = w.cfn.event({
      RequestType: 'Delete',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: v.physicalId,
      ResourceProperties: replicasProps(v.name, [], { RetainOnDelete: false }),
    });
    const record = {
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted', requestId: 'x', functionArn: 'arn', approximateInvokeCount: 3 },
      requestPayload: inner,
      responseContext: { statusCode: 200 },
    };
    w.cfn.deliverForged(record);
    // And one wrapping an event with a ResponseURL off the allowed hosts: no response at all.
    const urls = w.cfn.attemptedUrls.length;
    w.cfn.deliverForged({
      requestContext: { condition: 'RetriesExhausted' },
      requestPayload: { ...inner, RequestId: 'evil', ResponseURL: 'https://attacker.example.com/x' },
    });
    // A destination record nested in a destination record.
    w.cfn.deliverForged({
      requestContext: { condition: 'RetriesExhausted' },
      requestPayload: { requestContext: { condition: 'RetriesExhausted' }, requestPayload: inner },
    });
    await w.cfn.idle();
    expect(w.cfn.responsesFor(String(inner.RequestId)).map((r) => r.body.Status)).toEqual(['FAILED']);
    expect(w.cfn.attemptedUrls.slice(urls).every((u) => u.startsWith(w.cfn.responsePrefix))).toBe(true);
    expect(mutatingSince(mark)).toEqual([]);
    expect(await stateItems()).toBe(before);
    expect(w.sim.replicaStatus(HOME, v.name)).toEqual({ [EU]: 'ACTIVE' });
  });
});

describe('state-table keys and odd identifiers', () => {
  it(
    'HOLDS: StackIds and logical IDs that would make `lease|<StackId>|<LogicalId>` collide (or reach `key|continuation`) are rejected before any ' + 'AWS call',
    async () => {
      const v = await victim('keys');
      const uuid = v.stack.split('/').pop() as string;
      const mark = w.sim.calls.length;
      const cfnMark = w.cfn.cloudformation.calls.length;
      const before = await stateItems();
      const shapes: Partial<HarnessEvent>[] = [
        { StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/keys/${uuid}|TableReplicas`, LogicalResourceId: 'X' },
        { StackId: v.stack, LogicalResourceId: 'Table|Replicas' },
        { StackId: 'key|continuation', LogicalResourceId: 'TableReplicas' },
        { StackId: `${v.stack}\n`, LogicalResourceId: 'TableReplicas' },
        { StackId: v.stack.replace('stack/keys', 'stack/kéys'), LogicalResourceId: 'TableReplicas' },
        { StackId: v.stack, LogicalResourceId: '__proto__' },
      ];
      for (const s of shapes) {
        const r = await forge({
          RequestType: 'Update',
          StackId: v.stack,
          LogicalResourceId: 'TableReplicas',
          PhysicalResourceId: v.physicalId,
          ResourceProperties: replicasProps(v.name, []),
          OldResourceProperties: v.props,
          ...s,
        } as HarnessEvent);
        expect(r?.body.Status).toBe('FAILED');
        expect(r?.body.Reason).toMatch(/^Invalid custom resource request/);
      }
      expect(w.cfn.cloudformation.calls.length).toBe(cfnMark);
      expect(mutatingSince(mark)).toEqual([]);
      expect(await stateItems()).toBe(before);
    },
  );

  // BREAKS: "Every response fits 4,096 bytes measured after JSON escaping". The event's
  // PhysicalResourceId is only length-checked (event.ts:84, up to 1,024 characters), is echoed as
  // the response's PhysicalResourceId, and the fallback in serializeResponse (response.ts:66-73)
  // truncates it to 1,024 BYTES before escaping: 1,024 control characters escape to 6,144 bytes.
  it('a response to a Delete whose PhysicalResourceId is 1,024 control characters still fits 4,096 bytes', async () => {
    const v = await victim('big-id');
    const r = await forge({
      RequestType: 'Delete',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: '\u0001'.repeat(1024),
      ResourceProperties: replicasProps(v.name, []),
      RequestId: '\u0002'.repeat(200),
    });
    expect(r).toBeDefined();
    expect(r?.bodyBytes).toBeLessThanOrEqual(4096);
  });

  it('HOLDS: huge ResourceProperties (about 200 KB) naming the victim are refused without a mutating call, and the answer fits 4,096 bytes', async () => {
    const v = await victim('huge');
    const mark = w.sim.calls.length;
    const before = await stateItems();
    const huge = replicasProps(v.name, [], {
      RetainOnDelete: false,
      Padding: 'x'.repeat(200_000),
      Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: '"'.repeat(256) })),
    });
    const r = await forge({
      RequestType: 'Update',
      StackId: v.stack,
      LogicalResourceId: 'TableReplicas',
      PhysicalResourceId: v.physicalId,
      ResourceProperties: huge,
      OldResourceProperties: huge,
    });
    expect(r?.body.Status).toBe('FAILED');
    expect(r?.bodyBytes).toBeLessThanOrEqual(4096);
    expect(mutatingSince(mark)).toEqual([]);
    expect(await stateItems()).toBe(before);
  });
});

describe('prototype keys in properties', () => {
  it(
    "HOLDS: `__proto__` keys in a stack's own properties (top level, Autoscaling.Indexes, tags, replica entries) neither pollute Object.prototype " +
      'nor reach another table',
    async () => {
      const v = await victim('proto-victim');
      const stack = w.cfn.stackId('proto');
      const name = uniqueName('proto');
      await createHomeTable(w.sim, name, { ownerStackId: stack });
      // As Lambda would hand it over: JSON.parse makes "__proto__" an own property.
      const raw = JSON.parse(
        JSON.stringify(replicasProps(name, [{ RegionName: EU }]))
          .replace(/^\{/, `{"__proto__":{"TableName":"${v.name}","RetainOnDelete":"false","polluted":"yes"},`)
          .replace('"Tags":[', '"Tags":[{"Key":"__proto__","Value":"x"},'),
      ) as Record<string, unknown>;
      raw.Autoscaling = JSON.parse(
        '{"__proto__":{"Write":{"MinCapacity":"1","MaxCapacity":"2","TargetValue":"50"}},"Indexes":{"__proto__":{"Read":{"MinCapacity":"1",' +
          '"MaxCapacity":"2","TargetValue":"50"}},"constructor":{}}}',
      );
      (raw.Replicas as Record<string, unknown>[])[0] = JSON.parse(
        `{"__proto__":{"RegionName":"${AP}"},"RegionName":"${EU}","PropagateTags":"true","PointInTimeRecoveryEnabled":"false"}`,
      );
      const mark = w.sim.calls.length;
      const r = await w.cfn.request({ RequestType: 'Create', StackId: stack, LogicalResourceId: 'TableReplicas', ResourceProperties: raw });
      await w.cfn.idle();
      expect(['SUCCESS', 'FAILED']).toContain(r.body.Status);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).TableName).toBeUndefined();
      expect(Object.keys(Object.prototype)).toEqual([]);
      expect(mutatingSince(mark).filter((c) => c.table === v.name)).toEqual([]);
      expect(w.sim.replicaStatus(HOME, v.name)).toEqual({ [EU]: 'ACTIVE' });
      expect(w.sim.replicaStatus(HOME, name)[AP]).toBeUndefined();
    },
  );
});

describe('load KeyPrefix tricks', () => {
  it(
    'HOLDS: stack `team` cannot read under `arc-dynamodb/team-b/` (sibling names, no slash, empty, unicode look-alikes, case, double slash): ' +
      'refused before any S3 call',
    async () => {
      const team = w.cfn.stackId('team');
      const table = uniqueName('team');
      await createHomeTable(w.sim, table, { ownerStackId: team });
      const s3Mark = w.cfn.awsCalls.length;
      const mark = w.sim.calls.length;
      const prefixes: (string | undefined)[] = [
        undefined,
        '',
        'arc-dynamodb/',
        'arc-dynamodb/team',
        'arc-dynamodb/team-b/',
        'arc-dynamodb/team-',
        'arc-dynamodb/tеam/',
        'arc-dynamodb/Team/',
        'Arc-dynamodb/team/',
        'arc-dynamodb//team/',
        '/arc-dynamodb/team/',
        'arc-dynamodb/team\u200b/',
      ];
      for (const [i, KeyPrefix] of prefixes.entries()) {
        const r = await w.cfn.request({
          RequestType: 'Create',
          StackId: team,
          LogicalResourceId: `Load${i}`,
          ResourceType: 'Custom::ArcDynamoDbLoad',
          ResourceProperties: {
            TableName: table,
            S3BucketSource: { Bucket: 'shared-bucket', ...(KeyPrefix !== undefined ? { KeyPrefix } : {}) },
            InputFormat: 'DYNAMODB_JSON',
            InputCompressionType: 'NONE',
            WriteMode: 'Overwrite',
            MaxRejectedRecords: '0',
          },
        });
        expect(r.body.Status).toBe('FAILED');
      }
      await w.cfn.idle();
      expect(w.cfn.awsCalls.slice(s3Mark).filter((c) => c.service === 's3')).toEqual([]);
      expect(mutatingSince(mark)).toEqual([]);
    },
  );

  it(
    "HOLDS: a dot-segment KeyPrefix under the stack's own prefix (`arc-dynamodb/team/../team-b/`) lists and reads only literal keys: team-b's " +
      'object is not loaded',
    async () => {
      const s3 = new S3Client({
        region: HOME,
        endpoint: w.moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        forcePathStyle: true,
      });
      const bucket = uniqueName('loads').toLowerCase();
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const secret = JSON.stringify({ Item: { pk: { S: 'stolen' }, sk: { N: '1' }, secret: { S: 'team-b-private' } } });
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'arc-dynamodb/team-b/data.json', Body: secret }));
      // The attacker's own object under its own prefix, shaped like the traversal path.
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'arc-dynamodb/team2/../team-b/data.json',
          Body: JSON.stringify({ Item: { pk: { S: 'own' }, sk: { N: '2' } } }),
        }),
      );
      s3.destroy();
      const team = w.cfn.stackId('team2');
      const table = uniqueName('team2');
      await createHomeTable(w.sim, table, { ownerStackId: team });
      const r = await w.cfn.request({
        RequestType: 'Create',
        StackId: team,
        LogicalResourceId: 'Traverse',
        ResourceType: 'Custom::ArcDynamoDbLoad',
        ResourceProperties: {
          TableName: table,
          S3BucketSource: { Bucket: bucket, KeyPrefix: 'arc-dynamodb/team2/../team-b/' },
          InputFormat: 'DYNAMODB_JSON',
          InputCompressionType: 'NONE',
          WriteMode: 'Overwrite',
          MaxRejectedRecords: '0',
        },
      });
      await w.cfn.idle();
      const items = (await w.sim.direct(HOME).send(new ScanCommand({ TableName: table }))).Items ?? [];
      expect(items.map((i) => i.pk?.S)).not.toContain('stolen');
      expect(JSON.stringify(r.body)).not.toContain('team-b-private');
    },
  );
});

describe('adoption consent and reused stack names', () => {
  it(
    'HOLDS: after stack `app` adopted a table with consent and was deleted, a NEW stack named `app` cannot adopt it (the owner tag names the old ' + 'ID)',
    async () => {
      const name = uniqueName('adoptee');
      await createHomeTable(w.sim, name);
      const arn = (await w.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table?.TableArn as string;
      await w.sim.direct(HOME).send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: ADOPT_CONSENT_TAG_KEY, Value: 'app' }] }));
      const first = w.cfn.stackId('app');
      const props = replicasProps(name, [], { AdoptExistingTable: name, RetainOnDelete: true });
      const c = await w.cfn.request({ RequestType: 'Create', StackId: first, LogicalResourceId: 'TableReplicas', ResourceProperties: props });
      await w.cfn.idle();
      expect(c.body.Status).toBe('SUCCESS');
      const d = await w.cfn.request({
        RequestType: 'Delete',
        StackId: first,
        LogicalResourceId: 'TableReplicas',
        PhysicalResourceId: c.body.PhysicalResourceId,
        ResourceProperties: props,
        StackStatus: 'DELETE_IN_PROGRESS',
      });
      await w.cfn.idle();
      expect(d.body.Status).toBe('SUCCESS');
      w.cfn.cloudformation.setStackStatus(first, 'DELETE_COMPLETE');
      const second = w.cfn.stackId('app');
      const mark = w.sim.calls.length;
      const again = await w.cfn.request({
        RequestType: 'Create',
        StackId: second,
        LogicalResourceId: 'TableReplicas',
        ResourceProperties: replicasProps(name, [{ RegionName: EU }], { AdoptExistingTable: name }),
      });
      await w.cfn.idle();
      expect(again.body.Status).toBe('FAILED');
      expect(again.body.Reason).toContain('belongs to another stack');
      expect(mutatingSince(mark)).toEqual([]);
      expect((await regionView(w.sim, HOME, name)).tags?.[OWNER_TAG_KEY]).toBe(first);
    },
  );
});
