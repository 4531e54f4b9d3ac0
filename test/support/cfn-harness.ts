/**
 * CloudFormation's side of a custom resource, and the Lambda service's, on the loopback.
 *
 * - Sends lifecycle events to the provider as CloudFormation does (asynchronously), each with a
 *   ResponseURL on a local HTTP server standing in for the pre-signed S3 URL (allowed through the
 *   provider's explicit local-test override), and records every response PUT.
 * - Emulates Lambda: every invocation gets its own request ID and a deadline; the continuation
 *   port re-invokes in-process (the Lambda self-invoke in AWS); an invocation can be made to crash
 *   after a given AWS call, after which nothing it does reaches the world again (its AWS calls
 *   hang, its responses and continuations are dropped), and Lambda's async retry re-delivers the
 *   same payload with the same request ID, as AWS does.
 */
import * as http from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { makeAwsClients, type ProviderClients } from '../../provider/aws';
import type { DistributedPort } from '../../provider/types';
import type { ContinuationPort } from '../../provider/continuation';
import { jsonLogger } from '../../provider/protocol/log';
import { nodeTransport, type ResponseBody } from '../../provider/protocol/response';
import { createProvider, DEFAULT_CONFIG } from '../../provider/protocol/run';
import { makeReplicasHandler, type PollOptions } from '../../provider/replicas/handler';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { makeGuard, type GuardDeps } from '../../provider/guard';
import type { Guard } from '../../provider/guard/types';
import { dynamoStateStore } from '../../provider/guard/state-store';
import { startCloudFormationApi, type CloudFormationApi } from './cloudformation-api';
import type { ResourceHandler } from '../../provider/types';
import { freePort } from './ports';

/** Credentials the provider uses in tests: distinctive, so the log scan can look for them. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIAARCTESTKEY0LOG01', secretAccessKey: 'arcTestSecret/DoNotLog+9f8e7d6c5b4a3210' };

export interface ResponseRecord {
  requestId: string;
  body: ResponseBody;
  contentType: string | undefined;
  contentLength: number;
  bodyBytes: number;
}

export interface HarnessEvent {
  RequestType: string;
  StackId: string;
  LogicalResourceId: string;
  ResourceType?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
  PhysicalResourceId?: string;
  RequestId?: string;
  /** The stack's status CloudFormation shows while it sends this request (default: the request type's IN_PROGRESS). */
  StackStatus?: string;
  /**
   * CloudFormation's record of the logical ID while it sends this request, when it is not the
   * request type's IN_PROGRESS with the event's physical ID: the cleanup Delete of a replaced
   * resource finds the logical ID already UPDATE_COMPLETE under its new physical ID.
   */
  Record?: { status: string; physicalId?: string };
}

export interface CrashPlan {
  /** SDK command name, e.g. UpdateTableCommand. */
  command: string;
  /** Crash right after the n-th successful call of that command (counted across invocations). */
  after: number;
}

