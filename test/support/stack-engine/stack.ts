/**
 * One stack's state and the bookkeeping every resource operation shares: the event log, the
 * CloudFormation read API (kept truthful at every step), and the deletion policies.
 *
 * Statuses (User Guide, "Stack status codes" and "Resource status codes"): a resource is
 * CREATE_IN_PROGRESS / UPDATE_IN_PROGRESS / DELETE_IN_PROGRESS while CloudFormation works on it,
 * and the status is set BEFORE the handler (or the custom resource's Lambda function) is called,
 * so DescribeStackResource shows it to the provider; then *_COMPLETE or *_FAILED. A retained
 * resource ends DELETE_SKIPPED.
 *
 * Policies:
 * - DeletionPolicy (User Guide, "DeletionPolicy attribute"): Delete (the default) deletes;
 *   Retain keeps the resource, also when the stack operation that created it rolls back (that is
 *   why RetainExceptOnCreate exists: it "behaves like Retain ... except for the stack operation
 *   that initially created the resource"; AWS What's New, 31 Jul 2023). Snapshot is treated as
 *   Retain (the engine makes no backups; AWS::DynamoDB::Table has no Snapshot support).
 * - UpdateReplacePolicy (User Guide, "UpdateReplacePolicy attribute"): the same choices, for the
 *   old physical resource that a replacement leaves behind in the cleanup phase.
 */
import { createHash } from 'node:crypto';
import type { CloudFormationApi } from '../cloudformation-api';
import {
  ResourceFailure,
  type OperationContext,
  type ResourceRecord,
  type ResourceTypeHandler,
  type StackEvent,
  type StackStatus,
  type Template,
} from './types';

export interface StackState {
  stackId: string;
  stackName: string;
  status: StackStatus;
  /** The template of the last successful create or update (what a rollback returns to). */
  template?: Template;
  parameters: Record<string, string | string[]>;
  resources: Map<string, ResourceRecord>;
  outputs: Record<string, unknown>;
  events: StackEvent[];
  /** Set by the engine's deleteStackDuringCreate: the running Create stops and the stack is deleted. */
  deleteRequested?: boolean;
}

export interface StackDeps {
  region: string;
  accountId: string;
  cfnApi: CloudFormationApi;
  handlerFor(type: string): ResourceTypeHandler | undefined;
}

export type RetainDecision = 'delete' | 'retain';

/** What a deletion policy means for a delete; `createdNow`: the resource was made by the operation rolling back. */
export function policyDecision(policy: string, createdNow: boolean): RetainDecision {
  if (policy === 'Delete') return 'delete';
  if (policy === 'RetainExceptOnCreate') return createdNow ? 'delete' : 'retain';
  return 'retain'; // Retain, Snapshot
}

let eventSeq = 0;

export class StackOps {
  private nameCounter = 0;

  constructor(
    readonly stack: StackState,
    private readonly deps: StackDeps,
  ) {}

  /** What GetTemplate (TemplateStage Processed) shows for the stack. */
  setTemplate(template: Template): void {
    this.deps.cfnApi.setTemplate(this.stack.stackId, template);
  }

  /** Sets the stack's status (and its event, and the CloudFormation API's view of it). */
  setStatus(status: StackStatus, reason?: string): void {
    this.stack.status = status;
    this.deps.cfnApi.setStackStatus(this.stack.stackId, status);
    this.event(this.stack.stackName, 'AWS::CloudFormation::Stack', status, this.stack.stackId, reason);
  }

  event(logicalId: string, resourceType: string, status: string, physicalId?: string, reason?: string): void {
    this.stack.events.push({
      seq: ++eventSeq,
      at: Date.now(),
      logicalId,
      resourceType,
      status,
      ...(physicalId !== undefined ? { physicalId } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  /** The resource's record on the CloudFormation API, and its event. */
  mark(logicalId: string, resourceType: string, status: string, physicalId: string | undefined, reason?: string, api = true): void {
    if (api) this.deps.cfnApi.setResource(this.stack.stackId, { logicalId, resourceType, physicalId, status });
    this.event(logicalId, resourceType, status, physicalId, reason);
  }

  context(logicalId: string, resourceType: string): OperationContext {
    const s = this.stack;
    return {
      stackId: s.stackId,
      stackName: s.stackName,
      logicalId,
      resourceType,
      region: this.deps.region,
      accountId: this.deps.accountId,
      phase: s.status,
      // CloudFormation names unnamed resources <stack>-<logicalId>-<random suffix>, shortened to fit.
      generatedName: (max = 255) => {
        const suffix = createHash('sha256')
          .update(`${s.stackId}/${logicalId}/${s.events.length}/${++this.nameCounter}`)
          .digest('hex')
          .slice(0, 12)
          .toUpperCase();
        const room = Math.max(2, max - suffix.length - 2);
        const head = `${s.stackName}-${logicalId}`.slice(0, room);
        return `${head}-${suffix}`;
      },
    };
  }

  handler(type: string): ResourceTypeHandler {
    const h = this.deps.handlerFor(type);
    if (!h) throw new ResourceFailure(`The stack engine does not implement resource type ${type}`);
    return h;
  }

  /** Runs one operation with its IN_PROGRESS / COMPLETE / FAILED statuses around it. */
  async run<T>(
    verb: 'CREATE' | 'UPDATE' | 'DELETE',
    logicalId: string,
    type: string,
    physicalId: string | undefined,
    f: () => Promise<T>,
    opts: { reason?: string; api?: boolean; donePhysicalId?: (r: T) => string | undefined; doneStatus?: string } = {},
  ): Promise<T> {
    const api = opts.api ?? true;
    this.mark(logicalId, type, `${verb}_IN_PROGRESS`, physicalId, opts.reason, api);
    try {
      const r = await f();
      const done = opts.doneStatus ?? `${verb}_COMPLETE`;
      this.mark(logicalId, type, done, opts.donePhysicalId ? opts.donePhysicalId(r) : physicalId, undefined, api);
      return r;
    } catch (e) {
      const failure = e instanceof ResourceFailure ? e : new ResourceFailure(`Internal failure: ${(e as Error).message}`, { sent: true });
      this.mark(logicalId, type, `${verb}_FAILED`, physicalId ?? failure.opts.physicalId, failure.message, api);
      throw failure;
    }
  }

  /**
   * Deletes (or retains) one physical resource. `api` false: the logical ID's record already
   * shows another physical resource (the cleanup of a replacement), so it is left as it is.
   */
  async deletePhysical(record: ResourceRecord, policy: string, createdNow: boolean, api: boolean): Promise<'deleted' | 'retained'> {
    const { logicalId, type, physicalId } = record;
    if (physicalId === undefined) {
      // Nothing was ever made (a Create that failed without a physical ID).
      if (api) this.deps.cfnApi.removeResource(this.stack.stackId, logicalId);
      this.event(logicalId, type, 'DELETE_COMPLETE', undefined);
      return 'deleted';
    }
    if (policyDecision(policy, createdNow) === 'retain') {
      this.mark(logicalId, type, 'DELETE_SKIPPED', physicalId, undefined, api);
      return 'retained';
    }
    await this.run('DELETE', logicalId, type, physicalId, () => this.handler(type).delete(this.context(logicalId, type), physicalId, record.properties), {
      api,
    });
    return 'deleted';
  }

  forget(logicalId: string): void {
    this.stack.resources.delete(logicalId);
    this.deps.cfnApi.removeResource(this.stack.stackId, logicalId);
  }
}
