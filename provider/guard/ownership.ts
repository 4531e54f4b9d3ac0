/**
 * The ownership check: a stack may change only tables it owns.
 *
 * The provider's ServiceToken is an ARN any template in the account can name, so without this
 * check any stack could change another stack's table (a confused deputy). CloudFormation does not
 * tag DynamoDB tables with aws:cloudformation:stack-id (cloudformation-coverage-roadmap#1360), so
 * the macro tags every table it generates with OWNER_TAG_KEY = ${AWS::StackId}, and the provider
 * reads that tag (ListTagsOfResource) before any change. Tags are eventually consistent ("may lag
 * a few seconds", TagResource API reference); a freshly created table is therefore re-read by the
 * next invocation before a refusal becomes final for a Create (see checkOwnership's caller).
 */
import { DescribeTableCommand, ListTagsOfResourceCommand, TagResourceCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ADOPT_CONSENT_TAG_KEY, dict, OWNER_TAG_KEY, stackNameOf } from '../../contract/resources';
import { awsErrorName } from '../aws';
import type { RequestType } from '../types';

export type Ownership =
  | { kind: 'owned'; tableArn: string; tags: Record<string, string> }
  | { kind: 'untagged'; tableArn: string; tags: Record<string, string> }
  | { kind: 'foreign'; tableArn: string }
  | { kind: 'missing' };

export async function listTags(ddb: DynamoDBClient, arn: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = dict();
  let next: string | undefined;
  do {
    const out = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: next }));
    for (const t of out.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
    next = out.NextToken;
  } while (next);
  return tags;
}

/** Reads the table's ownership. Only reads: DescribeTable (existence and ARN), ListTagsOfResource. */
export async function observeOwnership(ddb: DynamoDBClient, tableName: string, stackId: string): Promise<Ownership> {
  let tableArn: string | undefined;
  try {
    const out = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    tableArn = out.Table?.TableArn;
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return { kind: 'missing' };
    throw e;
  }
  if (!tableArn) return { kind: 'missing' };
  let tags: Record<string, string>;
  try {
    tags = await listTags(ddb, tableArn);
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return { kind: 'missing' };
    throw e;
  }
  const owner = tags[OWNER_TAG_KEY];
  if (owner === undefined) return { kind: 'untagged', tableArn, tags };
  if (owner !== stackId) return { kind: 'foreign', tableArn };
  return { kind: 'owned', tableArn, tags };
}

export type OwnershipDecision =
  | { action: 'proceed' }
  /** Adopt: proceed, and write the owner tag only once the request has succeeded. */
  | { action: 'adopt' }
  /** Delete on a table that is gone or not ours: succeed without touching anything. */
  | { action: 'noop'; reason: string }
  | { action: 'refuse'; reason: string };

/**
 * Adoption needs the owner's consent, not the requester's: the table must carry the tag
 * ADOPT_CONSENT_TAG_KEY naming the adopting stack, which only someone holding
 * dynamodb:TagResource on that table can have set. A requester who merely names the table in
 * AdoptExistingTable gets nothing.
 */
export function decideOwnership(
  o: Ownership,
  requestType: RequestType,
  tableName: string,
  region: string,
  adopt: string | undefined,
  stackId = '',
): OwnershipDecision {
  const stackName = stackNameOf(stackId);
  if (adopt !== undefined && adopt !== tableName) {
    if (requestType === 'Delete') return { action: 'noop', reason: `AdoptExistingTable (${adopt}) does not name the table ${tableName}; nothing was changed` };
    return { action: 'refuse', reason: `AdoptExistingTable must name the table itself (${tableName}), got ${adopt}. Nothing was changed.` };
  }
  switch (o.kind) {
    case 'owned':
      return { action: 'proceed' };
    case 'missing':
      if (requestType === 'Delete') return { action: 'noop', reason: `table ${tableName} no longer exists in ${region}; nothing to do` };
      return { action: 'refuse', reason: `Table ${tableName} does not exist in ${region}. Nothing was changed.` };
    case 'foreign':
      if (requestType === 'Delete') return { action: 'noop', reason: `table ${tableName} belongs to another stack; it was not touched` };
      return {
        action: 'refuse',
        reason:
          `Table ${tableName} in ${region} belongs to another stack: its ${OWNER_TAG_KEY} tag does not name this stack. The provider only ` +
          `changes tables owned by the requesting stack. Nothing was changed.`,
      };
    case 'untagged':
      // The consent names the stack by name, or (stronger: a name can be taken by whoever creates
      // a stack with it first) by its stack ID.
      const consent = o.tags[ADOPT_CONSENT_TAG_KEY];
      if (adopt === tableName && consent !== undefined && consent !== '' && (consent === stackName || consent === stackId)) {
        // The rollback Delete of a failed adoption cleans up what that Create made; it never tags.
        return requestType === 'Delete' ? { action: 'proceed' } : { action: 'adopt' };
      }
      if (requestType === 'Delete') return { action: 'noop', reason: `table ${tableName} has no ${OWNER_TAG_KEY} tag; it was not touched` };
      if (adopt === tableName) {
        return {
          action: 'refuse',
          reason:
            `Table ${tableName} in ${region} may be adopted only with its owner's consent: tag it ` +
            `${ADOPT_CONSENT_TAG_KEY}=${stackName || '<stack name>'} (aws dynamodb tag-resource), then deploy again. Nothing was changed.`,
        };
      }
      return {
        action: 'refuse',
        reason:
          `Table ${tableName} in ${region} has no ${OWNER_TAG_KEY} tag, so this stack does not own it. To manage a table created elsewhere, ` +
          `set AdoptExistingTable: ${tableName} on the Arc::DynamoDB::Table resource. Nothing was changed.`,
      };
  }
}

export async function writeOwnerTag(ddb: DynamoDBClient, arn: string, stackId: string): Promise<void> {
  await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: OWNER_TAG_KEY, Value: stackId }] }));
}

/**
 * A replica table in another region carries the same tag. Replicas of an owned home table are
 * members of its replication group; one without the tag yet (a crash between creating and
 * tagging it) is tagged, but one tagged for another stack is refused.
 */
export type ReplicaOwnership = 'owned' | 'untagged' | 'foreign';

export function replicaOwnership(tags: Record<string, string>, stackId: string): ReplicaOwnership {
  const owner = tags[OWNER_TAG_KEY];
  if (owner === undefined) return 'untagged';
  return owner === stackId ? 'owned' : 'foreign';
}
