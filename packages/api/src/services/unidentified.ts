import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from '@hono/zod-openapi';
import { ForbiddenError, ValidationError, type Caller, type TimelineEntry } from '@cc/core';
import {
  advanceLastContact,
  contactDayItem,
  del,
  indexNames,
  keys,
  stripKeys,
  timelineItem,
  transact,
  TransactionRefused,
} from '@cc/store';
import type { AppDeps } from '../deps';
import { customerService } from './customers';
import { normaliseSender } from './intake';

export const AttachInput = z
  .object({
    kind: z.enum(['phone', 'email']),
    value: z.string().min(3).max(254),
    customerId: z.string().min(1).max(80),
    addContactPoint: z
      .boolean()
      .default(false)
      .openapi({ description: "Also add the phone/email to the customer's contact points" }),
  })
  .strict()
  .openapi('AttachUnidentified');
export type AttachInput = z.infer<typeof AttachInput>;

// Each moved entry is a put and a delete in one transaction (limit 100 items).
const BATCH = 25;

/** Contacts from senders no customer is known by, until an agent attaches them to a customer. */
export function unidentifiedService(deps: AppDeps) {
  const customers = customerService(deps);

  const assertMayWork = (caller: Caller) => {
    if (caller.role === 'manager')
      throw new ForbiddenError('Unidentified contacts are worked by agents and supervisors', 'contact.forbidden');
  };

  async function list(caller: Caller, startKey: Record<string, unknown> | undefined, limit: number) {
    assertMayWork(caller);
    const result = await deps.store.doc.send(
      new QueryCommand({
        TableName: deps.store.tableName,
        IndexName: indexNames.gsi3,
        KeyConditionExpression: 'gsi3pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.unidentifiedQueue },
        ScanIndexForward: false,
        ExclusiveStartKey: startKey,
        Limit: limit,
      }),
    );
    return { items: (result.Items ?? []).map((i) => stripKeys<TimelineEntry>(i)), lastKey: result.LastEvaluatedKey };
  }

  async function page(partition: string) {
    const result = await deps.store.doc.send(
      new QueryCommand({
        TableName: deps.store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
        ExpressionAttributeValues: { ':pk': partition, ':tl': keys.customerTimelinePrefix },
        ConsistentRead: true,
        Limit: BATCH,
      }),
    );
    return result.Items ?? [];
  }

  /**
   * Moves every entry of the sender into the customer's timeline (copy + delete, batch by batch).
   * Safe to repeat or to run concurrently: a moved entry is gone from the sender's partition.
   */
  async function attach(caller: Caller, input: AttachInput) {
    assertMayWork(caller);
    const value = normaliseSender(input.kind, input.value);
    if (!value) throw new ValidationError(`Not a valid ${input.kind}`, [{ path: 'value', message: 'invalid' }]);
    const customer = await customers.readable(caller, input.customerId);
    const partition = keys.anonymousPartition(input.kind, value);
    let moved = 0;
    let lastContactAt: string | undefined;
    for (let items = await page(partition); items.length > 0; items = await page(partition)) {
      const entries = items.map((item) => ({ item, entry: stripKeys<TimelineEntry>(item) }));
      const writes = entries.flatMap(({ item, entry: { sender, ...entry } }) => {
        const attached: TimelineEntry = {
          ...entry,
          customerId: customer.id,
          details: { ...entry.details, sender: sender ?? { kind: input.kind, value }, attachedBy: caller.userId },
        };
        return [
          timelineItem(deps.store, attached, deps.config.RETENTION_DAYS),
          del(
            deps.store,
            `detach:${entry.id}`,
            { pk: String(item.pk), sk: String(item.sk) },
            { expression: 'attribute_exists(pk)' },
          ),
        ];
      });
      // The moved contacts count on the customer's days, in the same transaction (one update per day).
      const contacts = entries.map((e) => e.entry).filter((e) => e.type === 'contact');
      const perDay = new Map<string, number>();
      for (const e of contacts) perDay.set(e.occurredAt.slice(0, 10), (perDay.get(e.occurredAt.slice(0, 10)) ?? 0) + 1);
      const days = [...perDay].map(([day, count]) => contactDayItem(deps.store, customer.id, day, count));
      try {
        await transact(deps.store, [...writes, ...days]);
        moved += items.length;
        for (const e of contacts) if (!lastContactAt || e.occurredAt > lastContactAt) lastContactAt = e.occurredAt;
      } catch (error) {
        // Someone else moved (some of) these meanwhile: read again.
        if (!(error instanceof TransactionRefused)) throw error;
      }
    }
    if (lastContactAt) await advanceLastContact(deps.store, customer.id, lastContactAt);
    if (input.addContactPoint && !customer.contactPoints.some((p) => p.kind === input.kind && p.value === value)) {
      const before = await customers.repo.get(customer.id, true);
      if (before && !before.contactPoints.some((p) => p.kind === input.kind && p.value === value)) {
        const at = deps.clock().toISOString();
        const after = {
          ...before,
          contactPoints: [...before.contactPoints, { kind: input.kind, value, verified: false, preferred: false }],
          version: before.version + 1,
          updatedAt: at,
        };
        await customers.repo.save(before, after, [
          customers.historyItem(customer.id, at, caller, 'contact_point_added', {
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
