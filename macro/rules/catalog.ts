/**
 * The rule IDs the macro writes into its errors, by check name: the only part of the rule catalog
 * the macro needs at run time. Each rule's stage, description and public source are in
 * catalog-docs.ts (for docs/reference.md and the tests), which the macro bundle does not carry;
 * test/unit/macro/rules.test.ts keeps the two in step. IDs are never reused or renumbered.
 */
export const RULE_IDS = {
  'template-shape': 'ARC-E0001',
  'generated-ids-unique': 'ARC-E0002',
  'resource-limit': 'ARC-E0003',
  'output-limit': 'ARC-E0004',
  'table-names-unique': 'ARC-E0005',
  'internal-error': 'ARC-E0006',
  'resource-shape': 'ARC-E1001',
  'resource-attributes': 'ARC-E1002',
  'deletion-policies': 'ARC-E1003',
  'known-properties': 'ARC-E1010',
  'required-properties': 'ARC-E1011',
  'value-forms': 'ARC-E1012',
  'list-sizes': 'ARC-E1013',
  'native-shapes': 'ARC-E1014',
  'module-variable-names': 'ARC-E1015',
  'shape-values-are-literal': 'ARC-E2001',
  'refs-name-parameters': 'ARC-E2002',
  'parameter-values-accepted': 'ARC-E2003',
  'numbers-in-range': 'ARC-E2004',
  'literal-forms': 'ARC-E2005',
  'attribute-names-unique': 'ARC-E3001',
  'attribute-name-length': 'ARC-E3002',
  'keys-declared': 'ARC-E3003',
  'attributes-used': 'ARC-E3004',
  'keys-distinct': 'ARC-E3005',
  'index-counts': 'ARC-E4001',
  'index-names-valid': 'ARC-E4002',
  'index-names-unique': 'ARC-E4003',
  'index-ids-distinct': 'ARC-E4004',
  'lsi-needs-range-key': 'ARC-E4005',
  'projection-non-key-attributes': 'ARC-E4006',
  'non-key-attributes-per-index': 'ARC-E4007',
  'non-key-attributes-unique': 'ARC-E4008',
  'non-key-attributes-total': 'ARC-E4009',
  'provisioned-needs-capacity': 'ARC-E5001',
  'capacity-needs-provisioned': 'ARC-E5002',
  'on-demand-throughput-needs-pay-per-request': 'ARC-E5003',
  'autoscaling-needs-provisioned': 'ARC-E6001',
  'autoscaling-needs-settings': 'ARC-E6002',
  'autoscaling-settings-need-switch': 'ARC-E6003',
  'gsi-scaling-names-indexes': 'ARC-E6004',
  'scaling-min-max': 'ARC-E6005',
  'scaling-target-range': 'ARC-E6006',
  'scheduled-action-schedules': 'ARC-E6007',
  'scheduled-action-capacity-given': 'ARC-E6008',
  'scheduled-action-min-max': 'ARC-E6009',
  'scheduled-action-names-unique': 'ARC-E6010',
  'scheduled-action-window': 'ARC-E6011',
  'replica-region-names': 'ARC-E7001',
  'replica-regions-remote': 'ARC-E7002',
  'replica-regions-unique': 'ARC-E7003',
  'replica-kms-key-arns': 'ARC-E7004',
  'replica-kms-key-regions': 'ARC-E7005',
  'replicas-need-stream': 'ARC-E7006',
  'replicas-need-new-and-old-images': 'ARC-E7007',
  'replica-capacity-matches-billing': 'ARC-E7008',
  'provisioned-replicas-need-write-autoscaling': 'ARC-E7009',
  'wait-for-replication-needs-replicas': 'ARC-E7010',
  'provisioned-replica-indexes-need-write-autoscaling': 'ARC-E7011',
  'consistency-needs-replicas': 'ARC-E7012',
  'mrsc-regions': 'ARC-E7013',
  'mrsc-unsupported-features': 'ARC-E7014',
  'replica-indexes-name-indexes': 'ARC-E7015',
  'replica-insights-mode-needs-insights': 'ARC-E7016',
  'load-prefix-bound': 'ARC-E8001',
  'import-without-lsi': 'ARC-E8002',
  'csv-options-need-csv': 'ARC-E8003',
  'copy-from-alone': 'ARC-E8004',
  'copy-from-values': 'ARC-E8005',
  'table-name-valid': 'ARC-E9001',
  'settings-need-their-switch': 'ARC-E9002',
  'gsi-insights-name-indexes': 'ARC-E9003',
  'insights-mode-needs-insights': 'ARC-E9004',
  'adoption-names-the-table': 'ARC-E9005',
  'tag-count': 'ARC-E9006',
  'tag-keys-and-values': 'ARC-E9007',
  'alarm-periods': 'ARC-E9008',
  'alarm-datapoints': 'ARC-E9009',
  'alarm-evaluation-window': 'ARC-E9010',
  'alarm-thresholds': 'ARC-E9011',
  'output-groups-unique': 'ARC-E9012',
  'output-groups-apply': 'ARC-E9013',
} as const;

export type RuleName = keyof typeof RULE_IDS;

export interface RuleMeta {
  readonly id: string;
  readonly name: RuleName;
}

/** The catalog entry of a check, by its name. */
export function ruleMeta(name: RuleName): RuleMeta {
  return { id: RULE_IDS[name], name };
}

/** The rule ID of a check, by its name (`ruleId('keys-declared')` is `ARC-E3003`). */
export function ruleId(name: RuleName): string {
  return RULE_IDS[name];
}
