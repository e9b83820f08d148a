import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client';
import { isConditionalCheckFailed } from './errors';
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
    /** True the first time `name` is claimed, false ever after (e.g. seeding demo data once). */
    async claimOnce(name: string, at: Date): Promise<boolean> {
      try {
        await ctx.doc.send(
          new PutCommand({
            TableName: ctx.tableName,
            Item: { ...keys.marker(name), at: at.toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailed(error)) return false;
        throw error;
      }
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
