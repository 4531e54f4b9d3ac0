/**
 * The provider's own state: one small DynamoDB table that `template.yaml` creates for it
 * (ProviderStateTable), read with ConsistentRead and written with conditional writes.
 *
 * Why not tags on the user's table, as before: tags are eventually consistent ("If you issue a
 * ListTagsOfResource request immediately after a TagResource request, DynamoDB might return your
 * previous tag set", TagResource API reference; made eventually consistent in August 2024,
 * hashicorp/terraform-provider-aws#39326), TagResource is throttled per account, and tags show as
 * drift and take the user's tag slots. A lock must read its own writes: GetItem with
 * ConsistentRead "returns a result that reflects all writes that received a successful response
 * prior to the read" (DynamoDB developer guide, read consistency), and a PutItem with a
 * ConditionExpression fails with ConditionalCheckFailedException when another writer got there
 * first (DynamoDB developer guide, condition expressions), so two deliveries never both win.
 *
 * Items: `lease|<StackId>|<LogicalResourceId>` (one per custom resource, see lease.ts) and
 * `key|continuation` (the secret that seals continuations, see seal.ts). Nothing here is user data.
 */
import { randomBytes } from 'node:crypto';
import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsErrorName } from '../aws';

export const STATE_TABLE_ENV = 'ARC_DYNAMODB_STATE_TABLE';

export interface LeaseRecord {
  /** Which request holds the resource (hash of StackId and RequestId). */
  request: string;
  /** Which chain of invocations works on it (hash of the chain's first Lambda request ID). */
  chain: string;
  state: 'running' | 'done';
  /** Epoch seconds after which a running lease counts as abandoned. */
  expires: number;
  /** True when the holder is a Delete: an older Create arriving late never takes over from it. */
  deleting: boolean;
  /** Physical IDs this resource has been answered with (newest last): a cleanup Delete must name one. */
  ids: string[];
  /**
   * For each of those IDs, a digest of the properties it was last answered with: CloudFormation
   * sends a Delete with exactly those properties, so a Delete with any others is not its own.
   */
  propsOf: Record<string, string>;
  /** Requests this resource has answered, newest last: a late duplicate of one stays silent. */
  answered: string[];
  /** When CloudFormation started the request holding the lease (epoch ms): only a later one takes over. */
  since?: number;
  /** What the resource's handler asked to remember for the next request (JSON, small), e.g. work left for later. */
  memo?: string;
  /** Optimistic-concurrency counter; every write expects the version it read. */
  version: number;
}

export interface StateStore {
  readLease(stackId: string, logicalId: string): Promise<LeaseRecord | undefined>;
  /** Writes the lease if its version is still `expected` (undefined: no record yet); false when another writer won. */
  writeLease(stackId: string, logicalId: string, lease: Omit<LeaseRecord, 'version'>, expected: number | undefined): Promise<boolean>;
  /** The provider's secret for sealing continuations: made once, then the same for every invocation. */
  signingKey(): Promise<Buffer>;
}

export const MAX_REMEMBERED_IDS = 10;
/** A memo is a handler's note to its next request; DynamoDB items hold 400 KB, this stays far below. */
export const MAX_MEMO_BYTES = 16 * 1024;

const leasePk = (stackId: string, logicalId: string) => `lease|${stackId}|${logicalId}`;
const KEY_PK = 'key|continuation';

const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });

function parseLease(item: Record<string, AttributeValue> | undefined): LeaseRecord | undefined {
  if (!item) return undefined;
  const state = item.state?.S;
  if (state !== 'running' && state !== 'done') return undefined;
  return {
    request: item.request?.S ?? '',
    chain: item.chain?.S ?? '',
    state,
    expires: Number(item.expires?.N ?? 0),
    deleting: item.deleting?.BOOL === true,
    ids: (item.ids?.L ?? []).map((x) => x.S ?? '').filter((x) => x !== ''),
    propsOf: Object.fromEntries(Object.entries(item.propsOf?.M ?? {}).map(([k, v]) => [k, v.S ?? ''])),
    answered: (item.answered?.L ?? []).map((x) => x.S ?? '').filter((x) => x !== ''),
    ...(item.since?.N !== undefined ? { since: Number(item.since.N) } : {}),
    ...(item.memo?.S !== undefined ? { memo: item.memo.S } : {}),
    version: Number(item.version?.N ?? 0),
  };
}

export function dynamoStateStore(ddb: DynamoDBClient, tableName: string | undefined): StateStore {
  if (!tableName) {
    const missing = async (): Promise<never> => {
      throw new Error(`${STATE_TABLE_ENV} is not set; deploy the provider with template.yaml, which creates its state table`);
    };
    return { readLease: missing, writeLease: missing, signingKey: missing };
  }
  let key: Buffer | undefined;
  return {
    async readLease(stackId, logicalId) {
      const out = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { pk: s(leasePk(stackId, logicalId)) }, ConsistentRead: true }));
      return parseLease(out.Item);
    },
    async writeLease(stackId, logicalId, lease, expected) {
      try {
        await ddb.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: s(leasePk(stackId, logicalId)),
              request: s(lease.request),
              chain: s(lease.chain),
              state: s(lease.state),
              expires: n(lease.expires),
              deleting: { BOOL: lease.deleting },
              ids: { L: lease.ids.slice(-MAX_REMEMBERED_IDS).map(s) },
              propsOf: {
                M: Object.fromEntries(
                  lease.ids
                    .slice(-MAX_REMEMBERED_IDS)
                    .filter((id) => lease.propsOf[id] !== undefined)
                    .map((id) => [id, s(lease.propsOf[id])]),
                ),
              },
              answered: { L: lease.answered.slice(-MAX_REMEMBERED_IDS).map(s) },
              ...(lease.since !== undefined ? { since: n(lease.since) } : {}),
              ...(lease.memo !== undefined ? { memo: s(lease.memo) } : {}),
              version: n((expected ?? 0) + 1),
            },
            ...(expected === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': n(expected) } }),
          }),
        );
        return true;
      } catch (e) {
        if (awsErrorName(e) === 'ConditionalCheckFailedException') return false;
        throw e;
      }
    },
    async signingKey() {
      if (key) return key;
      const read = async () => (await ddb.send(new GetItemCommand({ TableName: tableName, Key: { pk: s(KEY_PK) }, ConsistentRead: true }))).Item?.secret?.B;
      let secret = await read();
      if (!secret) {
        try {
          await ddb.send(
            new PutItemCommand({
              TableName: tableName,
              Item: { pk: s(KEY_PK), secret: { B: randomBytes(32) } },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (e) {
          if (awsErrorName(e) !== 'ConditionalCheckFailedException') throw e; // another invocation made it first
        }
        secret = await read();
      }
      if (!secret || secret.length < 32) throw new Error('the provider state table holds no usable continuation key');
      key = Buffer.from(secret);
      return key;
    },
  };
}
