/**
 * `Custom::ArcDynamoDbIndexes`: owns the global secondary indexes of an AWS::DynamoDB::Table
 * (GlobalSecondaryIndexManagement: PROVIDER; docs/indexes.md).
 *
 * Every invocation observes the table (DescribeTable), takes the one next step that plan.ts
 * decides, waits with backoff polling, and repeats until the deadline; then it returns `continue`
 * and the protocol re-invokes. Progress is derived from observed state, so a crashed or
 * duplicated invocation loses nothing.
 *
 * - Create and Update: reconcile to the declared indexes (deletes, updates, creates; one at a
 *   time), then contributor insights per index (UpdateContributorInsights, which takes an
 *   IndexName), reading first and writing only what differs.
 * - A rollback (Update while the stack is UPDATE_ROLLBACK_IN_PROGRESS, the old and new properties
 *   swapped): the same reconcile back to the previous indexes, except that it never lets a
 *   backfill outlast its ServiceTimeout. A backfill can take hours on a large table, and a rollback
 *   that times out leaves the stack UPDATE_ROLLBACK_FAILED (amplify-category-api#2488); close to
 *   the deadline it answers SUCCESS while the re-creation runs, and says in the stack events
 *   which indexes are still being built and which the next deploy creates.
 * - Delete: never deletes an index. The indexes stay with the table, which CloudFormation
 *   deletes or retains by its own DeletionPolicy; the resource leaves a template only with its
 *   table or when the table goes back to inline indexes (docs/indexes.md, "Migration").
 *
 * Errors DynamoDB clears by waiting are waited on: LimitExceededException (one online index
 * operation at a time per table, and account-wide concurrent control-plane operations) and
 * ResourceInUseException (the table or index is busy) (DynamoDB API reference, UpdateTable, Errors).
 */
