/**
 * The Lambda service on the loopback, running the REAL provider: the esbuild bundle of
 * provider/handler.ts (as deployed), configured only through environment variables.
 *
 * - Invoke API: `POST /2015-03-31/functions/{FunctionName}/invocations` (Lambda API reference,
 *   Invoke). `X-Amz-Invocation-Type: Event` is queued and answered 202 at once, then run
 *   ("asynchronous invocation"); that is how the provider's self-invoke continuations arrive.
 *   CloudFormation itself invokes custom-resource functions asynchronously (Lambda developer
 *   guide, "Using AWS Lambda with AWS CloudFormation").
 * - `X-Amz-Invocation-Type: RequestResponse` (the default) runs the handler at once and answers
 *   200 with its result as JSON, or, when it throws, 200 with `X-Amz-Function-Error: Unhandled`
 *   and `{ errorType, errorMessage, stackTrace }` (Lambda API reference, Invoke, "FunctionError",
 *   https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html; Lambda developer guide, "AWS
 *   Lambda function errors in Node.js", https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html).
 *   A synchronous invocation is never retried by Lambda: the caller decides (Lambda developer
 *   guide, "Synchronous invocation"); Step Functions' `arn:aws:states:::lambda:invoke` invokes so.
 * - Each invocation gets a request ID and a deadline of `invocationMs`
 *   (context.getRemainingTimeInMillis, Lambda "context object").
 * - Async retry: an invocation that errors (or that a test makes crash before the handler runs)
 *   is run again with the same event and the same request ID, at most two more times (Lambda
 *   developer guide, "Asynchronous invocation": "Lambda attempts to run it two more times");
 *   AWS waits a minute or two in between, the engine `retryDelayMs`.
 * - Duplicate delivery: "Occasionally, your function may receive the same event multiple times,
 *   even if no error occurs" (same page); `duplicateNext` delivers an event twice.
 * - The function's environment is process.env (the bundle runs in this process): the engine sets
 *   it before the first event and restores it on stop, so one engine runs per process.
 * - `hold` keeps matching invocations queued (never run until released), so a test can make a
 *   custom resource miss its ServiceTimeout without depending on machine speed.
 */
import * as http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { build } from 'esbuild';
import { freePort } from '../ports';
import { CONTINUATION_KEY } from '../../../provider/continuation';

type Handler = (
  event: unknown,
  context: { awsRequestId: string; invokedFunctionArn: string; functionName: string; getRemainingTimeInMillis(): number },
) => Promise<unknown>;

export interface InvocationMatch {
  logicalId?: string;
  requestType?: string;
  /** Match only first deliveries (false) or only continuations (true); both when absent. */
  continuation?: boolean;
}

export interface InvocationRecord {
  awsRequestId: string;
  functionArn: string;
  attempt: number;
  continuation: boolean;
  requestType?: string;
  logicalId?: string;
  /** The CloudFormation RequestId the event carries. */
  cfnRequestId?: string;
  queuedAt: number;
  startedAt?: number;
  endedAt?: number;
  outcome: 'queued' | 'held' | 'running' | 'ok' | 'error' | 'crashed' | 'dropped' | 'timed-out';
  /** RequestResponse (synchronous) rather than Event. */
  sync?: boolean;
}

