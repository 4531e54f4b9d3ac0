/**
 * `arc-dynamodb status` and `arc-dynamodb load --stack --resource` on distributed loads (issue 17:
 * "`arc-dynamodb load` shows its progress"). The executions are real: the provider's driver
 * (provider/load/distributed/driver.ts, startRun) starts the real state machine in moto_server's
 * Step Functions executor under the name the provider gives a resource's load (contract/load-run.ts),
 * and the workers are the real bundled provider (test/support/stack-engine/lambda.ts), reached
 * through the router on moto's MOTO_PORT (test/support/sfn-router.ts), which also answers
 * ListExecutions, ListMapRuns and DescribeMapRun for the original machine. CloudFormation is the
 * local read API (test/support/cloudformation-api.ts): the stack, its processed template with the
 * ServiceToken as the macro writes it, and the resources' statuses.
 *
 * Nothing waits on the clock: a batch is held in the router until the test has seen what it looks
 * for, the machine runs one batch at a time (MaxConcurrency 1), and the CLI looks every 20 ms.
 */
import * as http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, RedriveExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { listExecutions, newestExecution } from '../../../cli/load-progress';
import { main, type CliIO } from '../../../cli/main';
import { loadRunName, loadRunPrefix } from '../../../contract/load-run';
import { dynamoStateStore, STATE_TABLE_ENV } from '../../../provider/guard/state-store';
import { startRun, type DriverDeps } from '../../../provider/load/distributed/driver';
import type { BatchObject } from '../../../provider/load/distributed/plan';
import { startCloudFormationApi, type CloudFormationApi } from '../../support/cloudformation-api';
import { richItems, toDynamoDbJson } from '../../support/load-data';
import { LOCAL_CREDENTIALS, MOTO_ACCOUNT, startMoto, type Moto } from '../../support/moto';
import { freePort } from '../../support/ports';
import { startSfnRouter, type SfnRouter } from '../../support/sfn-router';
import { startLocalLambda, type LocalLambda } from '../../support/stack-engine/lambda';
import { captureLog, createBucket, createTable, ddbClient, putObject, REGION, s3Client, unique } from '../load/helpers';

const STATE = 'provider-state';
/** The ServiceToken as the macro writes it by default (macro/expand.ts), for a provider function named arc-provider. */
const TOKEN = { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:arc-provider' };
let router: SfnRouter;
let moto: Moto;
let lambda: LocalLambda;
let sfn: SFNClient;
let cfn: CloudFormationApi;
let ddb: DynamoDBClient;
let s3: S3Client;
let machineArn: string;
const saved = { ...process.env };

beforeAll(async () => {
  router = await startSfnRouter(REGION);
  [moto, cfn] = await Promise.all([startMoto({ env: { MOTO_PORT: String(router.port) } }), startCloudFormationApi()]);
  // moto runs definitions only with this config (moto docs, "Step Functions": execute_state_machine).
  await fetch(`${moto.endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }) });
  // The workers' configuration, as the provider function's environment.
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ARC_DYNAMODB_AWS_ENDPOINT: moto.endpoint,
    [STATE_TABLE_ENV]: STATE,
  });
  lambda = await startLocalLambda({ region: REGION, accountId: MOTO_ACCOUNT, functionName: 'arc-provider', invocationMs: 300_000, retryDelayMs: 10 });
  router.route({ moto: moto.endpoint, lambda: lambda.endpoint });
  ddb = ddbClient(moto.endpoint);
  s3 = s3Client(moto.endpoint);
  await ddb.send(
    new CreateTableCommand({
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
  // template.yaml names the machine <ProviderFunctionName>-load.
  machineArn = (
    await sfn.send(new CreateStateMachineCommand({ name: 'arc-provider-load', definition, roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/arc-provider-load` }))
  ).stateMachineArn!;
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  ddb?.destroy();
  sfn?.destroy();
  await lambda?.stop();
  await moto?.stop();
  await cfn?.stop();
  await router?.stop();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

