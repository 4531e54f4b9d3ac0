/**
 * An MRSC table in use (it holds items) has its replica and witness removed by an update that then
 * fails in an unrelated resource (the Tripwire dashboard, after the replicas). CloudFormation rolls
 * back with the old properties, which ask for the MRSC Regions again. DynamoDB enables
 * multi-Region strong consistency only on an empty table ("Table must be empty when enabling
 * MRSC", the developer guide's MRSC example,
 * https://docs.aws.amazon.com/code-library/latest/ug/dynamodb_example_dynamodb_Scenario_MRSCGlobalTables_section.html),
 * so the rollback cannot restore them. Failing the rollback would leave the stack
 * UPDATE_ROLLBACK_FAILED, and continue-update-rollback would fail the same way every time: the
 * rollback answers SUCCESS (its Reason and the provider's log say the table stays single-Region
 * and why), and the table keeps its items.
 */
import type { Scenario } from '../scenario';

const WITH_WITNESS = [
  '      ReplicaRegions: [{ RegionName: us-east-2, DeletionProtectionEnabled: false }]',
  '      GlobalTableWitnesses: [{ Region: us-west-2 }]',
].join('\n');

const template = (mrsc: boolean) => `
Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    DeletionPolicy: Delete
    Properties:
      TableName: {{TableName}}
      HashKey: pk
      Attributes: [{ Name: pk, Type: S }]
      Monitoring: { Enabled: false }
      MultiRegionConsistency: STRONG
${mrsc ? WITH_WITNESS : '      ReplicaRegions: []'}
  Tripwire:
    Type: AWS::CloudWatch::Dashboard
    DependsOn: [OrdersReplicas]
    Properties:
      DashboardBody: '{"widgets":[]}'
`;

const items = { a: { src: 'app', n: 1 }, b: { src: 'app', n: 2 } };

export const scenario: Scenario = {
  name: 'mrsc-rollback-with-items',
  description: 'An MRSC table with items: removing its replica and witness fails elsewhere, and the rollback, which cannot restore MRSC, completes',
  fixedRegions: 'the US MRSC Region set: us-east-1 home, us-east-2, us-west-2',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: STRONG, a replica in us-east-2 and the witness in us-west-2',
      template: template(true),
      expect: {
        status: 'CREATE_COMPLETE',
        regionTables: { 'us-east-1': { status: 'ACTIVE', consistency: 'STRONG', replicas: ['us-east-2'], witnesses: ['us-west-2'] } },
      },
    },
    { kind: 'putItems', title: 'the application writes items', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: ReplicaRegions: [] removes the replica and the witness, then the Tripwire dashboard fails: rollback',
      template: template(false),
      failResource: 'Tripwire',
      expect: {
        status: 'UPDATE_ROLLBACK_COMPLETE',
        regions: { 'us-east-1': true, 'us-east-2': false, 'us-west-2': false },
        regionTables: { 'us-east-1': { status: 'ACTIVE', replicas: [], witnesses: [] }, 'us-east-2': null, 'us-west-2': null },
        items,
      },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'us-east-2': false, 'us-west-2': false }, items: { a: null } },
    },
  ],
};
