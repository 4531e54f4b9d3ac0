/**
 * A distributed load end to end through the provider's protocol (test/support/cfn-harness.ts:
 * CloudFormation's events, async invocations with deadlines, continuations, one response PUT):
 * `Distributed: 'true'` as CloudFormation sends it starts the real state machine in moto_server's
 * Step Functions executor, whose workers are the real bundled provider (through the router on
 * MOTO_PORT, test/support/sfn-router.ts). A worker is killed, the continuations redrive the
 * execution, and CloudFormation gets SUCCESS once, with the summed counts as Fn::GetAtt data.
 * Also: CloudFormation's Delete of a Create it cancelled stops the running execution, and without
 * `Distributed` the route follows the threshold (plan.ts route) through the whole protocol.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { loadRunName } from '../../../contract/load-run';
import { executionArnOf } from '../../../provider/load/distributed/driver';
import { loadKeyPrefixFor, OWNER_TAG_KEY, stackNameOf } from '../../../contract/resources';
import { STATE_TABLE_ENV } from '../../../provider/guard/state-store';
import { loadHandler } from '../../../provider/load/handler';
import type { ResourceHandler } from '../../../provider/types';
import { startCfnHarness, type CfnHarness } from '../../support/cfn-harness';
import { canonical, richItems, toDynamoDbJson, PK_SK_KEY } from '../../support/load-data';
import { LOCAL_CREDENTIALS, MOTO_ACCOUNT, startMoto, type Moto } from '../../support/moto';
import { startSfnRouter, type SfnRouter } from '../../support/sfn-router';
import { startLocalLambda, type LocalLambda } from '../../support/stack-engine/lambda';
import { createBucket, ddbClient, putObject, REGION, s3Client, scanAll, unique } from './helpers';

let router: SfnRouter;
let moto: Moto;
let lambda: LocalLambda;
let sfn: SFNClient;
let cfn: CfnHarness;
let ddb: DynamoDBClient;
let machineArn: string;
const saved = { ...process.env };

beforeAll(async () => {
  router = await startSfnRouter(REGION);
  moto = await startMoto({ env: { MOTO_PORT: String(router.port) } });
  // moto runs definitions only with this config (moto docs, "Step Functions": execute_state_machine).
  await fetch(`${moto.endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }) });
  lambda = await startLocalLambda({ region: REGION, accountId: MOTO_ACCOUNT, functionName: 'arc-provider', invocationMs: 300_000, retryDelayMs: 10 });
  router.route({ moto: moto.endpoint, lambda: lambda.endpoint });
  sfn = new SFNClient({ endpoint: router.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  const definition = readFileSync(join(__dirname, '../../../provider/load/distributed/state-machine.asl.json'), 'utf8').replace(
    '${ProviderFunctionArn}',
    lambda.functionArn,
  );
  const machine = await sfn.send(new CreateStateMachineCommand({ name: 'arc-provider-load', definition, roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/load` }));
  machineArn = machine.stateMachineArn!;
  cfn = await startCfnHarness({
    endpoint: moto.endpoint,
    handlers: [loadHandler as ResourceHandler<unknown>],
    invocationMs: 5000,
    distributed: { sfn, stateMachineArn: machine.stateMachineArn! },
  });
  // The workers' configuration, as the provider function's environment: the same state table (and so the same key).
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ARC_DYNAMODB_AWS_ENDPOINT: moto.endpoint,
    [STATE_TABLE_ENV]: cfn.stateTable,
  });
  ddb = ddbClient(moto.endpoint);
}, 120_000);

afterAll(async () => {
  ddb?.destroy();
  sfn?.destroy();
  await cfn?.stop();
  await lambda?.stop();
  await moto?.stop();
  await router?.stop();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

/** A table of `stack` (its owner tag) and a bucket with `items` split into `objects` objects under the stack's load prefix. */
async function stage(stack: string, what: string, items: ReturnType<typeof richItems>, objects: number) {
  const table = unique(what);
  await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', ...PK_SK_KEY, Tags: [{ Key: OWNER_TAG_KEY, Value: stack }] }));
  const s3 = s3Client(moto.endpoint);
  const bucket = unique(what).toLowerCase();
  await createBucket(s3, bucket);
  const prefix = `${loadKeyPrefixFor(stackNameOf(stack))}seed/`;
  const per = Math.ceil(items.length / objects);
  for (let i = 0; i < objects; i++)
    await putObject(s3, bucket, `${prefix}part-${String(i).padStart(4, '0')}.json`, toDynamoDbJson(items.slice(i * per, (i + 1) * per)));
  s3.destroy();
  return { table, bucket, prefix };
}

const loadProps = (table: string, bucket: string, prefix: string, more: Record<string, unknown>) => ({
  ServiceToken: `arn:aws:lambda:${REGION}:${MOTO_ACCOUNT}:function:arc-provider`,
  ServiceTimeout: '3600',
  TableName: table,
  S3BucketSource: { Bucket: bucket, KeyPrefix: prefix },
  InputFormat: 'DYNAMODB_JSON',
  WriteMode: 'Overwrite',
  MaxRejectedRecords: '0',
  ...more,
});

