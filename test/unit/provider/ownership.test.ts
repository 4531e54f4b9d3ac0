import { OWNER_TAG_KEY } from '../../../common/contract';
import { decideOwnership, replicaOwnership, type Ownership } from '../../../provider/ownership';

const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
const owned: Ownership = { kind: 'owned', tableArn: ARN, tags: {} };
const foreign: Ownership = { kind: 'foreign', tableArn: ARN };
const untagged: Ownership = { kind: 'untagged', tableArn: ARN, tags: {} };
const missing: Ownership = { kind: 'missing' };

describe('decideOwnership', () => {
  it.each([
    ['owned', owned, 'Create', undefined, 'proceed'],
    ['owned', owned, 'Delete', undefined, 'proceed'],
    ['foreign', foreign, 'Update', undefined, 'refuse'],
    ['foreign', foreign, 'Delete', undefined, 'noop'],
    ['foreign, even with adoption', foreign, 'Create', 'orders', 'refuse'],
    ['untagged', untagged, 'Create', undefined, 'refuse'],
    ['untagged with adoption', untagged, 'Create', 'orders', 'adopt'],
    ['untagged with adoption on Delete', untagged, 'Delete', 'orders', 'noop'],
    ['missing', missing, 'Update', undefined, 'refuse'],
    ['missing', missing, 'Delete', undefined, 'noop'],
    ['adoption naming another table', owned, 'Update', 'other', 'refuse'],
  ] as const)('%s table, %s request -> %s', (_what, o, type, adopt, action) => {
    expect(decideOwnership(o, type, 'orders', 'us-east-1', adopt).action).toBe(action);
  });

  it('explains an untagged Delete without touching anything', () => {
    expect(decideOwnership(untagged, 'Delete', 'orders', 'us-east-1', undefined)).toEqual({ action: 'noop', reason: `table orders has no ${OWNER_TAG_KEY} tag; it was not touched` });
  });
});

describe('replicaOwnership', () => {
  it('reads the replica tag', () => {
    expect(replicaOwnership({ [OWNER_TAG_KEY]: 'stack-a' }, 'stack-a')).toBe('owned');
    expect(replicaOwnership({ [OWNER_TAG_KEY]: 'stack-b' }, 'stack-a')).toBe('foreign');
    expect(replicaOwnership({}, 'stack-a')).toBe('untagged');
  });
});
