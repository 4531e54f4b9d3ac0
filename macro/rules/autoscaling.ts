/**
 * Application Auto Scaling only applies to provisioned capacity; target utilization follows the
 * DynamoDB developer guide ("Managing throughput capacity automatically with DynamoDB auto
 * scaling": a target utilization between 20 and 90 percent).
 */
import { joinPath } from '../errors';
import type { ScalingModel, TableModel } from '../model/types';
import { isIntrinsic, literalNumber } from '../model/values';
import { keysNameIndexes, literalBoolean, type Check, type RuleInput } from './types';

export const MIN_TARGET_UTILIZATION = 20;
export const MAX_TARGET_UTILIZATION = 90;
const SETTINGS = ['AutoscalingRead', 'AutoscalingWrite', 'GsiAutoscalingRead', 'GsiAutoscalingWrite'] as const;

/** The settings given, counting one the schema rejected: it was given, just not usable. */
const given = ({ properties: p, failed }: RuleInput) => SETTINGS.filter((s) => p[s] !== undefined || failed.touching(s));

/** Whether BillingMode and AutoscalingEnabled parsed, so that reasoning from them is sound. */
const switchesParsed = ({ failed }: RuleInput) => !failed.at('BillingMode') && !failed.at('AutoscalingEnabled');

const onDemandLiterally = (input: RuleInput) => input.model.billingMode !== 'PROVISIONED' && !isIntrinsic(input.properties.BillingMode);

export const autoscalingNeedsProvisioned: Check = (input, r) => {
  if (!switchesParsed(input)) return;
  if (literalBoolean(input.properties.AutoscalingEnabled) === true && onDemandLiterally(input)) {
    r.error('AutoscalingEnabled', 'requires BillingMode PROVISIONED; PAY_PER_REQUEST tables scale on demand');
  }
};

export const autoscalingNeedsSettings: Check = (input, r) => {
  if (!switchesParsed(input)) return;
  if (input.model.autoscaling && given(input).length === 0) r.error('AutoscalingEnabled', `is true but none of ${SETTINGS.join(', ')} is set`);
};

export const autoscalingSettingsNeedSwitch: Check = (input, r) => {
  const { model, properties: p } = input;
  if (!switchesParsed(input) || model.autoscaling || isIntrinsic(p.AutoscalingEnabled) || isIntrinsic(p.BillingMode)) return;
  // On a literally on-demand table, AutoscalingEnabled: true is the error (autoscaling-needs-provisioned).
  if (literalBoolean(p.AutoscalingEnabled) === true && onDemandLiterally(input)) return;
  const why = p.AutoscalingEnabled === undefined ? 'AutoscalingEnabled is not true (it defaults to false)' : 'AutoscalingEnabled is false';
  for (const s of SETTINGS) if (p[s] !== undefined) r.error(s, `is set but ${why}`);
};

export const gsiScalingKeysNameIndexes: Check = (input, r) => {
  const a = input.model.autoscaling;
  if (!a) return;
  keysNameIndexes(input, r, 'GsiAutoscalingRead', a.gsiRead);
  keysNameIndexes(input, r, 'GsiAutoscalingWrite', a.gsiWrite);
};

function eachScaling(model: TableModel, visit: (path: string, s: ScalingModel) => void): void {
  const a = model.autoscaling;
  if (!a) return;
  if (a.read) visit('AutoscalingRead', a.read);
  if (a.write) visit('AutoscalingWrite', a.write);
  for (const [k, s] of Object.entries(a.gsiRead)) visit(joinPath('GsiAutoscalingRead', k), s);
  for (const [k, s] of Object.entries(a.gsiWrite)) visit(joinPath('GsiAutoscalingWrite', k), s);
}

export const scalingMinMax: Check = ({ model, failed }, r) => {
  eachScaling(model, (path, s) => {
    // A MinCapacity that failed reads as the default 1: comparing it would only echo that error.
    if (failed.at(joinPath(path, 'MinCapacity'))) return;
    const min = literalNumber(s.minCapacity);
    const max = literalNumber(s.maxCapacity);
    if (min !== undefined && max !== undefined && min > max) r.error(joinPath(path, 'MinCapacity'), `(${min}) must not exceed MaxCapacity (${max})`);
  });
};

export const scalingTargetRange: Check = ({ model }, r) => {
  eachScaling(model, (path, s) => {
    const target = literalNumber(s.targetValue);
    if (target !== undefined && (target < MIN_TARGET_UTILIZATION || target > MAX_TARGET_UTILIZATION)) {
      r.error(joinPath(path, 'TargetValue'), `must be between ${MIN_TARGET_UTILIZATION} and ${MAX_TARGET_UTILIZATION} (percent utilization); got ${target}`);
    }
  });
};
