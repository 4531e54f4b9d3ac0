/**
 * The protocol alone: createProvider with a fake guard, a fake transport, a fake continuation
 * port and a scripted handler. No AWS, no network: each case drives one path of the invocation
 * (admission outcomes, settlement, the watchdog, continuations) and checks the single answer.
 */
import { createProvider, DEFAULT_CONFIG } from '../../../provider/protocol/run';
import type { Admission, Guard, Session, Settlement } from '../../../provider/guard/types';
import { SupersededError } from '../../../provider/guard/types';
import type { HandlerRequest, HandlerResult, Logger, ResourceHandler } from '../../../provider/types';
import { fakeSession } from '../../support/fake-session';

const URL = 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=s';
const STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/5b6c';

function event(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    RequestType: 'Create',
    ResponseURL: URL,
    StackId: STACK,
    RequestId: 'req-1',
    ResourceType: 'Custom::Fake',
    LogicalResourceId: 'Thing',
    ResourceProperties: { TableName: 'orders', ServiceTimeout: '3600' },
    ...over,
  };
}

interface World {
  puts: { Status: string; Reason?: string; PhysicalResourceId: string }[];
  continued: Record<string, unknown>[];
  settled: { status: string; id: string; memo?: unknown }[];
  handled: HandlerRequest<unknown>[];
  logs: string[];
}

function setup(opts: {
  admission?: Admission | (() => Promise<Admission>);
  settlement?: Settlement;
  handle?: (req: HandlerRequest<unknown>) => Promise<HandlerResult>;
  remainingMs?: number;
  continueFails?: boolean;
  session?: Partial<Session>;
}) {
  const w: World = { puts: [], continued: [], settled: [], handled: [], logs: [] };
  const session = fakeSession({
    seal: async (checkpoint, physicalResourceId) => ({ sealed: { checkpoint, physicalResourceId } }),
    settle: async (status, id, memo) => {
      w.settled.push({ status, id, ...(memo !== undefined ? { memo } : {}) });
      return opts.settlement ?? { kind: 'answer' };
    },
    ...opts.session,
  });
  const guard: Guard = {
    admit: async () => (typeof opts.admission === 'function' ? opts.admission() : (opts.admission ?? { kind: 'proceed', session })),
    sealedPhysicalId: async () => 'real-id-from-seal',
  };
  const handler: ResourceHandler<unknown> = {
    resourceType: 'Custom::Fake',
    parseProperties: (raw) => raw,
    tableName: () => 'orders',
    handle: async (req) => {
      w.handled.push(req);
      return (opts.handle ?? (async () => ({ status: 'done', physicalResourceId: 'thing-1' }) as HandlerResult))(req);
    },
  };
  const log: Logger = { info: (m) => void w.logs.push(m), warn: (m) => void w.logs.push(m), error: (m) => void w.logs.push(m) };
  const provider = createProvider({
    clients: { homeRegion: 'us-east-1' } as never,
    handlers: [handler],
    guard,
    continuation: {
      continue: async (payload) => {
        if (opts.continueFails) throw new Error('Lambda said no');
        w.continued.push(payload);
      },
    },
    transport: async (_url, body) => {
      w.puts.push(JSON.parse(body));
      return 200;
    },
    log,
    config: { ...DEFAULT_CONFIG, safetyMarginMs: 200, serviceTimeoutMarginMs: 100, responseAttempts: 1, responseBaseDelayMs: 1 },
  });
  const run = (raw: unknown = event()) => provider(raw, { awsRequestId: 'lambda-1', getRemainingTimeInMillis: () => opts.remainingMs ?? 5000 });
  return { w, run, session };
}

it("proceeds, settles SUCCESS with the handler's physical ID, then answers once", async () => {
  const { w, run } = setup({});
  await run();
  expect(w.settled).toEqual([{ status: 'SUCCESS', id: 'thing-1' }]);
  expect(w.puts).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'thing-1' })]);
  expect(w.handled[0].stack?.status).toBe('CREATE_IN_PROGRESS');
});

