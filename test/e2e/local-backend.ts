/**
 * The local backend: the stack engine (test/support/stack-engine) with the REAL bundled provider,
 * moto behind the replica simulator, and a load bucket in moto. The simulator's consistency
 * faults are ON (LIFECYCLE_FAULTS: ListTagsOfResource returns the previous tag set after
 * TagResource, DescribeTable lags after CreateTable/UpdateTable) unless `consistencyFaults: false`
 * (or ARC_E2E_CONSISTENCY_FAULTS=off) turns them off.
 *
 * Assertions read moto directly (`sim.direct`), past the simulated lag: they look at what exists,
 * not at what an eventually consistent read happens to show.
 *
 * Local faults, each verified to have taken effect (a check in the step's report):
 * - duplicateDelivery: `lambda.duplicateNext`; at least two first deliveries of that request;
 * - holdPastTimeout: `lambda.hold` + a forced ServiceTimeout; the request timed out unanswered;
 * - timeoutDuringReplicaCreation: the engine's `forceTimeout`, fired in the same tick in which the
 *   simulator shows the replica CREATING (so it is mid-creation on any machine);
 * and deleteDuringCreate uses the engine's `deleteStackDuringCreate` the same way.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  BatchWriteItemCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTagsOfResourceCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { startStackEngine, type StackEngine, type DeployResult } from '../support/stack-engine';
import { LOCAL_CREDENTIALS } from '../support/moto';
import { LIFECYCLE_FAULTS, NO_CONSISTENCY_FAULTS, type ConsistencyFaults } from '../support/replica-simulator';
import { HOME, LOCAL_REGIONS, type LocalFault, type Scenario } from './scenario';
import { regionTableOf, type Backend, type Check, type Item, type ScenarioContext, type StackOutcome, type TableSettings } from './runner';

export interface LocalBackendOptions {
  /** The simulator's consistency faults: LIFECYCLE_FAULTS by default; false turns them off. */
  consistencyFaults?: ConsistencyFaults | false;
  /** Engine ms per second of ServiceTimeout. Default 20 (3600 s = 72 s). */
  serviceTimeoutScaleMs?: number;
  /** How long a replica stays CREATING/DELETING (ms). Default 300. */
  replicaDelayMs?: number;
  /** Replica delay while a step waits for a replica to be CREATING (ms). Default 1500. */
  observedReplicaDelayMs?: number;
  /** Bound of every wait of this backend (ms). Default 60000. */
  waitMs?: number;
}

export interface LocalBackend extends Backend {
  engine: StackEngine;
  stop(): Promise<void>;
}

const BUCKET = 'arc-e2e-load';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorName = (e: unknown) => (e as { name?: string }).name ?? '';

export function consistencyFromEnv(env: NodeJS.ProcessEnv = process.env): ConsistencyFaults | false | undefined {
  const v = env.ARC_E2E_CONSISTENCY_FAULTS;
  return v === 'off' || v === '0' || v === 'false' ? false : undefined;
}

