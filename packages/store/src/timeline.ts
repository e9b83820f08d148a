import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TimelineEntry } from '@cc/core';
import { hotKeyShards, type StoreContext } from './client';
import { isConditionalCheckFailed } from './errors';
import { indexNames, keys, shardKey, shardKeys } from './keys';
import { del, putNew, stripKeys, transact, TransactionRefused, update, type LabelledItem } from './transact';

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
    ...(!entry.customerId && { gsi3pk: shardKey(keys.unidentifiedQueue, entry.id, hotKeyShards(ctx)), gsi3sk: sort }),
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

// Each moved entry is a put and a delete in one transaction (limit 100 items), plus one counter per day.
const ATTACH_PAGE = 25;

export function timelineRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;

  /**
   * Newest first, one Query per page whatever the history's length: the channel and type filters
   * are served by their own index (gsi1, gsi2) rather than by a FilterExpression.
   */
  async function list(
    partition: string,
    filter: TimelineFilter,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ) {
    const base = { TableName: tableName, ScanIndexForward: false, ExclusiveStartKey: startKey, Limit: limit };
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
    const result = await doc.send(new QueryCommand(query));
    return { items: (result.Items ?? []).map((i) => stripKeys<TimelineEntry>(i)), lastKey: result.LastEvaluatedKey };
  }

  return {
    /** One customer's contact history across every channel. */
    listForCustomer: (
      customerId: string,
      filter: TimelineFilter,
      startKey: Record<string, unknown> | undefined,
      limit: number,
    ) => list(keys.customerPartition(customerId), filter, startKey, limit),

    /**
     * Contacts from senders no customer is known by, newest first (gsi3): a page from each shard of the queue, in
     * parallel, merged. The page ends at a sort key; the next one starts below it in every shard.
     */
    async listUnidentified(startKey: Record<string, unknown> | undefined, limit: number) {
      const below = typeof startKey?.gsi3sk === 'string' ? startKey.gsi3sk : undefined;
      const pages = await Promise.all(
        shardKeys(keys.unidentifiedQueue, hotKeyShards(ctx)).map((shard) =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: indexNames.gsi3,
              KeyConditionExpression: below === undefined ? 'gsi3pk = :pk' : 'gsi3pk = :pk AND gsi3sk < :below',
              ExpressionAttributeValues: { ':pk': shard, ...(below !== undefined && { ':below': below }) },
              ScanIndexForward: false,
              Limit: limit,
            }),
          ),
        ),
      );
      const merged = pages.flatMap((p) => p.Items ?? []).sort((a, b) => (String(a.gsi3sk) < String(b.gsi3sk) ? 1 : -1));
      const page = merged.slice(0, limit);
      const more = merged.length > limit || pages.some((p) => p.LastEvaluatedKey);
      const last = page.at(-1);
      return {
        items: page.map((i) => stripKeys<TimelineEntry>(i)),
        lastKey: more && last ? { gsi3sk: last.gsi3sk } : undefined,
      };
    },

    /**
     * Moves one page of an unidentified sender's entries into the customer's timeline: each entry is written
     * under the customer and deleted from the sender's partition in one transaction, and the moved contacts
     * count on the customer's days. Returns the entries moved ([] when none are left), or null when another
     * attach moved some of them meanwhile (read again).
     */
    async attachSenderPage(
      sender: NonNullable<TimelineEntry['sender']>,
      customerId: string,
      attachedBy: string,
      retentionDays: number,
    ): Promise<TimelineEntry[] | null> {
      const partition = keys.anonymousPartition(sender.kind, sender.value);
      const { Items = [] } = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
          ExpressionAttributeValues: { ':pk': partition, ':tl': keys.customerTimelinePrefix },
          ConsistentRead: true,
          Limit: ATTACH_PAGE,
        }),
      );
      const entries = Items.map((item) => ({ item, entry: stripKeys<TimelineEntry>(item) }));
      const writes = entries.flatMap(({ item, entry: { sender: from, ...entry } }) => {
        const details = { ...entry.details, sender: from ?? sender, attachedBy };
        return [
          timelineItem(ctx, { ...entry, customerId, details }, retentionDays),
          del(
            ctx,
            `detach:${entry.id}`,
            { pk: String(item.pk), sk: String(item.sk) },
            { expression: 'attribute_exists(pk)' },
          ),
        ];
      });
      const contacts = entries.map((e) => e.entry).filter((e) => e.type === 'contact');
      const perDay = new Map<string, number>();
      for (const e of contacts) perDay.set(e.occurredAt.slice(0, 10), (perDay.get(e.occurredAt.slice(0, 10)) ?? 0) + 1);
      const days = [...perDay].map(([day, count]) => contactDayItem(ctx, customerId, day, count));
      if (writes.length === 0) return [];
      try {
        await transact(ctx, [...writes, ...days]);
        return entries.map((e) => e.entry);
      } catch (error) {
        if (error instanceof TransactionRefused) return null;
        throw error;
      }
    },
  };
}
