/**
 * The guard the provider runs before any change (see types.ts for the order and why).
 * Every refusal comes before the first mutating call: authentication and ownership only read,
 * and the lease writes only to the provider's own state table.
 */
import { UntagResourceCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { ADOPT_CONSENT_TAG_KEY } from '../../contract/resources';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { authenticate, DEFAULT_AUTH_RETRIES, stackKeeps, stackResource } from './authenticate';
import { chainKey, judgeLease, LEGACY_LEASE_TAG_PREFIX, requestKey } from './lease';
import { decideOwnership, observeOwnership, writeOwnerTag, type Ownership } from './ownership';
import { MAX_HOPS, seal, unseal } from './seal';
import { MAX_MEMO_BYTES, type LeaseRecord, type StateStore } from './state-store';
import { SupersededError, type AdmissionRequest, type Guard, type Session, type Settlement } from './types';

export interface GuardDeps {
  cloudformation: CloudFormationClient;
  /** The home region's DynamoDB client (the table the request names lives there). */
  dynamodb: DynamoDBClient;
  store: StateStore;
  homeRegion: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Waits between re-reads of CloudFormation's record when it does not match yet. */
  authRetriesMs?: readonly number[];
  /**
   * Waits between re-reads of a table that looks missing or untagged on Create or Update: right
   * after CloudFormation creates it, DescribeTable may say ResourceNotFound (DescribeTable API
   * reference) and ListTagsOfResource may return the previous tag set (TagResource API reference).
   */
  ownershipRetriesMs?: readonly number[];
  /** Conditional lease writes that lost to another writer are re-judged this many times. */
  leaseAttempts?: number;
}

export const DEFAULT_OWNERSHIP_RETRIES: readonly number[] = [1000, 2000, 4000, 8000];

const NOTHING_CHANGED = 'Nothing was changed.';
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A digest of properties, independent of key order. */
function propsDigest(props: Record<string, unknown>): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(props)))
    .digest('hex')
    .slice(0, 32);
}

const parseMemo = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

