/**
 * CreateStack, UpdateStack and DeleteStack as CloudFormation runs them.
 *
 * Create: resources in dependency order; the first failure -> ROLLBACK_IN_PROGRESS, every
 * resource made so far is deleted in reverse order (a custom resource whose Create answered
 * FAILED gets a Delete with the PhysicalResourceId of that response; aws/aws-cdk PR #5525), then
 * ROLLBACK_COMPLETE (User Guide, "Stack status codes").
 *
 * Update (User Guide, "Update behaviors of stack resources"; "Stack status codes"):
 * 1. UPDATE_IN_PROGRESS: new resources are created and changed ones updated, in dependency order.
 *    An unchanged resource gets no request ("If you didn't make changes to the custom resource,
 *    AWS CloudFormation won't send requests to it"). A change that needs replacement creates the
 *    new physical resource first; a custom-named resource cannot be replaced ("CloudFormation
 *    cannot update a stack when a custom-named resource requires replacing"). A custom resource
 *    whose Update answers another PhysicalResourceId has been replaced.
 * 2. UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, only after every create and update succeeded: removed
 *    resources are deleted (DeletionPolicy) and replaced physical resources too
 *    (UpdateReplacePolicy), in reverse dependency order; a cleanup failure does not fail the
 *    update. Then UPDATE_COMPLETE.
 * 3. On a failure instead: UPDATE_ROLLBACK_IN_PROGRESS. Every resource already updated, and the
 *    one that failed if its backend was asked to do anything, is updated back to its previous
 *    properties; a custom resource receives an Update with ResourceProperties = the old values
 *    and OldResourceProperties = the new ones (aws-cloudformation/custom-resource-helper#71,
 *    aws/aws-cdk#29581). Replaced resources point back at their old physical resource. Then
 *    UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS deletes what this update created (new resources
 *    and the new physical resources of replacements), then UPDATE_ROLLBACK_COMPLETE. A failure
 *    while rolling back ends UPDATE_ROLLBACK_FAILED.
 *
 * Delete: reverse dependency order, DeletionPolicy honoured (DELETE_SKIPPED), DELETE_COMPLETE;
 * the first failed delete ends DELETE_FAILED.
 */
import { creationOrder, deletionOrder } from './graph';
import { Evaluator, pseudoParameters, resolveParameters, sameValue, TemplateError } from './intrinsics';
import { StackOps, type StackState } from './stack';
import { ResourceFailure, type Json, type ResourceRecord, type StackStatus, type Template } from './types';

export interface DeployOptions {
  parameters?: Record<string, string>;
  /** Inject a failure into this resource's create or update (no backend is called for it). */
  failResource?: string;
}

export interface LifecycleResult {
  status: StackStatus;
  reason?: string;
}

type Journal =
  | { kind: 'created'; logicalId: string }
  | { kind: 'updated'; logicalId: string; before: ResourceRecord; attempted: Json }
  | { kind: 'replaced'; logicalId: string; before: ResourceRecord; after: ResourceRecord };

const INJECTED = 'Injected failure (stack engine failResource)';
const copy = (r: ResourceRecord): ResourceRecord => ({ ...r, properties: structuredClone(r.properties), attributes: { ...r.attributes } });

function evaluatorFor(ops: StackOps, template: Template, params: Record<string, string | string[]>, region: string, accountId: string): Evaluator {
  const s = ops.stack;
  return new Evaluator(template, params, pseudoParameters({ stackId: s.stackId, stackName: s.stackName, region, accountId }), {
    ref: (id) => s.resources.get(id)?.physicalId,
    getAtt: (id, attr) => s.resources.get(id)?.attributes[attr],
  });
}

function activeIds(template: Template, ev: Evaluator): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Condition === undefined || ev.condition(r.Condition))
    .map(([id]) => id);
}

const policyOf = (ev: Evaluator, v: unknown, fallback: string) => (v === undefined ? fallback : String(ev.resolve(v)));

