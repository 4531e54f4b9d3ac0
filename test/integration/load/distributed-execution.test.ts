/**
 * A distributed load under moto_server's Step Functions executor (issue 17): the real state
 * machine (provider/load/distributed/state-machine.asl.json) runs in moto 5.2.1 with
 * `stepfunctions.execute_state_machine`; its Lambda tasks reach the real bundled provider through
 * the router on MOTO_PORT (test/support/sfn-router.ts), which also models the failure threshold
 * and RedriveExecution that moto lacks. The provider's driver (provider/load/distributed/driver.ts)
 * writes the sealed manifest, starts the execution, watches it, redrives it after a worker was
 * killed, and sums the batch records. The final table must equal the source item for item.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand as CreateDdbTable } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateStateMachineCommand, RedriveExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb-local';
import { requestKey } from '../../../provider/guard/lease';
import { dynamoStateStore, STATE_TABLE_ENV } from '../../../provider/guard/state-store';
import { loadHandler } from '../../../provider/load/handler';
import type { LoadProps } from '../../../provider/load/properties';
import type { AwsClients, HandlerResult } from '../../../provider/types';
import { pollRun, startRun, type DistributedState, type DriverDeps, type Polled } from '../../../provider/load/distributed/driver';
import type { BatchObject } from '../../../provider/load/distributed/plan';
import { LOCAL_CREDENTIALS, MOTO_ACCOUNT, startMoto, type Moto } from '../../support/moto';
import { startSfnRouter, type SfnRouter } from '../../support/sfn-router';
import { startLocalLambda, type LocalLambda } from '../../support/stack-engine/lambda';
import { canonical, richItems, toDynamoDbJson } from '../../support/load-data';
import { captureLog, createBucket, createTable, ddbClient, putObject, REGION, s3Client, scanAll, unique } from './helpers';

const STATE = 'provider-state';
let router: SfnRouter;
let moto: Moto;
let local: DynamoDbLocal;
let lambda: LocalLambda;
let sfn: SFNClient;
let machineArn: string;
const saved = { ...process.env };

beforeAll(async () => {
  router = await startSfnRouter(REGION);
  [moto, local] = await Promise.all([startMoto({ env: { MOTO_PORT: String(router.port) } }), startDynamoDbLocal({})]);
  // moto runs definitions only with this config (moto docs, "Step Functions": execute_state_machine).
  await fetch(`${moto.endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }) });
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ARC_DYNAMODB_ENDPOINT_DYNAMODB: local.endpoint,
    ARC_DYNAMODB_ENDPOINT_S3: moto.endpoint,
    [STATE_TABLE_ENV]: STATE,
  });
  lambda = await startLocalLambda({ region: REGION, accountId: MOTO_ACCOUNT, functionName: 'arc-provider', invocationMs: 300_000, retryDelayMs: 10 });
  router.route({ moto: moto.endpoint, lambda: lambda.endpoint });
  await ddbClient(local.endpoint).send(
    new CreateDdbTable({
      TableName: STATE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  sfn = new SFNClient({ endpoint: router.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  const definition = readFileSync(join(__dirname, '../../../provider/load/distributed/state-machine.asl.json'), 'utf8').replace(
    '${ProviderFunctionArn}',
    lambda.functionArn,
  );
  machineArn = (
    await sfn.send(new CreateStateMachineCommand({ name: 'arc-provider-load', definition, roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/arc-provider-load` }))
  ).stateMachineArn!;
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await lambda?.stop();
  await Promise.all([moto?.stop(), local?.stop()]);
  await router?.stop();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

async function stage(objects: number, per: number) {
  const s3 = s3Client(moto.endpoint);
  const ddb = ddbClient(local.endpoint);
  const bucket = unique('dx').toLowerCase();
  const table = unique('dx');
  await createBucket(s3, bucket);
  await createTable(ddb, table);
  const items = richItems(objects * per);
  for (let i = 0; i < objects; i++) await putObject(s3, bucket, `arc-dynamodb/shop/part-${i}.json`, toDynamoDbJson(items.slice(i * per, (i + 1) * per)));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'arc-dynamodb/shop/' }));
  const list: BatchObject[] = (listed.Contents ?? []).map((o) => [o.Key!, o.Size!, o.ETag!]);
  const log = captureLog();
  const deps: DriverDeps = {
    s3,
    sfn,
    dynamodb: ddb,
    stateTable: STATE,
    stateMachineArn: machineArn,
    signingKey: () => dynamoStateStore(ddb, STATE).signingKey(),
    log,
  };
  const spec = {
    runId: unique('run'),
    table,
    bucket,
    prefix: 'arc-dynamodb/shop/',
    format: 'DYNAMODB_JSON' as const,
    compression: 'NONE' as const,
    csv: { delimiter: ',' },
    writeMode: 'Overwrite' as const,
    maxRejectedRecords: 0,
    expiresAt: Date.now() + 600_000,
    lease: { stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/shop/${unique('s')}`, logicalId: 'Seed', request: unique('req') },
  };
  // The workers load only while the run's operation holds its lease (worker.ts), as the protocol leaves it while it waits.
  const lease = { request: spec.lease.request, chain: 'c', state: 'running' as const, expires: 0, deleting: false, ids: [], propsOf: {}, answered: [] };
  expect(await dynamoStateStore(ddb, STATE).writeLease(spec.lease.stackId, spec.lease.logicalId, lease, undefined)).toBe(true);
  return { ddb, table, items, list, deps, spec, log };
}

/** Looks at the execution until the driver has an answer (each look is one provider invocation's worth). */
async function until(state: DistributedState, deps: DriverDeps, maxRedrives?: number): Promise<{ polled: Polled; state: DistributedState; looks: number }> {
  let looks = 0;
  for (;;) {
    looks++;
    const polled = await pollRun(state, deps, maxRedrives);
    if (polled.status !== 'running') return { polled, state, looks };
    state = polled.state;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('moto runs the machine with the bundled provider as worker: the table equals the source, and the counts add up', async () => {
  const s = await stage(6, 30);
  const started = await startRun({ spec: s.spec, objects: s.list, workers: 3, maxObjects: 1 }, s.deps);
  expect(started.batches).toBe(6);
  const { polled, state } = await until(started, s.deps);
  expect(polled).toEqual({
    status: 'done',
    records: 180,
    counters: { itemsWritten: 180, itemsSkipped: 0, recordsRejected: 0, objectsRead: 6, bytesRead: s.list.reduce((n, o) => n + o[1], 0) },
  });
  expect(state.redrives).toBe(0);
  const mine = router.outcomes.filter((o) => o.runId === s.spec.runId);
  expect(mine.map((o) => [o.batch, o.outcome]).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, 'succeeded']));
  expect(lambda.invocations.filter((i) => i.sync).length).toBeGreaterThanOrEqual(6);
  const loaded = (await scanAll(s.ddb, s.table)).map(canonical).sort();
  expect(loaded).toEqual(s.items.map(canonical).sort());
}, 180_000);

