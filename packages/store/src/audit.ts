import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '@cc/core';
import type { StoreContext } from './client';
import { translateStoreError } from './errors';
import { keys } from './keys';
import { putNew, stripKeys, transact } from './transact';

/** What was read: the action names the route's kind of read, never the data it returned. */
export type AuditAction =
  'customer.read' | 'customer.view' | 'customer.search' | 'customer.timeline' | 'customer.history';

/** One read of one customer's data: who, when, what kind of read (and how a search found it). */
export interface AuditEntry {
  id: string;
  customerId: string;
  at: string;
  actor: { userId: string; role: Role; branchId: string };
  action: AuditAction;
  /** For searches: by what (number, phone, email, name), never the value searched for. */
  by?: string;
}

/** A transaction holds at most 100 writes; a search page is at most 100 customers. */
const MAX_ENTRIES_PER_WRITE = 100;

/**
 * The audit trail of reads. Append-only: entries are only ever put (each on the condition that it is new), never
 * updated or deleted by the application; they expire by TTL after the retention period.
 */
export function auditRepository(ctx: StoreContext) {
  return {
    /** One entry is one conditional PutItem (a read by id); a search's hits go in transactions of up to 100. */
    async append(entries: AuditEntry[], retentionDays: number): Promise<void> {
      const items = entries.map((entry) =>
        putNew(ctx, `audit:${entry.id}`, {
          ...keys.auditEntry(entry.customerId, entry.at, entry.id),
          entity: 'audit',
          ...entry,
          expiresAt: Math.floor(Date.parse(entry.at) / 1000) + retentionDays * 86_400,
        }),
      );
      if (items.length === 1) {
        await ctx.doc.send(new PutCommand(items[0]!.item.Put!)).catch((error: unknown) => {
          throw translateStoreError(error);
        });
        return;
      }
      for (let i = 0; i < items.length; i += MAX_ENTRIES_PER_WRITE) {
        await transact(ctx, items.slice(i, i + MAX_ENTRIES_PER_WRITE));
      }
    },

    /** A customer's entries, newest first. */
    async list(customerId: string, startKey: Record<string, unknown> | undefined, limit: number) {
      const result = await ctx.doc.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.auditPartition(customerId) },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      );
      return { items: (result.Items ?? []).map((i) => stripKeys<AuditEntry>(i)), lastKey: result.LastEvaluatedKey };
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
