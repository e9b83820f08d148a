import { ForbiddenError, mayInBranch, ValidationError, type AttachInput, type Caller } from '@cc/core';
import { advanceLastContact, customerRepository, timelineRepository } from '@cc/store';
import { normaliseSender } from './contact-recorder';
import type { ServiceContext } from './context';
import type { CustomerService } from './customers';

/** Contacts from senders no customer is known by, until an agent attaches them to a customer. */
export function unidentifiedService(ctx: ServiceContext, deps: { customers: CustomerService }) {
  const timeline = timelineRepository(ctx.store);
  const profiles = customerRepository(ctx.store);

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
    const known = (points: { kind: string; value: string }[]) =>
      points.some((p) => p.kind === input.kind && p.value === value);
    if (input.addContactPoint && !known(customer.contactPoints)) {
      const before = await profiles.get(customer.id, true);
      if (before && !known(before.contactPoints)) {
        const at = ctx.clock().toISOString();
        const after = {
          ...before,
          contactPoints: [...before.contactPoints, { kind: input.kind, value, verified: false, preferred: false }],
          version: before.version + 1,
          updatedAt: at,
        };
        await profiles.save(before, after, [
          deps.customers.historyItem(customer.id, at, caller, 'contact_point_added', {
            kind: input.kind,
            value,
            from: 'unidentified_contacts',
          }),
        ]);
      }
    }
    return { customerId: customer.id, kind: input.kind, value, moved };
  }

  return { list, attach };
}

export type UnidentifiedService = ReturnType<typeof unidentifiedService>;
