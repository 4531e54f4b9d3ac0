/**
 * Behaviours the goldens show only in part: every error in one round (limits and collisions for
 * the tables that expanded while others fail), names shortened only when too long, suggestions,
 * and the booleans CloudFormation reads.
 */
import { FailedPaths } from '../../../macro/errors';
import { expandTemplate } from '../../../macro/expand';
import { editDistance, nearest, suggestProperty } from '../../../macro/model/suggestions';
import { booleanString } from '../../../macro/model/values';
import { fitId, ids, MAX_LOGICAL_ID_LENGTH, safeName, stableHash } from '../../../macro/naming';

const base = { region: 'us-east-1', accountId: '123456789012' };
const arc = (props: Record<string, unknown> = {}) => ({
  Type: 'Arc::DynamoDB::Table',
  Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], Monitoring: { Enabled: false }, ...props },
});
const rules = (r: ReturnType<typeof expandTemplate>) => (r.ok ? [] : r.errors.map((e) => `${e.logicalId} ${e.path} ${e.rule}`));

describe('every error in one round', () => {
  it('checks the resource limit with the tables that expanded while another table has errors', () => {
    // Given 499 queues, a table that expands to three resources, and a table with a schema error
    const resources: Record<string, unknown> = {};
    for (let i = 0; i < 499; i++) resources[`Q${i}`] = { Type: 'AWS::SQS::Queue' };
    resources.T = arc({ BillingMode: 'PROVISIONED', ReadCapacity: 1, WriteCapacity: 1, AutoscalingEnabled: true, AutoscalingRead: { MaxCapacity: 2 } });
    resources.Bad = arc({ BillingMode: 'FREE' });
    // When expanded
    const r = expandTemplate({ ...base, fragment: { Resources: resources } });
    // Then both the schema error and the limit (a lower bound: Bad counts as one resource) are reported
    expect(r.ok ? '' : r.errorMessage).toBe(
      '2 error(s) in Arc::DynamoDB::Table resources:\n' +
        '- [Bad] BillingMode: must be one of PAY_PER_REQUEST, PROVISIONED or a Ref to a template parameter (ARC-E1012)\n' +
        "- [Template] Resources: the expanded template has at least 503 resources, over CloudFormation's limit of 500 (the Arc::DynamoDB::Table " +
        'resources expand to at least 4, counting each of the 1 with errors as one resource; split the stack) (ARC-E0003)',
    );
  });

  it('reports schema, value and rule errors of one table together, without echoes', () => {
    const r = expandTemplate({
      ...base,
      templateParameterValues: { Flag: 'maybe' },
      fragment: {
        Parameters: { Flag: { Type: 'String' } },
        Resources: {
          // BillingMode misspelt (schema), a parameter with a bad value (value), an unused attribute (rule)
          T: arc({
            BilingMode: 'PROVISIONED',
            ReadCapacity: 5,
            TtlEnabled: { Ref: 'Flag' },
            TtlAttributeName: 'exp',
            Attributes: [
              { Name: 'id', Type: 'S' },
              { Name: 'x', Type: 'S' },
            ],
          }),
        },
      },
    });
    // No "ReadCapacity is only for PROVISIONED" (BillingMode was meant) and no "TtlAttributeName without TtlEnabled" (TtlEnabled failed)
    expect(rules(r)).toEqual(['T BilingMode ARC-E1010', 'T TtlEnabled ARC-E2003', 'T Attributes[1] ARC-E3004']);
  });

  it('treats a path as failed at itself and below, and touching from above too', () => {
    const f = new FailedPaths([{ rule: 'ARC-E1012', logicalId: 'T', path: 'GlobalSecondaryIndexes[0].ProjectionType', message: 'x' }]);
    expect([
      f.at('GlobalSecondaryIndexes[0].ProjectionType'),
      f.at('GlobalSecondaryIndexes[0]'),
      f.touching('GlobalSecondaryIndexes[0]'),
      f.at('GlobalSecondaryIndexes[1].Name'),
    ]).toEqual([true, false, true, false]);
  });
});

describe('generated names', () => {
  it('leaves every ID that fits as it always was', () => {
    expect(ids.indexScalableTarget('Orders', 'last_activity-idx', 'Read')).toBe('OrdersIndexLastActivityIdxReadScalableTarget');
    expect(fitId('A', 'b', 'C')).toBe('AbC');
  });

  it('shortens a too-long ID to exactly 255 characters with a stable hash of the index name, the same for every resource of that index', () => {
    const index = `by-${'x'.repeat(252)}`;
    const target = ids.indexScalableTarget('Orders', index, 'Read');
    const policy = ids.indexScalingPolicy('Orders', index, 'Read');
    expect([target.length, policy.length]).toEqual([MAX_LOGICAL_ID_LENGTH, MAX_LOGICAL_ID_LENGTH]);
    const hash = stableHash(safeName(index));
    expect(target.endsWith(`${hash}ReadScalableTarget`) && policy.endsWith(`${hash}ReadScalingPolicy`)).toBe(true);
    expect(target).toMatch(/^[A-Za-z0-9]+$/);
    expect(ids.indexScalableTarget('Orders', index, 'Read')).toBe(target);
  });

  it('cuts and hashes the whole ID when the table ID alone leaves no room', () => {
    const id = ids.alarm('T'.repeat(250), 'ReadThrottleEvents');
    expect(id.length).toBe(MAX_LOGICAL_ID_LENGTH);
    expect(id.slice(-8)).toBe(stableHash(`${'T'.repeat(250)}ReadThrottleEventsAlarm`));
  });
});

describe('suggestions', () => {
  it('measures typos with transpositions as one edit', () => {
    expect([editDistance('HashKye', 'HashKey'), editDistance('BilingMode', 'BillingMode'), editDistance('hashkey', 'HashKey')]).toEqual([1, 1, 0]);
  });

  it('suggests a near miss only when it is close', () => {
    expect(nearest('HashKye', ['HashKey', 'RangeKey'])).toBe('HashKey');
    expect(nearest('Throttles', ['ReadThrottleEvents', 'SystemErrors'])).toBeUndefined();
  });

  it('maps module variables to their property, and native shapes to the Arc form', () => {
    expect(suggestProperty('', 'table_name', 'x', ['TableName'])).toEqual({
      advice: 'write TableName: properties are the sourcefuse/arc-dynamodb variables in PascalCase',
      rule: 'module-variable-names',
      names: 'TableName',
    });
    expect(suggestProperty('/ReplicaRegions/0', 'point_in_time_recovery', true, ['PointInTimeRecoveryEnabled'])?.names).toBe('PointInTimeRecoveryEnabled');
    expect(suggestProperty('', 'KeySchema', [{ AttributeName: 'pk', KeyType: 'HASH' }], ['HashKey'])?.advice).toBe(
      'write HashKey: pk (KeySchema is the native AWS::DynamoDB::Table form)',
    );
  });
});

describe('booleans CloudFormation reads', () => {
  it('accepts true, false, "true", "false", "True" and "False", and nothing else', () => {
    expect([true, false, 'true', 'false', 'True', 'False', 'TRUE', 'yes', 1].map(booleanString)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
