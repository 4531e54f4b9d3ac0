/**
 * provider/protocol/long-operation.ts: when a request takes the WaitCondition path, and the
 * signal it sends (User Guide, "Create wait conditions in a CloudFormation template").
 */
import { longOperationOf, MAX_WAIT_SECONDS, signalHandle } from '../../../provider/protocol/long-operation';
import type { CfnEvent } from '../../../provider/protocol/event';

const HANDLE = 'https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A1%3Astack%2Fs%2Fx%2FH?Signature=abc';
const OTHER = `${HANDLE}&v=2`;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

const event = (over: Partial<CfnEvent> = {}): CfnEvent => ({
  RequestType: 'Create',
  ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/x',
  RequestId: 'r1',
  ResourceType: 'Custom::ArcDynamoDbReplicas',
  LogicalResourceId: 'OrdersReplicas',
  ResourceProperties: { WaitHandle: HANDLE, WaitTimeout: '43200' },
  ...over,
});

describe('longOperationOf', () => {
  it('takes the long path for a Create, and for an Update with a new handle (a new generation)', () => {
    expect(longOperationOf(event(), {}, 'CREATE_IN_PROGRESS')).toEqual({ kind: 'long', op: { handle: HANDLE, timeoutSeconds: 43200 } });
    const update = event({
      RequestType: 'Update',
      PhysicalResourceId: 'p',
      ResourceProperties: { WaitHandle: OTHER },
      OldResourceProperties: { WaitHandle: HANDLE },
    });
    expect(longOperationOf(update, {}, 'UPDATE_IN_PROGRESS')).toMatchObject({ kind: 'long', op: { handle: OTHER, timeoutSeconds: MAX_WAIT_SECONDS } });
  });

  it('keeps the short path without a handle, for a Delete, in a rollback, and when the handle did not change', () => {
    expect(longOperationOf(event({ ResourceProperties: {} }), {}, 'CREATE_IN_PROGRESS')).toEqual({ kind: 'none' });
    expect(longOperationOf(event({ RequestType: 'Delete', PhysicalResourceId: 'p' }), {}, 'DELETE_IN_PROGRESS')).toEqual({ kind: 'none' });
    const rollback = event({
      RequestType: 'Update',
      PhysicalResourceId: 'p',
      ResourceProperties: { WaitHandle: HANDLE },
      OldResourceProperties: { WaitHandle: OTHER },
    });
    expect(longOperationOf(rollback, {}, 'UPDATE_ROLLBACK_IN_PROGRESS')).toEqual({ kind: 'none' });
    const same = event({ RequestType: 'Update', PhysicalResourceId: 'p', OldResourceProperties: { WaitHandle: HANDLE } });
    expect(longOperationOf(same, {}, 'UPDATE_IN_PROGRESS')).toEqual({ kind: 'none' });
  });

  it('refuses a handle that is not a pre-signed S3 URL (the provider would PUT its results anywhere)', () => {
    expect(longOperationOf(event({ ResourceProperties: { WaitHandle: 'https://attacker.example/x' } }), {}, 'CREATE_IN_PROGRESS')).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('not an Amazon S3 endpoint'),
    });
    expect(longOperationOf(event({ ResourceProperties: { WaitHandle: 'http://127.0.0.1:1/x' } }), {}, 'CREATE_IN_PROGRESS')).toMatchObject({ kind: 'invalid' });
    expect(
      longOperationOf(event({ ResourceProperties: { WaitHandle: 'http://127.0.0.1:1/x' } }), { allowPrefix: 'http://127.0.0.1:' }, 'CREATE_IN_PROGRESS'),
    ).toMatchObject({
      kind: 'long',
    });
  });
});

describe('signalHandle', () => {
  it('PUTs the documented JSON with an empty Content-Type, and retries a rejected PUT', async () => {
    const sent: { url: string; body: string; headers: Record<string, string> }[] = [];
    let calls = 0;
    const ok = await signalHandle(
      HANDLE,
      { status: 'FAILURE', reason: 'replica failed', uniqueId: 'req-1', data: { Regions: 'eu-west-1' } },
      {
        transport: async (url, body, headers) => {
          sent.push({ url, body, headers });
          return ++calls === 1 ? 503 : 200;
        },
        log: quiet,
        attempts: 3,
        baseDelayMs: 1,
        sleep: async () => undefined,
      },
    );
    expect(ok).toBe(true);
    expect(sent).toHaveLength(2);
    expect(sent[1].headers['content-type']).toBe('');
    expect(JSON.parse(sent[1].body)).toEqual({ Status: 'FAILURE', Reason: 'replica failed', UniqueId: 'req-1', Data: '{"Regions":"eu-west-1"}' });
  });
});
