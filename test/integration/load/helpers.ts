import { CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeDefinition, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb-local';
import { LOCAL_CREDENTIALS, startMoto, type Moto } from '../../support/moto';
import type { Logger } from '../../../provider/types';
import type { Item } from '../../support/load-data';

export const REGION = 'us-east-1';

export function ddbClient(endpoint: string, maxAttempts = 3): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts });
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
}

export interface Backends {
  moto: Moto;
  local: DynamoDbLocal;
  s3: S3Client;
  dynamodb: { 'DynamoDB Local': DynamoDBClient; moto: DynamoDBClient };
  stop(): Promise<void>;
}

export async function startBackends(opts: { heapMb?: number } = {}): Promise<Backends> {
  const [moto, local] = await Promise.all([startMoto(), startDynamoDbLocal({ heapMb: opts.heapMb })]);
  const dynamodb = { 'DynamoDB Local': ddbClient(local.endpoint), moto: ddbClient(moto.endpoint) };
  const s3 = s3Client(moto.endpoint);
  return {
    moto,
    local,
    s3,
    dynamodb,
    stop: async () => {
      s3.destroy();
      Object.values(dynamodb).forEach((c) => c.destroy());
      await Promise.all([moto.stop(), local.stop()]);
    },
  };
}

/** pk (S) + sk (N), on demand, with a GSI keyed on `city` (S) so index key types are checked too. */
export async function createTable(client: DynamoDBClient, name: string, opts: { rangeKey?: boolean; gsi?: boolean } = {}): Promise<void> {
  const range = opts.rangeKey ?? true;
  const attrs: AttributeDefinition[] = [{ AttributeName: 'pk', AttributeType: 'S' }];
  if (range) attrs.push({ AttributeName: 'sk', AttributeType: 'N' });
  const gsis: GlobalSecondaryIndex[] = [];
  if (opts.gsi) {
    attrs.push({ AttributeName: 'city', AttributeType: 'S' });
    gsis.push({ IndexName: 'byCity', KeySchema: [{ AttributeName: 'city', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } });
  }
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attrs,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(range ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
      ...(gsis.length ? { GlobalSecondaryIndexes: gsis } : {}),
    }),
  );
}

export async function scanAll(client: DynamoDBClient, table: string): Promise<Item[]> {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    out.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey as Item | undefined;
  } while (start);
  return out;
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function putObject(s3: S3Client, bucket: string, key: string, body: Buffer | string): Promise<void> {
  // The length given: the SDK cannot measure an empty body and warns about a stream of unknown length.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
}

/** A Logger that keeps every line, so tests can assert what was (and was not) logged. */
export function captureLog(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[]; text(): string } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), text: () => lines.map((l) => JSON.stringify(l)).join('\n') };
}

let seq = 0;
/** Unique, valid names per test (tables 3-255 chars, buckets lower-case). */
export const unique = (what: string) => `${what}-${process.pid}-${++seq}`;
