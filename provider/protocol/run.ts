/**
 * One invocation of the provider, from raw event to exactly one answer (or a continuation).
 *
 *   parse and check the event -> find the handler -> parse its properties -> ownership check
 *   -> operation lease -> handler, raced against the deadline -> respond, or continue.
 *
 * safeHandler: nothing here throws to Lambda. A thrown error would make Lambda retry the event
 * (async invocation) and, without a response, leave the stack waiting up to an hour; every
 * failure becomes a FAILED response instead (CDK provider framework, cfn-response.ts).
 */
import type { AwsClients, HandlerResult, Logger, ResourceHandler } from '../types';
import { CONTINUATION_KEY, continuationPayload, readContinuation, type ContinuationPort, type ContinuationState } from '../continuation';
import { decideOwnership, listTags, observeOwnership, writeOwnerTag } from '../ownership';
import { parseEvent, type CfnEvent, type ResponseUrlPolicy } from './event';
import { chainKey, judgeLease, readLease, requestKey, writeLease, type Lease } from './lease';
import { withFields } from './log';
import { createFailedId, isCreateFailedId } from './physical-id';
import { sendResponse, type ResponseBody, type ResponseTransport } from './response';
import { MAX_SERVICE_TIMEOUT_SECONDS } from '../../common/contract';

export interface ProviderConfig {
  responseUrl: ResponseUrlPolicy;
  /** Time kept back from Lambda's deadline to respond or continue (ms). */
  safetyMarginMs: number;
  /** Time kept back from the ServiceTimeout to answer FAILED before CloudFormation gives up (ms). */
  serviceTimeoutMarginMs: number;
  responseAttempts: number;
  responseBaseDelayMs: number;
}

export const DEFAULT_CONFIG: ProviderConfig = {
  responseUrl: {},
  safetyMarginMs: 20_000,
  serviceTimeoutMarginMs: 60_000,
  responseAttempts: 5,
  responseBaseDelayMs: 1000,
};

export interface ProviderDeps {
  clients: AwsClients;
  handlers: ReadonlyArray<ResourceHandler<unknown>>;
  continuation: ContinuationPort;
  transport: ResponseTransport;
  log: Logger;
  config: ProviderConfig;
  now?: () => number;
}

export interface InvocationContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** Lambda's on-failure destination record (retries exhausted): the original event is requestPayload. */
function destinationPayload(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const ctx = r.requestContext as Record<string, unknown> | undefined;
  if (ctx && typeof ctx === 'object' && typeof ctx.condition === 'string' && r.requestPayload && typeof r.requestPayload === 'object') return r.requestPayload;
  return undefined;
}

function serviceTimeoutSeconds(props: Record<string, unknown>): number {
  const v = props.ServiceTimeout;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_SERVICE_TIMEOUT_SECONDS ? n : MAX_SERVICE_TIMEOUT_SECONDS;
}

/** Thrown by assertCurrent when a later request has taken the resource over. */
export class SupersededError extends Error {
  /** sameRequest: another chain of the same request took over (stay silent); else a later request did. */
  constructor(readonly sameRequest: boolean) {
    super(sameRequest ? 'another invocation took over this request' : 'superseded by a later request for this resource');
    this.name = 'SupersededError';
  }
}

const SUPERSEDED_REASON = 'Superseded by a later request for this resource (CloudFormation sent a Delete while this operation was running).';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 2000);

