/**
 * Operations longer than a custom resource's hour, through CloudFormation's own waiting
 * (LongOperationTimeoutInMinutes: a WaitCondition per generation; provider/protocol/long-operation.ts).
 *
 * Time is relative to the custom resource's own timeout, never to the machine's speed: the
 * engine's clock makes the resource's 3,600 s ServiceTimeout `HOUR_MS`, the simulator holds the
 * replica creation or the backfill, and the test releases it only once `hours` of those have
 * passed since CloudFormation sent the request. The WaitCondition's 12 h are 12 * HOUR_MS.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { runCli as cli } from '../../support/run-cli';
import { startStackEngine, type CustomRequestRecord, type StackEngine, type Template } from '../../support/stack-engine';
import { HOME, unique } from '../stack/arc';

const SCALE_MS = 1.5; // engine ms per second of ServiceTimeout
const HOUR_MS = 3600 * SCALE_MS;
const EU = 'eu-west-1';
let engine: StackEngine;
const saved = process.env.ARC_DYNAMODB_BACKGROUND_AFTER_MS;

beforeAll(async () => {
  // The provider's "short work" budget (5 minutes in AWS), on the same scale.
  process.env.ARC_DYNAMODB_BACKGROUND_AFTER_MS = String(Math.round(300 * SCALE_MS));
  engine = await startStackEngine({
    serviceTimeoutScaleMs: SCALE_MS,
    replicaDelayMs: 200,
    indexPhases: { allocationMs: 100, backfillMs: 200, deleteMs: 100 },
  });
}, 120_000);

afterAll(async () => {
  await engine?.stop();
  if (saved === undefined) delete process.env.ARC_DYNAMODB_BACKGROUND_AFTER_MS;
  else process.env.ARC_DYNAMODB_BACKGROUND_AFTER_MS = saved;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every hold is released after its test, also when the test failed half-way, so none leaks into the next. */
const holds: (() => void)[] = [];
const held = (release: () => void) => {
  holds.push(release);
  return release;
};
afterEach(() => {
  for (const release of holds.splice(0)) release();
});

function arc(name: string, over: Record<string, unknown>): Record<string, unknown> {
  return {
    Transform: 'ArcDynamoDb',
    Resources: {
      Orders: {
        Type: 'Arc::DynamoDB::Table',
        DeletionPolicy: 'Delete',
        Properties: {
          TableName: name,
          HashKey: 'pk',
          Attributes: [{ Name: 'pk', Type: 'S' }],
          Monitoring: { Enabled: false },
          LongOperationTimeoutInMinutes: 720,
          ...over,
        },
      },
    },
  };
}

const waitConditionOf = (t: Template, resource: string) =>
  Object.entries(t.Resources).find(([, r]) => r.Type === 'AWS::CloudFormation::WaitCondition' && r.DependsOn === resource)?.[0] as string;

/** The request CloudFormation sent this resource last, once it has been answered SUCCESS (bounded poll). */
async function answered(stackName: string, logicalId: string, type: string): Promise<CustomRequestRecord> {
  for (let i = 0; i < 600; i++) {
    const stackId = engine.stack(stackName)?.stackId;
    const req = [...engine.requests].reverse().find((r) => r.stackId === stackId && r.logicalId === logicalId && r.requestType === type);
    if (req && engine.responsesFor(req.requestId).some((x) => x.body.Status === 'SUCCESS')) return req;
    await sleep(50);
  }
  throw new Error(`${logicalId} was never answered; provider log tail:\n${engine.lambda.logs.slice(-15).join('\n')}`);
}

/** Waits until `hours` of the resource's own hour have passed since CloudFormation sent the request. */
async function outlast(req: CustomRequestRecord, hours: number): Promise<void> {
  expect(req.timeoutMs).toBe(HOUR_MS);
  const until = req.sentAt + hours * req.timeoutMs;
  while (Date.now() < until) await sleep(Math.min(500, until - Date.now()));
}

/** The resource's status as CloudFormation's API shows it (the engine records a resource only once its create ends). */
const status = (stackName: string, logicalId: string) => engine.cfnApi.stacks.get(engine.stack(stackName)?.stackId ?? '')?.resources.get(logicalId)?.status;

it('a 5-hour replica creation completes in one stack operation; the resource answered within its hour', async () => {
  const stack = unique('long-replica');
  const name = unique('long-replica');
  const template = engine.expand(arc(name, { ReplicaRegions: [{ RegionName: EU }] }));
  const wait = waitConditionOf(template, 'OrdersReplicas');
  expect(template.Resources[`${wait}Handle`]?.Type).toBe('AWS::CloudFormation::WaitConditionHandle');
  const release = held(engine.sim.holdReplicaCreation(EU));
  const run = engine.deploy(stack, template);
  const req = await answered(stack, 'OrdersReplicas', 'Create');
  const answer = engine.responsesFor(req.requestId)[0];
  expect(answer.receivedAt - req.sentAt).toBeLessThan(req.timeoutMs);
  expect(answer.body.Reason).toMatch(/goes on in the background/);
  await outlast(req, 5);
  // Five of the resource's hours later: still creating, CloudFormation still waiting, nothing timed out.
  expect(engine.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'CREATING' });
  expect(engine.stack(stack)?.status).toBe('CREATE_IN_PROGRESS');
  expect(status(stack, wait)).toBe('CREATE_IN_PROGRESS');
  expect(engine.requests.filter((r) => r.stackId === engine.stack(stack)?.stackId && r.result === 'TIMEOUT')).toEqual([]);
  // Progress is in the provider's logs while CloudFormation waits.
  expect(engine.lambda.logs.some((l) => /continuing in the background/.test(l))).toBe(true);
  // ... and in the status command, from CloudFormation's own records.
  const shown = await cli(['status', '--stack', stack, '--cloudformation-endpoint', engine.cfnApi.endpoint]);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toContain(`${stack}: CREATE_IN_PROGRESS\n`);
  expect(shown.stdout).toContain(`  OrdersReplicas Custom::ArcDynamoDbReplicas: CREATE_COMPLETE\n`);
  expect(shown.stdout).toContain(
    `  ${wait} AWS::CloudFormation::WaitCondition (waits for OrdersReplicas): CREATE_IN_PROGRESS: the provider is working on it in the background\n`,
  );
  release();
  const r = await run;
  expect(r.status).toBe('CREATE_COMPLETE');
  expect(engine.sim.replicaStatus(HOME, name)).toEqual({ [EU]: 'ACTIVE' });
  const signals = engine.signals.filter((s) => s.stackId === r.stackId && s.handleLogicalId === `${wait}Handle`);
  expect(signals.map((s) => [s.outcome, (s.body as { Status?: string }).Status])).toEqual([['stored', 'SUCCESS']]);
  expect(engine.responsesFor(req.requestId)).toHaveLength(1);
}, 240_000);

