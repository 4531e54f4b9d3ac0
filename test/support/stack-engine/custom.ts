/**
 * CloudFormation's side of Lambda-backed custom resources (`Custom::*`).
 *
 * Requests (User Guide, "Custom resource request objects" / crpg-ref-requests, and "Custom
 * resource request types"): Create without PhysicalResourceId; Update with PhysicalResourceId,
 * ResourceProperties (new) and OldResourceProperties (old); Delete with PhysicalResourceId and
 * the resource's last properties. Every scalar property is delivered as a string
 * (aws-cloudformation/cloudformation-coverage-roadmap#1037). The ResponseURL stands in for the
 * pre-signed S3 URL, on a local server that records every PUT.
 *
 * Responses (crpg-ref-responses): Status SUCCESS or FAILED, a PhysicalResourceId, at most
 * 4096 bytes ("Response object is too long"); Data becomes the Fn::GetAtt attributes. An Update
 * answered with a different PhysicalResourceId replaces the resource (User Guide,
 * AWS::CloudFormation::CustomResource, "Replacing a custom resource during an update").
 *
 * ServiceTimeout (AWS::CloudFormation::CustomResource, ServiceTimeout: 1 to 3600 s, default
 * 3600): without a response by then "the request is considered unsuccessful, and the stack
 * operation fails"; the engine's clock is `serviceTimeoutMs(seconds)`, so tests can scale it.
 * A response after the timeout is recorded (late) and ignored.
 *
 * `interrupt` (a test helper; nothing calls it unless a test does) stops the engine waiting for
 * requests in flight, as CloudFormation does in two cases: 'timeout' ends the wait as if the
 * ServiceTimeout had just passed (so a test can time a request out at a chosen moment, e.g. while
 * a replica is CREATING, without depending on machine speed); 'cancel' ends it as CloudFormation
 * does when the stack is deleted or rolled back while a Create runs: the resource fails with
 * "Resource creation cancelled" and gets a physical ID CloudFormation made up, which its Delete
 * then carries (aws-cloudformation/cloudformation-coverage-roadmap#1730 and #1814; aws/aws-cdk
 * PR #36951). Either way a later response is recorded as late.
 *
 * `route(pathPrefix, serve)` lets another stand-in share this server, so its URLs start with the
 * same `responsePrefix` (the only prefix the provider PUTs to: ARC_DYNAMODB_ALLOW_RESPONSE_URL_PREFIX);
 * the wait condition handles (./wait-condition.ts) are served under /wait/.
 */
import * as http from 'node:http';
import { randomUUID } from 'node:crypto';
import { freePort } from '../ports';
import { stringify } from './intrinsics';
import type { LocalLambda } from './lambda';
import { ResourceFailure, type Json, type OperationContext, type Outcome, type ResourceTypeHandler } from './types';

export interface CustomRequestRecord {
  requestId: string;
  requestType: 'Create' | 'Update' | 'Delete';
  stackId: string;
  logicalId: string;
  resourceType: string;
  physicalId?: string;
  resourceProperties: Json;
  oldResourceProperties?: Json;
  /** The stack status when the request was sent (e.g. UPDATE_ROLLBACK_IN_PROGRESS). */
  phase: string;
  sentAt: number;
  timeoutMs: number;
  /** CANCELLED: the engine stopped waiting because of `interrupt(..., 'cancel')`. */
  result?: 'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'INVALID' | 'CANCELLED';
}

export interface ResponseBody {
  Status?: string;
  Reason?: string;
  PhysicalResourceId?: string;
  StackId?: string;
  RequestId?: string;
  LogicalResourceId?: string;
  NoEcho?: boolean;
  Data?: Record<string, unknown>;
}

export interface CustomResponseRecord {
  requestId: string;
  body: ResponseBody;
  contentType: string | undefined;
  bytes: number;
  receivedAt: number;
  /** Arrived after the engine stopped waiting (timeout, or a second answer). */
  late: boolean;
}

