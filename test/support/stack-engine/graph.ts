/**
 * Dependency order. CloudFormation creates and updates a resource after everything it depends
 * on (Ref, Fn::GetAtt, Fn::Sub, DependsOn), and deletes in the reverse order (User Guide,
 * "DependsOn attribute": "CloudFormation creates ... in the order they are specified ... and
 * deletes them in the reverse order"). CloudFormation runs independent resources in parallel;
 * the engine runs one resource at a time in a stable topological order (ties broken by template
 * position), which is one of the schedules CloudFormation could pick, and makes the order of
 * operations deterministic for tests.
 */
import { references, TemplateError } from './intrinsics';
import type { Template } from './types';

/** logicalId -> the logical IDs it depends on (only among `ids`). */
export function dependencies(template: Template, ids: string[]): Map<string, Set<string>> {
  const known = new Set(ids);
  const out = new Map<string, Set<string>>();
  for (const id of ids) {
    const r = template.Resources[id];
    const deps = references(r.Properties ?? {}, known);
    const explicit = r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn];
    for (const d of explicit) {
      if (!(d in template.Resources))
        throw new TemplateError(`Template format error: Unresolved resource dependencies [${d}] in the Resources block of the template`);
      if (known.has(d)) deps.add(d);
    }
    deps.delete(id);
    out.set(id, deps);
  }
  return out;
}

/** Dependencies first; among ready resources, the one earliest in the template. */
export function creationOrder(template: Template, ids: string[]): string[] {
  const deps = dependencies(template, ids);
  const position = new Map(Object.keys(template.Resources).map((id, i) => [id, i]));
  const done = new Set<string>();
  const order: string[] = [];
  const pending = [...ids].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
  while (pending.length > 0) {
    const i = pending.findIndex((id) => [...(deps.get(id) ?? [])].every((d) => done.has(d)));
    if (i === -1) throw new TemplateError(`Template format error: Circular dependency between resources: [${pending.join(', ')}]`);
    const [id] = pending.splice(i, 1);
    done.add(id);
    order.push(id);
  }
  return order;
}

/** Dependents first: the reverse of the creation order. */
export function deletionOrder(template: Template, ids: string[]): string[] {
  return creationOrder(template, ids).reverse();
}
