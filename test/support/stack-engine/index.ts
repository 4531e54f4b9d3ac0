/**
 * The stack engine: deploys a sequence of expanded templates (v1, v2, ...) to local stand-ins as
 * CloudFormation would, so tests can watch creates, updates, cleanup and rollbacks happen.
 *
 * PUBLIC API
 *
 *   const engine = await startStackEngine({ serviceTimeoutScaleMs: 10 });
 *   const v1 = engine.expand(arcYaml);                       // the macro's own expandTemplate
 *   const r1 = await engine.deploy('orders', v1);            // -> { status: 'CREATE_COMPLETE', events, ... }
 *   const r2 = await engine.deploy('orders', v2, { failResource: 'OrdersDashboard' });
 *   //   -> { status: 'UPDATE_ROLLBACK_COMPLETE', reason, events }
 *   await engine.deleteStack('orders');                      // -> { status: 'DELETE_COMPLETE', ... }
 *   engine.requests / engine.responses / engine.responsesFor(requestId)   // custom resources
 *   engine.forceTimeout('orders', 'OrdersReplicas');         // its request (or wait condition) in flight times out now
 *   const d = engine.deleteStackDuringCreate('orders');      // DeleteStack while CREATE_IN_PROGRESS
 *   engine.signals                                           // every PUT to a wait condition handle URL
 *   engine.stop();
 *   const local = await startStackEngine({ dynamodb: 'dynamodb-local' });   // DynamoDB on DynamoDB Local
 *
 * - `deploy(stackName, template, { parameters?, failResource?, serviceTimeoutMs? })` creates
 *   the stack, or updates it when it exists. `failResource` makes that resource's create or
 *   update fail without calling its backend (an unchanged resource is attempted anyway), so
 *   healthy resources' updates get rolled back. `serviceTimeoutMs` overrides the custom-resource
 *   timeout (ms) of the named logical IDs for requests of this deployment's create/update phase
 *   (rollback and cleanup requests keep the scaled ServiceTimeout). Resolves with the final status,
 *   the events of this operation and the stack's outputs; a template CloudFormation would reject
 *   up front (unknown parameter, circular dependency, unsupported type, "No updates are to be
 *   performed.", a stack in ROLLBACK_COMPLETE) throws instead.
 * - `deleteStack(stackName)` deletes in reverse dependency order honouring DeletionPolicy.
 * - `forceTimeout(stackName, logicalId)` ends the engine's wait for that resource's custom-resource
 *   request in flight, or for its waiting WaitCondition, as if its ServiceTimeout (Timeout) had passed
 *   now (returns how many waits it hit), so a test can time a request out at a moment it observed (a
 *   replica CREATING) instead of racing a clock; the stack operation then fails or rolls back exactly
 *   as for a real timeout.
 * - `deleteStackDuringCreate(stackName)` is DeleteStack on a stack still CREATE_IN_PROGRESS (deploy
 *   and deleteStack are otherwise serialised): the custom-resource request or wait condition in flight
 *   is cancelled (CREATE_FAILED "Resource creation cancelled", with a physical ID the engine makes up, as
 *   CloudFormation does: aws-cloudformation/cloudformation-coverage-roadmap#1730 and #1814), no
 *   further resource is created, and the stack is deleted (DELETE_IN_PROGRESS, every resource made
 *   so far in reverse dependency order, DeletionPolicy honoured) while the provider may still be
 *   working on the cancelled Create. Resolves with the running deploy's result (DELETE_COMPLETE).
 *   Throws unless the stack is CREATE_IN_PROGRESS.
 * - `expand(arc, { parameters?, region?, accountId? })` expands an Arc template (YAML/JSON text or
 *   an object) exactly as the CLI does (cli/commands/expand.ts).
 * - `requests` are every custom-resource request sent, `responses` every PUT received (late ones
 *   flagged), so a test can assert each request was answered exactly once.
 * - AWS::CloudFormation::WaitConditionHandle / WaitCondition (./wait-condition.ts): the handle's Ref
 *   is a pre-signed-style URL under the custom-resource server's `responsePrefix` (so the provider may
 *   PUT to it), `<prefix>wait/<url-encoded stack ARN/handle logical ID>?AWSAccessKeyId=...&Expires=...&Signature=...`;
 *   a condition is CREATE_IN_PROGRESS (events and `cfnApi`) until Count SUCCESS signals with distinct
 *   UniqueIds are on its handle (signals sent before it started count), fails on a FAILURE signal or
 *   its Timeout (seconds x `serviceTimeoutScaleMs`, or `serviceTimeoutMs` for its logical ID), fails
 *   every property update ("Updates aren't supported."), and gives Fn::GetAtt Data. `signals` are
 *   every request to a handle URL with what became of it (stored, retransmission, unparsable,
 *   orphaned, rejected: a non-PUT or a non-empty Content-Type gets S3's 403 SignatureDoesNotMatch).
 * - `dynamodb: 'dynamodb-local'` puts DynamoDB on Amazon's DynamoDB Local (local/dynamodb-local.ts)
 *   instead of moto: the AWS::DynamoDB::Table handler, `dynamodb()`, the provider's state table and
 *   the provider's DynamoDB client (ARC_DYNAMODB_ENDPOINT_DYNAMODB) all use it, one database per
 *   region (and access key), as DynamoDB Local keeps them; Application Auto Scaling and CloudWatch stay
 *   on moto through the simulator. It is real-like where moto is not (observed with DynamoDB Local
 *   1.25): a new GSI is CREATING before ACTIVE (~0.6 s), a second index create or delete meanwhile is
 *   LimitExceededException "Only 1 online index can be created or deleted simultaneously per table",
 *   another UpdateTable meanwhile is ResourceInUseException. It has no replicas (global tables),
 *   tags, PITR, contributor insights, Kinesis destinations, resource policies or ImportTable
 *   (DynamoDB developer guide, "DynamoDB Local usage notes"). Tags are added by a loopback proxy in
 *   front of it (./dynamodb-local-tags.ts: TagResource, UntagResource, ListTagsOfResource and
 *   CreateTable's Tags), and everything above talks to DynamoDB Local through that proxy:
 *   `dynamodbLocalCalls` records each call (operation, table, status, time), and
 *   `dynamodbLocal.endpoint` is DynamoDB Local itself, for a test that wants to bypass the proxy. The
 *   Table handler skips the calls DynamoDB Local still rejects (PITR, contributor insights, Kinesis,
 *   stream policy, an UpdateTable of only SSE, table class or warm throughput) and lists each in
 *   `skippedCalls`; and, because DynamoDB Local resets deletion protection on any UpdateTable that
 *   omits it, it sends DeletionProtectionEnabled in every UpdateTable. Custom resources that need
 *   replicas fail on this backend: use it for tables without replicas.
 * - `lambda` is the local Lambda service running the REAL bundled provider: `hold`/`release`/
 *   `drop`, `crashNext`, `duplicateNext`, `invocations`, `logs` (see ./lambda.ts).
 * - `cfnApi` is CloudFormation's read API (DescribeStackResource/DescribeStacks) that the engine
 *   keeps truthful at every step; `moto`, `sim` and the `dynamodb`/`autoscaling`/`cloudwatch`
 *   clients let tests assert what exists.
 *
 * Time: the custom-resource clock is ServiceTimeout (s) x `serviceTimeoutScaleMs`, a wait
 * condition's Timeout (s) x the same scale; each Lambda invocation may run `invocationMs`. Nothing
 * waits on wall-clock guesses: every wait is a bounded poll, and a test that needs a timeout forces
 * it (`lambda.hold` + a small `serviceTimeoutMs`, or `forceTimeout`).
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal, type DynamoDbLocalOptions } from '../../../local/dynamodb-local';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { expandTemplate, withoutArcTransform } from '../../../macro/expand';
import { parameterValues } from '../../../cli/commands/expand';
import { parseTemplate } from '../../../cli/yaml';
import { startCloudFormationApi, type CloudFormationApi } from '../cloudformation-api';
import { LOCAL_CREDENTIALS, MOTO_ACCOUNT, startMoto, type Moto } from '../moto';
import { startReplicaSimulator, type IndexPhaseTimes, type ReplicaSimulator } from '../replica-simulator';
import { startCustomResources, type CustomRequestRecord, type CustomResponseRecord } from './custom';
import { startLocalLambda, type InvocationRecord, type LocalLambda } from './lambda';
import { Lifecycle, type DeployOptions } from './lifecycle';
import { alarmHandler, dashboardHandler, scalableTargetHandler, scalingPolicyHandler } from './natives';
import { StackOps, type StackState } from './stack';
import { tableHandler, type SkippedCall } from './table';
import { startDynamoDbLocalTagProxy, type DynamoDbLocalCall, type DynamoDbLocalTagProxy } from './dynamodb-local-tags';
import { startWaitConditions, type WaitSignalRecord } from './wait-condition';
import { resolveParameters, sameValue, TemplateError } from './intrinsics';
import type { ResourceTypeHandler, StackEvent, StackStatus, Template } from './types';

export type { StackEvent, StackStatus, Template } from './types';
export type { CustomRequestRecord, CustomResponseRecord } from './custom';
export type { InvocationRecord, LocalLambda } from './lambda';
export type { StackState } from './stack';
export type { WaitSignalRecord } from './wait-condition';
export type { SkippedCall } from './table';
export type { DynamoDbLocalCall, DynamoDbLocalTagProxy } from './dynamodb-local-tags';

export interface StackEngineOptions {
  /** The stacks' (and the provider's home) region. Default us-east-1. */
  region?: string;
  accountId?: string;
  /** How long the simulator keeps a replica CREATING/DELETING (ms). Default 300. */
  replicaDelayMs?: number;
  /** The simulator's GSI phases (allocation, backfill, deletion; rules R14-R17); off when absent (moto's instant indexes). */
  indexPhases?: IndexPhaseTimes;
  /** How long a table export stays IN_PROGRESS (ms; the replica simulator's export model). */
  exportMs?: number;
  /** Engine milliseconds per second of a custom resource's ServiceTimeout. Default 1000. */
  serviceTimeoutScaleMs?: number;
  /** Each Lambda invocation's timeout (ms). Default 60000. */
  invocationMs?: number;
  /** Wait before Lambda's async retry of a failed invocation (ms; AWS: 1-2 min). Default 100. */
  lambdaRetryDelayMs?: number;
  /** Bound of each wait for a table to be ACTIVE or gone (ms). Default 30000. */
  tableWaitMs?: number;
  /** The provider's state table, created in the home region before the provider starts. */
  stateTableName?: string;
  functionName?: string;
  /** Runs before each Lambda invocation of the provider (e.g. to read the CloudFormation API). */
  beforeInvoke?: (record: InvocationRecord, payload: unknown) => Promise<void> | void;
  /** Where DynamoDB runs: moto behind the replica simulator (default) or DynamoDB Local (see the header). */
  dynamodb?: DynamoDbBackend;
  /** DynamoDB Local's start options (dynamodb: 'dynamodb-local' only), e.g. delayTransientStatuses. */
  dynamodbLocal?: Pick<DynamoDbLocalOptions, 'delayTransientStatuses' | 'heapMb' | 'startTimeoutMs'>;
}

