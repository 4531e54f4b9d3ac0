/**
 * Multi-Region strong consistency with one replica and a witness: one UpdateTable creates the
 * replica and the witness (the witness "must be added when creating the MRSC global table",
 * GlobalTableWitnessGroupUpdate); the witness Region holds no table. Then `ReplicaRegions: []`
 * without GlobalTableWitnesses removes the witness together with the replica ("Must be done in
 * conjunction with removing a replica"), which leaves a single-Region table.
 */
import { ordersTemplate, type Scenario } from '../scenario';

const WITH_WITNESS = [
  '      ReplicaRegions: [{ RegionName: us-east-2, DeletionProtectionEnabled: false }]',
  '      GlobalTableWitnesses: [{ Region: us-west-2 }]',
].join('\n');

const template = (mrsc: boolean) =>
  ordersTemplate(`      MultiRegionConsistency: STRONG
${mrsc ? WITH_WITNESS : '      ReplicaRegions: []'}`);

const items = { a: { src: 'app', n: 1 } };

export const scenario: Scenario = {
  name: 'mrsc-witness',
  description: 'MultiRegionConsistency STRONG with a replica and a witness, then both removed together',
  fixedRegions: 'the US MRSC Region set: us-east-1 home, us-east-2, us-west-2',
  steps: [
    {
      kind: 'deploy',
      title: 'create: STRONG, a replica in us-east-2 and the witness in us-west-2',
      template: template(true),
      expect: {
        status: 'CREATE_COMPLETE',
        regions: { 'us-east-1': true, 'us-east-2': true, 'us-west-2': false },
        regionTables: {
          'us-east-1': { status: 'ACTIVE', consistency: 'STRONG', replicas: ['us-east-2'], witnesses: ['us-west-2'] },
          'us-east-2': { status: 'ACTIVE', consistency: 'STRONG', replicas: ['us-east-1'], witnesses: ['us-west-2'], deletionProtection: false },
          'us-west-2': null,
        },
      },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'ReplicaRegions: [] without GlobalTableWitnesses: the witness goes with the replica',
      template: template(false),
      expect: {
        status: 'UPDATE_COMPLETE',
        regions: { 'us-east-1': true, 'us-east-2': false, 'us-west-2': false },
        regionTables: { 'us-east-1': { status: 'ACTIVE', replicas: [], witnesses: [] }, 'us-east-2': null, 'us-west-2': null },
        items,
      },
    },
    {
      kind: 'delete',
      title: 'delete the stack (DeletionPolicy Delete)',
      expect: { status: 'DELETE_COMPLETE', regions: { 'us-east-1': false, 'us-east-2': false, 'us-west-2': false }, items: { a: null } },
    },
  ],
};
