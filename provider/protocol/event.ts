/**
 * The custom-resource request, checked before anything else happens.
 * Fields and their presence per request type: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html
 * ("PhysicalResourceId: always sent with Update and Delete requests; never sent with Create").
 */
import type { RequestType } from '../types';

export interface CfnEvent {
  RequestType: RequestType;
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  ResourceType: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

export interface ResponseUrlPolicy {
  /**
   * The only exception to "https on an S3 host": an explicit prefix for local tests, set by
   * ARC_DYNAMODB_ALLOW_RESPONSE_URL_PREFIX (e.g. http://127.0.0.1:). Never set it in AWS.
   */
  allowPrefix?: string;
}

/** Pre-signed URLs are ~1-3 KB; anything far larger is not one CloudFormation wrote. */
const MAX_URL_CHARS = 8192;

/**
 * CloudFormation's response buckets: cloudformation-custom-resource-response-<region>.s3.amazonaws.com,
 * …s3-<region>.amazonaws.com, …s3.<region>.amazonaws.com, and the same under amazonaws.com.cn (China)
 * and the ISO partitions. Any S3 endpoint host of an AWS partition is accepted; nothing else is.
 */
const S3_HOST =
  /^(?:[a-z0-9][a-z0-9.-]{0,252}\.)?s3(?:[.-](?:dualstack\.)?[a-z0-9-]{1,40})?\.(?:amazonaws\.com|amazonaws\.com\.cn|c2s\.ic\.gov|sc2s\.sgov\.gov)$/;

/** Why a ResponseURL may not be used, or undefined when it may. */
export function checkResponseUrl(raw: unknown, policy: ResponseUrlPolicy): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0) return 'ResponseURL is missing';
  if (raw.length > MAX_URL_CHARS) return `ResponseURL is ${raw.length} characters long`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'ResponseURL is not a URL';
  }
  if (url.username !== '' || url.password !== '') return 'ResponseURL carries credentials in its authority';
  if (policy.allowPrefix && policy.allowPrefix.length > 0 && raw.startsWith(policy.allowPrefix)) return undefined;
  if (url.protocol !== 'https:') return `ResponseURL must use https, not ${url.protocol.replace(':', '')}`;
  if (url.port !== '') return 'ResponseURL must not name a port';
  if (!S3_HOST.test(url.hostname)) return `ResponseURL host ${url.hostname.slice(0, 100)} is not an Amazon S3 endpoint`;
  return undefined;
}

export type ParsedEvent =
  | { ok: true; event: CfnEvent }
  /** responseUrl is set when the URL itself is fine, so the rejection can still be answered. */
  | {
      ok: false;
      reason: string;
      responseUrl?: string;
      partial: Partial<Record<'StackId' | 'RequestId' | 'LogicalResourceId' | 'PhysicalResourceId' | 'RequestType', string>>;
    };

const REQUEST_TYPES: readonly RequestType[] = ['Create', 'Update', 'Delete'];
const STACK_ID = /^arn:aws[a-z-]{0,20}:cloudformation:[a-z0-9-]{1,30}:\d{12}:stack\/[A-Za-z][A-Za-z0-9-]{0,127}\/[A-Za-z0-9-]{1,64}$/;
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
const RESOURCE_TYPE = /^(?:Custom::[A-Za-z0-9_@-]{1,52}|AWS::CloudFormation::CustomResource)$/;

/** Control characters: CloudFormation never sends them in IDs, and JSON escaping makes each 6 bytes. */
const CONTROL = /[\u0000-\u001f\u007f]/;

function shortString(v: unknown, max: number): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max && !CONTROL.test(v) ? v : undefined;
}

export function parseEvent(raw: unknown, policy: ResponseUrlPolicy): ParsedEvent {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'the event is not an object', partial: {} };
  const e = raw as Record<string, unknown>;
  const partial = {
    StackId: shortString(e.StackId, 1024),
    RequestId: shortString(e.RequestId, 1024),
    LogicalResourceId: shortString(e.LogicalResourceId, 255),
    PhysicalResourceId: shortString(e.PhysicalResourceId, 1024),
    RequestType: shortString(e.RequestType, 16),
  };
  const urlProblem = checkResponseUrl(e.ResponseURL, policy);
  if (urlProblem) return { ok: false, reason: urlProblem, partial };
  const responseUrl = e.ResponseURL as string;
  const fail = (reason: string): ParsedEvent => ({ ok: false, reason, responseUrl, partial });

  if (typeof e.RequestType !== 'string' || !(REQUEST_TYPES as readonly string[]).includes(e.RequestType)) {
    return fail(
      `unsupported RequestType ${typeof e.RequestType === 'string' ? `'${e.RequestType.slice(0, 40)}'` : '(missing)'}; expected Create, Update or Delete`,
    );
  }
  const requestType = e.RequestType as RequestType;
  if (typeof e.StackId !== 'string' || !STACK_ID.test(e.StackId)) return fail('StackId is missing or is not a CloudFormation stack ARN');
  if (typeof e.RequestId !== 'string' || e.RequestId.length === 0 || e.RequestId.length > 256 || CONTROL.test(e.RequestId))
    return fail('RequestId is missing or invalid');
  if (typeof e.LogicalResourceId !== 'string' || !LOGICAL_ID.test(e.LogicalResourceId)) return fail('LogicalResourceId is missing or invalid');
  if (typeof e.ResourceType !== 'string' || !RESOURCE_TYPE.test(e.ResourceType)) return fail('ResourceType is missing or is not a custom resource type');
  if (requestType !== 'Create') {
    if (
      typeof e.PhysicalResourceId !== 'string' ||
      e.PhysicalResourceId.length === 0 ||
      e.PhysicalResourceId.length > 1024 ||
      CONTROL.test(e.PhysicalResourceId)
    ) {
      return fail(`PhysicalResourceId is missing or invalid on a ${requestType} request`);
    }
  }
  const props = e.ResourceProperties;
  if (props === null || typeof props !== 'object' || Array.isArray(props)) return fail('ResourceProperties is missing or is not an object');
  const old = e.OldResourceProperties;
  if (requestType === 'Update' && (old === null || typeof old !== 'object' || Array.isArray(old))) {
    return fail('OldResourceProperties is missing or is not an object on an Update request');
  }
  return {
    ok: true,
    event: {
      RequestType: requestType,
      ResponseURL: responseUrl,
      StackId: e.StackId,
      RequestId: e.RequestId,
      ResourceType: e.ResourceType,
      LogicalResourceId: e.LogicalResourceId,
      PhysicalResourceId: requestType === 'Create' ? undefined : (e.PhysicalResourceId as string),
      ResourceProperties: props as Record<string, unknown>,
      OldResourceProperties: requestType === 'Update' ? (old as Record<string, unknown>) : undefined,
    },
  };
}
