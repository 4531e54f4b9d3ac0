/**
 * Resuming: a load stopped by its deadline mid-object continues from its checkpoint, and a loader
 * killed outright resumes from the last checkpoint it returned. Either way the table ends equal
 * to the source, item for item, and the counts add up.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadOutcome } from '../../../load/loader';
import { S3Source } from '../../../load/source';
import type { CompressionType, InputFormat, LoadCheckpoint, LoadOptions } from '../../../load/types';
import { canonical, compress, csvItems, richItems, toCsv, toDynamoDbJson, toIon, type Item } from '../../support/load-data';
import { startFaultProxy } from '../../support/load-fault-proxy';
import { captureLog, createBucket, createTable, putObject, s3Client, scanAll, startBackends, unique, type Backends } from './helpers';

let b: Backends;
beforeAll(async () => {
  b = await startBackends();
});
afterAll(async () => b?.stop());

const CSV_COLUMNS = ['pk', 'sk', 'city', 'note', 'amount'];
const encode = (format: InputFormat, items: Item[]) =>
  format === 'DYNAMODB_JSON' ? toDynamoDbJson(items) : format === 'ION' ? toIon(items) : toCsv(items, CSV_COLUMNS);

function options(table: string, format: InputFormat, compression: CompressionType, over: Partial<LoadOptions> = {}): LoadOptions {
  return { tableName: table, format, compression, csv: { delimiter: ',' }, writeMode: 'Overwrite', maxRejectedRecords: 0, concurrency: 4, ...over };
}

async function stage(format: InputFormat, compression: CompressionType, n: number, objects: number) {
  const bucket = unique('res').toLowerCase();
  await createBucket(b.s3, bucket);
  const items = format === 'CSV' ? csvItems(n) : richItems(n);
  const per = Math.ceil(n / objects);
  let bytes = 0;
  for (let i = 0; i < objects; i++) {
    const text = encode(format, items.slice(i * per, (i + 1) * per));
    bytes += Buffer.byteLength(text);
    await putObject(b.s3, bucket, `d/part-${i}`, compress(text, compression));
  }
  return { bucket, items, bytes };
}

describe.each(['DynamoDB Local', 'moto'] as const)('resuming into %s', (backend) => {
  test.each([
    ['DYNAMODB_JSON', 'NONE'],
    ['DYNAMODB_JSON', 'GZIP'],
    ['ION', 'ZSTD'],
    ['CSV', 'NONE'],
    ['CSV', 'GZIP'],
  ] as const)('%s / %s: deadline stops mid-object, continuations finish it, table equals source, counts add up', async (format, compression) => {
    const ddb = b.dynamodb[backend];
    const table = unique('res');
    await createTable(ddb, table);
    const { bucket, items, bytes } = await stage(format, compression, 600, 2);
    // A clock that ticks once per read: each invocation gets a budget of ticks, so it stops
    // after a bounded number of records, wherever that falls.
    let tick = 0;
    const now = () => ++tick;
    const proxy = await startFaultProxy({ target: b.moto.endpoint });
    const s3 = s3Client(proxy.endpoint);
    const source = new S3Source(s3, bucket, 'd/');
    const checkpoints: LoadCheckpoint[] = [];
    let out: LoadOutcome = await runLoad(options(table, format, compression), { dynamodb: ddb, source, log: captureLog(), now }, undefined, tick + 150);
    while (out.status === 'continue') {
      checkpoints.push(out.checkpoint);
      out = await runLoad(
        options(table, format, compression),
        { dynamodb: ddb, source, log: captureLog(), now },
        JSON.parse(JSON.stringify(out.checkpoint)),
        tick + 150,
      );
    }
    s3.destroy();
    await proxy.stop();

    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    expect(checkpoints.length).toBeGreaterThanOrEqual(3);
    expect(checkpoints.some((c) => c.current !== undefined && c.current.line > 0)).toBe(true);
    // Each checkpoint counts exactly the items before its position.
    for (const c of checkpoints) expect(c.counters.itemsWritten).toBe(c.records);
    expect(out.counters).toEqual({ itemsWritten: 600, itemsSkipped: 0, recordsRejected: 0, objectsRead: 2, bytesRead: bytes });
    expect((await scanAll(ddb, table)).map(canonical).sort()).toEqual(items.map(canonical).sort());

    const gets = proxy.s3Requests.filter((r) => r.method === 'GET' && r.path.includes('/d/part-'));
    if (compression === 'NONE' && format !== 'CSV') {
      // Uncompressed objects resume with a ranged GET from the checkpoint's byte.
      expect(gets.some((g) => g.range !== undefined && /^bytes=\d+-$/.test(g.range))).toBe(true);
    } else {
      // Compressed objects, and CSV whose header is line 1, are read again from the start.
      expect(gets.every((g) => g.range === undefined)).toBe(true);
    }
  });
});

describe('a loader process killed mid-load', () => {
  test.each(['Overwrite', 'PutIfAbsent'] as const)(
    '%s: resumed from its last checkpoint, the table equals the source and the counts add up',
    async (writeMode) => {
      const ddb = b.dynamodb['DynamoDB Local'];
      const table = unique('kill');
      await createTable(ddb, table);
      const { bucket, items } = await stage('DYNAMODB_JSON', 'GZIP', 9000, 3);
      const dir = mkdtempSync(join(tmpdir(), 'arc-load-kill-'));
      const checkpointFile = join(dir, 'checkpoint.json');
      const args = {
        s3Endpoint: b.moto.endpoint,
        ddbEndpoint: b.local.endpoint,
        bucket,
        prefix: 'd/',
        options: options(table, 'DYNAMODB_JSON', 'GZIP', { writeMode }),
        checkpointFile,
        sliceMs: 150,
      };
      const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'loader-child.ts'), JSON.stringify(args)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        // Kill it once it has checkpointed some progress, while it is still writing.
        const deadline = Date.now() + 180000;
        for (;;) {
          if (existsSync(checkpointFile)) {
            const cp = JSON.parse(readFileSync(checkpointFile, 'utf8')) as LoadCheckpoint;
            if (cp.counters.itemsWritten >= 2000) break;
          }
          if (Date.now() > deadline || child.exitCode !== null) throw new Error('the child finished or stalled before it could be killed');
          await new Promise((r) => setTimeout(r, 10));
        }
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const last = JSON.parse(readFileSync(checkpointFile, 'utf8')) as LoadCheckpoint;
        expect(last.counters.itemsWritten).toBeLessThan(9000);
        // Some items past the checkpoint were written before the kill: the resume writes them again.
        const before = (await scanAll(ddb, table)).length;
        expect(before).toBeGreaterThanOrEqual(last.counters.itemsWritten);

        const out = await runLoad(args.options, { dynamodb: ddb, source: new S3Source(b.s3, bucket, 'd/'), log: captureLog() }, last);
        expect(out.status).toBe('done');
        if (out.status !== 'done') return;
        expect((await scanAll(ddb, table)).map(canonical).sort()).toEqual(items.map(canonical).sort());
        expect(out.counters.recordsRejected).toBe(0);
        expect(out.counters.objectsRead).toBe(3);
        if (writeMode === 'Overwrite') {
          // Counters come from the checkpoint, so the redone stretch is counted once.
          expect(out.counters).toMatchObject({ itemsWritten: 9000, itemsSkipped: 0 });
        } else {
          // PutIfAbsent never overwrites: what the killed run wrote past its checkpoint is skipped now.
          expect(out.counters.itemsWritten + out.counters.itemsSkipped).toBe(9000);
          expect(out.counters.itemsSkipped).toBe(before - last.counters.itemsWritten);
        }
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    },
    400000,
  );
});
