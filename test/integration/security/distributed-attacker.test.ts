/**
 * A distributed load whose stack operation ended without a later request for the resource.
 * CloudFormation cancels a Create when another resource fails; with rollback disabled
 * (`--disable-rollback`, OnFailure DO_NOTHING) the stack stays CREATE_FAILED and no Delete comes.
 * The provider's chain notices at its next hop (authenticate.ts: the resource is no longer
 * CREATE_IN_PROGRESS); staying silent alone would leave the lease `running` for the cancelled
 * request, and every batch would pass the worker's lease check (worker.ts stillCurrent) until the
 * run expires (up to 12 hours on the long-operation path). So the refused chain ends its lease
 * (guard/index.ts), and the workers write nothing more. (Found by an adversarial review.)
 * Harness as test/integration/load/distributed-cfn.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { loadRunName } from '../../../contract/load-run';
import { loadKeyPrefixFor, OWNER_TAG_KEY, stackNameOf } from '../../../contract/resources';
import { STATE_TABLE_ENV } from '../../../provider/guard/state-store';
import { executionArnOf } from '../../../provider/load/distributed/driver';
import { loadHandler } from '../../../provider/load/handler';
import type { ResourceHandler } from '../../../provider/types';
import { startCfnHarness, type CfnHarness } from '../../support/cfn-harness';
import { richItems, toDynamoDbJson, PK_SK_KEY } from '../../support/load-data';
import { LOCAL_CREDENTIALS, MOTO_ACCOUNT, startMoto, type Moto } from '../../support/moto';
import { startSfnRouter, type SfnRouter } from '../../support/sfn-router';
import { startLocalLambda, type LocalLambda } from '../../support/stack-engine/lambda';
import { createBucket, ddbClient, putObject, REGION, s3Client, scanAll, unique } from '../load/helpers';

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
    distributed: { sfn, stateMachineArn: machineArn },
  });
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

async function until(check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('the condition did not hold in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a Create that CloudFormation cancelled with rollback disabled (CREATE_FAILED, no Delete): its distributed load writes nothing more', async () => {
  const stack = cfn.stackId('dist-norollback');
  const table = unique('nr');
  await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', ...PK_SK_KEY, Tags: [{ Key: OWNER_TAG_KEY, Value: stack }] }));
  const s3 = s3Client(moto.endpoint);
  const bucket = unique('nr').toLowerCase();
  await createBucket(s3, bucket);
  const prefix = `${loadKeyPrefixFor(stackNameOf(stack))}seed/`;
  // 101 objects of 2 items: two planned batches; 25 items/s gives one worker at a time.
  const items = richItems(202, { seed: 41 });
  for (let i = 0; i < 101; i++) await putObject(s3, bucket, `${prefix}part-${String(i).padStart(4, '0')}.json`, toDynamoDbJson(items.slice(i * 2, i * 2 + 2)));
  s3.destroy();
  const props = {
    ServiceToken: `arn:aws:lambda:${REGION}:${MOTO_ACCOUNT}:function:arc-provider`,
    ServiceTimeout: '3600',
    TableName: table,
    S3BucketSource: { Bucket: bucket, KeyPrefix: prefix },
    InputFormat: 'DYNAMODB_JSON',
    WriteMode: 'Overwrite',
    MaxRejectedRecords: '0',
    Distributed: 'true',
    WriteBudget: { MaxItemsPerSecond: '25' },
  };
  const hold = router.holdNext();
  const requestId = unique('create');
  cfn.deliver(
    cfn.event({
      RequestType: 'Create',
      RequestId: requestId,
      StackId: stack,
      LogicalResourceId: 'NoRollbackLoad',
      ResourceType: 'Custom::ArcDynamoDbLoad',
      ResourceProperties: props,
    }),
  );
  await hold.reached;
  const runId = loadRunName(stack, 'NoRollbackLoad', requestId);

  // Another resource failed: CloudFormation cancels this Create ("Resource creation cancelled") and, with rollback
  // disabled, the stack stays CREATE_FAILED. No Delete, no further request for the resource.
  cfn.cloudformation.setResource(stack, { logicalId: 'NoRollbackLoad', resourceType: 'Custom::ArcDynamoDbLoad', status: 'CREATE_FAILED' });
  cfn.cloudformation.setStackStatus(stack, 'CREATE_FAILED');
  // The chain sees it at its next hop and stops.
  await until(() => cfn.logs.some((l) => l.includes('"ignored"')), 60_000);
  await cfn.idle(60_000);

  hold.release();
  await until(() => router.outcomes.some((o) => o.runId === runId), 90_000);
  await until(async () => (await router.motoStatus(executionArnOf(machineArn, runId))) !== 'RUNNING', 90_000);
  const outcomes = router.outcomes.filter((o) => o.runId === runId).map((o) => [o.batch, o.outcome, o.error ?? '']);
  const written = (await scanAll(ddb, table)).length;
  // What the provider promises once CloudFormation stopped waiting: no batch writes (at most the rest of one object).
  // (The held worker had not reached Lambda yet, so not even part of an object.) The chain ended the lease when it was
  // refused, so every batch the execution still starts is refused; on AWS the first refusal fails the Map Run
  // (ToleratedFailurePercentage 0), moto runs on, so batch 1 may be refused too.
  expect(written).toBe(0);
  expect(outcomes[0]).toEqual([0, 'failed', 'ArcDynamoDb.NotCurrent']);
  expect(outcomes.every((o) => o[1] === 'failed' && o[2] === 'ArcDynamoDb.NotCurrent')).toBe(true);
  expect(cfn.logs.some((l) => l.includes('CloudFormation no longer waits for this operation: its lease ends'))).toBe(true);
}, 300_000);
