import { checkResponseUrl, parseEvent } from '../../../provider/protocol/event';
import { judgeLease } from '../../../provider/guard/lease';
import { jsonLogger, redactUrl } from '../../../provider/protocol/log';
import { asBool, asInt } from '../../../provider/protocol/parse';
import { createFailedId, isCreateFailedId } from '../../../provider/protocol/physical-id';
import { MAX_RESPONSE_BYTES, sendResponse, serializeResponse, type ResponseBody } from '../../../provider/protocol/response';

const body = (over: Partial<ResponseBody> = {}): ResponseBody => ({
  Status: 'FAILED',
  PhysicalResourceId: 'arc-dynamodb:replicas:orders',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/0f0e',
  RequestId: 'req-1',
  LogicalResourceId: 'OrdersReplicas',
  ...over,
});

describe('ResponseURL check', () => {
  it.each([
    'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation/x?AWSAccessKeyId=A&Expires=1&Signature=s',
    'https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/x?X-Amz-Signature=s',
    'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x',
    'https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x',
    'https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com/x',
  ])('accepts CloudFormation response bucket URL %s', (url) => {
    expect(checkResponseUrl(url, {})).toBeUndefined();
  });

  it.each([
    [undefined, 'ResponseURL is missing'],
    ['not a url', 'ResponseURL is not a URL'],
    ['http://bucket.s3.amazonaws.com/x', 'ResponseURL must use https, not http'],
    ['https://user:pw@bucket.s3.amazonaws.com/x', 'ResponseURL carries credentials in its authority'],
    ['https://bucket.s3.amazonaws.com:444/x', 'ResponseURL must not name a port'],
    ['https://s3.amazonaws.com.evil.example/x', 'ResponseURL host s3.amazonaws.com.evil.example is not an Amazon S3 endpoint'],
    ['https://bucket.s3.amazonaws.co/x', 'ResponseURL host bucket.s3.amazonaws.co is not an Amazon S3 endpoint'],
    ['https://evil.example/bucket.s3.amazonaws.com', 'ResponseURL host evil.example is not an Amazon S3 endpoint'],
    ['http://169.254.169.254/latest/meta-data/', 'ResponseURL must use https, not http'],
    [`https://bucket.s3.amazonaws.com/${'x'.repeat(9000)}`, 'ResponseURL is 9032 characters long'],
  ])('rejects case %# with its reason', (url, reason) => {
    expect(checkResponseUrl(url, {})).toBe(reason);
  });

  it('accepts plain http only under the explicit local-test prefix, and never with credentials', () => {
    const policy = { allowPrefix: 'http://127.0.0.1:8080/' };
    expect(checkResponseUrl('http://127.0.0.1:8080/stack/req?sig=1', policy)).toBeUndefined();
    expect(checkResponseUrl('http://127.0.0.1:9090/stack/req', policy)).toBe('ResponseURL must use https, not http');
    expect(checkResponseUrl('http://u:p@127.0.0.1:8080/x', { allowPrefix: 'http://u:p@127.0.0.1:8080/' })).toBe(
      'ResponseURL carries credentials in its authority',
    );
  });
});