export type DynamoDbBackend = 'moto' | 'dynamodb-local';

export interface DeployResult {
  stackId: string;
  status: StackStatus;
  reason?: string;
  /** The events of this operation, oldest first. */
  events: StackEvent[];
  outputs: Record<string, unknown>;
}

export interface StackEngine {
  region: string;
  accountId: string;
  moto: Moto;
  sim: ReplicaSimulator;
  cfnApi: CloudFormationApi;
  lambda: LocalLambda;
  stateTableName: string;
  providerArn: string;
  requests: CustomRequestRecord[];
  responses: CustomResponseRecord[];
  responsesFor(requestId: string): CustomResponseRecord[];
  /** Every request to a wait condition handle URL, oldest first. */
  signals: WaitSignalRecord[];
  dynamodbBackend: DynamoDbBackend;
  /** The DynamoDB Local process (dynamodb: 'dynamodb-local' only): its endpoint bypasses the tag proxy. */
  dynamodbLocal?: DynamoDbLocal;
  /** The tag proxy in front of DynamoDB Local (dynamodb: 'dynamodb-local' only; ./dynamodb-local-tags.ts). */
  dynamodbLocalProxy?: DynamoDbLocalTagProxy;
  /** Every DynamoDB call through the tag proxy, oldest first (empty on moto: see `sim.calls`). */
  dynamodbLocalCalls: DynamoDbLocalCall[];
  /** Table handler calls skipped because the DynamoDB backend does not implement them. */
  skippedCalls: SkippedCall[];
  expand(arc: string | Record<string, unknown>, opts?: { parameters?: Record<string, string>; region?: string; accountId?: string }): Template;
  deploy(stackName: string, template: Template, opts?: DeployOptions & { serviceTimeoutMs?: Record<string, number> }): Promise<DeployResult>;
  deleteStack(stackName: string): Promise<DeployResult>;
  forceTimeout(stackName: string, logicalId: string): number;
  deleteStackDuringCreate(stackName: string): Promise<DeployResult>;
  stack(stackName: string): StackState | undefined;
  dynamodb(region?: string): DynamoDBClient;
  autoscaling(region?: string): ApplicationAutoScalingClient;
  cloudwatch(region?: string): CloudWatchClient;
  stop(): Promise<void>;
}