export class Lifecycle {
  constructor(
    private readonly ops: StackOps,
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  private get stack(): StackState {
    return this.ops.stack;
  }

  /** Resolves, then creates one resource; the record is kept (with any physical ID) even on failure. */
  private async createOne(ev: Evaluator, template: Template, id: string, failResource: string | undefined, reason?: string): Promise<void> {
    const r = template.Resources[id];
    const record: ResourceRecord = {
      logicalId: id,
      type: r.Type,
      properties: {},
      attributes: {},
      deletionPolicy: policyOf(ev, r.DeletionPolicy, 'Delete'),
      updateReplacePolicy: policyOf(ev, r.UpdateReplacePolicy, 'Delete'),
      status: 'CREATE_IN_PROGRESS',
    };
    try {
      await this.ops.run(
        'CREATE',
        id,
        r.Type,
        undefined,
        async () => {
          record.properties = this.resolveProps(ev, r.Properties);
          if (failResource === id) throw new ResourceFailure(INJECTED);
          const out = await this.ops.handler(r.Type).create(this.ops.context(id, r.Type), record.properties);
          record.physicalId = out.physicalId;
          record.attributes = out.attributes;
          return out;
        },
        { reason, donePhysicalId: (o) => o.physicalId },
      );
      record.status = 'CREATE_COMPLETE';
      this.stack.resources.set(id, record);
    } catch (e) {
      const f = e as ResourceFailure;
      record.status = 'CREATE_FAILED';
      if (f.opts.sent && f.opts.physicalId) record.physicalId = f.opts.physicalId;
      this.stack.resources.set(id, record);
      throw f;
    }
  }

  private resolveProps(ev: Evaluator, props: Json | undefined): Json {
    try {
      return (ev.resolve(props ?? {}) ?? {}) as Json;
    } catch (e) {
      if (e instanceof TemplateError) throw new ResourceFailure(e.message);
      throw e;
    }
  }

  private outputs(template: Template, ev: Evaluator): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, o] of Object.entries(template.Outputs ?? {})) {
      if (typeof o.Condition === 'string' && !ev.condition(o.Condition)) continue;
      out[name] = ev.resolve(o.Value);
    }
    return out;
  }

  async create(template: Template, opts: DeployOptions): Promise<LifecycleResult> {
    const params = resolveParameters(template, opts.parameters);
    const ev = evaluatorFor(this.ops, template, params, this.region, this.accountId);
    const order = creationOrder(template, activeIds(template, ev));
    this.stack.parameters = params;
    // GetTemplate (TemplateStage Processed) returns the template being deployed (CloudFormation API reference, GetTemplate).
    this.ops.setTemplate(template);
    this.ops.setStatus('CREATE_IN_PROGRESS', 'User Initiated');
    let failed: { id: string; reason: string } | undefined;
    for (const id of order) {
      if (this.stack.deleteRequested) break;
      try {
        await this.createOne(ev, template, id, opts.failResource);
      } catch (e) {
        failed = { id, reason: (e as Error).message };
        break;
      }
    }
    // DeleteStack while the stack was CREATE_IN_PROGRESS (the engine's deleteStackDuringCreate):
    // the resource in flight was cancelled, and the stack is deleted instead of rolled back.
    if (this.stack.deleteRequested) return this.delete(template);
    if (!failed) {
      this.stack.template = template;
      this.stack.outputs = this.outputs(template, ev);
      this.ops.setStatus('CREATE_COMPLETE');
      return { status: 'CREATE_COMPLETE' };
    }
    const reason = `The following resource(s) failed to create: [${failed.id}]. Rollback requested by user.`;
    this.ops.setStatus('ROLLBACK_IN_PROGRESS', reason);
    const made = deletionOrder(template, [...this.stack.resources.keys()]);
    for (const id of made) {
      const rec = this.stack.resources.get(id)!;
      try {
        await this.ops.deletePhysical(rec, rec.deletionPolicy, true, true);
        this.ops.forget(id);
      } catch {
        this.ops.setStatus('ROLLBACK_FAILED');
        return { status: 'ROLLBACK_FAILED', reason: failed.reason };
      }
    }
    this.ops.setStatus('ROLLBACK_COMPLETE');
    return { status: 'ROLLBACK_COMPLETE', reason: failed.reason };
  }

  async update(template: Template, opts: DeployOptions): Promise<LifecycleResult> {
    const oldTemplate = this.stack.template as Template;
    const params = resolveParameters(template, opts.parameters);
    const ev = evaluatorFor(this.ops, template, params, this.region, this.accountId);
    const newIds = activeIds(template, ev);
    const order = creationOrder(template, newIds);
    const oldParams = this.stack.parameters;
    this.ops.setTemplate(template);
    this.ops.setStatus('UPDATE_IN_PROGRESS', 'User Initiated');
    const journal: Journal[] = [];
    let failed: { id: string; reason: string; verb: string } | undefined;

    for (const id of order) {
      const r = template.Resources[id];
      const old = this.stack.resources.get(id);
      if (!old) {
        try {
          await this.createOne(ev, template, id, opts.failResource);
          journal.push({ kind: 'created', logicalId: id });
        } catch (e) {
          // Deleted in the rollback cleanup (a record without a physical ID is just removed).
          journal.push({ kind: 'created', logicalId: id });
          failed = { id, reason: (e as Error).message, verb: 'create' };
          break;
        }
        continue;
      }
      try {
        await this.updateOne(ev, r, old, opts.failResource, journal);
      } catch (e) {
        failed = { id, reason: (e as Error).message, verb: 'update' };
        break;
      }
    }

    if (!failed) {
      this.stack.template = template;
      this.stack.parameters = params;
      this.stack.outputs = this.outputs(template, ev);
      this.ops.setStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      const removed = [...this.stack.resources.keys()].filter((id) => !newIds.includes(id));
      const replaced = new Map(journal.flatMap((j) => (j.kind === 'replaced' ? [[j.logicalId, j.before] as const] : [])));
      for (const id of deletionOrder(
        oldTemplate,
        [...new Set([...removed, ...replaced.keys()])].filter((x) => x in oldTemplate.Resources),
      )) {
        try {
          const before = replaced.get(id);
          if (before) await this.ops.deletePhysical(before, this.stack.resources.get(id)!.updateReplacePolicy, false, false);
          else {
            const rec = this.stack.resources.get(id)!;
            await this.ops.deletePhysical(rec, rec.deletionPolicy, false, true);
            this.ops.forget(id);
          }
        } catch {
          // "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": a failed cleanup leaves the resource, not the update, failed.
          if (!replaced.has(id)) this.ops.forget(id);
        }
      }
      this.ops.setStatus('UPDATE_COMPLETE');
      return { status: 'UPDATE_COMPLETE' };
    }

    const reason = `The following resource(s) failed to ${failed.verb}: [${failed.id}]. `;
    // Rolling back returns the stack to its previous template, which GetTemplate then shows
    // (modelled; the rollback cleanup phase certainly runs against it).
    this.ops.setTemplate(oldTemplate);
    this.ops.setStatus('UPDATE_ROLLBACK_IN_PROGRESS', reason);
    const oldEv = evaluatorFor(this.ops, oldTemplate, oldParams, this.region, this.accountId);
    const position = creationOrder(oldTemplate, activeIds(oldTemplate, oldEv));
    const back = journal.filter((j) => j.kind !== 'created').sort((a, b) => position.indexOf(a.logicalId) - position.indexOf(b.logicalId));
    for (const j of back) {
      if (j.kind === 'replaced') {
        // The old physical resource is still there: the logical ID points back at it.
        this.stack.resources.set(j.logicalId, copy(j.before));
        this.ops.mark(j.logicalId, j.before.type, 'UPDATE_COMPLETE', j.before.physicalId);
        continue;
      }
      if (j.kind !== 'updated') continue;
      const { before, attempted } = j;
      try {
        await this.ops.run('UPDATE', j.logicalId, before.type, before.physicalId, async () => {
          const out = await this.ops
            .handler(before.type)
            .update(this.ops.context(j.logicalId, before.type), before.physicalId as string, attempted, before.properties, before.attributes);
          this.stack.resources.set(j.logicalId, { ...copy(before), attributes: { ...before.attributes, ...out.attributes }, status: 'UPDATE_COMPLETE' });
        });
      } catch {
        this.ops.setStatus('UPDATE_ROLLBACK_FAILED');
        return { status: 'UPDATE_ROLLBACK_FAILED', reason: failed.reason };
      }
    }
    this.ops.setStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    const createdIds = journal.filter((j) => j.kind === 'created').map((j) => j.logicalId);
    const cleanup = [...journal].reverse().filter((j) => j.kind !== 'updated');
    for (const id of deletionOrder(template, [...new Set(cleanup.map((j) => j.logicalId))])) {
      const j = cleanup.find((x) => x.logicalId === id)!;
      try {
        if (j.kind === 'replaced') await this.ops.deletePhysical(j.after, j.after.deletionPolicy, true, false);
        else if (createdIds.includes(id)) {
          const rec = this.stack.resources.get(id)!;
          await this.ops.deletePhysical(rec, rec.deletionPolicy, true, true);
          this.ops.forget(id);
        }
      } catch {
        if (j.kind === 'created') this.ops.forget(id);
      }
    }
    this.ops.setStatus('UPDATE_ROLLBACK_COMPLETE');
    return { status: 'UPDATE_ROLLBACK_COMPLETE', reason: failed.reason };
  }

  private async updateOne(
    ev: Evaluator,
    r: Template['Resources'][string],
    old: ResourceRecord,
    failResource: string | undefined,
    journal: Journal[],
  ): Promise<void> {
    const id = old.logicalId;
    const before = copy(old);
    const policies = { deletionPolicy: policyOf(ev, r.DeletionPolicy, 'Delete'), updateReplacePolicy: policyOf(ev, r.UpdateReplacePolicy, 'Delete') };
    let props: Json;
    try {
      props = this.resolveProps(ev, r.Properties);
      if (r.Type !== old.type) throw new ResourceFailure(`Update of resource type is not permitted (${old.type} -> ${r.Type})`);
    } catch (e) {
      this.ops.mark(id, old.type, 'UPDATE_FAILED', old.physicalId, (e as Error).message);
      throw e;
    }
    Object.assign(old, policies);
    if (sameValue(props, old.properties) && failResource !== id) return;
    const handler = () => this.ops.handler(r.Type);
    const replacement = failResource === id ? undefined : handler().replacementReason?.(old.properties, props);
    if (replacement) {
      const name = handler().customName?.(props);
      if (name !== undefined && name === handler().customName?.(old.properties)) {
        const msg = `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${name} and update the stack again.`;
        this.ops.mark(id, old.type, 'UPDATE_FAILED', old.physicalId, msg);
        throw new ResourceFailure(msg);
      }
      const out = await this.ops.run('UPDATE', id, r.Type, old.physicalId, () => handler().create(this.ops.context(id, r.Type), props), {
        reason: `Requested update requires the creation of a new physical resource (${replacement} changed); hence creating one.`,
        donePhysicalId: (o) => o.physicalId,
      });
      const after: ResourceRecord = {
        ...before,
        ...policies,
        physicalId: out.physicalId,
        properties: props,
        attributes: out.attributes,
        status: 'UPDATE_COMPLETE',
      };
      this.stack.resources.set(id, after);
      journal.push({ kind: 'replaced', logicalId: id, before, after: copy(after) });
      return;
    }
    try {
      const out = await this.ops.run(
        'UPDATE',
        id,
        r.Type,
        old.physicalId,
        async () => {
          if (failResource === id) throw new ResourceFailure(INJECTED);
          return handler().update(this.ops.context(id, r.Type), old.physicalId as string, old.properties, props, old.attributes);
        },
        { donePhysicalId: (o) => o.physicalId },
      );
      const after: ResourceRecord = {
        ...before,
        ...policies,
        physicalId: out.physicalId,
        properties: props,
        attributes: out.attributes,
        status: 'UPDATE_COMPLETE',
      };
      this.stack.resources.set(id, after);
      journal.push(
        out.physicalId !== before.physicalId
          ? { kind: 'replaced', logicalId: id, before, after: copy(after) }
          : { kind: 'updated', logicalId: id, before, attempted: props },
      );
    } catch (e) {
      // The failed resource is rolled back too when its backend was asked to do something.
      if ((e as ResourceFailure).opts?.sent) journal.push({ kind: 'updated', logicalId: id, before, attempted: props });
      throw e;
    }
  }

  /** `creating`: the template of a Create still running (deleteStackDuringCreate), for the order. */
  async delete(creating?: Template): Promise<LifecycleResult> {
    this.ops.setStatus('DELETE_IN_PROGRESS', 'User Initiated');
    const template = creating ??
      this.stack.template ?? { Resources: Object.fromEntries([...this.stack.resources.values()].map((r) => [r.logicalId, { Type: r.type }])) };
    const ids = [...this.stack.resources.keys()].filter((id) => id in template.Resources);
    for (const id of deletionOrder(template, ids)) {
      const rec = this.stack.resources.get(id)!;
      try {
        await this.ops.deletePhysical(rec, rec.deletionPolicy, false, true);
        this.stack.resources.delete(id);
      } catch (e) {
        this.ops.setStatus('DELETE_FAILED', (e as Error).message);
        return { status: 'DELETE_FAILED', reason: (e as Error).message };
      }
    }
    this.ops.setStatus('DELETE_COMPLETE');
    return { status: 'DELETE_COMPLETE' };
  }
}
