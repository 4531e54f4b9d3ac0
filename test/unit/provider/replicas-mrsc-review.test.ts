/**
 * MRSC review findings in the replicas resource (issue 13 review). The handler is driven directly
 * with a fake home-Region DynamoDB client that records every call; plan-level findings call the
 * planner. Each test failed before its fix.
 */
import type { HomeState } from '../../../provider/replicas/observe';
import { isMrsc, planMrsc, planStructure } from '../../../provider/replicas/plan';

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
