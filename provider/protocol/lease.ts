/**
 * The operation lease: a tag on the (owned) table recording which request, and which chain of
 * invocations, is working on a custom resource, and whether it has answered.
 *
 * Why: Lambda invokes custom resources asynchronously and "occasionally, your function may
 * receive the same event multiple times, even if no error occurs" (Lambda API_Invoke), and
 * CloudFormation sends Delete while a cancelled Create is still running (aws/aws-cdk#26139).
 * The provider keeps no database, so the lease lives where the work happens, on the table,
 * written only after the ownership check has passed. A retry of a crashed invocation has the
 * same Lambda request ID as the original, hence the same chain, and resumes; a duplicate delivery
 * finds a live lease held by another chain, or an answered request, and stays silent.
 */
import { createHash } from 'node:crypto';
import { TagResourceCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const LEASE_TAG_PREFIX = 'arc-dynamodb:op:';

export interface Lease {
  request: string;
  chain: string;
  state: 'running' | 'done';
  /** Epoch seconds after which a running lease is considered abandoned. */
  expires: number;
  /** True when the holder is a Delete: an older Create arriving late never takes over from it. */
  deleting?: boolean;
}

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

export function leaseKey(logicalResourceId: string): string {
  // Tag keys are at most 128 characters (DynamoDB tagging restrictions).
  return `${LEASE_TAG_PREFIX}${logicalResourceId.length <= 100 ? logicalResourceId : hash(logicalResourceId, 32)}`;
}

export const requestKey = (stackId: string, requestId: string) => hash(`${stackId}\n${requestId}`, 24);
export const chainKey = (chainId: string) => hash(chainId, 16);

export function readLease(tags: Record<string, string>, logicalResourceId: string): Lease | undefined {
  const v = tags[leaseKey(logicalResourceId)];
  const m = v === undefined ? null : /^([0-9a-f]{24}) ([0-9a-f]{16}) (running|done) (\d{1,12})( D)?$/.exec(v);
  if (!m) return undefined;
  return { request: m[1], chain: m[2], state: m[3] as Lease['state'], expires: Number(m[4]), ...(m[5] ? { deleting: true } : {}) };
}

export async function writeLease(ddb: DynamoDBClient, tableArn: string, logicalResourceId: string, lease: Lease): Promise<void> {
  await ddb.send(
    new TagResourceCommand({
      ResourceArn: tableArn,
      Tags: [{ Key: leaseKey(logicalResourceId), Value: `${lease.request} ${lease.chain} ${lease.state} ${lease.expires}${lease.deleting ? ' D' : ''}` }],
    }),
  );
}

export type LeaseVerdict =
  /** Work on: nobody else holds this resource, or we already do, or we supersede. */
  | { verdict: 'take' }
  /** Another delivery of the same request is live, or it has already answered: stay silent. */
  | { verdict: 'duplicate'; detail: string }
  /** A later request for this resource took over from this chain: answer FAILED and stop. */
  | { verdict: 'superseded' };

export function judgeLease(current: Lease | undefined, request: string, chain: string, isContinuation: boolean, nowSeconds: number, isDelete = false): LeaseVerdict {
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
  if (current.deleting && current.state === 'running' && current.expires >= nowSeconds && !isDelete) return { verdict: 'superseded' };
  return { verdict: 'take' };
}
