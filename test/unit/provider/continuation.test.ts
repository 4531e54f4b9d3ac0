import * as http from 'node:http';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CONTINUATION_KEY, continuationPayload, lambdaSelfInvoke, readContinuation } from '../../../provider/continuation';
import { freePort } from '../../support/ports';

describe('self-invoke continuation', () => {
  it('invokes the function itself asynchronously (InvocationType Event) with the original event and the checkpoint', async () => {
    const port = await freePort();
    const seen: { path: string; invocationType: string | undefined; body: string }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ path: String(req.url), invocationType: req.headers['x-amz-invocation-type'] as string | undefined, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(202);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const arn = 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider';
      const lambda = new LambdaClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const event = { RequestType: 'Create', RequestId: 'r1', ResourceProperties: { TableName: 'orders' } };
      const state = { chainId: 'lambda-request-1', startedAt: 1_700_000_000_000, hop: 3, checkpoint: { mutated: true, synced: ['eu-west-1'] } };
      await lambdaSelfInvoke(lambda, arn).continue(continuationPayload(event, state));
      expect(seen).toHaveLength(1);
      expect(seen[0].invocationType).toBe('Event');
      expect(decodeURIComponent(seen[0].path)).toBe(`/2015-03-31/functions/${arn}/invocations`);
      const payload = JSON.parse(seen[0].body) as Record<string, unknown>;
      expect(payload).toEqual({ ...event, [CONTINUATION_KEY]: state });
      expect(readContinuation(payload)).toEqual(state);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('ignores malformed continuation markers', () => {
    expect(readContinuation({ [CONTINUATION_KEY]: { chainId: '', startedAt: 1, hop: 0 } })).toBeUndefined();
    expect(readContinuation({ [CONTINUATION_KEY]: { chainId: 'c', startedAt: 'x', hop: 0 } })).toBeUndefined();
    expect(readContinuation({ [CONTINUATION_KEY]: 'x' })).toBeUndefined();
  });

  it('refuses a checkpoint larger than 64 KB (the async payload limit is 1 MB)', () => {
    expect(() => continuationPayload({}, { chainId: 'c', startedAt: 1, hop: 1, checkpoint: 'x'.repeat(70_000) })).toThrow('checkpoint larger than 65536 bytes');
  });
});
