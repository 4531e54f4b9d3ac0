/** Shared shapes of the stack engine (see index.ts for the public API). */

export type Json = Record<string, unknown>;

/** A CloudFormation template after every transform (macros already expanded). */
export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, Json>;
  Mappings?: Record<string, Record<string, Json>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, Json>;
}

export interface TemplateResource {
  Type: string;
  Properties?: Json;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: unknown;
}

/** One line of the stack's event log, as DescribeStackEvents would show it (newest last here). */
export interface StackEvent {
  seq: number;
  at: number;
  logicalId: string;
  physicalId?: string;
  resourceType: string;
  status: string;
  reason?: string;
}

export type StackStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'ROLLBACK_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE'
  | 'UPDATE_ROLLBACK_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED';

/** What the engine knows about one resource of a deployed stack. */
export interface ResourceRecord {
  logicalId: string;
  type: string;
  physicalId?: string;
  /** Resolved properties the resource was last created or updated with. */
  properties: Json;
  /** Values for Fn::GetAtt (custom resources: the response's Data). */
  attributes: Record<string, unknown>;
  deletionPolicy: string;
  updateReplacePolicy: string;
  status: string;
}

/** A resource operation's failure; `sent` says whether the backend was asked to do anything. */
export class ResourceFailure extends Error {
  constructor(
    message: string,
    readonly opts: { sent: boolean; physicalId?: string } = { sent: false },
  ) {
    super(message);
    this.name = 'ResourceFailure';
  }
}

/** Everything an operation on one resource needs to know about its stack. */
export interface OperationContext {
  stackId: string;
  stackName: string;
  logicalId: string;
  resourceType: string;
  region: string;
  accountId: string;
  /** The stack status while this operation runs (for the request log). */
  phase: string;
  /** A name CloudFormation would generate: `<stack>-<logicalId>-<suffix>`, deterministic per call. */
  generatedName(maxLength?: number): string;
}

export interface Outcome {
  physicalId: string;
  attributes: Record<string, unknown>;
}

/**
 * One resource type's handler. `update` returns the physical ID the resource has afterwards;
 * a different one means CloudFormation replaced the resource (custom resources decide this in
 * their response). `replacementReason` lets a native type declare that a property change needs a
 * new physical resource, which the engine then creates with `create` and deletes in cleanup.
 */
export interface ResourceTypeHandler {
  create(ctx: OperationContext, props: Json): Promise<Outcome>;
  update(ctx: OperationContext, physicalId: string, oldProps: Json, newProps: Json, attributes: Record<string, unknown>): Promise<Outcome>;
  delete(ctx: OperationContext, physicalId: string, props: Json): Promise<void>;
  replacementReason?(oldProps: Json, newProps: Json): string | undefined;
  /** Names the resource by itself (TableName, AlarmName...): replacing it without a rename fails. */
  customName?(props: Json): string | undefined;
}