export interface LocalLambda {
  endpoint: string;
  functionArn: string;
  invocations: InvocationRecord[];
  /** The provider's JSON log lines. */
  logs: string[];
  /** Queues an asynchronous invocation (InvocationType Event). */
  invokeAsync(functionArn: string, payload: unknown): void;
  hold(match: InvocationMatch): void;
  release(): void;
  drop(): void;
  crashNext(match: InvocationMatch): void;
  duplicateNext(match: InvocationMatch): void;
  /** Resolves when nothing is queued or running (held invocations excepted). */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface LambdaOptions {
  region: string;
  accountId: string;
  functionName: string;
  invocationMs: number;
  retryDelayMs: number;
  /** Called before each invocation's handler runs (after it was dequeued). */
  beforeInvoke?: (record: InvocationRecord, payload: unknown) => Promise<void> | void;
}

export async function bundleProvider(): Promise<Handler> {
  const dir = mkdtempSync(join(tmpdir(), 'arc-stack-engine-'));
  await build({
    entryPoints: [join(__dirname, '../../../provider/handler.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: join(dir, 'index.js'),
    logLevel: 'error',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(join(dir, 'index.js')) as { handler: Handler }).handler;
}

const matches = (m: InvocationMatch, r: InvocationRecord) =>
  (m.logicalId === undefined || m.logicalId === r.logicalId) &&
  (m.requestType === undefined || m.requestType === r.requestType) &&
  (m.continuation === undefined || m.continuation === r.continuation);

export async function startLocalLambda(opts: LambdaOptions): Promise<LocalLambda> {
  const handler = await bundleProvider();
  const functionArn = `arn:aws:lambda:${opts.region}:${opts.accountId}:function:${opts.functionName}`;
  const invocations: InvocationRecord[] = [];
  const logs: string[] = [];
  let holds: InvocationMatch[] = [];
  let crashes: InvocationMatch[] = [];
  let duplicates: InvocationMatch[] = [];
  const heldQueue: { record: InvocationRecord; payload: unknown }[] = [];
  let busy = 0;

  // The bundle logs to stdout, as Lambda expects; keep its lines, pass everything else through.
  const write = process.stdout.write.bind(process.stdout);
  const spy = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"level"')) {
      logs.push(...text.split('\n').filter((l) => l.length > 0));
      return true;
    }
    return write(chunk as string, ...(rest as []));
  };
  process.stdout.write = spy as typeof process.stdout.write;

  const take = (list: InvocationMatch[], r: InvocationRecord): boolean => {
    const i = list.findIndex((m) => matches(m, r));
    if (i === -1) return false;
    list.splice(i, 1);
    return true;
  };

  function queue(arn: string, payload: unknown, awsRequestId: string = randomUUID(), attempt = 0) {
    const p = (payload ?? {}) as Record<string, unknown>;
    const record: InvocationRecord = {
      awsRequestId,
      functionArn: arn,
      attempt,
      continuation: p[CONTINUATION_KEY] !== undefined,
      requestType: typeof p.RequestType === 'string' ? p.RequestType : undefined,
      logicalId: typeof p.LogicalResourceId === 'string' ? p.LogicalResourceId : undefined,
      cfnRequestId: typeof p.RequestId === 'string' ? p.RequestId : undefined,
      queuedAt: Date.now(),
      outcome: 'queued',
    };
    invocations.push(record);
    if (attempt === 0 && take(holds, record)) {
      record.outcome = 'held';
      heldQueue.push({ record, payload });
      return;
    }
    busy++;
    setImmediate(() => void run(record, payload).finally(() => busy--));
  }

  async function run(record: InvocationRecord, payload: unknown): Promise<void> {
    record.startedAt = Date.now();
    record.outcome = 'running';
    await opts.beforeInvoke?.(record, payload);
    const retry = () => {
      if (record.attempt >= 2) return;
      busy++;
      setTimeout(() => {
        busy--;
        queue(record.functionArn, payload, record.awsRequestId, record.attempt + 1);
      }, opts.retryDelayMs);
    };
    if (take(crashes, record)) {
      // The runtime died before the handler ran (Runtime.ExitError): an error, so Lambda retries.
      record.outcome = 'crashed';
      record.endedAt = Date.now();
      retry();
      return;
    }
    const twice = take(duplicates, record);
    const deadline = Date.now() + opts.invocationMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timed-out'>((r) => (timer = setTimeout(() => r('timed-out'), opts.invocationMs + 1000)));
    try {
      const ctx = {
        awsRequestId: record.awsRequestId,
        invokedFunctionArn: record.functionArn,
        functionName: opts.functionName,
        getRemainingTimeInMillis: () => deadline - Date.now(),
      };
      const outcome = await Promise.race([handler(payload, ctx).then(() => 'ok' as const), timeout]);
      // A timed-out invocation is not retried here: the process would be frozen in AWS, but
      // this one keeps running in the test process, and a retry would run the work twice.
      record.outcome = outcome;
    } catch {
      record.outcome = 'error';
      retry();
    } finally {
      clearTimeout(timer);
      record.endedAt = Date.now();
    }
    if (twice) queue(record.functionArn, payload, record.awsRequestId, record.attempt);
  }

  /** A synchronous invocation: the handler's result, or the error Lambda reports for it (never retried here). */
  async function runSync(payload: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: Error }> {
    const record: InvocationRecord = {
      awsRequestId: randomUUID(),
      functionArn,
      attempt: 0,
      continuation: false,
      queuedAt: Date.now(),
      outcome: 'running',
      sync: true,
      startedAt: Date.now(),
    };
    invocations.push(record);
    busy++;
    try {
      await opts.beforeInvoke?.(record, payload);
      const deadline = Date.now() + opts.invocationMs;
      const ctx = {
        awsRequestId: record.awsRequestId,
        invokedFunctionArn: functionArn,
        functionName: opts.functionName,
        getRemainingTimeInMillis: () => deadline - Date.now(),
      };
      const result = await handler(payload, ctx);
      record.outcome = 'ok';
      return { ok: true, result };
    } catch (e) {
      record.outcome = 'error';
      return { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
    } finally {
      record.endedAt = Date.now();
      busy--;
    }
  }

  const port = await freePort();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/2015-03-31\/functions\/(.+)\/invocations$/.exec(decodeURIComponent(String(req.url).split('?')[0]));
      const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const error = (status: number, code: string, message: string) => {
        const body = JSON.stringify({ Type: 'User', message });
        res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': code, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (req.method !== 'POST' || !m) return error(404, 'ResourceNotFoundException', `Unknown path ${req.url}`);
      const name = m[1];
      if (name !== functionArn && name !== opts.functionName) return error(404, 'ResourceNotFoundException', `Function not found: ${name}`);
      if (type !== 'Event' && type !== 'RequestResponse') return error(400, 'InvalidParameterValueException', `InvocationType ${type} is not run here`);
      let payload: unknown;
      try {
        const raw = Buffer.concat(chunks).toString('utf8');
        payload = raw === '' ? {} : JSON.parse(raw);
      } catch {
        return error(400, 'InvalidRequestContentException', 'Could not parse request body into json');
      }
      if (type === 'RequestResponse') {
        void runSync(payload).then((r) => {
          const body = r.ok
            ? JSON.stringify(r.result ?? null)
            : JSON.stringify({ errorType: r.error.name, errorMessage: r.error.message, stackTrace: (r.error.stack ?? '').split('\n').slice(1) });
          const headers: Record<string, string | number> = {
            'content-type': 'application/json',
            'x-amzn-requestid': randomUUID(),
            'x-amz-executed-version': '$LATEST',
          };
          if (!r.ok) headers['x-amz-function-error'] = 'Unhandled';
          headers['content-length'] = Buffer.byteLength(body);
          res.writeHead(200, headers);
          res.end(body);
        });
        return;
      }
      res.writeHead(202, { 'x-amzn-requestid': randomUUID(), 'content-length': 0 });
      res.end();
      queue(functionArn, payload);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));

  return {
    endpoint: `http://127.0.0.1:${port}`,
    functionArn,
    invocations,
    logs,
    invokeAsync: (arn, payload) => queue(arn, payload),
    hold: (m) => void holds.push(m),
    release() {
      holds = [];
      for (const h of heldQueue.splice(0)) {
        busy++;
        setImmediate(() => void run(h.record, h.payload).finally(() => busy--));
      }
    },
    drop() {
      holds = [];
      for (const h of heldQueue.splice(0)) h.record.outcome = 'dropped';
    },
    crashNext: (m) => void crashes.push(m),
    duplicateNext: (m) => void duplicates.push(m),
    async idle(timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      let quiet = 0;
      // Three quiet looks in a row: continuations are queued with setImmediate.
      while (quiet < 3) {
        if (Date.now() > until) throw new Error(`the local Lambda did not become idle within ${timeoutMs} ms`);
        quiet = busy === 0 ? quiet + 1 : 0;
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      holds = [];
      crashes = [];
      duplicates = [];
      for (const h of heldQueue.splice(0)) h.record.outcome = 'dropped';
      if (process.stdout.write === (spy as unknown)) process.stdout.write = write as typeof process.stdout.write;
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}