export function createProvider(deps: ProviderDeps): (raw: unknown, ctx: InvocationContext) => Promise<void> {
  const now = deps.now ?? Date.now;
  return async (raw, ctx) => {
    try {
      await runInvocation(raw, ctx);
    } catch (e) {
      // Only reachable if logging itself failed; never rethrow to Lambda.
      try {
        deps.log.error('unexpected provider error', { error: message(e) });
      } catch {
        /* nothing left to do */
      }
    }
  };

  async function runInvocation(raw: unknown, ctx: InvocationContext): Promise<void> {
    const startedAt = now();
    const lambdaDeadline = startedAt + Math.max(0, ctx.getRemainingTimeInMillis());
    const fromDestination = destinationPayload(raw);
    const inner = fromDestination ?? raw;
    const parsed = parseEvent(inner, deps.config.responseUrl);
    if (!parsed.ok) {
      const log = withFields(deps.log, { requestId: parsed.partial.RequestId?.slice(0, 100), logicalId: parsed.partial.LogicalResourceId });
      if (!parsed.responseUrl) {
        log.warn('event rejected; it has no usable ResponseURL, so no response is sent', { reason: parsed.reason });
        return;
      }
      log.warn('event rejected', { reason: parsed.reason });
      const p = parsed.partial;
      await respond(
        {
          Status: 'FAILED',
          Reason: `Invalid custom resource request: ${parsed.reason}.`,
          PhysicalResourceId: p.PhysicalResourceId ?? createFailedId(p.LogicalResourceId ?? 'Unknown'),
          StackId: p.StackId ?? 'unknown',
          RequestId: p.RequestId ?? 'unknown',
          LogicalResourceId: p.LogicalResourceId ?? 'unknown',
        },
        parsed.responseUrl,
        log,
      );
      return;
    }
    const event = parsed.event;
    const log = withFields(deps.log, { requestId: event.RequestId, logicalId: event.LogicalResourceId, requestType: event.RequestType });
    const cont = readContinuation(inner);
    const send = (status: 'SUCCESS' | 'FAILED', reason: string | undefined, physicalResourceId: string, data?: Record<string, string | number>) =>
      respond(
        { Status: status, Reason: reason, PhysicalResourceId: physicalResourceId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: data },
        event.ResponseURL,
        log,
      );
    /** The one answer of this invocation; later attempts (abandoned work) are dropped. */
    const answer = async (status: 'SUCCESS' | 'FAILED', reason: string | undefined, physicalResourceId: string, data?: Record<string, string | number>) => {
      if (gate.closed) return;
      gate.closed = true;
      await send(status, reason, physicalResourceId, data);
    };
    const failedId = () => (event.RequestType === 'Create' ? createFailedId(event.LogicalResourceId) : (event.PhysicalResourceId as string));

    // Exactly one outcome per invocation: an answer or a continuation. The watchdog takes over
    // when anything (the handler, or a call of the protocol's own) is still running at the
    // deadline: it aborts the work and continues from the last checkpoint, and whatever the
    // abandoned work tries afterwards is dropped by the gate.
    const chainId = cont?.chainId ?? ctx.awsRequestId;
    const operationStart = cont?.startedAt ?? startedAt;
    const abort = new AbortController();
    const gate = { closed: false };
    const continueWith = async (checkpoint: unknown, physicalResourceId: string | undefined) => {
      if (gate.closed) return;
      gate.closed = true;
      const state: ContinuationState = {
        chainId,
        startedAt: operationStart,
        hop: (cont?.hop ?? 0) + 1,
        checkpoint,
        ...(physicalResourceId ? { physicalResourceId } : {}),
      };
      const original = { ...(inner as Record<string, unknown>) };
      delete original[CONTINUATION_KEY];
      await deps.continuation.continue(continuationPayload(original, state));
      log.info('continuing in a new invocation', { hop: state.hop });
    };
    const work = async (): Promise<void> => {
      if (fromDestination) {
        log.error('Lambda gave up on this event after its retries', {});
        await answer('FAILED', 'The provider stopped unexpectedly (Lambda retries exhausted). See the provider function\'s logs for this request ID.', failedId());
        return;
      }

      // The rollback Delete of a failed Create: nothing was created, so nothing is touched.
      if (event.RequestType === 'Delete' && isCreateFailedId(event.PhysicalResourceId)) {
        log.info('Delete of a resource whose Create failed; nothing to do', {});
        await answer('SUCCESS', undefined, event.PhysicalResourceId as string);
        return;
      }

      const handler = deps.handlers.find((h) => h.resourceType === event.ResourceType);
      if (!handler) {
        log.warn('unsupported resource type', { resourceType: event.ResourceType });
        if (event.RequestType === 'Delete') return void (await answer('SUCCESS', undefined, event.PhysicalResourceId as string));
        await answer('FAILED', `Unsupported resource type ${event.ResourceType}; this provider serves ${deps.handlers.map((h) => h.resourceType).join(', ')}.`, failedId());
        return;
      }

      let props: unknown;
      let oldProps: unknown;
      try {
        props = handler.parseProperties(event.ResourceProperties);
        if (event.OldResourceProperties) {
          try {
            oldProps = handler.parseProperties(event.OldResourceProperties);
          } catch {
            oldProps = undefined; // written by an older or broken template: reconcile from the new ones
          }
        }
      } catch (e) {
        if (event.RequestType === 'Delete') {
          log.warn('Delete with unreadable properties; nothing was touched', { error: message(e) });
          await answer('SUCCESS', undefined, event.PhysicalResourceId as string);
          return;
        }
        log.warn('invalid properties', { error: message(e) });
        await answer('FAILED', `${event.LogicalResourceId}: ${message(e)}`, failedId());
        return;
      }

      const tableName = handler.tableName(props);
      const adopt = handler.adoptExistingTable?.(props);
      const ddb = deps.clients.dynamodb();
      let ownerArn: string;
      let tags: Record<string, string>;
      try {
        const ownership = await observeOwnership(ddb, tableName, event.StackId);
        const decision = decideOwnership(ownership, event.RequestType, tableName, deps.clients.homeRegion, adopt);
        if (decision.action === 'noop') {
          log.info('Delete without changes', { reason: decision.reason });
          await answer('SUCCESS', decision.reason, event.PhysicalResourceId as string);
          return;
        }
        if (decision.action === 'refuse') {
          log.warn('refused', { reason: decision.reason, table: tableName });
          await answer('FAILED', decision.reason, failedId());
          return;
        }
        if (ownership.kind === 'missing' || ownership.kind === 'foreign') throw new Error('unreachable ownership state');
        ownerArn = ownership.tableArn;
        tags = ownership.tags;
        if (decision.action === 'adopt') {
          log.info('adopting table: writing the ownership tag', { table: tableName });
          await writeOwnerTag(ddb, ownerArn, event.StackId);
        }
      } catch (e) {
        log.error('ownership check failed', { error: message(e) });
        if (event.RequestType === 'Delete') {
          // Nothing was changed; failing keeps the resource so the Delete can be retried.
          await answer('FAILED', `Could not read table ${tableName} to check its ownership: ${message(e)}`, event.PhysicalResourceId as string);
          return;
        }
        await answer('FAILED', `Could not read table ${tableName} to check its ownership: ${message(e)}. Nothing was changed.`, failedId());
        return;
      }

      // The operation lease: exactly one chain of invocations works on, and answers, a request.
      const isDelete = event.RequestType === 'Delete';
      const lease: Lease = { request: requestKey(event.StackId, event.RequestId), chain: chainKey(chainId), state: 'running', expires: 0, ...(isDelete ? { deleting: true } : {}) };
      const verdict = judgeLease(readLease(tags, event.LogicalResourceId), lease.request, lease.chain, cont !== undefined, Math.floor(now() / 1000), isDelete);
      if (verdict.verdict === 'duplicate') {
        log.info('duplicate delivery ignored', { detail: verdict.detail });
        return;
      }
      if (verdict.verdict === 'superseded') {
        log.warn('superseded by a later request for this resource; stopping', {});
        await answer('FAILED', SUPERSEDED_REASON, failedId());
        return;
      }
      /** Re-reads the lease: is this chain still the one working on the resource? */
      const assertCurrent = async () => {
        const current = readLease(await listTags(ddb, ownerArn), event.LogicalResourceId);
        if (current && (current.request !== lease.request || current.chain !== lease.chain)) throw new SupersededError(current.request === lease.request);
      };
      const writeLeaseState = async (state: Lease['state'], expiresMs: number) => {
        try {
          await writeLease(ddb, ownerArn, event.LogicalResourceId, { ...lease, state, expires: Math.ceil(expiresMs / 1000) });
        } catch (e) {
          log.warn('could not write the operation lease tag', { error: message(e) });
        }
      };
      await writeLeaseState('running', lambdaDeadline + 60_000);

      const timeoutSeconds = serviceTimeoutSeconds(event.ResourceProperties);
      const serviceDeadline = operationStart + timeoutSeconds * 1000 - deps.config.serviceTimeoutMarginMs;
      const finish = async (status: 'SUCCESS' | 'FAILED', reason: string | undefined, physicalResourceId: string, data?: Record<string, string | number>) => {
        // Claim the invocation's one outcome first: the lease must never say "done" for an
        // answer the watchdog then suppressed.
        if (gate.closed) return;
        gate.closed = true;
        try {
          await assertCurrent();
        } catch (e) {
          if (e instanceof SupersededError) {
            log.warn(`${e.message}; stopping`, {});
            if (e.sameRequest) return; // that invocation answers
            return void (await send('FAILED', SUPERSEDED_REASON, failedId()));
          }
          log.warn('could not re-read the operation lease', { error: message(e) });
        }
        await writeLeaseState('done', now());
        await send(status, reason, physicalResourceId, data);
      };
      const stopId = () => (event.RequestType === 'Create' ? (cont?.physicalResourceId ?? failedId()) : failedId());
      const timeoutReason = `The operation did not finish within the custom resource's ServiceTimeout (${timeoutSeconds} s). AWS may still be working on it; the next stack update continues from the observed state.`;
      if (now() >= serviceDeadline) {
        await finish('FAILED', timeoutReason, stopId());
        return;
      }

      const deadline = Math.min(lambdaDeadline - deps.config.safetyMarginMs, serviceDeadline);
      let result: HandlerResult;
      try {
        result = await handler.handle({
            requestType: event.RequestType,
            stackId: event.StackId,
            requestId: event.RequestId,
            logicalResourceId: event.LogicalResourceId,
            physicalResourceId: event.PhysicalResourceId,
            properties: props,
            oldProperties: oldProps,
            checkpoint: cont?.checkpoint,
            deadline,
            clients: deps.clients,
            log,
            signal: abort.signal,
            assertCurrent,
          });
      } catch (e) {
        if (e instanceof SupersededError) {
          log.warn(`${e.message}; stopping`, {});
          if (!e.sameRequest) await answer('FAILED', SUPERSEDED_REASON, failedId());
          return;
        }
        log.error('handler failed', { error: message(e) });
        await finish('FAILED', message(e), failedId());
        return;
      }

      switch (result.status) {
        case 'done': {
          const id = event.RequestType === 'Delete' ? (event.PhysicalResourceId as string) : result.physicalResourceId;
          if (event.RequestType === 'Update' && id !== event.PhysicalResourceId) log.info('physical ID changed: CloudFormation will replace the resource', {});
          await finish('SUCCESS', undefined, id, result.data);
          return;
        }
        case 'failed':
          await finish('FAILED', result.reason, event.RequestType === 'Delete' ? (event.PhysicalResourceId as string) : (result.physicalResourceId ?? failedId()));
          return;
        case 'continue': {
          const idIfStopped = result.physicalResourceId ?? cont?.physicalResourceId;
          if (now() >= serviceDeadline) {
            await finish('FAILED', timeoutReason, event.RequestType === 'Create' ? (idIfStopped ?? failedId()) : failedId());
            return;
          }
          try {
            await continueWith(result.checkpoint, idIfStopped);
          } catch (e) {
            log.error('could not continue in a new invocation', { error: message(e) });
            gate.closed = false; // nothing was continued: this invocation still owes the answer
            await finish('FAILED', `The provider could not continue the operation in a new invocation: ${message(e)}`, failedId());
          }
          return;
        }
      }
  
    };

    let watchdog: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      watchdog = setTimeout(() => resolve('timeout'), Math.max(0, lambdaDeadline - deps.config.safetyMarginMs / 2 - now()));
    });
    const outcome = await Promise.race([work().then(() => 'finished' as const), timedOut]);
    clearTimeout(watchdog);
    if (outcome === 'timeout' && !gate.closed) {
      abort.abort();
      log.warn('handler did not return before the deadline; continuing from the last checkpoint', {});
      try {
        await continueWith(cont?.checkpoint, cont?.physicalResourceId);
      } catch (e) {
        log.error('could not continue in a new invocation', { error: message(e) });
      }
    }
  }

  async function respond(body: ResponseBody, url: string, log: Logger): Promise<void> {
    await sendResponse(url, body, { transport: deps.transport, log, attempts: deps.config.responseAttempts, baseDelayMs: deps.config.responseBaseDelayMs });
  }
}

export type { CfnEvent };
