/**
 * `Custom::ArcDynamoDbLoad`: loads S3 objects into an existing table.
 * - Create, or an Update that changes the source, the table or `Revision`: load, in as many
 *   invocations as it takes (checkpoint + continuation), bounded by the resource's ServiceTimeout.
 * - Any other Update (WriteMode, MaxRejectedRecords, WriteBudget): nothing to do.
 * - Delete: never touches the data. Items loaded stay in the table.
 * The ownership check (the table belongs to the requesting stack) runs in the protocol first.
 */
import { LOAD_RESOURCE_TYPE, LOAD_RESULT_ATTRIBUTES, loadKeyPrefixFor, stackNameOf } from '../../contract/resources';
import { isRollback, type HandlerRequest, type HandlerResult, type ResourceHandler } from '../types';
import { runLoad, type LoadOutcome } from '../../load/loader';
import { parseLoadProperties, sourceKey, type LoadProps } from './properties';
import { S3Source } from '../../load/source';
import type { Counters, LoadCheckpoint } from '../../load/types';
import type { WriteBudget } from '../../load/budget';
import { deleteStops, ENDED, isDistributedCheckpoint, startDistributed, stopRemembered, watchDistributed, type Helpers } from './distributed/run';

/** CloudFormation caps the whole response at 4,096 bytes (custom resource response limits); the reason gets at most this. */
export const MAX_REASON_BYTES = 2000;
/** Time kept back from the deadline, beyond the loader's own margin (twice its slowest write), to return a checkpoint. */
export const DRAIN_MS = 5000;
/** Writes in flight; the Lambda has one or two vCPUs, and DynamoDB spreads 25-item batches well. */
export const PROVIDER_CONCURRENCY = 8;

export function physicalId(p: LoadProps, logicalId: string): string {
  return `arc-dynamodb-load:${p.TableName}:${logicalId}`;
}

export function resultData(c: Counters, seconds: number): Record<(typeof LOAD_RESULT_ATTRIBUTES)[number], number> {
  return {
    ItemsWritten: c.itemsWritten,
    ItemsSkipped: c.itemsSkipped,
    RecordsRejected: c.recordsRejected,
    ObjectsRead: c.objectsRead,
    BytesRead: c.bytesRead,
    Seconds: seconds,
  };
}

export function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  let out = s.slice(0, max);
  while (Buffer.byteLength(out, 'utf8') > max - 3) out = out.slice(0, -1);
  return `${out}...`;
}

/** The template's names (CloudFormation's style) to the loader's. */
export const writeBudgetOf = (b: NonNullable<LoadProps['WriteBudget']>): WriteBudget => ({
  capacityPercent: b.WriteCapacityPercent,
  maxWriteUnitsPerSecond: b.MaxWriteUnitsPerSecond,
  maxItemsPerSecond: b.MaxItemsPerSecond,
});

function isCheckpoint(v: unknown): v is LoadCheckpoint {
  const c = v as LoadCheckpoint;
  return !!c && typeof c === 'object' && c.v === 1 && typeof c.after === 'string' && typeof c.startedAt === 'number' && !!c.counters;
}

export function failureReason(table: string, o: Pick<Extract<LoadOutcome, { status: 'failed' }>, 'reason' | 'counters'>): string {
  const c = o.counters;
  const tail =
    `${o.reason.endsWith('.') ? '' : '.'} Before stopping: ItemsWritten ${c.itemsWritten}, ItemsSkipped ${c.itemsSkipped}, ` +
    `RecordsRejected ${c.recordsRejected}, ObjectsRead ${c.objectsRead} (written items stay in the table).`;
  return truncateBytes(
    `Load into table '${table}' failed: ${truncateBytes(o.reason, MAX_REASON_BYTES - Buffer.byteLength(tail) - 60)}${tail}`,
    MAX_REASON_BYTES,
  );
}

const helpers: Helpers = {
  writeBudget: (p) => (p.WriteBudget ? writeBudgetOf(p.WriteBudget) : undefined),
  failureReason,
  resultData,
};

