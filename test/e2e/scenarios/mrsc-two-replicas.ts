/**
 * Multi-Region strong consistency with two replicas on a plain AWS::DynamoDB::Table: the
 * replicas resource creates both replicas in one UpdateTable with MultiRegionConsistency STRONG
 * (an MRSC table spans exactly three Regions: CreateGlobalTableWitnessGroupMemberAction, DynamoDB
 * API reference), every Region's DescribeTable shows STRONG, and deleting the stack removes both
 * replicas together before the table goes. The Regions are the US Region set, so the scenario's
 * Regions are fixed (not mapped on AWS).
 */
import { ordersTemplate, type Scenario } from '../scenario';

const template = ordersTemplate(`      MultiRegionConsistency: STRONG
      ReplicaRegions:
        - { RegionName: us-east-2, PointInTimeRecoveryEnabled: true }
        - { RegionName: us-west-2, PointInTimeRecoveryEnabled: false }`);

const all = ['us-east-1', 'us-east-2', 'us-west-2'];
const strong = (self: string) => ({ status: 'ACTIVE', consistency: 'STRONG', replicas: all.filter((r) => r !== self).sort(), witnesses: [] });
const items = { a: { src: 'app', n: 1 } };

export const scenario: Scenario = {
  name: 'mrsc-two-replicas',
  description: 'MultiRegionConsistency STRONG with two replicas (US Region set), then the stack is deleted',
  fixedRegions: 'the US MRSC Region set: us-east-1 home, us-east-2, us-west-2',
  steps: [
    {
      kind: 'deploy',
      title: 'create: STRONG, replicas in us-east-2 and us-west-2',
      template,
      expect: {
        status: 'CREATE_COMPLETE',
        regions: { 'us-east-1': true, 'us-east-2': true, 'us-west-2': true },
        regionTables: {
          'us-east-1': strong('us-east-1'),
          'us-east-2': { ...strong('us-east-2'), pointInTimeRecovery: true },
          'us-west-2': { ...strong('us-west-2'), pointInTimeRecovery: false },
        },
      },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete): both replicas go in one UpdateTable, then the table',
      expect: {
        status: 'DELETE_COMPLETE',
        regions: { 'us-east-1': false, 'us-east-2': false, 'us-west-2': false },
        regionTables: { 'us-east-1': null, 'us-east-2': null, 'us-west-2': null },
        items: { a: null },
      },
    },
  ],
};
