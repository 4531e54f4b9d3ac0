/**
 * v1 → v2 → v3 with a Load, v3 failing in an unrelated resource. v2 bumps `Revision` (the same
 * prefix, rewritten, loads again); the application then changes an item; v3 loads another
 * prefix and the Tripwire dashboard fails after it, so the Load's update is rolled back. A
 * rollback is an Update with the old properties (aws-cloudformation/custom-resource-helper#71):
 * a provider that loaded on it would put the v2 data back over the application's change. After
 * the rollback the item keeps the application's value; the items v3's forward load wrote stay
 * ("written items stay in the table", docs/load.md).
 */
import type { Scenario } from '../scenario';

const template = (prefix: string, revision: string) => `
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
      Load:
        S3BucketSource:
          Bucket: {{Bucket}}
          KeyPrefix: !Sub 'arc-dynamodb/\${AWS::StackName}/${prefix}/'
        InputFormat: DYNAMODB_JSON
        InputCompressionType: NONE
        Revision: '${revision}'
  Tripwire:
    Type: AWS::CloudWatch::Dashboard
    DependsOn: [OrdersLoad]
    Properties:
      DashboardBody: '{"widgets":[]}'
`;

const only = { 'us-east-1': true, 'eu-west-1': false, 'ap-southeast-2': false };

export const scenario: Scenario = {
  name: 'rollback-load',
  description: 'A Load through v1, v2 (new Revision) and a failing v3: the rollback writes nothing, the application keeps its value',
  usesLoadBucket: true,
  steps: [
    {
      kind: 'upload',
      title: 'upload the v1 data',
      key: 'v1/part-0.json',
      items: { a: { src: 'load-1', n: 1 }, b: { src: 'load-1', n: 1 }, c: { src: 'load-1', n: 1 } },
    },
    {
      kind: 'deploy',
      title: 'v1: create the table and load v1/',
      template: template('v1', '1'),
      expect: { status: 'CREATE_COMPLETE', regions: only, items: { a: { src: 'load-1', n: 1 }, b: { src: 'load-1' }, c: { src: 'load-1' } } },
    },
    {
      kind: 'upload',
      title: 'rewrite v1/ with new values',
      key: 'v1/part-0.json',
      items: { a: { src: 'load-2', n: 2 }, b: { src: 'load-2', n: 2 }, c: { src: 'load-2', n: 2 } },
    },
    {
      kind: 'deploy',
      title: 'v2: bump Revision, which loads v1/ again',
      template: template('v1', '2'),
      expect: { status: 'UPDATE_COMPLETE', regions: only, items: { a: { src: 'load-2', n: 2 }, b: { src: 'load-2' }, c: { src: 'load-2' } } },
    },
    { kind: 'appUpdate', title: 'the application changes item a', key: 'a', set: { src: 'app', n: 99 }, expect: { items: { a: { src: 'app', n: 99 } } } },
    { kind: 'upload', title: 'upload the v3 data under another prefix', key: 'v3/part-0.json', items: { d: { src: 'load-3' }, e: { src: 'load-3' } } },
    {
      kind: 'deploy',
      title: 'v3: load v3/, then the Tripwire dashboard fails: rollback',
      template: template('v3', '3'),
      failResource: 'Tripwire',
      expect: {
        status: 'UPDATE_ROLLBACK_COMPLETE',
        regions: only,
        items: { a: { src: 'app', n: 99 }, b: { src: 'load-2', n: 2 }, c: { src: 'load-2' }, d: { src: 'load-3' }, e: { src: 'load-3' } },
      },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { ...only, 'us-east-1': false }, items: { a: null } },
    },
  ],
};
