/**
 * The seam between the custom-resource protocol (provider/protocol/) and the resource handlers
 * (provider/replicas/, provider/load/ over the loader in load/). The protocol parses and checks the event, runs the
 * ownership check, and owns every response; a handler only observes AWS state, takes at most a
 * bounded amount of work, and says what happened.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Logger } from '../contract/logger';

export type RequestType = 'Create' | 'Update' | 'Delete';

/** SDK v3 clients, made once per region and service (see provider/aws.ts), injected everywhere. */
export interface AwsClients {
  /** The region the provider runs in, which is the home region of every table it manages. */
  homeRegion: string;
  dynamodb(region?: string): DynamoDBClient;
  s3(region?: string): S3Client;
  autoscaling(region?: string): ApplicationAutoScalingClient;
  cloudwatch(region?: string): CloudWatchClient;
  /** Where distributed loads run (provider/load/distributed/driver.ts); absent when the provider has no state machine (no LoadBucketNames). */
  distributed?: DistributedPort;
}

export interface DistributedPort {
  sfn: SFNClient;
  stateMachineArn: string;
  /** The provider's state table, where each batch records its outcome. */
  stateTable: string;
  signingKey(): Promise<Buffer>;
}

export type { Logger };

/** What CloudFormation is doing with the stack, as it told the guard (provider/guard/authenticate.ts). */
export interface StackContext {
  /**
   * The stack's status when the request was admitted: UPDATE_ROLLBACK_IN_PROGRESS makes an Update
   * a rollback (old and new properties swapped), DELETE_IN_PROGRESS makes a Delete a stack delete,
   * *_CLEANUP_IN_PROGRESS makes it the Delete of a resource the update removed or replaced.
   */
  status: string;
  /** A cleanup Delete of a physical ID that an Update replaced (the resource itself stays, under a new ID). */
  replaced: boolean;
  /** Whether the stack's template (as it now stands) keeps a resource under this logical ID. */
  keeps(logicalId: string): Promise<boolean>;
  /** What CloudFormation has under this logical ID of the stack (DescribeStackResource), if anything yet. */
  resource(logicalId: string): Promise<{ physicalId: string; type: string } | undefined>;
}

export const isRollback = (stack: Pick<StackContext, 'status'> | undefined) =>
  stack?.status === 'UPDATE_ROLLBACK_IN_PROGRESS' || stack?.status === 'ROLLBACK_IN_PROGRESS';

export interface HandlerRequest<P> {
  requestType: RequestType;
  stackId: string;
  requestId: string;
  logicalResourceId: string;
  /** Absent on Create. */
  physicalResourceId?: string;
  /** Parsed and type-checked at the boundary (strings turned into numbers and booleans). */
  properties: P;
  /** Update only. */
  oldProperties?: P;
  /** CloudFormation's view of the stack; absent only where a test drives a handler directly. */
  stack?: StackContext;
  /**
   * What this handler asked to remember (HandlerResult `memo`) when it last answered for this
   * resource, kept in the provider's state table; e.g. work that had to be left for later.
   */
  memo?: unknown;
  /** Where the previous invocation stopped, when this is a continuation; undefined on the first. */
  checkpoint?: unknown;
  /** Epoch ms by which the handler must return, leaving the protocol time to respond or continue. */
  deadline: number;
  /**
   * Epoch ms by which the operation must have answered CloudFormation (its ServiceTimeout, less
   * the margin to answer FAILED): later invocations of the chain cannot extend it.
   */
  serviceDeadline?: number;
  /**
   * Epoch ms by which the operation's work must end: the ServiceTimeout's deadline, or, for a long
   * operation (a WaitCondition: provider/protocol/long-operation.ts), its Timeout's, counted from
   * CloudFormation's request alike. Work handed to others (a distributed load's workers) lives this long.
   */
  workDeadline?: number;
  clients: AwsClients;
  log: Logger;
  /**
   * Aborted when the protocol stops waiting for this invocation (its deadline passed): a handler
   * checks it before every change, so work abandoned by one invocation never races the next.
   */
  signal?: AbortSignal;
  /**
   * Resolves when this invocation still holds the resource's operation lease, and rejects when a
   * later request (a Delete sent while a Create runs) has taken over. Call it before each change.
   */
  assertCurrent?(): Promise<void>;
  /**
   * Stores `memo` in the provider's state table now (what HandlerResult `memo` stores at the
   * answer), for a change the next request must know about even if this one never answers.
   */
  remember?(memo: unknown): Promise<void>;
}

export type HandlerResult =
  /** Finished: the protocol responds SUCCESS with this physical ID and `Fn::GetAtt` data. */
  | {
      status: 'done';
      physicalResourceId: string;
      data?: Record<string, string | number>;
      memo?: unknown;
      /** Shown with the SUCCESS in the stack events, e.g. work that was left and what happens to it next. */
      reason?: string;
    }
  /** Work remains: the protocol re-invokes the provider with this checkpoint (JSON-serialisable, small). */
  | {
      status: 'continue';
      checkpoint: unknown;
      /** The ID to answer with if the operation has to stop before it finishes (ServiceTimeout). */
      physicalResourceId?: string;
      /**
       * `Fn::GetAtt` data for an early answer (the long-operation path, protocol/long-operation.ts):
       * only values that are already final, for whatever reads them starts before the work is done.
       */
      data?: Record<string, string | number>;
    }
  /** A clear, user-facing reason; the protocol responds FAILED. */
  | { status: 'failed'; reason: string; physicalResourceId?: string; memo?: unknown };

export interface ResourceHandler<P> {
  /** The custom resource type it serves, e.g. Custom::ArcDynamoDbReplicas. */
  resourceType: string;
  /** Parses raw ResourceProperties (all strings) into P, or throws an Error whose message names the property. */
  parseProperties(raw: unknown): P;
  /**
   * The table the request would touch, for the ownership check before anything changes; undefined
   * only for a handler that changes nothing (it reads the stack's own table, which it finds
   * through CloudFormation: StackContext.physicalIdOf).
   */
  tableName(props: P): string | undefined;
  /** The table name the user opted in to adopt (AdoptExistingTable), if any. */
  adoptExistingTable?(props: P): string | undefined;
  handle(request: HandlerRequest<P>): Promise<HandlerResult>;
}