it.each<[string, Admission, { Status: string; Reason?: string; PhysicalResourceId: string }[]]>([
  ['a duplicate delivery stays silent', { kind: 'ignore', reason: 'another invocation is already working on this request' }, []],
  [
    'a refusal answers FAILED with the failed-create marker',
    { kind: 'refuse', reason: 'Refused: not CloudFormation. Nothing was changed.' },
    [{ Status: 'FAILED', Reason: 'Refused: not CloudFormation. Nothing was changed.', PhysicalResourceId: 'arc-dynamodb:CREATE_FAILED:Thing' }],
  ],
  [
    'a superseded request answers FAILED Superseded',
    { kind: 'superseded' },
    [{ Status: 'FAILED', Reason: expect.stringContaining('Superseded') as unknown as string, PhysicalResourceId: 'arc-dynamodb:CREATE_FAILED:Thing' }],
  ],
])('%s, and the handler never runs', async (_what, admission, puts) => {
  const { w, run } = setup({ admission });
  await run();
  expect(w.handled).toEqual([]);
  expect(w.puts).toEqual(puts.map((p) => expect.objectContaining(p)));
});

it('a no-op Delete answers SUCCESS with its own physical ID', async () => {
  const { w, run } = setup({ admission: { kind: 'noop', reason: 'table orders no longer exists' } });
  await run(event({ RequestType: 'Delete', PhysicalResourceId: 'thing-1' }));
  expect(w.puts).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'thing-1', Reason: 'table orders no longer exists' })]);
});

it.each<[Settlement, string[]]>([
  [{ kind: 'silent' }, []],
  [{ kind: 'superseded' }, ['FAILED']],
  [{ kind: 'answer-failed', reason: 'owner tag could not be written' }, ['FAILED']],
])('settlement %j decides what is sent', async (settlement, statuses) => {
  const { w, run } = setup({ settlement });
  await run();
  expect(w.puts.map((p) => p.Status)).toEqual(statuses);
});

it('the watchdog continues from the last checkpoint when the handler does not return, and nothing is answered', async () => {
  const { w, run } = setup({
    remainingMs: 600,
    handle: () => new Promise<HandlerResult>(() => undefined),
    session: { checkpoint: { step: 3 }, physicalResourceId: 'thing-1' },
  });
  await run();
  expect(w.puts).toEqual([]);
  expect(w.continued).toHaveLength(1);
  expect(w.continued[0].ArcDynamoDbContinuation).toEqual({ sealed: { checkpoint: { step: 3 }, physicalResourceId: 'thing-1' } });
  expect(w.continued[0].RequestId).toBe('req-1');
});

it('a handler that asks to continue is continued with a sealed checkpoint', async () => {
  const { w, run } = setup({ handle: async () => ({ status: 'continue', checkpoint: { after: 'k1' }, physicalResourceId: 'thing-1' }) });
  await run();
  expect(w.puts).toEqual([]);
  expect(w.continued.map((c) => c.ArcDynamoDbContinuation)).toEqual([{ sealed: { checkpoint: { after: 'k1' }, physicalResourceId: 'thing-1' } }]);
});

it('a continuation that cannot be queued answers FAILED once, with the real physical ID of what was changed', async () => {
  const { w, run } = setup({ continueFails: true, handle: async () => ({ status: 'continue', checkpoint: {}, physicalResourceId: 'thing-1' }) });
  await run();
  expect(w.puts).toEqual([expect.objectContaining({ Status: 'FAILED', PhysicalResourceId: 'thing-1', Reason: expect.stringContaining('Lambda said no') })]);
});

it('a handler error after a change keeps the real physical ID the chain carries', async () => {
  const { w, run } = setup({
    session: { physicalResourceId: 'thing-1', isContinuation: true, hop: 2 },
    handle: async () => Promise.reject(new Error('UpdateTable said no')),
  });
  await run();
  expect(w.puts).toEqual([expect.objectContaining({ Status: 'FAILED', PhysicalResourceId: 'thing-1', Reason: 'UpdateTable said no' })]);
});

it('a later request taking over mid-work stops with FAILED Superseded; another chain of the same request stays silent', async () => {
  const later = setup({ handle: async () => Promise.reject(new SupersededError(false)) });
  await later.run();
  expect(later.w.puts).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringContaining('Superseded') })]);
  const same = setup({ handle: async () => Promise.reject(new SupersededError(true)) });
  await same.run();
  expect(same.w.puts).toEqual([]);
});

