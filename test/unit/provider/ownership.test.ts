import { ADOPT_CONSENT_TAG_KEY, OWNER_TAG_KEY } from '../../../contract/resources';
import { decideOwnership, replicaOwnership, type Ownership } from '../../../provider/guard/ownership';

const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
const APP = 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/5b6c-11ef';
const owned: Ownership = { kind: 'owned', tableArn: ARN, tags: {} };
const foreign: Ownership = { kind: 'foreign', tableArn: ARN };
const untagged: Ownership = { kind: 'untagged', tableArn: ARN, tags: {} };
const missing: Ownership = { kind: 'missing' };
const consented: Ownership = { kind: 'untagged', tableArn: ARN, tags: { [ADOPT_CONSENT_TAG_KEY]: 'app' } };
const consentedElsewhere: Ownership = { kind: 'untagged', tableArn: ARN, tags: { [ADOPT_CONSENT_TAG_KEY]: 'squatter' } };

describe('decideOwnership', () => {
  it.each([
    ['owned', owned, 'Create', undefined, 'proceed'],
    ['owned', owned, 'Delete', undefined, 'proceed'],
    ['foreign', foreign, 'Update', undefined, 'refuse'],
    ['foreign', foreign, 'Delete', undefined, 'noop'],
    ['foreign, even with adoption', foreign, 'Create', 'orders', 'refuse'],
    ['untagged', untagged, 'Create', undefined, 'refuse'],
    ['untagged with adoption but no consent', untagged, 'Create', 'orders', 'refuse'],
    ["untagged with adoption and the owner's consent", consented, 'Create', 'orders', 'adopt'],
    ['untagged with adoption, consent given to another stack', consentedElsewhere, 'Create', 'orders', 'refuse'],
    ['untagged with adoption on Delete', untagged, 'Delete', 'orders', 'noop'],
    ['missing', missing, 'Update', undefined, 'refuse'],
    ['missing', missing, 'Delete', undefined, 'noop'],
    ['adoption naming another table', owned, 'Update', 'other', 'refuse'],
  ] as const)('%s table, %s request -> %s', (_what, o, type, adopt, action) => {
    expect(decideOwnership(o, type, 'orders', 'us-east-1', adopt, APP).action).toBe(action);
  });

  it('tells the user how the owner consents to an adoption', () => {
    expect(decideOwnership(untagged, 'Create', 'orders', 'us-east-1', 'orders', APP)).toEqual({
      action: 'refuse',
      reason:
        `Table orders in us-east-1 may be adopted only with its owner's consent: tag it ${ADOPT_CONSENT_TAG_KEY}=app (aws dynamodb ` +
        `tag-resource), then deploy again. Nothing was changed.`,
    });
  });

  it('explains an untagged Delete without touching anything', () => {
    expect(decideOwnership(untagged, 'Delete', 'orders', 'us-east-1', undefined)).toEqual({
      action: 'noop',
      reason: `table orders has no ${OWNER_TAG_KEY} tag; it was not touched`,
    });
  });
});

describe('replicaOwnership', () => {
  it('reads the replica tag', () => {
    expect(replicaOwnership({ [OWNER_TAG_KEY]: 'stack-a' }, 'stack-a')).toBe('owned');
    expect(replicaOwnership({ [OWNER_TAG_KEY]: 'stack-b' }, 'stack-a')).toBe('foreign');
    expect(replicaOwnership({}, 'stack-a')).toBe('untagged');
  });
});
