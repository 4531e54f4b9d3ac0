/**
 * Sealed continuations. A continuation is the original event plus the state of the chain
 * (`ContinuationState`), sent by the provider to itself. Anyone who may invoke the function could
 * send one too, with any hop, start time or checkpoint, so the state travels under an HMAC-SHA256
 * of the provider's secret key (kept in its state table) over the state and a digest of the
 * event it belongs to. A continuation whose seal does not verify is not the provider's and is
 * ignored. The hop count is bounded here and the start time is CloudFormation's own (see
 * authenticate.ts), so neither is the caller's to choose.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CfnEvent } from '../protocol/event';

export interface ContinuationState {
  /** Identifies the chain of invocations serving one request: the first invocation's request ID. */
  chainId: string;
  /** Epoch ms when CloudFormation started the operation; bounds the whole operation. */
  startedAt: number;
  hop: number;
  checkpoint?: unknown;
  /** The ID a failure must answer with once something was changed (see HandlerResult 'continue'). */
  physicalResourceId?: string;
  /**
   * CloudFormation has been answered SUCCESS and the work goes on behind a WaitCondition
   * (provider/protocol/long-operation.ts): the chain signals the handle when it is done.
   */
  background?: boolean;
}

/** ServiceTimeout is at most 3,600 s and an invocation at most 900 s; 1,000 hops is far beyond any honest chain. */
export const MAX_HOPS = 1000;

interface Envelope {
  v: 1;
  state: string;
  mac: string;
}

function eventDigest(e: CfnEvent): string {
  const fields = [
    e.RequestType,
    e.StackId,
    e.RequestId,
    e.LogicalResourceId,
    e.ResourceType,
    e.PhysicalResourceId ?? null,
    e.ResponseURL,
    e.ResourceProperties,
    e.OldResourceProperties ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

const mac = (key: Buffer, state: string, event: CfnEvent) =>
  createHmac('sha256', key)
    .update(`${state}\n${eventDigest(event)}`)
    .digest('hex');

export function seal(key: Buffer, event: CfnEvent, state: ContinuationState): Envelope {
  const body = JSON.stringify(state);
  return { v: 1, state: body, mac: mac(key, body, event) };
}

/** The state, when the envelope was sealed by this key for this very event; undefined otherwise. */
export function unseal(key: Buffer, event: CfnEvent, raw: unknown): ContinuationState | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const env = raw as Partial<Envelope>;
  if (env.v !== 1 || typeof env.state !== 'string' || typeof env.mac !== 'string' || !/^[0-9a-f]{64}$/.test(env.mac)) return undefined;
  const expected = Buffer.from(mac(key, env.state, event), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(env.mac, 'hex'))) return undefined;
  let s: Partial<ContinuationState>;
  try {
    s = JSON.parse(env.state) as Partial<ContinuationState>;
  } catch {
    return undefined;
  }
  if (typeof s.chainId !== 'string' || typeof s.startedAt !== 'number' || typeof s.hop !== 'number' || !Number.isInteger(s.hop) || s.hop < 1) return undefined;
  return {
    chainId: s.chainId,
    startedAt: s.startedAt,
    hop: s.hop,
    checkpoint: s.checkpoint,
    ...(typeof s.physicalResourceId === 'string' ? { physicalResourceId: s.physicalResourceId } : {}),
    ...(s.background === true ? { background: true } : {}),
  };
}
