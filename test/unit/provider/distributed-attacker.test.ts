/**
 * Review A (issue 17), unit level: two places where a distributed load trusts or forgets what it
 * should not.
 * 1. The rollback of an update that replaced the load's physical ID (a new TableName) sends no
 *    rollback Update; CloudFormation deletes the new physical ID in
 *    UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS. That cleanup Delete is `replaced`, so the handler
 *    skips stopRemembered (load/handler.ts) although the remembered run is the rolled-back
 *    update's, and then forgets it (memo ENDED). docs/load.md: "the rollback of an update whose
 *    load was still running, stops it (StopExecution)".
 * 2. A retried start takes the run's batch count from the manifest's S3 user metadata (driver.ts
 *    startRun, HeadObject), an object under `arc-dynamodb/.distributed/` that anyone who may
 *    write that prefix of the bucket can replace. The provider then sums only that many batch
 *    records: with `batches: 0` a SUCCEEDED execution is a load "done" with nothing loaded.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { loadHandler } from '../../../provider/load/handler';
import type { LoadProps } from '../../../provider/load/properties';
import { pollRun, startRun, type DriverDeps } from '../../../provider/load/distributed/driver';
import { sealRun, sealStoredRun } from '../../../provider/load/distributed/seal';
import type { HandlerRequest } from '../../../provider/types';
import { captureLog } from '../../integration/load/helpers';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:arc-provider-load';
const RUN = 'arn:aws:states:us-east-1:123456789012:execution:arc-provider-load:arc-0123456789abcdef-0123456789abcdef01234567';
const STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop/5b6c';

type Sent = { name: string; input: Record<string, unknown> };
const fake = <T>(sent: Sent[], answer: (name: string, input: Record<string, unknown>) => unknown) =>
  ({
    send: async (c: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: c.constructor.name, input: c.input });
      return answer(c.constructor.name, c.input);
    },
  }) as unknown as T;
const KEY = Buffer.alloc(32, 7);
const unused = () => {
  throw new Error('unused');
};

test('the cleanup Delete that rolls back a replacing update stops the run that update left running', async () => {
  const props: LoadProps = loadHandler.parseProperties({
    TableName: 'orders-v2',
    S3BucketSource: { Bucket: 'seed', KeyPrefix: 'arc-dynamodb/shop/orders/' },
    InputFormat: 'DYNAMODB_JSON',
    Distributed: 'true',
  });
  const sent: Sent[] = [];
  const req: HandlerRequest<LoadProps> = {
    requestType: 'Delete',
    stackId: STACK,
    requestId: 'req-cleanup',
    logicalResourceId: 'SeedLoad',
    // The new physical ID the failed update answered (early, on the long-operation path), deleted by the rollback.
    physicalResourceId: 'arc-dynamodb-load:orders-v2:SeedLoad',
    properties: props,
    stack: { status: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', replaced: true, keeps: async () => true, resource: async () => undefined },
    // As a start remembers it: the run with the physical ID it was started for (run.ts LoadMemo).
    memo: { distributedRun: RUN, physicalId: 'arc-dynamodb-load:orders-v2:SeedLoad' },
    deadline: Date.now() + 60_000,
    clients: {
      homeRegion: 'us-east-1',
      dynamodb: unused,
      s3: unused,
      autoscaling: unused,
      cloudwatch: unused,
      distributed: { sfn: fake<SFNClient>(sent, () => ({})), stateMachineArn: MACHINE, stateTable: 'state', signingKey: async () => Buffer.alloc(32) },
    },
    log: captureLog(),
  } as HandlerRequest<LoadProps>;
  expect(await loadHandler.handle(req)).toMatchObject({ status: 'done', memo: {} });
  // The run is forgotten (memo {}): if it is not stopped here, nothing ever stops it.
  expect(sent.map((s) => [s.name, s.input.executionArn])).toEqual([['StopExecutionCommand', RUN]]);
});

test('a retried start does not take its batch count from S3 metadata that another writer of .distributed/ replaced', async () => {
  const sent: Sent[] = [];
  // The first invocation wrote the manifest (2 batches) and started the execution, then crashed; meanwhile someone
  // who may write arc-dynamodb/.distributed/ of the bucket replaced the manifest with `[]` and `batches: 0`.
  const s3 = fake<S3Client>(sent, (name) => {
    if (name === 'PutObjectCommand')
      throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed' });
    if (name === 'HeadObjectCommand') return { Metadata: { batches: '0' } };
    // The first start's run.json, sealed with its batch count.
    if (name === 'GetObjectCommand')
      return { Body: { transformToString: async () => JSON.stringify(sealStoredRun(KEY, sealRun(KEY, { v: 1, ...spec }), 2, 2)) } };
    throw new Error(name);
  });
  const sfn = fake<SFNClient>(sent, (name) => {
    if (name === 'StartExecutionCommand') throw Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' });
    // The Map over the replaced manifest (no items) succeeds.
    if (name === 'DescribeExecutionCommand') return { status: 'SUCCEEDED' };
    throw new Error(name);
  });
  const dynamodb = fake<DynamoDBClient>(sent, () => ({}));
  const deps: DriverDeps = { s3, sfn, dynamodb, stateTable: 'state', stateMachineArn: MACHINE, signingKey: async () => KEY, log: captureLog() };
  const objects: [string, number, string][] = [
    ['arc-dynamodb/shop/orders/a.json', 200 * 1024 * 1024, '"e1"'],
    ['arc-dynamodb/shop/orders/b.json', 200 * 1024 * 1024, '"e2"'],
  ];
  const spec = {
    runId: 'arc-0123456789abcdef-0123456789abcdef01234567',
    table: 'orders',
    bucket: 'seed',
    prefix: 'arc-dynamodb/shop/orders/',
    format: 'DYNAMODB_JSON' as const,
    compression: 'NONE' as const,
    csv: { delimiter: ',' },
    writeMode: 'Overwrite' as const,
    maxRejectedRecords: 0,
    expiresAt: Date.now() + 3_600_000,
    lease: { stackId: STACK, logicalId: 'SeedLoad', request: 'r' },
  };
  const state = await startRun({ spec, objects, workers: 2 }, deps);
  const polled = await pollRun(state, deps);
  // Two planned batches of 200 MB each: the load is done only once both are recorded as loaded.
  expect({ batches: state.batches, polled: polled.status }).toEqual({ batches: 2, polled: 'failed' });
});
