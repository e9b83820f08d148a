import type { Caller } from '@cc/core';
import { timelineRepository, type TimelineFilter } from '@cc/store';
import type { AuditService } from './audit';
import type { ServiceContext } from './context';
import type { CustomerService } from './customers';

/** One customer's contact history across every channel, for whoever may read the customer. */
export function timelineService(ctx: ServiceContext, deps: { customers: CustomerService; audit: AuditService }) {
  const timeline = timelineRepository(ctx.store);
  return {
    async list(
      caller: Caller,
      customerId: string,
      filter: TimelineFilter,
      startKey: Record<string, unknown> | undefined,
      limit: number,
    ) {
      return deps.audit.audited(caller, 'customer.timeline', customerId, async () => {
        await deps.customers.readable(caller, customerId);
        return timeline.listForCustomer(customerId, filter, startKey, limit);
      });
    },
  };
}

export type TimelineService = ReturnType<typeof timelineService>;
