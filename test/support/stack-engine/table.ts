/**
 * `AWS::DynamoDB::Table` as CloudFormation's Table handler drives it, against moto through the
 * replica simulator. Create translates the properties with `nativeTableToApi` (CreateTable or
 * ImportTable, then its follow-up calls) and waits for ACTIVE.
 *
 * Update (CloudFormation User Guide / Template Reference, AWS::DynamoDB::Table):
 * - Replacement: TableName, KeySchema, LocalSecondaryIndexes, ImportSourceSpecification ("Update
 *   requires: Replacement"), and a changed type of a key attribute (it changes the key schema).
 *   A replaced table is created anew; the old one is deleted in the cleanup phase.
 * - GlobalSecondaryIndexes: "You can delete or add one global secondary index without
 *   interruption. If you do both in the same update (for example, by changing the index's
 *   logical ID), the update fails"; more than one create or delete fails with "Cannot perform
 *   more than one GSI creation or deletion in a single update" (aws/aws-cdk#12246,
 *   aws-cloudformation/cloudformation-coverage-roadmap#229). An index removed from the template
 *   is deleted; an index the template never named is left alone (coverage-roadmap #881).
 *   CloudFormation does not wait for the new index's backfill (the same page: "CloudFormation
 *   doesn't wait for the index to complete creation"); the engine waits for the TABLE to be ACTIVE.
 * - One UpdateTable per kind of change, waiting for ACTIVE in between (DynamoDB API reference,
 *   UpdateTable: "You can only perform one of the following operations at once"): billing and
 *   throughput (with existing indexes' throughput), index delete, index create, stream (a view
 *   type change disables, then enables), deletion protection, table class, SSE, warm throughput;
 *   then TTL (UpdateTimeToLive), PITR (UpdateContinuousBackups), contributor insights and tags.
 * Delete: DeleteTable, then wait until it is gone; a table already gone counts as deleted.
 *
 * On DynamoDB Local (`dynamodbLocal`), which implements CreateTable, UpdateTable (indexes, streams,
 * billing, throughput, deletion protection) and UpdateTimeToLive of these calls and rejects the
 * rest (DynamoDB developer guide, "DynamoDB Local usage notes"; UnknownOperationException, or
 * "Nothing to update" for an UpdateTable of only SSE, table class or warm throughput, which it
 * ignores), the handler skips those calls and records each in `skipped`. Tags are no longer among
 * them: the engine's tag proxy (./dynamodb-local-tags.ts) serves CreateTable's Tags, TagResource and
 * UntagResource; an ImportTable becomes a CreateTable of the same, empty, table (the plan's
 * `create`). DynamoDB Local also resets deletion protection on an UpdateTable that omits it, so
 * there every UpdateTable carries DeletionProtectionEnabled.
 */
