/**
 * AWS::CloudFormation::WaitConditionHandle and WaitCondition in the stack engine: the test itself
 * PUTs signals to the handle URL, as a background job (or the provider) would. Every timeout is
 * forced (engine.forceTimeout), so nothing here depends on how fast the machine is.
 */
import * as http from 'node:http';
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { startStackEngine, type StackEngine, type Template } from '../../support/stack-engine';
import { LOCAL_CREDENTIALS } from '../../support/moto';
import { waitFor } from '../../support/ports';
import { at, HOME, unique } from './arc';

let engine: StackEngine;
let cfn: CloudFormationClient;

beforeAll(async () => {
  // 3600 s of Timeout = 72 s of engine time: far more than a test needs to signal.
  engine = await startStackEngine({ serviceTimeoutScaleMs: 20 });
  cfn = new CloudFormationClient({ region: HOME, endpoint: engine.cfnApi.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}, 120_000);

afterAll(async () => {
  cfn?.destroy();
  await engine?.stop();
});

/** A handle and a condition waiting on it (Count default 1), with the condition's Data as an output. */
function pair(opts: { handle?: string; condition?: string; timeout?: string; count?: number } = {}): Template {
  const handle = opts.handle ?? 'Handle';
  const condition = opts.condition ?? 'Condition';
  return {
    Resources: {
      [handle]: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
      [condition]: {
        Type: 'AWS::CloudFormation::WaitCondition',
        Properties: { Handle: { Ref: handle }, Timeout: opts.timeout ?? '3600', ...(opts.count !== undefined ? { Count: opts.count } : {}) },
      },
    },
    Outputs: { Data: { Value: { 'Fn::GetAtt': [condition, 'Data'] } } },
  };
}

/** An HTTP request to a handle URL; no Content-Type unless given. Resolves with the status code. */
function put(url: string, body: unknown, headers: Record<string, string> = {}, method = 'PUT'): Promise<number> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'content-length': String(Buffer.byteLength(text)), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const success = (uniqueId: string, data = `${uniqueId} done`) => ({ Status: 'SUCCESS', Reason: 'ok', UniqueId: uniqueId, Data: data });

/** Resolves once the resource is CREATE_IN_PROGRESS on the CloudFormation API (the engine waits on it). */
async function inProgress(stackName: string, logicalId: string): Promise<void> {
  await waitFor(
    async () => {
      const s = engine.stack(stackName);
      return s !== undefined && engine.cfnApi.resource(s.stackId, logicalId)?.status === 'CREATE_IN_PROGRESS';
    },
    30_000,
    `${logicalId} of ${stackName} CREATE_IN_PROGRESS`,
  );
}

const urlOf = (stackName: string, logicalId: string) => engine.stack(stackName)?.resources.get(logicalId)?.physicalId as string;
const describe = async (stackId: string, logicalId: string) =>
  (await cfn.send(new DescribeStackResourceCommand({ StackName: stackId, LogicalResourceId: logicalId }))).StackResourceDetail;

it('waits CREATE_IN_PROGRESS for a SUCCESS signal, then completes; Data is UniqueId -> Data; a signal with a Content-Type is refused', async () => {
  const stack = unique('wait-ok');
  const deploying = engine.deploy(stack, pair());
  await inProgress(stack, 'Condition');
  const s = engine.stack(stack)!;
  const url = urlOf(stack, 'Handle');
  // The provider may PUT only under the response prefix; the path mimics S3's <stack ARN>/<handle> key.
  expect(url.startsWith(String(process.env.ARC_DYNAMODB_ALLOW_RESPONSE_URL_PREFIX))).toBe(true);
  const parsed = new URL(url);
  expect(parsed.pathname).toBe(`/wait/${encodeURIComponent(`${s.stackId}/Handle`)}`);
  expect([...parsed.searchParams.keys()].sort()).toEqual(['AWSAccessKeyId', 'Expires', 'Signature']);
  expect(await describe(s.stackId, 'Handle')).toMatchObject({ ResourceStatus: 'CREATE_COMPLETE', PhysicalResourceId: url });
  expect(await describe(s.stackId, 'Condition')).toMatchObject({ ResourceStatus: 'CREATE_IN_PROGRESS' });

  // A Content-Type (or another verb) breaks the pre-signed signature: S3 answers 403, nothing is stored.
  expect(await put(url, success('typed'), { 'content-type': 'application/json' })).toBe(403);
  expect(await put(url, success('posted'), {}, 'POST')).toBe(403);
  expect(await describe(s.stackId, 'Condition')).toMatchObject({ ResourceStatus: 'CREATE_IN_PROGRESS' });
  expect(await put(url, success('job-1', 'table ACTIVE'), { 'content-type': '' })).toBe(200);

  const r = await deploying;
  expect(r.status).toBe('CREATE_COMPLETE');
  expect(JSON.parse(String(r.outputs.Data))).toEqual({ 'job-1': 'table ACTIVE' });
  expect(await describe(s.stackId, 'Condition')).toMatchObject({ ResourceStatus: 'CREATE_COMPLETE', PhysicalResourceId: `${s.stackId}/Handle` });
  expect(r.events.filter((e) => e.logicalId === 'Condition').map((e) => e.status)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
  expect(engine.signals.filter((x) => x.stackId === s.stackId).map((x) => [x.method, x.httpStatus, x.outcome])).toEqual([
    ['PUT', 403, 'rejected'],
    ['POST', 403, 'rejected'],
    ['PUT', 200, 'stored'],
  ]);
  expect(engine.signals.at(-1)).toMatchObject({ handleLogicalId: 'Handle', url, body: success('job-1', 'table ACTIVE') });
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('fails at once on a FAILURE signal with its reason and rolls the create back; the deleted handle no longer counts', async () => {
  const stack = unique('wait-fail');
  const deploying = engine.deploy(stack, pair({ count: 2 }));
  await inProgress(stack, 'Condition');
  const url = urlOf(stack, 'Handle');
  expect(await put(url, success('one'))).toBe(200);
  expect(await put(url, { Status: 'FAILURE', Reason: 'index backfill failed', UniqueId: 'two', Data: '' })).toBe(200);
  const r = await deploying;
  expect(r.status).toBe('ROLLBACK_COMPLETE');
  expect(r.reason).toBe("WaitCondition received failed message: 'index backfill failed' for uniqueId: two");
  expect(r.events.map((e) => `${e.logicalId} ${e.status}`)).toEqual([
    `${stack} CREATE_IN_PROGRESS`,
    'Handle CREATE_IN_PROGRESS',
    'Handle CREATE_COMPLETE',
    'Condition CREATE_IN_PROGRESS',
    'Condition CREATE_FAILED',
    `${stack} ROLLBACK_IN_PROGRESS`,
    'Condition DELETE_IN_PROGRESS',
    'Condition DELETE_COMPLETE',
    'Handle DELETE_IN_PROGRESS',
    'Handle DELETE_COMPLETE',
    `${stack} ROLLBACK_COMPLETE`,
  ]);
  // The pre-signed URL still takes a PUT (S3), but nothing reads it any more.
  expect(await put(url, success('late'))).toBe(200);
  expect(engine.signals.at(-1)?.outcome).toBe('orphaned');
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('times out (forced) with the count it received, and rolls back; an unparsable signal fails the condition', async () => {
  const stack = unique('wait-timeout');
  const deploying = engine.deploy(stack, pair({ count: 2 }));
  await inProgress(stack, 'Condition');
  expect(await put(urlOf(stack, 'Handle'), success('only-one'))).toBe(200);
  expect(engine.forceTimeout(stack, 'Condition')).toBe(1);
  const r = await deploying;
  expect(r.status).toBe('ROLLBACK_COMPLETE');
  expect(r.reason).toBe('WaitCondition timed out. Received 1 conditions when expecting 2');
  expect(engine.forceTimeout(stack, 'Condition')).toBe(0);
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');

  const garbled = unique('wait-garbled');
  const deploying2 = engine.deploy(garbled, pair());
  await inProgress(garbled, 'Condition');
  expect(await put(urlOf(garbled, 'Handle'), 'SUCCESS please')).toBe(200);
  const r2 = await deploying2;
  expect(r2).toMatchObject({ status: 'ROLLBACK_COMPLETE', reason: 'Unparsable WaitCondition data' });
  expect(engine.signals.at(-1)).toMatchObject({ outcome: 'unparsable', body: 'SUCCESS please' });
  expect((await engine.deleteStack(garbled)).status).toBe('DELETE_COMPLETE');
});

it('counts a signal sent to the handle before the condition started waiting', async () => {
  const stack = unique('wait-early');
  // Gate waits on its own handle; Condition starts only after Gate, Handle exists before Gate.
  const template: Template = {
    Resources: {
      Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
      GateHandle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
      Gate: { Type: 'AWS::CloudFormation::WaitCondition', DependsOn: 'Handle', Properties: { Handle: { Ref: 'GateHandle' }, Timeout: '3600' } },
      Condition: { Type: 'AWS::CloudFormation::WaitCondition', DependsOn: 'Gate', Properties: { Handle: { Ref: 'Handle' }, Timeout: '3600' } },
    },
    Outputs: { Data: { Value: { 'Fn::GetAtt': ['Condition', 'Data'] } } },
  };
  const deploying = engine.deploy(stack, template);
  await inProgress(stack, 'Gate');
  const s = engine.stack(stack)!;
  expect(await put(urlOf(stack, 'Handle'), success('early', 'sent before the wait'))).toBe(200);
  expect(engine.cfnApi.resource(s.stackId, 'Condition')).toBeUndefined(); // not started yet
  expect(await put(urlOf(stack, 'GateHandle'), success('gate'))).toBe(200);
  const r = await deploying;
  expect(r.status).toBe('CREATE_COMPLETE');
  expect(JSON.parse(String(r.outputs.Data))).toEqual({ early: 'sent before the wait' });
  expect(at(r.events, 'Gate', 'CREATE_COMPLETE')).toBeLessThan(at(r.events, 'Condition', 'CREATE_IN_PROGRESS'));
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('needs Count SUCCESS signals with distinct UniqueIds; a repeated UniqueId is a retransmission and is ignored', async () => {
  const stack = unique('wait-count');
  const deploying = engine.deploy(stack, pair({ count: 2 }));
  await inProgress(stack, 'Condition');
  const s = engine.stack(stack)!;
  const url = urlOf(stack, 'Handle');
  expect(await put(url, success('a', 'first'))).toBe(200);
  expect(await put(url, success('a', 'again'))).toBe(200);
  // Had the retransmission counted, the condition would be complete well within this pause.
  await new Promise((r) => setTimeout(r, 100));
  expect(engine.cfnApi.resource(s.stackId, 'Condition')?.status).toBe('CREATE_IN_PROGRESS');
  expect(await put(url, success('b', 'second'))).toBe(200);
  const r = await deploying;
  expect(r.status).toBe('CREATE_COMPLETE');
  expect(JSON.parse(String(r.outputs.Data))).toEqual({ a: 'first', b: 'second' });
  expect(engine.signals.filter((x) => x.stackId === s.stackId).map((x) => x.outcome)).toEqual(['stored', 'retransmission', 'stored']);

  // Updates aren't supported: a changed Timeout fails the update, which rolls back.
  const r2 = await engine.deploy(stack, pair({ count: 2, timeout: '1800' }));
  expect(r2.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(r2.reason).toBe("Updates aren't supported.");
  expect(r2.events.find((e) => e.logicalId === 'Condition' && e.status === 'UPDATE_FAILED')?.reason).toBe("Updates aren't supported.");
  expect(engine.stack(stack)?.resources.get('Condition')).toMatchObject({ physicalId: `${s.stackId}/Handle`, properties: { Timeout: '3600' } });
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('replaces the pair under new logical IDs (as a macro does per operation) and deletes the old pair in cleanup', async () => {
  const stack = unique('wait-replace');
  const v1 = pair({ handle: 'WaitHandleA1B2', condition: 'WaitA1B2' });
  const v2 = pair({ handle: 'WaitHandleC3D4', condition: 'WaitC3D4' });
  const first = engine.deploy(stack, v1);
  await inProgress(stack, 'WaitA1B2');
  const oldUrl = urlOf(stack, 'WaitHandleA1B2');
  expect(await put(oldUrl, success('v1'))).toBe(200);
  expect((await first).status).toBe('CREATE_COMPLETE');

  const second = engine.deploy(stack, v2);
  await inProgress(stack, 'WaitC3D4');
  const s = engine.stack(stack)!;
  // The old signal is on the old handle only: the new condition waits for its own.
  expect(engine.cfnApi.resource(s.stackId, 'WaitC3D4')?.status).toBe('CREATE_IN_PROGRESS');
  expect(await put(urlOf(stack, 'WaitHandleC3D4'), success('v2'))).toBe(200);
  const r = await second;
  expect(r.status).toBe('UPDATE_COMPLETE');
  expect(JSON.parse(String(r.outputs.Data))).toEqual({ v2: 'v2 done' });
  const cleanup = at(r.events, stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  expect(at(r.events, 'WaitC3D4', 'CREATE_COMPLETE')).toBeLessThan(cleanup);
  expect(at(r.events, 'WaitA1B2', 'DELETE_COMPLETE')).toBeGreaterThan(cleanup);
  expect(at(r.events, 'WaitA1B2', 'DELETE_COMPLETE')).toBeLessThan(at(r.events, 'WaitHandleA1B2', 'DELETE_IN_PROGRESS'));
  expect(at(r.events, 'WaitHandleA1B2', 'DELETE_COMPLETE')).toBeLessThan(at(r.events, stack, 'UPDATE_COMPLETE'));
  expect([...(engine.cfnApi.stacks.get(s.stackId)?.resources.keys() ?? [])].sort()).toEqual(['WaitC3D4', 'WaitHandleC3D4']);
  expect(await put(oldUrl, success('stale'))).toBe(200);
  expect(engine.signals.at(-1)?.outcome).toBe('orphaned');
  expect((await engine.deleteStack(stack)).status).toBe('DELETE_COMPLETE');
});

it('DeleteStack during the create cancels a waiting condition and deletes the stack', async () => {
  const stack = unique('wait-cancel');
  const deploying = engine.deploy(stack, pair());
  await inProgress(stack, 'Condition');
  const r = await engine.deleteStackDuringCreate(stack);
  expect(r.status).toBe('DELETE_COMPLETE');
  expect(r.events.find((e) => e.logicalId === 'Condition' && e.status === 'CREATE_FAILED')?.reason).toBe('Resource creation cancelled');
  expect(at(r.events, 'Handle', 'DELETE_COMPLETE')).toBeGreaterThan(at(r.events, stack, 'DELETE_IN_PROGRESS'));
  expect(await deploying).toBe(r);
});