test('one worker killed: the execution fails, is redriven, re-runs only that batch, and every item is there once, counted once', async () => {
  const s = await stage(5, 40);
  router.killNext(3);
  const started = await startRun({ spec: s.spec, objects: s.list, workers: 2, maxObjects: 1 }, s.deps);
  const { polled, state } = await until(started, s.deps);
  expect(polled).toEqual({
    status: 'done',
    records: 200,
    counters: { itemsWritten: 200, itemsSkipped: 0, recordsRejected: 0, objectsRead: 5, bytesRead: s.list.reduce((n, o) => n + o[1], 0) },
  });
  expect(state.redrives).toBe(1);
  const mine = router.outcomes.filter((o) => o.runId === s.spec.runId);
  // The first run: batch 3's worker ran, then died before answering; the redrive re-ran only batch 3.
  expect(
    mine
      .filter((o) => o.redrive === 0)
      .map((o) => [o.batch, o.outcome, o.error ?? ''])
      .sort(),
  ).toEqual([
    [0, 'succeeded', ''],
    [1, 'succeeded', ''],
    [2, 'succeeded', ''],
    [3, 'failed', 'Runtime.ExitError'],
    [4, 'succeeded', ''],
  ]);
  expect(mine.filter((o) => o.redrive === 1).map((o) => [o.batch, o.outcome])).toEqual([[3, 'succeeded']]);
  expect(s.log.lines.filter((l) => l.message === 'distributed load redriven').length).toBe(1);
  const loaded = (await scanAll(s.ddb, s.table)).map(canonical).sort();
  expect(loaded).toEqual(s.items.map(canonical).sort());
}, 180_000);

