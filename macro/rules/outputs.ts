/**
 * `Outputs.Include` (generators/outputs.ts): each group once, and each group with something to
 * give. A group that would give nothing is a slip (Stream on a table without a stream), never
 * silently ignored; when a template parameter decides the switch, the group is kept inert.
 */
import { joinPath } from '../errors';
import type { OutputGroup } from '../model/types';
import { isIntrinsic, isObject } from '../model/values';
import type { Check, RuleInput } from './types';

const include = (p: Record<string, unknown>): unknown[] => (isObject(p.Outputs) && Array.isArray(p.Outputs.Include) ? p.Outputs.Include : []);

export const outputGroupsUnique: Check = ({ properties }, r) => {
  const seen = new Map<string, number>();
  include(properties).forEach((g, i) => {
    if (typeof g !== 'string') return;
    const first = seen.get(g);
    if (first !== undefined) r.error(joinPath('Outputs.Include', i), `names ${g} again (also Outputs.Include[${first}]): each group once`);
    else seen.set(g, i);
  });
};

/** Why a group gives no output on this table, or undefined when it gives some (or a parameter decides). */
function emptyBecause({ model, properties: p }: RuleInput, group: OutputGroup): string | undefined {
  switch (group) {
    case 'Table':
      return undefined;
    case 'Stream':
      return model.stream || isIntrinsic(p.StreamEnabled) ? undefined : 'the table has no stream (StreamEnabled is not true and there are no ReplicaRegions)';
    case 'Indexes':
      return model.globalSecondaryIndexes.length + model.localSecondaryIndexes.length > 0 ||
        p.GlobalSecondaryIndexes !== undefined ||
        p.LocalSecondaryIndexes !== undefined
        ? undefined
        : 'the table has no GlobalSecondaryIndexes or LocalSecondaryIndexes';
    case 'Replicas':
      return model.replicas.length > 0 || p.ReplicaRegions !== undefined ? undefined : 'the table has no ReplicaRegions';
    case 'Autoscaling':
      return model.autoscaling || isIntrinsic(p.AutoscalingEnabled) || isIntrinsic(p.BillingMode)
        ? undefined
        : 'the table has no autoscaling (AutoscalingEnabled is not true)';
  }
}

export const outputGroupsApply: Check = (input, r) => {
  const groups = input.model.outputs?.include ?? [];
  include(input.properties).forEach((g, i) => {
    if (typeof g !== 'string' || !(groups as string[]).includes(g)) return;
    const why = emptyBecause(input, g as OutputGroup);
    if (why !== undefined) r.error(joinPath('Outputs.Include', i), `${g} gives no output: ${why}`);
  });
};
