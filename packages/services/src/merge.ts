import {
  actorOf,
  ConflictError,
  ForbiddenError,
  managersOf,
  mayOnCustomer,
  ValidationError,
  type Caller,
  type ContactPoint,
  type Customer,
  type MergeInput,
} from '@cc/core';
import {
  caseRepository,
  customerRepository,
  findStoredResponse,
  isDuplicateClaim,
  rehomeCustomerRecords,
  transact,
  TransactionRefused,
  withIdempotency,
  type IdempotencyClaim,
  type RecordFor,
} from '@cc/store';
import type { CaseOwnershipService, CasesFollowing } from './case-ownership';
import type { ServiceContext } from './context';
import type { CustomerService } from './customers';
import type { NoticeService } from './notices';

/** The two records as a merge leaves them: what a retry with the same key is answered. */
interface MergedPair {
  survivor: Customer;
  merged: Customer;
}

/**
 * The survivor keeps its own preferred points; the merged record's come over as non-preferred where they would clash.
 */
function combinedContactPoints(survivor: readonly ContactPoint[], merged: readonly ContactPoint[]): ContactPoint[] {
  const has = (p: ContactPoint) => survivor.some((s) => s.kind === p.kind && s.value === p.value);
  const preferredKinds = new Set(survivor.filter((p) => p.preferred).map((p) => p.kind));
  return [
    ...survivor,
    ...merged.filter((p) => !has(p)).map((p) => ({ ...p, preferred: p.preferred && !preferredKinds.has(p.kind) })),
  ];
}

/**
 * The merged record's managers keep the person in their book: as the survivor's primary manager when
 * it had none, otherwise as assisting managers.
 */
function combinedManagers(
  survivor: Customer,
  merged: Customer,
): Pick<Customer, 'primaryManagerId' | 'assistingManagerIds'> {
  const primaryManagerId = survivor.primaryManagerId ?? merged.primaryManagerId;
  const candidates = [...survivor.assistingManagerIds, merged.primaryManagerId, ...merged.assistingManagerIds];
  return {
    primaryManagerId,
    assistingManagerIds: [...new Set(candidates.filter((m): m is string => !!m && m !== primaryManagerId))],
  };
}

/**
 * Folds two records of the same person into one. Step 1 (one transaction): the merged profile is
 * marked merged with `mergedInto`, its identities re-point to the survivor, the survivor gains its
 * contact points, and both histories record the merge. Step 2: everything kept under the merged id
 * (contact history, open mirrors, counters, cases, opportunities) moves to the survivor. Step 3: the open
 * cases follow the survivor's managers (the survivor's own ones as far as they fit in step 1's transaction).
 * Steps 2 and 3 are idempotent, and repeating the request after a failure finishes them.
 */
