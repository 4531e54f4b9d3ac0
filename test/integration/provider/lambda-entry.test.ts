/**
 * The Lambda entry point as deployed: the esbuild bundle of provider/handler.ts, configured only
 * by environment variables (endpoint overrides, the local ResponseURL prefix), continuing long
 * work through a real @aws-sdk/client-lambda asynchronous self-invoke against a local stand-in
 * for the Lambda Invoke API.
 */
import * as http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { build } from 'esbuild';
import { freePort } from '../../support/ports';
import { leakedSecrets } from '../../support/cfn-harness';
import { HOME, createHomeTable, footprint, replicasProps, startWorld, uniqueName, type World } from './world';

type Handler = (event: unknown, context: { awsRequestId: string; invokedFunctionArn: string; getRemainingTimeInMillis(): number }) => Promise<void>;

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider';
const ENV_KEYS = [
  'ARC_DYNAMODB_AWS_ENDPOINT',
  'ARC_DYNAMODB_ENDPOINT_LAMBDA',
  'ARC_DYNAMODB_ENDPOINT_CLOUDFORMATION',
  'ARC_DYNAMODB_STATE_TABLE',
  'ARC_DYNAMODB_ALLOW_RESPONSE_URL_PREFIX',
  'AWS_REGION',
];

let w: World;
let lambdaApi: http.Server;
let handler: Handler;
const saved: Record<string, string | undefined> = {};
const selfInvokes: { invocationType: string | undefined; path: string }[] = [];
const logs: string[] = [];
let pending = 0;

function invoke(payload: unknown) {
  pending++;
  const deadline = Date.now() + 25_000;
  void handler(payload, { awsRequestId: randomUUID(), invokedFunctionArn: ARN, getRemainingTimeInMillis: () => deadline - Date.now() }).finally(
    () => pending--,
  );
}

beforeAll(async () => {
  w = await startWorld({ replicaDelayMs: 6000 });
  const dir = mkdtempSync(join(tmpdir(), 'arc-provider-bundle-'));
  await build({
    entryPoints: [join(__dirname, '../../../provider/handler.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: join(dir, 'index.js'),
    logLevel: 'error',
  });
  const port = await freePort();
  lambdaApi = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      selfInvokes.push({ invocationType: req.headers['x-amz-invocation-type'] as string | undefined, path: decodeURIComponent(String(req.url)) });
      res.writeHead(202);
      res.end();
      invoke(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    });
  });
  await new Promise<void>((r) => lambdaApi.listen(port, '127.0.0.1', () => r()));
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  process.env.AWS_REGION = HOME;
  process.env.ARC_DYNAMODB_AWS_ENDPOINT = w.sim.endpoint;
  process.env.ARC_DYNAMODB_ENDPOINT_LAMBDA = `http://127.0.0.1:${port}`;
  process.env.ARC_DYNAMODB_ALLOW_RESPONSE_URL_PREFIX = w.cfn.responsePrefix;
  process.env.ARC_DYNAMODB_ENDPOINT_CLOUDFORMATION = w.cfn.cloudformation.endpoint;
  process.env.ARC_DYNAMODB_STATE_TABLE = w.cfn.stateTable;
  // The bundle logs to stdout, as Lambda expects; capture it for the log scan.
  const write = process.stdout.write.bind(process.stdout);
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"level"')) {
      logs.push(text);
      return true;
    }
    return write(chunk as string, ...(rest as []));
  });
  handler = (require(join(dir, 'index.js')) as { handler: Handler }).handler;
});

afterAll(async () => {
  jest.restoreAllMocks();
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  expect(leakedSecrets(logs, w.cfn.secrets)).toEqual([]);
  await new Promise((r) => lambdaApi.close(r));
  await w?.stop();
});

it('the bundled handler reconciles through env-configured endpoints and continues by self-invoking', async () => {
  const stack = w.cfn.stackId('bundle');
  const name = uniqueName('bundle');
  await createHomeTable(w.sim, name, { ownerStackId: stack });
  const ev = w.cfn.event({
    RequestType: 'Create',
    StackId: stack,
    LogicalResourceId: 'TableReplicas',
    ResourceProperties: replicasProps(name, [{ RegionName: 'eu-west-1' }]),
  });
  w.cfn.cloudformation.setResource(stack, { logicalId: 'TableReplicas', resourceType: 'Custom::ArcDynamoDbReplicas', status: 'CREATE_IN_PROGRESS' });
  invoke(ev);
  const r = await w.cfn.waitForResponse(String(ev.RequestId), 90_000);
  const until = Date.now() + 10_000;
  while (pending > 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));

  expect(r.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `arc-dynamodb:replicas:${name}` });
  expect(w.cfn.responsesFor(String(ev.RequestId))).toHaveLength(1);
  // 6 s of replica creation against 5 s of work per invocation (25 s minus the 20 s margin).
  expect(selfInvokes.length).toBeGreaterThanOrEqual(1);
  expect(selfInvokes.every((s) => s.invocationType === 'Event' && s.path === `/2015-03-31/functions/${ARN}/invocations`)).toBe(true);
  expect(await footprint(w.sim, name)).toEqual({ [HOME]: true, 'eu-west-1': true, 'ap-southeast-2': false, 'ca-central-1': false });
  expect(logs.some((l) => l.includes('"continuing in a new invocation"'))).toBe(true);
});
