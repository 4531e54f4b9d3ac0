/**
 * Each batch's outcome, kept in the provider's state table (`batch|<runId>|<i>`), written by the
 * worker that ran it and read by the provider when the execution ends. A batch that runs again (a
 * redrive re-runs only failed and unfinished child executions) overwrites its own record, so the
 * totals count every batch exactly once, however often it ran. The record also carries where an
 * unfinished batch stopped, so the next run of it resumes there. No user data: counts, object
 * names and reject messages (which quote no data, load/types.ts RecordError).
 */
import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Counters, LoadCheckpoint } from '../../../load/types';

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
const n = (v: number): AttributeValue => ({ N: String(v) });

export async function putBatchRecord(ddb: DynamoDBClient, table: string, runId: string, i: number, r: BatchRecord): Promise<void> {
  await ddb.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: pk(runId, i) },
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
