/**
 * Adding an autoscaled GSI to a replicated PROVISIONED table. For such a table DynamoDB manages
 * write capacity and write auto scaling globally: "write capacity and write auto scaling settings
 * are managed globally" (DynamoDB developer guide, V2globaltables_reqs_bestpractices;
 * UpdateTableReplicaAutoScaling API reference). Adding an index needs the table's write capacity
 * auto scaled, or "Table write capacity should either be Pay-Per-Request or AutoScaled"
 * (aws-controllers-k8s/community#2610, aws/aws-cdk#19083); the index's own write auto scaling
 * then follows for the whole group through UpdateTableReplicaAutoScaling.
 */
import type { Scenario } from '../scenario';

const template = (gsi: boolean) => `
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
${gsi ? '        - { Name: status, Type: S }\n' : ''}      ReadCapacity: 5
      WriteCapacity: 5
      AutoscalingEnabled: true
      AutoscalingRead: { MaxCapacity: 50 }
      AutoscalingWrite: { MaxCapacity: 50 }
${
  gsi
    ? `      GlobalSecondaryIndexes:
        - { Name: ByStatus, HashKey: status, ReadCapacity: 5, WriteCapacity: 5 }
      GsiAutoscalingRead: { ByStatus: { MaxCapacity: 50 } }
      GsiAutoscalingWrite: { ByStatus: { MaxCapacity: 50 } }
`
    : ''
}      Monitoring: { Enabled: false }
      ReplicaRegions:
        - { RegionName: eu-west-1, PointInTimeRecoveryEnabled: false }
`;

const regions = { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false };
const items = { a: { src: 'app', n: 1 } };

export const scenario: Scenario = {
  name: 'gsi-replicated-provisioned',
  description: 'Add an autoscaled GSI to a replicated PROVISIONED table with autoscaling',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: PROVISIONED, autoscaled, replicated to eu-west-1',
      template: template(false),
      expect: { status: 'CREATE_COMPLETE', regions, table: { indexes: [] } },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: add the autoscaled GSI ByStatus',
      template: template(true),
      expect: { status: 'UPDATE_COMPLETE', regions, items, table: { indexes: ['ByStatus'] } },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
