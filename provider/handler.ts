/**
 * The provider Lambda's entry point (bundled to dist/provider/index.js, handler `index.handler`).
 * Everything is built lazily on the first event and reused while the execution environment
 * lives; AWS's Lambda guidance for SDK v3 is to do async one-time setup inside the handler.
 */
import { makeAwsClients, endpointsFromEnv } from './aws';
import { lambdaSelfInvoke } from './continuation';
import { jsonLogger } from './protocol/log';
import { nodeTransport } from './protocol/response';
import { createProvider, DEFAULT_CONFIG, type InvocationContext } from './protocol/run';
import { resourceHandlers } from './resource-handlers';
import { makeGuard } from './guard';
import { dynamoStateStore, STATE_TABLE_ENV } from './guard/state-store';
import { isWorkerEvent, runWorker, type BatchResult } from './load/distributed/worker';
import { LOAD_STATE_MACHINE_ENV } from './load/distributed/run';

export interface LambdaContext extends InvocationContext {
  invokedFunctionArn: string;
}

export const RESPONSE_URL_OVERRIDE_ENV = 'ARC_DYNAMODB_ALLOW_RESPONSE_URL_PREFIX';
/** Overrides ProviderConfig.backgroundAfterMs (tests, whose clock is scaled); unset in AWS. */
export const BACKGROUND_AFTER_ENV = 'ARC_DYNAMODB_BACKGROUND_AFTER_MS';

function backgroundAfterMs(env: NodeJS.ProcessEnv): number {
  const raw = env[BACKGROUND_AFTER_ENV];
  const n = raw ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_CONFIG.backgroundAfterMs;
}

let provider: ((raw: unknown, ctx: InvocationContext) => Promise<void>) | undefined;
let providerArn: string | undefined;
let worker: ((event: Record<string, unknown>, ctx: InvocationContext) => Promise<BatchResult>) | undefined;

/** Time a worker keeps back from its invocation's deadline to record its batch and return. */
const WORKER_MARGIN_MS = 10_000;

/**
 * CloudFormation's events (and the provider's own continuations) go to the protocol; a batch of a
 * distributed load, sent by the provider's state machine (provider/load/distributed/worker.ts),
 * goes to the worker, which answers with the batch's counts (the child execution's output).
 */
export async function handler(event: unknown, context: LambdaContext): Promise<BatchResult | undefined> {
  if (isWorkerEvent(event)) {
    if (!worker) {
      const env = process.env;
      const clients = makeAwsClients({ homeRegion: env.AWS_REGION ?? 'us-east-1', endpoints: endpointsFromEnv(env) });
      const store = dynamoStateStore(clients.dynamodb(), env[STATE_TABLE_ENV]);
      const log = jsonLogger();
      worker = (e, ctx) =>
        runWorker(e, {
          signingKey: () => store.signingKey(),
          dynamodb: clients.dynamodb(),
          s3: clients.s3(),
          stateTable: env[STATE_TABLE_ENV] ?? '',
          readLease: (stackId, logicalId) => store.readLease(stackId, logicalId),
          log,
          deadline: Date.now() + ctx.getRemainingTimeInMillis() - WORKER_MARGIN_MS,
          hardDeadline: Date.now() + ctx.getRemainingTimeInMillis(),
          ...(ctx.awsRequestId ? { invocationId: ctx.awsRequestId } : {}),
        });
    }
    return worker(event, context);
  }
  if (!provider || providerArn !== context.invokedFunctionArn) {
    const env = process.env;
    const homeRegion = env.AWS_REGION ?? 'us-east-1';
    const aws = makeAwsClients({ homeRegion, endpoints: endpointsFromEnv(env) });
    const store = dynamoStateStore(aws.dynamodb(), env[STATE_TABLE_ENV]);
    const machine = env[LOAD_STATE_MACHINE_ENV];
    // Distributed loads only where template.yaml deployed their state machine (LoadBucketNames set).
    const clients = machine
      ? { ...aws, distributed: { sfn: aws.sfn(), stateMachineArn: machine, stateTable: env[STATE_TABLE_ENV] ?? '', signingKey: () => store.signingKey() } }
      : aws;
    providerArn = context.invokedFunctionArn;
    provider = createProvider({
      clients,
      handlers: resourceHandlers,
      guard: makeGuard({
        cloudformation: clients.cloudformation(),
        dynamodb: clients.dynamodb(),
        store,
        homeRegion,
      }),
      continuation: lambdaSelfInvoke(clients.lambda(), context.invokedFunctionArn),
      transport: nodeTransport,
      log: jsonLogger(),
      config: { ...DEFAULT_CONFIG, responseUrl: { allowPrefix: env[RESPONSE_URL_OVERRIDE_ENV] || undefined }, backgroundAfterMs: backgroundAfterMs(env) },
    });
  }
  await provider(event, context);
  return undefined;
}
