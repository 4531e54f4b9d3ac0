/**
 * `AWS::CloudFormation::WaitConditionHandle` and `AWS::CloudFormation::WaitCondition`, with the
 * handle's pre-signed URL served on the custom-resource server (custom.ts `route`), so the URL
 * starts with the engine's response prefix like a custom resource's ResponseURL.
 *
 * Sources: Template Reference, AWS::CloudFormation::WaitConditionHandle
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-waitconditionhandle.html)
 * and AWS::CloudFormation::WaitCondition (same folder, aws-resource-cloudformation-waitcondition.html);
 * User Guide, "Create wait conditions in a CloudFormation template"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-waitcondition.html).
 *
 * Handle: "has no properties"; Ref returns a presigned URL, which is also its physical ID ("the
 * presigned URL is displayed as the physical ID of the wait condition handle resource"). The real
 * URL is an S3 object URL whose key is the URL-encoded `<stack ARN>/<handle logical ID>`, signed
 * with Expires, AWSAccessKeyId and Signature (the User Guide's curl example:
 * `https://cloudformation-waitcondition-test.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3A...%2FmyWaitConditionHandle?Expires=...`);
 * the engine's is `<responsePrefix>wait/<the same encoded key>?AWSAccessKeyId=...&Expires=...&Signature=...`.
 *
 * Signals (User Guide, same page, "Wait condition signal JSON format"): an HTTP PUT whose
 * "Content-Type header must be an empty string or omitted", body
 * `{"Status":"SUCCESS"|"FAILURE","UniqueId":"...","Data":"...","Reason":"..."}`. The URL is an S3
 * pre-signed URL (signature version 2), whose string to sign holds the HTTP verb and the
 * Content-Type (S3 API Reference, "Signing and authenticating REST requests (AWS signature
 * version 2)"), so another verb or a non-empty Content-Type is refused as S3 refuses it: 403
 * SignatureDoesNotMatch, and nothing is stored. Any other PUT is stored (S3 takes any body).
 * - A signal with a UniqueId already on the handle is "a retransmission of the previously sent
 *   signal with the same UniqueId", and CloudFormation "will ignore the signal": the first one stays.
 * - Signals are kept by the handle, not by the condition: "If you reuse a wait condition handle,
 *   the wait condition might evaluate old signals from a previous create or update stack command"
 *   (WaitConditionHandle reference). So a signal sent after the handle exists but before the
 *   condition starts waiting counts when it starts.
 * - A body that is not such JSON fails the condition with "Unparsable WaitCondition data"
 *   (aws-cloudformation/cloudformation-coverage-roadmap#2088; aws-quickstart/quickstart-pivotal-cloudfoundry#10).
 *   Which fields CloudFormation insists on is not documented; the engine wants Status and UniqueId.
 * - A PUT to a handle that has been deleted still gets S3's 200 (a pre-signed URL stays valid
 *   until it expires; modelled), and nothing reads it.
 *
 * Condition: properties Handle (the handle's Ref), Timeout (seconds, at most 43200: "The maximum
 * time that you can specify is 43200 seconds (12 hours)"; both "required" when a handle is used,
 * per the User Guide) and Count (default 1). Create is CREATE_IN_PROGRESS until Count SUCCESS
 * signals with distinct UniqueIds are on the handle; a FAILURE signal fails it at once with
 * "WaitCondition received failed message: '<Reason>' for uniqueId: <UniqueId>"
 * (aws-samples/vpn-gateway-strongswan#28, sebdah/dynamic-dynamodb#248); the timeout fails it with
 * "WaitCondition timed out. Received <n> conditions when expecting <Count>"
 * (aws-samples/immersive-media-refarch#7). Signals are judged in arrival order, so a FAILURE
 * already on the handle when the wait starts fails it even if enough SUCCESS signals are there too
 * (modelled). Its physical ID is `<stack ARN>/<handle logical ID>` (the CREATE_FAILED event in
 * aws-quickstart/quickstart-pivotal-cloudfoundry#10). Fn::GetAtt Data is "A JSON object that
 * contains the UniqueId and Data values from the wait condition signal(s)", e.g.
 * `{"Signal1":"Step 1 complete."}`, as a string.
 * Update: every property says "Updates aren't supported."; the engine fails any property change
 * with that text (the stack then rolls back). Delete: nothing to call (no backend).
 *
 * Time: Timeout seconds are `timeoutMs(seconds)` engine milliseconds (the custom resources' scale).
 * `interrupt` ends waits now: 'timeout' as if the Timeout had passed, 'cancel' as CloudFormation
 * does for a DeleteStack during the create ("Resource creation cancelled").
 */
import { randomBytes } from 'node:crypto';
import type { RoutedRequest, RoutedResponse } from './custom';
import { ResourceFailure, type Json, type OperationContext, type Outcome, type ResourceTypeHandler } from './types';

