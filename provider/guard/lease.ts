/**
 * The operation lease: which request, and which chain of invocations, works on a custom
 * resource, and whether it has answered. It lives in the provider's state table (state-store.ts).
 *
 * Why: Lambda invokes custom resources asynchronously and "occasionally, your function may
 * receive the same event multiple times, even if no error occurs" (Lambda API reference, Invoke),
 * and CloudFormation sends Delete while a cancelled Create is still running (aws/aws-cdk#26139).
 * A retry of a crashed invocation has the same Lambda request ID as the original, hence the same
 * chain, and resumes; a duplicate delivery finds a live lease held by another chain, or an
 * answered request, and stays silent.
 */
import { createHash } from 'node:crypto';

/** Tag keys that version 0.1 wrote on users' tables as its lease; removed when seen. */
export const LEGACY_LEASE_TAG_PREFIX = 'arc-dynamodb:op:';

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

export const requestKey = (stackId: string, requestId: string) => hash(`${stackId}\n${requestId}`, 24);
export const chainKey = (chainId: string) => hash(chainId, 16);

export interface Lease {
  request: string;
  chain: string;
  state: 'running' | 'done';
  /** Epoch seconds after which a running lease is considered abandoned. */
  expires: number;
  /** True when the holder is a Delete: an older Create arriving late never takes over from it. */
  deleting?: boolean;
  /** When CloudFormation started the holder's request (epoch ms). */
  since?: number;
}

export type LeaseVerdict =
  /** Work on: nobody else holds this resource, or we already do, or we supersede. */
  | { verdict: 'take' }
  /** Another delivery of the same request is live, or it has already answered: stay silent. */
  | { verdict: 'duplicate'; detail: string }
  /** A later request for this resource took over from this chain: answer FAILED and stop. */
  | { verdict: 'superseded' }
  /**
   * Another request, which CloudFormation started no earlier, is running: this one cannot be
   * CloudFormation's current request (it sends one request per operation), so it is refused.
   */
  | { verdict: 'busy' };

export function judgeLease(
  current: Lease | undefined,
  request: string,
  chain: string,
  isContinuation: boolean,
  nowSeconds: number,
  isDelete = false,
  since?: number,
): LeaseVerdict {
  if (!current) return { verdict: 'take' };
  if (current.request === request) {
    if (current.state === 'done') return { verdict: 'duplicate', detail: 'this request was already answered' };
    if (current.chain === chain) return { verdict: 'take' };
    if (current.expires < nowSeconds) return { verdict: 'take' };
    return { verdict: 'duplicate', detail: 'another invocation is already working on this request' };
  }
  // A different request holds the lease. A continuation of ours has been superseded by it
  // (a Delete sent while this Create ran); a new request always takes over from an older one.
  if (isContinuation) return { verdict: 'superseded' };
  // CloudFormation's Delete comes after the Create it cancels; a Create or Update delivered late
  // while that Delete still runs must not undo it.
  const live = current.state === 'running' && current.expires >= nowSeconds;
  if (current.deleting && live && !isDelete) return { verdict: 'superseded' };
  // A different request with no later start than the running one: a late duplicate of an
  // earlier request, or a forgery inside CloudFormation's window. A Delete may still cancel.
  if (live && !isDelete && since !== undefined && current.since !== undefined && since <= current.since) return { verdict: 'busy' };
  return { verdict: 'take' };
}
