/**
 * Request authentication: is this event really CloudFormation's, for a resource it is working on?
 *
 * Why: CloudFormation invokes a custom resource's function with the credentials of the stack's
 * caller or its service role (a caller without lambda:InvokeFunction gets AccessDenied,
 * aws-solutions/centralized-logging-with-opensearch#216), so whoever can use the provider from a
 * stack can also invoke it directly with an event of their own, naming another stack. The
 * event's fields prove nothing; CloudFormation's own record of the stack does:
 * `DescribeStackResource` (CloudFormation API reference) returns the resource's type, physical
 * ID, ResourceStatus and LastUpdatedTimestamp. CloudFormation sets the resource to
 * CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS (also while rolling an update back) or
 * DELETE_IN_PROGRESS before it sends the matching request (user guide, "Stack status codes" and
 * "Custom resource request types"), so a request is CloudFormation's only while that holds.
 *
 * One case needs the stack's status too: when an Update answered a new physical ID, the old
 * one gets its Delete in the cleanup phase (user guide, custom resources, "Update"), while the
 * logical ID already shows the new ID as UPDATE_COMPLETE. Such a Delete is accepted only while
 * the stack is in a *_CLEANUP_IN_PROGRESS status, and only for a physical ID this provider once
 * answered for that resource (the caller checks the latter against the state table).
 *
 * Reads may lag (CloudFormation's read APIs are not documented as strongly consistent), so a
 * mismatch is re-read with backoff before it becomes a refusal; a refusal changes nothing.
 */
import { DescribeStackResourceCommand, DescribeStacksCommand, GetTemplateCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { awsErrorName } from '../aws';
import type { RequestType } from '../types';

export interface AuthenticationRequest {
  requestType: RequestType;
  stackId: string;
  logicalResourceId: string;
  resourceType: string;
  physicalResourceId?: string;
  /**
   * A sealed background continuation of a long operation (provider/protocol/long-operation.ts):
   * CloudFormation was answered SUCCESS already, so the resource shows CREATE_COMPLETE or
   * UPDATE_COMPLETE with the answered physical ID, while the stack operation it belongs to is
   * still IN_PROGRESS (waiting on the WaitCondition). Once the stack has moved on (a rollback, or
   * the operation ended), the chain is no longer CloudFormation's business and stops.
   */
  background?: boolean;
}

export type Authentication =
  /**
   * CloudFormation is working on this resource now; `since` is when it started (epoch ms), from
   * the resource's LastUpdatedTimestamp ("Time the status was updated", StackResourceDetail),
   * or undefined where the record does not say (a cleanup Delete of a replaced physical ID).
   * `cleanup`: a cleanup-phase Delete of a replaced physical ID (the caller must know the ID as
   * one of its own). `stackStatus` says which phase the stack is in (read for Update and Delete:
   * UPDATE_ROLLBACK_IN_PROGRESS means the Update is a rollback, DELETE_IN_PROGRESS a stack delete).
   */
  { kind: 'authentic'; since: number | undefined; cleanup: boolean; stackStatus: string } | { kind: 'refused'; reason: string };

const IN_PROGRESS: Record<RequestType, string> = { Create: 'CREATE_IN_PROGRESS', Update: 'UPDATE_IN_PROGRESS', Delete: 'DELETE_IN_PROGRESS' };

export interface AuthenticateOptions {
  /** Waits between re-reads of a record that does not match yet (ms). */
  retryDelaysMs: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_AUTH_RETRIES: readonly number[] = [500, 1000, 2000, 4000];

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One reading of CloudFormation's record, judged. `retry` means a later read might differ. */
async function judgeOnce(cfn: CloudFormationClient, r: AuthenticationRequest): Promise<Authentication & { retry?: boolean }> {
  let detail;
  try {
    detail = (await cfn.send(new DescribeStackResourceCommand({ StackName: r.stackId, LogicalResourceId: r.logicalResourceId }))).StackResourceDetail;
  } catch (e) {
    // ValidationError: no such stack or no such logical ID in it (DescribeStackResource errors).
    if (awsErrorName(e) === 'ValidationError')
      return { kind: 'refused', reason: `CloudFormation has no resource ${r.logicalResourceId} in stack ${r.stackId}`, retry: true };
    throw e;
  }
  if (!detail || detail.StackId !== r.stackId)
    return { kind: 'refused', reason: `CloudFormation has no resource ${r.logicalResourceId} in stack ${r.stackId}`, retry: true };
  if (detail.ResourceType !== r.resourceType) {
    return { kind: 'refused', reason: `${r.logicalResourceId} is of type ${detail.ResourceType} in stack ${r.stackId}, not ${r.resourceType}` };
  }
  const since = detail.LastUpdatedTimestamp?.getTime() ?? NaN;
  const expected = IN_PROGRESS[r.requestType];
  if (r.background && r.requestType !== 'Delete') {
    const done = r.requestType === 'Create' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
    if (detail.PhysicalResourceId !== r.physicalResourceId || (detail.ResourceStatus !== done && detail.ResourceStatus !== expected))
      return {
        kind: 'refused',
        reason: `CloudFormation shows ${r.logicalResourceId} as ${detail.ResourceStatus ?? 'unknown'} with another physical ID or state`,
        retry: true,
      };
    const status = (await cfn.send(new DescribeStacksCommand({ StackName: r.stackId }))).Stacks?.[0]?.StackStatus ?? '';
    if (status === 'CREATE_IN_PROGRESS' || status === 'UPDATE_IN_PROGRESS') return { kind: 'authentic', since: undefined, cleanup: false, stackStatus: status };
    return { kind: 'refused', reason: `the stack operation this work belonged to has ended (stack status ${status || 'unknown'})` };
  }
  const stackStatus = async () => {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: r.stackId }))).Stacks?.[0];
    return stack?.StackId === r.stackId ? (stack.StackStatus ?? '') : '';
  };
  if (detail.ResourceStatus === expected && Number.isFinite(since)) {
    if (r.requestType === 'Create') return { kind: 'authentic', since, cleanup: false, stackStatus: 'CREATE_IN_PROGRESS' };
    if (detail.PhysicalResourceId === r.physicalResourceId) return { kind: 'authentic', since, cleanup: false, stackStatus: await stackStatus() };
    return { kind: 'refused', reason: `the physical ID does not match CloudFormation's record of ${r.logicalResourceId}`, retry: true };
  }
  if (r.requestType === 'Delete' && detail.PhysicalResourceId !== r.physicalResourceId && Number.isFinite(since)) {
    const status = await stackStatus();
    // The record's timestamp is the NEW resource's (its UPDATE_COMPLETE, possibly hours ago), not
    // this Delete's; the caller starts the clock at its own first invocation instead.
    if (status.endsWith('_CLEANUP_IN_PROGRESS')) return { kind: 'authentic', since: undefined, cleanup: true, stackStatus: status };
    return { kind: 'refused', reason: `CloudFormation is not cleaning up stack ${r.stackId} (status ${status || 'unknown'})`, retry: true };
  }
  return { kind: 'refused', reason: `CloudFormation shows ${r.logicalResourceId} as ${detail.ResourceStatus ?? 'unknown'}, not ${expected}`, retry: true };
}

