import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../../cli/commands/local';
import type { CliIO } from '../../../cli/main';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb-local';
import { isOurServer } from '../../../local/server';
import { readState, statePath } from '../../../local/state';

const ROOT = join(__dirname, '..', '..', '..');
const ADVANCED = join(ROOT, 'templates', 'examples', 'advanced.yaml');

async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const io: CliIO = { stdout: out, stderr: err, cwd, env: { AWS_REGION: 'us-east-1', ...env } };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

const localClient = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'OtherKey', secretAccessKey: 'x' } });

function template(dir: string, name: string, gsis: string[], extra = ''): string {
  const file = join(dir, name);
  const attrs = ['pk', ...gsis.map((g) => `${g}Key`)].map((a) => `        - { Name: ${a}, Type: S }`).join('\n');
  const indexes = gsis.length === 0 ? '' : `      GlobalSecondaryIndexes:\n${gsis.map((g) => `        - { Name: ${g}, HashKey: ${g}Key }`).join('\n')}\n`;
  writeFileSync(
    file,
    `AWSTemplateFormatVersion: '2010-09-09'
Transform: ArcDynamoDb
Parameters:
  Env: { Type: String, Default: dev }
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      TableName: !Sub 'orders-\${Env}'
      HashKey: pk
      Attributes:
${attrs}
${indexes}${extra}`,
  );
  return file;
}

describe('arc-dynamodb local up/down with the DynamoDB Local it starts', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'arc-local-'));
  afterAll(async () => {
    await cli(['down'], cwd); // never leave a JVM behind, even when a test failed
  });

  it('brings up the advanced example: creates the table with its GSI, stream and TTL and lists what has no local meaning', async () => {
    const r = await cli(['up', ADVANCED], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const state = readState(cwd)!;
    expect(state).toMatchObject({ endpoint: `http://127.0.0.1:${state.port}` });
    expect(isOurServer(state)).toBe(true);
    expect(r.stdout).toContain(`DynamoDB Local: ${state.endpoint} (started, in memory)\n  stop it with 'npx arc-dynamodb local down' (or npm stop)\n`);
    expect(r.stdout).toContain(
      'tables (as DynamoDB Local describes them):\n  UserSessionsTable -> user-sessions: created\n    keys userId hash S, sessionId range S\n' +
        '    provisioned 10/10; stream NEW_AND_OLD_IMAGES; TTL expires\n    GSI LastActivityIndex: lastActivity hash N; ALL; 5/5\n' +
        '    note: point-in-time recovery: not supported by DynamoDB Local, skipped\n',
    );
    expect(r.stdout).toContain(
      'skipped, no local meaning (--verbose lists them):\n  autoscaling (4 resources): DynamoDB Local has no capacity to scale\n' +
        '  alarm (8 resources): there is no CloudWatch locally\n',
    );
    expect(r.stdout).toMatch(/\n1 table ready, 12 resources skipped \(no local meaning\)\.\nTry: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\\n/);
    expect(r.stdout).toMatch(/\n {2}aws dynamodb list-tables --region us-east-1 --endpoint-url http:\/\/127\.0\.0\.1:\d+\n$/);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);

    // -sharedDb: any client key sees the tables.
    const client = localClient(state.endpoint);
    const t = (await client.send(new DescribeTableCommand({ TableName: 'user-sessions' }))).Table!;
    expect(t.KeySchema).toEqual([
      { AttributeName: 'userId', KeyType: 'HASH' },
      { AttributeName: 'sessionId', KeyType: 'RANGE' },
    ]);
    expect(t.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus])).toEqual([['LastActivityIndex', 'ACTIVE']]);
    expect(t.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: 'user-sessions' }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expires',
    });
    client.destroy();
  });

  it('re-running up reuses the running server and changes nothing', async () => {
    const before = readState(cwd)!;
    const r = await cli(['up', ADVANCED], cwd);
    expect(r.code).toBe(0);
    expect(readState(cwd)).toEqual(before);
    expect(r.stdout).toContain(`DynamoDB Local: ${before.endpoint} (reused, in memory)\n`);
    expect(r.stdout).toContain('  UserSessionsTable -> user-sessions: unchanged\n');
  });

  it('down stops the server it started and clears the state; a second down says nothing runs', async () => {
    const state = readState(cwd)!;
    const r = await cli(['down'], cwd);
    expect(r).toEqual({ code: 0, stdout: `stopped DynamoDB Local (pid ${state.pid}, ${state.endpoint})\n`, stderr: '' });
    expect(isOurServer(state)).toBe(false);
    expect(existsSync(statePath(cwd))).toBe(false);
    await expect(fetch(state.endpoint)).rejects.toThrow();
    expect(await cli(['down'], cwd)).toEqual({ code: 0, stdout: 'no DynamoDB Local started from this folder is running\n', stderr: '' });
  });

  it('keeps data across down and up with --db-path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arc-local-db-'));
    const file = template(dir, 'orders.yaml', []);
    try {
      expect((await cli(['up', file, '--db-path', 'data'], dir)).code).toBe(0);
      const first = readState(dir)!;
      expect(first.dbPath).toBe(join(dir, 'data'));
      const c1 = localClient(first.endpoint);
      await c1.send(new PutItemCommand({ TableName: 'orders-dev', Item: { pk: { S: 'kept' } } }));
      c1.destroy();
      expect((await cli(['down'], dir)).code).toBe(0);

      const again = await cli(['up', file, '--db-path', 'data'], dir);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('  Orders -> orders-dev: unchanged\n');
      const c2 = localClient(readState(dir)!.endpoint);
      expect((await c2.send(new GetItemCommand({ TableName: 'orders-dev', Key: { pk: { S: 'kept' } } }))).Item).toEqual({ pk: { S: 'kept' } });
      c2.destroy();
    } finally {
      await cli(['down'], dir);
    }
  });
});

