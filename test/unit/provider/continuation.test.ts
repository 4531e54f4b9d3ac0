import * as http from 'node:http';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CONTINUATION_KEY, continuationPayload, lambdaSelfInvoke } from '../../../provider/continuation';
import { seal, unseal } from '../../../provider/guard/seal';
import type { CfnEvent } from '../../../provider/protocol/event';
import { freePort } from '../../support/ports';

describe('self-invoke continuation', () => {
  it('invokes the function itself asynchronously (InvocationType Event) with the original event and the checkpoint', async () => {
    const port = await freePort();
    const seen: { path: string; invocationType: string | undefined; body: string }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          path: String(req.url),
          invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(202);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const arn = 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider';
      const lambda = new LambdaClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const event = { RequestType: 'Create', RequestId: 'r1', ResourceProperties: { TableName: 'orders' } };
      const state = { v: 1, state: '{"hop":3}', mac: 'f'.repeat(64) };
      await lambdaSelfInvoke(lambda, arn).continue(continuationPayload(event, state));
      expect(seen).toHaveLength(1);
      expect(seen[0].invocationType).toBe('Event');
      expect(decodeURIComponent(seen[0].path)).toBe(`/2015-03-31/functions/${arn}/invocations`);
      const payload = JSON.parse(seen[0].body) as Record<string, unknown>;
      expect(payload).toEqual({ ...event, [CONTINUATION_KEY]: state });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses a checkpoint larger than 64 KB (the async payload limit is 1 MB)', () => {
    expect(() => continuationPayload({}, { v: 1, state: 'x'.repeat(70_000), mac: 'f'.repeat(64) })).toThrow('checkpoint larger than 65536 bytes');
  });
});

describe('sealed continuation state', () => {
  const key = Buffer.alloc(32, 7);
  const event: CfnEvent = {
    RequestType: 'Create',
    ResponseURL: 'https://b.s3.amazonaws.com/x?sig=1',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/5b6c',
    RequestId: 'r1',
    ResourceType: 'Custom::ArcDynamoDbLoad',
    LogicalResourceId: 'OrdersLoad',
    ResourceProperties: { TableName: 'orders' },
  };
  const state = {
    chainId: 'lambda-request-1',
    startedAt: 1_700_000_000_000,
    hop: 3,
    checkpoint: { after: 'k/0001.json' },
    physicalResourceId: 'arc-dynamodb-load:orders:OrdersLoad',
  };

  it('opens what the provider sealed, for the same event', () => {
    expect(unseal(key, event, seal(key, event, state))).toEqual(state);
  });

  it.each([
    ['another key', () => unseal(Buffer.alloc(32, 8), event, seal(key, event, state))],
    ['another event (properties changed)', () => unseal(key, { ...event, ResourceProperties: { TableName: 'other' } }, seal(key, event, state))],
    ['another request', () => unseal(key, { ...event, RequestId: 'r2' }, seal(key, event, state))],
    [
      'a state edited after sealing (hop reset, start moved)',
      () => unseal(key, event, { ...seal(key, event, state), state: JSON.stringify({ ...state, hop: 1, startedAt: Date.now() }) }),
    ],
    ['an unsealed state, as version 0.1 sent it', () => unseal(key, event, state)],
    ['a forged MAC', () => unseal(key, event, { v: 1, state: JSON.stringify(state), mac: '0'.repeat(64) })],
    ['garbage', () => unseal(key, event, 'x')],
  ])('rejects %s', (_what, open) => {
    expect(open()).toBeUndefined();
  });
});
