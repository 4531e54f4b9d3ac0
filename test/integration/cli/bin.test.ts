/**
 * The CLI as users run it: `node bin/arc-dynamodb.js ...` in a real process, on a bundle built
 * from the current sources with the same esbuild options as scripts/build.mjs (into a temporary
 * folder, so builds running in parallel never race with this test).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(__dirname, '..', '..', '..');
let dir: string;
let bin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arc-bin-'));
  mkdirSync(join(dir, 'bin'));
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
  writeFileSync(
    join(dir, 'orders.yaml'),
    `Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      TableName: !Sub '\${AWS::StackName}-orders'
      HashKey: pk
      Attributes: [{ Name: pk, Type: S }]
`,
  );
  writeFileSync(
    join(dir, 'bad.yaml'),
    'Transform: ArcDynamoDb\nResources:\n  Orders:\n    Type: Arc::DynamoDB::Table\n    Properties:\n      HashKey: pk\n      Attributes: [{ Name: ' +
      'pk, Type: S }]\n      ReadCapacity: 5\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  // External packages (yaml, ajv) resolve from the repository's node_modules, as after `npm ci`.
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(root, 'node_modules') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('expand prints the native template and exits 0', () => {
  const r = run('expand', 'orders.yaml');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.Resources.Orders.Type).toBe('AWS::DynamoDB::Table');
  expect(out.Resources.Orders.Properties.TableName).toEqual({ 'Fn::Sub': '${AWS::StackName}-orders' });
});

test('validate reports errors on stderr with exit code 1, without a stack trace', () => {
  const r = run('validate', 'bad.yaml');
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^bad\.yaml: 1 error\(s\) in Arc::DynamoDB::Table resources:\n- \[Orders\] ReadCapacity: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

test('a missing file is one line with exit code 1', () => {
  expect(run('expand', 'nope.yaml')).toEqual({ code: 1, stdout: '', stderr: 'arc-dynamodb expand: cannot read nope.yaml: no such file\n' });
});

test('usage errors exit 2 and --help exits 0', () => {
  expect(run('expand').code).toBe(2);
  expect(run().code).toBe(2);
  const help = run('--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^usage: arc-dynamodb <command>/);
});

test('without a build, the launcher says how to make one', () => {
  const bare = mkdtempSync(join(tmpdir(), 'arc-nobuild-'));
  try {
    mkdirSync(join(bare, 'bin'));
    copyFileSync(bin, join(bare, 'bin', 'arc-dynamodb.js'));
    const r = spawnSync(process.execPath, [join(bare, 'bin', 'arc-dynamodb.js'), '--help'], { encoding: 'utf8' });
    expect({ code: r.status, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: 'arc-dynamodb: dist/cli.js is missing; run `npm run build` (npm ci runs it for you)\n',
    });
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

test('`npx arc-dynamodb --help` runs the package bin inside the repository (after `npm run build`, which `npm test` runs first)', () => {
  const r = spawnSync('npx', ['--no-install', 'arc-dynamodb', '--help'], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^usage: arc-dynamodb <command> \[options\]\n\ncommands:\n {2}expand /);
});
