import { ForbiddenError, mayInBranch, ValidationError, type AttachInput, type Caller } from '@cc/core';
import { advanceLastContact, timelineRepository } from '@cc/store';
import type { ChangeRequestService } from './change-requests';
import { normaliseSender } from './senders';
import type { ServiceContext } from './context';
import type { CustomerService } from './customers';

/** Contacts from senders no customer is known by, until an agent attaches them to a customer. */
export function unidentifiedService(
  ctx: ServiceContext,
  deps: { customers: CustomerService; changeRequests: ChangeRequestService },
) {
  const timeline = timelineRepository(ctx.store);

  const assertMayWork = (caller: Caller) => {
    if (!mayInBranch(caller, 'workUnidentified', caller)) {
      throw new ForbiddenError('Unidentified contacts are worked by agents and supervisors', 'contact.forbidden');
    }
  };

  async function list(caller: Caller, startKey: Record<string, unknown> | undefined, limit: number) {
    assertMayWork(caller);
    return timeline.listUnidentified(startKey, limit);
  }

  /**
   * Moves every entry of the sender into the customer's timeline (copy + delete, page by page).
   * Safe to repeat or to run concurrently: a moved entry is gone from the sender's partition.
   */
  async function attach(caller: Caller, input: AttachInput) {
    assertMayWork(caller);
    const value = normaliseSender(input.kind, input.value);
    if (!value) throw new ValidationError(`Not a valid ${input.kind}`, [{ path: 'value', message: 'invalid' }]);
    const customer = await deps.customers.readable(caller, input.customerId);
    const sender = { kind: input.kind, value };
    // Whose phone or email this is changes who later messages resolve to: asked for, never done here. Asked first,
    // so a refusal (the address is another customer's) leaves the contacts where they were.
    const known = customer.contactPoints.some((p) => p.kind === input.kind && p.value === value);
    const changeRequest =
      input.addContactPoint && !known
        ? await deps.changeRequests.request(caller, customer.id, {
            kind: 'contact_points',
            add: [{ kind: input.kind, value, verified: false, preferred: false }],
            reason: `Contacts from ${value} attached to this customer`,
          })
        : undefined;
    let moved = 0;
    let lastContactAt: string | undefined;
    for (;;) {
      const entries = await timeline.attachSenderPage(sender, customer.id, caller.userId, ctx.settings.RETENTION_DAYS);
      // null: someone else moved some of these meanwhile, so read the page again.
      if (entries === null) continue;
      if (entries.length === 0) break;
      moved += entries.length;
      for (const e of entries) {
        if (e.type === 'contact' && (!lastContactAt || e.occurredAt > lastContactAt)) lastContactAt = e.occurredAt;
      }
    }
    if (lastContactAt) await advanceLastContact(ctx.store, customer.id, lastContactAt);
    return {
      customerId: customer.id,
      kind: input.kind,
      value,
      moved,
      ...(changeRequest && { changeRequestId: changeRequest.id }),
    };
  }

  return { list, attach };
}

export type UnidentifiedService = ReturnType<typeof unidentifiedService>;