describe('event parsing', () => {
  const good = {
    RequestType: 'Update',
    ResponseURL: 'https://b.s3.amazonaws.com/x',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/5b6c-11ef',
    RequestId: 'r1',
    ResourceType: 'Custom::ArcDynamoDbReplicas',
    LogicalResourceId: 'OrdersReplicas',
    PhysicalResourceId: 'arc-dynamodb:replicas:orders',
    ResourceProperties: { TableName: 'orders' },
    OldResourceProperties: { TableName: 'orders' },
  };
  it('accepts a well-formed Update', () => {
    expect(parseEvent(good, {})).toMatchObject({ ok: true, event: { RequestType: 'Update', PhysicalResourceId: 'arc-dynamodb:replicas:orders' } });
  });
  it.each([
    [{ RequestType: 'Destroy' }, "unsupported RequestType 'Destroy'; expected Create, Update or Delete"],
    [{ StackId: 'stack-b' }, 'StackId is missing or is not a CloudFormation stack ARN'],
    [{ PhysicalResourceId: undefined }, 'PhysicalResourceId is missing or invalid on a Update request'],
    [{ OldResourceProperties: 'x' }, 'OldResourceProperties is missing or is not an object on an Update request'],
    [{ ResourceType: 'AWS::S3::Bucket' }, 'ResourceType is missing or is not a custom resource type'],
  ])('rejects %j with a reason it can still send to the valid URL', (patch, reason) => {
    expect(parseEvent({ ...good, ...patch }, {})).toMatchObject({ ok: false, reason, responseUrl: good.ResponseURL });
  });
  it('gives no response URL when the URL itself is bad', () => {
    const r = parseEvent({ ...good, ResponseURL: 'http://evil.example/x' }, {});
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.responseUrl).toBeUndefined();
  });
});

describe('response body', () => {
  it('truncates Reason so the whole body stays under 4,096 bytes, even with multi-byte text', () => {
    const text = serializeResponse(body({ Reason: 'é€😀'.repeat(3000) }));
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    const parsed = JSON.parse(text) as ResponseBody;
    expect(parsed.Status).toBe('FAILED');
    expect(parsed.Reason?.endsWith('...')).toBe(true);
    expect(parsed.Reason).not.toContain('\uFFFD');
  });
  it('answers FAILED when Data alone cannot fit', () => {
    const text = serializeResponse(body({ Status: 'SUCCESS', Data: { Big: 'x'.repeat(5000) } }));
    const parsed = JSON.parse(text) as ResponseBody;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(parsed.Status).toBe('FAILED');
    expect(parsed.Data).toBeUndefined();
    expect(parsed.Reason?.startsWith("The provider's result was larger than CloudFormation's 4,096-byte response limit.")).toBe(true);
  });
  it('defaults Reason to the status', () => {
    expect(JSON.parse(serializeResponse(body({ Status: 'SUCCESS' }))).Reason).toBe('SUCCESS');
  });
});

describe('response sender', () => {
  it('PUTs with an empty content type and the byte length, retrying with jittered exponential backoff, never logging the query string', async () => {
    const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
    const sleeps: number[] = [];
    const lines: string[] = [];
    const statuses = [500, 503, 200];
    const ok = await sendResponse('https://b.s3.amazonaws.com/stack/req?X-Amz-Signature=topsecret', body({ Reason: 'ünïcødé' }), {
      transport: async (url, b, headers) => {
        calls.push({ url, headers, body: b });
        return statuses.shift() ?? 200;
      },
      log: jsonLogger((l) => lines.push(l)),
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      baseDelayMs: 1000,
    });
    expect(ok).toBe(true);
    expect(calls).toHaveLength(3);
    expect(calls[0].headers).toEqual({ 'content-type': '', 'content-length': String(Buffer.byteLength(calls[0].body, 'utf8')) });
    expect(Number(calls[0].headers['content-length'])).toBeGreaterThan(calls[0].body.length);
    expect(sleeps).toEqual([500, 1000]);
    expect(lines.join('\n')).not.toContain('topsecret');
    expect(lines.some((l) => l.includes('https://b.s3.amazonaws.com/stack/req?<redacted>'))).toBe(true);
  });
  it('gives up after the attempts and says so', async () => {
    const lines: string[] = [];
    const ok = await sendResponse('https://b.s3.amazonaws.com/x', body(), {
      transport: async () => {
        throw new Error('ECONNRESET');
      },
      log: jsonLogger((l) => lines.push(l)),
      sleep: async () => undefined,
      attempts: 3,
    });
    expect(ok).toBe(false);
    expect(lines.filter((l) => l.includes('response PUT failed'))).toHaveLength(3);
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ level: 'ERROR', message: 'response could not be delivered', attempts: 3 });
  });
});

