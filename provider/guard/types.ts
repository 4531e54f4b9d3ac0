/**
 * The guard: everything that decides whether the provider may act on a request, behind one
 * interface the protocol receives through ProviderDeps. The protocol itself makes no AWS call;
 * its unit tests pass a fake guard.
 *
 *   authenticate with CloudFormation -> open the sealed continuation -> ownership of the table
 *   -> the operation lease in the state table -> a Session for the rest of the invocation.
 */
import type { CfnEvent } from '../protocol/event';
import type { Logger, StackContext } from '../types';

export interface AdmissionRequest {
  event: CfnEvent;
  /**
   * The table the request would change, for the ownership check. Undefined for a handler that
   * changes nothing and finds its table through CloudFormation itself (the indexes precheck).
   */
  tableName: string | undefined;
  /** AdoptExistingTable, when the resource opts in to adopting a table created elsewhere. */
  adopt?: string;
  /** The continuation envelope exactly as the payload carried it (unverified), if any. */
  continuation?: unknown;
  /** This invocation's Lambda request ID: a retry of a crashed invocation keeps it. */
  awsRequestId: string;
  /** Epoch ms when Lambda stops this invocation; the lease outlives it a little. */
  lambdaDeadline: number;
  log: Logger;
  /** Aborted when the protocol stopped waiting: the guard then takes no lease and answers 'ignore'. */
  signal?: AbortSignal;
}

export type Admission =
  /** Act: the request is CloudFormation's, the table is the stack's, and this chain holds the lease. */
  | { kind: 'proceed'; session: Session }
  /** Answer SUCCESS without changing anything (a Delete of a table that is gone or not the stack's). */
  | { kind: 'noop'; reason: string }
  /** Answer FAILED without changing anything. */
  | { kind: 'refuse'; reason: string }
  /** Answer nothing: a duplicate delivery, or a continuation that is not this provider's. */
  | { kind: 'ignore'; reason: string }
  /** A later request took the resource over: answer FAILED "superseded". */
  | { kind: 'superseded' };

export type Settlement =
  | { kind: 'answer' }
  /** The work succeeded but could not be recorded (e.g. the adopted table's owner tag): answer FAILED. */
  | { kind: 'answer-failed'; reason: string }
  | { kind: 'superseded' }
  /** Another chain of the same request answers. */
  | { kind: 'silent' };

export interface Session {
  /** Epoch ms when CloudFormation started this operation: the ServiceTimeout counts from here. */
  operationStart: number;
  /** The chain's first Lambda request ID. */
  chainId: string;
  stack: StackContext;
  /** 0 for the first invocation of a chain. */
  hop: number;
  isContinuation: boolean;
  checkpoint?: unknown;
  /** The ID a failure must answer with once something was changed (carried by the continuation). */
  physicalResourceId?: string;
  /** What the handler asked to remember when it last answered for this resource, if anything. */
  memo?: unknown;
  /** Rejects with SupersededError when a later request, or another chain, holds the lease now. */
  assertCurrent(): Promise<void>;
  /** True when CloudFormation was already answered and the chain works behind a WaitCondition. */
  background: boolean;
  /** The sealed continuation envelope for the next hop; nobody without the provider's key can make one. */
  seal(checkpoint: unknown, physicalResourceId: string | undefined, background?: boolean): Promise<unknown>;
  /**
   * Before the early SUCCESS of a long operation: remembers the physical ID (and the properties it
   * is answered with) as a settle does, but the lease stays running with this chain, which goes on
   * in the background; the final settle marks it done.
   */
  answerEarly(physicalResourceId: string): Promise<Settlement>;
  /**
   * Writes the handler's memo now, while the lease is still this chain's (a change the next
   * request must know about even if this one never answers, e.g. an index it created). Rejects
   * with SupersededError when another request or chain holds the lease.
   */
  remember(memo: unknown): Promise<void>;
  /** Claims the answer before it is sent: marks the lease done and remembers the physical ID. */
  settle(status: 'SUCCESS' | 'FAILED', physicalResourceId: string, memo?: unknown): Promise<Settlement>;
}

export interface Guard {
  admit(request: AdmissionRequest): Promise<Admission>;
  /**
   * The physical ID a sealed continuation carries, when its seal verifies: Lambda's on-failure
   * record hands back a continuation whose Create had already changed something. Changes nothing.
   */
  sealedPhysicalId(event: CfnEvent, continuation: unknown): Promise<string | undefined>;
  /**
   * Whether a continuation is a sealed background hop of a long operation (CloudFormation already
   * has its answer: whatever happens now goes to the wait condition handle, never the ResponseURL).
   */
  sealedBackground?(event: CfnEvent, continuation: unknown): Promise<boolean>;
}

/** Thrown by Session.assertCurrent when a later request has taken the resource over. */
export class SupersededError extends Error {
  /** sameRequest: another chain of the same request took over (stay silent); else a later request did. */
  constructor(readonly sameRequest: boolean) {
    super(sameRequest ? 'another invocation took over this request' : 'superseded by a later request for this resource');
    this.name = 'SupersededError';
  }
}