import {
  DescribeContributorInsightsCommand,
  UpdateContributorInsightsCommand,
  UpdateTableCommand,
  type GlobalSecondaryIndexUpdate,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { INDEXES_RESOURCE_TYPE, type GsiProps } from '../../contract/resources';
import { awsErrorName } from '../aws';
import { Aborted, backoff, beforeEachChange, DEFAULT_POLL, stringList, type PollOptions } from '../poll';
import { resourceId } from '../protocol/physical-id';
import { isRollback, type HandlerRequest, type HandlerResult, type ResourceHandler } from '../types';
import { observeTable } from './observe';
import { planIndexes, type Step, type TableState } from './plan';
import { parseIndexesProps, type IndexesProps } from './props';

/** How many observations a step we just sent may take to show in DescribeTable, which is eventually consistent. */
const LOOKS_FOR_A_STEP = 8;

interface Checkpoint {
  mutated: boolean;
  /** Updates made in this operation (`<index>|<kind>`). */
  done: string[];
  /** Indexes whose contributor insights are in line during this operation. */
  insights: string[];
  /** The last create or delete sent, until DescribeTable shows it. */
  expect?: { kind: 'create' | 'delete'; index: string; looks: number };
}

/**
 * What this resource remembers between requests, in the provider's state table: the indexes it
 * created, and those it adopted (found with the declared definition), on which table. It is the
 * only source of "managed": not the template, whose old properties a forged in-window request
 * could choose, nor the declared names, which may match an index someone else made. A created
 * index is written down right after its UpdateTable, before anything else can happen.
 */
export interface IndexesMemo {
  table: string;
  created: string[];
  adopted: string[];
}

function readCheckpoint(raw: unknown): Checkpoint {
  const c = (raw ?? {}) as Partial<Checkpoint>;
  const e = c.expect;
  return {
    mutated: c.mutated === true,
    done: stringList(c.done),
    insights: stringList(c.insights),
    ...(e && (e.kind === 'create' || e.kind === 'delete') && typeof e.index === 'string'
      ? { expect: { kind: e.kind, index: e.index, looks: Number(e.looks) || 0 } }
      : {}),
  };
}

/** The memo for this table; one written for another table (the resource's table was replaced) is not this table's. */
export function readMemo(raw: unknown, table: string): IndexesMemo {
  const m = (raw ?? {}) as Partial<IndexesMemo>;
  if (m.table !== table) return { table, created: [], adopted: [] };
  return { table, created: stringList(m.created), adopted: stringList(m.adopted) };
}

export function makeIndexesHandler(poll: PollOptions = DEFAULT_POLL): ResourceHandler<IndexesProps> {
  return {
    resourceType: INDEXES_RESOURCE_TYPE,
    parseProperties: parseIndexesProps,
    tableName: (p) => p.TableName,
    adoptExistingTable: (p) => p.AdoptExistingTable,
    handle: (req) => reconcile(req, poll),
  };
}

export const indexesHandler = makeIndexesHandler();

/** Whether DescribeTable shows the step we sent last (a create: the index is there; a delete: it is gone or DELETING). */
function shows(expect: NonNullable<Checkpoint['expect']>, table: TableState): boolean {
  const live = table.indexes.get(expect.index);
  return expect.kind === 'create' ? live !== undefined : live === undefined || live.status === 'DELETING';
}

/**
 * The UpdateTable that creates one index. AttributeDefinitions "must include the key element(s)
 * of the new index" (UpdateTable API reference); it also restates every attribute DescribeTable
 * reports, so whether a service merges or replaces the list, no key of the table or of another
 * index loses its definition (moto 5.2.1 replaces it).
 */
function createAction(p: IndexesProps, g: GsiProps, table: TableState): UpdateTableCommandInput {
  const keyNames = new Set(g.KeySchema.map((k) => k.AttributeName));
  const added = p.AttributeDefinitions.filter((a) => keyNames.has(a.AttributeName));
  return {
    TableName: p.TableName,
    AttributeDefinitions: [...table.attributes.filter((a) => !keyNames.has(a.AttributeName)), ...added],
    GlobalSecondaryIndexUpdates: [
      {
        Create: {
          IndexName: g.IndexName,
          KeySchema: g.KeySchema,
          Projection: g.Projection,
          ...(p.BillingMode === 'PROVISIONED' && g.ProvisionedThroughput ? { ProvisionedThroughput: g.ProvisionedThroughput } : {}),
          ...(p.BillingMode === 'PAY_PER_REQUEST' && g.OnDemandThroughput ? { OnDemandThroughput: g.OnDemandThroughput } : {}),
          ...(g.WarmThroughput ? { WarmThroughput: g.WarmThroughput } : {}),
        },
      },
    ],
  };
}

function updateAction(step: Extract<Step, { kind: 'update' }>): GlobalSecondaryIndexUpdate {
  return { Update: { IndexName: step.index.IndexName, [step.what]: step.set } };
}

async function reconcile(req: HandlerRequest<IndexesProps>, poll: PollOptions): Promise<HandlerResult> {
  const p = req.properties;
  const physicalResourceId = resourceId('indexes', p.TableName);
  const log = req.log;
  const memo = readMemo(req.memo, p.TableName);
  if (req.requestType === 'Delete') {
    log.info('Delete: the indexes stay with the table', { table: p.TableName });
    // The resource no longer manages this table's indexes; another table's memo (after a replacement) stays.
    const other = (req.memo as Partial<IndexesMemo> | undefined)?.table;
    return {
      status: 'done',
      physicalResourceId,
      ...(other === undefined || other === p.TableName ? { memo: { table: p.TableName, created: [], adopted: [] } } : {}),
    };
  }
  const cp = readCheckpoint(req.checkpoint);
  const rollback = req.requestType === 'Update' && isRollback(req.stack);
  const declared = p.GlobalSecondaryIndexes.map((g) => g.IndexName);
  // What may be deleted or re-created: what this resource created, and what it adopted, except in
  // a rollback, which releases (keeps, and forgets) an adopted index the old template does not declare.
  const created = new Set(memo.created);
  const adopted = new Set(memo.adopted);
  const managed = new Set([...created, ...(rollback ? [] : adopted)]);
  const ddb = req.clients.dynamodb();
  const pacing = backoff(poll, req.deadline);
  let last: TableState | undefined;
  /** The memo as things stand: what exists of what was created; adopted are the declared ones found in place. */
  const memoNow = (settledNow = false): IndexesMemo => {
    const exists = (n: string) => last?.indexes.has(n) === true;
    const adoptedNow = [...adopted].filter((n) => exists(n) && (!rollback || declared.includes(n)));
    if (settledNow) for (const n of declared) if (exists(n) && !created.has(n) && !adoptedNow.includes(n)) adoptedNow.push(n);
    return { table: p.TableName, created: [...created].filter(exists).sort(), adopted: adoptedNow.sort() };
  };
  const remember = async () => {
    await req.remember?.({ table: p.TableName, created: [...created].sort(), adopted: [...adopted].sort() });
  };
  const beforeChange = beforeEachChange(req);
  const keepGoing = (): HandlerResult => ({
    status: 'continue',
    checkpoint: cp,
    ...(cp.mutated && req.requestType === 'Create' ? { physicalResourceId } : {}),
  });
  const failed = (reason: string): HandlerResult => ({
    status: 'failed',
    reason,
    ...(cp.mutated && req.requestType === 'Create' ? { physicalResourceId } : {}),
    ...(last ? { memo: memoNow() } : {}),
  });
  const wait = pacing.wait;
  const send = async (input: UpdateTableCommandInput, expect?: Checkpoint['expect']): Promise<boolean> => {
    await beforeChange();
    try {
      await ddb.send(new UpdateTableCommand(input));
    } catch (e) {
      const name = awsErrorName(e);
      // The daily quota of throughput decreases is a LimitExceededException too, and waiting
      // never clears it (DynamoDB quotas, "Decreasing provisioned capacity"): that one fails.
      const daily = name === 'LimitExceededException' && /decrease/i.test((e as Error).message ?? '');
      if (!daily && (name === 'LimitExceededException' || name === 'ResourceInUseException')) {
        log.warn('table busy; waiting before the next step', { error: name, message: (e as Error).message });
        return false;
      }
      throw e;
    }
    cp.mutated = true;
    if (expect) cp.expect = expect;
    pacing.reset();
    return true;
  };

  try {
    for (;;) {
      if (req.signal?.aborted || Date.now() >= req.deadline) return keepGoing();
      const table = await observeTable(ddb, p.TableName);
      if (!table) return failed(`Table ${p.TableName} does not exist, so its indexes cannot be managed.`);
      last = table;
      if (cp.expect && !shows(cp.expect, table) && cp.expect.looks < LOOKS_FOR_A_STEP) {
        cp.expect.looks++;
        if (!(await wait())) return keepGoing();
        continue;
      }
      cp.expect = undefined;
      const step = planIndexes({
        desired: p.GlobalSecondaryIndexes,
        managed,
        // Old properties of another table (the table was replaced) say nothing about this one.
        previous: req.oldProperties?.TableName === p.TableName ? req.oldProperties.GlobalSecondaryIndexes : undefined,
        done: new Set(cp.done),
        attributes: p.AttributeDefinitions,
        table,
      });
      log.info('index step', {
        step: step.kind,
        ...(step.kind === 'delete' || step.kind === 'update' || step.kind === 'create'
          ? { index: typeof step.index === 'string' ? step.index : step.index.IndexName }
          : {}),
        ...(step.kind === 'wait' ? { reason: step.reason } : {}),
      });
      switch (step.kind) {
        case 'refuse':
          return failed(step.reason);
        case 'wait': {
          // A rollback waits for backfills only while its ServiceTimeout allows (see the header).
          const late = req.serviceDeadline !== undefined && Date.now() + 2 * poll.maxMs >= req.serviceDeadline;
          if (rollback && late && [...table.indexes.values()].some((i) => i.status === 'CREATING'))
            return finishRollback(req, table, physicalResourceId, memoNow());
          if (!(await wait())) return keepGoing();
          continue;
        }
        case 'delete': {
          if (
            await send(
              { TableName: p.TableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: step.index } }] },
              { kind: 'delete', index: step.index, looks: 0 },
            )
          ) {
            log.info(step.why === 'redefined' ? 'index deletion started, to re-create it with its new definition' : 'index deletion started', {
              index: step.index,
            });
            created.delete(step.index);
            adopted.delete(step.index);
            // A re-created index is this resource's own once it is made again.
            if (step.why === 'redefined') managed.add(step.index);
            await remember();
          } else if (!(await wait())) return keepGoing();
          continue;
        }
        case 'update': {
          if (await send({ TableName: p.TableName, GlobalSecondaryIndexUpdates: [updateAction(step)] })) {
            cp.done.push(`${step.index.IndexName}|${step.what}`);
            log.info('index updated', { index: step.index.IndexName, what: step.what });
          } else if (!(await wait())) return keepGoing();
          continue;
        }
        case 'create': {
          if (await send(createAction(p, step.index, table), { kind: 'create', index: step.index.IndexName, looks: 0 })) {
            log.info('index creation started', { index: step.index.IndexName });
            created.add(step.index.IndexName);
            managed.add(step.index.IndexName);
            await remember();
          } else if (!(await wait())) return keepGoing();
          continue;
        }
        case 'settled': {
          const next = p.GlobalSecondaryIndexes.find((g) => g.ContributorInsightsSpecification !== undefined && !cp.insights.includes(g.IndexName));
          if (next) {
            await syncInsights(req, next, beforeChange, () => {
              cp.mutated = true;
            });
            cp.insights.push(next.IndexName);
            continue;
          }
          return { status: 'done', physicalResourceId, data: { TableName: p.TableName, IndexNames: declared.join(',') }, memo: memoNow(true) };
        }
      }
    }
  } catch (e) {
    if (e instanceof Aborted) return keepGoing();
    if ((e as Error).name === 'SupersededError') throw e;
    const name = awsErrorName(e) || 'Error';
    return failed(`${name}: ${(e as Error).message ?? String(e)} (table ${p.TableName})`);
  }
}

