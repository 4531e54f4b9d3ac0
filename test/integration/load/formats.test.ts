/**
 * Every format x compression, from moto_server's S3 into both DynamoDB Local and moto_server's
 * DynamoDB: the table afterwards equals the source, item for item.
 */
import { runLoad } from '../../../load/loader';
import { S3Source } from '../../../load/source';
import type { CompressionType, InputFormat, LoadOptions } from '../../../load/types';
import { canonical, compress, csvItems, richItems, toCsv, toDynamoDbJson, toIon, type Item } from '../../support/load-data';
import { captureLog, createBucket, createTable, putObject, scanAll, startBackends, unique, type Backends } from './helpers';

let b: Backends;
beforeAll(async () => {
  b = await startBackends();
});
afterAll(async () => b?.stop());

const FORMATS: InputFormat[] = ['DYNAMODB_JSON', 'ION', 'CSV'];
const COMPRESSIONS: CompressionType[] = ['GZIP', 'ZSTD', 'NONE'];
const BACKENDS = ['DynamoDB Local', 'moto'] as const;
const CSV_COLUMNS = ['pk', 'sk', 'city', 'note', 'amount'];

function encode(format: InputFormat, items: Item[]): string {
  if (format === 'DYNAMODB_JSON') return toDynamoDbJson(items);
  if (format === 'ION') return toIon(items);
  return toCsv(items, CSV_COLUMNS);
}

function options(table: string, format: InputFormat, compression: CompressionType): LoadOptions {
  return { tableName: table, format, compression, csv: { delimiter: ',' }, writeMode: 'Overwrite', maxRejectedRecords: 0, concurrency: 4 };
}

describe.each(BACKENDS)('loading into %s', (backend) => {
  test.each(FORMATS.flatMap((f) => COMPRESSIONS.map((c) => [f, c] as const)))(
    '%s with %s compression: the table equals the source, with exact counts',
    async (format, compression) => {
      const ddb = b.dynamodb[backend];
      const table = unique('fmt');
      const bucket = unique('fmt').toLowerCase();
      await createTable(ddb, table, { gsi: format === 'CSV' });
      await createBucket(b.s3, bucket);
      // Two objects (read in key order) plus one outside the prefix that must not be read.
      const all = format === 'CSV' ? csvItems(120) : richItems(120);
      const parts = [all.slice(0, 70), all.slice(70)];
      const stored: number[] = [];
      for (const [i, part] of parts.entries()) {
        const body = compress(encode(format, part), compression);
        stored.push(Buffer.byteLength(encode(format, part)));
        await putObject(b.s3, bucket, `data/part-${i}`, body);
      }
      await putObject(b.s3, bucket, 'other/ignored', compress(encode(format, csvItems(3)), compression));

      const log = captureLog();
      const out = await runLoad(options(table, format, compression), { dynamodb: ddb, source: new S3Source(b.s3, bucket, 'data/'), log });

      expect(out.status).toBe('done');
      if (out.status !== 'done') return;
      expect(out.counters).toEqual({ itemsWritten: 120, itemsSkipped: 0, recordsRejected: 0, objectsRead: 2, bytesRead: stored[0] + stored[1] });
      const scanned = (await scanAll(ddb, table)).map(canonical).sort();
      expect(scanned).toEqual(all.map(canonical).sort());
    },
  );
});