export const MAX_WAIT_TIMEOUT = 43_200;
const UPDATES_NOT_SUPPORTED = "Updates aren't supported.";

/** One PUT (or other request) to a handle URL, as received. */
export interface WaitSignalRecord {
  stackId?: string;
  handleLogicalId?: string;
  url: string;
  method: string;
  contentType?: string;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  receivedAt: number;
  httpStatus: number;
  /**
   * stored: on the handle (counts); retransmission: its UniqueId was already there (ignored);
   * unparsable: stored, and fails the condition; orphaned: the handle was deleted; rejected: 403.
   */
  outcome: 'stored' | 'retransmission' | 'unparsable' | 'orphaned' | 'rejected';
}

interface StoredSignal {
  status: 'SUCCESS' | 'FAILURE';
  uniqueId: string;
  reason: string;
  data: string;
}

interface Handle {
  stackId: string;
  logicalId: string;
  url: string;
  signature: string;
  /** Arrival order; `undefined` is an unparsable signal. */
  entries: (StoredSignal | undefined)[];
  deleted: boolean;
  listeners: Set<() => void>;
}

export interface WaitConditionsOptions {
  /** The handle URLs' base: the custom-resource server's response prefix + 'wait/'. */
  baseUrl: string;
  timeoutMs(seconds: number, ctx: OperationContext): number;
}

export interface WaitConditions {
  signals: WaitSignalRecord[];
  handleHandler: ResourceTypeHandler;
  conditionHandler: ResourceTypeHandler;
  /** For custom.ts `route`: serves PUTs to handle URLs. */
  serve(req: RoutedRequest): RoutedResponse;
  /** Ends matching waits now (see the header); returns how many. */
  interrupt(match: { stackId?: string; logicalId?: string }, kind: 'timeout' | 'cancel'): number;
}

const keyOf = (stackId: string, logicalId: string) => `${stackId}/${logicalId}`;

const s3Error = (code: string, message: string): RoutedResponse => ({
  status: 403,
  contentType: 'application/xml',
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
});

/** A signal as the condition reads it, or undefined when CloudFormation could not parse it. */
function parseSignal(body: unknown): StoredSignal | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Json;
  if (b.Status !== 'SUCCESS' && b.Status !== 'FAILURE') return undefined;
  if (typeof b.UniqueId !== 'string' || b.UniqueId.length === 0) return undefined;
  const text = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  return { status: b.Status, uniqueId: b.UniqueId, reason: text(b.Reason), data: text(b.Data) };
}

function integerIn(ctx: OperationContext, props: Json, name: string, min: number, max: number, fallback?: number): number {
  const raw = props[name] ?? fallback;
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < min || n > max)
    throw new ResourceFailure(
      `Properties validation failed for resource ${ctx.logicalId}: ${name} must be an integer from ${min} to ${max} (got ${String(raw)})`,
    );
  return n;
}

