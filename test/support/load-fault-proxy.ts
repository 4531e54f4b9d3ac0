/**
 * A loopback proxy in front of moto_server / DynamoDB Local for the loader's tests. It forwards
 * every request and, on a seeded schedule, injects the faults the loader must survive:
 * - DynamoDB: ProvisionedThroughputExceededException (400), InternalServerError (500), a reset
 *   connection (before or after the backend applied the write), latency, and BatchWriteItem
 *   calls that only write part of the batch and return the rest as UnprocessedItems, the way
 *   DynamoDB does under load (API_BatchWriteItem: "If DynamoDB returns any unprocessed items, you
 *   should retry the batch operation on those items").
 * - S3: GetObject bodies cut off mid-object (a reset after N bytes).
 * - S3's bucket-owner condition, which moto ignores: a request whose x-amz-expected-bucket-owner
 *   differs from the owner account gets 403 AccessDenied, as S3 documents
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html).
 * It records each S3 request's method, path and expected-owner header so tests can check that
 * every call carried ExpectedBucketOwner.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rng } from './load-data';

export interface DynamoFaults {
  /** Probability per call of each fault, for the operations listed in `operations`. */
  throttle?: number;
  serverError?: number;
  resetBefore?: number;
  resetAfter?: number;
  partialBatch?: number;
  latencyMs?: number;
  operations?: string[];
}

export interface S3Faults {
  /** Cut every GetObject body after this many bytes, for the first `times` GetObjects. */
  cutGetObjectAfterBytes?: number;
  times?: number;
}

export interface FaultProxyOptions {
  target: string;
  seed?: number;
  dynamodb?: DynamoFaults;
  s3?: S3Faults;
  /** The account that owns every bucket behind the proxy (moto: 123456789012). */
  bucketOwner?: string;
}

export interface S3RequestRecord {
  method: string;
  path: string;
  expectedOwner: string | undefined;
  range: string | undefined;
}

export interface FaultProxy {
  endpoint: string;
  injected: Record<'throttle' | 'serverError' | 'resetBefore' | 'resetAfter' | 'partialBatch' | 'cutBody', number>;
  s3Requests: S3RequestRecord[];
  stop(): Promise<void>;
}

export const DDB_ERR = (type: string, message: string) => JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  res: IncomingMessage;
}

export function forward(target: URL, req: IncomingMessage, body: Buffer, headers?: Record<string, string | string[] | undefined>): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const h = { ...(headers ?? req.headers), host: target.host, 'content-length': String(body.length) };
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: h }, (res) =>
      resolve({ status: res.statusCode ?? 502, headers: res.headers, res }),
    );
    up.on('error', reject);
    up.end(body);
  });
}

export async function collect(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const random = rng(opts.seed ?? 7);
  const injected = { throttle: 0, serverError: 0, resetBefore: 0, resetAfter: 0, partialBatch: 0, cutBody: 0 };
  const s3Requests: S3RequestRecord[] = [];
  const sockets = new Set<Socket>();
  const ddb = opts.dynamodb ?? {};
  const ops = new Set(ddb.operations ?? ['BatchWriteItem', 'PutItem']);
  let cutsLeft = opts.s3?.times ?? 0;
  const hit = (p: number | undefined) => p !== undefined && p > 0 && random() < p;

  async function handleDynamo(req: IncomingMessage, res: ServerResponse, body: Buffer, op: string): Promise<void> {
    if (ops.has(op)) {
      if (ddb.latencyMs) await new Promise((r) => setTimeout(r, ddb.latencyMs));
      if (hit(ddb.throttle)) {
        injected.throttle++;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        return void res.end(DDB_ERR('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded.'));
      }
      if (hit(ddb.serverError)) {
        injected.serverError++;
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        return void res.end(DDB_ERR('InternalServerError', 'Internal server error'));
      }
      if (hit(ddb.resetBefore)) {
        injected.resetBefore++;
        return void req.socket.destroy();
      }
      if (op === 'BatchWriteItem' && hit(ddb.partialBatch)) {
        const doc = JSON.parse(body.toString('utf8')) as { RequestItems: Record<string, unknown[]> };
        const [table, writes] = Object.entries(doc.RequestItems)[0];
        if (writes.length > 1) {
          injected.partialBatch++;
          const half = Math.ceil(writes.length / 2);
          const sent = Buffer.from(JSON.stringify({ ...doc, RequestItems: { [table]: writes.slice(0, half) } }));
          const up = await forward(target, req, sent);
          const upBody = await collect(up.res);
          if (up.status !== 200) {
            res.writeHead(up.status, { 'content-type': 'application/x-amz-json-1.0' });
            return void res.end(upBody);
          }
          const out = JSON.parse(upBody.toString('utf8')) as { UnprocessedItems?: Record<string, unknown[]> };
          const unprocessed = [...(out.UnprocessedItems?.[table] ?? []), ...writes.slice(half)];
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          return void res.end(JSON.stringify({ ...out, UnprocessedItems: { [table]: unprocessed } }));
        }
      }
      if (hit(ddb.resetAfter)) {
        const up = await forward(target, req, body);
        await collect(up.res);
        injected.resetAfter++;
        return void req.socket.destroy();
      }
    }
    const up = await forward(target, req, body);
    res.writeHead(up.status, up.headers);
    up.res.pipe(res);
  }

  async function handleS3(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const expected = req.headers['x-amz-expected-bucket-owner'] as string | undefined;
    s3Requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0], expectedOwner: expected, range: req.headers.range });
    if (opts.bucketOwner && expected !== undefined && expected !== opts.bucketOwner) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      return void res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    }
    const up = await forward(target, req, body);
    const isGetObject = req.method === 'GET' && !(req.url ?? '').includes('list-type') && /^\/[^/?]+\/[^?]+/.test(req.url ?? '');
    const cutAt = opts.s3?.cutGetObjectAfterBytes;
    if (isGetObject && up.status < 300 && cutAt !== undefined && cutsLeft > 0) {
      cutsLeft--;
      injected.cutBody++;
      res.writeHead(up.status, up.headers);
      let sent = 0;
      up.res.on('data', (c: Buffer) => {
        if (sent >= cutAt) return;
        const take = c.subarray(0, cutAt - sent);
        sent += take.length;
        res.write(take);
        if (sent >= cutAt) {
          up.res.destroy();
          // Let the written bytes leave before the reset.
          setTimeout(() => req.socket.destroy(), 20);
        }
      });
      return;
    }
    res.writeHead(up.status, up.headers);
    up.res.pipe(res);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const targetHeader = req.headers['x-amz-target'];
      if (typeof targetHeader === 'string' && targetHeader.startsWith('DynamoDB_')) {
        await handleDynamo(req, res, body, targetHeader.split('.')[1]);
      } else {
        await handleS3(req, res, body);
      }
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    s3Requests,
    stop: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
