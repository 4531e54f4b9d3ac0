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
 *
 * CloudFormation allows logical IDs of at most 255 characters (CloudFormation quotas; cfn-lint
 * E3001), and an index name may be 255 characters itself. An ID that would be longer is shortened
 * with a stable hash (`fitId`): only IDs that CloudFormation rejects today change, so no existing
 * stack ever sees one of its IDs change.
 */
import { createHash } from 'node:crypto';

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

/** CloudFormation's limit on logical IDs (user guide, "Quotas": resource and output names, 255 characters). */
export const MAX_LOGICAL_ID_LENGTH = 255;
const HASH_LENGTH = 8;

/** The first 8 hex digits of SHA-256, upper-cased: stable across runs, versions and machines. */
export function stableHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_LENGTH).toUpperCase();
}

/**
 * `${head}${middle}${tail}` as it is when it fits in `max` characters; otherwise `middle` (the
 * part a user named: an index or region) is cut and followed by a hash of it, so the table's ID
 * and the fixed suffix stay readable. When even that cannot fit (a very long table ID), the
 * whole ID is cut and followed by a hash of it.
 */
export function fitId(head: string, middle: string, tail: string, max = MAX_LOGICAL_ID_LENGTH): string {
  const full = `${head}${middle}${tail}`;
  if (full.length <= max) return full;
  const room = max - head.length - tail.length - HASH_LENGTH;
  // The hash is of the name alone, so every ID made from one long index name shows the same one.
  if (room >= 1 && middle.length > 0) return `${head}${middle.slice(0, room)}${stableHash(middle)}${tail}`;
  return `${full.slice(0, max - HASH_LENGTH)}${stableHash(full)}`;
}

const indexed = (tableId: string, index: string, suffix: string) => fitId(`${tableId}Index`, safeName(index), suffix);
const suffixed = (tableId: string, suffix: string) => fitId(tableId, '', suffix);

export const ids = {
  table: (tableId: string) => tableId,

  scalableTarget: (tableId: string, capacity: Capacity) => suffixed(tableId, `${capacity}ScalableTarget`),
  scalingPolicy: (tableId: string, capacity: Capacity) => suffixed(tableId, `${capacity}ScalingPolicy`),
  indexScalableTarget: (tableId: string, index: string, capacity: Capacity) => indexed(tableId, index, `${capacity}ScalableTarget`),
  indexScalingPolicy: (tableId: string, index: string, capacity: Capacity) => indexed(tableId, index, `${capacity}ScalingPolicy`),

  replicas: (tableId: string) => suffixed(tableId, 'Replicas'),
  indexes: (tableId: string) => suffixed(tableId, 'Indexes'),
  indexesPrecheck: (tableId: string) => suffixed(tableId, 'IndexesPrecheck'),
  /** The WaitCondition of one generation of a long operation's inputs (generators/long-operations.ts). */
  waitCondition: (resourceId: string, generation: string) => fitId(resourceId, '', `Wait${generation}`),
  waitHandle: (resourceId: string, generation: string) => fitId(resourceId, '', `Wait${generation}Handle`),
  load: (tableId: string) => suffixed(tableId, 'Load'),
  export: (tableId: string) => suffixed(tableId, 'Export'),

  /** A table-level alarm; `part` numbers the 2nd, 3rd… alarm when one kind is split (part 1 has no number). */
  alarm: (tableId: string, kind: string, part = 1) => suffixed(tableId, `${kind}Alarm${part > 1 ? part : ''}`),
  indexAlarm: (tableId: string, index: string, kind: string) => indexed(tableId, index, `${kind}Alarm`),
  regionAlarm: (tableId: string, region: string, kind: string) => fitId(`${tableId}${kind}Alarm`, safeName(region), ''),
  dashboard: (tableId: string) => suffixed(tableId, 'Dashboard'),

  outputName: (tableId: string) => suffixed(tableId, 'Name'),
  outputArn: (tableId: string) => suffixed(tableId, 'Arn'),
  outputStreamArn: (tableId: string) => suffixed(tableId, 'StreamArn'),
  /** `Outputs.Include` (generators/outputs.ts): one ID per value, none shared with a resource. */
  outputStreamLabel: (tableId: string) => suffixed(tableId, 'StreamLabel'),
  outputIndexName: (tableId: string, index: string) => indexed(tableId, index, 'Name'),
  outputIndexArn: (tableId: string, index: string) => indexed(tableId, index, 'Arn'),
  outputReplicaRegion: (tableId: string, region: string) => fitId(`${tableId}Replica`, safeName(region), 'Region'),
  outputReplicaArn: (tableId: string, region: string) => fitId(`${tableId}Replica`, safeName(region), 'Arn'),
  outputScalableTargetResourceId: (tableId: string, capacity: Capacity) => suffixed(tableId, `${capacity}ScalableTargetResourceId`),
  outputIndexScalableTargetResourceId: (tableId: string, index: string, capacity: Capacity) => indexed(tableId, index, `${capacity}ScalableTargetResourceId`),
};