describe('arc-dynamodb local up against a given endpoint', () => {
  let ddb: DynamoDbLocal;
  let client: DynamoDBClient;
  const dir = mkdtempSync(join(tmpdir(), 'arc-local-ext-'));
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
    client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    client?.destroy();
    await ddb?.stop();
  });
  const up = (file: string, ...args: string[]) => cli(['up', file, '--endpoint', ddb.endpoint, ...args], dir);

  it('starts nothing and writes no state when --endpoint is given', async () => {
    const r = await up(template(dir, 'one.yaml', ['byStatus']));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`DynamoDB Local: ${ddb.endpoint} (given endpoint)`);
    expect(r.stdout).toContain('  Orders -> orders-dev: created\n');
    expect(existsSync(statePath(dir))).toBe(false);
  });

  it('adds GSIs that the template gained, one at a time, on an existing table', async () => {
    const r = await up(template(dir, 'three.yaml', ['byStatus', 'byEmail', 'byDay']));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  Orders -> orders-dev: updated\n');
    expect(r.stdout).toContain('    changed: added index byEmail\n    changed: added index byDay\n');
    const t = (await client.send(new DescribeTableCommand({ TableName: 'orders-dev' }))).Table!;
    expect(t.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(['byDay', 'byEmail', 'byStatus']);
  });

  it('uses --param values in table names', async () => {
    const r = await up(join(dir, 'one.yaml'), '--param', 'Env=test');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  Orders -> orders-test: created\n');
  });

  it('leaves a table that exists with another key schema as it is, names both, exits 1, and drops nothing', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'orders-clash',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await client.send(new PutItemCommand({ TableName: 'orders-clash', Item: { id: { N: '7' } } }));
    const r = await up(join(dir, 'three.yaml'), '--param', 'Env=clash');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '  Orders -> orders-clash: left as it is\n    keys id hash N\n    on demand; no stream; no TTL\n' +
        "    DRIFT: key schema is id hash N, the template wants pk hash S: DynamoDB cannot change a table's\n" +
        '      keys and local up never drops a table; delete it yourself, or give the resource another\n      TableName\n',
    );
    expect(r.stdout).toContain('\n0 tables ready, 4 resources skipped (no local meaning), 1 table with drift.\n');
    expect(r.stderr).toBe(
      'arc-dynamodb local up: 1 difference between the template and the local tables (Orders) could not be applied (DRIFT above); ' +
        'fix it, or pass --allow-drift to accept it\n',
    );
    const t = (await client.send(new DescribeTableCommand({ TableName: 'orders-clash' }))).Table!;
    expect(t.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(t.GlobalSecondaryIndexes).toBeUndefined();
    expect((await client.send(new ScanCommand({ TableName: 'orders-clash' }))).Items).toEqual([{ id: { N: '7' } }]);
  });

  it('seeds tables from --seed files named after the logical ID, with the provider loader', async () => {
    const seed = join(dir, 'seed');
    mkdirSync(seed, { recursive: true });
    writeFileSync(
      join(seed, 'Orders.json'),
      ['{"Item":{"pk":{"S":"o#1"},"byStatusKey":{"S":"NEW"}}}', '{"Item":{"pk":{"S":"o#2"},"byStatusKey":{"S":"PAID"}}}', ''].join('\n'),
    );
    writeFileSync(join(seed, 'Unknown.json'), '{"Item":{"pk":{"S":"x"}}}\n');
    const r = await up(join(dir, 'one.yaml'), '--param', 'Env=seeded', '--seed', seed);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'seed:\n  orders-seeded: 2 items written from 1 file read as DYNAMODB_JSON\n' +
        '  ignored Unknown.json: its name matches no table, or its format is not .json, .jsonl, .csv or .ion\n',
    );
    const items = (await client.send(new ScanCommand({ TableName: 'orders-seeded' }))).Items ?? [];
    expect(items.map((i) => i.pk.S).sort()).toEqual(['o#1', 'o#2']);
  });
});

