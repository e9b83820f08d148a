import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Customer, CustomerCounters, CustomerStats, TimelineEntry } from '@cc/core';
import type { StoreContext } from './client';
import { keys } from './keys';
import { stripKeys } from './transact';

/** A case or opportunity as mirrored under its customer's partition while it is open. */
export type OpenMirror = Record<string, unknown>;

export interface CustomerViewData {
  profile: Customer;
  openCases: OpenMirror[];
  openOpportunities: OpenMirror[];
  latestContacts: TimelineEntry[];
  counters: CustomerCounters;
}

const prefixOf = (sk: (id: string) => { sk: string }) => sk('').sk;
const openCasePrefix = prefixOf((id) => keys.openCaseMirror('', id));
const openOpportunityPrefix = prefixOf((id) => keys.openOpportunityMirror('', id));
const contactDayPrefix = prefixOf((day) => keys.contactDay('', day));
const profileSort = keys.customer('').sk;
const statsSort = keys.customerStats('').sk;

/** The first day (YYYY-MM-DD, UTC) counted in "the last 30 days" ending `now`. */
export const firstCountedDay = (now: Date, days = 30) =>
  new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);

/**
 * Everything the customer 360 needs, in two parallel Queries on the customer's partition:
 * (1) every item that sorts below the timeline (contact-day counters, open case and opportunity
 * mirrors, the profile, the stats item) and (2) the newest timeline entries.
 * Query 1 stays small: day counters expire after 31 days and mirrors exist only while open.
 */
export async function readCustomerView(
  ctx: StoreContext,
  customerId: string,
  now: Date,
  latest = 10,
): Promise<CustomerViewData | undefined> {
  const pk = keys.customerPartition(customerId);
  const [head, timeline] = await Promise.all([
    ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk AND sk < :tl',
        ExpressionAttributeValues: { ':pk': pk, ':tl': keys.customerTimelinePrefix },
      }),
    ),
    ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
        ExpressionAttributeValues: { ':pk': pk, ':tl': keys.customerTimelinePrefix },
        ScanIndexForward: false,
        Limit: latest,
      }),
    ),
  ]);
  const items = head.Items ?? [];
  const profileItem = items.find((i) => i.sk === profileSort);
  if (!profileItem) return undefined;
  const withPrefix = (prefix: string) => items.filter((i) => String(i.sk).startsWith(prefix));
  const stats = stripKeys<Partial<CustomerStats>>(items.find((i) => i.sk === statsSort) ?? {});
  const since = contactDayPrefix + firstCountedDay(now);
  const contactsLast30Days = withPrefix(contactDayPrefix)
    .filter((i) => String(i.sk) >= since)
    .reduce((sum, i) => sum + Number(i.count ?? 0), 0);
  return {
    profile: stripKeys<Customer>(profileItem),
    openCases: withPrefix(openCasePrefix).map((i) => stripKeys<OpenMirror>(i)),
    openOpportunities: withPrefix(openOpportunityPrefix).map((i) => stripKeys<OpenMirror>(i)),
    latestContacts: (timeline.Items ?? []).map((i) => stripKeys<TimelineEntry>(i)),
    counters: {
      contactsLast30Days,
      openCases: Math.max(0, stats.openCases ?? 0),
      unresolvedContacts: Math.max(0, stats.unresolvedContacts ?? 0),
      ...(stats.lastContactAt && { lastContactAt: stats.lastContactAt }),
    },
  };
}
