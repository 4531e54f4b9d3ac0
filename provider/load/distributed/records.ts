/**
 * Each batch's outcome, kept in the provider's state table (`batch|<runId>|<i>`), written by the
 * worker that ran it and read by the provider when the execution ends. A batch that runs again (a
 * redrive re-runs only failed and unfinished child executions) overwrites its own record, so the
 * totals count every batch exactly once, however often it ran. The record also carries where an
 * unfinished batch stopped, so the next run of it resumes there. No user data: counts, object
 * names and reject messages (which quote no data, load/types.ts RecordError).
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Counters, LoadCheckpoint } from '../../../load/types';
import { awsErrorName } from '../../aws';

export interface BatchRecord {
  counters: Counters;
  records: number;
  firstRejects: string[];
  /** A failure no re-run can fix (bad data, too many rejects, a missing table): the load fails with it. */
  failed?: string;
  /** Set while the batch is unfinished: where its next run resumes. */
  checkpoint?: LoadCheckpoint;
}

const pk = (runId: string, i: number) => `batch|${runId}|${i}`;
const claimKey = (runId: string, i: number) => `claim|${runId}|${i}`;
const n = (v: number): AttributeValue => ({ N: String(v) });

/**
 * The state table's TTL attribute (template.yaml, ProviderStateTable TimeToLiveSpecification):
 * epoch seconds after which DynamoDB deletes the item, within a few days ("Time to Live",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html). A run's records
 * outlive it by the 14 days in which Step Functions may still redrive its execution
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html); leases carry none.
 */
export const PURGE_ATTRIBUTE = 'purgeAt';
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
export const purgeAt = (runExpiresAt: number): AttributeValue => n(Math.ceil((runExpiresAt + REDRIVE_WINDOW_MS) / 1000));

export async function putBatchRecord(ddb: DynamoDBClient, table: string, runId: string, i: number, r: BatchRecord, expiresAt: number): Promise<void> {
  await ddb.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: pk(runId, i) },
        [PURGE_ATTRIBUTE]: purgeAt(expiresAt),
        w: n(r.counters.itemsWritten),
        s: n(r.counters.itemsSkipped),
        r: n(r.counters.recordsRejected),
        o: n(r.counters.objectsRead),
        b: n(r.counters.bytesRead),
        records: n(r.records),
        rejects: { S: JSON.stringify(r.firstRejects) },
        ...(r.failed !== undefined ? { failed: { S: r.failed } } : {}),
        ...(r.checkpoint !== undefined ? { checkpoint: { S: JSON.stringify(r.checkpoint) } } : {}),
      },
    }),
  );
}

export async function getBatchRecord(ddb: DynamoDBClient, table: string, runId: string, i: number): Promise<BatchRecord | undefined> {
  const item = (await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk(runId, i) } }, ConsistentRead: true }))).Item;
  if (!item) return undefined;
  const num = (k: string) => Number(item[k]?.N ?? 0);
  return {
    counters: { itemsWritten: num('w'), itemsSkipped: num('s'), recordsRejected: num('r'), objectsRead: num('o'), bytesRead: num('b') },
    records: num('records'),
    firstRejects: JSON.parse(item.rejects?.S ?? '[]') as string[],
    ...(item.failed?.S !== undefined ? { failed: item.failed.S } : {}),
    ...(item.checkpoint?.S !== undefined ? { checkpoint: JSON.parse(item.checkpoint.S) as LoadCheckpoint } : {}),
  };
}

/** Every batch's record, `parallel` reads at a time (the provider may only GetItem its state table). */
export async function readBatchRecords(
  ddb: DynamoDBClient,
  table: string,
  runId: string,
  batches: number,
  parallel = 16,
): Promise<(BatchRecord | undefined)[]> {
  const out: (BatchRecord | undefined)[] = new Array(batches);
  let next = 0;
  const lane = async () => {
    while (next < batches) {
      const i = next++;
      out[i] = await getBatchRecord(ddb, table, runId, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, batches) }, lane));
  return out;
}

/**
 * The batch's claim: at most one worker loads a batch at a time. Two may be sent it at once: when
 * one child fails, Step Functions fails the Map Run and aborts the children still running ("stopped
 * ... by Step Functions because the Map Run failed": API reference, MapRunExecutionCounts, aborted,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_MapRunExecutionCounts.html),
 * but not their Lambda invocations, and a redrive then runs those children again ("Redriving Map
 * Runs", https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html) while the first
 * invocations still write. A claim is held until `until` (the holder's invocation ends by then) or
 * released; taken with a conditional write (the same token may take it again).
 */
export async function claimBatch(
  ddb: DynamoDBClient,
  table: string,
  runId: string,
  i: number,
  token: string,
  until: number,
  now: number,
  expiresAt: number,
): Promise<boolean> {
  try {
    await ddb.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: claimKey(runId, i) }, token: { S: token }, until: n(until), [PURGE_ATTRIBUTE]: purgeAt(expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk) OR #u < :now OR #t = :t',
        ExpressionAttributeNames: { '#u': 'until', '#t': 'token' },
        ExpressionAttributeValues: { ':now': n(now), ':t': { S: token } },
      }),
    );
    return true;
  } catch (e) {
    if (awsErrorName(e) === 'ConditionalCheckFailedException') return false;
    throw e;
  }
}

/** Gives the claim up, if it is still this token's. */
export async function releaseBatch(ddb: DynamoDBClient, table: string, runId: string, i: number, token: string): Promise<void> {
  try {
    await ddb.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { pk: { S: claimKey(runId, i) } },
        ConditionExpression: '#t = :t',
        ExpressionAttributeNames: { '#t': 'token' },
        ExpressionAttributeValues: { ':t': { S: token } },
      }),
    );
  } catch (e) {
    if (awsErrorName(e) !== 'ConditionalCheckFailedException') throw e;
  }
}
