/**
 * v1 → v2 → v3 where v3 changes table settings (a tag, point-in-time recovery) and fails in an
 * unrelated resource: CloudFormation puts the table's v2 settings back (its rollback is an
 * Update to the previous properties), the replica and the items are untouched.
 */
import type { Scenario } from '../scenario';

const template = (version: string, pitr: boolean) => `
Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    DeletionPolicy: Delete
    Properties:
      TableName: {{TableName}}
      HashKey: pk
      Attributes: [{ Name: pk, Type: S }]
      PointInTimeRecoveryEnabled: ${pitr}
      Monitoring: { Enabled: false }
      Tags: { version: ${version} }
      ReplicaRegions:
        - { RegionName: eu-west-1, PointInTimeRecoveryEnabled: false }
  Tripwire:
    Type: AWS::CloudWatch::Dashboard
    DependsOn: [OrdersReplicas]
    Properties:
      DashboardBody: '{"widgets":[]}'
`;

const regions = { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false };
const items = { a: { src: 'app', n: 1 } };

export const scenario: Scenario = {
  name: 'rollback-table',
  description: 'Table settings through v1, v2 and a failing v3 that changes them: the table returns to v2',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: tag version=v1, PITR on',
      template: template('v1', true),
      expect: { status: 'CREATE_COMPLETE', regions, table: { tags: { version: 'v1' }, pointInTimeRecovery: true } },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: tag version=v2',
      template: template('v2', true),
      expect: { status: 'UPDATE_COMPLETE', regions, items, table: { tags: { version: 'v2' }, pointInTimeRecovery: true } },
    },
    {
      kind: 'deploy',
      title: 'v3: tag version=v3 and PITR off, then the Tripwire dashboard fails: rollback',
      template: template('v3', false),
      failResource: 'Tripwire',
      expect: { status: 'UPDATE_ROLLBACK_COMPLETE', regions, items, table: { tags: { version: 'v2' }, pointInTimeRecovery: true } },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
