/**
 * A replicated PROVISIONED table with autoscaling that has an autoscaled GSI from its first
 * deploy (the index exists before any replica), then gets a second replica region. DynamoDB
 * manages the write capacity and write auto scaling of such a table globally ("write capacity and
 * write auto scaling settings are managed globally", DynamoDB developer guide,
 * V2globaltables_reqs_bestpractices; UpdateTableReplicaAutoScaling API reference).
 */
import type { Scenario } from '../scenario';

const template = (regions: string[]) => `
Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    DeletionPolicy: Delete
    Properties:
      TableName: {{TableName}}
      BillingMode: PROVISIONED
      HashKey: pk
      Attributes:
        - { Name: pk, Type: S }
        - { Name: status, Type: S }
      ReadCapacity: 5
      WriteCapacity: 5
      AutoscalingEnabled: true
      AutoscalingRead: { MaxCapacity: 50 }
      AutoscalingWrite: { MaxCapacity: 50 }
      GlobalSecondaryIndexes:
        - { Name: ByStatus, HashKey: status, ReadCapacity: 5, WriteCapacity: 5 }
      GsiAutoscalingRead: { ByStatus: { MaxCapacity: 50 } }
      GsiAutoscalingWrite: { ByStatus: { MaxCapacity: 50 } }
      Monitoring: { Enabled: false }
      ReplicaRegions:
${regions.map((r) => `        - { RegionName: ${r}, PointInTimeRecoveryEnabled: false }`).join('\n')}
`;

const items = { a: { src: 'app', n: 1, status: 'new' } };

export const scenario: Scenario = {
  name: 'gsi-at-create-replicated',
  description: 'A PROVISIONED, autoscaled table with an autoscaled GSI from the start, replicated to one region, then two',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: PROVISIONED with an autoscaled GSI, replicated to eu-west-1',
      template: template(['eu-west-1']),
      expect: { status: 'CREATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false }, table: { indexes: ['ByStatus'] } },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: add ap-southeast-2',
      template: template(['eu-west-1', 'ap-southeast-2']),
      expect: { status: 'UPDATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': true }, items, table: { indexes: ['ByStatus'] } },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
