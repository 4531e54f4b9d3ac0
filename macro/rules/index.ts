/** The named rules, run in this order on every parsed Arc::DynamoDB::Table. Each returns its errors. */
import { attributeNamesAreUnique, declaredAttributesAreUsed, keyAttributesAreDeclared, keysAreDistinct } from './attributes';
import { autoscalingNeedsProvisioned, gsiScalingKeysNameIndexes, scalingBounds } from './autoscaling';
import { capacityMatchesBillingMode } from './billing';
import { indexCountLimits, indexNamesAreValidAndUnique, indexNamesMakeDistinctIds, lsiNeedsTableRangeKey, nonKeyAttributeTotal, projectionMatchesNonKeyAttributes } from './indexes';
import { provisionedReplicasNeedWriteAutoscaling, replicaCapacityMatchesBillingMode, replicaRegionsAreDistinctAndRemote, replicasNeedNewAndOldImages } from './replicas';
import { settingsNeedTheirSwitch } from './switches';
import { loadSourceIsBoundToTheStack } from './load';
import {
  adoptionNamesTheTable,
  alarmOverridesAreConsistent,
  contributorInsightsNameIndexes,
  importCannotCreateLocalIndexes,
  tableNameIsValid,
  tagsAreValid,
} from './table-settings';
import type { Rule, RuleInput } from './types';
import type { ArcError } from '../errors';

export const RULES: readonly Rule[] = [
  tableNameIsValid,
  attributeNamesAreUnique,
  keyAttributesAreDeclared,
  declaredAttributesAreUsed,
  keysAreDistinct,
  indexCountLimits,
  indexNamesAreValidAndUnique,
  indexNamesMakeDistinctIds,
  lsiNeedsTableRangeKey,
  projectionMatchesNonKeyAttributes,
  nonKeyAttributeTotal,
  capacityMatchesBillingMode,
  autoscalingNeedsProvisioned,
  gsiScalingKeysNameIndexes,
  scalingBounds,
  settingsNeedTheirSwitch,
  contributorInsightsNameIndexes,
  replicaRegionsAreDistinctAndRemote,
  replicasNeedNewAndOldImages,
  replicaCapacityMatchesBillingMode,
  provisionedReplicasNeedWriteAutoscaling,
  importCannotCreateLocalIndexes,
  loadSourceIsBoundToTheStack,
  adoptionNamesTheTable,
  tagsAreValid,
  alarmOverridesAreConsistent,
];

export function runRules(input: RuleInput): ArcError[] {
  return RULES.flatMap((rule) => rule(input));
}
