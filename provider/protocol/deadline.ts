/**
 * The two clocks of an operation.
 * - Lambda's: each invocation ends at its own deadline (getRemainingTimeInMillis); the provider
 *   stops short of it to answer or continue, and a watchdog takes over if the work does not.
 * - CloudFormation's: a custom resource that has not answered within its ServiceTimeout (1 to
 *   3,600 s, AWS::CloudFormation::CustomResource) fails. The clock starts when CloudFormation
 *   sent the request, which the guard reads from CloudFormation itself (the resource's
 *   LastUpdatedTimestamp), so neither a Lambda retry nor a caller restarts it.
 */
import { MAX_SERVICE_TIMEOUT_SECONDS } from '../../contract/resources';

export function serviceTimeoutSeconds(props: Record<string, unknown>): number {
  const v = props.ServiceTimeout;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_SERVICE_TIMEOUT_SECONDS ? n : MAX_SERVICE_TIMEOUT_SECONDS;
}

export interface Deadlines {
  /** When the handler must return (epoch ms). */
  work: number;
  /** When CloudFormation's ServiceTimeout, less a margin to answer FAILED, runs out (epoch ms). */
  service: number;
  /** When the watchdog fires if nothing has claimed the outcome (epoch ms). */
  watchdog: number;
}

export function deadlines(o: {
  operationStart: number;
  timeoutSeconds: number;
  lambdaDeadline: number;
  safetyMarginMs: number;
  serviceTimeoutMarginMs: number;
}): Deadlines {
  const service = o.operationStart + o.timeoutSeconds * 1000 - o.serviceTimeoutMarginMs;
  return { service, work: Math.min(o.lambdaDeadline - o.safetyMarginMs, service), watchdog: o.lambdaDeadline - o.safetyMarginMs / 2 };
}

/** Resolves 'timeout' at the given time unless cancelled. */
export function watchdog(at: number, now: () => number): { fired: Promise<'timeout'>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const fired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, at - now()));
  });
  return { fired, cancel: () => clearTimeout(timer) };
}
