/**
 * The replicas reconcile's cost per step, against the replica simulator's own operation time
 * (issue 3, "A benchmark"), with a fixed-interval poller as the baseline in the same run.
 *
 * For each replica create: the simulator keeps the replica CREATING for D ms (its operation
 * time); the provider's waiting overhead is how long after the replica became ACTIVE the provider
 * noticed (its next DescribeTable), and its polling cost is the DescribeTable calls made while
 * waiting. Target: overhead at most one poll interval per step, with backoff on polling.
 * Poll intervals are scaled down from production (2 s doubling to 15 s) by 8: 250 ms to 2 s.
 * Run with `npm run bench` or `node bench/run.mjs replicas`.
 */
import { OWNER_TAG_KEY } from '../contract/resources';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { makeReplicasHandler, type PollOptions } from '../provider/replicas/handler';
import type { ResourceHandler } from '../provider/types';
import { startCfnHarness } from '../test/support/cfn-harness';
import { startMoto } from '../test/support/moto';
import { startReplicaSimulator, type ReplicaSimulator } from '../test/support/replica-simulator';

const HOME = 'us-east-1';
const REGIONS = ['eu-west-1', 'ap-southeast-2', 'ca-central-1'];
const RUNS = 4;
const OPERATION_MS = 1500;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface StepFigures {
  operationMs: number;
  overheadMs: number;
  pollsWhileWaiting: number;
}

async function scenario(sim: ReplicaSimulator, poll: PollOptions, label: string) {
  const cfn = await startCfnHarness({
    endpoint: sim.endpoint,
    homeRegion: HOME,
    invocationMs: 60_000,
    poll,
    handlers: [makeReplicasHandler(poll) as ResourceHandler<unknown>],
  });
  const steps: StepFigures[] = [];
  const callsPerRequest: number[] = [];
  const requestMs: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const stack = cfn.stackId(`bench-${label}`);
      const name = `bench-${label}-${run}-${process.pid}`;
      await sim.direct(HOME).send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
          Tags: [{ Key: OWNER_TAG_KEY, Value: stack }],
        }),
      );
      const mark = sim.calls.length;
      const t0 = Date.now();
      const r = await cfn.request({
        RequestType: 'Create',
        StackId: stack,
        LogicalResourceId: 'BenchReplicas',
        ResourceProperties: {
          ServiceToken: 'x',
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          Replicas: REGIONS.map((RegionName) => ({ RegionName, PointInTimeRecoveryEnabled: 'true' })),
          Tags: [],
          RetainOnDelete: 'true',
        },
      });
      requestMs.push(Date.now() - t0);
      if (r.body.Status !== 'SUCCESS') throw new Error(`bench run failed: ${r.body.Reason}`);
      const calls = sim.calls.slice(mark).filter((c) => c.table === name || c.service !== 'dynamodb');
      callsPerRequest.push(calls.length);
      for (const op of sim.operations.filter((o) => o.table === name && o.kind === 'create')) {
        const seen = calls.find((c) => c.operation === 'DescribeTable' && c.region === HOME && c.at >= op.readyAt);
        if (!seen) continue;
        steps.push({
          operationMs: op.readyAt - op.startedAt,
          overheadMs: seen.at - op.readyAt,
          pollsWhileWaiting: calls.filter((c) => c.operation === 'DescribeTable' && c.region === HOME && c.at >= op.startedAt && c.at <= seen.at).length,
        });
      }
    }
  } finally {
    await cfn.stop();
  }
  return {
    label,
    poll: `${poll.initialMs}→${poll.maxMs} ms`,
    operationMs: median(steps.map((s) => s.operationMs)),
    overheadMs: median(steps.map((s) => s.overheadMs)),
    maxOverheadMs: Math.max(...steps.map((s) => s.overheadMs)),
    pollsPerStep: median(steps.map((s) => s.pollsWhileWaiting)),
    callsPerRequest: median(callsPerRequest),
    callsPerStep: median(callsPerRequest) / REGIONS.length,
    requestMs: median(requestMs),
    steps: steps.length,
  };
}

async function main() {
  const moto = await startMoto();
  const sim = await startReplicaSimulator(moto, { replicaDelayMs: OPERATION_MS });
  try {
    const backoff = await scenario(sim, { initialMs: 250, maxMs: 2000 }, 'backoff');
    const fixed = await scenario(sim, { initialMs: 250, maxMs: 250 }, 'fixed');
    const rows = [backoff, fixed];
    process.stdout.write(
      `replica reconcile: ${RUNS} Creates x ${REGIONS.length} replicas, simulator operation time ${OPERATION_MS} ms per replica (medians)\n\n` +
        'poller                 | sim op ms | overhead ms (max) | polls/step | AWS calls/request | calls/replica | request ms\n' +
        rows
          .map(
            (r) =>
              `${`${r.label} ${r.poll}`.padEnd(22)} | ${String(r.operationMs).padStart(9)} | ${`${r.overheadMs} (${r.maxOverheadMs})`.padStart(17)} ` +
              `| ${String(r.pollsPerStep).padStart(10)} | ${String(r.callsPerRequest).padStart(17)} | ${r.callsPerStep.toFixed(1).padStart(13)} | ` +
              `${String(r.requestMs).padStart(10)}`,
          )
          .join('\n') +
        `\n\ntarget: overhead per step <= one poll interval (backoff's largest interval reached while waiting ${OPERATION_MS} ms is 1000 ms): ` +
        `${backoff.maxOverheadMs <= 1000 + 100 ? 'met' : 'NOT met'}; backoff polls ${(backoff.pollsPerStep / fixed.pollsPerStep).toFixed(2)}x as ` +
        `often as the fixed 250 ms baseline\n`,
    );
  } finally {
    await sim.stop();
    await moto.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
