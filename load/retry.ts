/**
 * Retries with "full jitter" exponential backoff: sleep a random time in [0, min(cap, base * 2^attempt)]
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/; BatchWriteItem's
 * own docs ask callers to retry UnprocessedItems with exponential backoff:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 */
export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  /** Tries in total, the first included. */
  maxAttempts: number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const defaultRetryPolicy = (): RetryPolicy => ({
  baseMs: 50,
  capMs: 5000,
  maxAttempts: 12,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: Math.random,
});

export function backoffMs(attempt: number, p: RetryPolicy): number {
  return Math.floor(p.random() * Math.min(p.capMs, p.baseMs * 2 ** attempt));
}

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Throttling, server-side 5xx and dropped connections are worth another try; anything else is not. */
export function isRetryable(e: unknown): boolean {
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; message?: string };
  if (!err || typeof err !== 'object') return false;
  // Our own cancellation at the deadline is final.
  if (err.name === 'AbortError' || err.name === 'AbortedError') return false;
  if (err.name && RETRYABLE_NAMES.has(err.name)) return true;
  if (err.code && NETWORK_CODES.has(err.code)) return true;
  if (err.$retryable) return true;
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return /socket hang up|ECONNRESET|aborted/i.test(err.message ?? '');
}
