/**
 * From eventually consistent replicas to MRSC, the way docs/replicas.md says: the consistency mode
 * is fixed when the replicas are created ("You cannot change a global table's consistency mode
 * after creation", developer guide, Consistency modes,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html),
 * so the replicas go first (`ReplicaRegions: []`, here already with `MultiRegionConsistency:
 * STRONG`), then the STRONG Regions are created on the empty table in one UpdateTable.
 */
import { ordersTemplate, type Scenario } from '../scenario';

const template = (body: string) => ordersTemplate(body);

const MREC = '      ReplicaRegions: [{ RegionName: us-east-2, PointInTimeRecoveryEnabled: false }]';
const EMPTIED = '      MultiRegionConsistency: STRONG\n      ReplicaRegions: []';
const MRSC = [
  '      MultiRegionConsistency: STRONG',
  '      ReplicaRegions: [{ RegionName: us-east-2, PointInTimeRecoveryEnabled: false }]',
  '      GlobalTableWitnesses: [{ Region: us-west-2 }]',
].join('\n');

export const scenario: Scenario = {
  name: 'mrsc-from-eventual',
  description: 'Eventually consistent replicas removed with STRONG already written, then MRSC created on the empty table',
  fixedRegions: 'the US MRSC Region set: us-east-1 home, us-east-2, us-west-2',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: an eventually consistent replica in us-east-2',
      template: template(MREC),
      expect: { status: 'CREATE_COMPLETE', regionTables: { 'us-east-1': { status: 'ACTIVE', replicas: ['us-east-2'], witnesses: [] } } },
    },
    {
      kind: 'deploy',
      title: 'v2: MultiRegionConsistency STRONG with ReplicaRegions: [] removes the eventually consistent replica',
      template: template(EMPTIED),
      expect: {
        status: 'UPDATE_COMPLETE',
        regions: { 'us-east-1': true, 'us-east-2': false },
        regionTables: { 'us-east-1': { status: 'ACTIVE', replicas: [], witnesses: [] }, 'us-east-2': null },
      },
    },
    {
      kind: 'deploy',
      title: 'v3: STRONG with a replica in us-east-2 and the witness in us-west-2, on the empty table',
      template: template(MRSC),
      expect: {
        status: 'UPDATE_COMPLETE',
        regionTables: {
          'us-east-1': { status: 'ACTIVE', consistency: 'STRONG', replicas: ['us-east-2'], witnesses: ['us-west-2'] },
          'us-east-2': { status: 'ACTIVE', consistency: 'STRONG' },
          'us-west-2': null,
        },
      },
    },
    { kind: 'putItems', title: 'the application writes an item', items: { a: { src: 'app', n: 1 } }, expect: { items: { a: { src: 'app', n: 1 } } } },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'us-east-2': false, 'us-west-2': false }, items: { a: null } },
    },
  ],
};
