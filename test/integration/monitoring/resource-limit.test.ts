import { expandTemplate } from '../../../macro/expand';

/** PROVISIONED tables with 20 GSIs each: 1 table + 50 alarms per table (6 throttle, 2 SystemErrors, 42 capacity). */
function template(tables: number, monitoringEnabled: boolean): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (let t = 0; t < tables; t++) {
    resources[`Table${t}`] = {
      Type: 'Arc::DynamoDB::Table',
      Properties: {
        BillingMode: 'PROVISIONED',
        ReadCapacity: 1,
        WriteCapacity: 1,
        HashKey: 'pk',
        Attributes: [
          { Name: 'pk', Type: 'S' },
          { Name: 'gk', Type: 'S' },
        ],
        GlobalSecondaryIndexes: Array.from({ length: 20 }, (_, i) => ({ Name: `gsi${i}`, HashKey: 'gk', ReadCapacity: 1, WriteCapacity: 1 })),
        Monitoring: { Enabled: monitoringEnabled },
      },
    };
  }
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
}

describe("CloudFormation's 500-resource limit with the default alarms", () => {
  it('fails with a count of the alarms and suggests Monitoring.Enabled: false or splitting the stack', () => {
    const result = expandTemplate({ fragment: template(10, true), region: 'us-east-1', accountId: '123456789012' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errorMessage).toBe(
      '1 error(s) in Arc::DynamoDB::Table resources:\n' +
        "- [Template] Resources: the expanded template has 510 resources, over CloudFormation's limit of 500 " +
        '(the Arc::DynamoDB::Table resources expand to 510; 500 of them are CloudWatch alarms: set Monitoring.Enabled: false on some tables, or ' +
        'split the stack) (ARC-E0003)',
    );
  });

  it('the same tables expand once monitoring is off', () => {
    const result = expandTemplate({ fragment: template(10, false), region: 'us-east-1', accountId: '123456789012' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const types = Object.values(result.fragment.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::CloudWatch::Alarm')).toHaveLength(0);
    expect(types.filter((t) => t === 'AWS::DynamoDB::Table')).toHaveLength(10);
  });
});
