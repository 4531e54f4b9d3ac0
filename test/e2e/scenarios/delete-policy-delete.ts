/** Deleting the stack with DeletionPolicy: Delete: the replicas go first, then the table. */
import type { Scenario } from '../scenario';

const template = `
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
      ReplicaRegions:
        - { RegionName: eu-west-1, PointInTimeRecoveryEnabled: false }
        - { RegionName: ap-southeast-2, PointInTimeRecoveryEnabled: false }
`;

const items = { a: { src: 'app', n: 1 } };

export const scenario: Scenario = {
  name: 'delete-policy-delete',
  description: 'Stack delete with DeletionPolicy Delete: every replica and the table are gone',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: a table with two replicas',
      template,
      expect: { status: 'CREATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': true } },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'delete',
      title: 'delete the stack',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
