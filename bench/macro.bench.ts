/**
 * The macro's speed, beside baselines measured in the same run (issue 2, "Speed"):
 *   1. expansion time for 1, 10 and 100 tables (each with 2 GSIs, autoscaling and a stream),
 *      beside JSON.parse(JSON.stringify(output)): the work the Lambda runtime does on the
 *      response anyway, so the physical floor. Target: 100 tables <= 2x the floor.
 *   2. the size of the esbuild bundle dist/macro/index.js (target < 150 KB), and proof that no AWS
 *      SDK module is bundled (from esbuild's metafile, and by scanning the bundle's text).
 *   3. cold start: median wall time of a fresh `node` that loads the bundle and answers one event,
 *      against a bare `node -e ''` (target: added < 25 ms).
 * Run with `npm run bench` (it builds first) or `node bench/run.mjs macro`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { expandTemplate } from '../macro/expand';

const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'macro', 'index.js');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

function arcTable(i: number): Record<string, unknown> {
  const scaling = { MaxCapacity: 100, MinCapacity: 5, TargetValue: 70 };
  return {
    Type: 'Arc::DynamoDB::Table',
    Properties: {
      TableName: `bench-table-${i}`,
      BillingMode: 'PROVISIONED',
      HashKey: 'pk',
      RangeKey: 'sk',
      Attributes: [
        { Name: 'pk', Type: 'S' },
        { Name: 'sk', Type: 'S' },
        { Name: 'g1pk', Type: 'S' },
        { Name: 'g2pk', Type: 'S' },
        { Name: 'g2sk', Type: 'N' },
      ],
      ReadCapacity: 5,
      WriteCapacity: 5,
      GlobalSecondaryIndexes: [
        { Name: 'by-g1', HashKey: 'g1pk', ReadCapacity: 5, WriteCapacity: 5 },
        { Name: 'by-g2', HashKey: 'g2pk', RangeKey: 'g2sk', ProjectionType: 'KEYS_ONLY', ReadCapacity: 5, WriteCapacity: 5 },
      ],
      AutoscalingEnabled: true,
      AutoscalingRead: scaling,
      AutoscalingWrite: scaling,
      GsiAutoscalingRead: { 'by-g1': scaling, 'by-g2': scaling },
      GsiAutoscalingWrite: { 'by-g1': scaling, 'by-g2': scaling },
      StreamEnabled: true,
      Tags: { team: 'bench' },
    },
  };
}

export function benchTemplate(tables: number): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < tables; i++) resources[`Table${i}`] = arcTable(i);
  return { AWSTemplateFormatVersion: '2010-09-09', Transform: 'ArcDynamoDb', Resources: resources };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` repeatedly for about `budgetMs` (at least `minRuns` times) after a warm-up; returns the median in ms. */
