/**
 * Per-replica index settings, as AWS::DynamoDB::GlobalTable's ReplicaSpecification has them:
 * per replica and GSI, contributor insights (and their mode) in the replica's Region, and the
 * index's MaxReadRequestUnits there (OnDemandThroughputOverride, through the home table's
 * ReplicaUpdates); plus the replica table's own insights mode. Applied, then changed; each step
 * reads DescribeTable and DescribeContributorInsights in every Region.
 */
import { ordersTemplate, type Scenario } from '../scenario';

const THROTTLED = 'ContributorInsightsMode: THROTTLED_KEYS, ';

const template = (v: 1 | 2) =>
  ordersTemplate(
    `      GlobalSecondaryIndexes: [{ Name: ByStatus, HashKey: status }]
      ReplicaRegions:
        - RegionName: eu-west-1
          PointInTimeRecoveryEnabled: false
          TableClass: STANDARD_INFREQUENT_ACCESS
          ContributorInsightsEnabled: true
          ContributorInsightsMode: ${v === 1 ? 'ACCESSED_AND_THROTTLED_KEYS' : 'THROTTLED_KEYS'}
          GlobalSecondaryIndexes:
            - { IndexName: ByStatus, ContributorInsightsEnabled: ${v === 1}, ${v === 1 ? THROTTLED : ''}MaxReadRequestUnits: ${v === 1 ? 100 : 200} }
        - RegionName: ap-southeast-2
          PointInTimeRecoveryEnabled: false
          GlobalSecondaryIndexes:
            - { IndexName: ByStatus, ContributorInsightsEnabled: ${v === 2}, MaxReadRequestUnits: 50 }`,
    '[{ Name: pk, Type: S }, { Name: status, Type: S }]',
  );

const items = { a: { src: 'app', n: 1, status: 'new' } };

export const scenario: Scenario = {
  name: 'replica-index-settings',
  description: 'Per-replica index settings (insights and mode, MaxReadRequestUnits) applied in each Region, then changed',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: insights on ByStatus in eu-west-1 (THROTTLED_KEYS), read ceilings 100 and 50',
      template: template(1),
      expect: {
        status: 'CREATE_COMPLETE',
        regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': true },
        regionTables: {
          'us-east-1': {
            replicas: ['ap-southeast-2', 'eu-west-1'],
            replicaIndexes: { 'eu-west-1': { ByStatus: { maxRead: 100 } }, 'ap-southeast-2': { ByStatus: { maxRead: 50 } } },
            insights: { table: 'off', ByStatus: 'off' },
          },
          // Each replica's own settings, read in its own Region: the table class too.
          'eu-west-1': {
            status: 'ACTIVE',
            tableClass: 'STANDARD_INFREQUENT_ACCESS',
            pointInTimeRecovery: false,
            insights: { table: 'ACCESSED_AND_THROTTLED_KEYS', ByStatus: 'THROTTLED_KEYS' },
          },
          'ap-southeast-2': { status: 'ACTIVE', tableClass: 'STANDARD', pointInTimeRecovery: false, insights: { table: 'off', ByStatus: 'off' } },
        },
      },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: ByStatus insights off in eu-west-1 and on in ap-southeast-2, the eu-west-1 ceiling 200, the table mode THROTTLED_KEYS',
      template: template(2),
      expect: {
        status: 'UPDATE_COMPLETE',
        regions: { 'us-east-1': true, 'eu-west-1': true, 'ap-southeast-2': true },
        regionTables: {
          'us-east-1': { replicaIndexes: { 'eu-west-1': { ByStatus: { maxRead: 200 } }, 'ap-southeast-2': { ByStatus: { maxRead: 50 } } } },
          'eu-west-1': { insights: { table: 'THROTTLED_KEYS', ByStatus: 'off' } },
          'ap-southeast-2': { insights: { table: 'off', ByStatus: 'ACCESSED_AND_THROTTLED_KEYS' } },
        },
        items,
      },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'eu-west-1': false, 'ap-southeast-2': false }, items: { a: null } },
    },
  ],
};
