/**
 * Billing mode versus capacity (CloudFormation AWS::DynamoDB::Table: ProvisionedThroughput is
 * required with PROVISIONED and rejected with PAY_PER_REQUEST; OnDemandThroughput is for
 * PAY_PER_REQUEST). Capacities given while a template parameter picks PAY_PER_REQUEST stay inert.
 */
import { joinPath } from '../errors';
import { isIntrinsic } from '../model/values';
import { reporter, type Rule } from './types';

type Raw = Record<string, unknown>;

export const capacityMatchesBillingMode: Rule = ({ model, properties: p }) => {
  const r = reporter(model);
  const byParameter = isIntrinsic(p.BillingMode);
  const gsis = Array.isArray(p.GlobalSecondaryIndexes) ? (p.GlobalSecondaryIndexes as Raw[]) : [];
  if (model.billingMode === 'PROVISIONED') {
    if (model.readCapacity === undefined) r.error('ReadCapacity', 'is required when BillingMode is PROVISIONED (or set AutoscalingRead with AutoscalingEnabled)');
    if (model.writeCapacity === undefined) r.error('WriteCapacity', 'is required when BillingMode is PROVISIONED (or set AutoscalingWrite with AutoscalingEnabled)');
    if (p.OnDemandThroughput !== undefined && !byParameter) r.error('OnDemandThroughput', 'is only allowed when BillingMode is PAY_PER_REQUEST');
    gsis.forEach((g, i) => {
      if (g.OnDemandThroughput !== undefined && !byParameter) r.error(joinPath('GlobalSecondaryIndexes', i, 'OnDemandThroughput'), 'is only allowed when BillingMode is PAY_PER_REQUEST');
    });
    return r.errors;
  }
  if (byParameter) return r.errors;
  const onlyProvisioned = 'is only allowed when BillingMode is PROVISIONED; PAY_PER_REQUEST tables have no provisioned capacity';
  for (const name of ['ReadCapacity', 'WriteCapacity']) if (p[name] !== undefined) r.error(name, onlyProvisioned);
  gsis.forEach((g, i) => {
    for (const name of ['ReadCapacity', 'WriteCapacity']) if (g[name] !== undefined) r.error(joinPath('GlobalSecondaryIndexes', i, name), onlyProvisioned);
  });
  return r.errors;
};
