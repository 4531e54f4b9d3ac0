/**
 * MRSC review findings in the macro (issue 13 review). Each test failed before its fix.
 */
import { expandTemplate } from '../../../macro/expand';

const expand = (props: Record<string, unknown>) =>
  expandTemplate({
    region: 'us-east-1',
    accountId: '123456789012',
    fragment: { Resources: { Ledger: { Type: 'Arc::DynamoDB::Table', Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], ...props } } } },
  });

const strong = { MultiRegionConsistency: 'STRONG', ReplicaRegions: [{ RegionName: 'us-east-2' }], GlobalTableWitnesses: [{ Region: 'us-west-2' }] };

describe('MultiRegionConsistency STRONG and a table created with data', () => {
  // CopyFrom creates the table from an export of another table (ImportSourceSpecification), so
  // it holds items before its replicas exist, and DynamoDB enables MRSC only on an empty table
  // ("Table must be empty when enabling MRSC", developer guide, MRSC example:
  // https://docs.aws.amazon.com/code-library/latest/ug/dynamodb_example_dynamodb_Scenario_MRSCGlobalTables_section.html).
  // Before the fix the template expanded, the whole source table was exported and imported,
  // and only then did the replicas resource refuse the table for its items.
  it('refuses CopyFrom with STRONG before anything is exported (ARC-E7014)', () => {
    const r = expand({ ...strong, CopyFrom: { SourceTableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/prod', S3Bucket: 'copies' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.path} ${e.rule}`)).toEqual(['CopyFrom ARC-E7014']);
    expect(r.errorMessage).toContain('only on an empty table');
  });

  it('still expands CopyFrom with eventually consistent replicas, and STRONG without CopyFrom', () => {
    expect(
      expand({
        ReplicaRegions: [{ RegionName: 'eu-west-1' }],
        CopyFrom: { SourceTableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/prod', S3Bucket: 'c' },
      }).ok,
    ).toBe(true);
    expect(expand(strong).ok).toBe(true);
  });
});
