import {
  actorOf,
  allows,
  applyChange,
  changesIdentities,
  customerGrants,
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidTransitionError,
  isIdentityChange,
  isOwnRequest,
  lacksRequiredManager,
  mayInBranch,
  mayOnCustomer,
  NotFoundError,
  ValidationError,
  type Caller,
  type ChangeRequest,
  type ChangeRequestInput,
  type ChangeRequestStatus,
  type Customer,
  type CustomerChange,
  type DecisionInput,
} from '@cc/core';
import {
  CHANGE_REQUEST_LABEL,
  changeRequestRepository,
  customerRepository,
  isDuplicateClaim,
  transact,
  TransactionRefused,
  userRepository,
  withIdempotency,
  type IdempotencyClaim,
  type LabelledItem,
  type RecordFor,
} from '@cc/store';
import { assertAssignable } from './assignees';
import type { CaseOwnershipService, CasesFollowing } from './case-ownership';
import { changeRequestOpening } from './change-request-opening';
import { normaliseSender } from './senders';
import type { ServiceContext } from './context';
import { normaliseContactPoints, type CustomerService } from './customers';
import type { NoticeService, NotificationDraft } from './notices';

const sameManagers = (a: Customer, b: Customer) =>
  a.primaryManagerId === b.primaryManagerId &&
  JSON.stringify([...a.assistingManagerIds].sort()) === JSON.stringify([...b.assistingManagerIds].sort());

const managerRequired = (policy: { managedFrom: string }) =>
  new ValidationError(
    `Corporate customers and customers at level ${policy.managedFrom} or above must keep a primary manager`,
    [{ path: 'primaryManagerId', message: 'required' }],
    'customer.manager_required',
  );

/**
 * Maker-checker for a customer's managers, level and identities (phones, emails, customer number): anyone who
 * manages the customer (or supervises the branch) requests; identity changes may also be proposed by whoever may
 * read the customer (agents). A supervisor or admin of the branch other than the requester decides. Approval
 * applies the change, the history entry and the notices in one transaction.
 */
