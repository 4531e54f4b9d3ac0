/**
 * A distributed load that its operation no longer wants is stopped (provider/load/distributed/run.ts
 * stopRemembered, driver.ts stopRun): the run's execution is remembered with the resource's lease
 * before it starts, and CloudFormation's Delete (of a Create it cancelled) or a rollback stops it,
 * so Step Functions starts none of its remaining batches. The stop is best effort: a refused
 * StopExecution never fails the Delete or the rollback (the workers' lease check still holds).
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { loadHandler } from '../../../provider/load/handler';
import type { LoadProps } from '../../../provider/load/properties';
import type { HandlerRequest, RequestType } from '../../../provider/types';
import { captureLog } from '../../integration/load/helpers';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:arc-provider-load';
const RUN = 'arn:aws:states:us-east-1:123456789012:execution:arc-provider-load:arc-0123456789abcdef-0123456789abcdef01234567';
const STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop/5b6c';

const props: LoadProps = loadHandler.parseProperties({
  TableName: 'orders',
  S3BucketSource: { Bucket: 'seed', KeyPrefix: 'arc-dynamodb/shop/orders/' },
  InputFormat: 'DYNAMODB_JSON',
  Distributed: 'true',
});

function request(o: { type: RequestType; status: string; memo?: unknown; replaced?: boolean; physicalId?: string; stop?: () => Promise<unknown> }) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const sfn = {
    send: async (c: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: c.constructor.name, input: c.input });
      return o.stop ? o.stop() : { stopDate: new Date() };
    },
  } as unknown as SFNClient;
  const log = captureLog();
  const req: HandlerRequest<LoadProps> = {
    requestType: o.type,
    stackId: STACK,
    requestId: 'req-2',
    logicalResourceId: 'SeedLoad',
    physicalResourceId: o.physicalId ?? 'arc-dynamodb-load:orders:SeedLoad',
    properties: props,
    ...(o.type === 'Update' ? { oldProperties: props } : {}),
    stack: { status: o.status, replaced: o.replaced ?? false, keeps: async () => true, resource: async () => undefined },
    ...(o.memo !== undefined ? { memo: o.memo } : {}),
    deadline: Date.now() + 60_000,
    clients: {
      homeRegion: 'us-east-1',
      dynamodb: () => {
        throw new Error('a Delete or a rollback reads no table');
      },
      s3: () => {
        throw new Error('a Delete or a rollback reads no source');
      },
      autoscaling: () => {
        throw new Error('unused');
      },
      cloudwatch: () => {
        throw new Error('unused');
      },
      distributed: { sfn, stateMachineArn: MACHINE, stateTable: 'provider-state', signingKey: async () => Buffer.alloc(32) },
    },
    log,
  };
  return { req, sent, log };
}

test("CloudFormation's Delete of a cancelled Create stops the distributed run it remembers, and forgets it", async () => {
  const { req, sent } = request({ type: 'Delete', status: 'ROLLBACK_IN_PROGRESS', memo: { distributedRun: RUN } });
  const r = await loadHandler.handle(req);
  expect(r).toEqual({ status: 'done', physicalResourceId: 'arc-dynamodb-load:orders:SeedLoad', memo: {} });
  expect(sent).toEqual([
    { name: 'StopExecutionCommand', input: { executionArn: RUN, error: 'ArcDynamoDb.Superseded', cause: 'CloudFormation deletes SeedLoad' } },
  ]);
});

test('a rollback Update stops the run the failed update left, loads nothing and forgets the run', async () => {
  const { req, sent } = request({ type: 'Update', status: 'UPDATE_ROLLBACK_IN_PROGRESS', memo: { distributedRun: RUN } });
  const r = await loadHandler.handle(req);
  expect(r).toMatchObject({ status: 'done', memo: {}, data: { ItemsWritten: 0, ObjectsRead: 0 } });
  expect(sent.map((s) => [s.name, s.input.executionArn])).toEqual([['StopExecutionCommand', RUN]]);
});

test('a Delete with no remembered run, or whose run ended, calls Step Functions not at all', async () => {
  for (const memo of [undefined, {}, { distributedRun: 42 }]) {
    const { req, sent } = request({ type: 'Delete', status: 'DELETE_IN_PROGRESS', memo });
    expect((await loadHandler.handle(req)).status).toBe('done');
    expect(sent).toEqual([]);
  }
});

test('the cleanup Delete of a physical ID an update replaced does not stop the run of the resource that replaced it', async () => {
  // The run remembered is the update's, for its new ID (a new TableName), or (a memo kept before the ID was) for an unknown one.
  for (const memo of [{ distributedRun: RUN, physicalId: 'arc-dynamodb-load:orders-v2:SeedLoad' }, { distributedRun: RUN }]) {
    const { req, sent } = request({ type: 'Delete', status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', memo, replaced: true });
    const r = await loadHandler.handle(req);
    expect(r.status).toBe('done');
    // The memo stays (no memo in the answer keeps it): a later Delete or rollback of the live resource still stops its run.
    expect((r as { memo?: unknown }).memo).toBeUndefined();
    expect(sent).toEqual([]);
  }
});

test('the cleanup Delete of the new physical ID of an update that rolled back stops the run remembered for that ID', async () => {
  const fresh = 'arc-dynamodb-load:orders-v2:SeedLoad';
  const { req, sent } = request({
    type: 'Delete',
    status: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
    memo: { distributedRun: RUN, physicalId: fresh },
    replaced: true,
    physicalId: fresh,
  });
  expect(await loadHandler.handle(req)).toEqual({ status: 'done', physicalResourceId: fresh, memo: {} });
  expect(sent.map((s) => [s.name, s.input.executionArn])).toEqual([['StopExecutionCommand', RUN]]);
});

test('a distributed start remembers its run with the physical ID it loads for, before it starts it', async () => {
  const order: string[] = [];
  const remembered: unknown[] = [];
  const { req } = request({ type: 'Create', status: 'CREATE_IN_PROGRESS' });
  const sfn = {
    send: async (c: { constructor: { name: string }; input: { name: string } }) => {
      order.push(c.constructor.name);
      return { executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${c.input.name}` };
    },
  } as unknown as SFNClient;
  const s3 = {
    send: async (c: { constructor: { name: string } }) => {
      order.push(c.constructor.name);
      return c.constructor.name === 'ListObjectsV2Command' ? { Contents: [{ Key: 'arc-dynamodb/shop/orders/part-0.json', Size: 10, ETag: '"e"' }] } : {};
    },
  };
  const create: HandlerRequest<LoadProps> = {
    ...req,
    physicalResourceId: undefined,
    clients: { ...req.clients, s3: () => s3 as never, dynamodb: () => ({}) as never, distributed: { ...req.clients.distributed!, sfn } },
    remember: async (memo) => {
      order.push('remember');
      remembered.push(memo);
    },
  };
  expect(await loadHandler.handle(create)).toMatchObject({ status: 'continue', physicalResourceId: 'arc-dynamodb-load:orders:SeedLoad' });
  expect(remembered).toEqual([
    { distributedRun: expect.stringMatching(/^arn:aws:states:.*:execution:arc-provider-load:arc-/), physicalId: 'arc-dynamodb-load:orders:SeedLoad' },
  ]);
  expect(order.indexOf('remember')).toBeLessThan(order.indexOf('StartExecutionCommand'));
});

/** A Delete of a cancelled Create whose StopExecution is answered with the error `name`. */
const refusedWith = (name: string, message: string) =>
  request({
    type: 'Delete',
    status: 'ROLLBACK_IN_PROGRESS',
    memo: { distributedRun: RUN },
    stop: async () => Promise.reject(Object.assign(new Error(message), { name })),
  });

test('a refused stop (AccessDenied) is logged and the Delete still succeeds; a run that never started is not an error', async () => {
  const denied = refusedWith('AccessDeniedException', 'not authorized to perform: states:StopExecution');
  expect(await loadHandler.handle(denied.req)).toMatchObject({ status: 'done', memo: {} });
  expect(denied.log.text()).toContain('could not stop its execution');
  expect(denied.log.text()).toContain('states:StopExecution');

  const gone = refusedWith('ExecutionDoesNotExist', 'Execution Does Not Exist');
  expect(await loadHandler.handle(gone.req)).toMatchObject({ status: 'done', memo: {} });
  expect(gone.log.text()).not.toContain('could not stop');
});