export function mergeService(
  ctx: ServiceContext,
  deps: { customers: CustomerService; notices: NoticeService; ownership: CaseOwnershipService },
) {
  const { customers, notices, ownership } = deps;
  const profiles = customerRepository(ctx.store);
  const cases = caseRepository(ctx.store);
  const cause = (merged: Customer) => `customer ${merged.customerNumber} merged into this one`;

  /** Both must be in the caller's scope (404 otherwise), then the caller must supervise both branches (403). */
  async function supervised(caller: Caller, ids: [string, string]): Promise<[Customer, Customer]> {
    const both = await Promise.all(ids.map((id) => customers.changeable(caller, id)));
    if (!both.every((c) => mayOnCustomer(caller, 'merge', c)))
      throw new ForbiddenError('Only a supervisor or admin of the branch merges customers', 'customer.merge_forbidden');
    return both as [Customer, Customer];
  }

  /**
   * A merge once per client key. The record commits with step 1 and holds the two records as the merge left
   * them; every copy (the first, a retry, a concurrent one) then runs steps 2 and 3, which finish an interrupted
   * merge and otherwise find nothing left to do, so `moved` counts what this copy moved. Without a key, a repeat
   * finishes an interrupted merge and answers the records as they are.
   */
  async function mergeOnce(caller: Caller, survivorId: string, input: MergeInput, claim?: IdempotencyClaim) {
    const begun: { following?: CasesFollowing; folded?: boolean } = {};
    let { response, replayed } = await withIdempotency<MergedPair>(
      ctx.store,
      claim,
      async (recordFor) => {
        const { following, folded, ...pair } = await begin(caller, survivorId, input, recordFor);
        Object.assign(begun, { following, folded });
        return { status: 200, body: pair };
      },
      { replayFirst: true },
    );
    // A copy that read the pair just after a concurrent copy with its key merged it: that copy's answer is its own.
    const stored =
      claim && !replayed && !begun.folded ? await findStoredResponse<MergedPair>(ctx.store, claim) : undefined;
    if (stored) ({ response, replayed } = { response: stored, replayed: true });
    const { survivor, merged } = response.body;
    const moved = await finishMerge(caller, survivor, merged, replayed ? undefined : begun.following);
    return { response: { status: 200, body: { survivor, merged, moved } }, replayed };
  }

  /** Step 1 unless it was done: validates the pair and folds the merged record into the survivor. */
  async function begin(caller: Caller, survivorId: string, input: MergeInput, recordFor: RecordFor<MergedPair>) {
    if (survivorId === input.mergedId)
      throw new ValidationError(
        'A customer cannot be merged into itself',
        [{ path: 'mergedId', message: 'must differ from the survivor' }],
        'customer.merge_invalid',
      );
    const [survivor, merged] = await supervised(caller, [survivorId, input.mergedId]);
    if (survivor.status === 'merged')
      throw new ValidationError(
        'The survivor was itself merged; merge into ' + survivor.mergedInto,
        [],
        'customer.merged',
      );
    if (merged.status !== 'merged')
      return { ...(await fold(caller, survivor, merged, input.reason, recordFor)), folded: true };
    if (merged.mergedInto !== survivorId)
      throw new ConflictError(
        'customer.merge_conflict',
        `Customer ${merged.id} was already merged into ${merged.mergedInto}`,
      );
    return { survivor, merged, following: undefined, folded: false };
  }

  /** Steps 2 and 3, safe to repeat: the merged record's records move, its open cases follow the survivor. */
  async function finishMerge(caller: Caller, survivor: Customer, merged: Customer, following?: CasesFollowing) {
    const moved = await rehomeCustomerRecords(
      ctx.store,
      {
        mergedId: merged.id,
        survivor: { id: survivor.id, customerNumber: survivor.customerNumber, name: survivor.name },
      },
      ctx.settings.RETENTION_DAYS,
    );
    // The merged record's open cases, now the survivor's, follow its managers.
    if (following?.rest) await ownership.finish(following);
    else {
      if (following) await ownership.finish(following);
      await ownership.realign(survivor.id, { cause: cause(merged), notify: true, actor: actorOf(caller) });
    }
    return moved;
  }

  async function fold(
    caller: Caller,
    survivor: Customer,
    merged: Customer,
    reason: string,
    recordFor: RecordFor<MergedPair>,
  ) {
    const at = ctx.clock().toISOString();
    const mergedAfter: Customer = {
      ...merged,
      status: 'merged',
      mergedInto: survivor.id,
      version: merged.version + 1,
      updatedAt: at,
    };
    const survivorAfter: Customer = {
      ...survivor,
      contactPoints: combinedContactPoints(survivor.contactPoints, merged.contactPoints),
      tags: [...new Set([...survivor.tags, ...merged.tags])],
      ...combinedManagers(survivor, merged),
      version: survivor.version + 1,
      updatedAt: at,
    };
    const details = {
      survivorId: survivor.id,
      mergedId: merged.id,
      mergedCustomerNumber: merged.customerNumber,
      reason,
    };
    // Managers who gain the survivor hear why their book changed.
    const gained = managersOf(survivorAfter).filter((m) => !managersOf(survivor).includes(m) && m !== caller.userId);
    const { notifications, items: noticeItems } = notices.draft(
      gained.map((recipientId) => ({
        recipientId,
        kind: 'assignment_changed',
        title:
          `${merged.name} (${merged.customerNumber}) was merged into ${survivor.customerNumber}; ` +
          `you are its ${survivorAfter.primaryManagerId === recipientId ? 'primary' : 'assisting'} manager`,
        excerpt: reason,
        customerId: survivor.id,
        customerNumber: survivor.customerNumber,
        customerName: survivor.name,
      })),
      ctx.clock(),
    );
    const written = [
      ...profiles.mergeItems(merged, mergedAfter, survivor, survivorAfter),
      customers.historyItem(survivor.id, at, caller, 'merged_in', {
        ...details,
        ...(gained.length && { managersAdded: gained }),
      }),
      customers.historyItem(merged.id, at, caller, 'merged_into', details),
      ...noticeItems,
      ...recordFor({ status: 200, body: { survivor: survivorAfter, merged: mergedAfter } }),
    ];
    // The survivor's own open cases follow its (possibly new) managers here; the merged record's ones after
    // they moved, through the follow-up planned here (so the sweeper finishes it if this request cannot).
    const following = await ownership.follow(survivor, survivorAfter, {
      actor: actorOf(caller),
      cause: cause(merged),
      used: written.length,
      force: (await cases.openCaseIds(merged.id)).length > 0,
    });
    try {
      await transact(ctx.store, [...written, ...following.items]);
    } catch (error) {
      if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
        if (error.failedLabels.some((l) => l.startsWith('identity:')))
          throw new ConflictError(
            'customer.merge_conflict',
            'An identity of the merged customer changed meanwhile; retry',
          );
        throw new ConflictError('customer.stale', 'One of the customers changed meanwhile; retry the merge');
      }
      throw error;
    }
    await notices.publish(notifications);
    return { survivor: survivorAfter, merged: mergedAfter, following };
  }

  return { mergeOnce };
}
