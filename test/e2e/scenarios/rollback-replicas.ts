/**
 * v1 → v2 → v3 with replicas, v3 adding a region and failing in an unrelated resource (the
 * Tripwire dashboard, after the replicas). The rollback Update carries v2's regions
 * (aws-cloudformation/custom-resource-helper#71): the region v3 added is removed again, v2's
 * stay, and the table with its items is untouched. The table has its stream from v1, so v2 adds
 * a replica to a table whose stream already exists (replicas-on-new-stream covers turning the
 * stream on and adding the first replica in one update).
 */
import type { Scenario } from '../scenario';

const regionLine = (r: string) => `        - { RegionName: ${r}, PointInTimeRecoveryEnabled: false }`;
const regionsYaml = (regions: string[]) => (regions.length ? `      ReplicaRegions:\n${regions.map(regionLine).join('\n')}\n` : '');

const template = (regions: string[]) => `
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
      StreamEnabled: true
${regionsYaml(regions)}  Tripwire:
    Type: AWS::CloudWatch::Dashboard
    DependsOn: [${regions.length ? 'OrdersReplicas' : 'Orders'}]
    Properties:
      DashboardBody: '{"widgets":[]}'
`;

const items = { a: { src: 'app', n: 1 }, b: { src: 'app', n: 2 } };

export const scenario: Scenario = {
  name: 'rollback-replicas',
  description: 'Replicas through v1 (none), v2 (one region) and a failing v3 (a second region): the rollback removes the added replica',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: a table without replicas',
      template: template([]),
      expect: { status: 'CREATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': false, 'ap-southeast-2': false } },
    },
    { kind: 'putItems', title: 'the application writes items', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: add eu-west-1',
      template: template(['eu-west-1']),
      expect: { status: 'UPDATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false }, items },
    },
    {
      kind: 'deploy',
      title: 'v3: add ap-southeast-2, then the Tripwire dashboard fails: rollback',
      template: template(['eu-west-1', 'ap-southeast-2']),
      failResource: 'Tripwire',
      expect: { status: 'UPDATE_ROLLBACK_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false }, items },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
