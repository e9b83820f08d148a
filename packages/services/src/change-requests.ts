import {
  allows,
  applyChange,
  customerGrants,
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidTransitionError,
  isOwnRequest,
  lacksRequiredManager,
  mayInBranch,
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
  type LabelledItem,
} from '@cc/store';
import type { ServiceContext } from './context';
import type { CustomerService } from './customers';
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
 * Maker-checker for a customer's managers and level: anyone who manages the customer (or supervises
 * the branch) requests; a supervisor or admin of the branch other than the requester decides.
 * Approval applies the change, the history entry and the notices in one transaction.
 */
export function changeRequestService(
  ctx: ServiceContext,
  deps: { customers: CustomerService; notices: NoticeService },
) {
  const requests = changeRequestRepository(ctx.store);
  const users = userRepository(ctx.store);
  const profiles = customerRepository(ctx.store);
  const { customers, notices } = deps;
  const { policy } = customers;

  /** Managers named in an assignment must be managers (or supervisors) of the customer's branch. */
  async function assertManagers(customer: Customer, change: CustomerChange): Promise<void> {
    if (change.kind !== 'assignment') return;
    const named = [...(change.primaryManagerId ? [change.primaryManagerId] : []), ...(change.addAssisting ?? [])];
    const found = await users.getMany(named);
    const issues = named
      .filter((id) => {
        const user = found.get(id);
        return !user || user.branchId !== customer.branchId || !(user.role === 'manager' || user.role === 'supervisor');
      })
      .map((id) => ({
        path: change.primaryManagerId === id ? 'primaryManagerId' : 'addAssisting',
        message: `${id} is not a manager of branch ${customer.branchId}`,
      }));
    if (issues.length) throw new ValidationError('Unknown manager', issues, 'change_request.invalid');
  }

  /** The customer after the change, refused when it changes nothing or breaks the manager rule. */
  function proposed(customer: Customer, change: CustomerChange): Customer {
    if (customer.status !== 'active')
      throw new ValidationError(`A ${customer.status} customer cannot be changed`, [], 'customer.not_active');
    if (change.kind === 'level') customers.assertLevel(change.level);
    const after = applyChange(customer, change);
    if (change.kind === 'level' ? after.level === customer.level : sameManagers(after, customer)) {
      throw new ValidationError('The request changes nothing', [], 'change_request.no_change');
    }
    if (lacksRequiredManager(policy, after)) throw managerRequired(policy);
    return after;
  }

  async function request(caller: Caller, customerId: string, input: ChangeRequestInput): Promise<ChangeRequest> {
    if (!allows(customerGrants.requestChange, caller.role, []))
      throw new ForbiddenError('Agents cannot request assignment or level changes', 'change_request.forbidden');
    const customer = await customers.changeable(caller, customerId);
    const { reason, ...change } = input;
    proposed(customer, change);
    await assertManagers(customer, change);
    const now = ctx.clock();
    const created: ChangeRequest = {
      id: ctx.newId(now.getTime()),
      customerId,
      customerNumber: customer.customerNumber,
      customerName: customer.name,
      branchId: customer.branchId,
      change,
      reason,
      status: 'pending',
      requestedBy: caller.userId,
      requestedAt: now.toISOString(),
    };
    const supervisors = (await users.listByBranch(customer.branchId, 'supervisor')).filter(
      (u) => u.id !== caller.userId,
    );
    const { notifications, items } = notices.draft(
      supervisors.map((s) => ({
        recipientId: s.id,
        kind: 'change_request_pending',
        title: `${change.kind === 'level' ? 'Level' : 'Assignment'} change awaits your decision`,
        excerpt:
          `${caller.userId} asks: ${describe(change)} for ${customer.name} (${customer.customerNumber}). ` +
          `Reason: ${reason}`,
        customerId,
        customerNumber: customer.customerNumber,
        customerName: customer.name,
      })),
      now,
    );
    await transact(ctx.store, [
      requests.createItem(created),
      customers.historyItem(customerId, created.requestedAt, caller, 'change_requested', {
        requestId: created.id,
        change,
        reason,
      }),
      ...items,
    ]);
    await notices.publish(notifications);
    return created;
  }

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
      return await decideOnce(caller, id, input);
    } catch (error) {
      if (error instanceof DomainError) {
        const current = await read(caller, id, true);
        if (sameDecision(current, caller, input)) return current;
      }
      throw error;
    }
  }

  async function decideOnce(caller: Caller, id: string, input: DecisionInput): Promise<ChangeRequest> {
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

    let items: LabelledItem[];
    let drafts: NotificationDraft[] = [];
    if (status === 'rejected') {
      items = [
        customers.historyItem(pending.customerId, at, caller, 'change_rejected', {
          ...decision,
          change: pending.change,
        }),
      ];
    } else {
      const before = await profiles.get(pending.customerId, true);
      if (!before) throw new NotFoundError('customer', pending.customerId);
      const after: Customer = { ...proposed(before, pending.change), version: before.version + 1, updatedAt: at };
      const change =
        pending.change.kind === 'level'
          ? { action: 'level_changed', details: { from: before.level, to: after.level } }
          : {
              action: 'assignment_changed',
              details: {
                from: { primaryManagerId: before.primaryManagerId, assistingManagerIds: before.assistingManagerIds },
                to: { primaryManagerId: after.primaryManagerId, assistingManagerIds: after.assistingManagerIds },
              },
            };
      items = [
        ...profiles.saveItems(before, after),
        customers.historyItem(before.id, at, caller, change.action, { ...change.details, ...decision }),
      ];
      drafts =
        pending.change.kind === 'level'
          ? customers.levelChangeNotices(after, before.level, 'approved request')
          : assignmentNotices(before, after, pending.reason);
    }
    const { notifications, items: notificationWrites } = notices.draft(drafts, now);
    try {
      await transact(ctx.store, [requests.decideItem(decided), ...items, ...notificationWrites]);
    } catch (error) {
      if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
        if (error.failedLabels.includes(CHANGE_REQUEST_LABEL))
          throw new InvalidTransitionError('change_request', 'decided', status, []);
        if (error.failedLabels.includes('profile'))
          throw new ConflictError('customer.stale', 'The customer changed while deciding; decide again');
      }
      throw error;
    }
    await notices.publish(notifications);
    return decided;
  }

  return { request, read, list, decide };
}

function describe(change: CustomerChange): string {
  if (change.kind === 'level') return `level → ${change.level}`;
  const parts = [
    change.primaryManagerId !== undefined && `primary manager → ${change.primaryManagerId ?? 'none'}`,
    change.addAssisting?.length && `add assisting ${change.addAssisting.join(', ')}`,
    change.removeAssisting?.length && `remove assisting ${change.removeAssisting.join(', ')}`,
  ].filter(Boolean);
  return parts.join('; ');
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
