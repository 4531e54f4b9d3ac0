/**
 * One invocation of the provider, from raw event to exactly one answer (or a continuation).
 *
 *   parse and check the event -> find the handler -> parse its properties -> the guard
 *   (CloudFormation authentication, sealed continuation, ownership, lease) -> the handler, raced
 *   against the deadline -> respond, or continue.
 *
 * The protocol makes no AWS call of its own: the guard, the continuation port and the response
 * transport are injected (ProviderDeps), so it is unit-tested with fakes.
 *
 * safeHandler: nothing here throws to Lambda. A thrown error would make Lambda retry the event
 * (async invocation) and, without a response, leave the stack waiting up to an hour; every
 * failure becomes a FAILED response instead (CDK provider framework, cfn-response.ts).
 */
import type { AwsClients, HandlerResult, Logger, ResourceHandler } from '../types';
import { CONTINUATION_KEY, continuationPayload, type ContinuationPort } from '../continuation';
import { SupersededError, type Guard, type Session } from '../guard/types';
import { deadlines, serviceTimeoutSeconds, watchdog } from './deadline';
import { parseEvent, type CfnEvent, type ResponseUrlPolicy } from './event';
import { withFields } from './log';
import { makeGate, responder, type Data, type Status } from './outcome';
import { longOperationOf, signalHandle } from './long-operation';
import { createFailedId, isCreateFailedId } from './physical-id';
import type { ResponseTransport } from './response';

export interface ProviderConfig {
  responseUrl: ResponseUrlPolicy;
  /** Time kept back from Lambda's deadline to respond or continue (ms). */
  safetyMarginMs: number;
  /** Time kept back from the ServiceTimeout to answer FAILED before CloudFormation gives up (ms). */
  serviceTimeoutMarginMs: number;
  responseAttempts: number;
  responseBaseDelayMs: number;
  /**
   * A long operation (a WaitHandle in the properties; long-operation.ts) that has not finished
   * this long after CloudFormation's request answers SUCCESS and goes on in the background (ms).
   */
  backgroundAfterMs: number;
}

export const DEFAULT_CONFIG: ProviderConfig = {
  responseUrl: {},
  safetyMarginMs: 20_000,
  serviceTimeoutMarginMs: 60_000,
  responseAttempts: 5,
  responseBaseDelayMs: 1000,
  backgroundAfterMs: 5 * 60_000,
};

export interface ProviderDeps {
  clients: AwsClients;
  handlers: ReadonlyArray<ResourceHandler<unknown>>;
  guard: Guard;
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

export { SupersededError };

/**
 * What really happens after a FAILED for a timeout, by request type (CloudFormation user guide,
 * "Update behaviors of stack resources" and stack status codes): a failed Create rolls the stack
 * back and sends this resource a Delete; a failed Update rolls back, sending the old properties
 * as an Update; a failed Delete leaves the stack DELETE_FAILED.
 */
function whatNextAfterTimeout(requestType: 'Create' | 'Update' | 'Delete', stackStatus: string): string {
  // Failures outside the forward operation end differently (aws-cloudformation-stack-states;
  // cloudformation-coverage-roadmap#744): a failed rollback Update leaves UPDATE_ROLLBACK_FAILED,
  // a failed cleanup Delete leaves the stack UPDATE_COMPLETE with the resource in place, a failed
  // rollback Delete of a create leaves ROLLBACK_FAILED.
  if (requestType === 'Update' && stackStatus === 'UPDATE_ROLLBACK_IN_PROGRESS') {
    return (
      'The rollback fails (UPDATE_ROLLBACK_FAILED). Once AWS has finished the work it had started, run aws cloudformation ' +
      'continue-update-rollback; the provider then continues from what it observes.'
    );
  }
  if (requestType === 'Delete' && stackStatus.endsWith('_CLEANUP_IN_PROGRESS')) {
    return 'CloudFormation finishes the update anyway and leaves what this resource made in place; deploy again, or remove it by hand.';
  }
  if (requestType === 'Delete' && stackStatus === 'ROLLBACK_IN_PROGRESS') {
    return (
      'The stack ends ROLLBACK_FAILED. Once AWS has finished the work it had started, delete the stack again; the provider continues from what ' +
      'it observes.'
    );
  }
  return WHAT_NEXT_AFTER_TIMEOUT[requestType];
}

const WHAT_NEXT_AFTER_TIMEOUT: Record<'Create' | 'Update' | 'Delete', string> = {
  Create:
    "CloudFormation now rolls the stack back and sends this resource a Delete, which keeps or removes what was made as the table's DeletionPolicy " +
    'says. AWS may still finish work it had started; the next deploy continues from what it then observes.',
  Update:
    'CloudFormation now rolls the stack back with the previous properties. AWS may still finish work it had started; the rollback and the next ' +
    'deploy continue from what they then observe.',
  Delete:
    'The stack delete fails (DELETE_FAILED). AWS may still finish work it had started; delete the stack again, and the provider continues from what ' +
    'it then observes.',
};

/** How often a request whose admission hung is delivered again before the provider gives up. */
const MAX_REDELIVERIES = 3;
const REDELIVERY_KEY = 'ArcDynamoDbRedelivery';

/** The least time a hop of a long operation gets before it may answer early: enough for one step. */
const MIN_SLICE_MS = 2000;

const SUPERSEDED_REASON = 'Superseded by a later request for this resource (CloudFormation sent a Delete while this operation was running).';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 2000);

