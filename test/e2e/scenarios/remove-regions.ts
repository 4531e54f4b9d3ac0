/**
 * Removing one region, then all of them: `ReplicaRegions: []` first (the replicas resource stays
 * and removes every replica while the table keeps its stream), then the property goes (the
 * replicas resource is removed in the cleanup phase, and the stream may be turned off: DynamoDB
 * refuses "Disabling Stream is not allowed for a Global Table replica" while replicas exist,
 * hashicorp/terraform-provider-aws#34450).
 */
import type { Scenario } from '../scenario';

const regionLine = (r: string) => `        - { RegionName: ${r}, PointInTimeRecoveryEnabled: false }`;
const regionsYaml = (regions: string[] | 'absent' | 'empty') =>
  regions === 'absent' ? '' : regions === 'empty' ? '      ReplicaRegions: []\n' : `      ReplicaRegions:\n${regions.map(regionLine).join('\n')}\n`;

const template = (regions: string[] | 'empty' | 'absent') => `
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
${regionsYaml(regions)}`;

const items = { a: { src: 'app', n: 1 } };

export const scenario: Scenario = {
  name: 'remove-regions',
  description: 'Two regions, then one, then ReplicaRegions: [], then no ReplicaRegions at all',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: eu-west-1 and ap-southeast-2',
      template: template(['eu-west-1', 'ap-southeast-2']),
      expect: { status: 'CREATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': true } },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: remove ap-southeast-2',
      template: template(['eu-west-1']),
      expect: { status: 'UPDATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false }, items },
    },
    {
      kind: 'deploy',
      title: 'v3: ReplicaRegions: []',
      template: template('empty'),
      expect: { status: 'UPDATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': false, 'ap-southeast-2': false }, items },
    },
    {
      kind: 'deploy',
      title: 'v4: no ReplicaRegions',
      template: template('absent'),
      expect: { status: 'UPDATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': false, 'ap-southeast-2': false }, items },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
