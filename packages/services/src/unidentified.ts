import { ForbiddenError, mayInBranch, ValidationError, type AttachInput, type Caller } from '@cc/core';
import {
  advanceLastContact,
  timelineRepository,
  transact,
  withIdempotency,
  type IdempotencyClaim,
  type RecordFor,
} from '@cc/store';
import type { ChangeRequestService } from './change-requests';
import { normaliseSender } from './senders';
import type { ServiceContext } from './context';
import type { CustomerService } from './customers';

/** A sender's contacts attached to a customer, and the change request asked for to add the sender to it. */
interface Attached {
  customerId: string;
  kind: AttachInput['kind'];
  value: string;
  changeRequestId?: string;
}

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
   * Moves every entry of the sender into the customer's timeline (copy + delete, page by page), once per client
   * key: the record commits with the change request it asks for (or alone), and a retry or a concurrent copy
   * answers the first attachment and its change request. Moving is safe to repeat or to run concurrently (a moved
   * entry is gone from the sender's partition), so every copy moves what is left: `moved` counts what this copy
   * moved. Without a key, a repeat with `addContactPoint` asks again to add the phone or email.
   */
  async function attachOnce(caller: Caller, input: AttachInput, claim?: IdempotencyClaim) {
    const { response, replayed } = await withIdempotency<Attached>(
      ctx.store,
      claim,
      async (recordFor) => ({ status: 200, body: await begin(caller, input, recordFor) }),
      { replayFirst: true },
    );
    const moved = await moveEntries(caller, response.body);
    return { response: { status: 200, body: { ...response.body, moved } }, replayed };
  }

  /** Which customer and sender, and the change request asked for, committed with `recordFor`'s record. */
  async function begin(caller: Caller, input: AttachInput, recordFor: RecordFor<Attached>): Promise<Attached> {
    assertMayWork(caller);
    const value = normaliseSender(input.kind, input.value);
    if (!value) throw new ValidationError(`Not a valid ${input.kind}`, [{ path: 'value', message: 'invalid' }]);
    const customer = await deps.customers.readable(caller, input.customerId);
    const attached: Attached = { customerId: customer.id, kind: input.kind, value };
    // Whose phone or email this is changes who later messages resolve to: asked for, never done here. Asked first,
    // so a refusal (the address is another customer's) leaves the contacts where they were.
    const known = customer.contactPoints.some((p) => p.kind === input.kind && p.value === value);
    if (!input.addContactPoint || known) {
      const record = recordFor({ status: 200, body: attached });
      if (record.length) await transact(ctx.store, record);
      return attached;
    }
    const withRequest = (changeRequestId: string): Attached => ({ ...attached, changeRequestId });
    const changeRequest = await deps.changeRequests.request(
      caller,
      customer.id,
      {
        kind: 'contact_points',
        add: [{ kind: input.kind, value, verified: false, preferred: false }],
        reason: `Contacts from ${value} attached to this customer`,
      },
      (opened) => recordFor({ status: 200, body: withRequest(opened.body.id) }),
    );
    return withRequest(changeRequest.id);
  }

  /** Moves what is left of the sender's entries to the customer; answers how many this call moved. */
  async function moveEntries(caller: Caller, { customerId, kind, value }: Attached): Promise<number> {
    const sender = { kind, value };
    let moved = 0;
    let lastContactAt: string | undefined;
    for (;;) {
      const entries = await timeline.attachSenderPage(sender, customerId, caller.userId, ctx.settings.RETENTION_DAYS);
      // null: someone else moved some of these meanwhile, so read the page again.
      if (entries === null) continue;
      if (entries.length === 0) break;
      moved += entries.length;
      for (const e of entries) {
        if (e.type === 'contact' && (!lastContactAt || e.occurredAt > lastContactAt)) lastContactAt = e.occurredAt;
      }
    }
    if (lastContactAt) await advanceLastContact(ctx.store, customerId, lastContactAt);
    return moved;
  }

  return { list, attachOnce };
}

export type UnidentifiedService = ReturnType<typeof unidentifiedService>;