test('a worker killed on every run: the load fails with a clear reason once its redrives are spent; a succeeded execution is not redrivable', async () => {
  const s = await stage(2, 10);
  for (let i = 0; i < 3; i++) router.killNext(1);
  const started = await startRun({ spec: s.spec, objects: s.list, workers: 2, maxObjects: 1 }, s.deps);
  const { polled, state } = await until(started, s.deps, 2);
  expect(state.redrives).toBe(2);
  expect(polled.status).toBe('failed');
  expect((polled as { reason: string }).reason).toBe(
    'its Step Functions execution FAILED (States.ExceedToleratedFailureThreshold) and was redriven 2 times, the most allowed',
  );
  // Batch 0 succeeded on the first run and was never run again; batch 1 ran three times.
  const mine = router.outcomes.filter((o) => o.runId === s.spec.runId);
  expect(mine.filter((o) => o.batch === 0).length).toBe(1);
  expect(mine.filter((o) => o.batch === 1).map((o) => o.redrive)).toEqual([0, 1, 2]);
  const other = await stage(1, 5);
  const running = await startRun({ spec: other.spec, objects: other.list, workers: 1 }, other.deps);
  const done = await until(running, other.deps);
  expect(done.polled.status).toBe('done');
  await expect(sfn.send(new RedriveExecutionCommand({ executionArn: running.executionArn }))).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
}, 180_000);