export async function startLocalBackend(opts: LocalBackendOptions = {}): Promise<LocalBackend> {
  const waitMs = opts.waitMs ?? 60_000;
  const baseDelay = opts.replicaDelayMs ?? 300;
  const engine = await startStackEngine({ serviceTimeoutScaleMs: opts.serviceTimeoutScaleMs ?? 20, replicaDelayMs: baseDelay });
  const faults = opts.consistencyFaults ?? consistencyFromEnv() ?? LIFECYCLE_FAULTS;
  engine.sim.setConsistencyFaults(faults === false ? NO_CONSISTENCY_FAULTS : faults);
  const s3 = new S3Client({ region: HOME, endpoint: engine.moto.endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

  let n = 0;
  /** Every stack ID each stack name has had (answeredOnce looks at all of them). */
  const stackIds = new Map<string, Set<string>>();
  const direct = (r: string): DynamoDBClient => engine.sim.direct(r);

  const seen = (name: string, r: DeployResult) => {
    if (!stackIds.has(name)) stackIds.set(name, new Set());
    stackIds.get(name)!.add(r.stackId);
  };
  const outcome = (r: DeployResult, checks: Check[] = []): StackOutcome => ({
    status: r.status,
    reasons: [...new Set([...(r.reason ? [r.reason] : []), ...r.events.flatMap((e) => (e.reason ? [e.reason] : []))])],
    checks,
  });

  /** Polls (every 10 ms, bounded) until `ready()` holds, then runs `act` in the same tick. */
  async function when<T>(what: string, ready: () => boolean, act: () => T): Promise<T> {
    const until = Date.now() + waitMs;
    for (;;) {
      if (ready()) return act();
      if (Date.now() > until) throw new Error(`gave up after ${waitMs} ms waiting for ${what}`);
      await sleep(10);
    }
  }

  const inFlight = (ctx: ScenarioContext, logicalId: string, requestType: string, from: number) =>
    engine.requests
      .slice(from)
      .find((r) => r.logicalId === logicalId && r.requestType === requestType && r.result === undefined && r.stackId === engine.stack(ctx.stackName)?.stackId);

  async function deployWithFault(ctx: ScenarioContext, template: string, failResource: string | undefined, fault: LocalFault): Promise<StackOutcome> {
    const t = engine.expand(template);
    const from = engine.requests.length;
    const invFrom = engine.lambda.invocations.length;
    switch (fault.kind) {
      case 'duplicateDelivery': {
        engine.lambda.duplicateNext({ logicalId: fault.logicalId, requestType: fault.requestType, continuation: false });
        const r = await engine.deploy(ctx.stackName, t, { failResource });
        seen(ctx.stackName, r);
        await engine.lambda.idle(waitMs);
        const req = engine.requests.slice(from).find((x) => x.logicalId === fault.logicalId && x.requestType === fault.requestType);
        const deliveries = engine.lambda.invocations.slice(invFrom).filter((i) => req && i.cfnRequestId === req.requestId && !i.continuation).length;
        return outcome(r, [
          { what: `the ${fault.requestType} of ${fault.logicalId} was delivered at least twice`, ok: deliveries >= 2, expected: '>= 2', actual: deliveries },
        ]);
      }
      case 'holdPastTimeout': {
        engine.lambda.hold({ logicalId: fault.logicalId, requestType: fault.requestType, continuation: false });
        try {
          const r = await engine.deploy(ctx.stackName, t, { failResource, serviceTimeoutMs: { [fault.logicalId]: fault.timeoutMs } });
          seen(ctx.stackName, r);
          const req = engine.requests.slice(from).find((x) => x.logicalId === fault.logicalId && x.requestType === fault.requestType);
          const held = engine.lambda.invocations.slice(invFrom).find((i) => req && i.cfnRequestId === req.requestId && i.outcome === 'held');
          return outcome(r, [
            {
              what: `the held ${fault.requestType} of ${fault.logicalId} timed out unanswered`,
              ok: req?.result === 'TIMEOUT' && held !== undefined && engine.responsesFor(req.requestId).length === 0,
              expected: 'TIMEOUT, held, no response',
              actual: `${req?.result}, ${held ? 'held' : 'not held'}, ${req ? engine.responsesFor(req.requestId).length : 0} response(s)`,
            },
          ]);
        } finally {
          engine.lambda.drop();
        }
      }
      case 'timeoutDuringReplicaCreation': {
        engine.sim.replicaDelayMs = opts.observedReplicaDelayMs ?? 1500;
        try {
          const running = engine.deploy(ctx.stackName, t, { failResource });
          let failedEarly: unknown;
          running.catch((e) => (failedEarly = e));
          const hit = await when(
            `the replica of ${ctx.tableName} in ${fault.region} to be CREATING while ${fault.logicalId} waits`,
            () =>
              failedEarly !== undefined ||
              (engine.sim.replicaStatus(HOME, ctx.tableName)[fault.region] === 'CREATING' &&
                (inFlight(ctx, fault.logicalId, 'Update', from) ?? inFlight(ctx, fault.logicalId, 'Create', from)) !== undefined),
            () => (failedEarly === undefined ? engine.forceTimeout(ctx.stackName, fault.logicalId) : 0),
          );
          const r = await running;
          seen(ctx.stackName, r);
          return outcome(r, [{ what: `${fault.logicalId} timed out while the ${fault.region} replica was CREATING`, ok: hit === 1, expected: 1, actual: hit }]);
        } finally {
          engine.sim.replicaDelayMs = baseDelay;
        }
      }
    }
  }

  const backend: LocalBackend = {
    name: 'local',
    localFaults: true,
    loadBucket: BUCKET,
    settle: { budgetMs: 0, intervalMs: 0 },
    engine,

    context(s: Scenario): ScenarioContext {
      const id = `${s.name}-${process.pid}-${++n}`;
      return { scenario: s, stackName: `e2e-${id}`, tableName: `e2e-${id}-orders`, hashKey: s.hashKey ?? 'pk', bucket: BUCKET };
    },

    async deploy(ctx, template, o) {
      if (o.fault) return deployWithFault(ctx, template, o.failResource, o.fault);
      let expanded;
      try {
        expanded = engine.expand(template);
      } catch (e) {
        // The macro refused the template. CloudFormation then fails the operation before any
        // resource changes: an update ends UPDATE_ROLLBACK_COMPLETE (a new stack ROLLBACK_COMPLETE)
        // with the transform's message as the reason.
        if (!(e instanceof Error) || !e.message.startsWith('the ArcDynamoDb macro failed')) throw e;
        const exists = engine.stack(ctx.stackName) !== undefined;
        return { status: exists ? 'UPDATE_ROLLBACK_COMPLETE' : 'ROLLBACK_COMPLETE', reasons: [`Transform ArcDynamoDb failed with: ${e.message}`] };
      }
      const r = await engine.deploy(ctx.stackName, expanded, { failResource: o.failResource });
      seen(ctx.stackName, r);
      return outcome(r);
    },

    async deleteStack(ctx) {
      const r = await engine.deleteStack(ctx.stackName);
      seen(ctx.stackName, r);
      return outcome(r);
    },

    async deleteDuringCreate(ctx, template, region) {
      const t = engine.expand(template);
      const from = engine.requests.length;
      engine.sim.replicaDelayMs = opts.observedReplicaDelayMs ?? 1500;
      try {
        const running = engine.deploy(ctx.stackName, t);
        let failedEarly: unknown;
        running.catch((e) => (failedEarly = e));
        const create = await when(
          `the replica of ${ctx.tableName} in ${region} to be CREATING during the replicas Create`,
          () =>
            failedEarly !== undefined ||
            (engine.sim.replicaStatus(HOME, ctx.tableName)[region] === 'CREATING' &&
              engine.requests
                .slice(from)
                .some((r) => r.requestType === 'Create' && r.resourceType === 'Custom::ArcDynamoDbReplicas' && r.result === undefined)),
          () => {
            if (failedEarly !== undefined) return undefined;
            const req = engine.requests
              .slice(from)
              .find((r) => r.requestType === 'Create' && r.resourceType === 'Custom::ArcDynamoDbReplicas' && r.result === undefined);
            void engine.deleteStackDuringCreate(ctx.stackName);
            return req;
          },
        );
        const r = await running;
        seen(ctx.stackName, r);
        const del = create && engine.requests.slice(from).find((x) => x.logicalId === create.logicalId && x.requestType === 'Delete');
        return outcome(r, [
          {
            what: 'the replicas Create was running when the stack was deleted, and was cancelled',
            ok: create?.result === 'CANCELLED',
            expected: 'CANCELLED',
            actual: create?.result ?? 'no Create in flight',
          },
          {
            what: 'the cancelled Create got a Delete with the physical ID CloudFormation made up',
            ok: create !== undefined && (del?.physicalId ?? '').startsWith(`${ctx.stackName}-${create.logicalId}-`),
            expected: `${ctx.stackName}-${create?.logicalId}-<suffix>`,
            actual: del?.physicalId ?? 'no Delete',
          },
        ]);
      } finally {
        engine.sim.replicaDelayMs = baseDelay;
      }
    },

    async upload(ctx, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `arc-dynamodb/${ctx.stackName}/${key}`, Body: body }));
    },

    async putItems(ctx, items) {
      for (let i = 0; i < items.length; i += 25) {
        await direct(HOME).send(
          new BatchWriteItemCommand({ RequestItems: { [ctx.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }),
        );
      }
    },

    async updateItem(ctx, key, set) {
      const names = Object.keys(set);
      await direct(HOME).send(
        new UpdateItemCommand({
          TableName: ctx.tableName,
          Key: key,
          UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((k, i) => [`#a${i}`, k])),
          ExpressionAttributeValues: Object.fromEntries(names.map((k, i) => [`:v${i}`, set[k]])),
        }),
      );
    },

    async tableRegions(ctx, regions) {
      const out: Record<string, boolean> = {};
      for (const r of regions.length ? regions : [...LOCAL_REGIONS]) {
        try {
          const t = (await direct(r).send(new DescribeTableCommand({ TableName: ctx.tableName }))).Table;
          out[r] = t !== undefined && t.TableStatus !== 'DELETING';
        } catch (e) {
          if (errorName(e) !== 'ResourceNotFoundException') throw e;
          out[r] = false;
        }
      }
      return out;
    },

    async regionTable(ctx, region) {
      const t = await engine.sim.describe(region, ctx.tableName);
      if (!t) return undefined;
      const pitr = (await direct(region).send(new DescribeContinuousBackupsCommand({ TableName: ctx.tableName }))).ContinuousBackupsDescription
        ?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
      const insight = (index?: string) => {
        const ci = engine.sim.insightsOf(region, ctx.tableName, index);
        return ci.status === 'ENABLED' ? (ci.mode ?? 'ACCESSED_AND_THROTTLED_KEYS') : 'off';
      };
      return regionTableOf(t, pitr === 'ENABLED', {
        table: insight(),
        ...Object.fromEntries((t.GlobalSecondaryIndexes ?? []).map((g) => [String(g.IndexName), insight(String(g.IndexName))])),
      });
    },

    async readItems(ctx, keys) {
      const out: Record<string, Item | undefined> = {};
      for (const k of keys) {
        try {
          out[k] = (await direct(HOME).send(new GetItemCommand({ TableName: ctx.tableName, Key: { [ctx.hashKey]: { S: k } }, ConsistentRead: true }))).Item as
            | Item
            | undefined;
        } catch (e) {
          if (errorName(e) !== 'ResourceNotFoundException') throw e;
          out[k] = undefined;
        }
      }
      return out;
    },

    async tableSettings(ctx): Promise<TableSettings | undefined> {
      let t;
      try {
        t = (await direct(HOME).send(new DescribeTableCommand({ TableName: ctx.tableName }))).Table;
      } catch (e) {
        if (errorName(e) === 'ResourceNotFoundException') return undefined;
        throw e;
      }
      if (!t) return undefined;
      const tags = (await direct(HOME).send(new ListTagsOfResourceCommand({ ResourceArn: t.TableArn }))).Tags ?? [];
      const pitr = (await direct(HOME).send(new DescribeContinuousBackupsCommand({ TableName: ctx.tableName }))).ContinuousBackupsDescription
        ?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
      return {
        tags: Object.fromEntries(tags.map((x) => [String(x.Key), String(x.Value)])),
        pointInTimeRecovery: pitr === 'ENABLED',
        indexes: (t.GlobalSecondaryIndexes ?? []).map((g) => String(g.IndexName)),
      };
    },

    mark: () => engine.requests.length,

    async answeredOnce(ctx, mark) {
      const ids = stackIds.get(ctx.stackName) ?? new Set<string>();
      const mine = engine.requests.slice(mark).filter((r) => ids.has(r.stackId));
      const wrong = mine.flatMap((r) => {
        const rs = engine.responsesFor(r.requestId);
        // A request CloudFormation stopped waiting for (timed out, or cancelled by a delete) may get
        // one late answer, which CloudFormation ignores; every other request gets exactly one.
        const abandoned = r.result === 'TIMEOUT' || r.result === 'CANCELLED';
        const ok = abandoned ? rs.length <= 1 && rs.every((x) => x.late) : rs.length === 1 && !rs[0].late;
        return ok
          ? []
          : [`${r.logicalId} ${r.requestType} (${r.phase}, ${r.result ?? 'pending'}): ${rs.length} response(s)${rs.some((x) => x.late) ? ', late' : ''}`];
      });
      return [
        { what: `each of the step's ${mine.length} custom-resource request(s) answered exactly once`, ok: wrong.length === 0, expected: [], actual: wrong },
      ];
    },

    quiesce: () => engine.lambda.idle(waitMs),

    async cleanupScenario(ctx) {
      const notes: string[] = [];
      engine.lambda.drop();
      engine.sim.replicaDelayMs = baseDelay;
      if (engine.stack(ctx.stackName)) {
        try {
          const r = await engine.deleteStack(ctx.stackName);
          notes.push(`deleted the stack left behind: ${r.status}`);
        } catch (e) {
          notes.push(`could not delete the stack left behind: ${(e as Error).message}`);
        }
      }
      await engine.lambda.idle(waitMs).catch(() => notes.push('the provider was still busy after the scenario'));
      return notes;
    },

    async stop() {
      s3.destroy();
      await engine.stop();
    },
  };
  return backend;
}
