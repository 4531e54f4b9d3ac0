/**
 * The only place that decides logical IDs of generated resources and outputs.
 *
 * NOTE: logical IDs are how CloudFormation identifies a resource across updates. Changing one
 * makes CloudFormation delete the old resource and create a new one, so every ID here must stay
 * backwards compatible forever. Add new suffixes; never change existing ones.
 *
 * Every ID is the table's logical ID plus a fixed suffix. Index names and regions are made safe
 * by `safeName`, and a collision between two generated IDs, or with a resource already in the
 * template, is an error (see expand.ts), never a silent overwrite.
 */

/**
 * Index names allow `[a-zA-Z0-9_.-]`; logical IDs allow only alphanumerics. Separators are
 * dropped and the character after each is upper-cased, as is the first: `last_activity-idx`
 * becomes `LastActivityIdx`, `us-west-2` becomes `UsWest2`.
 */
export function safeName(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+/).filter((p) => p.length > 0);
  return parts.map((p) => p[0].toUpperCase() + p.slice(1)).join('');
}

export type Capacity = 'Read' | 'Write';

export const ids = {
  table: (tableId: string) => tableId,

  scalableTarget: (tableId: string, capacity: Capacity) => `${tableId}${capacity}ScalableTarget`,
  scalingPolicy: (tableId: string, capacity: Capacity) => `${tableId}${capacity}ScalingPolicy`,
  indexScalableTarget: (tableId: string, index: string, capacity: Capacity) =>
    `${tableId}Index${safeName(index)}${capacity}ScalableTarget`,
  indexScalingPolicy: (tableId: string, index: string, capacity: Capacity) =>
    `${tableId}Index${safeName(index)}${capacity}ScalingPolicy`,

  replicas: (tableId: string) => `${tableId}Replicas`,
  load: (tableId: string) => `${tableId}Load`,

  /** A table-level alarm; `part` numbers the 2nd, 3rd… alarm when one kind is split (part 1 has no number). */
  alarm: (tableId: string, kind: string, part = 1) => `${tableId}${kind}Alarm${part > 1 ? part : ''}`,
  indexAlarm: (tableId: string, index: string, kind: string) => `${tableId}Index${safeName(index)}${kind}Alarm`,
  regionAlarm: (tableId: string, region: string, kind: string) => `${tableId}${kind}Alarm${safeName(region)}`,
  dashboard: (tableId: string) => `${tableId}Dashboard`,

  outputName: (tableId: string) => `${tableId}Name`,
  outputArn: (tableId: string) => `${tableId}Arn`,
  outputStreamArn: (tableId: string) => `${tableId}StreamArn`,
};
