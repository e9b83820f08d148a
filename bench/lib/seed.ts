import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { newId, type Case, type Notification, type TimelineEntry } from '@cc/core';
import { newCaseItem, notificationItems, timelineItem, type StoreContext, type TransactItem } from '@cc/store';
import { keys } from '@cc/store/keys';

/**
 * History seeded straight into the table with BatchWriteItem, in exactly the item shapes the store
 * modules produce (their item builders are called; only the Put.Item is taken), so the API reads
 * what it would have written itself, only faster.
 */
const putItemOf = (item: TransactItem): Record<string, unknown> => {
  if (!item.Put?.Item) throw new Error('expected a Put item from the store builder');
  return item.Put.Item as Record<string, unknown>;
};

let caseCounter = 0;
const DAY = 86_400_000;

export interface HistoryOwner {
  customerId: string;
  customerNumber: string;
  customerName: string;
  managerId: string;
  branchId: string;
}

/**
 * `n` contacts on the customer's timeline, `n` closed cases of the customer owned by the manager,
 * and `n` notifications in the manager's inbox (all but the newest 10 read), spread over ~300 days.
 */
export function historyItems(
  ctx: StoreContext,
  owner: HistoryOwner,
  n: number,
  retentionDays: number,
  now = Date.now(),
): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  const step = Math.max(1, Math.floor((300 * DAY) / Math.max(n, 1)));
  for (let i = 0; i < n; i++) {
    const at = new Date(now - DAY - i * step);
    const iso = at.toISOString();
    const entry: TimelineEntry = {
      id: newId(at.getTime()),
      customerId: owner.customerId,
      type: 'contact',
      channel: (['voice', 'sms', 'email', 'web'] as const)[i % 4]!,
      direction: i % 3 === 0 ? 'outbound' : 'inbound',
      occurredAt: iso,
      actor: { kind: 'user', id: 'agent-bench' },
      summary: `Inbound call: resolved — history item ${i} about card limits and statement questions`,
      links: {},
      details: {
        outcome: 'resolved',
        notes: 'Asked about the card limit and the last statement',
        loggedBy: 'agent-bench',
        durationSeconds: 120 + (i % 300),
      },
    };
    items.push(putItemOf(timelineItem(ctx, entry, retentionDays).item));

    caseCounter++;
    const c: Case = {
      id: `C-2019-${String(caseCounter).padStart(6, '0')}`,
      type: 'complaint',
      category: 'card',
      priority: 'normal',
      title: `Card blocked abroad (${i})`,
      description: 'My card was blocked while travelling and nobody called me.',
      status: 'closed',
      origin: 'web',
      createdBy: { kind: 'channel', channel: 'web' },
      customerId: owner.customerId,
      customerNumber: owner.customerNumber,
      customerName: owner.customerName,
      branchId: owner.branchId,
      ownerId: owner.managerId,
      primaryManagerId: owner.managerId,
      assistingManagerIds: [],
      escalated: false,
      deleted: false,
      version: 3,
      createdAt: iso,
      updatedAt: iso,
    };
    items.push(putItemOf(newCaseItem(ctx, c).item));

    const notification: Notification = {
      id: newId(at.getTime()),
      recipientId: owner.managerId,
      kind: 'case_created',
      title: `New complaint ${c.id}: ${c.title}`,
      excerpt: c.description,
      customerId: owner.customerId,
      customerNumber: owner.customerNumber,
      customerName: owner.customerName,
      caseId: c.id,
      createdAt: iso,
    };
    const inbox = putItemOf(notificationItems(ctx, notification)[0]!.item);
    // Older notifications have been read: moved to the read range as inboxRepository.markRead does.
    items.push(
      i < 10 ? inbox : { ...inbox, ...keys.inboxItem(owner.managerId, 'R', notification.id), read: true, readAt: iso },
    );
  }
  return items;
}

/** BatchWriteItem in chunks of 25, `parallel` at a time, retrying unprocessed items. Bounded by `maxMs`. */
export async function batchWrite(
  ctx: StoreContext,
  items: Record<string, unknown>[],
  options: { parallel?: number; maxMs?: number } = {},
): Promise<number> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  const deadline = performance.now() + (options.maxMs ?? 120_000);
  let next = 0;
  let written = 0;
  await Promise.all(
    Array.from({ length: options.parallel ?? 8 }, async () => {
      while (next < chunks.length) {
        let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
          [ctx.tableName]: chunks[next++]!.map((Item) => ({ PutRequest: { Item } })),
        };
        for (let attempt = 0; request && Object.keys(request).length; attempt++) {
          if (performance.now() > deadline) throw new Error(`seeding did not finish within ${options.maxMs} ms`);
          const result = await ctx.doc.send(new BatchWriteCommand({ RequestItems: request }));
          written +=
            (request[ctx.tableName]?.length ?? 0) -
            ((result.UnprocessedItems?.[ctx.tableName] as unknown[] | undefined)?.length ?? 0);
          request = result.UnprocessedItems as typeof request;
          if (request && Object.keys(request).length)
            await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 5)));
        }
      }
    }),
  );
  return written;
}