/** A stack in the local CloudFormation API whose processed template has these load resources (ServiceToken: TOKEN unless given). */
function stack(loads: Record<string, unknown>, extra: Record<string, unknown> = {}): { stackId: string; name: string } {
  const name = unique('shop');
  const stackId = `arn:aws:cloudformation:${REGION}:${MOTO_ACCOUNT}:stack/${name}/${randomUUID()}`;
  cfn.stack(stackId, 'CREATE_IN_PROGRESS');
  const resources: Record<string, unknown> = { ...extra };
  for (const [id, token] of Object.entries(loads)) {
    resources[id] = { Type: 'Custom::ArcDynamoDbLoad', Properties: { ServiceToken: token, TableName: 'orders' } };
    cfn.setResource(stackId, { logicalId: id, resourceType: 'Custom::ArcDynamoDbLoad', status: 'CREATE_IN_PROGRESS' });
  }
  cfn.setTemplate(stackId, { Resources: resources });
  return { stackId, name };
}

/**
 * A distributed load of `batches` one-object batches for the resource, started as the provider
 * starts one (startRun, named loadRunName of the stack, logical ID and request), one batch at a time.
 */
async function startLoad(stackId: string, logicalId: string, batches: number) {
  const bucket = unique('lp').toLowerCase();
  const table = unique('lp');
  await createBucket(s3, bucket);
  await createTable(ddb, table);
  const items = richItems(batches * 5);
  for (let i = 0; i < batches; i++) await putObject(s3, bucket, `arc-dynamodb/shop/part-${i}.json`, toDynamoDbJson(items.slice(i * 5, (i + 1) * 5)));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'arc-dynamodb/shop/' }));
  const objects: BatchObject[] = (listed.Contents ?? []).map((o) => [o.Key!, o.Size!, o.ETag!]);
  const request = unique('req');
  const deps: DriverDeps = {
    s3,
    sfn,
    dynamodb: ddb,
    stateTable: STATE,
    stateMachineArn: machineArn,
    signingKey: () => dynamoStateStore(ddb, STATE).signingKey(),
    log: captureLog(),
  };
  const spec = {
    runId: loadRunName(stackId, logicalId, request),
    table,
    bucket,
    prefix: 'arc-dynamodb/shop/',
    format: 'DYNAMODB_JSON' as const,
    compression: 'NONE' as const,
    csv: { delimiter: ',' },
    writeMode: 'Overwrite' as const,
    maxRejectedRecords: 0,
    expiresAt: Date.now() + 600_000,
    lease: { stackId, logicalId, request },
  };
  // The workers load only while the run's operation holds the resource's lease (worker.ts), as the protocol holds it while it waits.
  const st = dynamoStateStore(ddb, STATE);
  const lease = { request, chain: 'c', state: 'running' as const, expires: 0, deleting: false, ids: [], propsOf: {}, answered: [] };
  expect(await st.writeLease(stackId, logicalId, lease, (await st.readLease(stackId, logicalId))?.version)).toBe(true);
  const started = await startRun({ spec, objects, workers: 1, maxObjects: 1 }, deps);
  expect(started.batches).toBe(batches);
  return { executionArn: started.executionArn, name: spec.runId };
}

