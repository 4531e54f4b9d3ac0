/**
 * What the handlers that wait on DynamoDB (replicas/, indexes/) share: how they wait between two
 * observations, and the check before each change. Every wait is bounded by the invocation's
 * deadline, and each step restarts the backoff, so a step's result is seen as soon as it shows.
 */
import type { HandlerRequest } from './types';

export interface PollOptions {
  /** First wait between two observations (ms); doubles up to maxMs. */
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_POLL: PollOptions = { initialMs: 2000, maxMs: 15000 };

/** Thrown before a change once the protocol stopped waiting for this invocation: the handler returns `continue`. */
export class Aborted extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Exponential backoff up to `deadline`: `wait()` is false when the next wait would pass it; `reset()` after each step. */
export function backoff(poll: PollOptions, deadline: number): { wait(): Promise<boolean>; reset(): void } {
  let pause = poll.initialMs;
  return {
    async wait() {
      if (Date.now() + pause >= deadline) return false;
      await sleep(pause);
      pause = Math.min(pause * 2, poll.maxMs);
      return true;
    },
    reset() {
      pause = poll.initialMs;
    },
  };
}

/**
 * The check before each change: never after the protocol stopped waiting for this invocation
 * (work abandoned by one invocation must not race the next), nor once a later request holds the lease.
 */
export function beforeEachChange(req: Pick<HandlerRequest<unknown>, 'signal' | 'assertCurrent'>): () => Promise<void> {
  return async () => {
    if (req.signal?.aborted) throw new Aborted();
    await req.assertCurrent?.();
  };
}

/** The strings of a checkpoint's list field (a checkpoint comes back from a continuation as plain JSON). */
export const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
