/**
 * Deleting the stack with the default DeletionPolicy (Retain, the macro's default): the table,
 * its replicas and the items stay (docs/replicas.md, "Delete": RetainOnDelete follows the
 * table's DeletionPolicy). The AWS runner deletes such tables itself at the end of the run.
 */
import type { Scenario } from '../scenario';

const template = `
Transform: ArcDynamoDb
Resources:
  Orders:
    Type: Arc::DynamoDB::Table
    Properties:
      TableName: {{TableName}}
      HashKey: pk
      Attributes: [{ Name: pk, Type: S }]
      Monitoring: { Enabled: false }
      ReplicaRegions:
        - { RegionName: eu-west-1, PointInTimeRecoveryEnabled: false }
`;

const regions = { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': false };
const items = { a: { src: 'app', n: 1 }, b: { src: 'app', n: 2 } };

export const scenario: Scenario = {
  name: 'delete-retain',
  description: 'Stack delete with the default DeletionPolicy Retain: the table and its replica stay',
  steps: [
    { kind: 'deploy', title: 'v1: a table with eu-west-1', template, expect: { status: 'CREATE_COMPLETE', regions } },
    { kind: 'putItems', title: 'the application writes items', items, expect: { items } },
    { kind: 'delete', title: 'delete the stack', expect: { status: 'DELETE_COMPLETE', regions, items } },
  ],
};
