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
 * The chain's state travels sealed (provider/guard/seal.ts): whoever else invokes the function
 * cannot make one. Crash safety comes from Lambda's own async retries (up to 2, same payload,
 * same request ID) and the on-failure destination pointing back at the function, which answers
 * FAILED. The asynchronous payload limit is 1 MB (Lambda API_Invoke), so checkpoints stay small.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/** Marks an event as a continuation; the rest of the payload is the original CloudFormation event. */
export const CONTINUATION_KEY = 'ArcDynamoDbContinuation';
export const MAX_CHECKPOINT_BYTES = 64 * 1024;

export interface ContinuationPort {
  /** Schedules a new invocation with this payload and returns once it is queued. */
  continue(payload: Record<string, unknown>): Promise<void>;
}

export function continuationPayload(event: Record<string, unknown>, sealed: unknown): Record<string, unknown> {
  const bytes = Buffer.byteLength(JSON.stringify(sealed ?? null), 'utf8');
  if (bytes > MAX_CHECKPOINT_BYTES + 1024) throw new Error(`checkpoint larger than ${MAX_CHECKPOINT_BYTES} bytes`);
  return { ...event, [CONTINUATION_KEY]: sealed };
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
