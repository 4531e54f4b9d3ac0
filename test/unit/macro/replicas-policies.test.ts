/** The replicas resource carries the table's deletion and replacement policies, as the provider's Delete decisions need them. */
import { expandTemplate } from '../../../macro/expand';

const expandWith = (attrs: Record<string, unknown>) => {
  const r = expandTemplate({
    region: 'us-east-1',
    accountId: '123456789012',
    fragment: {
      Resources: {
        Orders: {
          Type: 'Arc::DynamoDB::Table',
          ...attrs,
          Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], ReplicaRegions: [{ RegionName: 'eu-west-1' }], Monitoring: { Enabled: false } },
        },
      },
    },
  });
  if (!r.ok) throw new Error(r.errorMessage);
  return (r.fragment.Resources as Record<string, { Properties: Record<string, unknown> }>).OrdersReplicas.Properties;
};

it.each<[Record<string, unknown>, Record<string, unknown>]>([
  [{}, { RetainOnDelete: true, RetainOnReplace: true, TableLogicalId: 'Orders' }],
  [
    { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' },
    { RetainOnDelete: false, RetainOnReplace: false },
  ],
  [{ DeletionPolicy: 'RetainExceptOnCreate' }, { RetainOnDelete: true, RetainExceptOnCreate: true }],
])('policies %j -> %j', (attrs, expected) => {
  const p = expandWith(attrs);
  expect(p).toMatchObject(expected);
  if (attrs.DeletionPolicy !== 'RetainExceptOnCreate') expect(p).not.toHaveProperty('RetainExceptOnCreate');
});
