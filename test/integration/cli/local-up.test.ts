/**
 * `npx arc-dynamodb local up` and `load --file` as a person runs them: real processes of the bin,
 * on a bundle built from the current sources (as in bin.test.ts), with an environment that has no
 * AWS configuration at all (no AWS_* variables, an empty HOME).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describeLive } from '../../../cli/commands/local';
import { JAVA_MISSING, startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb-local';
import { freePort } from '../../../local/ports';

const root = join(__dirname, '..', '..', '..');
const FIXTURES = join(root, 'test', 'integration', 'local', 'fixtures');
let dir: string;
let bin: string;
let ddb: DynamoDbLocal;
let client: DynamoDBClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arc-local-bin-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'home'));
  bin = join(dir, 'bin', 'arc-dynamodb.js');
  copyFileSync(join(root, 'bin', 'arc-dynamodb.js'), bin);
  await build({
    absWorkingDir: root,
    entryPoints: ['cli/main.ts'],
    outfile: join(dir, 'dist', 'cli.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'silent',
  });
  ddb = await startDynamoDbLocal();
  client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  client?.destroy();
  await ddb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** No AWS configuration: no AWS_* variables, and a HOME without ~/.aws. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: join(dir, 'home'), NODE_PATH: join(root, 'node_modules'), ...extra };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd = dir, extra: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: env(extra) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runAsync(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const describeTable = async (name: string) => (await client.send(new DescribeTableCommand({ TableName: name }))).Table!;

/** The DynamoDB Local processes whose command line names `marker` (a folder only this test uses). */
function jvmsWith(marker: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,command='], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((l) => l.includes('DynamoDBLocal.jar') && l.includes(marker));
}