export function makeGuard(deps: GuardDeps): Guard {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const ownershipRetries = deps.ownershipRetriesMs ?? DEFAULT_OWNERSHIP_RETRIES;
  const leaseAttempts = deps.leaseAttempts ?? 5;

  /** Ownership, re-read while a just-created table may not show yet (missing, or its tags lag). */
  async function observe(req: AdmissionRequest, tableName: string): Promise<Ownership> {
    const { event } = req;
    for (let attempt = 0; ; attempt++) {
      const o = await observeOwnership(deps.dynamodb, tableName, event.StackId);
      const mayLag = event.RequestType !== 'Delete' && (o.kind === 'missing' || (o.kind === 'untagged' && req.adopt === undefined));
      if (!mayLag || attempt >= ownershipRetries.length) return o;
      req.log.info('table missing or untagged; re-reading in case DescribeTable or the tags lag', { kind: o.kind, attempt: attempt + 1 });
      await sleep(ownershipRetries[attempt]);
    }
  }

  return {
    async sealedBackground(event, continuation) {
      try {
        return unseal(await deps.store.signingKey(), event, continuation)?.background === true;
      } catch {
        return false;
      }
    },
    async sealedPhysicalId(event, continuation) {
      try {
        return unseal(await deps.store.signingKey(), event, continuation)?.physicalResourceId;
      } catch {
        return undefined;
      }
    },
    async admit(req) {
      const { event, log } = req;
      // 1. Is this CloudFormation, for a resource it is working on now? A sealed background
      // continuation of a long operation is judged against what CloudFormation does after the
      // early answer (authenticate.ts, `background`); its seal is verified again below.
      let background: { physicalResourceId: string } | undefined;
      if (req.continuation !== undefined) {
        const peek = await deps.store.signingKey().then(
          (k) => unseal(k, event, req.continuation),
          () => undefined,
        );
        if (peek?.background && peek.physicalResourceId) background = { physicalResourceId: peek.physicalResourceId };
      }
      let auth;
      try {
        auth = await authenticate(
          deps.cloudformation,
          {
            requestType: event.RequestType,
            stackId: event.StackId,
            logicalResourceId: event.LogicalResourceId,
            resourceType: event.ResourceType,
            physicalResourceId: background?.physicalResourceId ?? event.PhysicalResourceId,
            ...(background ? { background: true } : {}),
          },
          {
            retryDelaysMs: deps.authRetriesMs ?? DEFAULT_AUTH_RETRIES,
            sleep,
          },
        );
      } catch (e) {
        return { kind: 'refuse', reason: `Could not ask CloudFormation whether it sent this request: ${message(e)}. ${NOTHING_CHANGED}` };
      }
      // 2. A continuation must carry this provider's seal for this very event and operation.
      let key: Buffer | undefined;
      const readKey = async () => (key ??= await deps.store.signingKey());
      if (auth.kind === 'refused') {
        log.warn('request not authenticated by CloudFormation', { reason: auth.reason });
        // One of our own chains that CloudFormation has stopped waiting for (a Delete replaced
        // the Create it ran for, or the stack moved on) stops; anything else is refused.
        // A second delivery of a request this provider has already served (Lambda delivers
        // asynchronous events at least once; a continuation may arrive twice too) finds the
        // resource no longer IN_PROGRESS; its answer was given once and must not be followed by a
        // second one. Reading the provider's own state table changes nothing.
        const seen = await deps.store.readLease(event.StackId, event.LogicalResourceId).catch(() => undefined);
        const thisRequest = requestKey(event.StackId, event.RequestId);
        const served = seen !== undefined && (seen.answered.includes(thisRequest) || (seen.request === thisRequest && seen.state === 'done'));
        if (req.continuation !== undefined) {
          const ours = await readKey().then(
            (k) => unseal(k, event, req.continuation),
            () => undefined,
          );
          if (!ours) return { kind: 'ignore', reason: 'a continuation that this provider did not seal' };
          if (served || seen?.request === thisRequest) {
            // This very chain still holds a running lease, but CloudFormation no longer waits for it (the stack failed with
            // rollback disabled, or moved on, and no later request came to take over): the lease ends here, so that work
            // this operation handed to others (a distributed load's workers check the lease before each object) stops too.
            if (!served && seen !== undefined && seen.state === 'running' && seen.chain === chainKey(ours.chainId)) {
              const { version, ...lease } = seen;
              const ended = await deps.store.writeLease(event.StackId, event.LogicalResourceId, { ...lease, state: 'done' }, version).catch(() => false);
              log.warn('CloudFormation no longer waits for this operation: its lease ends', { ended });
            }
            return { kind: 'ignore', reason: 'a continuation of a request that was answered, or that another chain serves' };
          }
          return { kind: 'superseded' };
        }
        if (served || (seen !== undefined && seen.request === thisRequest))
          return { kind: 'ignore', reason: 'a repeated delivery of a request this provider already served' };
        return { kind: 'refuse', reason: `Refused: this request does not match what CloudFormation is doing (${auth.reason}). ${NOTHING_CHANGED}` };
      }
      let sealingKey: Buffer;
      try {
        sealingKey = await readKey();
      } catch (e) {
        return { kind: 'refuse', reason: `Could not read the provider's state table: ${message(e)}. ${NOTHING_CHANGED}` };
      }
      const cont = req.continuation === undefined ? undefined : unseal(sealingKey, event, req.continuation);
      if (req.continuation !== undefined) {
        if (!cont) return { kind: 'ignore', reason: 'a continuation that this provider did not seal' };
        if (cont.hop > MAX_HOPS) return { kind: 'refuse', reason: `The operation took more than ${MAX_HOPS} invocations; stopped. ${NOTHING_CHANGED}` };
      }

      // 3. The lease record also says which physical IDs this resource was answered with.
      let record: LeaseRecord | undefined;
      try {
        record = await deps.store.readLease(event.StackId, event.LogicalResourceId);
      } catch (e) {
        return { kind: 'refuse', reason: `Could not read the provider's state table: ${message(e)}. ${NOTHING_CHANGED}` };
      }
      if (auth.cleanup && !(record?.ids ?? []).includes(event.PhysicalResourceId ?? '')) {
        return {
          kind: 'noop',
          reason:
            `physical ID ${event.PhysicalResourceId} was never this provider's answer for ${event.LogicalResourceId} (or its Delete was ` +
            `answered already); nothing was touched`,
        };
      }
      // CloudFormation deletes a physical resource with the properties it was last created or
      // updated with (custom resource request reference: ResourceProperties of a Delete), which
      // this provider recorded when it answered; a Delete carrying any others is not CloudFormation's.
      const recordedProps = event.PhysicalResourceId !== undefined ? record?.propsOf[event.PhysicalResourceId] : undefined;
      if (event.RequestType === 'Delete' && recordedProps !== undefined && recordedProps !== propsDigest(event.ResourceProperties)) {
        return {
          kind: 'refuse',
          reason: `Refused: this Delete's properties are not the ones ${event.PhysicalResourceId} was answered with. ${NOTHING_CHANGED}`,
        };
      }

      // 4. Ownership of the table (a handler that changes nothing names none: see AdmissionRequest).
      let tableArn = '';
      let tags: Record<string, string> = {};
      let adopting = false;
      if (req.tableName !== undefined) {
        let ownership: Ownership;
        try {
          ownership = await observe(req, req.tableName);
        } catch (e) {
          return { kind: 'refuse', reason: `Could not read table ${req.tableName} to check its ownership: ${message(e)}. ${NOTHING_CHANGED}` };
        }
        const decision = decideOwnership(ownership, event.RequestType, req.tableName, deps.homeRegion, req.adopt, event.StackId);
        if (decision.action === 'noop') return { kind: 'noop', reason: decision.reason };
        if (decision.action === 'refuse') return { kind: 'refuse', reason: decision.reason };
        if (ownership.kind !== 'owned' && ownership.kind !== 'untagged') throw new Error('unreachable ownership state');
        tableArn = ownership.tableArn;
        tags = ownership.tags;
        adopting = decision.action === 'adopt';
      }

      // The operation's clock: CloudFormation's own start, read by the chain's first invocation and
      // carried sealed (CloudFormation may touch the record's timestamp again while it waits).
      const operationStart = cont?.startedAt ?? auth.since ?? now();

      // 5. The lease: exactly one chain of invocations works on, and answers, a request.
      const chainId = cont?.chainId ?? req.awsRequestId;
      const mine = { request: requestKey(event.StackId, event.RequestId), chain: chainKey(chainId) };
      const isDelete = event.RequestType === 'Delete';
      let taken: LeaseRecord | undefined;
      for (let attempt = 0; attempt < leaseAttempts && !taken; attempt++) {
        if (req.signal?.aborted) return { kind: 'ignore', reason: 'the protocol stopped waiting for this admission' };
        if (attempt > 0) {
          try {
            record = await deps.store.readLease(event.StackId, event.LogicalResourceId);
          } catch (e) {
            return { kind: 'refuse', reason: `Could not read the provider's state table: ${message(e)}. ${NOTHING_CHANGED}` };
          }
        }
        if (record?.answered.includes(mine.request)) return { kind: 'ignore', reason: 'this request was already answered' };
        const verdict = judgeLease(record, mine.request, mine.chain, cont !== undefined, Math.floor(now() / 1000), isDelete, operationStart);
        if (verdict.verdict === 'duplicate') return { kind: 'ignore', reason: verdict.detail };
        if (verdict.verdict === 'superseded') return { kind: 'superseded' };
        if (verdict.verdict === 'busy')
          return {
            kind: 'refuse',
            reason: `Refused: another request for ${event.LogicalResourceId}, which CloudFormation started no earlier, is running. ${NOTHING_CHANGED}`,
          };
        const next = {
          ...mine,
          state: 'running' as const,
          expires: Math.ceil((req.lambdaDeadline + 60_000) / 1000),
          deleting: isDelete,
          ids: record?.ids ?? [],
          propsOf: record?.propsOf ?? {},
          answered: record?.answered ?? [],
          since: operationStart,
          ...(record?.memo !== undefined ? { memo: record.memo } : {}),
        };
        try {
          if (await deps.store.writeLease(event.StackId, event.LogicalResourceId, next, record?.version))
            taken = { ...next, version: (record?.version ?? 0) + 1 };
        } catch (e) {
          return { kind: 'refuse', reason: `Could not write the operation lease to the provider's state table: ${message(e)}. ${NOTHING_CHANGED}` };
        }
      }
      if (!taken) return { kind: 'refuse', reason: `Could not take the operation lease: other deliveries kept winning. ${NOTHING_CHANGED}` };
      let lease = taken;

      // Version 0.1 kept its lease in tags on the user's table; they are drift and take tag slots.
      const legacy = Object.keys(tags).filter((k) => k.startsWith(LEGACY_LEASE_TAG_PREFIX));
      if (legacy.length > 0 && tableArn !== '') {
        try {
          await deps.dynamodb.send(new UntagResourceCommand({ ResourceArn: tableArn, TagKeys: legacy }));
        } catch (e) {
          log.warn('could not remove the legacy lease tags', { error: message(e) });
        }
      }

      const assertCurrent = async () => {
        const current = await deps.store.readLease(event.StackId, event.LogicalResourceId);
        if (current && (current.request !== lease.request || current.chain !== lease.chain)) throw new SupersededError(current.request === lease.request);
      };

      const session: Session = {
        operationStart,
        chainId,
        stack: {
          status: auth.stackStatus,
          replaced: auth.cleanup,
          keeps: (logicalId) => stackKeeps(deps.cloudformation, event.StackId, logicalId),
          resource: (logicalId) => stackResource(deps.cloudformation, event.StackId, logicalId),
        },
        hop: cont?.hop ?? 0,
        isContinuation: cont !== undefined,
        checkpoint: cont?.checkpoint,
        ...(cont?.physicalResourceId ? { physicalResourceId: cont.physicalResourceId } : {}),
        ...(lease.memo !== undefined ? { memo: parseMemo(lease.memo) } : {}),
        assertCurrent,
        background: cont?.background === true,
        async seal(checkpoint, physicalResourceId, inBackground) {
          return seal(sealingKey, event, {
            chainId,
            startedAt: operationStart,
            hop: (cont?.hop ?? 0) + 1,
            checkpoint,
            ...(physicalResourceId ? { physicalResourceId } : {}),
            ...(inBackground || cont?.background ? { background: true } : {}),
          });
        },
        async remember(memo): Promise<void> {
          const memoText = JSON.stringify(memo);
          if (Buffer.byteLength(memoText) > MAX_MEMO_BYTES) throw new Error(`the handler's memo is larger than ${MAX_MEMO_BYTES} bytes`);
          for (let attempt = 0; attempt < leaseAttempts; attempt++) {
            const current = await deps.store.readLease(event.StackId, event.LogicalResourceId);
            if (current && (current.request !== lease.request || current.chain !== lease.chain)) throw new SupersededError(current.request === lease.request);
            const next = { ...(current ?? lease), memo: memoText };
            if (await deps.store.writeLease(event.StackId, event.LogicalResourceId, next, current?.version)) {
              lease = { ...next, version: (current?.version ?? 0) + 1 };
              return;
            }
          }
          throw new Error('could not write the memo to the provider state table: other writers kept winning');
        },
        async answerEarly(physicalResourceId): Promise<Settlement> {
          for (let attempt = 0; attempt < leaseAttempts; attempt++) {
            const current = await deps.store.readLease(event.StackId, event.LogicalResourceId);
            if (current && (current.request !== lease.request || current.chain !== lease.chain)) {
              return current.request === lease.request ? { kind: 'silent' } : { kind: 'superseded' };
            }
            const base = current ?? lease;
            const next = {
              ...base,
              ids: base.ids.includes(physicalResourceId) ? base.ids : [...base.ids, physicalResourceId],
              propsOf: { ...base.propsOf, [physicalResourceId]: propsDigest(event.ResourceProperties) },
            };
            if (await deps.store.writeLease(event.StackId, event.LogicalResourceId, next, current?.version)) {
              lease = { ...next, version: (current?.version ?? 0) + 1 };
              return { kind: 'answer' };
            }
          }
          throw new Error('could not record the early answer in the provider state table: other writers kept winning');
        },
        async settle(status, physicalResourceId, memo): Promise<Settlement> {
          for (let attempt = 0; attempt < leaseAttempts; attempt++) {
            const current = await deps.store.readLease(event.StackId, event.LogicalResourceId);
            if (current && (current.request !== lease.request || current.chain !== lease.chain)) {
              return current.request === lease.request ? { kind: 'silent' } : { kind: 'superseded' };
            }
            if (status === 'SUCCESS' && adopting) {
              try {
                await writeOwnerTag(deps.dynamodb, tableArn, event.StackId);
                // The consent is spent: nobody else can adopt the table with it later.
                await deps.dynamodb.send(new UntagResourceCommand({ ResourceArn: tableArn, TagKeys: [ADOPT_CONSENT_TAG_KEY] }));
              } catch (e) {
                return { kind: 'answer-failed', reason: `The work succeeded, but the adopted table's ownership tag could not be written: ${message(e)}` };
              }
            }
            // What a later Delete of this physical ID must carry; a cleanup Delete's ID is spent.
            const answersFor = event.RequestType !== 'Delete';
            const ids = auth.cleanup
              ? lease.ids.filter((id) => id !== physicalResourceId)
              : answersFor && !lease.ids.includes(physicalResourceId)
                ? [...lease.ids, physicalResourceId]
                : lease.ids;
            const propsOf = { ...lease.propsOf };
            if (answersFor) propsOf[physicalResourceId] = propsDigest(event.ResourceProperties);
            if (auth.cleanup) delete propsOf[physicalResourceId];
            const answered = [...lease.answered.filter((r) => r !== lease.request), lease.request];
            const memoText = memo === undefined ? lease.memo : JSON.stringify(memo);
            if (memoText !== undefined && Buffer.byteLength(memoText) > MAX_MEMO_BYTES)
              throw new Error(`the handler's memo is larger than ${MAX_MEMO_BYTES} bytes`);
            const done = {
              ...lease,
              state: 'done' as const,
              expires: Math.ceil(now() / 1000),
              ids,
              propsOf,
              answered,
              ...(memoText !== undefined ? { memo: memoText } : {}),
            };
            if (await deps.store.writeLease(event.StackId, event.LogicalResourceId, done, current?.version)) {
              lease = { ...done, version: (current?.version ?? 0) + 1 };
              return { kind: 'answer' };
            }
          }
          throw new Error('could not record the answer in the provider state table: other writers kept winning');
        },
      };
      return { kind: 'proceed', session };
    },
  };
}