it('a 3-hour backfill of a managed index completes in one update', async () => {
  const stack = unique('long-backfill');
  const name = unique('long-backfill');
  const v = (indexes: string[]) =>
    engine.expand(
      arc(name, {
        Attributes: [{ Name: 'pk', Type: 'S' }, ...indexes.map((i) => ({ Name: i, Type: 'S' }))],
        GlobalSecondaryIndexManagement: 'PROVIDER',
        GlobalSecondaryIndexes: indexes.map((i) => ({ Name: `by${i}`, HashKey: i })),
      }),
    );
  const r1 = await engine.deploy(stack, v(['a']));
  expect(r1.status).toBe('CREATE_COMPLETE');
  const v2 = v(['a', 'b']);
  const wait = waitConditionOf(v2, 'OrdersIndexes');
  expect(wait).not.toBe(waitConditionOf(v(['a']), 'OrdersIndexes')); // a new generation, a new WaitCondition
  const release = held(engine.sim.holdIndexBackfill(HOME, name, 'byb'));
  const run = engine.deploy(stack, v2);
  const req = await answered(stack, 'OrdersIndexes', 'Update');
  await outlast(req, 3);
  expect(engine.sim.indexPhase(HOME, name, 'byb')).toBe('backfilling');
  expect(engine.stack(stack)?.status).toBe('UPDATE_IN_PROGRESS');
  expect(status(stack, wait)).toBe('CREATE_IN_PROGRESS');
  release();
  const r = await run;
  expect(r.status).toBe('UPDATE_COMPLETE');
  const t = (await engine.sim.direct(HOME).send(new DescribeTableCommand({ TableName: name }))).Table;
  expect((t?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(['bya', 'byb']);
  expect(engine.responsesFor(req.requestId)).toHaveLength(1);
}, 240_000);

it('a failure in the background signals FAILURE, and the stack rolls back cleanly', async () => {
  const stack = unique('long-fail');
  const name = unique('long-fail');
  const template = engine.expand(arc(name, { ReplicaRegions: [{ RegionName: EU }] }));
  const wait = waitConditionOf(template, 'OrdersReplicas');
  const release = held(engine.sim.holdReplicaCreation(EU));
  engine.sim.failNextCreate(EU, 'KMS key not accessible (simulated)');
  const run = engine.deploy(stack, template);
  const req = await answered(stack, 'OrdersReplicas', 'Create');
  await outlast(req, 1.5);
  release();
  const r = await run;
  expect(r.status).toBe('ROLLBACK_COMPLETE');
  const failed = r.events.find((e) => e.logicalId === wait && e.status === 'CREATE_FAILED');
  expect(failed?.reason).toMatch(/WaitCondition received failed message: '.*KMS key not accessible.*' for uniqueId:/);
  // The rollback deleted what was made; every request got exactly one answer.
  const mine = engine.requests.filter((x) => x.stackId === r.stackId);
  for (const x of mine) expect(engine.responsesFor(x.requestId)).toHaveLength(1);
  expect(engine.stack(stack)).toBeDefined();
}, 240_000);

it('a WaitCondition that times out rolls the stack back cleanly, and the background work stops', async () => {
  const stack = unique('long-timeout');
  const name = unique('long-timeout');
  const template = engine.expand(arc(name, { ReplicaRegions: [{ RegionName: EU }] }));
  const wait = waitConditionOf(template, 'OrdersReplicas');
  const release = held(engine.sim.holdReplicaCreation(EU));
  const run = engine.deploy(stack, template);
  await answered(stack, 'OrdersReplicas', 'Create');
  for (let i = 0; i < 600 && status(stack, wait) !== 'CREATE_IN_PROGRESS'; i++) await sleep(50);
  expect(engine.forceTimeout(stack, wait)).toBe(1);
  release();
  const r = await run;
  expect(r.status).toBe('ROLLBACK_COMPLETE');
  expect(r.events.find((e) => e.logicalId === wait && e.status === 'CREATE_FAILED')?.reason).toMatch(/WaitCondition timed out/);
  const del = engine.requests.find((x) => x.stackId === r.stackId && x.logicalId === 'OrdersReplicas' && x.requestType === 'Delete');
  expect(del?.result).toBe('SUCCESS');
  // The background chain saw the rollback and stopped: no signal came after the timeout.
  await engine.lambda.idle(30_000);
  expect(engine.signals.filter((s) => s.stackId === r.stackId && s.handleLogicalId === `${wait}Handle`)).toEqual([]);
}, 240_000);
