/**
 * Application Auto Scaling only applies to provisioned capacity; target utilization follows the
 * DynamoDB developer guide ("Managing throughput capacity automatically with DynamoDB auto
 * scaling": a target utilization between 20 and 90 percent).
 */
import { joinPath } from '../errors';
import type { ScalingModel } from '../model/types';
import { isIntrinsic, literalNumber } from '../model/values';
import { keysNameIndexes, reporter, type Rule } from './types';

export const MIN_TARGET_UTILIZATION = 20;
export const MAX_TARGET_UTILIZATION = 90;
const SETTINGS = ['AutoscalingRead', 'AutoscalingWrite', 'GsiAutoscalingRead', 'GsiAutoscalingWrite'] as const;

export const autoscalingNeedsProvisioned: Rule = ({ model, properties: p }) => {
  const r = reporter(model);
  const enabledRaw = p.AutoscalingEnabled;
  const given = SETTINGS.filter((s) => p[s] !== undefined);
  const enabledLiterally = enabledRaw === true || enabledRaw === 'true';
  if (enabledLiterally && model.billingMode !== 'PROVISIONED' && !isIntrinsic(p.BillingMode)) {
    r.error('AutoscalingEnabled', 'requires BillingMode PROVISIONED; PAY_PER_REQUEST tables scale on demand');
    return r.errors;
  }
  if (model.autoscaling && given.length === 0) {
    r.error('AutoscalingEnabled', `is true but none of ${SETTINGS.join(', ')} is set`);
  }
  if (!model.autoscaling && !isIntrinsic(enabledRaw) && !isIntrinsic(p.BillingMode)) {
    const why = enabledRaw === undefined ? 'AutoscalingEnabled is not true (it defaults to false)' : 'AutoscalingEnabled is false';
    for (const s of given) r.error(s, `is set but ${why}`);
  }
  return r.errors;
};

export const gsiScalingKeysNameIndexes: Rule = ({ model }) => {
  const r = reporter(model);
  if (!model.autoscaling) return r.errors;
  keysNameIndexes(r, model, 'GsiAutoscalingRead', model.autoscaling.gsiRead);
  keysNameIndexes(r, model, 'GsiAutoscalingWrite', model.autoscaling.gsiWrite);
  return r.errors;
};

export const scalingBounds: Rule = ({ model }) => {
  const r = reporter(model);
  const a = model.autoscaling;
  if (!a) return r.errors;
  const check = (path: string, s: ScalingModel | undefined) => {
    if (!s) return;
    const min = literalNumber(s.minCapacity);
    const max = literalNumber(s.maxCapacity);
    if (min !== undefined && max !== undefined && min > max) r.error(joinPath(path, 'MinCapacity'), `(${min}) must not exceed MaxCapacity (${max})`);
    const target = literalNumber(s.targetValue);
    if (target !== undefined && (target < MIN_TARGET_UTILIZATION || target > MAX_TARGET_UTILIZATION)) {
      r.error(joinPath(path, 'TargetValue'), `must be between ${MIN_TARGET_UTILIZATION} and ${MAX_TARGET_UTILIZATION} (percent utilization); got ${target}`);
    }
  };
  check('AutoscalingRead', a.read);
  check('AutoscalingWrite', a.write);
  for (const [k, s] of Object.entries(a.gsiRead)) check(joinPath('GsiAutoscalingRead', k), s);
  for (const [k, s] of Object.entries(a.gsiWrite)) check(joinPath('GsiAutoscalingWrite', k), s);
  return r.errors;
};