function timeIt(fn: () => unknown, budgetMs: number, minRuns = 15): number {
  for (let i = 0; i < 5; i++) fn();
  const samples: number[] = [];
  const end = performance.now() + budgetMs;
  while (samples.length < minRuns || performance.now() < end) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const ms = (x: number) => `${x.toFixed(3)} ms`;
let failed = false;

/**
 * The expanded output of an n-table template. 100 such tables (23 resources each, with the default
 * alarms) exceed CloudFormation's 500-resource quota, so expandTemplate answers with the limit
 * error after doing all the expansion work (parse, rules, generators, merge; only the final
 * object copy is skipped). The output it would have returned is then the union of the tables'
 * single-table expansions (logical IDs are per table), which is what the JSON floor is timed on.
 */
function outputOf(n: number): { fragment: Record<string, unknown>; overQuota: boolean } {
  const result = expandTemplate({ fragment: benchTemplate(n), templateParameterValues: {}, region: REGION, accountId: ACCOUNT });
  if (result.ok) return { fragment: result.fragment, overQuota: false };
  if (!/over CloudFormation's limit of 500/.test(result.errorMessage)) throw new Error(`the bench template does not expand: ${result.errorMessage}`);
  const resources: Record<string, unknown> = {};
  const outputs: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const one = expandTemplate({
      fragment: { ...benchTemplate(0), Resources: { [`Table${i}`]: arcTable(i) } },
      templateParameterValues: {},
      region: REGION,
      accountId: ACCOUNT,
    });
    if (!one.ok) throw new Error(`table ${i} does not expand: ${one.errorMessage}`);
    Object.assign(resources, one.fragment.Resources);
    Object.assign(outputs, one.fragment.Outputs ?? {});
  }
  const { Transform: _t, ...rest } = benchTemplate(0);
  return { fragment: { ...rest, Resources: resources, ...(Object.keys(outputs).length ? { Outputs: outputs } : {}) }, overQuota: true };
}

function expansion(): void {
  console.log('\n-- expansion (median) vs JSON.parse(JSON.stringify(output)) of the same output');
  console.log(`${'tables'.padStart(6)}  ${'resources'.padStart(9)}  ${'output KB'.padStart(9)}  ${'expand'.padStart(12)}  ${'JSON floor'.padStart(12)}  ratio`);
  for (const n of [1, 10, 100]) {
    const input = { fragment: benchTemplate(n), templateParameterValues: {}, region: REGION, accountId: ACCOUNT };
    const { fragment: out, overQuota } = outputOf(n);
    const text = JSON.stringify(out);
    const budget = n === 100 ? 3000 : 1000;
    const tExpand = timeIt(() => expandTemplate(input), budget);
    const tJson = timeIt(() => JSON.parse(JSON.stringify(out)), budget);
    const ratio = tExpand / tJson;
    const resources = Object.keys(out.Resources as object).length;
    let line =
      `${String(n).padStart(6)}  ${String(resources).padStart(9)}  ${(text.length / 1024).toFixed(1).padStart(9)}  ` +
      `${ms(tExpand).padStart(12)}  ${ms(tJson).padStart(12)}  ${ratio.toFixed(2)}x`;
    if (n === 100) {
      line += `   target <= 2.00x  ${verdict(ratio <= 2)}`;
      if (ratio > 2) failed = true;
    }
    console.log(line);
    if (overQuota)
      console.log(
        `        (${resources} resources exceed CloudFormation's 500-resource quota: the macro does the whole expansion, then returns the limit error)`,
      );
  }
}

async function bundleSize(): Promise<void> {
  console.log('\n-- bundle dist/macro/index.js');
  if (!existsSync(bundle)) {
    console.log('dist/macro/index.js is missing: run `npm run build` first   FAIL');
    failed = true;
    return;
  }
  const size = statSync(bundle).size;
  console.log(`size: ${(size / 1024).toFixed(1)} KB   target < 150 KB  ${verdict(size < 150 * 1024)}`);
  if (size >= 150 * 1024) failed = true;

  // Which modules esbuild pulls in, with the same options as scripts/build.mjs (not written to disk).
  const meta = await build({
    absWorkingDir: root,
    entryPoints: ['macro/handler.ts'],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(meta.metafile.inputs);
  const sdk = inputs.filter((p) => /node_modules\/(@aws-sdk|@smithy|aws-sdk)\//.test(p));
  const packages = [...new Set(inputs.filter((p) => p.includes('node_modules/')).map((p) => p.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')))];
  console.log(`bundled npm packages: ${packages.length ? packages.join(', ') : '(none)'}`);
  const text = readFileSync(bundle, 'utf8');
  const markers = ['@aws-sdk/', '@smithy/', 'x-amz-user-agent', 'DynamoDBClient'].filter((m) => text.includes(m));
  const noSdk = sdk.length === 0 && markers.length === 0;
  console.log(`AWS SDK in bundle: ${noSdk ? 'none' : [...sdk, ...markers].join(', ')}   target none  ${verdict(noSdk)}`);
  if (!noSdk) failed = true;
}

function coldStart(): void {
  console.log('\n-- cold start: fresh node process, median wall time');
  if (!existsSync(bundle)) return;
  const event = {
    requestId: 'bench-1',
    accountId: ACCOUNT,
    region: REGION,
    transformId: `${ACCOUNT}::ArcDynamoDb`,
    params: {},
    templateParameterValues: {},
    fragment: benchTemplate(1),
  };
  // The child reports its own split (load = require of the bundle, invoke = the first handler call) on stderr.
  const script =
    `const t0 = process.hrtime.bigint(); const m = require(${JSON.stringify(bundle)}); const t1 = process.hrtime.bigint();` +
    `m.handler(${JSON.stringify(event)}).then((r) => { const t2 = process.hrtime.bigint();` +
    ` if (r.status !== 'success') { console.error(r.errorMessage); process.exit(1); }` +
    ` process.stderr.write(JSON.stringify({ load: Number(t1 - t0) / 1e6, invoke: Number(t2 - t1) / 1e6 })); })`;
  const runs = 15;
  const bare: number[] = [];
  const loaded: number[] = [];
  const load: number[] = [];
  const invoke: number[] = [];
  const run = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    const t = performance.now() - t0;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
    return { t, stderr: r.stderr };
  };
  run(['-e', '']); // warm the file cache
  run(['-e', script]);
  // Interleaved, so machine noise hits both series alike.
  for (let i = 0; i < runs; i++) {
    bare.push(run(['-e', '']).t);
    const r = run(['-e', script]);
    loaded.push(r.t);
    const split = JSON.parse(r.stderr) as { load: number; invoke: number };
    load.push(split.load);
    invoke.push(split.invoke);
  }
  const added = median(loaded) - median(bare);
  console.log(`bare node -e '':           ${ms(median(bare))}  (${runs} runs)`);
  console.log(
    `load bundle + one event:   ${ms(median(loaded))}  (${runs} runs; inside it: require ${ms(median(load))}, first invocation ${ms(median(invoke))})`,
  );
  console.log(`added cold start:          ${ms(added)}   target < 25 ms  ${verdict(added < 25)}`);
  if (added >= 25) failed = true;
}

async function main(): Promise<void> {
  expansion();
  await bundleSize();
  coldStart();
  console.log(failed ? '\nmacro bench: some targets FAILED' : '\nmacro bench: all targets PASS');
  process.exitCode = failed ? 1 : 0;
}

main().catch((e: Error) => {
  console.error(`macro bench: ${e.message}`);
  process.exitCode = 1;
});