/** The CLI in-process; `stderrSoFar` and `stderrShows` let the test act on what it printed so far. */
function cli(args: string[], endpoints: { sfn?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const stream = (sink: string[], watch: boolean) => {
    const s = new PassThrough();
    s.on('data', (d) => {
      sink.push(String(d));
      if (!watch) return;
      for (const w of waiters.splice(0))
        if (w.re.test(sink.join(''))) w.resolve();
        else waiters.push(w);
    });
    return s;
  };
  const io: CliIO = {
    stdout: stream(out, false),
    stderr: stream(err, true),
    cwd: process.cwd(),
    env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', ARC_DYNAMODB_POLL_MS: '20' },
  };
  const all = [...args, '--cloudformation-endpoint', cfn.endpoint, '--stepfunctions-endpoint', endpoints.sfn ?? router.endpoint];
  const done = main(all, io).then((code) => ({ code, stdout: out.join(''), stderr: err.join('') }));
  return {
    done,
    stderrShows: (re: RegExp) =>
      new Promise<void>((resolve) => {
        if (re.test(err.join(''))) resolve();
        else waiters.push({ re, resolve });
      }),
  };
}

const status = (name: string, endpoints: { sfn?: string } = {}) => cli(['status', '--stack', name], endpoints).done;
const follow = (name: string, resource: string) => cli(['load', '--stack', name, '--resource', resource]);

test('status shows a running distributed load batch by batch; load --stack --resource follows it to SUCCEEDED (exit 0)', async () => {
  const s = stack({ SeedLoad: TOKEN, OtherLoad: TOKEN });
  // Batch 1 waits in the router: batch 0 has succeeded, batch 1 runs, batch 2 has not started.
  const hold = router.holdNext(1);
  const run = await startLoad(s.stackId, 'SeedLoad', 3);
  expect(run.name.startsWith(loadRunPrefix(s.stackId, 'SeedLoad'))).toBe(true);
  await hold.reached;
  const shown = await status(s.name);
  expect(shown.code).toBe(0);
  expect(shown.stderr).toBe('');
  expect(shown.stdout).toMatch(
    new RegExp(
      `^${s.name}: CREATE_IN_PROGRESS\\n` +
        '  SeedLoad Custom::ArcDynamoDbLoad: CREATE_IN_PROGRESS\\n' +
        `    distributed load ${run.name} \\(started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\): RUNNING, 1/3 batches succeeded, 1 running, 1 pending, 0 failed\\n` +
        // A load with no execution shows nothing more.
        '  OtherLoad Custom::ArcDynamoDbLoad: CREATE_IN_PROGRESS\\n$',
    ),
  );

  const f = follow(s.name, 'SeedLoad');
  await f.stderrShows(/RUNNING, 1\/3 batches succeeded, 1 running, 1 pending, 0 failed\n/);
  hold.release();
  const r = await f.done;
  expect(r.code).toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(new RegExp(`^following ${run.name}, started \\d{4}-`));
  // One line per look, until the last one: SUCCEEDED, every batch.
  expect(lines.slice(1).every((l) => /^(RUNNING|SUCCEEDED), \d\/3 batches succeeded, \d running, \d pending, 0 failed$/.test(l))).toBe(true);
  expect(lines[lines.length - 1]).toBe('SUCCEEDED, 3/3 batches succeeded, 0 running, 0 pending, 0 failed');
  expect(r.stdout).toBe('SeedLoad: SUCCEEDED, 3/3 batches succeeded, 0 running, 0 pending, 0 failed\n');
}, 180_000);

test('a FAILED load: its error and exit 1; redriven, the same execution is followed to SUCCEEDED with every batch counted', async () => {
  const s = stack({ SeedLoad: TOKEN });
  // An earlier load of the same resource: the newest start is the one followed.
  const older = await startLoad(s.stackId, 'SeedLoad', 1);
  expect((await follow(s.name, 'SeedLoad').done).code).toBe(0);
  router.killNext(1);
  const run = await startLoad(s.stackId, 'SeedLoad', 3);
  expect(run.name).not.toBe(older.name);
  // Page by page (one execution a page here), newest first: both of the resource's executions, the newer one the answer.
  const listed = await listExecutions(sfn, machineArn, 1);
  const mine = listed.filter((e) => e.name?.startsWith(loadRunPrefix(s.stackId, 'SeedLoad'))).map((e) => e.name);
  expect(mine).toEqual([run.name, older.name]);
  expect(newestExecution(listed, loadRunPrefix(s.stackId, 'SeedLoad'))?.name).toBe(run.name);

  // The provider gave up (its answer was FAILED): CloudFormation no longer waits, so following stops at the failure.
  cfn.setResource(s.stackId, { logicalId: 'SeedLoad', resourceType: 'Custom::ArcDynamoDbLoad', status: 'CREATE_FAILED' });
  const failed = await follow(s.name, 'SeedLoad').done;
  expect(failed.code).toBe(1);
  expect(failed.stdout).toBe('');
  const started = new RegExp(`^following ${run.name}, started (\\S+)\n`).exec(failed.stderr)?.[1];
  expect(started).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  expect(failed.stderr).toContain(
    'arc-dynamodb load: SeedLoad: its distributed load FAILED, 2/3 batches succeeded, 0 running, 0 pending, 1 failed: ' +
      'States.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded\n' +
      'CloudFormation no longer waits for it, so the provider redrives it no more; Step Functions could still redrive it (RedriveExecution).\n',
  );
  expect((await status(s.name)).stdout).toMatch(
    new RegExp(`\\n    distributed load ${run.name} \\(started ${started}\\): FAILED, 2/3 batches succeeded, 0 running, 0 pending, 1 failed\\n$`),
  );

  // While CloudFormation still waits, a FAILED execution is followed on: the provider redrives it (here the test does).
  cfn.setResource(s.stackId, { logicalId: 'SeedLoad', resourceType: 'Custom::ArcDynamoDbLoad', status: 'CREATE_IN_PROGRESS' });
  const through = follow(s.name, 'SeedLoad');
  await through.stderrShows(/FAILED, 2\/3 batches succeeded, 0 running, 0 pending, 1 failed\n/);
  // The redrive re-runs batch 1 only; while it runs, the two that succeeded stay counted and the failure is reset.
  // It is the same execution: the same name and start.
  const hold = router.holdNext(1);
  await sfn.send(new RedriveExecutionCommand({ executionArn: run.executionArn }));
  await hold.reached;
  expect((await status(s.name)).stdout).toMatch(
    new RegExp(`distributed load ${run.name} \\(started ${started}\\): RUNNING, 2/3 batches succeeded, 1 running, 0 pending, 0 failed, redriven 1 time\\n$`),
  );
  const f = follow(s.name, 'SeedLoad');
  await f.stderrShows(/RUNNING, 2\/3 batches succeeded, 1 running, 0 pending, 0 failed, redriven 1 time\n/);
  hold.release();
  for (const r of [await f.done, await through.done]) {
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('SeedLoad: SUCCEEDED, 3/3 batches succeeded, 0 running, 0 pending, 0 failed, redriven 1 time\n');
  }
}, 180_000);

test('no distributed load, no state machine, no access, no such resource: a note in status, a clear exit 1 in load', async () => {
  const s = stack(
    { SeedLoad: TOKEN, ElsewhereLoad: 'arn:aws:lambda:us-east-1:123456789012:function:other-provider' },
    { Orders: { Type: 'AWS::DynamoDB::Table', Properties: {} } },
  );
  const shown = await status(s.name);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toBe(
    `${s.name}: CREATE_IN_PROGRESS\n` +
      '  SeedLoad Custom::ArcDynamoDbLoad: CREATE_IN_PROGRESS\n' +
      '  ElsewhereLoad Custom::ArcDynamoDbLoad: CREATE_IN_PROGRESS\n' +
      '    distributed load: no state machine other-provider-load: its provider runs no distributed loads (deployed without LoadBucketNames)\n',
  );
  const none = await follow(s.name, 'SeedLoad').done;
  expect(none).toMatchObject({ code: 1, stdout: '' });
  expect(none.stderr).toBe(
    'arc-dynamodb load: SeedLoad has no distributed load: state machine arc-provider-load has no execution of it ' +
      '(a load that runs in one chain, with Distributed: false or a small source, has none)\n',
  );
  const elsewhere = await follow(s.name, 'ElsewhereLoad').done;
  expect(elsewhere.stderr).toBe(
    'arc-dynamodb load: ElsewhereLoad: no state machine other-provider-load: its provider runs no distributed loads (deployed without LoadBucketNames)\n',
  );
  const table = await follow(s.name, 'Orders').done;
  expect(table.stderr).toBe(
    `arc-dynamodb load: Orders of stack ${s.name} is of type AWS::DynamoDB::Table, not Custom::ArcDynamoDbLoad (its loads: SeedLoad, ElsewhereLoad)\n`,
  );
  expect((await follow('no-such-stack', 'SeedLoad').done).stderr).toMatch(/^arc-dynamodb load: .*no-such-stack.* does not exist\n$/);

  // A Step Functions that refuses the caller, as AWS answers (awsJson1_0 error, x-amzn-errortype): a note, and the rest of the status.
  const port = await freePort();
  const denied = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ __type: 'AccessDeniedException', message: 'User is not authorized to perform: states:ListExecutions' });
      res.writeHead(400, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-errortype': 'AccessDeniedException',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  await new Promise<void>((r) => denied.listen(port, '127.0.0.1', () => r()));
  try {
    const refused = await status(s.name, { sfn: `http://127.0.0.1:${port}` });
    expect(refused.code).toBe(0);
    const note =
      '    distributed load: cannot read Step Functions: access denied (needs states:ListExecutions, states:DescribeExecution, ' +
      'states:ListMapRuns, states:DescribeMapRun)\n';
    expect(refused.stdout).toBe(
      `${s.name}: CREATE_IN_PROGRESS\n  SeedLoad Custom::ArcDynamoDbLoad: CREATE_IN_PROGRESS\n${note}` +
        `  ElsewhereLoad Custom::ArcDynamoDbLoad: CREATE_IN_PROGRESS\n${note}`,
    );
  } finally {
    await new Promise((r) => denied.close(() => r(undefined)));
  }
}, 120_000);