export function changeRequestService(
  ctx: ServiceContext,
  deps: { customers: CustomerService; notices: NoticeService; ownership: CaseOwnershipService },
) {
  const requests = changeRequestRepository(ctx.store);
  const users = userRepository(ctx.store);
  const profiles = customerRepository(ctx.store);
  const { customers, notices, ownership } = deps;
  const { policy } = customers;

  /** Managers named in an assignment must be managers (or supervisors) of the customer's branch. */
  async function assertManagers(customer: Customer, change: CustomerChange): Promise<void> {
    if (change.kind !== 'assignment') return;
    const nominees = [
      ...(change.primaryManagerId ? [{ id: change.primaryManagerId, path: 'primaryManagerId' }] : []),
      ...(change.addAssisting ?? []).map((id) => ({ id, path: 'addAssisting' })),
    ];
    await assertAssignable(users, nominees, customer.branchId, 'change_request.invalid');
  }

  /** True when `after` is `customer` again: the change would change nothing. */
  function unchanged(customer: Customer, after: Customer, change: CustomerChange): boolean {
    switch (change.kind) {
      case 'level':
        return after.level === customer.level;
      case 'assignment':
        return sameManagers(after, customer);
      case 'customer_number':
        return after.customerNumber === customer.customerNumber;
      case 'contact_points':
        return !changesIdentities(customer.contactPoints, after.contactPoints);
    }
  }

  /** The customer after the change, refused when it breaks a rule or changes nothing. */
  function proposed(customer: Customer, change: CustomerChange): Customer {
    if (customer.status !== 'active')
      throw new ValidationError(`A ${customer.status} customer cannot be changed`, [], 'customer.not_active');
    if (change.kind === 'level') customers.assertLevel(change.level);
    const after = applyChange(customer, change);
    if (lacksRequiredManager(policy, after)) throw managerRequired(policy);
    if (unchanged(customer, after, change)) {
      throw new ValidationError('The request changes nothing', [], 'change_request.no_change');
    }
    if (change.kind === 'contact_points') normaliseContactPoints(after.contactPoints);
    return after;
  }

  /** Phones and emails as they will be stored (E.164, lower case); a removal names one the customer has. */
  function normalisedIdentityChange(customer: Customer, change: CustomerChange): CustomerChange {
    if (change.kind !== 'contact_points') return change;
    const remove = (change.remove ?? []).map((p, i) => {
      const value = normaliseSender(p.kind, p.value);
      if (!value || !customer.contactPoints.some((c) => c.kind === p.kind && c.value === value))
        throw new ValidationError('The customer has no such contact point', [
          { path: `remove.${i}.value`, message: 'not one of the customer' },
        ]);
      return { kind: p.kind, value };
    });
    const add = normaliseContactPoints((change.add ?? []).map((p) => ({ ...p, preferred: false })));
    return { kind: 'contact_points', ...(add.length && { add }), ...(remove.length && { remove }) };
  }

  /** An identity another customer already has is refused when asked for, not only when approved. */
  async function assertIdentitiesFree(customer: Customer, change: CustomerChange): Promise<void> {
    const wanted =
      change.kind === 'customer_number'
        ? [{ kind: 'number' as const, value: change.customerNumber }]
        : change.kind === 'contact_points'
          ? (change.add ?? []).map((p) => ({ kind: p.kind, value: p.value }))
          : [];
    for (const identity of wanted) {
      const owner = await profiles.idByIdentity(identity);
      if (owner && owner !== customer.id) throw identityTaken(identity);
    }
  }

  /** Identity changes: whoever may read the customer proposes; others: whoever manages or supervises it requests. */
  async function customerFor(caller: Caller, customerId: string, change: CustomerChange): Promise<Customer> {
    if (isIdentityChange(change)) {
      const customer = await customers.readable(caller, customerId);
      if (!mayOnCustomer(caller, 'proposeIdentityChange', customer)) throw new NotFoundError('customer', customerId);
      return customer;
    }
    if (!allows(customerGrants.requestChange, caller.role, []))
      throw new ForbiddenError('Agents cannot request assignment or level changes', 'change_request.forbidden');
    return customers.changeable(caller, customerId);
  }

  /** An assignment request that names no primary manager gets the one the approver names. */
  function changeToApply(pending: ChangeRequest, input: DecisionInput): CustomerChange {
    if (input.primaryManagerId === undefined || input.decision !== 'approve') return pending.change;
    if (pending.change.kind !== 'assignment' || pending.change.primaryManagerId) {
      throw new ValidationError(
        'Only an assignment request that names no primary manager takes one with the decision',
        [{ path: 'primaryManagerId', message: 'not for this request' }],
        'change_request.invalid',
      );
    }
    return { ...pending.change, primaryManagerId: input.primaryManagerId };
  }

  /** A level approved by request holds against the rules until the request's date, or for the configured days. */
  const levelApproval = (request: ChangeRequest, level: string, at: string) => ({
    requestId: request.id,
    level,
    approvedAt: at,
    validUntil: (request.change.kind === 'level' && request.change.validUntil
      ? new Date(`${request.change.validUntil}T23:59:59.999Z`)
      : new Date(Date.parse(at) + ctx.settings.LEVEL_APPROVAL_VALID_DAYS * 86_400_000)
    ).toISOString(),
  });

  /** `recordFor`: the idempotency record of the request, committed with it (see requestOnce). */
  async function request(
    caller: Caller,
    customerId: string,
    input: ChangeRequestInput,
    recordFor: RecordFor<ChangeRequest> = () => [],
  ): Promise<ChangeRequest> {
    const { reason, ...asked } = input;
    const customer = await customerFor(caller, customerId, asked);
    const change = normalisedIdentityChange(customer, asked);
    proposed(customer, change);
    await Promise.all([assertManagers(customer, change), assertIdentitiesFree(customer, change)]);
    const opening = await changeRequestOpening(ctx, notices, {
      customer,
      change,
      reason,
      requestedBy: { id: caller.userId, actor: actorOf(caller) },
      now: ctx.clock(),
    });
    await transact(ctx.store, [...opening.items, ...recordFor({ status: 201, body: opening.request })]);
    await notices.publish(opening.notifications);
    return opening.request;
  }

  /** A change requested once per client key: a retry or a concurrent copy answers the first request. */
  const requestOnce = (caller: Caller, customerId: string, input: ChangeRequestInput, claim?: IdempotencyClaim) =>
    withIdempotency<ChangeRequest>(ctx.store, claim, async (recordFor) => ({
      status: 201,
      body: await request(caller, customerId, input, recordFor),
    }));

  /** Visible to the branch's supervisors/admins and to the requester; 404 for anyone else. */
  async function read(caller: Caller, id: string, consistent = false): Promise<ChangeRequest> {
    const found = await requests.get(id, consistent);
    if (!found || !mayInBranch(caller, 'readChangeRequest', found)) throw new NotFoundError('change_request', id);
    return found;
  }

  async function list(
    caller: Caller,
    status: ChangeRequestStatus,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ) {
    if (!mayInBranch(caller, 'listChangeRequests', caller))
      throw new ForbiddenError(
        "Only supervisors and admins list the branch's change requests",
        'change_request.forbidden',
      );
    return requests.listByStatus(caller.branchId, status, startKey, limit);
  }

  /** The same decision by the same person: a retried or duplicated request, answered with what was decided. */
  const sameDecision = (decided: ChangeRequest, caller: Caller, input: DecisionInput) =>
    decided.status === (input.decision === 'approve' ? 'approved' : 'rejected') &&
    decided.decidedBy === caller.userId &&
    (decided.note ?? '') === (input.note ?? '');

  /**
   * A repeat of a decision already made by the same person (a retry, a double click, a concurrent copy) is
   * answered with that decision, whatever stopped the repeat itself.
   */
  async function decide(caller: Caller, id: string, input: DecisionInput): Promise<ChangeRequest> {
    try {
      return await settle(caller, id, input);
    } catch (error) {
      if (error instanceof DomainError) {
        const current = await read(caller, id, true);
        if (sameDecision(current, caller, input)) return current;
      }
      throw error;
    }
  }

  /**
   * A decision once per client key: the record commits with the decision, and a retry or a concurrent copy
   * (refused by then, the request being decided) answers the first decision, marked as a replay. Without a key,
   * as `decide`.
   */
  async function decideOnce(caller: Caller, id: string, input: DecisionInput, claim?: IdempotencyClaim) {
    if (!claim) return { response: { status: 200, body: await decide(caller, id, input) }, replayed: false };
    return withIdempotency<ChangeRequest>(ctx.store, claim, async (recordFor) => ({
      status: 200,
      body: await settle(caller, id, input, recordFor),
    }));
  }

  /** Decides a pending request; `recordFor`: the idempotency record of the decision (see decideOnce). */
  async function settle(
    caller: Caller,
    id: string,
    input: DecisionInput,
    recordFor: RecordFor<ChangeRequest> = () => [],
  ): Promise<ChangeRequest> {
    const pending = await read(caller, id, true);
    if (!mayInBranch(caller, 'decideChangeRequest', pending))
      throw new ForbiddenError(
        'Only a supervisor or admin of the branch decides change requests',
        'change_request.forbidden',
      );
    if (isOwnRequest(caller, pending))
      throw new ForbiddenError('Nobody may decide on their own change request', 'change_request.self_approval');
    const status = input.decision === 'approve' ? 'approved' : 'rejected';
    if (pending.status !== 'pending') throw new InvalidTransitionError('change_request', pending.status, status, []);
    const now = ctx.clock();
    const at = now.toISOString();
    const decided: ChangeRequest = {
      ...pending,
      status,
      decidedBy: caller.userId,
      decidedAt: at,
      ...(input.note && { note: input.note }),
    };
    const decision = {
      requestId: id,
      requestedBy: pending.requestedBy,
      decidedBy: caller.userId,
      reason: pending.reason,
      note: input.note,
    };

    const before = await profiles.get(pending.customerId, true);
    if (!before) throw new NotFoundError('customer', pending.customerId);
    // The request that was opened because the customer needs a manager is no longer pending, either way.
    const settled = before.pendingAssignment?.requestId === id ? { pendingAssignment: undefined } : {};
    let items: LabelledItem[];
    let drafts: NotificationDraft[] = [];
    let after: Customer | undefined;
    if (status === 'rejected') {
      if (Object.keys(settled).length) after = { ...before, ...settled, version: before.version + 1, updatedAt: at };
      items = [
        ...(after ? profiles.saveItems(before, after) : []),
        customers.historyItem(pending.customerId, at, caller, 'change_rejected', {
          ...decision,
          change: pending.change,
        }),
      ];
    } else {
      const change = changeToApply(pending, input);
      await assertManagers(before, change);
      after = { ...proposed(before, change), ...settled, version: before.version + 1, updatedAt: at };
      if (change.kind === 'level') after.levelApproval = levelApproval(pending, after.level, at);
      const applied = appliedChange(before, after, change);
      items = [
        ...profiles.saveItems(before, after),
        customers.historyItem(before.id, at, caller, applied.action, { ...applied.details, ...decision }),
      ];
      drafts =
        change.kind === 'level'
          ? customers.levelChangeNotices(after, before.level, 'approved request')
          : change.kind === 'assignment'
            ? assignmentNotices(before, after, pending.reason)
            : [];
    }
    const { notifications, items: notificationWrites } = notices.draft(drafts, now);
    const written = [
      requests.decideItem(decided),
      ...items,
      ...notificationWrites,
      ...recordFor({ status: 200, body: decided }),
    ];
    // The customer's open cases follow its new managers, in this transaction as far as they fit.
    const following: CasesFollowing = after
      ? await ownership.follow(before, after, {
          actor: actorOf(caller),
          cause: `assignment approved (request ${id})`,
          used: written.length,
        })
      : { items: [], notifications: [] };
    try {
      await transact(ctx.store, [...written, ...following.items]);
    } catch (error) {
      if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
        if (error.failedLabels.includes(CHANGE_REQUEST_LABEL))
          throw new InvalidTransitionError('change_request', 'decided', status, []);
        if (error.failedLabels.includes('profile') || error.failedLabels.some((l) => l.startsWith('case:')))
          throw new ConflictError('customer.stale', 'The customer or its cases changed while deciding; decide again');
        const taken = error.failedLabels.find((l) => l.startsWith('identity:'));
        if (taken) {
          const [, kind, ...value] = taken.split(':');
          throw identityTaken({ kind: kind!, value: value.join(':') });
        }
      }
      throw error;
    }
    await notices.publish(notifications);
    await ownership.finish(following);
    return decided;
  }

  return { request, requestOnce, read, list, decideOnce };
}