export function startWaitConditions(opts: WaitConditionsOptions): WaitConditions {
  const handles = new Map<string, Handle>();
  const signals: WaitSignalRecord[] = [];
  const waits = new Map<number, { stackId: string; logicalId: string; stop: (kind: 'timeout' | 'cancel') => void }>();
  let waitSeq = 0;

  /** The handle a URL names (path and signature), if this engine issued it. */
  const handleOfUrl = (url: URL): Handle | undefined => {
    const base = new URL(opts.baseUrl);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return undefined;
    const h = handles.get(decodeURIComponent(url.pathname.slice(base.pathname.length)));
    return h && url.searchParams.get('Signature') === h.signature ? h : undefined;
  };

  function serve(req: RoutedRequest): RoutedResponse {
    const url = new URL(req.url, opts.baseUrl);
    const h = handleOfUrl(url);
    const contentType = req.headers['content-type'];
    const text = req.body.toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text: CloudFormation reports it as unparsable
    }
    const record: WaitSignalRecord = {
      ...(h ? { stackId: h.stackId, handleLogicalId: h.logicalId } : {}),
      url: url.toString(),
      method: req.method,
      ...(contentType !== undefined ? { contentType } : {}),
      body,
      receivedAt: Date.now(),
      httpStatus: 200,
      outcome: 'stored',
    };
    signals.push(record);
    // The verb and the Content-Type are part of what the URL's signature signed.
    const refused = !h
      ? s3Error('AccessDenied', 'Access Denied')
      : req.method !== 'PUT' || (contentType !== undefined && contentType !== '')
        ? s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
        : undefined;
    if (refused || !h) {
      record.httpStatus = 403;
      record.outcome = 'rejected';
      return refused ?? s3Error('AccessDenied', 'Access Denied');
    }
    if (h.deleted) {
      record.outcome = 'orphaned';
      return { status: 200 };
    }
    const signal = parseSignal(body);
    if (!signal) record.outcome = 'unparsable';
    else if (h.entries.some((e) => e?.uniqueId === signal.uniqueId)) record.outcome = 'retransmission';
    if (record.outcome !== 'retransmission') h.entries.push(signal);
    for (const notify of [...h.listeners]) notify();
    return { status: 200 };
  }

  const handleHandler: ResourceTypeHandler = {
    async create(ctx) {
      const key = keyOf(ctx.stackId, ctx.logicalId);
      const signature = randomBytes(20).toString('base64');
      const expires = Math.floor(Date.now() / 1000) + 86_400;
      const url = `${opts.baseUrl}${encodeURIComponent(key)}?AWSAccessKeyId=ASIALOCALENGINE&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
      handles.set(key, { stackId: ctx.stackId, logicalId: ctx.logicalId, url, signature, entries: [], deleted: false, listeners: new Set() });
      return { physicalId: url, attributes: {} };
    },
    // No properties, so CloudFormation never has an update to make; nothing changes if it did.
    async update(_ctx, physicalId) {
      return { physicalId, attributes: {} };
    },
    async delete(_ctx, physicalId) {
      const h = handleOfUrl(new URL(physicalId));
      if (h) h.deleted = true;
    },
  };

  /** What the signals on the handle decide so far, in arrival order; undefined: keep waiting. */
  function verdict(h: Handle, count: number): { ok: true; data: string } | { ok: false; reason: string } | undefined {
    for (const e of h.entries) {
      if (!e) return { ok: false, reason: 'Unparsable WaitCondition data' };
      if (e.status === 'FAILURE') return { ok: false, reason: `WaitCondition received failed message: '${e.reason}' for uniqueId: ${e.uniqueId}` };
    }
    const ok = h.entries.filter((e): e is StoredSignal => e?.status === 'SUCCESS');
    return ok.length >= count ? { ok: true, data: JSON.stringify(Object.fromEntries(ok.map((e) => [e.uniqueId, e.data]))) } : undefined;
  }

  const successes = (h: Handle) => h.entries.filter((e) => e?.status === 'SUCCESS').length;

  async function waitFor(ctx: OperationContext, h: Handle, count: number, timeoutMs: number, physicalId: string): Promise<Outcome> {
    const id = ++waitSeq;
    let timer: NodeJS.Timeout | undefined;
    let check: () => void = () => undefined;
    try {
      return await new Promise<Outcome>((resolve, reject) => {
        const fail = (reason: string) => reject(new ResourceFailure(reason, { sent: true, physicalId }));
        const timedOut = () => fail(`WaitCondition timed out. Received ${successes(h)} conditions when expecting ${count}`);
        check = () => {
          const v = verdict(h, count);
          if (v?.ok) resolve({ physicalId, attributes: { Data: v.data } });
          else if (v) fail(v.reason);
        };
        h.listeners.add(check);
        waits.set(id, {
          stackId: ctx.stackId,
          logicalId: ctx.logicalId,
          stop: (kind) => (kind === 'timeout' ? timedOut() : fail('Resource creation cancelled')),
        });
        timer = setTimeout(timedOut, timeoutMs);
        check();
      });
    } finally {
      clearTimeout(timer);
      h.listeners.delete(check);
      waits.delete(id);
    }
  }

  const conditionHandler: ResourceTypeHandler = {
    async create(ctx, props) {
      const handleUrl = String(props.Handle ?? '');
      let h: Handle | undefined;
      try {
        h = handleOfUrl(new URL(handleUrl));
      } catch {
        h = undefined;
      }
      if (!h || h.deleted)
        throw new ResourceFailure(
          `Properties validation failed for resource ${ctx.logicalId}: Handle is not the URL of a wait condition handle (${handleUrl})`,
        );
      const timeout = integerIn(ctx, props, 'Timeout', 1, MAX_WAIT_TIMEOUT);
      const count = integerIn(ctx, props, 'Count', 1, Number.MAX_SAFE_INTEGER, 1);
      return waitFor(ctx, h, count, opts.timeoutMs(timeout, ctx), keyOf(h.stackId, h.logicalId));
    },
    async update() {
      throw new ResourceFailure(UPDATES_NOT_SUPPORTED);
    },
    async delete() {
      // A wait condition has nothing behind it to delete.
    },
  };

  return {
    signals,
    handleHandler,
    conditionHandler,
    serve,
    interrupt(match, kind) {
      let n = 0;
      for (const w of [...waits.values()]) {
        if ((match.stackId === undefined || match.stackId === w.stackId) && (match.logicalId === undefined || match.logicalId === w.logicalId)) {
          w.stop(kind);
          n++;
        }
      }
      return n;
    },
  };
}
