/**
 * DeleteStack while the stack is still CREATE_IN_PROGRESS, in the middle of the replicas'
 * Create: CloudFormation cancels the Create ("Resource creation cancelled") and sends the Delete
 * while the provider still works on it (aws-cloudformation/cloudformation-coverage-roadmap#1730),
 * with a physical ID it made up (#1814). The Delete takes over (the provider's lease), removes the
 * replica being created, and the stack is deleted; nothing is left in any region.
 */
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

export const scenario: Scenario = {
  name: 'delete-races-create',
  description: 'DeleteStack while the replicas Create runs (eu-west-1 CREATING): everything is gone, each request answered once',
  steps: [
    {
      kind: 'deleteDuringCreate',
      title: 'create with two replicas; delete the stack once eu-west-1 is CREATING',
      template,
      whenReplicaCreating: 'eu-west-1',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