const identityTaken = (identity: { kind: string; value: string }) =>
  identity.kind === 'number'
    ? new ConflictError('customer.number_taken', `Customer number ${identity.value} is already in use`, identity)
    : new ConflictError('customer.identity_taken', `This ${identity.kind} belongs to another customer`, identity);

/** The history line an approved change writes: what it was and what it became. */
function appliedChange(before: Customer, after: Customer, change: CustomerChange) {
  switch (change.kind) {
    case 'level':
      return {
        action: 'level_changed',
        details: { from: before.level, to: after.level, validUntil: after.levelApproval?.validUntil },
      };
    case 'assignment':
      return {
        action: 'assignment_changed',
        details: {
          from: { primaryManagerId: before.primaryManagerId, assistingManagerIds: before.assistingManagerIds },
          to: { primaryManagerId: after.primaryManagerId, assistingManagerIds: after.assistingManagerIds },
        },
      };
    case 'customer_number':
      return { action: 'customer_number_changed', details: { from: before.customerNumber, to: after.customerNumber } };
    case 'contact_points':
      return { action: 'contact_points_changed', details: { added: change.add ?? [], removed: change.remove ?? [] } };
  }
}

/** Every manager who gains or loses the customer is told, the (new) primary manager first. */
function assignmentNotices(before: Customer, after: Customer, reason: string): NotificationDraft[] {
  const involved = [
    after.primaryManagerId,
    before.primaryManagerId,
    ...after.assistingManagerIds,
    ...before.assistingManagerIds,
  ].filter((m): m is string => !!m);
  const roleOf = (c: Customer, m: string) =>
    c.primaryManagerId === m ? 'primary' : c.assistingManagerIds.includes(m) ? 'assisting' : 'none';
  return [...new Set(involved)]
    .filter((m) => roleOf(before, m) !== roleOf(after, m) || m === after.primaryManagerId)
    .map((m) => ({
      recipientId: m,
      kind: 'assignment_changed' as const,
      title: `Assignment changed: you are now ${roleOf(after, m)} manager`,
      excerpt:
        `${after.name} (${after.customerNumber}): ` +
        `primary ${before.primaryManagerId ?? 'none'} → ${after.primaryManagerId ?? 'none'}. Reason: ${reason}`,
      customerId: after.id,
      customerNumber: after.customerNumber,
      customerName: after.name,
    }));
}

export type ChangeRequestService = ReturnType<typeof changeRequestService>;
