import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TimelineEntry } from '@cc/core';
import type { StoreContext } from './client';
import { isConditionalCheckFailed } from './errors';
import { indexNames, keys } from './keys';
import { putNew, stripKeys, update, type LabelledItem } from './transact';

/** The partition a timeline entry lives in: its customer's, or its unidentified sender's. */
export function timelinePartition(entry: Pick<TimelineEntry, 'customerId' | 'sender'>): string {
  if (entry.customerId) return keys.customerPartition(entry.customerId);
  if (entry.sender) return keys.anonymousPartition(entry.sender.kind, entry.sender.value);
  throw new Error('a timeline entry needs a customer or a sender');
}

/**
 * The item for one timeline entry. Flow records expire by TTL after the retention period
 * (13 months by default, per the seeds). Unidentified entries are also listed for agents (gsi3).
 */
export function timelineItem(ctx: StoreContext, entry: TimelineEntry, retentionDays: number): LabelledItem {
  const partition = timelinePartition(entry);
  const sort = `${entry.occurredAt}#${entry.id}`;
  return putNew(ctx, `timeline:${entry.id}`, {
    ...keys.timelineEntry(partition, entry.occurredAt, entry.id),
    entity: 'timeline',
    ...entry,
    gsi1pk: keys.timelineByChannel(partition, entry.channel),
    gsi1sk: sort,
    gsi2pk: keys.timelineByType(partition, entry.type),
    gsi2sk: sort,
    ...(!entry.customerId && { gsi3pk: keys.unidentifiedQueue, gsi3sk: sort }),
    expiresAt: Math.floor(Date.parse(entry.occurredAt) / 1000) + retentionDays * 86_400,
  });
}

/** Daily contact counter for the 360's "contacts in the last 30 days"; expires after 31 days. */
export function contactDayItem(ctx: StoreContext, customerId: string, occurredAt: string, contacts = 1): LabelledItem {
  const day = occurredAt.slice(0, 10);
  return update(ctx, `contact-day:${day}`, keys.contactDay(customerId, day), 'ADD #n :n SET expiresAt = :exp', {
    names: { '#n': 'count' },
    values: { ':n': contacts, ':exp': Math.floor(Date.parse(day) / 1000) + 32 * 86_400 },
  });
}

/** A condition on the stats item, e.g. what a contact assumed about the open cases when it counted itself. */
export interface StatsGuard {
  expression: string;
  values: Record<string, unknown>;
}

/** Adds to the customer's counters (see CustomerStats); missing counters start at zero. */
export function statsItem(
  ctx: StoreContext,
  customerId: string,
  changes: { openCases?: number; unresolvedContacts?: number; resetUnresolved?: boolean; lastContactAt?: string },
  guard?: StatsGuard,
): LabelledItem {
  const adds: string[] = [];
  const sets: string[] = [];
  const values: Record<string, unknown> = {};
  if (changes.openCases) {
    adds.push('openCases :oc');
    values[':oc'] = changes.openCases;
  }
  if (changes.resetUnresolved) {
    sets.push('unresolvedContacts = :zero');
    values[':zero'] = 0;
  } else if (changes.unresolvedContacts) {
    adds.push('unresolvedContacts :uc');
    values[':uc'] = changes.unresolvedContacts;
  }
  if (changes.lastContactAt) {
    sets.push('lastContactAt = :lc');
    values[':lc'] = changes.lastContactAt;
  }
  const expression = [sets.length ? `SET ${sets.join(', ')}` : '', adds.length ? `ADD ${adds.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
  return update(ctx, `stats:${customerId}`, keys.customerStats(customerId), expression, {
    values: { ...values, ...guard?.values },
    condition: guard?.expression,
  });
}

/** Moves the customer's last contact forward to `at`, never back (e.g. for older contacts attached later). */
export async function advanceLastContact(ctx: StoreContext, customerId: string, at: string): Promise<void> {
  await ctx.doc
    .send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.customerStats(customerId),
        UpdateExpression: 'SET lastContactAt = :at',
        ConditionExpression: 'attribute_not_exists(lastContactAt) OR lastContactAt < :at',
        ExpressionAttributeValues: { ':at': at },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionalCheckFailed(error)) throw error;
    });
}

export interface TimelineFilter {
  channel?: string;
  type?: string;
}

/**
 * Newest first, one Query per page whatever the history's length: the channel and type filters
 * are served by their own index (gsi1, gsi2) rather than by a FilterExpression.
 */
export async function listTimeline(
  ctx: StoreContext,
  partition: string,
  filter: TimelineFilter,
  startKey: Record<string, unknown> | undefined,
  limit: number,
) {
  const base = { TableName: ctx.tableName, ScanIndexForward: false, ExclusiveStartKey: startKey, Limit: limit };
  const query = filter.channel
    ? {
        ...base,
        IndexName: indexNames.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.timelineByChannel(partition, filter.channel) },
      }
    : filter.type
      ? {
          ...base,
          IndexName: indexNames.gsi2,
          KeyConditionExpression: 'gsi2pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.timelineByType(partition, filter.type) },
        }
      : {
          ...base,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
          ExpressionAttributeValues: { ':pk': partition, ':tl': keys.customerTimelinePrefix },
        };
  // Both filters at once: the channel index, with type as a filter on that page.
  if (filter.channel && filter.type) {
    Object.assign(query, { FilterExpression: '#type = :type', ExpressionAttributeNames: { '#type': 'type' } });
    (query.ExpressionAttributeValues as Record<string, unknown>)[':type'] = filter.type;
  }
  const result = await ctx.doc.send(new QueryCommand(query));
  return { items: (result.Items ?? []).map((i) => stripKeys<TimelineEntry>(i)), lastKey: result.LastEvaluatedKey };
}
