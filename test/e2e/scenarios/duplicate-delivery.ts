/**
 * Lambda delivers an asynchronous event at least once ("your function may receive the same event
 * multiple times, even if no error occurs", Lambda developer guide, asynchronous invocation): the
 * replicas Update is delivered twice, and still answered exactly once, each replica created once.
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
      HashKey: pk
      Attributes: [{ Name: pk, Type: S }]
      Monitoring: { Enabled: false }
      ReplicaRegions:
${regions.map((r) => `        - { RegionName: ${r}, PointInTimeRecoveryEnabled: false }`).join('\n')}
`;

const items = { a: { src: 'app', n: 1 } };

export const scenario: Scenario = {
  name: 'duplicate-delivery',
  description: 'The same replicas Update delivered twice: one answer, the right replicas',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: a table with eu-west-1',
      template: template(['eu-west-1']),
      expect: { status: 'CREATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false } },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: add ap-southeast-2, its Update delivered twice',
      template: template(['eu-west-1', 'ap-southeast-2']),
      fault: { kind: 'duplicateDelivery', logicalId: 'OrdersReplicas', requestType: 'Update' },
      localOnly: 'delivering one event twice needs the local Lambda service',
      expect: { status: 'UPDATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': true }, items, answeredOnce: true },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
