import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client';
import { keys } from './keys';

export interface Branch {
  id: string;
  name: string;
  /** IANA time zone its days are counted in (reports); DEFAULT_TIME_ZONE when absent. */
  timeZone?: string;
}

/** Items that are about the installation rather than the business: one-time markers, branches, a probe. */
export function systemRepository(ctx: StoreContext) {
  return {
    /** Whether a one-time job (e.g. seeding demo data) was marked done. */
    async isMarked(name: string): Promise<boolean> {
      const { Item } = await ctx.doc.send(
        new GetCommand({ TableName: ctx.tableName, Key: keys.marker(name), ConsistentRead: true }),
      );
      return !!Item;
    },

    /**
     * Marks a one-time job done, once all of it is written: a job interrupted before (a crash, a timed-out write
     * that did land) runs again, and must therefore be safe to repeat.
     */
    async mark(name: string, at: Date): Promise<void> {
      await ctx.doc.send(
        new PutCommand({ TableName: ctx.tableName, Item: { ...keys.marker(name), at: at.toISOString() } }),
      );
    },

    async putBranch(branch: Branch): Promise<void> {
      await ctx.doc.send(
        new PutCommand({ TableName: ctx.tableName, Item: { ...keys.branch(branch.id), entity: 'branch', ...branch } }),
      );
    },

    async getBranch(id: string): Promise<Branch | undefined> {
      const { Item } = await ctx.doc.send(new GetCommand({ TableName: ctx.tableName, Key: keys.branch(id) }));
      return Item
        ? { id: String(Item.id), name: String(Item.name), ...(Item.timeZone && { timeZone: Item.timeZone }) }
        : undefined;
    },

    /** Resolves when the table answers: a GetItem on a key that never exists (needs only read access). */
    async probe(): Promise<void> {
      await (ctx.doc as unknown as { send: DynamoDBClient['send'] }).send(
        new GetItemCommand({ TableName: ctx.tableName, Key: { pk: { S: 'HEALTH' }, sk: { S: 'HEALTH' } } }),
      );
    },
  };
}
