/**
 * `LongOperationTimeoutInMinutes` -> for each of the table's Replicas, Indexes, Load and Export resources,
 * an AWS::CloudFormation::WaitConditionHandle and an AWS::CloudFormation::WaitCondition, so that
 * CloudFormation waits for work that outlasts a custom resource's one hour (ServiceTimeout at
 * most 3,600 s; a WaitCondition's Timeout at most 43,200 s: AWS::CloudFormation::WaitCondition).
 * The provider answers the resource once the work has safely started and signals the handle
 * when it is done (provider/protocol/long-operation.ts; docs/indexes.md, "Operations longer than
 * an hour").
 *
 * A WaitCondition cannot be updated ("Updates aren't supported", AWS::CloudFormation::WaitCondition),
 * and a handle once signalled stays signalled, so each generation of the resource's inputs gets
 * its own pair: the logical IDs carry a stable hash of the resource's properties. When the inputs
 * change, CloudFormation creates the new pair, updates the resource with the new handle, waits on
 * the new condition, and deletes the old pair in the cleanup phase; when they do not, nothing
 * happens. Whatever depended on the resource depends on its WaitCondition instead, so it starts
 * only once the work is really done.
 *
 * This runs after the generators, on the resources they made for the table (a finishing step).
 */
import { EXPORT_RESOURCE_TYPE, INDEXES_RESOURCE_TYPE, LOAD_RESOURCE_TYPE, REPLICAS_RESOURCE_TYPE, type LongOperationProps } from '../../contract/resources';
import type { TableModel } from '../model/types';
import { ids, stableHash } from '../naming';
import { childAttributes, ref } from './common';
import type { CfnResource, GeneratedParts } from './types';

const LONG_OPERATION_TYPES = new Set([REPLICAS_RESOURCE_TYPE, INDEXES_RESOURCE_TYPE, LOAD_RESOURCE_TYPE, EXPORT_RESOURCE_TYPE]);

/** JSON with sorted keys: the same properties give the same hash whatever the key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

const dependsOnList = (d: CfnResource['DependsOn']) => (d === undefined ? [] : Array.isArray(d) ? d : [d]);

export function withLongOperations(t: TableModel, parts: GeneratedParts): GeneratedParts {
  const minutes = t.longOperationTimeoutMinutes;
  if (minutes === undefined) return parts;
  const resources: Record<string, CfnResource> = { ...parts.resources };
  const waitFor = new Map<string, string>();
  const handles = new Map<string, string>();
  for (const [id, r] of Object.entries(parts.resources)) {
    if (!LONG_OPERATION_TYPES.has(r.Type)) continue;
    // The timeout is part of the generation: a WaitCondition cannot be updated, not even its Timeout.
    const generation = stableHash(canonical({ properties: r.Properties ?? {}, minutes }));
    const handleId = ids.waitHandle(id, generation);
    const conditionId = ids.waitCondition(id, generation);
    const added: LongOperationProps = { WaitTimeout: minutes * 60 };
    resources[id] = { ...r, Properties: { ...r.Properties, WaitHandle: ref(handleId), ...added } };
    resources[handleId] = { Type: 'AWS::CloudFormation::WaitConditionHandle', ...childAttributes(t) };
    resources[conditionId] = {
      Type: 'AWS::CloudFormation::WaitCondition',
      ...childAttributes(t),
      DependsOn: id,
      Properties: { Handle: ref(handleId), Timeout: String(minutes * 60), Count: 1 },
    };
    waitFor.set(id, conditionId);
    handles.set(id, handleId);
  }
  // What waited for a resource now waits for its WaitCondition (never the condition itself).
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::CloudFormation::WaitCondition') continue;
    const before = dependsOnList(r.DependsOn);
    if (!before.some((d) => waitFor.has(d))) continue;
    const after = [...new Set(before.map((d) => waitFor.get(d) ?? d))];
    resources[id] = { ...r, DependsOn: after.length === 1 ? after[0] : after };
  }
  // A handle is created when the stack operation reaches it, and its pre-signed URL does not live
  // for ever (cloudformation-coverage-roadmap#1842): it comes no earlier than its resource would.
  for (const [id, handleId] of handles) {
    const after = resources[id].DependsOn;
    if (after !== undefined) resources[handleId] = { ...resources[handleId], DependsOn: after };
  }
  return { resources, outputs: parts.outputs };
}