export interface CfnHarness {
  clients: ProviderClients;
  /** Every line the provider logged. */
  logs: string[];
  /** Every URL the provider tried to PUT a response to. */
  attemptedUrls: string[];
  responses: ResponseRecord[];
  /** Strings that must never appear in logs: URL query strings and credentials. */
  secrets: string[];
  invocations: number;
  crashes: number;
  /** Every AWS call the provider's clients made: service and SDK command name. */
  awsCalls: { service: string; region: string; command: string }[];
  stackId(name: string): string;
  /** A full CloudFormation event with a ResponseURL on the local response server. */
  event(e: HarnessEvent): Record<string, unknown>;
  /**
   * Delivers an event as CloudFormation does (async): first CloudFormation's own record of the
   * resource moves to the request type's IN_PROGRESS status, then the function is invoked.
   */
  deliver(event: Record<string, unknown>): void;
  /** Invokes the function with an event CloudFormation never sent (its record is left as it is). */
  deliverForged(event: Record<string, unknown>): void;
  /** CloudFormation's read API, as the provider's authentication sees it. */
  cloudformation: CloudFormationApi;
  /** The provider's state table (in moto's home region). */
  stateTable: string;
  /** A guard over this harness's CloudFormation API and state table, with these settings changed. */
  guardWith(overrides: Partial<GuardDeps>): Guard;
  /** Delivers and waits for the response to that request. */
  request(e: HarnessEvent, timeoutMs?: number): Promise<ResponseRecord>;
  waitForResponse(requestId: string, timeoutMs?: number): Promise<ResponseRecord>;
  responsesFor(requestId: string): ResponseRecord[];
  /** Resolves when no invocation is running or queued. */
  idle(timeoutMs?: number): Promise<void>;
  crashOn(plan: CrashPlan): void;
  /** The next n response PUTs get HTTP 500 (the provider must retry). */
  failNextPuts(n: number): void;
  responsePrefix: string;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  endpoint: string;
  homeRegion?: string;
  /** Lambda timeout of each invocation (ms). */
  invocationMs?: number;
  safetyMarginMs?: number;
  poll?: PollOptions;
  handlers?: ReadonlyArray<ResourceHandler<unknown>>;
  /** Where the provider's state table lives (moto itself, so user-resource call counts stay clean); defaults to `endpoint`. */
  stateEndpoint?: string;
  /** Distributed loads: the state machine and the Step Functions client (the harness adds its state table and key). */
  distributed?: { sfn: SFNClient; stateMachineArn: string };
}

interface InvocationStore {
  id: string;
  crashed: boolean;
}