const isCustom = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
const TERMINAL_BLOCKED = ['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'UPDATE_ROLLBACK_FAILED', 'DELETE_FAILED'];

export async function startStackEngine(opts: StackEngineOptions = {}): Promise<StackEngine> {
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? MOTO_ACCOUNT;
  const stateTableName = opts.stateTableName ?? 'arc-dynamodb-provider-state';
  const scale = opts.serviceTimeoutScaleMs ?? 1000;
  const backend: DynamoDbBackend = opts.dynamodb ?? 'moto';
  // DynamoDB Local's JVM takes ~2 s to answer: it starts alongside moto.
  const [ddbLocal, moto] = await Promise.all([
    backend === 'dynamodb-local' ? startDynamoDbLocal({ heapMb: 512, ...opts.dynamodbLocal }) : Promise.resolve(undefined),
    startMoto(),
  ]);
  const sim = await startReplicaSimulator(moto, { replicaDelayMs: opts.replicaDelayMs ?? 300, indexPhases: opts.indexPhases, exportMs: opts.exportMs });
  // DynamoDB Local has no tagging: everyone talks to it through the tag proxy.
  const tagProxy = ddbLocal ? await startDynamoDbLocalTagProxy(ddbLocal.endpoint) : undefined;
  const cfnApi = await startCloudFormationApi();
  const lambda = await startLocalLambda({
    region,
    accountId,
    functionName: opts.functionName ?? 'arc-dynamodb-provider',
    invocationMs: opts.invocationMs ?? 60_000,
    retryDelayMs: opts.lambdaRetryDelayMs ?? 100,
    beforeInvoke: opts.beforeInvoke,
  });
  let overrides: Record<string, number> = {};
  // An override applies to the create/update phase only: rollback requests keep the scaled clock.
  const forward = (phase: string) => phase === 'CREATE_IN_PROGRESS' || phase === 'UPDATE_IN_PROGRESS';
  const custom = await startCustomResources({
    lambda,
    serviceTimeoutMs: (seconds, ctx) => (forward(ctx.phase) ? overrides[ctx.logicalId] : undefined) ?? seconds * scale,
  });
  // Wait conditions keep the same clock; their handle URLs are served by the custom-resource server.
  const waits = startWaitConditions({
    baseUrl: `${custom.responsePrefix}wait/`,
    timeoutMs: (seconds, ctx) => (forward(ctx.phase) ? overrides[ctx.logicalId] : undefined) ?? seconds * scale,
  });
  custom.route('/wait/', waits.serve);

  const cache = new Map<string, unknown>();
  const client = <T>(kind: string, r: string, make: () => T): T => {
    const key = `${kind}:${r}`;
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  const base = (r: string) => ({ region: r, endpoint: sim.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });
  const ddbEndpoint = tagProxy?.endpoint ?? sim.endpoint;
  const dynamodb = (r = region) => client('ddb', r, () => new DynamoDBClient({ ...base(r), endpoint: ddbEndpoint }));
  const autoscaling = (r = region) => client('aas', r, () => new ApplicationAutoScalingClient(base(r)));
  const cloudwatch = (r = region) => client('cw', r, () => new CloudWatchClient(base(r)));

  // The provider's state table (key pk, on demand) in the home region, before the provider runs.
  await dynamodb(region).send(
    new CreateTableCommand({
      TableName: stateTableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

  // The provider function's configuration: environment variables only, as deployed.
  const env: Record<string, string> = {
    AWS_REGION: region,
    ARC_DYNAMODB_AWS_ENDPOINT: sim.endpoint,
    ...(tagProxy ? { ARC_DYNAMODB_ENDPOINT_DYNAMODB: tagProxy.endpoint } : {}),
    ARC_DYNAMODB_ENDPOINT_LAMBDA: lambda.endpoint,
    ARC_DYNAMODB_ENDPOINT_CLOUDFORMATION: cfnApi.endpoint,
    ARC_DYNAMODB_ALLOW_RESPONSE_URL_PREFIX: custom.responsePrefix,
    ARC_DYNAMODB_STATE_TABLE: stateTableName,
  };
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);

  const skippedCalls: SkippedCall[] = [];
  const handlers: Record<string, ResourceTypeHandler> = {
    'AWS::DynamoDB::Table': tableHandler({
      dynamodb,
      waitMs: opts.tableWaitMs ?? 30_000,
      ...(ddbLocal ? { dynamodbLocal: true, skipped: skippedCalls } : {}),
    }),
    'AWS::ApplicationAutoScaling::ScalableTarget': scalableTargetHandler({ autoscaling, cloudwatch }),
    'AWS::ApplicationAutoScaling::ScalingPolicy': scalingPolicyHandler({ autoscaling, cloudwatch }),
    'AWS::CloudWatch::Alarm': alarmHandler({ autoscaling, cloudwatch }),
    'AWS::CloudWatch::Dashboard': dashboardHandler({ autoscaling, cloudwatch }),
    'AWS::CloudFormation::WaitConditionHandle': waits.handleHandler,
    'AWS::CloudFormation::WaitCondition': waits.conditionHandler,
  };
  const handlerFor = (type: string) => handlers[type] ?? (isCustom(type) ? custom.handler : undefined);
  const stacks = new Map<string, StackState>();
  const running = new Map<string, Promise<DeployResult>>();
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = queue.then(f, f);
    queue = next.catch(() => undefined);
    return next;
  };
  const result = (s: StackState, from: number, status: StackStatus, reason?: string): DeployResult => ({
    stackId: s.stackId,
    status,
    ...(reason ? { reason } : {}),
    events: s.events.slice(from),
    outputs: s.outputs,
  });

  const engine: StackEngine = {
    region,
    accountId,
    moto,
    sim,
    cfnApi,
    lambda,
    stateTableName,
    providerArn: lambda.functionArn,
    requests: custom.requests,
    responses: custom.responses,
    responsesFor: custom.responsesFor,
    signals: waits.signals,
    dynamodbBackend: backend,
    ...(ddbLocal ? { dynamodbLocal: ddbLocal } : {}),
    ...(tagProxy ? { dynamodbLocalProxy: tagProxy } : {}),
    dynamodbLocalCalls: tagProxy?.calls ?? [],
    skippedCalls,

    expand(arc, o = {}) {
      const parsed = typeof arc === 'string' ? parseTemplate(arc, 'arc template') : structuredClone(arc);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TemplateError('an Arc template must be an object');
      const template = parsed as Record<string, unknown>;
      const out = expandTemplate({
        fragment: withoutArcTransform(template),
        templateParameterValues: parameterValues(template, o.parameters ?? {}),
        region: o.region ?? region,
        accountId: o.accountId ?? accountId,
      });
      if (!out.ok) throw new TemplateError(`the ArcDynamoDb macro failed: ${out.errorMessage}`);
      return out.fragment as unknown as Template;
    },

    deploy(stackName, template, o = {}) {
      const run = serial(async () => {
        const unsupported = Object.entries(template.Resources ?? {}).filter(([, r]) => !handlerFor(r.Type));
        if (unsupported.length > 0)
          throw new TemplateError(`The stack engine does not implement these resource types: ${unsupported.map(([id, r]) => `${id} (${r.Type})`).join(', ')}`);
        let s = stacks.get(stackName);
        if (s && TERMINAL_BLOCKED.includes(s.status)) throw new TemplateError(`Stack:${s.stackId} is in ${s.status} state and can not be updated.`);
        if (s && s.template && !o.failResource && sameValue(s.template, template) && sameValue(s.parameters, resolveParameters(template, o.parameters)))
          throw new TemplateError('No updates are to be performed.');
        const creating = !s;
        if (!s) {
          s = {
            stackId: `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${randomUUID()}`,
            stackName,
            status: 'CREATE_IN_PROGRESS',
            parameters: {},
            resources: new Map(),
            outputs: {},
            events: [],
          };
          stacks.set(stackName, s);
          cfnApi.stack(s.stackId, 'CREATE_IN_PROGRESS');
        }
        const from = s.events.length;
        overrides = o.serviceTimeoutMs ?? {};
        try {
          const life = new Lifecycle(new StackOps(s, { region, accountId, cfnApi, handlerFor }), region, accountId);
          const r = creating ? await life.create(template, o) : await life.update(template, o);
          // Only a Create that deleteStackDuringCreate turned into a delete ends DELETE_COMPLETE.
          if (r.status === 'DELETE_COMPLETE') stacks.delete(stackName);
          return result(s, from, r.status, r.reason);
        } finally {
          overrides = {};
        }
      });
      running.set(stackName, run);
      void run.finally(() => running.get(stackName) === run && running.delete(stackName)).catch(() => undefined);
      return run;
    },

    deleteStack: (stackName) =>
      serial(async () => {
        const s = stacks.get(stackName);
        if (!s) throw new TemplateError(`Stack with id ${stackName} does not exist`);
        const from = s.events.length;
        const r = await new Lifecycle(new StackOps(s, { region, accountId, cfnApi, handlerFor }), region, accountId).delete();
        if (r.status === 'DELETE_COMPLETE') stacks.delete(stackName);
        return result(s, from, r.status, r.reason);
      }),

    forceTimeout(stackName, logicalId) {
      const s = stacks.get(stackName);
      if (!s) return 0;
      return custom.interrupt({ stackId: s.stackId, logicalId }, 'timeout') + waits.interrupt({ stackId: s.stackId, logicalId }, 'timeout');
    },

    deleteStackDuringCreate(stackName) {
      const s = stacks.get(stackName);
      const run = running.get(stackName);
      if (!s || !run || s.status !== 'CREATE_IN_PROGRESS')
        throw new TemplateError(`Stack ${stackName} is not CREATE_IN_PROGRESS (${s?.status ?? 'no such stack'})`);
      s.deleteRequested = true;
      custom.interrupt({ stackId: s.stackId }, 'cancel');
      waits.interrupt({ stackId: s.stackId }, 'cancel');
      return run;
    },

    stack: (name) => stacks.get(name),
    dynamodb,
    autoscaling,
    cloudwatch,

    async stop() {
      await queue.catch(() => undefined);
      await lambda.idle(30_000).catch(() => undefined);
      await lambda.stop();
      await custom.stop();
      for (const [k, v] of Object.entries(savedEnv)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      for (const c of cache.values()) (c as { destroy(): void }).destroy();
      await cfnApi.stop();
      await sim.stop();
      await moto.stop();
      await tagProxy?.stop();
      await ddbLocal?.stop();
    },
  };
  return engine;
}
