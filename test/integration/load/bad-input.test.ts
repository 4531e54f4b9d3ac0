/**
 * Bad input: each case fails or rejects with an exact message, and the counts match the table
 * (nothing is written that the report does not count). Against DynamoDB Local and moto_server.
 */
import { runLoad, type LoadOutcome } from '../../../load/loader';
import { S3Source } from '../../../load/source';
import type { CompressionType, InputFormat, LoadOptions } from '../../../load/types';
import { compress, dynamoDbJsonLine, toCsv, type Item } from '../../support/load-data';
import { startFaultProxy } from '../../support/load-fault-proxy';
import { MOTO_ACCOUNT } from '../../support/moto';
import { captureLog, createBucket, createTable, putObject, s3Client, scanAll, startBackends, unique, type Backends } from './helpers';

let b: Backends;
beforeAll(async () => {
  b = await startBackends();
});
afterAll(async () => b?.stop());

const good = (pk: string, sk = 1): Item => ({ pk: { S: pk }, sk: { N: String(sk) }, v: { S: 'ok' } });
const line = (item: Item) => dynamoDbJsonLine(item);

function opts(table: string, over: Partial<LoadOptions> = {}): LoadOptions {
  return {
    tableName: table,
    format: 'DYNAMODB_JSON' as InputFormat,
    compression: 'NONE' as CompressionType,
    csv: { delimiter: ',' },
    writeMode: 'Overwrite',
    maxRejectedRecords: 0,
    concurrency: 4,
    ...over,
  };
}