test('the local Lambda answers a synchronous invoke with the function error Lambda reports, and runs nothing of an unsealed batch', async () => {
  const client = new LambdaClient({ endpoint: lambda.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  try {
    const out = await client.send(
      new InvokeCommand({ FunctionName: lambda.functionArn, Payload: Buffer.from(JSON.stringify({ ArcDynamoDbWorker: { v: 1 }, Batch: { i: 0, o: [] } })) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(Buffer.from(out.Payload!).toString('utf8')) as { errorType: string; errorMessage: string };
    expect(payload.errorType).toBe('ArcDynamoDb.NotSealed');
    expect(payload.errorMessage).toMatch(/nothing was read or written/);
  } finally {
    client.destroy();
  }
});

/** The load handler, driven as the protocol drives it: the first invocation, then continuations with its checkpoint. */
async function driveHandler(s: Awaited<ReturnType<typeof stage>>, props: Partial<LoadProps>, distributed = true, firstTwice = false) {
  const clients: AwsClients = {
    homeRegion: REGION,
    dynamodb: () => s.ddb,
    s3: () => s.deps.s3,
    autoscaling: () => {
      throw new Error('a load uses no autoscaling');
    },
    cloudwatch: () => {
      throw new Error('a load uses no CloudWatch');
    },
    ...(distributed ? { distributed: { sfn, stateMachineArn: machineArn, stateTable: STATE, signingKey: s.deps.signingKey } } : {}),
  };
  const properties: LoadProps = {
    TableName: s.table,
    S3BucketSource: { Bucket: s.spec.bucket, KeyPrefix: 'arc-dynamodb/shop/' },
    InputFormat: 'DYNAMODB_JSON',
    InputCompressionType: 'NONE',
    WriteMode: 'Overwrite',
    MaxRejectedRecords: 0,
    ...props,
  };
  const results: HandlerResult[] = [];
  let checkpoint: unknown;
  const requestId = unique('req');
  const serviceDeadline = Date.now() + 3_600_000;
  const stackId = `arn:aws:cloudformation:${REGION}:${MOTO_ACCOUNT}:stack/shop/0b9a8180-0000-0000-0000-000000000000`;
  // The protocol holds the operation's lease while the handler runs (provider/guard/index.ts); the workers check it.
  const st = dynamoStateStore(s.ddb, STATE);
  const held = {
    request: requestKey(stackId, requestId),
    chain: 'c',
    state: 'running' as const,
    expires: 0,
    deleting: false,
    ids: [],
    propsOf: {},
    answered: [],
  };
  expect(await st.writeLease(stackId, 'OrdersLoad', held, (await st.readLease(stackId, 'OrdersLoad'))?.version)).toBe(true);
  for (let i = 0; i < 200; i++) {
    const result = await loadHandler.handle({
      requestType: 'Create',
      stackId,
      requestId,
      logicalResourceId: 'OrdersLoad',
      properties,
      checkpoint,
      // Each invocation may watch for a few seconds; the operation has CloudFormation's hour.
      deadline: Date.now() + 8000,
      serviceDeadline,
      clients,
      log: s.log,
    });
    results.push(result);
    // Lambda's async retry of the first invocation (same event): the same execution, not a second one.
    if (firstTwice && i === 0) continue;
    if (result.status !== 'continue') return results;
    checkpoint = result.checkpoint;
  }
  throw new Error('the load did not end');
}

test('the load handler with Distributed: true starts the execution, watches it through continuations and answers with the summed counts', async () => {
  const s = await stage(4, 25);
  // Four small objects make one planned batch (plan.ts BATCH_BYTES, BATCH_OBJECTS): its worker is killed once.
  router.killNext(0);
  const results = await driveHandler(s, { Distributed: true });
  const last = results[results.length - 1];
  expect(last).toEqual({
    status: 'done',
    physicalResourceId: `arc-dynamodb-load:${s.table}:OrdersLoad`,
    data: expect.objectContaining({ ItemsWritten: 100, ItemsSkipped: 0, RecordsRejected: 0, ObjectsRead: 4, BytesRead: s.list.reduce((n, o) => n + o[1], 0) }),
    // The run has ended: nothing is left for a later Delete or rollback to stop (run.ts stopRemembered).
    memo: {},
  });
  // The first invocation only started it; a continuation redrove it after the killed worker.
  expect(results[0]).toMatchObject({ status: 'continue', checkpoint: { kind: 'distributed', redrives: 0 } });
  expect(s.log.lines.filter((l) => l.message === 'distributed load redriven').length).toBe(1);
  expect(s.log.lines.find((l) => l.message === 'load route')?.fields).toMatchObject({ route: 'distributed', why: 'Distributed: true' });
  const loaded = (await scanAll(s.ddb, s.table)).map(canonical).sort();
  expect(loaded).toEqual(s.items.map(canonical).sort());
}, 180_000);

test('Distributed: false, or absent for a small source, loads in one chain; Distributed: true without a state machine fails, reading nothing', async () => {
  const s = await stage(2, 10);
  const before = router.outcomes.length;
  const [one] = await driveHandler(s, { Distributed: false });
  expect(one).toMatchObject({ status: 'done', data: { ItemsWritten: 20, ObjectsRead: 2 } });
  expect(router.outcomes.length).toBe(before);
  // Absent: by size. A few KB take well under a second of the hour CloudFormation waits: one chain.
  const small = await stage(2, 10);
  const [bySize] = await driveHandler(small, {});
  expect(bySize).toMatchObject({ status: 'done', data: { ItemsWritten: 20, ObjectsRead: 2 } });
  expect(small.log.lines.find((l) => l.message === 'load route')?.fields).toMatchObject({ route: 'one-chain' });
  expect(router.outcomes.length).toBe(before);
  const t = await stage(1, 5);
  const [refused] = await driveHandler(t, { Distributed: true }, false);
  expect(refused).toEqual({
    status: 'failed',
    physicalResourceId: `arc-dynamodb-load:${t.table}:OrdersLoad`,
    reason:
      `Load into table '${t.table}' asks for Distributed: true, but this provider has no distributed-load state machine ` +
      '(deploy template.yaml with LoadBucketNames). Nothing was read or written.',
  });
  expect(await scanAll(t.ddb, t.table)).toEqual([]);
});

test('a batch that fails on its data fails the load with its reason, and is not redriven', async () => {
  const s = await stage(2, 10);
  const bad = '{"Item": {"pk": {"S": "x"}, "sk": {"N": "1"}}}\nthis is no JSON\n';
  await putObject(s.deps.s3, s.spec.bucket, 'arc-dynamodb/shop/part-z-bad.json', bad);
  const results = await driveHandler(s, { Distributed: true });
  const last = results[results.length - 1];
  expect(last.status).toBe('failed');
  expect((last as { reason: string }).reason).toMatch(/^Load into table '.+' failed: the distributed load: .*not valid JSON/);
  expect(s.log.lines.filter((l) => l.message === 'distributed load redriven')).toEqual([]);
  const runId = (results[0] as { checkpoint: { runId: string } }).checkpoint.runId;
  expect(router.outcomes.filter((o) => o.runId === runId).map((o) => [o.batch, o.outcome, o.error])).toEqual([[0, 'failed', 'ArcDynamoDb.LoadFailed']]);
});

test('a first invocation run twice (Lambda retried it) starts one execution, and the load still counts every item once', async () => {
  const s = await stage(3, 10);
  const results = await driveHandler(s, { Distributed: true }, true, true);
  const [a, b] = results as { status: string; checkpoint: { executionArn: string; runId: string } }[];
  expect([a.status, b.status]).toEqual(['continue', 'continue']);
  expect(b.checkpoint.executionArn).toBe(a.checkpoint.executionArn);
  expect(results[results.length - 1]).toMatchObject({ status: 'done', data: { ItemsWritten: 30, ObjectsRead: 3 } });
  expect(router.outcomes.filter((o) => o.runId === a.checkpoint.runId).map((o) => [o.batch, o.outcome])).toEqual([[0, 'succeeded']]);
  expect(s.log.lines.filter((l) => l.message === 'distributed load started').length).toBe(2);
});

test('a start retried after the source changed keeps the first start: the manifest is written once, and so are its execution and batch count', async () => {
  const s = await stage(4, 10);
  const first = await startRun({ spec: s.spec, objects: s.list, workers: 2, maxObjects: 1 }, s.deps);
  expect(first.batches).toBe(4);
  // Before Lambda retries the first invocation, a fifth object lands under the prefix; the retry lists it too.
  const extra = toDynamoDbJson(richItems(5, { prefix: 'late' }));
  await putObject(s.deps.s3, s.spec.bucket, 'arc-dynamodb/shop/part-9.json', extra);
  const relisted = await s.deps.s3.send(new ListObjectsV2Command({ Bucket: s.spec.bucket, Prefix: 'arc-dynamodb/shop/' }));
  const more: BatchObject[] = (relisted.Contents ?? []).map((o) => [o.Key!, o.Size!, o.ETag!]);
  expect(more.length).toBe(5);
  const again = await startRun({ spec: s.spec, objects: more, workers: 3, maxObjects: 1 }, s.deps);
  expect(again).toEqual(first);
  const { polled } = await until(again, s.deps);
  expect(polled).toMatchObject({ status: 'done', counters: { itemsWritten: 40, objectsRead: 4 }, records: 40 });
  const loaded = (await scanAll(s.ddb, s.table)).map(canonical).sort();
  expect(loaded).toEqual(s.items.map(canonical).sort());
}, 120_000);

test('a start that died before StartExecution, retried with another budget share and worker count, starts the first run: every batch opens', async () => {
  const s = await stage(3, 10);
  let starts = 0;
  const dying: DriverDeps = {
    ...s.deps,
    sfn: {
      send: (async (c: unknown) => {
        // The first invocation dies here (a timeout, an out-of-memory kill): StartExecution never reached Step Functions.
        if (++starts === 1) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        return sfn.send(c as never);
      }) as SFNClient['send'],
    } as SFNClient,
  };
  const first = { ...s.spec, budget: { maxItemsPerSecond: 500 } };
  await expect(startRun({ spec: first, objects: s.list, workers: 2, maxObjects: 1 }, dying)).rejects.toThrow('socket hang up');
  // The retry lists, reads the capacity and the clock again: a different share and expiry, which its own seal would not match.
  const retry = { ...s.spec, budget: { maxItemsPerSecond: 250 }, expiresAt: s.spec.expiresAt + 5000 };
  const started = await startRun({ spec: retry, objects: s.list, workers: 3, maxObjects: 1 }, dying);
  const { polled, state } = await until(started, s.deps);
  expect(polled).toMatchObject({ status: 'done', counters: { itemsWritten: 30, objectsRead: 3 }, records: 30 });
  expect(state.redrives).toBe(0);
  expect(router.outcomes.filter((o) => o.runId === s.spec.runId).map((o) => o.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  expect(s.log.lines.filter((l) => l.message === 'distributed load: a retried start keeps the first run').length).toBe(1);
}, 120_000);
