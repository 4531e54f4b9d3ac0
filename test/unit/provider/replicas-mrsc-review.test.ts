/**
 * MRSC review findings in the replicas resource (issue 13 review). The handler is driven directly
 * with a fake home-Region DynamoDB client that records every call; plan-level findings call the
 * planner. Each test failed before its fix.
 */
import type { HomeState } from '../../../provider/replicas/observe';
import { isMrsc, planMrsc, planStructure } from '../../../provider/replicas/plan';
import { makeReplicasHandler } from '../../../provider/replicas/handler';
import type { ReplicasProps } from '../../../provider/replicas/props';
import type { HandlerRequest } from '../../../provider/types';

const noLog = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;

/** A single-Region, empty, on-demand table that answers DescribeTable and Scan, and records every call. */
function fakeHome() {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ name: cmd.constructor.name, input: cmd.input });
      if (cmd.constructor.name === 'DescribeTableCommand')
        return {
          Table: {
            TableName: 'ledger',
            TableArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/ledger',
            TableStatus: 'ACTIVE',
            BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
          },
        };
      // The Scan sees an item, so the Create stops before its UpdateTable.
      if (cmd.constructor.name === 'ScanCommand') return { Count: 1, LastEvaluatedKey: { id: { S: 'a' } } };
      throw new Error(`unexpected ${cmd.constructor.name}`);
    },
  };
  return { client, calls };
}

const strongProps: ReplicasProps = {
  ServiceToken: 'arn',
  ServiceTimeout: 3600,
  TableName: 'ledger',
  BillingMode: 'PAY_PER_REQUEST',
  Replicas: [{ RegionName: 'us-east-2', PropagateTags: false, PointInTimeRecoveryEnabled: false }],
  MultiRegionConsistency: 'STRONG',
  GlobalTableWitnesses: [{ Region: 'us-west-2' }],
  Tags: [],
  WaitForReplication: true,
  RetainOnDelete: true,
};

function request(ddb: unknown): HandlerRequest<ReplicasProps> {
  return {
    requestType: 'Create',
    stackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/s/1',
    requestId: 'r1',
    logicalResourceId: 'LedgerReplicas',
    properties: strongProps,
    deadline: Date.now() + 5_000,
    clients: { homeRegion: 'us-east-1', dynamodb: () => ddb } as never,
    log: noLog,
  };
}

describe('the emptiness check before MRSC is enabled', () => {
  // Scan is eventually consistent by default: with ConsistentRead false "the data returned from
  // Scan might not contain the results from other recently completed write operations"; with true,
  // every write completed before the Scan began is in its response (Scan API reference,
  // ConsistentRead, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html).
  // An item written a moment before the deploy must be seen.
  it('reads one item with a strongly consistent Scan', async () => {
    const { client, calls } = fakeHome();
    const r = await makeReplicasHandler({ initialMs: 1, maxMs: 2 }).handle(request(client));
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringMatching(/has items/) });
    expect(calls.filter((c) => c.name === 'ScanCommand').map((c) => c.input)).toEqual([
      expect.objectContaining({ TableName: 'ledger', Limit: 1, ConsistentRead: true }),
    ]);
    expect(calls.some((c) => c.name === 'UpdateTableCommand')).toBe(false);
  });
});

describe('a table that reports MultiRegionConsistency without being a global table', () => {
  // Deleting the witness with a replica "converts the remaining replica to a single-Region
  // DynamoDB table" (GlobalTableWitnessGroupUpdate, Delete:
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GlobalTableWitnessGroupUpdate.html).
  // Whether DescribeTable still reports the old mode then is not documented. The mode is that of
  // the replicas ("You cannot change a global table's consistency mode after creation"), so a
  // table with neither replicas nor a witness is free to become either kind of global table.
  const former: HomeState = {
    tableName: 'ledger',
    arn: 'arn:aws:dynamodb:us-east-1:111111111111:table/ledger',
    status: 'ACTIVE',
    billingMode: 'PAY_PER_REQUEST',
    streamViewType: 'NEW_AND_OLD_IMAGES',
    indexNames: [],
    replicas: new Map(),
    consistency: 'STRONG',
    witnesses: new Map(),
  };
  it('gets eventually consistent replicas from the MREC planner, one per UpdateTable', () => {
    expect(isMrsc(former, false)).toBe(false);
    expect(planStructure(former, ['eu-west-1', 'ap-southeast-2'], [])).toEqual({ kind: 'create', region: 'eu-west-1' });
    // And the MRSC planner, asked anyway, does not fail with an internal error.
    expect(planMrsc(former, false, ['eu-west-1'], [], [])).not.toMatchObject({ kind: 'fail' });
  });
  it('still goes to the MRSC planner when STRONG is asked for', () => {
    expect(isMrsc(former, true)).toBe(true);
    expect(planMrsc(former, true, ['us-east-2'], ['us-west-2'], [])).toEqual({ kind: 'create-group', regions: ['us-east-2'], witnesses: ['us-west-2'] });
  });
});

describe('an eventually consistent global table on its way to MRSC', () => {
  // docs/replicas.md: to change the mode, deploy ReplicaRegions: [] first, then the new mode on the
  // empty table. A template that already says MultiRegionConsistency: STRONG with ReplicaRegions: []
  // passes the macro (a table without replicas is no MRSC table yet, ARC-E7013), and must remove
  // the eventually consistent replicas as any removal does: one per UpdateTable ("you can only add
  // or remove a single replica in each update", AWS::DynamoDB::GlobalTable,
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-globaltable.html).
  const mrec: HomeState = {
    tableName: 'ledger',
    arn: 'arn:aws:dynamodb:us-east-1:111111111111:table/ledger',
    status: 'ACTIVE',
    billingMode: 'PAY_PER_REQUEST',
    streamViewType: 'NEW_AND_OLD_IMAGES',
    indexNames: [],
    replicas: new Map([
      ['eu-west-1', { region: 'eu-west-1', status: 'ACTIVE', indexes: new Map() }],
      ['us-east-2', { region: 'us-east-2', status: 'ACTIVE', indexes: new Map() }],
    ]),
    consistency: 'EVENTUAL',
    witnesses: new Map(),
  };
  it('removes its replicas one at a time when STRONG comes with ReplicaRegions: []', () => {
    expect(planMrsc(mrec, true, [], [], ['eu-west-1', 'us-east-2'])).toEqual({ kind: 'delete', region: 'eu-west-1' });
  });
  it('still refuses to turn its replicas STRONG', () => {
    expect(planMrsc(mrec, true, ['eu-west-1', 'us-east-2'], [], [])).toMatchObject({
      kind: 'fail',
      reason: expect.stringMatching(/EVENTUAL, and the template asks/),
    });
  });
});
