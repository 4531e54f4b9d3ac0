/**
 * The first replica added in the same update that turns the table's stream on (the macro forces
 * StreamEnabled with NEW_AND_OLD_IMAGES once ReplicaRegions is set). CloudFormation updates the
 * table first (the replicas resource refers to it), then creates the replicas resource; DynamoDB's
 * DescribeTable is eventually consistent ("DescribeTable uses an eventually consistent query",
 * DescribeTable API reference), so right after the UpdateTable that enabled the stream it may
 * still describe the table without one.
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
${regions.length ? `      ReplicaRegions:\n${regions.map((r) => `        - { RegionName: ${r}, PointInTimeRecoveryEnabled: false }`).join('\n')}\n` : ''}`;

const items = { a: { src: 'app', n: 1 } };

export const scenario: Scenario = {
  name: 'replicas-on-new-stream',
  description: 'A table without a stream gets its first replica (and so its stream) in one update',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: a table without a stream or replicas',
      template: template([]),
      expect: { status: 'CREATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': false, 'ap-southeast-2': false } },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: add eu-west-1 (the stream is turned on in the same update)',
      template: template(['eu-west-1']),
      expect: { status: 'UPDATE_COMPLETE', regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false }, items },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
