/**
 * Continuing a long operation in a new invocation.
 *
 * Choice: an asynchronous self-invoke (lambda:InvokeFunction, InvocationType Event, on the
 * function's own ARN) rather than a Step Functions waiter. Why (also in docs/replicas.md):
 * - no second resource to deploy, version and scope; one extra IAM action on itself;
 * - the ResponseURL stays out of Step Functions execution history, where anyone who can read
 *   executions could forge the stack's answer (CDK provider-framework README);
 * - every invocation derives its work from observed AWS state, so a continuation is just "the
 *   same event again, plus a small checkpoint": there is no workflow state to keep elsewhere.
 * Crash safety comes from Lambda's own async retries (up to 2, same payload, same request ID)
 * and the on-failure destination pointing back at the function, which answers FAILED.
 * The asynchronous payload limit is 1 MB (Lambda API_Invoke), so checkpoints stay small.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/** Marks an event as a continuation; the rest of the payload is the original CloudFormation event. */
export const CONTINUATION_KEY = 'ArcDynamoDbContinuation';
export const MAX_CHECKPOINT_BYTES = 64 * 1024;

export interface ContinuationState {
  /** Identifies the chain of invocations serving one request: the first invocation's request ID. */
  chainId: string;
  /** Epoch ms when the first invocation of the chain started; bounds the whole operation. */
  startedAt: number;
  hop: number;
  checkpoint?: unknown;
  /** The ID a failure must answer with once something was changed (see HandlerResult 'continue'). */
  physicalResourceId?: string;
}

export interface ContinuationPort {
  /** Schedules a new invocation with this payload and returns once it is queued. */
  continue(payload: Record<string, unknown>): Promise<void>;
}

export function readContinuation(raw: unknown): ContinuationState | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const c = (raw as Record<string, unknown>)[CONTINUATION_KEY];
  if (c === null || typeof c !== 'object') return undefined;
  const s = c as Record<string, unknown>;
  if (typeof s.chainId !== 'string' || s.chainId.length === 0 || s.chainId.length > 128) return undefined;
  if (typeof s.startedAt !== 'number' || !Number.isFinite(s.startedAt)) return undefined;
  if (typeof s.hop !== 'number' || !Number.isInteger(s.hop) || s.hop < 0) return undefined;
  const id = typeof s.physicalResourceId === 'string' && s.physicalResourceId.length <= 1024 ? s.physicalResourceId : undefined;
  return { chainId: s.chainId, startedAt: s.startedAt, hop: s.hop, checkpoint: s.checkpoint, ...(id ? { physicalResourceId: id } : {}) };
}

export function continuationPayload(event: Record<string, unknown>, state: ContinuationState): Record<string, unknown> {
  const payload = { ...event, [CONTINUATION_KEY]: state };
  if (Buffer.byteLength(JSON.stringify(state.checkpoint ?? null), 'utf8') > MAX_CHECKPOINT_BYTES) {
    throw new Error(`checkpoint larger than ${MAX_CHECKPOINT_BYTES} bytes`);
  }
  return payload;
}

export function lambdaSelfInvoke(lambda: LambdaClient, functionArn: string): ContinuationPort {
  return {
    async continue(payload) {
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: functionArn, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload), 'utf8') }),
      );
      if (out.StatusCode !== 202) throw new Error(`self-invoke returned HTTP ${out.StatusCode}`);
    },
  };
}
