/**
 * A distributed load end to end through the provider's protocol (test/support/cfn-harness.ts:
 * CloudFormation's events, async invocations with deadlines, continuations, one response PUT):
 * `Distributed: 'true'` as CloudFormation sends it starts the real state machine in moto_server's
 * Step Functions executor, whose workers are the real bundled provider (through the router on
 * MOTO_PORT, test/support/sfn-router.ts). A worker is killed, the continuations redrive the
 * execution, and CloudFormation gets SUCCESS once, with the summed counts as Fn::GetAtt data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
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

test("Distributed: 'true' through CloudFormation's protocol: a worker killed, the execution redriven, SUCCESS once with the summed counts", async () => {
  const stack = cfn.stackId('dist-shop');
  const table = unique('dc');
  await ddb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      ...PK_SK_KEY,
      Tags: [{ Key: OWNER_TAG_KEY, Value: stack }],
    }),
  );
  const s3 = s3Client(moto.endpoint);
  const bucket = unique('dc').toLowerCase();
  await createBucket(s3, bucket);
  const prefix = `${loadKeyPrefixFor(stackNameOf(stack))}seed/`;
  const items = richItems(120, { seed: 17 });
  for (let i = 0; i < 3; i++) await putObject(s3, bucket, `${prefix}part-${i}.json`, toDynamoDbJson(items.slice(i * 40, (i + 1) * 40)));
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
      ResourceProperties: {
        ServiceToken: `arn:aws:lambda:${REGION}:${MOTO_ACCOUNT}:function:arc-provider`,
        ServiceTimeout: '3600',
        TableName: table,
        S3BucketSource: { Bucket: bucket, KeyPrefix: prefix },
        InputFormat: 'DYNAMODB_JSON',
        WriteMode: 'Overwrite',
        MaxRejectedRecords: '0',
        Distributed: 'true',
      },
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