export async function startCfnHarness(opts: HarnessOptions): Promise<CfnHarness> {
  const port = await freePort();
  const responsePrefix = `http://127.0.0.1:${port}/`;
  const als = new AsyncLocalStorage<InvocationStore>();
  const logs: string[] = [];
  const attemptedUrls: string[] = [];
  const responses: ResponseRecord[] = [];
  const awsCalls: CfnHarness['awsCalls'] = [];
  const secrets: string[] = [TEST_CREDENTIALS.secretAccessKey, TEST_CREDENTIALS.accessKeyId];
  const waiters: { requestId: string; resolve: (r: ResponseRecord) => void }[] = [];
  let failPuts = 0;
  let running = 0;
  let crashPlan: (CrashPlan & { seen: number }) | undefined;
  const homeRegion = opts.homeRegion ?? 'us-east-1';
  const never = new Promise<never>(() => undefined);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failPuts > 0) {
        failPuts--;
        res.writeHead(500);
        res.end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const requestId = decodeURIComponent(String(req.url).split('?')[0].split('/').pop() ?? '');
      const record: ResponseRecord = {
        requestId,
        body: JSON.parse(raw.toString('utf8')) as ResponseBody,
        contentType: req.headers['content-type'],
        contentLength: Number(req.headers['content-length']),
        bodyBytes: raw.length,
      };
      responses.push(record);
      settle(record);
      res.writeHead(200);
      res.end();
      for (const w of waiters.filter((x) => x.requestId === requestId)) w.resolve(record);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));

  /** What each delivered request was, so its response can complete CloudFormation's record. */
  const stackStatusFor = new Map<string, string>();
  const recordFor = new Map<string, { status: string; physicalId?: string }>();
  const delivered = new Map<string, { stackId: string; logicalId: string; resourceType: string; requestType: string }>();
  const IN_PROGRESS: Record<string, string> = { Create: 'CREATE_IN_PROGRESS', Update: 'UPDATE_IN_PROGRESS', Delete: 'DELETE_IN_PROGRESS' };
  function markInProgress(event: Record<string, unknown>) {
    const stackId = String(event.StackId);
    const logicalId = String(event.LogicalResourceId);
    const resourceType = String(event.ResourceType);
    const requestType = String(event.RequestType);
    delivered.set(String(event.RequestId), { stackId, logicalId, resourceType, requestType });
    cloudformation.setStackStatus(stackId, stackStatusFor.get(String(event.RequestId)) ?? `${requestType.toUpperCase()}_IN_PROGRESS`);
    const record = recordFor.get(String(event.RequestId));
    if (record) return void cloudformation.setResource(stackId, { logicalId, resourceType, physicalId: record.physicalId, status: record.status });
    const current = cloudformation.resource(stackId, logicalId);
    // A duplicate delivery of the same request does not restart CloudFormation's clock.
    if (current && current.status === IN_PROGRESS[requestType] && current.physicalId === (event.PhysicalResourceId as string | undefined)) return;
    cloudformation.setResource(stackId, {
      logicalId,
      resourceType,
      physicalId: event.PhysicalResourceId as string | undefined,
      status: IN_PROGRESS[requestType] ?? 'UNKNOWN',
    });
  }
  function settle(record: ResponseRecord) {
    const d = delivered.get(record.requestId);
    if (!d) return;
    const current = cloudformation.resource(d.stackId, d.logicalId);
    if (!current || current.status !== IN_PROGRESS[d.requestType]) return;
    const outcome = record.body.Status === 'SUCCESS' ? 'COMPLETE' : 'FAILED';
    cloudformation.setResource(d.stackId, {
      logicalId: d.logicalId,
      resourceType: d.resourceType,
      physicalId: record.body.PhysicalResourceId,
      status: `${d.requestType.toUpperCase()}_${outcome}`,
    });
  }

  let harness: CfnHarness;
  const onCrash = () => {
    harness.crashes++;
  };
  const cloudformation = await startCloudFormationApi();
  const stateTable = `arc-dynamodb-provider-state-${randomUUID().slice(0, 8)}`;
  const stateDdb = new DynamoDBClient({ region: homeRegion, endpoint: opts.stateEndpoint ?? opts.endpoint, credentials: TEST_CREDENTIALS });
  await stateDdb.send(
    new CreateTableCommand({
      TableName: stateTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  const clients = makeAwsClients({
    homeRegion,
    endpoints: { '*': opts.endpoint, cloudformation: cloudformation.endpoint },
    credentials: TEST_CREDENTIALS,
    configure: (client, service, region) => {
      const stack = client.middlewareStack as { add: (mw: unknown, o: unknown) => void };
      stack.add(
        (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
          awsCalls.push({ service, region, command: context.commandName ?? '' });
          const store = als.getStore();
          if (store?.crashed) return never;
          const out = await next(args);
          if (store && crashPlan && context.commandName === crashPlan.command && ++crashPlan.seen === crashPlan.after) {
            crashPlan = undefined;
            store.crashed = true;
            onCrash();
            return never;
          }
          return out;
        },
        { step: 'initialize', name: 'harnessCrash' },
      );
    },
  });

  const store = dynamoStateStore(stateDdb, stateTable);
  if (opts.distributed)
    Object.assign(clients, { distributed: { ...opts.distributed, stateTable, signingKey: () => store.signingKey() } satisfies DistributedPort });
  function guardWith(overrides: Partial<GuardDeps>): Guard {
    return makeGuard({
      cloudformation: clients.cloudformation(),
      dynamodb: clients.dynamodb(),
      store,
      homeRegion,
      authRetriesMs: [20, 50, 100],
      // Longer in all (3.1 s) than LIFECYCLE_FAULTS keeps a create and a tag write stale (1.5 s).
      ownershipRetriesMs: [100, 200, 400, 800, 1600],
      ...overrides,
    });
  }

  const continuation: ContinuationPort = {
    async continue(payload) {
      if (als.getStore()?.crashed) return never;
      running++;
      setImmediate(() => {
        running--;
        invoke(payload, randomUUID(), 0);
      });
    },
  };

  const provider = createProvider({
    clients,
    handlers: opts.handlers ?? [makeReplicasHandler(opts.poll ?? { initialMs: 50, maxMs: 400 }) as ResourceHandler<unknown>],
    guard: guardWith({}),
    continuation,
    transport: async (url, body, headers) => {
      if (als.getStore()?.crashed) return never;
      attemptedUrls.push(url);
      return nodeTransport(url, body, headers);
    },
    log: jsonLogger((line) => logs.push(line)),
    config: {
      ...DEFAULT_CONFIG,
      responseUrl: { allowPrefix: responsePrefix },
      safetyMarginMs: opts.safetyMarginMs ?? 600,
      serviceTimeoutMarginMs: 500,
      responseBaseDelayMs: 20,
    },
  });

  /** One Lambda invocation; a crash is retried by "Lambda" with the same payload and request ID. */
  function invoke(payload: unknown, awsRequestId: string, attempt: number) {
    const store: InvocationStore = { id: awsRequestId, crashed: false };
    const deadline = Date.now() + (opts.invocationMs ?? 4000);
    running++;
    harness.invocations++;
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      running--;
      clearInterval(watch);
    };
    // Lambda's async retry after a crash (up to two more attempts; AWS waits about a minute).
    const watch = setInterval(() => {
      if (store.crashed && !settled) {
        done();
        if (attempt < 2) invoke(payload, awsRequestId, attempt + 1);
      }
    }, 20);
    void als
      .run(store, () => provider(payload, { awsRequestId, getRemainingTimeInMillis: () => deadline - Date.now() }))
      .then(() => {
        if (!store.crashed) done();
      });
  }

  harness = {
    clients,
    logs,
    attemptedUrls,
    responses,
    secrets,
    invocations: 0,
    crashes: 0,
    awsCalls,
    responsePrefix,
    stackId: (name) => `arn:aws:cloudformation:${homeRegion}:123456789012:stack/${name}/${randomUUID()}`,
    event(e) {
      const requestId = e.RequestId ?? randomUUID();
      const signature = `${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
      const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAFAKECRED%2F20261125&X-Amz-Signature=${signature}`;
      secrets.push(signature, query);
      if (e.StackStatus) stackStatusFor.set(requestId, e.StackStatus);
      if (e.Record) recordFor.set(requestId, e.Record);
      return {
        RequestType: e.RequestType,
        ServiceToken: `arn:aws:lambda:${homeRegion}:123456789012:function:arc-dynamodb-provider`,
        ResponseURL: `${responsePrefix}${encodeURIComponent(e.StackId)}/${requestId}?${query}`,
        StackId: e.StackId,
        RequestId: requestId,
        ResourceType: e.ResourceType ?? 'Custom::ArcDynamoDbReplicas',
        LogicalResourceId: e.LogicalResourceId,
        ...(e.PhysicalResourceId !== undefined ? { PhysicalResourceId: e.PhysicalResourceId } : {}),
        ResourceProperties: e.ResourceProperties,
        ...(e.OldResourceProperties !== undefined ? { OldResourceProperties: e.OldResourceProperties } : {}),
      };
    },
    deliver(event) {
      markInProgress(event);
      invoke(event, randomUUID(), 0);
    },
    deliverForged(event) {
      invoke(event, randomUUID(), 0);
    },
    cloudformation,
    stateTable,
    guardWith,
    async request(e, timeoutMs = 60000) {
      const ev = harness.event(e);
      harness.deliver(ev);
      return harness.waitForResponse(String(ev.RequestId), timeoutMs);
    },
    waitForResponse(requestId, timeoutMs = 60000) {
      const existing = responses.find((r) => r.requestId === requestId);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no response for ${requestId} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          requestId,
          resolve: (r) => {
            clearTimeout(t);
            resolve(r);
          },
        });
      });
    },
    responsesFor: (requestId) => responses.filter((r) => r.requestId === requestId),
    async idle(timeoutMs = 60000) {
      const until = Date.now() + timeoutMs;
      // Two quiet checks in a row: a continuation is queued with setImmediate.
      let quiet = 0;
      while (quiet < 3) {
        if (Date.now() > until) throw new Error('provider did not become idle');
        quiet = running === 0 ? quiet + 1 : 0;
        await new Promise((r) => setTimeout(r, 30));
      }
    },
    crashOn(plan) {
      crashPlan = { ...plan, seen: 0 };
    },
    failNextPuts(n) {
      failPuts = n;
    },
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await cloudformation.stop();
    },
  };
  return harness;
}

/** Lines of the captured logs containing any of the given secrets (should be none). */
export function leakedSecrets(logs: string[], secrets: string[]): string[] {
  return logs.filter((l) => secrets.some((s) => s.length >= 8 && l.includes(s)));
}
