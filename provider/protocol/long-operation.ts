/**
 * Operations that outlast a custom resource's one hour (ServiceTimeout at most 3,600 s,
 * AWS::CloudFormation::CustomResource): CloudFormation's own waiting, through a WaitCondition.
 *
 * With `LongOperationTimeoutInMinutes`, the macro gives each generation of a Replicas, Indexes or
 * Load resource an AWS::CloudFormation::WaitConditionHandle and an AWS::CloudFormation::WaitCondition
 * (macro/generators/long-operations.ts) that depends on it; whatever depended on the resource
 * depends on the WaitCondition instead. The resource receives the handle's URL as `WaitHandle`.
 *
 * - Short work keeps the short path: an operation that finishes within `backgroundAfterMs` answers
 *   CloudFormation as before and signals the handle SUCCESS at once, so the WaitCondition
 *   completes as soon as it starts (a signal on the handle before the condition starts counts:
 *   User Guide, "Create wait conditions in a CloudFormation template").
 * - Longer work, once it has safely started (the handler reports a physical ID), answers SUCCESS
 *   and goes on in sealed background continuations; when it ends the chain signals the handle
 *   SUCCESS, or FAILURE with the reason, which fails the WaitCondition and rolls the stack back.
 *   CloudFormation waits up to the condition's Timeout (at most 43,200 s = 12 h,
 *   AWS::CloudFormation::WaitCondition).
 * - Never for a Delete, a rollback (its WaitCondition completed long ago: updates of a
 *   WaitCondition are not supported, so it is never waited on again), or an Update whose handle
 *   did not change (the same generation's condition has completed): those keep the short path.
 *
 * The signal (User Guide, "Wait condition signal JSON format"): an HTTP PUT of
 * {"Status":"SUCCESS"|"FAILURE","Reason":...,"UniqueId":...,"Data":...} with an empty
 * Content-Type (the URL is pre-signed with it). UniqueId is the CloudFormation request ID, so a
 * repeated signal of the same request is a retransmission, which CloudFormation ignores.
 */
import { redactUrl } from './log';
import { checkResponseUrl, type CfnEvent, type ResponseUrlPolicy } from './event';
import type { ResponseTransport } from './response';
import { isRollback, type Logger } from '../types';

/** AWS::CloudFormation::WaitCondition Timeout: at most 43,200 s (12 hours). */
export const MAX_WAIT_SECONDS = 43_200;

export interface LongOperation {
  handle: string;
  timeoutSeconds: number;
}

export type LongOperationDecision = { kind: 'none' } | { kind: 'long'; op: LongOperation } | { kind: 'invalid'; reason: string };

export function longOperationOf(event: CfnEvent, policy: ResponseUrlPolicy, stackStatus: string): LongOperationDecision {
  const handle = event.ResourceProperties.WaitHandle;
  if (handle === undefined || event.RequestType === 'Delete') return { kind: 'none' };
  if (isRollback({ status: stackStatus })) return { kind: 'none' };
  if (event.RequestType === 'Update' && event.OldResourceProperties?.WaitHandle === handle) return { kind: 'none' };
  const problem = checkResponseUrl(handle, policy) ?? waitBucketProblem(handle as string, policy);
  if (problem) return { kind: 'invalid', reason: `WaitHandle is not a wait condition handle's pre-signed URL (${problem.replace('ResponseURL', 'the URL')})` };
  const raw = Number(event.ResourceProperties.WaitTimeout);
  const timeoutSeconds = Number.isInteger(raw) && raw >= 1 && raw <= MAX_WAIT_SECONDS ? raw : MAX_WAIT_SECONDS;
  return { kind: 'long', op: { handle: handle as string, timeoutSeconds } };
}

/**
 * CloudFormation's handles live in its own buckets, cloudformation-waitcondition-<region> (the User
 * Guide's example URL): a signal never goes to any other S3 bucket, where it would hand the
 * operation's result to whoever owns that bucket.
 */
function waitBucketProblem(url: string, policy: ResponseUrlPolicy): string | undefined {
  if (policy.allowPrefix && url.startsWith(policy.allowPrefix)) return undefined;
  const host = new URL(url).hostname;
  const path = new URL(url).pathname;
  const bucket = host.startsWith('cloudformation-waitcondition-') ? host : (path.split('/')[1] ?? '');
  return bucket.startsWith('cloudformation-waitcondition-') ? undefined : `the URL is not in a cloudformation-waitcondition- bucket`;
}

export interface Signal {
  status: 'SUCCESS' | 'FAILURE';
  reason: string;
  uniqueId: string;
  data?: Record<string, string | number>;
}

/** Reason and Data are kept well inside what CloudFormation shows in a stack event. */
const MAX_REASON_CHARS = 2000;

export async function signalHandle(
  url: string,
  s: Signal,
  opts: { transport: ResponseTransport; log: Logger; attempts: number; baseDelayMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<boolean> {
  const body = JSON.stringify({
    Status: s.status,
    Reason: s.reason.length > MAX_REASON_CHARS ? `${s.reason.slice(0, MAX_REASON_CHARS - 3)}...` : s.reason,
    UniqueId: s.uniqueId,
    Data: s.data === undefined ? '' : JSON.stringify(s.data),
  });
  const headers = { 'content-type': '', 'content-length': String(Buffer.byteLength(body, 'utf8')) };
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = opts.baseDelayMs;
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    try {
      const status = await opts.transport(url, body, headers);
      if (status >= 200 && status < 300) {
        opts.log.info('wait condition signalled', { status: s.status, url: redactUrl(url), attempt });
        return true;
      }
      opts.log.warn('wait condition signal rejected', { httpStatus: status, url: redactUrl(url), attempt });
    } catch (e) {
      opts.log.warn('wait condition signal failed', { error: (e as Error).message, url: redactUrl(url), attempt });
    }
    if (attempt < opts.attempts) {
      await sleep(Math.floor(Math.random() * delay));
      delay *= 2;
    }
  }
  return false;
}
