import type { Caller } from '@cc/core';
import { timelineRepository, type TimelineFilter } from '@cc/store';
import type { ServiceContext } from './context';
import type { CustomerService } from './customers';

/** One customer's contact history across every channel, for whoever may read the customer. */
export function timelineService(ctx: ServiceContext, deps: { customers: CustomerService }) {
  const timeline = timelineRepository(ctx.store);
  return {
    async list(
      caller: Caller,
      customerId: string,
      filter: TimelineFilter,
      startKey: Record<string, unknown> | undefined,
      limit: number,
    ) {
      await deps.customers.readable(caller, customerId);
      return timeline.listForCustomer(customerId, filter, startKey, limit);
    },
  };
}

export type TimelineService = ReturnType<typeof timelineService>;