/** Resolves once `check` holds (looked at every 50 ms, up to `ms`): a condition, not a guess at how long something takes. */
async function until(check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('the condition did not hold in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("Distributed: 'true' through CloudFormation's protocol: a worker killed, the execution redriven, SUCCESS once with the summed counts", async () => {
  const stack = cfn.stackId('dist-shop');
  const items = richItems(120, { seed: 17 });
  const { table, bucket, prefix } = await stage(stack, 'dc', items, 3);
  const s3 = s3Client(moto.endpoint);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  s3.destroy();
  // Three small objects make one planned batch (plan.ts): its first worker dies after loading.
  router.killNext(0);
  const created = await cfn.request(
    {
      RequestType: 'Create',
      StackId: stack,
      LogicalResourceId: 'SeedLoad',
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: loadProps(table, bucket, prefix, { Distributed: 'true' }),
    },
    180_000,
  );
  await cfn.idle(180_000);
  expect(created.body).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: `arc-dynamodb-load:${table}:SeedLoad`,
    Data: { ItemsWritten: 120, ItemsSkipped: 0, RecordsRejected: 0, ObjectsRead: 3, BytesRead: (listed.Contents ?? []).reduce((n, o) => n + o.Size!, 0) },
  });
  expect(cfn.responsesFor(created.requestId)).toHaveLength(1);
  // The first invocation only starts the execution: the answer came from a continuation.
  expect(cfn.invocations).toBeGreaterThanOrEqual(2);
  expect(cfn.logs.filter((l) => l.includes('"distributed load redriven"'))).toHaveLength(1);
  const runs = router.outcomes.map((o) => [o.batch, o.redrive, o.outcome]);
  expect(runs).toEqual([
    [0, 0, 'failed'],
    [0, 1, 'succeeded'],
  ]);
  expect((await scanAll(ddb, table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
}, 240_000);

test("CloudFormation's Delete of a cancelled Create stops its running distributed load: no batch writes, and no further batch starts", async () => {
  const stack = cfn.stackId('dist-stop');
  // 101 objects: two planned batches (100 objects each at most, plan.ts); a budget of 25 items/s gives one worker at a time.
  const items = richItems(202, { seed: 23 });
  const { table, bucket, prefix } = await stage(stack, 'ds', items, 101);
  const props = loadProps(table, bucket, prefix, { Distributed: 'true', WriteBudget: { MaxItemsPerSecond: '25' } });
  const hold = router.holdNext();
  const requestId = unique('create');
  cfn.deliver(
    cfn.event({
      RequestType: 'Create',
      RequestId: requestId,
      StackId: stack,
      LogicalResourceId: 'StopLoad',
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: props,
    }),
  );
  // The first batch's worker is on its way to Lambda, held at the router: the execution runs.
  await hold.reached;
  const executionArn = executionArnOf(machineArn, loadRunName(stack, 'StopLoad', requestId));
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

  const deleted = await cfn.request(
    {
      RequestType: 'Delete',
      StackId: stack,
      LogicalResourceId: 'StopLoad',
      PhysicalResourceId: `arc-dynamodb-load:${table}:StopLoad`,
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: props,
      StackStatus: 'ROLLBACK_IN_PROGRESS',
    },
    60_000,
  );
  expect(deleted.body.Status).toBe('SUCCESS');
  expect(cfn.logs.filter((l) => l.includes('"distributed load stopped"'))).toHaveLength(1);
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');

  // The worker already invoked still runs (Step Functions cannot stop a Lambda invocation): its lease check refuses the batch.
  hold.release();
  const runId = loadRunName(stack, 'StopLoad', requestId);
  await until(() => router.outcomes.some((o) => o.runId === runId));
  // moto's own run ends once the task it was in returns: from then on nothing of it can start another batch.
  await until(async () => (await router.motoStatus(executionArn)) !== 'RUNNING');
  await cfn.idle(120_000);
  expect(router.outcomes.filter((o) => o.runId === runId).map((o) => [o.batch, o.outcome, o.error])).toEqual([[0, 'failed', 'ArcDynamoDb.NotCurrent']]);
  expect(await scanAll(ddb, table)).toEqual([]);
  // The cancelled Create gets at most one answer, never a SUCCESS.
  expect(cfn.responsesFor(requestId).map((r) => r.body.Status)).not.toContain('SUCCESS');
  expect(cfn.responsesFor(requestId).length).toBeLessThanOrEqual(1);
}, 240_000);

test('without Distributed, a source one chain could not load at its budget within half the wait runs distributed; a small one stays in one chain', async () => {
  const stack = cfn.stackId('dist-route');
  // 25 items/s at the ~1 KB per item the threshold assumes is ~25.6 KB/s; with ServiceTimeout 900 the threshold is
  // ~450 s of that, ~11.5 MB: 200 items of 64 KB (12.8 MB) cross it, 40 small items do not.
  const big = richItems(200, { seed: 31, padBytes: 64 * 1024 });
  const small = richItems(40, { seed: 32 });
  const budget = { WriteBudget: { MaxItemsPerSecond: '25' }, ServiceTimeout: '900' };
  for (const [what, items, expected] of [
    ['dr-big', big, 'distributed'],
    ['dr-small', small, 'one-chain'],
  ] as const) {
    const { table, bucket, prefix } = await stage(stack, what, items, 3);
    const before = router.outcomes.length;
    const logsBefore = cfn.logs.length;
    const r = await cfn.request(
      {
        RequestType: 'Create',
        StackId: stack,
        LogicalResourceId: `Load${what.replace('-', '')}`,
        ResourceType: 'Custom::ArcDynamoDbLoad',
        ResourceProperties: loadProps(table, bucket, prefix, budget),
      },
      180_000,
    );
    await cfn.idle(120_000);
    expect(r.body).toMatchObject({ Status: 'SUCCESS', Data: { ItemsWritten: items.length, ObjectsRead: 3 } });
    const routed = cfn.logs.slice(logsBefore).filter((l) => l.includes('"load route"'));
    expect(routed).toHaveLength(1);
    expect(JSON.parse(routed[0]).route).toBe(expected);
    expect(router.outcomes.length > before).toBe(expected === 'distributed');
    expect((await scanAll(ddb, table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
  }
}, 300_000);