export const loadHandler: ResourceHandler<LoadProps> = {
  resourceType: LOAD_RESOURCE_TYPE,
  parseProperties: parseLoadProperties,
  tableName: (p) => p.TableName,
  adoptExistingTable: (p) => p.AdoptExistingTable,

  async handle(req: HandlerRequest<LoadProps>): Promise<HandlerResult> {
    const p = req.properties;
    const id = req.requestType === 'Delete' ? (req.physicalResourceId ?? physicalId(p, req.logicalResourceId)) : physicalId(p, req.logicalResourceId);
    if (req.requestType === 'Delete') {
      req.log.info('delete: the loaded data stays in the table', { table: p.TableName });
      // CloudFormation's Delete of a Create it cancelled may come while that Create's distributed load runs; so may the cleanup
      // Delete of the new physical ID of an update that rolled back (run.ts deleteStops), but not that of the ID an update replaced.
      // The latter keeps the memo: the run it names is the live resource's, which a later Delete or rollback must still stop.
      if (!deleteStops(req)) return { status: 'done', physicalResourceId: id };
      await stopRemembered(req, `CloudFormation deletes ${req.logicalResourceId}`);
      return { status: 'done', physicalResourceId: id, memo: ENDED };
    }
    // A rollback is an Update with the old properties as the new ones (custom-resource-helper#71):
    // loading the old source again would put stale values over every item the application has
    // changed since. A rollback never writes data.
    if (req.requestType === 'Update' && isRollback(req.stack)) {
      req.log.info('rollback: nothing is loaded, the data stays as it is', { table: p.TableName });
      // The update rolled back may have left its distributed load running (answered FAILED at its ServiceTimeout).
      await stopRemembered(req, `CloudFormation rolls ${req.logicalResourceId} back`);
      return {
        status: 'done',
        physicalResourceId: id,
        memo: ENDED,
        data: resultData({ itemsWritten: 0, itemsSkipped: 0, recordsRejected: 0, objectsRead: 0, bytesRead: 0 }, 0),
      };
    }
    if (req.requestType === 'Update' && req.checkpoint === undefined && req.oldProperties && sourceKey(req.oldProperties) === sourceKey(p)) {
      req.log.info('update: source and Revision unchanged, nothing to load', { table: p.TableName });
      return {
        status: 'done',
        physicalResourceId: id,
        data: resultData({ itemsWritten: 0, itemsSkipped: 0, recordsRejected: 0, objectsRead: 0, bytesRead: 0 }, 0),
      };
    }
    // The provider reads S3 for every stack: this one may read only under its own prefix.
    const bound = loadKeyPrefixFor(stackNameOf(req.stackId));
    if (!(p.S3BucketSource.KeyPrefix ?? '').startsWith(bound)) {
      return {
        status: 'failed',
        reason: truncateBytes(
          `Load source s3://${p.S3BucketSource.Bucket}/${p.S3BucketSource.KeyPrefix ?? ''} is not this stack's: a stack loads only objects under ` +
            `s3://${p.S3BucketSource.Bucket}/${bound}. Nothing was read or written.`,
          MAX_REASON_BYTES,
        ),
        physicalResourceId: id,
      };
    }
    const remaining = req.deadline - Date.now();
    const stopAt = req.deadline - Math.min(DRAIN_MS, remaining / 10);
    // Distributed loads (docs/load.md): started on the first invocation, watched by the continuations.
    if (isDistributedCheckpoint(req.checkpoint)) return watchDistributed(req, req.checkpoint, id, helpers, stopAt);
    if (req.checkpoint === undefined) {
      const started = await startDistributed(req, id, helpers);
      if (started) return started;
    }
    const checkpoint = isCheckpoint(req.checkpoint) ? req.checkpoint : undefined;
    const src = p.S3BucketSource;
    const outcome = await runLoad(
      {
        tableName: p.TableName,
        format: p.InputFormat,
        compression: p.InputCompressionType,
        csv: { delimiter: p.InputFormatOptions?.Csv?.Delimiter ?? ',', headerList: p.InputFormatOptions?.Csv?.HeaderList },
        writeMode: p.WriteMode,
        maxRejectedRecords: p.MaxRejectedRecords,
        concurrency: PROVIDER_CONCURRENCY,
        ...(p.WriteBudget ? { writeBudget: writeBudgetOf(p.WriteBudget) } : {}),
      },
      { dynamodb: req.clients.dynamodb(), source: new S3Source(req.clients.s3(), src.Bucket, src.KeyPrefix ?? '', src.BucketOwner), log: req.log },
      checkpoint,
      stopAt,
      // Give up a little before the protocol does, so the last drained checkpoint still counts.
      req.deadline - Math.min(1000, remaining / 20),
    );
    switch (outcome.status) {
      case 'continue':
        // With the ID, a long load can answer CloudFormation early (provider/protocol/long-operation.ts);
        // a Load's Delete never touches data, so answering a failure with it is safe too.
        return { status: 'continue', checkpoint: outcome.checkpoint, physicalResourceId: id };
      case 'done':
        return { status: 'done', physicalResourceId: id, data: resultData(outcome.counters, outcome.seconds) };
      case 'failed':
        return { status: 'failed', reason: failureReason(p.TableName, outcome), physicalResourceId: id };
    }
  },
};