/**
 * Asks CloudFormation whether it is working on this resource, re-reading a mismatch with backoff.
 * Throws only when CloudFormation cannot be asked (the caller answers FAILED, nothing changed).
 */
/**
 * Whether the stack's template keeps a resource under this logical ID. In the cleanup phase a
 * resource's record cannot say it: CloudFormation deletes removed resources in reverse
 * dependency order, so a removed table still shows UPDATE_COMPLETE while the resources that
 * depend on it are deleted first. The template the stack now has can: GetTemplate with
 * TemplateStage Processed returns it after the transforms ran (CloudFormation API reference,
 * GetTemplate). A template that cannot be read counts as not keeping it (the caller then keeps
 * whatever it would keep on a stack delete).
 */
export async function stackKeeps(cfn: CloudFormationClient, stackId: string, logicalResourceId: string): Promise<boolean> {
  let body: string | undefined;
  try {
    body = (await cfn.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Processed' }))).TemplateBody;
  } catch (e) {
    if (awsErrorName(e) === 'ValidationError') return false;
    throw e;
  }
  try {
    const resources = (JSON.parse(body ?? '') as { Resources?: unknown }).Resources;
    return resources !== null && typeof resources === 'object' && Object.prototype.hasOwnProperty.call(resources, logicalResourceId);
  } catch {
    return false;
  }
}

/** The physical ID and type of one of the stack's resources, or undefined when CloudFormation has none (yet). */
export async function stackResource(
  cfn: CloudFormationClient,
  stackId: string,
  logicalResourceId: string,
): Promise<{ physicalId: string; type: string } | undefined> {
  try {
    const detail = (await cfn.send(new DescribeStackResourceCommand({ StackName: stackId, LogicalResourceId: logicalResourceId }))).StackResourceDetail;
    return detail?.StackId === stackId && detail.PhysicalResourceId ? { physicalId: detail.PhysicalResourceId, type: detail.ResourceType ?? '' } : undefined;
  } catch (e) {
    // ValidationError: no such logical ID in the stack (DescribeStackResource errors).
    if (awsErrorName(e) === 'ValidationError') return undefined;
    throw e;
  }
}

export async function authenticate(
  cfn: CloudFormationClient,
  r: AuthenticationRequest,
  opts: AuthenticateOptions = { retryDelaysMs: DEFAULT_AUTH_RETRIES },
): Promise<Authentication> {
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    const verdict = await judgeOnce(cfn, r);
    if (verdict.kind === 'authentic' || !verdict.retry || attempt >= opts.retryDelaysMs.length) {
      return verdict.kind === 'authentic' ? verdict : { kind: 'refused', reason: verdict.reason };
    }
    await sleep(opts.retryDelaysMs[attempt]);
  }
}