describe('local up reports what DynamoDB Local really holds', () => {
  const template = `Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      TableName: drift-orders
      BillingMode: PAY_PER_REQUEST
      HashKey: pk
      Attributes:
        - { Name: pk, Type: S }
        - { Name: status, Type: S }
        - { Name: email, Type: S }
        - { Name: day, Type: S }
      GlobalSecondaryIndexes:
        - { Name: byStatus, HashKey: status, ProjectionType: ALL }
        - { Name: byEmail, HashKey: email, ProjectionType: ALL }
        - { Name: byDay, HashKey: day, ProjectionType: ALL }
      StreamEnabled: true
      StreamViewType: NEW_IMAGE
      TtlEnabled: true
      TtlAttributeName: expiresAt
`;

  beforeAll(async () => {
    // The table as someone left it: provisioned, byStatus with another projection, an index the
    // template does not have, another stream view type, no TTL, and an item.
    const gsi = (name: string, key: string, projection: 'KEYS_ONLY' | 'ALL') => ({
      IndexName: name,
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' as const }],
      Projection: { ProjectionType: projection },
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    });
    await client.send(
      new CreateTableCommand({
        TableName: 'drift-orders',
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
          { AttributeName: 'legacyKey', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [gsi('byStatus', 'status', 'KEYS_ONLY'), gsi('legacy', 'legacyKey', 'ALL')],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    );
    await client.send(new PutItemCommand({ TableName: 'drift-orders', Item: { pk: { S: 'kept' }, status: { S: 'NEW' } } }));
  });

  it('applies billing, new GSIs in sequence, stream and TTL; notes each difference it cannot apply; exits 1', async () => {
    const r = run(['local', 'up', file('drift.yaml', template), '--endpoint', ddb.endpoint]);
    expect(r.code).toBe(1);
    const section = r.stdout.slice(r.stdout.indexOf('  Orders -> '), r.stdout.indexOf('\n\nskipped'));
    const lines = section.split('\n');
    expect(lines[0]).toBe('  Orders -> drift-orders: updated');
    // The description is DescribeTable's, read by this test too.
    const live = {
      table: await describeTable('drift-orders'),
      ttlAttribute: (await client.send(new DescribeTimeToLiveCommand({ TableName: 'drift-orders' }))).TimeToLiveDescription?.AttributeName,
    };
    const described = describeLive(live);
    expect(lines.slice(1, 1 + described.length)).toEqual(described.map((l) => `    ${l}`));
    expect(described.slice(0, 2)).toEqual(['keys pk hash S', 'on demand; stream NEW_IMAGE; TTL expiresAt']);
    expect(described.slice(2).sort()).toEqual([
      'GSI byDay: day hash S; ALL',
      'GSI byEmail: email hash S; ALL',
      'GSI byStatus: status hash S; KEYS_ONLY',
      'GSI legacy: legacyKey hash S; ALL',
    ]);
    expect(lines.filter((l) => l.startsWith('    changed: '))).toEqual([
      '    changed: billing provisioned 1/1 -> on demand',
      '    changed: added index byEmail',
      '    changed: added index byDay',
      '    changed: stream KEYS_ONLY -> NEW_IMAGE',
      '    changed: enabled TTL on expiresAt',
    ]);
    expect(section).toContain(
      '    DRIFT: GSI byStatus: projection is KEYS_ONLY, the template wants ALL; DynamoDB cannot change an\n' +
        '      index in place and local up never deletes one: delete the index yourself, then run local up\n      again\n' +
        '    DRIFT: GSI legacy (legacyKey hash S) is not in the template; kept: local up never deletes an\n      index\n',
    );
    expect(r.stdout).toContain('\n1 table ready, 4 resources skipped (no local meaning), 1 table with drift.\n');
    expect(r.stderr).toBe(
      'arc-dynamodb local up: 2 differences between the template and the local tables (Orders) could not be applied (DRIFT above); ' +
        'fix them, or pass --allow-drift to accept them\n',
    );
    // Nothing dropped: the item and the index the template lacks are still there.
    expect((await client.send(new GetItemCommand({ TableName: 'drift-orders', Key: { pk: { S: 'kept' } } }))).Item?.status).toEqual({ S: 'NEW' });
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('with --allow-drift the same drift exits 0, and a second run changes nothing', () => {
    const r = run(['local', 'up', join(dir, 'drift.yaml'), '--endpoint', ddb.endpoint, '--allow-drift']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  Orders -> drift-orders: unchanged\n');
    expect(r.stdout).not.toContain('changed: ');
    expect(r.stdout.match(/ {4}DRIFT: /g)).toHaveLength(2);
  });

  it('leaves a table with another key schema untouched, creates the other tables, and exits 1', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'clash-keys',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await client.send(new PutItemCommand({ TableName: 'clash-keys', Item: { id: { N: '1' } } }));
    const t = (name: string, id: string) =>
      `  ${id}:\n    Type: Arc::DynamoDB::Table\n    Properties: { TableName: ${name}, HashKey: pk, Attributes: [{ Name: pk, Type: S }], ` +
      'StreamEnabled: true, StreamViewType: NEW_IMAGE }\n';
    const r = run([
      'local',
      'up',
      file('clash.yaml', `Transform: ArcDynamoDb\nResources:\n${t('clash-keys', 'Clash')}${t('clash-fresh', 'Fresh')}`),
      '--endpoint',
      ddb.endpoint,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '  Clash -> clash-keys: left as it is\n    keys id hash N\n    on demand; no stream; no TTL\n    DRIFT: key schema is id hash N',
    );
    expect(r.stdout).toContain('  Fresh -> clash-fresh: created\n');
    expect(r.stdout).toContain('\n1 table ready, ');
    expect((await describeTable('clash-keys')).StreamSpecification).toBeUndefined();
    expect((await client.send(new ScanCommand({ TableName: 'clash-keys' }))).Items).toEqual([{ id: { N: '1' } }]);
    expect((await describeTable('clash-fresh')).StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  });
});

describe('the terraform-aws-modules examples come up locally', () => {
  it('global-tables: the KMS key in the stack (!GetAtt Key.Arn) and a tag from !Ref are left out with a note', async () => {
    const r = run(['local', 'up', join(FIXTURES, 'tam-global-tables.yaml'), '--endpoint', ddb.endpoint]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '  Table -> my-table-tam-global-tables: created\n    keys id hash N, title range S\n    on demand; stream NEW_AND_OLD_IMAGES; no TTL\n' +
        '    GSI TitleIndex: title hash S, age range N; INCLUDE (id)\n' +
        '    note: SSESpecification.KMSMasterKeyId is !GetAtt PrimaryKey.Arn, unknown locally: left out\n' +
        '      (DynamoDB Local does not encrypt)\n' +
        '    note: Tags[2] (KeyId) is !Ref PrimaryKey, unknown locally: left out (DynamoDB Local has no tags)\n',
    );
    expect(r.stdout).toContain('  replicas (1 resource): DynamoDB Local has a single region and no global tables\n');
    expect((await describeTable('my-table-tam-global-tables')).GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['TitleIndex']);
  });

  it("s3-import: the bucket from !Ref is left out; --seed reads the CSV with the table's ';' delimiter", async () => {
    const seed = join(dir, 'seed-ok');
    mkdirSync(seed);
    copyFileSync(join(FIXTURES, 'seed-s3-import', 'ImportCsvTable.csv'), join(seed, 'ImportCsvTable.csv'));
    // The JSON sample with one item per line, as the error below tells users to convert it.
    writeFileSync(join(seed, 'import-json.json'), '{"Item":{"id":{"N":"01"},"title":{"S":"example1"}}}\n{"Item":{"id":{"N":"02"},"title":{"S":"example2"}}}\n');
    const r = run(['local', 'up', join(FIXTURES, 'tam-s3-import.yaml'), '--endpoint', ddb.endpoint, '--seed', seed]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    note: ImportSourceSpecification.S3BucketSource.S3Bucket is !Ref ImportBucket, unknown locally:\n');
    expect(r.stdout).toContain(
      "seed:\n  import-csv: 2 items written from 1 file read as CSV (delimiter ';')\n  import-json: 2 items written from 1 file read as DYNAMODB_JSON\n",
    );
    const csv = (await client.send(new ScanCommand({ TableName: 'import-csv' }))).Items ?? [];
    expect(csv.map((i) => [i.id.N, i.title.S]).sort()).toEqual([
      ['2', 'csv'],
      ['3', 'csvtest'],
    ]);
  });

  it('s3-import: the sample JSON, one item over several lines, gets an error naming the one-item-per-line rule and jq', () => {
    const r = run(['local', 'up', join(FIXTURES, 'tam-s3-import.yaml'), '--endpoint', ddb.endpoint, '--seed', join(FIXTURES, 'seed-s3-import')]);
    expect(r.code).toBe(1);
    const flat = r.stdout.replace(/\n {4}/g, ' ');
    expect(flat).toContain(
      'import-json: FAILED after 0 items from 1 file read as DYNAMODB_JSON: ' +
        `${join(FIXTURES, 'seed-s3-import', 'ImportJsonTable.json')}: DynamoDB JSON needs one {"Item": ...} per line (as DynamoDB ImportTable reads it), ` +
        'but its first item spans lines 1-5. Convert it to one item per line, for example with jq: ' +
        'jq -c . ImportJsonTable.json > ImportJsonTable.json.tmp && mv ImportJsonTable.json.tmp ImportJsonTable.json',
    );
  });
});

describe('the Transform warning', () => {
  const arc =
    'Resources:\n  T:\n    Type: Arc::DynamoDB::Table\n    Properties: { TableName: no-transform, HashKey: pk, Attributes: [{ Name: pk, Type: S }] }\n';
  const native =
    'Resources:\n  N:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: native-only\n      BillingMode: PAY_PER_REQUEST\n' +
    '      AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }]\n      KeySchema: [{ AttributeName: pk, KeyType: HASH }]\n';

  it('is the same line in local up as in expand for a template with Arc tables and no Transform', () => {
    const warning = "warning: no-transform.yaml does not declare 'Transform: ArcDynamoDb'; CloudFormation will not expand its Arc resources\n";
    file('no-transform.yaml', arc);
    expect(run(['expand', 'no-transform.yaml']).stderr).toBe(warning);
    const r = run(['local', 'up', 'no-transform.yaml', '--endpoint', ddb.endpoint]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(warning);
  });

  it('is not printed for a template without Arc tables', () => {
    file('native.yaml', native);
    expect(run(['expand', 'native.yaml'])).toMatchObject({ code: 0, stderr: '' });
    const r = run(['local', 'up', 'native.yaml', '--endpoint', ddb.endpoint]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('  N -> native-only: created\n');
  });
});

describe('the Try: hint', () => {
  it('names a region and dummy credentials, and works without any AWS configuration', () => {
    const r = run(['local', 'up', join(dir, 'native.yaml'), '--endpoint', ddb.endpoint]);
    const hint = r.stdout.slice(r.stdout.indexOf('Try: ') + 'Try: '.length);
    expect(hint).toBe(`AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\\n  aws dynamodb list-tables --region us-east-1 --endpoint-url ${ddb.endpoint}\n`);
    const aws = spawnSync('aws', ['--version'], { encoding: 'utf8', env: env() });
    if (aws.status !== 0) return; // no AWS CLI on this machine: the form above is what can be checked
    const listed = spawnSync('sh', ['-c', hint], { encoding: 'utf8', env: env(), cwd: dir });
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout).TableNames).toContain('native-only');
  });
});

describe('load --file reads what users have', () => {
  beforeAll(async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'load-target',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
  });
  const load = (...args: string[]) => run(['load', '--table', 'load-target', '--endpoint', ddb.endpoint, ...args]);

  it('picks CSV and GZIP from the extension, says so, and honours --delimiter and --header; counts in English', async () => {
    const gz = spawnSync('gzip', ['-c'], { input: '7;seven\n8;eight\n' }).stdout;
    writeFileSync(join(dir, 'rows.csv.gz'), gz);
    const r = load('--file', 'rows.csv.gz', '--delimiter', ';', '--header', 'id,name');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Loaded rows\.csv\.gz into load-target: 2 items written, 0 skipped, 0 rejected; 1 file, 16 B in /);
    expect(r.stderr.split('\n')[0]).toBe("reading rows.csv.gz as CSV (delimiter ';', header id,name), GZIP: chosen from the file extension");
    const seven = await client.send(new GetItemCommand({ TableName: 'load-target', Key: { id: { N: '7' } } }));
    expect(seven.Item).toEqual({ id: { N: '7' }, name: { S: 'seven' } });

    file('one.jsonl', '{"Item":{"id":{"N":"9"}}}\n');
    const one = load('--file', 'one.jsonl');
    expect(one.stderr.split('\n')[0]).toBe('reading one.jsonl as DYNAMODB_JSON: chosen from the file extension');
    expect(one.stdout).toMatch(/: 1 item written, 0 skipped, 0 rejected; 1 file, /);
  });

  it('refuses a DynamoDB JSON file with an item over several lines, naming the rule and a conversion', () => {
    copyFileSync(join(FIXTURES, 'seed-s3-import', 'ImportJsonTable.json'), join(dir, 'sample.json'));
    const r = load('--file', 'sample.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'reading sample.json as DYNAMODB_JSON: chosen from the file extension\n' +
        'arc-dynamodb load: sample.json: DynamoDB JSON needs one {"Item": ...} per line (as DynamoDB ImportTable reads it), but its first item ' +
        'spans lines 1-5. Convert it to one item per line, for example with jq:\njq -c . sample.json > sample.json.tmp && mv sample.json.tmp sample.json\n',
    );
    const fixed = spawnSync('sh', ['-c', 'jq -c . sample.json > sample.json.tmp && mv sample.json.tmp sample.json'], { cwd: dir });
    if (fixed.status === 0) expect(load('--file', 'sample.json').code).toBe(0); // jq is not everywhere
  });

  it('redraws the progress bar in place within an 80-column terminal (a pty from script(1))', () => {
    // Every third line is rejected, so the bar carries a reject count: unshortened it would be
    // "[24 columns] 100%  6,000 items  N items/s  ETA 0:00  2,000 rejected", 85 columns or more.
    const lines = Array.from({ length: 6000 }, (_, i) => (i % 3 === 2 ? 'not json' : `{"Item":{"id":{"N":"${1000 + i}"},"pad":{"S":"${'x'.repeat(40)}"}}}`));
    file('many.jsonl', `${lines.join('\n')}\n`);
    const load = `${process.execPath} ${bin} load --table load-target --endpoint ${ddb.endpoint} --file many.jsonl --max-rejected 100000`;
    const r = spawnSync('script', ['-qfec', `stty cols 80 rows 24; exec ${load}`, '/dev/null'], {
      cwd: dir,
      encoding: 'utf8',
      env: env({ ARC_DYNAMODB_PROGRESS_MS: '0', TERM: 'xterm' }),
    });
    expect(r.status).toBe(0);
    const out = r.stdout.replace(/\r\n/g, '\n');
    // What follows each "return to column 0 and clear the line": a bar, a reject line, or (last) the summary.
    const redraws = out.split('\r\x1b[K').slice(1);
    const bars = redraws.filter((d) => d.startsWith('['));
    expect(bars.length).toBeGreaterThan(2);
    for (const bar of bars) {
      expect(bar).toMatch(/^\[[#-]+\] +\d+% {2}[\d,]+ items.* {2}[\d,]+ rejected$/);
      expect(bar.length).toBeLessThanOrEqual(79); // the 80th column would wrap, and \r would redraw only the wrapped part
    }
    expect(bars[bars.length - 1]).toMatch(/ {2}2,000 rejected$/);
    expect(out).toMatch(/Loaded many\.jsonl into load-target: 4,000 items written, 0 skipped, 2,000 rejected; 1 file, /);
  });
});

describe('local up starts, shares and pins its own DynamoDB Local', () => {
  it('says so when java is missing, with this start only', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'arc-nojava-'));
    try {
      mkdirSync(join(cwd, '.arc-dynamodb'));
      writeFileSync(join(cwd, '.arc-dynamodb', 'dynamodb-local.log'), 'LOG OF AN EARLIER START\n');
      const none = run(['local', 'up', join(root, 'templates', 'examples', 'basic.yaml')], cwd, { PATH: join(cwd, 'no-bin') });
      expect(none).toEqual({ code: 1, stdout: '', stderr: `arc-dynamodb local up: ${JAVA_MISSING}\n` });

      // A java that cannot run DynamoDB Local: its own words, not the earlier log.
      mkdirSync(join(cwd, 'old-java'));
      writeFileSync(join(cwd, 'old-java', 'java'), '#!/bin/sh\necho "UnsupportedClassVersionError: class file version 61.0" >&2\nexit 1\n');
      chmodSync(join(cwd, 'old-java', 'java'), 0o755);
      writeFileSync(join(cwd, '.arc-dynamodb', 'dynamodb-local.log'), 'LOG OF AN EARLIER START\n');
      const old = run(['local', 'up', join(root, 'templates', 'examples', 'basic.yaml')], cwd, { PATH: `${join(cwd, 'old-java')}:/usr/bin:/bin` });
      expect(old).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'arc-dynamodb local up: DynamoDB Local exited during start-up (it needs Java 17 or later on PATH):\n' +
          'UnsupportedClassVersionError: class file version 61.0\n',
      });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('two concurrent local up in one folder start one DynamoDB Local; --port keeps the endpoint across down and up', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'arc-lock-'));
    const port = await freePort();
    const data = join(cwd, 'data');
    const args = ['local', 'up', join(root, 'templates', 'examples', 'basic.yaml'), '--port', String(port), '--db-path', 'data'];
    try {
      const [a, b] = await Promise.all([runAsync(args, cwd), runAsync(args, cwd)]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const how = [a, b].map((r) => /^DynamoDB Local: (\S+) \((started|reused),/.exec(r.stdout)?.slice(1));
      expect(how.map((h) => h?.[1]).sort()).toEqual(['reused', 'started']);
      expect(how.map((h) => h?.[0])).toEqual([`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}`]);
      expect(jvmsWith(data)).toHaveLength(1);
      const state = JSON.parse(readFileSync(join(cwd, '.arc-dynamodb', 'local.json'), 'utf8'));
      expect(state).toMatchObject({ port, endpoint: `http://127.0.0.1:${port}`, dbPath: data });

      // Another port while it runs is refused; after down, the same port again.
      const other = run([...args.slice(0, 3), '--port', String(port + 1), '--db-path', 'data'], cwd);
      expect(other.code).toBe(1);
      expect(other.stderr).toContain(`run 'npx arc-dynamodb local down' first to change --port`);
      expect(run(['local', 'down'], cwd).code).toBe(0);
      expect(jvmsWith(data)).toHaveLength(0);
      const again = run(args, cwd);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^DynamoDB Local: http://127\\.0\\.0\\.1:${port} \\(started, data in `));
      expect(again.stdout).toContain('  ApplicationTable -> my-application-table: unchanged\n');
    } finally {
      run(['local', 'down'], cwd);
      expect(jvmsWith(data)).toHaveLength(0);
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses a --port that another process listens on, and starts nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'arc-busy-'));
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = run(['local', 'up', join(root, 'templates', 'examples', 'basic.yaml'), '--port', String(port)], cwd);
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: `arc-dynamodb local up: --port ${port}: another process listens on 127.0.0.1:${port}; stop it, or pick another port\n`,
      });
      expect(run(['local', 'up', 'x.yaml', '--port', '0'], cwd).code).toBe(2);
      expect(run(['local', 'up', 'x.yaml', '--port', String(port), '--endpoint', ddb.endpoint], cwd).code).toBe(2);
    } finally {
      busy.close();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('the docs say what the code does', () => {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');

  it("README's cfn-lint row gives both --registry-schemas and --append-rules, and the sourcefuse replica field", () => {
    const readme = read('README.md');
    const row = readme.split('\n').find((l) => l.startsWith("| `E3006 Resource type 'Arc::DynamoDB::Table' does not exist`"));
    expect(row).toContain('--registry-schemas schema/registry/ --append-rules schema/registry/cfn-lint-rules/');
    const replicas = readme.split('\n').find((l) => l.startsWith('| `replica_regions['));
    expect(replicas).toContain('point_in_time_recovery_enabled=true');
  });

  it("docs/cli.md's CI loop validates the templates in subfolders, and fails on a bad one", () => {
    const loop = /```sh\n# every template[^\n]*\n([^\n]+)\n/.exec(read('docs/cli.md'))?.[1];
    expect(loop).toBeDefined();
    const ci = mkdtempSync(join(tmpdir(), 'arc-ci-'));
    try {
      mkdirSync(join(ci, 'templates', 'team', 'deep'), { recursive: true });
      copyFileSync(join(root, 'templates', 'examples', 'basic.yaml'), join(ci, 'templates', 'team', 'deep', 'basic.yaml'));
      const script = (loop as string).replace('npx arc-dynamodb', `${process.execPath} ${bin}`);
      const ok = spawnSync('sh', ['-c', script], { cwd: ci, encoding: 'utf8', env: env() });
      expect(ok.status).toBe(0);
      expect(ok.stdout).toBe('OK: 1 Arc table, 5 resources\n');
      writeFileSync(
        join(ci, 'templates', 'team', 'bad.yaml'),
        'Transform: ArcDynamoDb\nResources:\n  T:\n    Type: Arc::DynamoDB::Table\n    Properties: {}\n',
      );
      const bad = spawnSync('sh', ['-c', script], { cwd: ci, encoding: 'utf8', env: env() });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain('templates/team/bad.yaml: ');
    } finally {
      rmSync(ci, { recursive: true, force: true });
    }
  });

  it('docs/local.md prints for SAM resources what local up prints', () => {
    const sam = `Transform: [ArcDynamoDb, AWS::Serverless-2016-10-31]\nResources:\n  S:\n    Type: AWS::Serverless::SimpleTable\n`;
    const r = run(['local', 'up', file('sam.yaml', sam), '--endpoint', ddb.endpoint]);
    const flat = r.stdout.replace(/\n {4}/g, ' ');
    expect(flat).toContain(
      '\n  SAM resource (1 resource): the SAM transform is not run locally, so nothing is created (not even for AWS::Serverless::SimpleTable)\n',
    );
    expect(read('docs/local.md')).toContain(
      'printed as `SAM resource (N resources): the SAM transform is not run locally, so nothing is created (not even for AWS::Serverless::SimpleTable)`',
    );
  });
});
