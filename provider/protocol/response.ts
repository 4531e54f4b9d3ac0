/**
 * The response to CloudFormation: an HTTP PUT of a JSON body to the pre-signed ResponseURL.
 * Transport rules from AWS's own cfn-response module and CDK's provider framework
 * (cfn-response.ts): an empty content-type (a non-empty one breaks the pre-signed signature,
 * aws-cloudformation/aws-cloudformation-templates#54), content-length in bytes, retries with
 * jittered exponential backoff, and any HTTP status >= 400 treated as a failure.
 * The whole body must stay under 4,096 bytes (CloudFormation quotas: "Custom resource response").
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Logger } from '../types';
import { redactUrl } from './log';

export const MAX_RESPONSE_BYTES = 4096;

export interface ResponseBody {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho?: boolean;
  Data?: Record<string, string | number>;
}

/** Sends one HTTP PUT; resolves with the status code. Injected so tests can watch every attempt. */
export type ResponseTransport = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

export const nodeTransport: ResponseTransport = (url, body, headers) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'http:' ? http : https;
    const req = lib.request(target, { method: 'PUT', headers, timeout: 15000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('response PUT timed out')));
    req.on('error', reject);
    req.end(body);
  });

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let cut = Buffer.from(text, 'utf8')
    .subarray(0, Math.max(0, maxBytes - 3))
    .toString('utf8');
  // A multi-byte character split by the byte cut decodes as U+FFFD: drop it.
  cut = cut.replace(/\uFFFD$/, '');
  return `${cut}...`;
}

/** The JSON body, shortened to fit 4,096 bytes: Reason is truncated first, then Data dropped. */
export function serializeResponse(body: ResponseBody): string {
  const full = { ...body, Reason: body.Reason ?? body.Status };
  let text = JSON.stringify(full);
  if (Buffer.byteLength(text, 'utf8') <= MAX_RESPONSE_BYTES) return text;
  const withoutReason = Buffer.byteLength(JSON.stringify({ ...full, Reason: '' }), 'utf8');
  const room = MAX_RESPONSE_BYTES - withoutReason - 64; // JSON escaping can grow the reason
  if (room > 100) {
    let reason = truncateUtf8(full.Reason, room);
    text = JSON.stringify({ ...full, Reason: reason });
    while (Buffer.byteLength(text, 'utf8') > MAX_RESPONSE_BYTES && reason.length > 0) {
      reason = truncateUtf8(reason, Buffer.byteLength(reason, 'utf8') - 200);
      text = JSON.stringify({ ...full, Reason: reason });
    }
    if (Buffer.byteLength(text, 'utf8') <= MAX_RESPONSE_BYTES) return text;
  }
  // Data too large to fit at all: answer FAILED rather than send something CloudFormation rejects.
  // Measured after JSON escaping, which can make one character six bytes: shrink until it fits.
  for (let reasonBytes = 1500, idBytes = 1024; ; reasonBytes = Math.floor(reasonBytes / 2), idBytes = Math.floor(idBytes / 2)) {
    const fallback = JSON.stringify({
      Status: 'FAILED',
      Reason: truncateUtf8(`The provider's result was larger than CloudFormation's 4,096-byte response limit. ${full.Reason}`, reasonBytes),
      PhysicalResourceId: truncateUtf8(body.PhysicalResourceId, idBytes),
      StackId: body.StackId,
      RequestId: body.RequestId,
      LogicalResourceId: body.LogicalResourceId,
    });
    if (Buffer.byteLength(fallback, 'utf8') <= MAX_RESPONSE_BYTES || reasonBytes < 16) return fallback;
  }
}

export interface SendOptions {
  transport: ResponseTransport;
  log: Logger;
  attempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** PUTs the response, retrying with full-jitter exponential backoff. Resolves true when CloudFormation accepted it. */
export async function sendResponse(url: string, body: ResponseBody, opts: SendOptions): Promise<boolean> {
  const text = serializeResponse(body);
  const headers = { 'content-type': '', 'content-length': String(Buffer.byteLength(text, 'utf8')) };
  const attempts = opts.attempts ?? 5;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  let delay = opts.baseDelayMs ?? 1000;
  const where = redactUrl(url);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const status = await opts.transport(url, text, headers);
      if (status >= 200 && status < 300) {
        opts.log.info('response sent', { status: body.Status, url: where, attempt, bytes: headers['content-length'] });
        return true;
      }
      opts.log.warn('response PUT rejected', { httpStatus: status, url: where, attempt });
    } catch (e) {
      opts.log.warn('response PUT failed', { error: (e as Error).message, url: where, attempt });
    }
    if (attempt < attempts) {
      await sleep(Math.floor(random() * delay));
      delay *= 2;
    }
  }
  opts.log.error('response could not be delivered', { status: body.Status, url: where, attempts });
  return false;
}
