/**
 * The replicas resource misses its ServiceTimeout ("the request is considered unsuccessful, and
 * the stack operation fails", AWS::CloudFormation::CustomResource), twice: once because the
 * provider never ran (held), once in the middle of a replica creation. Each time the stack rolls
 * back cleanly (UPDATE_ROLLBACK_COMPLETE, the home table and eu-west-1 untouched). A rollback
 * does not wait for a replica that is still CREATING (it may take hours, longer than the
 * rollback's own ServiceTimeout; AWS::DynamoDB::GlobalTable: "you might need to manually delete
 * the replica"): the provider remembers it and the next deploy removes it (docs/replicas.md,
 * "Rollback while a replica is still being created"), so right after that rollback the region is
 * not asserted, and the next deploy must have removed it. A later deploy of the two-region
 * template then converges. On AWS the two forced timeouts are skipped.
 */
import type { Scenario } from '../scenario';

const template = (regions: string[], rev = '1') => `
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
      Tags: { rev: '${rev}' }
      ReplicaRegions:
${regions.map((r) => `        - { RegionName: ${r}, PointInTimeRecoveryEnabled: false }`).join('\n')}
`;

const one = { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false };
const items = { a: { src: 'app', n: 1 } };
const TIMED_OUT = 'did not receive a response from your Custom Resource';

export const scenario: Scenario = {
  name: 'timeout-replica-create',
  description: 'ServiceTimeout while the provider is held and while a replica is CREATING: clean rollbacks, then convergence',
  steps: [
    { kind: 'deploy', title: 'v1: a table with eu-west-1', template: template(['eu-west-1']), expect: { status: 'CREATE_COMPLETE', regions: one } },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2 (add ap-southeast-2) while the provider is held past its ServiceTimeout: rollback',
      template: template(['eu-west-1', 'ap-southeast-2']),
      fault: { kind: 'holdPastTimeout', logicalId: 'OrdersReplicas', requestType: 'Update', timeoutMs: 1000 },
      localOnly: 'holding the provider Lambda needs the local Lambda service',
      expect: { status: 'UPDATE_ROLLBACK_COMPLETE', regions: one, items, reasonIncludes: TIMED_OUT },
    },
    {
      kind: 'deploy',
      title: 'v2 again, timed out while the ap-southeast-2 replica is CREATING: rollback',
      template: template(['eu-west-1', 'ap-southeast-2']),
      fault: { kind: 'timeoutDuringReplicaCreation', logicalId: 'OrdersReplicas', region: 'ap-southeast-2' },
      localOnly: 'timing a custom resource out at a chosen moment needs the local CloudFormation',
      // ap-southeast-2 is left out: it may still exist (CREATING), pending removal by the next deploy.
      expect: { status: 'UPDATE_ROLLBACK_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true }, items, reasonIncludes: TIMED_OUT },
    },
    {
      kind: 'deploy',
      title: 'v1 with a new tag: the next deploy removes the replica the rollback left',
      template: template(['eu-west-1'], '2'),
      expect: { status: 'UPDATE_COMPLETE', regions: one, items },
    },
    {
      kind: 'deploy',
      title: 'v2 again: converges',
      template: template(['eu-west-1', 'ap-southeast-2'], '2'),
      expect: { status: 'UPDATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': true }, items },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
