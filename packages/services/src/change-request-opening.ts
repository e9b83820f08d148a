import type { Actor, ChangeRequest, Customer, CustomerChange, Notification } from '@cc/core';
import { changeRequestRepository, customerHistoryItem, userRepository, type LabelledItem } from '@cc/store';
import type { ServiceContext } from './context';
import type { NoticeService } from './notices';

/** Who opens a change request: a user, or the system (the level rules) acting on the customer's behalf. */
export interface Requester {
  id: string;
  actor: Actor;
}

/**
 * Opening a change request, for the transaction of whatever opens it: the pending request, the line in the
 * customer's history, and the notices to the branch's supervisors (never the requester).
 */
export async function changeRequestOpening(
  ctx: ServiceContext,
  notices: NoticeService,
  opening: { customer: Customer; change: CustomerChange; reason: string; requestedBy: Requester; now: Date },
): Promise<{ request: ChangeRequest; items: LabelledItem[]; notifications: Notification[] }> {
  const { customer, change, reason, requestedBy, now } = opening;
  const request: ChangeRequest = {
    id: ctx.newId(now.getTime()),
    customerId: customer.id,
    customerNumber: customer.customerNumber,
    customerName: customer.name,
    branchId: customer.branchId,
    change,
    reason,
    status: 'pending',
    requestedBy: requestedBy.id,
    requestedAt: now.toISOString(),
  };
  const supervisors = (await userRepository(ctx.store).listByBranch(customer.branchId, 'supervisor')).filter(
    (u) => u.id !== requestedBy.id,
  );
  const { notifications, items } = notices.draft(
    supervisors.map((s) => ({
      recipientId: s.id,
      kind: 'change_request_pending',
      title: `${kindNames[change.kind]} change awaits your decision`,
      excerpt:
        `${requestedBy.id} asks: ${describe(change)} for ${customer.name} (${customer.customerNumber}). ` +
        `Reason: ${reason}`,
      customerId: customer.id,
      customerNumber: customer.customerNumber,
      customerName: customer.name,
    })),
    now,
  );
  return {
    request,
    items: [
      changeRequestRepository(ctx.store).createItem(request),
      customerHistoryItem(ctx.store, {
        id: ctx.newId(now.getTime()),
        customerId: customer.id,
        at: request.requestedAt,
        actor: requestedBy.actor,
        action: 'change_requested',
        details: { requestId: request.id, change, reason },
      }),
      ...items,
    ],
    notifications,
  };
}

const kindNames: Record<CustomerChange['kind'], string> = {
  level: 'Level',
  assignment: 'Assignment',
  contact_points: 'Contact point',
  customer_number: 'Customer number',
};

function describe(change: CustomerChange): string {
  if (change.kind === 'level') return `level → ${change.level}`;
  if (change.kind === 'customer_number') return `customer number → ${change.customerNumber}`;
  if (change.kind === 'contact_points') {
    const list = (points: { kind: string; value: string }[] | undefined) =>
      (points ?? []).map((p) => `${p.kind} ${p.value}`).join(', ');
    return [change.add?.length && `add ${list(change.add)}`, change.remove?.length && `remove ${list(change.remove)}`]
      .filter(Boolean)
      .join('; ');
  }
  const parts = [
    change.primaryManagerId !== undefined && `primary manager → ${change.primaryManagerId ?? 'none'}`,
    change.addAssisting?.length && `add assisting ${change.addAssisting.join(', ')}`,
    change.removeAssisting?.length && `remove assisting ${change.removeAssisting.join(', ')}`,
  ].filter(Boolean);
  return parts.join('; ');
}
