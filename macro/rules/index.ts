/**
 * The named rules, run in this order on every parsed Arc::DynamoDB::Table, one line each. Each
 * is bound to its catalog entry (rules/catalog.ts: ID, description, source); its errors carry
 * the rule's ID. The order only decides the order of the messages.
 */
import type { ArcError } from '../errors';
import { attributeNameLength, attributeNamesAreUnique, declaredAttributesAreUsed, keyAttributesAreDeclared, keysAreDistinct } from './attributes';
import {
  autoscalingNeedsProvisioned,
  autoscalingNeedsSettings,
  autoscalingSettingsNeedSwitch,
  gsiScalingKeysNameIndexes,
  scalingMinMax,
  scalingTargetRange,
  scheduledActionCapacityGiven,
  scheduledActionMinMax,
  scheduledActionNamesUnique,
  scheduledActionWindow,
  scheduledActionSchedules,
} from './autoscaling';
import { capacityNeedsProvisioned, onDemandNeedsPayPerRequest, provisionedNeedsCapacity } from './billing';
import {
  indexCountLimits,
  indexNamesAreUnique,
  indexNamesAreValid,
  indexNamesMakeDistinctIds,
  lsiNeedsTableRangeKey,
  nonKeyAttributesAreUnique,
  nonKeyAttributesPerIndex,
  nonKeyAttributeTotal,
  projectionMatchesNonKeyAttributes,
} from './indexes';
import { copyFromAlone, copyFromValues, csvOptionsNeedCsv, importCannotCreateLocalIndexes, loadSourceIsBoundToTheStack } from './load';
import {
  consistencyNeedsReplicas,
  mrscRegions,
  mrscUnsupportedFeatures,
  replicaIndexesNameIndexes,
  replicaInsightsModeNeedsInsights,
  provisionedReplicaIndexesNeedWriteAutoscaling,
  provisionedReplicasNeedWriteAutoscaling,
  replicaCapacityMatchesBillingMode,
  replicaKmsKeyArns,
  replicaKmsKeyRegions,
  replicaRegionNames,
  replicaRegionsAreRemote,
  replicaRegionsAreUnique,
  replicasNeedNewAndOldImages,
  replicasNeedStream,
  waitForReplicationNeedsReplicas,
} from './replicas';
import { outputGroupsApply, outputGroupsUnique } from './outputs';
import { settingsNeedTheirSwitch } from './switches';
import {
  adoptionNamesTheTable,
  alarmDatapoints,
  alarmEvaluationWindow,
  alarmPeriods,
  alarmThresholds,
  contributorInsightsModeNeedsInsights,
  contributorInsightsNameIndexes,
  tableNameIsValid,
  tagCount,
  tagKeysAndValues,
} from './table-settings';
import { reporter, rule, type Rule, type RuleInput } from './types';

export const RULES: readonly Rule[] = [
  rule('table-name-valid', tableNameIsValid),
  rule('attribute-names-unique', attributeNamesAreUnique),
  rule('attribute-name-length', attributeNameLength),
  rule('keys-declared', keyAttributesAreDeclared),
  rule('attributes-used', declaredAttributesAreUsed),
  rule('keys-distinct', keysAreDistinct),
  rule('index-counts', indexCountLimits),
  rule('index-names-valid', indexNamesAreValid),
  rule('index-names-unique', indexNamesAreUnique),
  rule('index-ids-distinct', indexNamesMakeDistinctIds),
  rule('lsi-needs-range-key', lsiNeedsTableRangeKey),
  rule('projection-non-key-attributes', projectionMatchesNonKeyAttributes),
  rule('non-key-attributes-per-index', nonKeyAttributesPerIndex),
  rule('non-key-attributes-unique', nonKeyAttributesAreUnique),
  rule('non-key-attributes-total', nonKeyAttributeTotal),
  rule('provisioned-needs-capacity', provisionedNeedsCapacity),
  rule('capacity-needs-provisioned', capacityNeedsProvisioned),
  rule('on-demand-throughput-needs-pay-per-request', onDemandNeedsPayPerRequest),
  rule('autoscaling-needs-provisioned', autoscalingNeedsProvisioned),
  rule('autoscaling-needs-settings', autoscalingNeedsSettings),
  rule('autoscaling-settings-need-switch', autoscalingSettingsNeedSwitch),
  rule('gsi-scaling-names-indexes', gsiScalingKeysNameIndexes),
  rule('scaling-min-max', scalingMinMax),
  rule('scaling-target-range', scalingTargetRange),
  rule('scheduled-action-schedules', scheduledActionSchedules),
  rule('scheduled-action-capacity-given', scheduledActionCapacityGiven),
  rule('scheduled-action-min-max', scheduledActionMinMax),
  rule('scheduled-action-names-unique', scheduledActionNamesUnique),
  rule('scheduled-action-window', scheduledActionWindow),
  rule('settings-need-their-switch', settingsNeedTheirSwitch),
  rule('wait-for-replication-needs-replicas', waitForReplicationNeedsReplicas),
  rule('csv-options-need-csv', csvOptionsNeedCsv),
  rule('gsi-insights-name-indexes', contributorInsightsNameIndexes),
  rule('insights-mode-needs-insights', contributorInsightsModeNeedsInsights),
  rule('replica-region-names', replicaRegionNames),
  rule('replica-regions-remote', replicaRegionsAreRemote),
  rule('replica-regions-unique', replicaRegionsAreUnique),
  rule('replica-kms-key-arns', replicaKmsKeyArns),
  rule('replica-kms-key-regions', replicaKmsKeyRegions),
  rule('replicas-need-stream', replicasNeedStream),
  rule('replicas-need-new-and-old-images', replicasNeedNewAndOldImages),
  rule('replica-capacity-matches-billing', replicaCapacityMatchesBillingMode),
  rule('provisioned-replicas-need-write-autoscaling', provisionedReplicasNeedWriteAutoscaling),
  rule('provisioned-replica-indexes-need-write-autoscaling', provisionedReplicaIndexesNeedWriteAutoscaling),
  rule('consistency-needs-replicas', consistencyNeedsReplicas),
  rule('mrsc-regions', mrscRegions),
  rule('mrsc-unsupported-features', mrscUnsupportedFeatures),
  rule('replica-indexes-name-indexes', replicaIndexesNameIndexes),
  rule('replica-insights-mode-needs-insights', replicaInsightsModeNeedsInsights),
  rule('import-without-lsi', importCannotCreateLocalIndexes),
  rule('copy-from-alone', copyFromAlone),
  rule('copy-from-values', copyFromValues),
  rule('load-prefix-bound', loadSourceIsBoundToTheStack),
  rule('adoption-names-the-table', adoptionNamesTheTable),
  rule('tag-count', tagCount),
  rule('tag-keys-and-values', tagKeysAndValues),
  rule('alarm-periods', alarmPeriods),
  rule('alarm-datapoints', alarmDatapoints),
  rule('alarm-evaluation-window', alarmEvaluationWindow),
  rule('alarm-thresholds', alarmThresholds),
  rule('output-groups-unique', outputGroupsUnique),
  rule('output-groups-apply', outputGroupsApply),
];

/**
 * Runs every rule on one table. An error at a path where (or under where) an error was already
 * reported is only its echo, and is dropped: a rule never repeats what the schema or a value said.
 */
export function runRules(input: RuleInput): ArcError[] {
  const out: ArcError[] = [];
  for (const { meta, check } of RULES) {
    const r = reporter(input.model, meta.id);
    check(input, r);
    out.push(...r.errors.filter((e) => !input.failed.at(e.path)));
  }
  return out;
}