/** A rollback answers while an index is being re-created (see the header), saying so in the stack events. */
function finishRollback(req: HandlerRequest<IndexesProps>, table: TableState, physicalResourceId: string, memo: IndexesMemo): HandlerResult {
  const p = req.properties;
  const building = [...table.indexes.values()].filter((i) => i.status === 'CREATING').map((i) => i.name);
  const missing = p.GlobalSecondaryIndexes.map((g) => g.IndexName).filter((n) => !table.indexes.has(n));
  const reason =
    `Rolled back without waiting for index backfills: ${building.join(', ')} ${building.length === 1 ? 'is' : 'are'} being built` +
    (missing.length > 0 ? `; ${missing.join(', ')} will be created by the next deploy that updates ${req.logicalResourceId}` : '') +
    '. Queries on an index return complete results only once it is ACTIVE.';
  req.log.warn(reason, { building: building.join(','), missing: missing.join(',') });
  return {
    status: 'done',
    physicalResourceId,
    data: { TableName: p.TableName, IndexNames: p.GlobalSecondaryIndexes.map((g) => g.IndexName).join(',') },
    memo,
    reason,
  };
}

/** Contributor insights of one index: read first (DescribeContributorInsights), write only what differs. */
async function syncInsights(req: HandlerRequest<IndexesProps>, g: GsiProps, beforeChange: () => Promise<void>, changed: () => void): Promise<void> {
  const want = g.ContributorInsightsSpecification;
  if (!want) return;
  const ddb = req.clients.dynamodb();
  const p = req.properties;
  const now = await ddb.send(new DescribeContributorInsightsCommand({ TableName: p.TableName, IndexName: g.IndexName }));
  const on = now.ContributorInsightsStatus === 'ENABLED' || now.ContributorInsightsStatus === 'ENABLING';
  const modeDiffers = want.Enabled && want.Mode !== undefined && now.ContributorInsightsMode !== undefined && now.ContributorInsightsMode !== want.Mode;
  if (on === want.Enabled && !modeDiffers) return;
  await beforeChange();
  await ddb.send(
    new UpdateContributorInsightsCommand({
      TableName: p.TableName,
      IndexName: g.IndexName,
      ContributorInsightsAction: want.Enabled ? 'ENABLE' : 'DISABLE',
      ...(want.Enabled && want.Mode !== undefined ? { ContributorInsightsMode: want.Mode as 'ACCESSED_AND_THROTTLED_KEYS' | 'THROTTLED_KEYS' } : {}),
    }),
  );
  changed();
  req.log.info('index contributor insights updated', { index: g.IndexName, enabled: want.Enabled });
}
