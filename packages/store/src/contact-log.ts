import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { MessageChannel, OutboundContact } from '@cc/core';
import type { StoreContext } from './client';
import { keys } from './keys';
import { registerRehomeHook } from './merge';
import { del, put, putNew, stripKeys, transact, type LabelledItem } from './transact';

/** Longer than any frequency-cap window (at most 31 days), so a customer's reply can still find its case. */
export const CONTACT_LOG_DAYS = 62;

/** An outbound contact as its log keeps it; `guardBroken` names the rules an agent's call broke. */
export type LoggedOutboundContact = OutboundContact & { guardBroken?: string[] };

/** For the transaction of the contact: one line in the customer's outbound-contact log. */
export const outboundContactItem = (
  ctx: StoreContext,
  customerId: string,
  contact: LoggedOutboundContact,
): LabelledItem =>
  putNew(ctx, `contact-log:${contact.id}`, {
    ...keys.outboundContact(customerId, contact.at, contact.id),
    entity: 'outbound-contact',
    customerId,
    ...contact,
    expiresAt: Math.floor(Date.parse(contact.at) / 1000) + CONTACT_LOG_DAYS * 86_400,
  });

export function contactLogRepository(ctx: StoreContext) {
  const query = async (customerId: string, options: { since?: Date; newestFirst?: boolean; limit?: number }) => {
    const { Items = [] } = await ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: options.since ? 'pk = :pk AND sk >= :since' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': keys.contactLogPartition(customerId),
          ...(options.since && { ':since': options.since.toISOString() }),
        },
        ScanIndexForward: !options.newestFirst,
        Limit: options.limit,
      }),
    );
    return Items.map((i) => stripKeys<LoggedOutboundContact & { customerId: string }>(i));
  };

  return {
    /** The customer's outbound contacts since `since`, oldest first (what the frequency cap counts). */
    since: (customerId: string, since: Date) => query(customerId, { since }),

    /** The case the customer was last written to from on `channel` (within the log's days), if any. */
    async lastWrittenCase(customerId: string, channel: MessageChannel): Promise<string | undefined> {
      const recent = await query(customerId, { newestFirst: true, limit: 50 });
      return recent.find((c) => c.channel === channel && c.purpose !== 'call' && c.caseId)?.caseId;
    },
  };
}

export type ContactLogRepository = ReturnType<typeof contactLogRepository>;

// A merged customer's outbound contacts keep counting against the survivor's cap.
registerRehomeHook({
  name: 'outboundContacts',
  async run(ctx, target) {
    let moved = 0;
    for (;;) {
      const { Items = [] } = await ctx.doc.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.contactLogPartition(target.mergedId) },
          ConsistentRead: true,
          Limit: 40,
        }),
      );
      if (Items.length === 0) return moved;
      await transact(
        ctx,
        Items.flatMap((item) => {
          const contact = stripKeys<LoggedOutboundContact>(item);
          const key = keys.outboundContact(target.survivor.id, contact.at, contact.id);
          return [
            put(ctx, `move:${contact.id}`, { ...item, ...key, customerId: target.survivor.id }),
            del(ctx, `remove:${contact.id}`, { pk: String(item.pk), sk: String(item.sk) }),
          ];
        }),
      );
      moved += Items.length;
    }
  },
});
