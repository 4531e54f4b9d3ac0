import type { Passthrough, TableModel } from '../model/types';

/** A native CloudFormation resource as the macro emits it. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: Passthrough<string>;
  UpdateReplacePolicy?: Passthrough<string>;
  Metadata?: unknown;
}

export interface CfnOutput {
  Description?: string;
  Value: unknown;
  Export?: { Name: unknown };
  Condition?: string;
}

/** What the expansion knows beyond the resource itself. Pure data: no AWS calls. */
export interface ExpandContext {
  /** The stack's region (the macro event's `region`). */
  region: string;
  accountId: string;
  /** The provider Lambda's ARN, the ServiceToken of generated custom resources. */
  providerServiceToken: Passthrough<string>;
}

/** What a generator adds to the template. Keys are logical IDs taken from `macro/naming.ts`. */
export interface GeneratedParts {
  resources: Record<string, CfnResource>;
  outputs: Record<string, CfnOutput>;
}

/** One generator per resource kind: table, autoscaling, replicas, load, alarms, dashboard, outputs. */
export type Generator = (table: TableModel, ctx: ExpandContext) => GeneratedParts;

/** A step over all of one table's generated parts (e.g. the WaitConditions of long operations). */
export type Finisher = (table: TableModel, parts: GeneratedParts) => GeneratedParts;
