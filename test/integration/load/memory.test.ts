/**
 * Memory: a generated 300 MB (uncompressed) gzip object, loaded by the loader in its own process
 * from moto's S3 into DynamoDB Local, with the process's peak RSS (VmHWM) under 256 MB.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand as S3Put } from '@aws-sdk/client-s3';
import type { LoadOptions } from '../../../load/types';
import { dynamoDbJsonLine, rng } from '../../support/load-data';
import { createBucket, createTable, startBackends, unique, type Backends } from './helpers';

let b: Backends;
let dir: string;
beforeAll(async () => {
  // DynamoDB Local keeps 300 MB of items; give it room beyond its default 512 MB heap.
  b = await startBackends({ heapMb: 2048 });
  dir = mkdtempSync(join(tmpdir(), 'arc-load-mem-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await b?.stop();
});

const MB = 1024 * 1024;
const ITEMS = 31_500;
const PAD = 10_000;

/** ~10 KB items of words from a small vocabulary: realistic text that gzip shrinks a few times, not a thousand. */
function* lines(): Generator<string> {
  const r = rng(99);
  const words = Array.from({ length: 512 }, (_, i) => `w${(i * 2654435761) % 1e9}`);
  for (let i = 0; i < ITEMS; i++) {
    let pad = '';
    while (pad.length < PAD) pad += `${words[Math.floor(r() * words.length)]} `;
    yield `${dynamoDbJsonLine({ pk: { S: `big-${i}` }, sk: { N: String(i) }, body: { S: pad } })}\n`;
  }
}

test('a 300 MB gzip object loads with peak RSS under 256 MB', async () => {
  const table = unique('mem');
  await createTable(b.dynamodb['DynamoDB Local'], table);
  const bucket = unique('mem').toLowerCase();
  await createBucket(b.s3, bucket);

  // Generate and gzip to disk as a stream, counting the uncompressed bytes.
  const file = join(dir, 'big.json.gz');
  let raw = 0;
  const counted = Readable.from(
    (function* () {
      for (const l of lines()) {
        raw += Buffer.byteLength(l);
        yield l;
      }
    })(),
  );
  await pipeline(counted, createGzip({ level: 1 }), createWriteStream(file));
  expect(raw).toBeGreaterThanOrEqual(300 * MB);
  const size = statSync(file).size;
  await b.s3.send(new S3Put({ Bucket: bucket, Key: 'big/part-0.json.gz', Body: createReadStream(file), ContentLength: size }));

  const options: LoadOptions = {
    tableName: table,
    format: 'DYNAMODB_JSON',
    compression: 'GZIP',
    csv: { delimiter: ',' },
    writeMode: 'Overwrite',
    maxRejectedRecords: 0,
    concurrency: 8,
  };
  const args = { s3Endpoint: b.moto.endpoint, ddbEndpoint: b.local.endpoint, bucket, prefix: 'big/', options };
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'loader-child.ts'), JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const out = JSON.parse(stdout) as { status: string; counters: { itemsWritten: number; bytesRead: number }; peakRss: number };
  expect(out.status).toBe('done');
  expect(out.counters.itemsWritten).toBe(ITEMS);
  expect(out.counters.bytesRead).toBe(raw);
  process.stdout.write(
    `memory test: ${(raw / MB).toFixed(0)} MB uncompressed (${(size / MB).toFixed(0)} MB gzip), ${ITEMS} items, loader peak RSS ` +
      `${(out.peakRss / MB).toFixed(0)} MB\n`,
  );
  expect(out.peakRss).toBeLessThan(256 * MB);

  // Spot checks (a full Scan of 300 MB in DynamoDB Local takes minutes): first, middle and last items are there, whole.
  for (const i of [0, Math.floor(ITEMS / 2), ITEMS - 1]) {
    const got = await b.dynamodb['DynamoDB Local'].send(new GetItemCommand({ TableName: table, Key: { pk: { S: `big-${i}` }, sk: { N: String(i) } } }));
    expect(got.Item?.body.S?.length).toBeGreaterThanOrEqual(PAD);
  }
}, 900_000);
