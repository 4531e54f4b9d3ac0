/**
 * Names a user or a data file chooses (logical IDs, index names, attribute names, map keys) that
 * are also properties of Object.prototype: `constructor`, `toString`, `__proto__`, `valueOf`.
 * Each must be an ordinary name: never read from the prototype, never written to it.
 */
import { expandTemplate } from '../../../macro/expand';
import { parseReplicasProps } from '../../../provider/replicas/props';
import { parseDynamoDbJsonLine } from '../../../load/formats/ddbjson';

const base = { region: 'us-east-1', accountId: '123456789012' };

it('a table whose logical ID is constructor expands like any other (no false "generated twice")', () => {
  const r = expandTemplate({
    ...base,
    fragment: {
      Resources: {
        constructor: { Type: 'Arc::DynamoDB::Table', Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], Monitoring: { Enabled: false } } },
      },
    },
  });
  expect(r.ok ? Object.keys(r.fragment.Resources as object) : r.errorMessage).toEqual(['constructor']);
  expect(Object.prototype).not.toHaveProperty('Type');
});

it('GSIs named constructor, toString and __proto__ get exactly the autoscaling and insights the template gives them', () => {
  const gsi = (Name: string) => ({ Name, HashKey: 'g', ReadCapacity: 5, WriteCapacity: 5 });
  const r = expandTemplate({
    ...base,
    fragment: {
      Resources: {
        T: {
          Type: 'Arc::DynamoDB::Table',
          Properties: {
            TableName: 'table-t',
            BillingMode: 'PROVISIONED',
            AutoscalingEnabled: true,
            AutoscalingRead: { MaxCapacity: 10 },
            AutoscalingWrite: { MaxCapacity: 10 },
            ReadCapacity: 5,
            WriteCapacity: 5,
            HashKey: 'id',
            Attributes: [
              { Name: 'id', Type: 'S' },
              { Name: 'g', Type: 'S' },
            ],
            GlobalSecondaryIndexes: [gsi('constructor'), gsi('toString'), gsi('__proto__')],
            GsiAutoscalingRead: JSON.parse('{"toString": {"MaxCapacity": 20}}'),
            GsiContributorInsightsEnabled: JSON.parse('{"__proto__": true}'),
            Monitoring: { Enabled: false },
          },
        },
      },
    },
  });
  expect(r.ok).toBe(true);
  const resources = (r.ok ? r.fragment.Resources : {}) as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const targets = Object.values(resources)
    .filter((x) => x.Type === 'AWS::ApplicationAutoScaling::ScalableTarget')
    .map((x) => x.Properties.ResourceId);
  expect(targets.filter((t) => JSON.stringify(t).includes('/index/'))).toEqual([{ 'Fn::Sub': 'table/${T}/index/toString' }]);
  const indexes = resources.T.Properties.GlobalSecondaryIndexes as { IndexName: string; ContributorInsightsSpecification?: { Enabled: boolean } }[];
  expect(indexes.map((g) => [g.IndexName, g.ContributorInsightsSpecification?.Enabled ?? null])).toEqual([
    ['constructor', null],
    ['toString', null],
    ['__proto__', true],
  ]);
  expect(({} as Record<string, unknown>).Enabled).toBeUndefined();
});

it('the replicas resource keeps an Autoscaling.Indexes entry named __proto__ as its own key', () => {
  const p = parseReplicasProps(
    JSON.parse(
      '{"TableName":"table-t","BillingMode":"PROVISIONED","Replicas":[],"Autoscaling":{"Indexes":{"__proto__":{"Write":{"MinCapacity":"1",' +
        '"MaxCapacity":"5","TargetValue":"70","ScaleInCooldown":"60","ScaleOutCooldown":"60"}}}}}',
    ),
  );
  expect(Object.keys(p.Autoscaling?.Indexes ?? {})).toEqual(['__proto__']);
  expect(Object.getPrototypeOf(p.Autoscaling?.Indexes ?? {})).toBeNull();
  expect((p.Autoscaling?.Indexes as Record<string, unknown>).constructor).toBeUndefined();
});

it('a loaded item keeps attributes named __proto__ and constructor, at the top and inside maps', () => {
  const item = parseDynamoDbJsonLine('{"Item":{"pk":{"S":"a"},"__proto__":{"S":"kept"},"constructor":{"M":{"__proto__":{"N":"1"}}}}}');
  expect(Object.keys(item)).toEqual(['pk', '__proto__', 'constructor']);
  expect(item.__proto__).toEqual({ S: 'kept' });
  expect(Object.keys((item['constructor'] as unknown as { M: Record<string, unknown> }).M)).toEqual(['__proto__']);
});