import {
  DeleteTableCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  EnableKinesisStreamingDestinationCommand,
  ImportTableCommand,
  CreateTableCommand,
  PutResourcePolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateContributorInsightsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type GlobalSecondaryIndex,
  type TableDescription,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { nativeTableToApi, NativeTranslationError, type FollowUp, type TablePlan } from '../../../local/native-to-api';
import { sameValue } from './intrinsics';
import { ResourceFailure, type Json, type OperationContext, type Outcome, type ResourceTypeHandler } from './types';

const differ = (a: unknown, b: unknown) => !sameValue(a, b);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorName = (e: unknown) => (e as { name?: string }).name ?? '';

export interface TableHandlerOptions {
  dynamodb(region: string): DynamoDBClient;
  /** Upper bound for each wait for ACTIVE or for deletion (ms). */
  waitMs: number;
  /** The backend is DynamoDB Local (see the header). */
  dynamodbLocal?: boolean;
  /** Where skipped calls are recorded (dynamodbLocal only). */
  skipped?: SkippedCall[];
}

/** A call CloudFormation would make that the backend does not implement, so the engine left it out. */
export interface SkippedCall {
  logicalId: string;
  tableName: string;
  call: string;
}

/** What DynamoDB Local rejects of the handler's calls (`run`'s and `updateTable`'s labels). */
const NOT_ON_DYNAMODB_LOCAL = new Set([
  'UpdateContinuousBackups',
  'UpdateContributorInsights',
  'EnableKinesisStreamingDestination',
  'PutStreamResourcePolicy',
  'UpdateTable (SSE)',
  'UpdateTable (table class)',
  'UpdateTable (warm throughput)',
]);

export function tableHandler(opts: TableHandlerOptions): ResourceTypeHandler {
  const describe = async (ctx: OperationContext, name: string): Promise<TableDescription | undefined> => {
    try {
      return (await opts.dynamodb(ctx.region).send(new DescribeTableCommand({ TableName: name }))).Table;
    } catch (e) {
      if (errorName(e) === 'ResourceNotFoundException') return undefined;
      throw e;
    }
  };
  const waitActive = async (ctx: OperationContext, name: string): Promise<TableDescription> => {
    const until = Date.now() + opts.waitMs;
    for (;;) {
      const t = await describe(ctx, name);
      if (t?.TableStatus === 'ACTIVE') return t;
      if (Date.now() > until)
        throw new ResourceFailure(`Table ${name} did not become ACTIVE within ${opts.waitMs} ms (status ${t?.TableStatus ?? 'missing'})`, {
          sent: true,
          physicalId: name,
        });
      await sleep(50);
    }
  };
  const waitImported = async (ctx: OperationContext, name: string, importArn: string): Promise<void> => {
    const until = Date.now() + opts.waitMs;
    for (;;) {
      const d = (await opts.dynamodb(ctx.region).send(new DescribeImportCommand({ ImportArn: importArn }))).ImportTableDescription;
      if (d?.ImportStatus === 'COMPLETED') return;
      if (d?.ImportStatus === 'FAILED' || d?.ImportStatus === 'CANCELLED')
        throw new ResourceFailure(`Import into ${name} ${d.ImportStatus}: ${d.FailureCode ?? ''} ${d.FailureMessage ?? ''}`.trim(), {
          sent: true,
          physicalId: name,
        });
      if (Date.now() > until) throw new ResourceFailure(`Import into ${name} did not complete within ${opts.waitMs} ms`, { sent: true, physicalId: name });
      await sleep(50);
    }
  };
  const attributes = (t: TableDescription) => ({ Arn: t.TableArn, ...(t.LatestStreamArn ? { StreamArn: t.LatestStreamArn } : {}) });
  const plan = (ctx: OperationContext, props: Json, name?: string): TablePlan => {
    try {
      return nativeTableToApi(ctx.logicalId, name ? { ...props, TableName: name } : props, { defaultTableName: ctx.generatedName(255) });
    } catch (e) {
      if (e instanceof NativeTranslationError) throw new ResourceFailure(`Properties validation failed for resource ${ctx.logicalId}: ${e.message}`);
      throw e;
    }
  };
  /** Records and skips a call the backend does not implement; true when skipped. */
  const skip = (ctx: OperationContext, what: string, name: string): boolean => {
    if (!opts.dynamodbLocal || !NOT_ON_DYNAMODB_LOCAL.has(what)) return false;
    opts.skipped?.push({ logicalId: ctx.logicalId, tableName: name, call: what });
    return true;
  };
  const run = async <T>(what: string, name: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof ResourceFailure) throw e;
      throw new ResourceFailure(`${what} on ${name} failed: ${errorName(e)}: ${(e as Error).message}`, { sent: true, physicalId: name });
    }
  };

  async function followUp(ctx: OperationContext, f: FollowUp, streamArn: string | undefined): Promise<void> {
    const ddb = opts.dynamodb(ctx.region);
    switch (f.kind) {
      case 'UpdateTimeToLive':
        await ddb.send(new UpdateTimeToLiveCommand(f.input));
        return;
      case 'UpdateContinuousBackups':
        await ddb.send(new UpdateContinuousBackupsCommand(f.input));
        return;
      case 'UpdateContributorInsights':
        await ddb.send(new UpdateContributorInsightsCommand(f.input));
        return;
      case 'EnableKinesisStreamingDestination':
        await ddb.send(new EnableKinesisStreamingDestinationCommand(f.input));
        return;
      case 'PutStreamResourcePolicy':
        await ddb.send(new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: f.input.Policy }));
        return;
    }
  }

  const handler: ResourceTypeHandler = {
    customName: (props) => (props.TableName === undefined ? undefined : String(props.TableName)),

    replacementReason(oldProps, newProps) {
      if (differ(oldProps.TableName, newProps.TableName)) return 'TableName';
      if (differ(oldProps.KeySchema, newProps.KeySchema)) return 'KeySchema';
      if (differ(oldProps.LocalSecondaryIndexes, newProps.LocalSecondaryIndexes)) return 'LocalSecondaryIndexes';
      if (differ(oldProps.ImportSourceSpecification, newProps.ImportSourceSpecification)) return 'ImportSourceSpecification';
      const keys = ((newProps.KeySchema ?? []) as Json[]).map((k) => String(k.AttributeName));
      const typeOf = (p: Json, n: string) => ((p.AttributeDefinitions ?? []) as Json[]).find((a) => a.AttributeName === n)?.AttributeType;
      if (keys.some((k) => differ(typeOf(oldProps, k), typeOf(newProps, k)))) return 'AttributeDefinitions (type of a key attribute)';
      return undefined;
    },

    async create(ctx, props): Promise<Outcome> {
      const p = plan(ctx, props);
      const name = p.tableName;
      const importing = p.importTable !== undefined && !opts.dynamodbLocal;
      if (p.importTable && !importing) opts.skipped?.push({ logicalId: ctx.logicalId, tableName: name, call: 'ImportTable (made empty by CreateTable)' });
      let importArn: string | undefined;
      await run(importing ? 'ImportTable' : 'CreateTable', name, async () => {
        const ddb = opts.dynamodb(ctx.region);
        if (importing && p.importTable) importArn = (await ddb.send(new ImportTableCommand(p.importTable))).ImportTableDescription?.ImportArn;
        else await ddb.send(new CreateTableCommand(p.create));
      });
      // On AWS the table stays CREATING until the import ends, and the Table resource completes
      // only then; an import that fails fails the resource (DynamoDB developer guide, "Import
      // from Amazon S3": "During the import, the table status is CREATING"). moto makes the table
      // ACTIVE at once and fills it in a thread, so the engine waits for the import itself.
      if (importArn) await run('DescribeImport', name, () => waitImported(ctx, name, importArn as string));
      let t = await waitActive(ctx, name);
      for (const f of p.followUps) if (!skip(ctx, f.kind, name)) await run(f.kind, name, () => followUp(ctx, f, t.LatestStreamArn));
      t = await waitActive(ctx, name);
      return { physicalId: name, attributes: attributes(t) };
    },

    async update(ctx, physicalId, oldProps, newProps): Promise<Outcome> {
      const name = physicalId;
      const before = plan(ctx, oldProps, name);
      const after = plan(ctx, newProps, name);
      const byName = (list: GlobalSecondaryIndex[] | undefined) => new Map((list ?? []).map((g) => [String(g.IndexName), g]));
      const oldG = byName(before.create.GlobalSecondaryIndexes);
      const newG = byName(after.create.GlobalSecondaryIndexes);
      const shape = (g: GlobalSecondaryIndex) => ({ k: g.KeySchema, p: g.Projection });
      const creates = [...newG.keys()].filter((n) => !oldG.has(n) || differ(shape(oldG.get(n)!), shape(newG.get(n)!)));
      const deletes = [...oldG.keys()].filter((n) => !newG.has(n) || differ(shape(oldG.get(n)!), shape(newG.get(n)!)));
      if (creates.length + deletes.length > 1) throw new ResourceFailure('Cannot perform more than one GSI creation or deletion in a single update');
      if (differ(oldProps.KinesisStreamSpecification, newProps.KinesisStreamSpecification) || differ(oldProps.ResourcePolicy, newProps.ResourcePolicy)) {
        throw new ResourceFailure('The stack engine does not update KinesisStreamSpecification or ResourcePolicy of a table');
      }

      const ddb = opts.dynamodb(ctx.region);
      const actual = await run('DescribeTable', name, async () => describe(ctx, name));
      if (!actual) throw new ResourceFailure(`Table ${name} does not exist`, { sent: true, physicalId: name });
      const actualG = new Set((actual.GlobalSecondaryIndexes ?? []).map((g) => String(g.IndexName)));
      const a = after.create;
      const b = before.create;
      // DynamoDB Local clears deletion protection on an UpdateTable without the field: each call
      // restates the table's current setting, until the deletion-protection step changes it.
      let protection = actual.DeletionProtectionEnabled ?? false;
      const updateTable = async (what: string, input: Omit<UpdateTableCommandInput, 'TableName'>) => {
        if (skip(ctx, `UpdateTable (${what})`, name)) return;
        const keep = opts.dynamodbLocal ? { DeletionProtectionEnabled: protection } : {};
        await run(`UpdateTable (${what})`, name, () => ddb.send(new UpdateTableCommand({ TableName: name, ...keep, ...input })));
        protection = input.DeletionProtectionEnabled ?? protection;
        await waitActive(ctx, name);
      };
      const provisioned = (a.BillingMode ?? 'PROVISIONED') === 'PROVISIONED';

      // 1. Billing mode and throughput, with the throughput of indexes that stay.
      const staying = [...newG.values()].filter(
        (g) => oldG.has(String(g.IndexName)) && !creates.includes(String(g.IndexName)) && actualG.has(String(g.IndexName)),
      );
      const gsiUpdates = staying
        .filter(
          (g) =>
            differ(g.ProvisionedThroughput, oldG.get(String(g.IndexName))?.ProvisionedThroughput) ||
            differ(g.OnDemandThroughput, oldG.get(String(g.IndexName))?.OnDemandThroughput) ||
            (provisioned && differ(a.BillingMode, b.BillingMode)),
        )
        .map((g) => ({
          Update: {
            IndexName: g.IndexName,
            ...(provisioned ? { ProvisionedThroughput: g.ProvisionedThroughput } : {}),
            ...(g.OnDemandThroughput ? { OnDemandThroughput: g.OnDemandThroughput } : {}),
          },
        }));
      if (
        differ(a.BillingMode, b.BillingMode) ||
        differ(a.ProvisionedThroughput, b.ProvisionedThroughput) ||
        differ(a.OnDemandThroughput, b.OnDemandThroughput) ||
        gsiUpdates.length > 0
      ) {
        await updateTable('billing and throughput', {
          BillingMode: a.BillingMode ?? 'PROVISIONED',
          ...(provisioned && a.ProvisionedThroughput ? { ProvisionedThroughput: a.ProvisionedThroughput } : {}),
          ...(a.OnDemandThroughput ? { OnDemandThroughput: a.OnDemandThroughput } : {}),
          ...(gsiUpdates.length > 0 ? { GlobalSecondaryIndexUpdates: gsiUpdates } : {}),
        });
      }
      // 2. and 3. One index delete or create (only what the table really has, or lacks).
      for (const n of deletes.filter((x) => actualG.has(x)))
        await updateTable(`delete index ${n}`, { GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: n } }] });
      for (const n of creates.filter((x) => !actualG.has(x) || deletes.includes(x))) {
        const g = newG.get(n)!;
        await updateTable(`create index ${n}`, {
          AttributeDefinitions: a.AttributeDefinitions,
          GlobalSecondaryIndexUpdates: [{ Create: { ...g, ...(provisioned ? {} : { ProvisionedThroughput: undefined }) } }],
        });
      }
      // 4. Stream: enabling needs no stream, so a new view type goes through "disabled".
      if (differ(a.StreamSpecification, b.StreamSpecification)) {
        if (b.StreamSpecification) await updateTable('disable stream', { StreamSpecification: { StreamEnabled: false } });
        if (a.StreamSpecification) await updateTable('enable stream', { StreamSpecification: a.StreamSpecification });
      }
      // 5. Settings that UpdateTable takes one at a time here.
      if (differ(a.DeletionProtectionEnabled ?? false, b.DeletionProtectionEnabled ?? false))
        await updateTable('deletion protection', { DeletionProtectionEnabled: a.DeletionProtectionEnabled ?? false });
      if (differ(a.TableClass, b.TableClass)) await updateTable('table class', { TableClass: a.TableClass ?? 'STANDARD' });
      if (differ(a.SSESpecification, b.SSESpecification)) await updateTable('SSE', { SSESpecification: a.SSESpecification ?? { Enabled: false } });
      if (differ(a.WarmThroughput, b.WarmThroughput) && a.WarmThroughput) await updateTable('warm throughput', { WarmThroughput: a.WarmThroughput });

      // 6. Follow-up settings: TTL, PITR, contributor insights.
      const find = (p: TablePlan, kind: FollowUp['kind'], index?: string) =>
        p.followUps.find((f) => f.kind === kind && (f.kind !== 'UpdateContributorInsights' || f.input.IndexName === index));
      const ttlB = find(before, 'UpdateTimeToLive') as Extract<FollowUp, { kind: 'UpdateTimeToLive' }> | undefined;
      const ttlA = find(after, 'UpdateTimeToLive') as Extract<FollowUp, { kind: 'UpdateTimeToLive' }> | undefined;
      if (differ(ttlA?.input, ttlB?.input)) {
        if (ttlB)
          await run('UpdateTimeToLive', name, () =>
            ddb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { ...ttlB.input.TimeToLiveSpecification, Enabled: false } })),
          );
        if (ttlA) await run('UpdateTimeToLive', name, () => ddb.send(new UpdateTimeToLiveCommand({ ...ttlA.input, TableName: name })));
      }
      const pitrA = find(after, 'UpdateContinuousBackups') as Extract<FollowUp, { kind: 'UpdateContinuousBackups' }> | undefined;
      if (differ(pitrA?.input, find(before, 'UpdateContinuousBackups')?.input)) {
        const spec = pitrA?.input.PointInTimeRecoverySpecification ?? { PointInTimeRecoveryEnabled: false };
        if (!skip(ctx, 'UpdateContinuousBackups', name))
          await run('UpdateContinuousBackups', name, () =>
            ddb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: spec })),
          );
      }
      for (const index of new Set([undefined, ...oldG.keys(), ...newG.keys()])) {
        const ia = find(after, 'UpdateContributorInsights', index);
        const ib = find(before, 'UpdateContributorInsights', index);
        if (!differ(ia?.input, ib?.input) || (index !== undefined && !newG.has(index))) continue;
        const input = ia
          ? { ...(ia.input as Json), TableName: name }
          : { TableName: name, ...(index ? { IndexName: index } : {}), ContributorInsightsAction: 'DISABLE' as const };
        if (!skip(ctx, 'UpdateContributorInsights', name))
          await run('UpdateContributorInsights', name, () => ddb.send(new UpdateContributorInsightsCommand(input as never)));
      }
      // 7. Tags: remove keys no longer declared, then write the declared set.
      if (differ(a.Tags, b.Tags)) {
        const keep = new Set((a.Tags ?? []).map((t) => t.Key));
        const gone = (b.Tags ?? []).map((t) => String(t.Key)).filter((k) => !keep.has(k));
        if (gone.length > 0) await run('UntagResource', name, () => ddb.send(new UntagResourceCommand({ ResourceArn: actual.TableArn, TagKeys: gone })));
        if ((a.Tags ?? []).length > 0) await run('TagResource', name, () => ddb.send(new TagResourceCommand({ ResourceArn: actual.TableArn, Tags: a.Tags })));
      }
      return { physicalId: name, attributes: attributes(await waitActive(ctx, name)) };
    },

    async delete(ctx, physicalId) {
      await run('DeleteTable', physicalId, async () => {
        try {
          await opts.dynamodb(ctx.region).send(new DeleteTableCommand({ TableName: physicalId }));
        } catch (e) {
          if (errorName(e) !== 'ResourceNotFoundException') throw e;
        }
      });
      const until = Date.now() + opts.waitMs;
      while (await describe(ctx, physicalId)) {
        if (Date.now() > until) throw new ResourceFailure(`Table ${physicalId} was not deleted within ${opts.waitMs} ms`, { sent: true, physicalId });
        await sleep(50);
      }
    },
  };
  return handler;
}