describe.each(['DynamoDB Local', 'moto'] as const)('bad input into %s', (backend) => {
  let table: string;
  let bucket: string;
  const ddb = () => b.dynamodb[backend];

  beforeEach(async () => {
    table = unique('bad');
    bucket = unique('bad').toLowerCase();
    await createTable(ddb(), table, { gsi: true });
    await createBucket(b.s3, bucket);
  });

  async function load(prefix: string, over: Partial<LoadOptions> = {}) {
    const log = captureLog();
    const out = await runLoad(opts(table, over), { dynamodb: ddb(), source: new S3Source(b.s3, bucket, prefix), log });
    const rejects = log.lines.filter((l) => l.message === 'record rejected').map((l) => l.fields);
    return { out, log, rejects };
  }

  /** The table holds exactly what the outcome counts as written. */
  async function expectTableMatches(out: LoadOutcome, pks: string[]) {
    const items = await scanAll(ddb(), table);
    expect(items.map((i) => i.pk.S).sort()).toEqual([...pks].sort());
    const written = out.status === 'continue' ? out.checkpoint.counters.itemsWritten : out.counters.itemsWritten;
    expect(written).toBe(items.length);
  }

  const malformed = () =>
    [
      line(good('a')),
      '{"Item": {"pk": {"S": "b"}, "sk": {"N": "1"}',
      '{"Item": 5}',
      '{"Record": {}}',
      '{"Item": {"pk": {"S": "c"}, "sk": {"N": "x1"}}}',
      '{"Item": {"pk": {"Q": "d"}, "sk": {"N": "1"}}}',
      '',
      line(good('e')),
    ].join('\n') + '\n';

  test('malformed lines are rejected with their object and line; the rest loads when within MaxRejectedRecords', async () => {
    await putObject(b.s3, bucket, 'm/part-0', malformed());
    const { out, rejects } = await load('m/', { maxRejectedRecords: 5 });
    expect(out.status).toBe('done');
    const object = `s3://${bucket}/m/part-0`;
    expect(rejects).toEqual([
      { object, line: 2, reason: 'not valid JSON' },
      { object, line: 3, reason: '"Item" must be an object of attributes' },
      { object, line: 4, reason: 'expected exactly one key, "Item"' },
      { object, line: 5, reason: "attribute 'sk' (N) is not a valid number" },
      { object, line: 6, reason: "attribute 'pk' must have exactly one type key (S, N, B, SS, NS, BS, M, L, NULL or BOOL)" },
    ]);
    if (out.status !== 'done') return;
    expect(out.counters).toMatchObject({ itemsWritten: 2, itemsSkipped: 0, recordsRejected: 5, objectsRead: 1 });
    await expectTableMatches(out, ['a', 'e']);
  });

  test('more rejects than MaxRejectedRecords fails the load, quoting the first rejects, and counts what was written', async () => {
    await putObject(b.s3, bucket, 'm/part-0', malformed());
    const { out } = await load('m/', { maxRejectedRecords: 4 });
    const object = `s3://${bucket}/m/part-0`;
    expect(out).toMatchObject({
      status: 'failed',
      reason:
        `5 records rejected, more than MaxRejectedRecords (4). First rejects: ${object} line 2: not valid JSON; ${object} line 3: "Item" must be an ` +
        `object of attributes; ` +
        `${object} line 4: expected exactly one key, "Item"; ${object} line 5: attribute 'sk' (N) is not a valid number; ` +
        `${object} line 6: attribute 'pk' must have exactly one type key (S, N, B, SS, NS, BS, M, L, NULL or BOOL)`,
      counters: { itemsWritten: 1, itemsSkipped: 0, recordsRejected: 5, objectsRead: 0 },
    });
    await expectTableMatches(out, ['a']);
  });

  test('wrong key types, missing and empty keys, and wrong index key types are rejected by name and type', async () => {
    const body = [
      line(good('ok1')),
      line({ pk: { N: '1' }, sk: { N: '1' } }),
      line({ pk: { S: 'x' }, sk: { S: 'one' } }),
      line({ pk: { S: 'y' } }),
      line({ pk: { S: '' }, sk: { N: '2' } }),
      line({ pk: { S: 'z' }, sk: { N: '3' }, city: { N: '5' } }),
      line({ ...good('ok2'), city: { S: 'Oslo' } }),
    ].join('\n');
    await putObject(b.s3, bucket, 'k/part-0', body);
    const { out, rejects } = await load('k/', { maxRejectedRecords: 10 });
    const object = `s3://${bucket}/k/part-0`;
    expect(rejects).toEqual([
      { object, line: 2, reason: "key attribute 'pk' must be of type S, not N" },
      { object, line: 3, reason: "key attribute 'sk' must be of type N, not S" },
      { object, line: 4, reason: "key attribute 'sk' is missing" },
      { object, line: 5, reason: "key attribute 'pk' is empty" },
      { object, line: 6, reason: "index key attribute 'city' must be of type S, not N" },
    ]);
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 2, recordsRejected: 5 } });
    await expectTableMatches(out, ['ok1', 'ok2']);
  });

  test('CSV key values that are not of the key type are rejected; other values load as strings', async () => {
    const body = toCsv([good('c1'), { pk: { S: 'c2' }, sk: { S: 'abc' } }, { pk: { S: 'c3' }, sk: { N: '7' }, v: { S: '12' } }], ['pk', 'sk', 'v']);
    await putObject(b.s3, bucket, 'c/part-0.csv', body);
    const { out, rejects } = await load('c/', { format: 'CSV', maxRejectedRecords: 1 });
    expect(rejects).toEqual([{ object: `s3://${bucket}/c/part-0.csv`, line: 3, reason: "attribute 'sk' (N) is not a valid number" }]);
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 2, recordsRejected: 1 } });
    const items = await scanAll(ddb(), table);
    expect(items.find((i) => i.pk.S === 'c3')).toEqual({ pk: { S: 'c3' }, sk: { N: '7' }, v: { S: '12' } });
  });

  test('an item over 400 KB is rejected with its size; an at-limit item loads where the engine agrees and is rejected by line where it does not', async () => {
    // Sizes as DynamoDB counts them: 'pk'+'big' = 5, 'sk'+N(1) = 2+2, 'pad'+string.
    const over = { pk: { S: 'big' }, sk: { N: '1' }, pad: { S: 'p'.repeat(410000) } };
    const exact = { pk: { S: 'max' }, sk: { N: '1' }, pad: { S: 'p'.repeat(409600 - 5 - 4 - 3) } };
    await putObject(b.s3, bucket, 's/part-0', [line(over), line(exact)].join('\n'));
    const { out, rejects } = await load('s/', { maxRejectedRecords: 2 });
    const object = `s3://${bucket}/s/part-0`;
    const tooBig = { object, line: 1, reason: 'item is 410012 bytes, over the 400 KB (409600 bytes) limit' };
    if (backend === 'DynamoDB Local') {
      // Amazon's engine agrees with the loader's size rule at the exact limit.
      expect(rejects).toEqual([tooBig]);
      expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 1, recordsRejected: 1 } });
      await expectTableMatches(out, ['max']);
    } else {
      // moto counts sizes more coarsely and refuses the at-limit item: the batch falls back to
      // single puts and only that item is rejected, with its line.
      expect(rejects).toEqual([
        tooBig,
        { object, line: 2, reason: 'DynamoDB refused the item (ValidationException: Item size has exceeded the maximum allowed size)' },
      ]);
      expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 0, recordsRejected: 2 } });
      await expectTableMatches(out, []);
    }
  });

  test('empty objects load nothing and are not errors beside data; a prefix of only empty objects fails', async () => {
    await putObject(b.s3, bucket, 'e/a-empty', '');
    await putObject(b.s3, bucket, 'e/b-empty.gz', compress('', 'GZIP'));
    await putObject(b.s3, bucket, 'e/c-data.gz', compress(`${line(good('e1'))}\n${line(good('e2'))}\n`, 'GZIP'));
    const { out, log } = await load('e/', { compression: 'GZIP' });
    expect(out).toMatchObject({ status: 'done', counters: { itemsWritten: 2, recordsRejected: 0, objectsRead: 3 } });
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => [l.message, l.fields?.object])).toEqual([
      ['object empty', 'e/a-empty'],
      ['object has no records', 'e/b-empty.gz'],
    ]);

    await putObject(b.s3, bucket, 'only-empty/x', '');
    await putObject(b.s3, bucket, 'only-empty/y', '');
    const second = await load('only-empty/');
    expect(second.out).toMatchObject({ status: 'failed', reason: `s3://${bucket}/only-empty/: the 2 object(s) contain no records` });
  });

  test('a missing bucket, a prefix with no objects, and a missing table fail with clear reasons', async () => {
    const log = captureLog();
    const noBucket = await runLoad(opts(table), { dynamodb: ddb(), source: new S3Source(b.s3, 'no-such-bucket-anywhere', 'data/'), log });
    expect(noBucket).toMatchObject({ status: 'failed', reason: 's3://no-such-bucket-anywhere/data/: the bucket does not exist (NoSuchBucket)' });

    const { out } = await load('nothing-here/');
    expect(out).toMatchObject({ status: 'failed', reason: `s3://${bucket}/nothing-here/: no objects to load (check the bucket and KeyPrefix)` });

    const noTable = await runLoad(opts('no-such-table'), { dynamodb: ddb(), source: new S3Source(b.s3, bucket, ''), log });
    expect(noTable).toMatchObject({ status: 'failed', reason: "table 'no-such-table' does not exist" });
  });

  test('corrupt compressed data fails the load with the object named', async () => {
    await putObject(b.s3, bucket, 'z/part-0.gz', Buffer.from('this is not gzip at all'));
    const { out } = await load('z/', { compression: 'GZIP' });
    expect(out).toMatchObject({ status: 'failed', reason: `s3://${bucket}/z/part-0.gz: not valid GZIP data (incorrect header check)` });
    await putObject(b.s3, bucket, 'y/part-0.zst', Buffer.from('this is not zstd at all'));
    const zstd = await load('y/', { compression: 'ZSTD' });
    expect(zstd.out).toMatchObject({ status: 'failed', reason: `s3://${bucket}/y/part-0.zst: not valid ZSTD data (invalid zstd data)` });
  });

  test('a wrong BucketOwner is refused by S3 (403) and nothing is written; the right owner loads, and every S3 call carried it', async () => {
    await putObject(b.s3, bucket, 'o/part-0', `${line(good('o1'))}\n`);
    const proxy = await startFaultProxy({ target: b.moto.endpoint, bucketOwner: MOTO_ACCOUNT });
    const s3 = s3Client(proxy.endpoint);
    try {
      const log = captureLog();
      const wrong = await runLoad(opts(table), { dynamodb: ddb(), source: new S3Source(s3, bucket, 'o/', '111122223333'), log });
      expect(wrong).toMatchObject({
        status: 'failed',
        reason: `s3://${bucket}/o/: access denied; the bucket is not owned by account 111122223333 (BucketOwner), or the provider may not read it`,
        counters: { itemsWritten: 0 },
      });
      expect(await scanAll(ddb(), table)).toEqual([]);

      proxy.s3Requests.length = 0;
      const right = await runLoad(opts(table), { dynamodb: ddb(), source: new S3Source(s3, bucket, 'o/', MOTO_ACCOUNT), log });
      expect(right).toMatchObject({ status: 'done', counters: { itemsWritten: 1 } });
      expect(proxy.s3Requests.map((r) => r.method)).toEqual(['GET', 'GET']); // ListObjectsV2, GetObject
      expect(proxy.s3Requests.every((r) => r.expectedOwner === MOTO_ACCOUNT)).toBe(true);
    } finally {
      s3.destroy();
      await proxy.stop();
    }
  });
});
