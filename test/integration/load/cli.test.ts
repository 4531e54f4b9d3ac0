/**
 * `arc-dynamodb load`: the same loader from a terminal, into DynamoDB Local, from files and from
 * moto's S3; progress on a TTY, plain lines otherwise, a final summary, clear errors, exit codes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main, type CliIO } from '../../../cli/main';
import { canonical, compress, csvItems, richItems, toCsv, toDynamoDbJson, type Item } from '../../support/load-data';
import { createBucket, createTable, putObject, scanAll, startBackends, unique, type Backends } from './helpers';

let b: Backends;
let dir: string;
beforeAll(async () => {
  b = await startBackends();
  dir = mkdtempSync(join(tmpdir(), 'arc-load-cli-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await b?.stop();
});

function fakeIO(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[]) => {
    const s = new PassThrough() as PassThrough & { isTTY?: boolean };
    s.on('data', (d) => sink.push(String(d)));
    s.isTTY = tty;
    return s;
  };
  const io: CliIO = { stdout: stream(out), stderr: stream(err), cwd: dir, env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const sorted = (items: Item[]) => items.map(canonical).sort();

test('loads local files into DynamoDB Local and prints a summary (exit 0)', async () => {
  const table = unique('cli');
  await createTable(b.dynamodb['DynamoDB Local'], table);
  const items = richItems(200, { seed: 21 });
  const f1 = join(dir, 'a.json.gz');
  const f2 = join(dir, 'b.json.gz');
  writeFileSync(f1, compress(toDynamoDbJson(items.slice(0, 120)), 'GZIP'));
  writeFileSync(f2, compress(toDynamoDbJson(items.slice(120)), 'GZIP'));
  const t = fakeIO();
  const code = await main(['load', '--table', table, '--file', f1, '--file', f2, '--compression', 'GZIP', '--endpoint', b.local.endpoint], t.io);
  expect(t.stderr()).toMatch(/items\/s/); // the closing plain progress line
  expect(code).toBe(0);
  expect(t.stdout()).toMatch(
    new RegExp(`^Loaded ${f1}, ${f2} into ${table}: 200 items written, 0 skipped, 0 rejected; 2 files, [\\d.]+ kB in [\\d.]+ s \\([\\d,]+ items/s\\)\\n$`),
  );
  expect(sorted(await scanAll(b.dynamodb['DynamoDB Local'], table))).toEqual(sorted(items));
});

test('loads CSV from S3 with a header list and a delimiter, drawing a progress bar on a TTY', async () => {
  const table = unique('cli');
  await createTable(b.dynamodb['DynamoDB Local'], table);
  const bucket = unique('cli').toLowerCase();
  await createBucket(b.s3, bucket);
  const items = csvItems(300, { seed: 8 });
  await putObject(b.s3, bucket, 'csv/one.csv', toCsv(items, ['pk', 'sk', 'city', 'note', 'amount'], { delimiter: '|', header: false }));
  const t = fakeIO(true);
  const code = await main(
    [
      'load',
      '--table',
      table,
      '--s3',
      `s3://${bucket}/csv/`,
      '--format',
      'CSV',
      '--delimiter',
      '|',
      '--header',
      'pk,sk,city,note,amount',
      '--endpoint',
      b.local.endpoint,
      '--s3-endpoint',
      b.moto.endpoint,
    ],
    t.io,
  );
  expect(code).toBe(0);
  expect(t.stderr()).toMatch(/\r\x1b\[K\[#+-*\] +\d+%  [\d,]+ items  [\d,]+ items\/s  ETA (\d+:\d\d|--:--)/);
  expect(t.stdout()).toContain(`Loaded s3://${bucket}/csv/ into ${table}: 300 items written`);
  expect(sorted(await scanAll(b.dynamodb['DynamoDB Local'], table))).toEqual(sorted(items));
});

test('PutIfAbsent counts the items it skips', async () => {
  const table = unique('cli');
  await createTable(b.dynamodb['DynamoDB Local'], table);
  const f = join(dir, 'p.json');
  writeFileSync(f, toDynamoDbJson(richItems(40, { seed: 2 })));
  const first = fakeIO();
  expect(await main(['load', '--table', table, '--file', f, '--endpoint', b.local.endpoint], first.io)).toBe(0);
  const again = fakeIO();
  expect(await main(['load', '--table', table, '--file', f, '--write-mode', 'PutIfAbsent', '--endpoint', b.local.endpoint], again.io)).toBe(0);
  expect(again.stdout()).toContain(': 0 items written, 40 skipped, 0 rejected; 1 file');
});

test('too many rejects: exit 1, each reject on stderr, the reason and what was written before stopping', async () => {
  const table = unique('cli');
  await createTable(b.dynamodb['DynamoDB Local'], table);
  const f = join(dir, 'bad.json');
  writeFileSync(f, `${toDynamoDbJson(richItems(2))}{"Item": {"pk": {"N": "1"}, "sk": {"N": "1"}}}\nnot json\n`);
  const t = fakeIO();
  const code = await main(['load', '--table', table, '--file', f, '--max-rejected', '1', '--endpoint', b.local.endpoint], t.io);
  expect(code).toBe(1);
  expect(t.stderr()).toContain(`rejected: ${f} line 3: key attribute 'pk' must be of type S, not N\nrejected: ${f} line 4: not valid JSON\n`);
  expect(t.stderr()).toContain(
    `arc-dynamodb load: 2 records rejected, more than MaxRejectedRecords (1). First rejects: ${f} line 3: key attribute 'pk' must be of type S, not ` +
      `N; ${f} line 4: not valid JSON\nBefore stopping: 2 items written, 0 skipped, 2 rejected;`,
  );
});

test('runtime errors exit 1 with one clear line: missing table, missing file, nothing listening', async () => {
  const f = join(dir, 'one.json');
  writeFileSync(f, toDynamoDbJson(richItems(1)));
  const noTable = fakeIO();
  expect(await main(['load', '--table', 'nope-table', '--file', f, '--endpoint', b.local.endpoint], noTable.io)).toBe(1);
  expect(noTable.stderr()).toBe(
    `reading ${f} as DYNAMODB_JSON: chosen from the file extension\n` +
      "arc-dynamodb load: table 'nope-table' does not exist\nBefore stopping: 0 items written, 0 skipped, 0 rejected; 0 files, 0 B in " +
      noTable.stderr().split(' in ')[1],
  );

  const noFile = fakeIO();
  expect(await main(['load', '--table', 'whatever', '--file', join(dir, 'missing.json'), '--endpoint', b.local.endpoint], noFile.io)).toBe(1);
  expect(noFile.stderr()).toBe(`arc-dynamodb load: ${join(dir, 'missing.json')}: no such file\n`);

  const refused = fakeIO();
  expect(await main(['load', '--table', 'whatever', '--file', f, '--endpoint', 'http://127.0.0.1:9'], refused.io)).toBe(1);
  // The format chosen from the extension is said first (the local-command issue), then the one error line.
  expect(refused.stderr()).toBe(
    `reading ${f} as DYNAMODB_JSON: chosen from the file extension\n` +
      'arc-dynamodb load: cannot connect to 127.0.0.1:9 (ECONNREFUSED); check --endpoint, --s3-endpoint and --region\n',
  );
});

test.each([
  [['--file', 'x'], '--table is required'],
  [['--table', 't'], 'give exactly one of --s3 s3://BUCKET/PREFIX or --file PATH'],
  [['--table', 't', '--s3', 's3://b/p', '--file', 'x'], 'give exactly one of --s3 s3://BUCKET/PREFIX or --file PATH'],
  [['--table', 't', '--s3', 'http://b/p'], "--s3 must look like s3://BUCKET/PREFIX, got 'http://b/p'"],
  [['--table', 't', '--file', 'x', '--format', 'XML'], "option '--format' must be one of DYNAMODB_JSON, ION, CSV, got 'XML'"],
  [['--table', 't', '--file', 'x', '--max-rejected', '-1'], "--max-rejected must be a whole number from 0 to 1000000000, got '-1'"],
  [['--table', 't', '--file', 'x', '--delimiter', '#'], "--delimiter must be one of , ; : | tab or space, got '#'"],
  [['--table', 't', '--file', 'x', '--endpoint', 'localhost:8000'], "--endpoint must be an http(s) URL, got 'localhost:8000'"],
  [['--table', 't', '--file', 'x', '--bucket-owner', '1'], '--bucket-owner applies to --s3 only'],
  [['--table', 't', '--file', 'x', '--nope'], "unknown option '--nope'"],
  [['--table', 't', '--file', 'x', '--write-capacity-percent', '0'], "--write-capacity-percent must be a number from 1 to 100, got '0'"],
  [['--table', 't', '--file', 'x', '--write-capacity-percent', '150'], "--write-capacity-percent must be a number from 1 to 100, got '150'"],
  [['--table', 't', '--file', 'x', '--max-write-units-per-second', '0'], "--max-write-units-per-second must be a whole number from 1 to 1000000000, got '0'"],
  [['--table', 't', '--file', 'x', '--max-items-per-second', '2.5'], "--max-items-per-second must be a whole number from 1 to 1000000000, got '2.5'"],
])('usage error %j: exit 2 with "%s"', async (args, message) => {
  const t = fakeIO();
  expect(await main(['load', ...args], t.io)).toBe(2);
  expect(t.stderr()).toBe(`arc-dynamodb load: ${message}\nRun 'npx arc-dynamodb load --help' for the options.\n`);
});

test('--help prints the options and exits 0', async () => {
  const t = fakeIO();
  expect(await main(['load', '--help'], t.io)).toBe(0);
  expect(t.stdout()).toMatch(/^usage: arc-dynamodb load --table TABLE/);
});
