/**
 * Exactly one outcome per invocation: an answer to CloudFormation, or a continuation. Whichever
 * claims the gate first wins (the handler's result, or the watchdog at the deadline); everything
 * the abandoned side tries afterwards is dropped. The protocol knows nothing about resources.
 */
import type { Logger } from '../types';
import type { CfnEvent } from './event';
import { sendResponse, type ResponseBody, type ResponseTransport } from './response';

export type Status = 'SUCCESS' | 'FAILED';
export type Data = Record<string, string | number>;

export interface Gate {
  readonly closed: boolean;
  /** True for the first caller only. */
  claim(): boolean;
  /** Re-opens the gate after a claimed continuation could not be queued: the answer is still owed. */
  reopen(): void;
}

export function makeGate(): Gate {
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    claim() {
      if (closed) return false;
      closed = true;
      return true;
    },
    reopen() {
      closed = false;
    },
  };
}

export interface ResponderOptions {
  transport: ResponseTransport;
  attempts: number;
  baseDelayMs: number;
}

/** Sends one response for the event, retrying the PUT (CDK provider framework, cfn-response.ts). */
export function responder(event: Pick<CfnEvent, 'StackId' | 'RequestId' | 'LogicalResourceId' | 'ResponseURL'>, log: Logger, opts: ResponderOptions) {
  return async (status: Status, reason: string | undefined, physicalResourceId: string, data?: Data): Promise<void> => {
    const body: ResponseBody = {
      Status: status,
      Reason: reason,
      PhysicalResourceId: physicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: data,
    };
    await sendResponse(event.ResponseURL, body, { transport: opts.transport, log, attempts: opts.attempts, baseDelayMs: opts.baseDelayMs });
  };
}