describe('logs', () => {
  it('redact the query string and credentials of any URL in any field', () => {
    expect(redactUrl('https://u:p@h.example/a/b?sig=1#f')).toBe('https://<redacted>@h.example/a/b?<redacted>');
    const lines: string[] = [];
    jsonLogger((l) => lines.push(l)).info('x', { nested: { url: 'https://b.s3.amazonaws.com/k?X-Amz-Signature=abc' }, list: ['see http://h/p?token=zzz'] });
    expect(lines[0]).not.toContain('X-Amz-Signature');
    expect(lines[0]).not.toContain('token=zzz');
  });
});

describe('boundary parsing of CloudFormation strings', () => {
  it('turns "true"/"false" and digit strings into booleans and numbers', () => {
    expect(asBool('false', 'P')).toBe(false);
    expect(asBool(true, 'P')).toBe(true);
    expect(asInt('14', 'P', 1, 35)).toBe(14);
  });
  it.each([
    [() => asBool('yes', 'Replicas[0].PropagateTags'), "Property 'Replicas[0].PropagateTags' must be true or false, got 'yes'"],
    [() => asInt('1e3', 'ServiceTimeout', 1, 3600), "Property 'ServiceTimeout' must be a whole number, got '1e3'"],
    [
      () => asInt('36', 'Replicas[1].PointInTimeRecoveryPeriodInDays', 1, 35),
      "Property 'Replicas[1].PointInTimeRecoveryPeriodInDays' must be between 1 and 35, got 36",
    ],
  ])('names the property path in errors (%#)', (fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('physical IDs and the lease', () => {
  it('marks failed Creates so the rollback Delete is recognised', () => {
    expect(createFailedId('OrdersReplicas')).toBe('arc-dynamodb:CREATE_FAILED:OrdersReplicas');
    expect(isCreateFailedId('arc-dynamodb:CREATE_FAILED:OrdersReplicas')).toBe(true);
    expect(isCreateFailedId('arc-dynamodb:replicas:orders')).toBe(false);
  });
  const lease = { request: 'a'.repeat(24), chain: 'b'.repeat(16), state: 'running' as const, expires: 2000 };
  it.each([
    ['nobody holds it', undefined, 'a'.repeat(24), 'b'.repeat(16), false, 'take'],
    ['our own chain (a Lambda retry of a crash)', lease, 'a'.repeat(24), 'b'.repeat(16), true, 'take'],
    ['another live chain of the same request', lease, 'a'.repeat(24), 'c'.repeat(16), false, 'duplicate'],
    ['an expired chain of the same request', lease, 'a'.repeat(24), 'c'.repeat(16), false, 'take'],
    ['a request already answered', { ...lease, state: 'done' as const }, 'a'.repeat(24), 'b'.repeat(16), false, 'duplicate'],
    ['a new request (Delete after Create)', lease, 'd'.repeat(24), 'e'.repeat(16), false, 'take'],
    ['a later request, seen by our continuation', lease, 'd'.repeat(24), 'e'.repeat(16), true, 'superseded'],
  ])('%s', (_what, current, request, chain, isContinuation, verdict) => {
    const now = _what.includes('expired') ? 3000 : 1000;
    expect(judgeLease(current, request, chain, isContinuation, now).verdict).toBe(verdict);
  });
  it('a Create delivered late never takes over from a running Delete, but a later Delete does', () => {
    const deleting = { ...lease, deleting: true };
    expect(judgeLease(deleting, 'd'.repeat(24), 'e'.repeat(16), false, 1000).verdict).toBe('superseded');
    expect(judgeLease(deleting, 'd'.repeat(24), 'e'.repeat(16), false, 1000, true).verdict).toBe('take');
    expect(judgeLease({ ...deleting, state: 'done' }, 'd'.repeat(24), 'e'.repeat(16), false, 1000).verdict).toBe('take');
  });
});