describe('arc-dynamodb local up brings up every example template', () => {
  let ddb: DynamoDbLocal;
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
  });
  afterAll(async () => {
    await ddb?.stop();
  });

  it.each(readdirSync(join(ROOT, 'templates', 'examples')).filter((f) => f.endsWith('.yaml')))('%s', async (file) => {
    const dir = mkdtempSync(join(tmpdir(), 'arc-local-ex-'));
    const r = await cli(['up', join(ROOT, 'templates', 'examples', file), '--endpoint', ddb.endpoint], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n {2}\w+ -> [a-z-]+: created\n/);
    if (file === 'global.yaml') expect(r.stdout).toContain('  replicas (1 resource): DynamoDB Local has a single region and no global tables\n');
    if (file === 'import.yaml') expect(r.stdout).toContain('    note: import from S3: DynamoDB Local cannot import; created empty, seed it with --seed\n');
  });
});

describe('arc-dynamodb local: bad input gets one clear line and no server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arc-local-bad-'));

  it('rejects an unknown subcommand and a missing template as usage errors', async () => {
    expect(await cli(['start'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: "arc-dynamodb local: unknown subcommand 'start' (expected 'up' or 'down')\nRun 'npx arc-dynamodb local --help' for usage.\n",
    });
    expect(await cli(['up'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: "arc-dynamodb local: local up needs a template file\nRun 'npx arc-dynamodb local --help' for usage.\n",
    });
  });

  it('names a missing template file', async () => {
    expect(await cli(['up', 'nope.yaml'], dir)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'arc-dynamodb local up: nope.yaml: cannot read nope.yaml: no such file\n',
    });
  });

  it('names a parameter that has no Default and no --param', async () => {
    const file = join(dir, 'needs.yaml');
    writeFileSync(
      file,
      'Transform: ArcDynamoDb\nParameters:\n  Env: { Type: String }\nResources:\n  T:\n    Type: Arc::DynamoDB::Table\n    Properties: { TableName: ' +
        '!Ref Env, HashKey: pk, Attributes: [{ Name: pk, Type: S }] }\n',
    );
    expect(await cli(['up', file], dir)).toEqual({
      code: 1,
      stdout: '',
      stderr: `arc-dynamodb local up: ${file}: Parameters: Env has no Default: pass --param Env=VALUE\n`,
    });
  });

  it('reports the macro error for a bad Arc property with its logical ID, and starts nothing', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'Transform: ArcDynamoDb\nResources:\n  Broken:\n    Type: Arc::DynamoDB::Table\n    Properties: { HashKey: pk, Attributes: [{ Name: pk, Type: X }] }\n',
    );
    const r = await cli(['up', file], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^.*bad\.yaml: .*\n- \[Broken\] Attributes\[0\]\.Type: /);
    expect(existsSync(statePath(dir))).toBe(false);
  });
});

describe('npm start (the built bin: local up templates/examples/advanced.yaml)', () => {
  it('brings the advanced example up through bin/arc-dynamodb.js and down again', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'arc-npm-start-'));
    const bin = join(ROOT, 'bin', 'arc-dynamodb.js');
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    try {
      const r = spawnSync(process.execPath, [bin, 'local', 'up', ADVANCED], { cwd, encoding: 'utf8', env });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('  UserSessionsTable -> user-sessions: created\n');
    } finally {
      const d = spawnSync(process.execPath, [bin, 'local', 'down'], { cwd, encoding: 'utf8', env });
      expect(d.stdout).toMatch(/^stopped DynamoDB Local \(pid \d+, http:\/\/127\.0\.0\.1:\d+\)\n$/);
    }
  });
});