export function createProvider(deps: ProviderDeps): (raw: unknown, ctx: InvocationContext) => Promise<void> {
  const now = deps.now ?? Date.now;
  const responderOptions = { transport: deps.transport, attempts: deps.config.responseAttempts, baseDelayMs: deps.config.responseBaseDelayMs };
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
    const lambdaDeadline = now() + Math.max(0, ctx.getRemainingTimeInMillis());
    const fromDestination = destinationPayload(raw);
    const inner = fromDestination ?? raw;
    const parsed = parseEvent(inner, deps.config.responseUrl);
    if (!parsed.ok) {
      const p = parsed.partial;
      const log = withFields(deps.log, { requestId: p.RequestId?.slice(0, 100), logicalId: p.LogicalResourceId });
      if (!parsed.responseUrl) {
        log.warn('event rejected; it has no usable ResponseURL, so no response is sent', { reason: parsed.reason });
        return;
      }
      log.warn('event rejected', { reason: parsed.reason });
      const send = responder(
        {
          StackId: p.StackId ?? 'unknown',
          RequestId: p.RequestId ?? 'unknown',
          LogicalResourceId: p.LogicalResourceId ?? 'unknown',
          ResponseURL: parsed.responseUrl,
        },
        log,
        responderOptions,
      );
      await send('FAILED', `Invalid custom resource request: ${parsed.reason}.`, p.PhysicalResourceId ?? createFailedId(p.LogicalResourceId ?? 'Unknown'));
      return;
    }
    const event = parsed.event;
    const log = withFields(deps.log, { requestId: event.RequestId, logicalId: event.LogicalResourceId, requestType: event.RequestType });
    const sealed = (inner as Record<string, unknown>)[CONTINUATION_KEY];
    const send = responder(event, log, responderOptions);
    const gate = makeGate();
    // A background hop of a long operation: CloudFormation has its answer, so nothing may go to the
    // ResponseURL again; a failure goes to the wait condition handle, or the stack would wait hours.
    const background = sealed !== undefined && (await deps.guard.sealedBackground?.(event, sealed)) === true;
    /** The one answer of this invocation, for outcomes decided before any work: nothing to settle. */
    const answer = async (status: Status, reason: string | undefined, physicalResourceId: string, data?: Data) => {
      if (!gate.claim()) return;
      if (!background) return void (await send(status, reason, physicalResourceId, data));
      const long = longOperationOf(event, deps.config.responseUrl, 'UPDATE_IN_PROGRESS');
      if (status === 'FAILED' && long.kind === 'long')
        await signalHandle(
          long.op.handle,
          { status: 'FAILURE', reason: reason ?? 'failed', uniqueId: event.RequestId },
          { transport: deps.transport, log, attempts: deps.config.responseAttempts, baseDelayMs: deps.config.responseBaseDelayMs },
        );
    };
    const failedId = () => (event.RequestType === 'Create' ? createFailedId(event.LogicalResourceId) : (event.PhysicalResourceId as string));

    if (fromDestination) {
      log.error('Lambda gave up on this event after its retries', {});
      const id =
        event.RequestType === 'Create' ? ((sealed !== undefined ? await deps.guard.sealedPhysicalId(event, sealed) : undefined) ?? failedId()) : failedId();
      await answer('FAILED', "The provider stopped unexpectedly (Lambda retries exhausted). See the provider function's logs for this request ID.", id);
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
      await answer(
        'FAILED',
        `Unsupported resource type ${event.ResourceType}; this provider serves ${deps.handlers.map((h) => h.resourceType).join(', ')}.`,
        failedId(),
      );
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
    // The guard's reads can hang too. If it has not decided by the watchdog's time, the same
    // payload is delivered again to a fresh invocation, and this one stops before taking the lease.
    const admissionAbort = new AbortController();
    const dog = watchdog(lambdaDeadline - deps.config.safetyMarginMs / 2, now);
    const admitted = deps.guard.admit({
      event,
      tableName,
      adopt: handler.adoptExistingTable?.(props),
      continuation: sealed,
      awsRequestId: ctx.awsRequestId,
      lambdaDeadline,
      log,
      signal: admissionAbort.signal,
    });
    const admission = await Promise.race([admitted, dog.fired]);
    dog.cancel();
    if (admission === 'timeout') {
      admissionAbort.abort();
      if (!gate.claim()) return;
      // Bounded: a count that travels with the payload (a caller can only lower its own budget).
      const previous = Number((inner as Record<string, unknown>)[REDELIVERY_KEY] ?? 0);
      const count = Number.isInteger(previous) && previous >= 0 ? previous + 1 : MAX_REDELIVERIES + 1;
      if (count > MAX_REDELIVERIES) {
        log.error('admission kept hanging; giving up without an answer (CloudFormation times the request out)', { redeliveries: previous });
        return;
      }
      log.warn('admission did not finish before the deadline; delivering the request again', { redelivery: count });
      try {
        await deps.continuation.continue({ ...(inner as Record<string, unknown>), [REDELIVERY_KEY]: count });
      } catch (e) {
        log.error('could not deliver the request again', { error: message(e) });
      }
      return;
    }
    switch (admission.kind) {
      case 'ignore':
        log.info('ignored', { reason: admission.reason });
        return;
      case 'noop':
        log.info('Delete without changes', { reason: admission.reason });
        return void (await answer('SUCCESS', admission.reason, event.PhysicalResourceId as string));
      case 'refuse':
        log.warn('refused', { reason: admission.reason, table: tableName });
        return void (await answer('FAILED', admission.reason, failedId()));
      case 'superseded':
        log.warn('superseded by a later request for this resource; stopping', {});
        // In the background the later request (a rollback, a Delete) takes it from here, silently.
        if (background) return;
        return void (await answer('FAILED', SUPERSEDED_REASON, failedId()));
      case 'proceed':
        return execute(event, handler, props, oldProps, admission.session, { lambdaDeadline, log, send, gate, failedId });
    }
  }

  async function execute(
    event: CfnEvent,
    handler: ResourceHandler<unknown>,
    props: unknown,
    oldProps: unknown,
    session: Session,
    x: { lambdaDeadline: number; log: Logger; send: ReturnType<typeof responder>; gate: ReturnType<typeof makeGate>; failedId: () => string },
  ): Promise<void> {
    const { log, send, gate } = x;
    const long = longOperationOf(event, deps.config.responseUrl, session.stack.status);
    if (long.kind === 'invalid') {
      log.warn('invalid wait handle', { reason: long.reason });
      if (gate.claim()) await send('FAILED', `${event.LogicalResourceId}: ${long.reason}. Nothing was changed.`, x.failedId());
      return;
    }
    const op = long.kind === 'long' ? long.op : undefined;
    // In the background the WaitCondition's Timeout bounds the work, not the ServiceTimeout.
    const timeoutSeconds = session.background && op ? op.timeoutSeconds : serviceTimeoutSeconds(event.ResourceProperties);
    const limitsInput = { operationStart: session.operationStart, timeoutSeconds, lambdaDeadline: x.lambdaDeadline, ...deps.config };
    const limits = deadlines(limitsInput);
    const signal = async (status: 'SUCCESS' | 'FAILURE', reason: string | undefined, data?: Data) => {
      if (!op) return;
      const ok = await signalHandle(
        op.handle,
        { status, reason: reason ?? (status === 'SUCCESS' ? 'done' : 'failed'), uniqueId: event.RequestId, data },
        { transport: deps.transport, log, attempts: deps.config.responseAttempts, baseDelayMs: deps.config.responseBaseDelayMs },
      );
      if (!ok) log.error('could not signal the wait condition; CloudFormation times it out and rolls back', {});
    };
    /** A failure's ID: once a Create changed something, its real ID, so the rollback Delete cleans up. */
    const failureId = (reported?: string) => (event.RequestType === 'Create' ? (reported ?? session.physicalResourceId ?? x.failedId()) : x.failedId());
    const abort = new AbortController();

    /** The answer after work: claim the outcome, settle the lease, then send. */
    const finish = async (status: Status, reason: string | undefined, physicalResourceId: string, data?: Data, memo?: unknown) => {
      if (!gate.claim()) return;
      let settled;
      try {
        settled = await session.settle(status, physicalResourceId, memo);
      } catch (e) {
        log.error('could not record the answer in the provider state table', { error: message(e) });
        settled = { kind: 'answer' as const };
      }
      switch (settled.kind) {
        case 'silent':
          log.warn('another invocation of this request answers it; stopping', {});
          return;
        case 'superseded':
          log.warn('superseded by a later request for this resource; stopping', {});
          // In the background CloudFormation has its answer; the later request takes it from here.
          if (session.background) return;
          return void (await send('FAILED', SUPERSEDED_REASON, x.failedId()));
        case 'answer-failed':
          if (session.background) return void (await signal('FAILURE', settled.reason));
          return void (await send('FAILED', settled.reason, physicalResourceId));
        case 'answer':
          if (session.background) return void (await signal(status === 'SUCCESS' ? 'SUCCESS' : 'FAILURE', reason, data));
          await send(status, reason, physicalResourceId, data);
          // Short work behind a WaitCondition: it completes as soon as CloudFormation starts it.
          if (status === 'SUCCESS') await signal('SUCCESS', reason, data);
          return;
      }
    };
    const continueWith = async (checkpoint: unknown, physicalResourceId: string | undefined, background = false) => {
      if (!gate.claim()) return;
      const original = { ...(event as unknown as Record<string, unknown>) };
      const payload = continuationPayload(original, await session.seal(checkpoint, physicalResourceId, background));
      await deps.continuation.continue(payload);
      log.info(session.background || background ? 'continuing in the background' : 'continuing in a new invocation', { hop: session.hop + 1 });
    };
    /** The physical ID CloudFormation was answered with early, if it was. */
    let answeredEarly: string | undefined;
    /**
     * The early answer of a long operation: CloudFormation gets SUCCESS and moves on to the
     * WaitCondition, then the next hop is queued in the background; if it cannot be, the
     * WaitCondition is signalled FAILURE rather than left to time out.
     */
    const answerEarly = async (checkpoint: unknown, physicalResourceId: string, data?: Record<string, string | number>) => {
      const settled = await session.answerEarly(physicalResourceId);
      if (settled.kind === 'silent') {
        gate.claim();
        return;
      }
      if (settled.kind !== 'answer') return finish('FAILED', SUPERSEDED_REASON, x.failedId());
      // SUCCESS first, so CloudFormation shows the answered physical ID by the time the next hop
      // authenticates; a hop that cannot be queued then fails the wait condition instead.
      const hours = Math.round(((op?.timeoutSeconds ?? 0) / 3600) * 10) / 10;
      answeredEarly = physicalResourceId;
      await send(
        'SUCCESS',
        `Started; the work goes on in the background and its WaitCondition completes when it is done (CloudFormation waits up to ${hours} h).`,
        physicalResourceId,
        data,
      );
      try {
        await continueWith(checkpoint, physicalResourceId, true);
      } catch (e) {
        log.error('could not continue in the background', { error: message(e) });
        await signal('FAILURE', `The provider could not continue the operation in the background: ${message(e)}`);
      }
    };
    const timeoutReason = session.background
      ? `The operation did not finish within its WaitCondition's Timeout (${timeoutSeconds} s), counted from CloudFormation's request. ` +
        'CloudFormation rolls the stack back; AWS may still finish work it had started, and the rollback continues from what it then observes.'
      : `The operation did not finish within the custom resource's ServiceTimeout (${timeoutSeconds} s), counted from ` +
        `CloudFormation's request. ${whatNextAfterTimeout(event.RequestType, session.stack.status)}`;

    /**
     * A long operation still on the short path hands control back at `backgroundAfterMs` (and at
     * least one step later), so that once it has safely started it can answer early.
     */
    const handlerDeadline = () =>
      op && !session.background ? Math.min(limits.work, Math.max(session.operationStart + deps.config.backgroundAfterMs, now() + MIN_SLICE_MS)) : limits.work;

    const work = async (): Promise<void> => {
      if (now() >= limits.service) return finish('FAILED', timeoutReason, failureId());
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
          stack: session.stack,
          memo: session.memo,
          checkpoint: session.checkpoint,
          deadline: handlerDeadline(),
          serviceDeadline: limits.service,
          workDeadline: op ? deadlines({ ...limitsInput, timeoutSeconds: op.timeoutSeconds }).service : limits.service,
          clients: deps.clients,
          log,
          signal: abort.signal,
          assertCurrent: session.assertCurrent,
          remember: session.remember,
        });
      } catch (e) {
        if (e instanceof SupersededError) {
          log.warn(`${e.message}; stopping`, {});
          if (!e.sameRequest && !session.background && gate.claim()) await send('FAILED', SUPERSEDED_REASON, x.failedId());
          return;
        }
        log.error('handler failed', { error: message(e) });
        return finish('FAILED', message(e), failureId());
      }
      switch (result.status) {
        case 'done': {
          const id = event.RequestType === 'Delete' ? (event.PhysicalResourceId as string) : result.physicalResourceId;
          if (event.RequestType === 'Update' && id !== event.PhysicalResourceId) log.info('physical ID changed: CloudFormation will replace the resource', {});
          return finish('SUCCESS', result.reason, id, result.data, result.memo);
        }
        case 'failed':
          return finish(
            'FAILED',
            result.reason,
            event.RequestType === 'Delete' ? (event.PhysicalResourceId as string) : failureId(result.physicalResourceId),
            undefined,
            result.memo,
          );
        case 'continue': {
          const idIfStopped = result.physicalResourceId ?? session.physicalResourceId;
          if (now() >= limits.service) return finish('FAILED', timeoutReason, failureId(idIfStopped));
          const answerId = event.RequestType === 'Create' ? idIfStopped : event.PhysicalResourceId;
          try {
            if (op && !session.background && answerId !== undefined && now() - session.operationStart >= deps.config.backgroundAfterMs)
              return await answerEarly(result.checkpoint, answerId, result.data);
            await continueWith(result.checkpoint, idIfStopped);
          } catch (e) {
            log.error('could not continue in a new invocation', { error: message(e) });
            gate.reopen(); // nothing was continued: this invocation still owes the answer
            await finish('FAILED', `The provider could not continue the operation in a new invocation: ${message(e)}`, failureId(idIfStopped));
          }
          return;
        }
      }
    };

    // The watchdog takes over when anything (the handler, or a call of the protocol's own) is
    // still running at the deadline: it aborts the work and continues from the last checkpoint.
    const dog = watchdog(limits.watchdog, now);
    const outcome = await Promise.race([work().then(() => 'finished' as const), dog.fired]);
    dog.cancel();
    if (outcome === 'timeout' && !gate.closed) {
      abort.abort();
      log.warn('handler did not return before the deadline; continuing from the last checkpoint', {});
      try {
        await continueWith(session.checkpoint, answeredEarly ?? session.physicalResourceId, answeredEarly !== undefined);
      } catch (e) {
        log.error('could not continue in a new invocation', { error: message(e) });
      }
    }
  }
}

export type { CfnEvent };
