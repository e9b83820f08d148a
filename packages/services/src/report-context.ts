import { DEFAULT_TIME_ZONE, isTimeZone } from '@cc/core';
import { customerRepository, opportunityRepository, systemRepository } from '@cc/store';
import type { ServiceContext } from './context';
import type { FactContext } from './report-facts';

/** Lookups of facts that never change once written, so a per-process cache never goes stale. */
const CACHE_ENTRIES = 10_000;

function cached<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const values = new Map<string, Promise<T>>();
  return (key) => {
    let value = values.get(key);
    if (!value) {
      if (values.size >= CACHE_ENTRIES) values.clear();
      value = load(key);
      values.set(key, value);
      value.catch(() => values.delete(key));
    }
    return value;
  };
}

/** What the report facts look up, read from the table: branches' time zones, customers' and opportunities' branches. */
export function factContext(ctx: ServiceContext): FactContext {
  const customers = customerRepository(ctx.store);
  const opportunities = opportunityRepository(ctx.store);
  const system = systemRepository(ctx.store);
  return {
    zoneOf: cached(async (branchId) => {
      const zone = (await system.getBranch(branchId))?.timeZone;
      return zone && isTimeZone(zone) ? zone : DEFAULT_TIME_ZONE;
    }),
    branchOfCustomer: cached(async (id) => (await customers.get(id))?.branchId),
    branchOfOpportunity: cached(async (id) => (await opportunities.get(id))?.branchId),
    defaultBranchId: ctx.settings.DEFAULT_BRANCH_ID,
    unresolvedThreshold: ctx.settings.ESCALATE_AFTER_CONTACTS,
  };
}