/** A request to a routed path, with its whole body; the answer is sent as it is. */
export interface RoutedRequest {
  method: string;
  /** The path and query, as received (e.g. `/wait/arn%3Aaws%3A...?Signature=...`). */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RoutedResponse {
  status: number;
  body?: string;
  contentType?: string;
}

export interface CustomResources {
  responsePrefix: string;
  /** Serves requests whose path starts with `pathPrefix` (e.g. '/wait/') with `serve` instead. */
  route(pathPrefix: string, serve: (req: RoutedRequest) => RoutedResponse): void;
  requests: CustomRequestRecord[];
  responses: CustomResponseRecord[];
  responsesFor(requestId: string): CustomResponseRecord[];
  handler: ResourceTypeHandler;
  /** Stops waiting for the matching requests in flight (see the header); returns how many. */
  interrupt(match: { stackId?: string; logicalId?: string }, kind: 'timeout' | 'cancel'): number;
  stop(): Promise<void>;
}

export interface CustomOptions {
  lambda: LocalLambda;
  serviceTimeoutMs(seconds: number, ctx: OperationContext): number;
}

const MAX_RESPONSE_BYTES = 4096;
export const MAX_SERVICE_TIMEOUT = 3600;

export function serviceTimeoutSeconds(props: Json): number {
  const n = Number(props.ServiceTimeout ?? MAX_SERVICE_TIMEOUT);
  return Number.isInteger(n) && n >= 1 && n <= MAX_SERVICE_TIMEOUT ? n : MAX_SERVICE_TIMEOUT;
}

export async function startCustomResources(opts: CustomOptions): Promise<CustomResources> {
  const port = await freePort();
  const responsePrefix = `http://127.0.0.1:${port}/`;
  const requests: CustomRequestRecord[] = [];
  const responses: CustomResponseRecord[] = [];
  const waiting = new Map<string, (r: CustomResponseRecord) => void>();
  const interrupts = new Map<string, { record: CustomRequestRecord; stop: (kind: 'timeout' | 'cancel') => void }>();
  const routes: { prefix: string; serve: (req: RoutedRequest) => RoutedResponse }[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = String(req.url);
      const routed = routes.find((r) => url.startsWith(r.prefix));
      if (routed) {
        const out = routed.serve({ method: String(req.method), url, headers: req.headers, body: raw });
        const text = out.body ?? '';
        res.writeHead(out.status, { 'content-length': Buffer.byteLength(text), ...(out.contentType ? { 'content-type': out.contentType } : {}) });
        res.end(text);
        return;
      }
      const requestId = decodeURIComponent(url.split('?')[0].split('/').pop() ?? '');
      let body: ResponseBody;
      try {
        body = JSON.parse(raw.toString('utf8')) as ResponseBody;
      } catch {
        body = { Status: 'UNPARSEABLE' };
      }
      const resolve = waiting.get(requestId);
      const record: CustomResponseRecord = {
        requestId,
        body,
        contentType: req.headers['content-type'],
        bytes: raw.length,
        receivedAt: Date.now(),
        late: !resolve,
      };
      responses.push(record);
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      if (resolve) {
        waiting.delete(requestId);
        resolve(record);
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));

  async function send(
    ctx: OperationContext,
    type: CustomRequestRecord['requestType'],
    props: Json,
    extra: { physicalId?: string; oldProps?: Json },
  ): Promise<ResponseBody> {
    const token = String(props.ServiceToken ?? '');
    if (token !== opts.lambda.functionArn) {
      throw new ResourceFailure(`Invalid service token: ${token || '(none)'}; this engine serves only ${opts.lambda.functionArn}`, { sent: false });
    }
    const requestId = randomUUID();
    const signature = randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '');
    const record: CustomRequestRecord = {
      requestId,
      requestType: type,
      stackId: ctx.stackId,
      logicalId: ctx.logicalId,
      resourceType: ctx.resourceType,
      ...(extra.physicalId !== undefined ? { physicalId: extra.physicalId } : {}),
      resourceProperties: stringify(props) as Json,
      ...(extra.oldProps !== undefined ? { oldResourceProperties: stringify(extra.oldProps) as Json } : {}),
      phase: ctx.phase,
      sentAt: Date.now(),
      timeoutMs: opts.serviceTimeoutMs(serviceTimeoutSeconds(props), ctx),
    };
    requests.push(record);
    const event = {
      RequestType: type,
      ServiceToken: token,
      ResponseURL:
        `${responsePrefix}${encodeURIComponent(ctx.stackId)}/${requestId}` +
        `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIALOCALENGINE%2F${ctx.region}&X-Amz-Signature=${signature}`,
      StackId: ctx.stackId,
      RequestId: requestId,
      ResourceType: ctx.resourceType,
      LogicalResourceId: ctx.logicalId,
      ...(extra.physicalId !== undefined ? { PhysicalResourceId: extra.physicalId } : {}),
      ResourceProperties: record.resourceProperties,
      ...(record.oldResourceProperties !== undefined ? { OldResourceProperties: record.oldResourceProperties } : {}),
    };
    const answered = new Promise<CustomResponseRecord>((resolve) => waiting.set(requestId, resolve));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), record.timeoutMs)));
    const interrupted = new Promise<'timeout' | 'cancel'>((r) => interrupts.set(requestId, { record, stop: r }));
    opts.lambda.invokeAsync(token, event);
    const outcome = await Promise.race([answered, timedOut, interrupted]);
    clearTimeout(timer);
    interrupts.delete(requestId);
    if (outcome === 'cancel') {
      waiting.delete(requestId);
      record.result = 'CANCELLED';
      throw new ResourceFailure('Resource creation cancelled', { sent: true, physicalId: ctx.generatedName(255) });
    }
    if (outcome === 'timeout') {
      waiting.delete(requestId);
      record.result = 'TIMEOUT';
      // The event text CloudFormation shows (aws/aws-cdk#18746).
      throw new ResourceFailure(
        `CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [${requestId}]. If you are using ` +
          `the Python cfn-response module, you may need to update your Lambda function code so that CloudFormation can attach the updated version.`,
        { sent: true },
      );
    }
    const body = outcome.body;
    const problem =
      outcome.bytes > MAX_RESPONSE_BYTES
        ? 'Response object is too long.'
        : body.Status !== 'SUCCESS' && body.Status !== 'FAILED'
          ? `Invalid response status ${String(body.Status)}`
          : typeof body.PhysicalResourceId !== 'string' || body.PhysicalResourceId.length === 0 || body.PhysicalResourceId.length > 1024
            ? 'Invalid PhysicalResourceId'
            : body.RequestId !== requestId || body.StackId !== ctx.stackId || body.LogicalResourceId !== ctx.logicalId
              ? 'Response does not match the request (RequestId, StackId or LogicalResourceId)'
              : undefined;
    if (problem) {
      record.result = 'INVALID';
      throw new ResourceFailure(problem, { sent: true, physicalId: body.PhysicalResourceId });
    }
    record.result = body.Status as 'SUCCESS' | 'FAILED';
    if (body.Status === 'FAILED') {
      throw new ResourceFailure(`Received response status [FAILED] from custom resource. Message returned: ${body.Reason ?? '(none)'}`, {
        sent: true,
        physicalId: body.PhysicalResourceId,
      });
    }
    return body;
  }

  const outcome = (body: ResponseBody): Outcome => ({ physicalId: body.PhysicalResourceId as string, attributes: { ...(body.Data ?? {}) } });

  const handler: ResourceTypeHandler = {
    async create(ctx, props) {
      return outcome(await send(ctx, 'Create', props, {}));
    },
    async update(ctx, physicalId, oldProps, newProps) {
      return outcome(await send(ctx, 'Update', newProps, { physicalId, oldProps }));
    },
    async delete(ctx, physicalId, props) {
      await send(ctx, 'Delete', props, { physicalId });
    },
  };

  return {
    responsePrefix,
    route: (prefix, serve) => {
      routes.push({ prefix, serve });
    },
    requests,
    responses,
    responsesFor: (id) => responses.filter((r) => r.requestId === id),
    handler,
    interrupt(match, kind) {
      let n = 0;
      for (const { record, stop } of [...interrupts.values()]) {
        if ((match.stackId === undefined || match.stackId === record.stackId) && (match.logicalId === undefined || match.logicalId === record.logicalId)) {
          stop(kind);
          n++;
        }
      }
      return n;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