it("past the ServiceTimeout (counted from CloudFormation's own start time) it answers FAILED without running the handler", async () => {
  const { w, run } = setup({ session: { operationStart: Date.now() - 3_600_000, physicalResourceId: 'thing-1' } });
  await run();
  expect(w.handled).toEqual([]);
  expect(w.puts).toEqual([
    expect.objectContaining({ Status: 'FAILED', PhysicalResourceId: 'thing-1', Reason: expect.stringContaining('ServiceTimeout (3600 s)') }),
  ]);
});

it('an admission that hangs past the deadline delivers the same payload again and answers nothing', async () => {
  const raw = event();
  const { w, run } = setup({ remainingMs: 600, admission: () => new Promise<Admission>(() => undefined) });
  await run(raw);
  expect(w.puts).toEqual([]);
  expect(w.continued).toEqual([{ ...raw, ArcDynamoDbRedelivery: 1 }]);
});

it('a request whose admission keeps hanging is delivered again at most three times', async () => {
  const { w, run } = setup({ remainingMs: 600, admission: () => new Promise<Admission>(() => undefined) });
  await run({ ...event(), ArcDynamoDbRedelivery: 3 });
  expect(w.continued).toEqual([]);
  expect(w.puts).toEqual([]);
  expect(w.logs).toContain('admission kept hanging; giving up without an answer (CloudFormation times the request out)');
});

it("Lambda's on-failure record answers FAILED with the ID the sealed continuation carries", async () => {
  const { w, run } = setup({});
  await run({ requestContext: { condition: 'RetriesExhausted' }, requestPayload: { ...event(), ArcDynamoDbContinuation: { v: 1 } } });
  expect(w.handled).toEqual([]);
  expect(w.puts).toEqual([
    expect.objectContaining({ Status: 'FAILED', PhysicalResourceId: 'real-id-from-seal', Reason: expect.stringContaining('Lambda retries exhausted') }),
  ]);
});

it('hands the handler what it asked to remember last time, and stores what it asks to remember now', async () => {
  const { w, run } = setup({
    session: { memo: { pendingRemovals: ['eu-west-1'] } },
    handle: async (req) => ({ status: 'done', physicalResourceId: 'thing-1', memo: { seen: req.memo } }),
  });
  await run();
  expect(w.handled[0].memo).toEqual({ pendingRemovals: ['eu-west-1'] });
  expect(w.settled).toEqual([{ status: 'SUCCESS', id: 'thing-1', memo: { seen: { pendingRemovals: ['eu-west-1'] } } }]);
});

it.each<[string, string, string, string]>([
  ['Create', 'CREATE_IN_PROGRESS', '', 'CloudFormation now rolls the stack back and sends this resource a Delete'],
  ['Update', 'UPDATE_IN_PROGRESS', 'thing-1', 'CloudFormation now rolls the stack back with the previous properties'],
  ['Update', 'UPDATE_ROLLBACK_IN_PROGRESS', 'thing-1', 'The rollback fails (UPDATE_ROLLBACK_FAILED)'],
  ['Delete', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'thing-1', 'CloudFormation finishes the update anyway and leaves what this resource made in place'],
  ['Delete', 'ROLLBACK_IN_PROGRESS', 'thing-1', 'The stack ends ROLLBACK_FAILED'],
  ['Delete', 'DELETE_IN_PROGRESS', 'thing-1', 'The stack delete fails (DELETE_FAILED)'],
])('a %s past its ServiceTimeout while the stack is %s says what really happens next', async (requestType, status, physicalId, next) => {
  const { w, run } = setup({
    session: { operationStart: Date.now() - 3_600_000, stack: { status, replaced: false, keeps: async () => true, resource: async () => undefined } },
  });
  await run(
    event({
      RequestType: requestType,
      ...(physicalId ? { PhysicalResourceId: physicalId } : {}),
      ...(requestType === 'Update' ? { OldResourceProperties: {} } : {}),
    }),
  );
  expect(w.puts).toHaveLength(1);
  expect(w.puts[0].Reason).toContain(next);
});
