/**
 * Billing mode versus capacity (CloudFormation AWS::DynamoDB::Table: ProvisionedThroughput is
 * required with PROVISIONED and rejected with PAY_PER_REQUEST; OnDemandThroughput is for
 * PAY_PER_REQUEST). Capacities given while a template parameter picks the other mode stay inert.
 */
import { joinPath } from '../errors';
import { isIntrinsic } from '../model/values';
import { rawItems, type Check, type RuleInput } from './types';

/** The billing mode is known and literal (a parameter's choice leaves the other mode's settings inert). */
const literalMode = ({ properties: p, failed }: RuleInput) => !failed.at('BillingMode') && !isIntrinsic(p.BillingMode);

export const provisionedNeedsCapacity: Check = (input, r) => {
  const { model, failed } = input;
  if (model.billingMode !== 'PROVISIONED' || failed.at('BillingMode')) return;
  // Without its own capacity the table starts at its autoscaling minimum: if that did not parse, stay silent.
  const scalingFailed = (setting: string) => failed.at('AutoscalingEnabled') || failed.touching(setting);
  if (model.readCapacity === undefined && !scalingFailed('AutoscalingRead'))
    r.error('ReadCapacity', 'is required when BillingMode is PROVISIONED (or set AutoscalingRead with AutoscalingEnabled)');
  if (model.writeCapacity === undefined && !scalingFailed('AutoscalingWrite'))
    r.error('WriteCapacity', 'is required when BillingMode is PROVISIONED (or set AutoscalingWrite with AutoscalingEnabled)');
};

export const capacityNeedsProvisioned: Check = (input, r) => {
  const { model, properties: p } = input;
  if (model.billingMode === 'PROVISIONED' || !literalMode(input)) return;
  const onlyProvisioned = 'is only allowed when BillingMode is PROVISIONED; PAY_PER_REQUEST tables have no provisioned capacity';
  for (const name of ['ReadCapacity', 'WriteCapacity']) if (p[name] !== undefined) r.error(name, onlyProvisioned);
  rawItems(p.GlobalSecondaryIndexes).forEach((g, i) => {
    for (const name of ['ReadCapacity', 'WriteCapacity']) if (g[name] !== undefined) r.error(joinPath('GlobalSecondaryIndexes', i, name), onlyProvisioned);
  });
};

export const onDemandNeedsPayPerRequest: Check = (input, r) => {
  const { model, properties: p } = input;
  if (model.billingMode !== 'PROVISIONED' || !literalMode(input)) return;
  const message = 'is only allowed when BillingMode is PAY_PER_REQUEST';
  if (p.OnDemandThroughput !== undefined) r.error('OnDemandThroughput', message);
  rawItems(p.GlobalSecondaryIndexes).forEach((g, i) => {
    if (g.OnDemandThroughput !== undefined) r.error(joinPath('GlobalSecondaryIndexes', i, 'OnDemandThroughput'), message);
  });
};
