/**
 * What MRSC refuses before any change: a table with items (DynamoDB enables multi-Region strong
 * consistency on an empty table only; the provider looks with a Scan of one item and creates no
 * replica), and Regions outside one Region set (the macro refuses the template, ARC-E7013, so
 * CloudFormation changes nothing). The table, its items and every Region stay as they were.
 */
import { ordersTemplate, type Scenario } from '../scenario';

const template = (replicas: string[] | undefined) =>
  ordersTemplate(
    `${replicas ? `      MultiRegionConsistency: STRONG\n      ReplicaRegions:\n${replicas.map((r) => `        - { RegionName: ${r} }`).join('\n')}` : ''}`,
  );

const items = { a: { src: 'app', n: 1 } };
const untouched = {
  'us-east-1': { status: 'ACTIVE', replicas: [], witnesses: [] },
  'us-east-2': null,
  'us-west-2': null,
  'eu-west-1': null,
};

export const scenario: Scenario = {
  name: 'mrsc-refusals',
  description: 'STRONG is refused on a table with items, and for Regions in two Region sets, before anything changes',
  fixedRegions: 'the US MRSC Region set: us-east-1 home, us-east-2, us-west-2',
  steps: [
    {
      kind: 'deploy',
      title: 'v1: a single-Region table',
      template: template(undefined),
      expect: { status: 'CREATE_COMPLETE', regions: { 'us-east-1': true } },
    },
    { kind: 'putItems', title: 'the application writes an item', items, expect: { items } },
    {
      kind: 'deploy',
      title: 'v2: STRONG with us-east-2 and us-west-2 on a table with items: refused, no replica created',
      template: template(['us-east-2', 'us-west-2']),
      expect: {
        status: 'UPDATE_ROLLBACK_COMPLETE',
        reasonIncludes: 'only on an empty table',
        regions: { 'us-east-1': true, 'us-east-2': false, 'us-west-2': false },
        regionTables: untouched,
        items,
      },
    },
    {
      kind: 'deploy',
      title: 'v3: STRONG with us-east-2 and eu-west-1 (two Region sets): the macro refuses the template',
      template: template(['us-east-2', 'eu-west-1']),
      expect: {
        status: 'UPDATE_ROLLBACK_COMPLETE',
        reasonIncludes: 'ARC-E7013',
        regions: { 'us-east-1': true, 'us-east-2': false, 'eu-west-1': false },
        regionTables: untouched,
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
