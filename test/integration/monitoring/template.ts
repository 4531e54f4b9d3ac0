import { alarmsGenerator } from '../../../macro/generators/alarms';
import { dashboardGenerator } from '../../../macro/generators/dashboard';
import type { CfnResource, ExpandContext } from '../../../macro/generators/types';
import type { TableModel } from '../../../macro/model/types';

export const CTX: ExpandContext = { region: 'us-east-1', accountId: '123456789012', providerServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:p' };

/**
 * A deployable template around the monitoring resources of one TableModel: a bare native table
 * standing in for the table generator (this test is about the alarms), plus the SNS topic and
 * Condition the scenarios refer to.
 */
export function templateFor(table: TableModel): { template: Record<string, unknown>; monitoring: Record<string, CfnResource> } {
  const monitoring = { ...alarmsGenerator(table, CTX).resources, ...dashboardGenerator(table, CTX).resources };
  const provisioned = table.billingMode === 'PROVISIONED';
  const throughput = (r: unknown, w: unknown) => (provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: r ?? 5, WriteCapacityUnits: w ?? 5 } } : {});
  const tableResource: CfnResource = {
    Type: 'AWS::DynamoDB::Table',
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    ...(table.condition !== undefined ? { Condition: table.condition } : {}),
    Properties: {
      BillingMode: table.billingMode,
      KeySchema: [{ AttributeName: table.hashKey, KeyType: 'HASH' }],
      AttributeDefinitions: table.attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
      ...throughput(table.readCapacity, table.writeCapacity),
      ...(table.onDemandThroughput !== undefined ? { OnDemandThroughput: table.onDemandThroughput } : {}),
      ...(table.stream !== undefined ? { StreamSpecification: { StreamViewType: table.stream.viewType } } : {}),
      ...(table.globalSecondaryIndexes.length > 0
        ? {
            GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((g) => ({
              IndexName: g.name,
              KeySchema: g.hashKeys.map((a) => ({ AttributeName: a, KeyType: 'HASH' })),
              Projection: { ProjectionType: g.projection.type },
              ...throughput(g.readCapacity, g.writeCapacity),
              ...(g.onDemandThroughput !== undefined ? { OnDemandThroughput: g.onDemandThroughput } : {}),
            })),
          }
        : {}),
    },
  };
  const template: Record<string, unknown> = {
    AWSTemplateFormatVersion: '2010-09-09',
    ...(table.condition !== undefined
      ? {
          Parameters: { Create: { Type: 'String', AllowedValues: ['yes', 'no'], Default: 'yes' } },
          Conditions: { [table.condition]: { 'Fn::Equals': [{ Ref: 'Create' }, 'yes'] } },
        }
      : {}),
    Resources: {
      OnCallTopic: { Type: 'AWS::SNS::Topic' },
      [table.logicalId]: tableResource,
      ...monitoring,
    },
  };
  return { template, monitoring };
}
