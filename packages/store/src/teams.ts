import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Team } from '@cc/core';
import type { StoreContext } from './client';
import { keys } from './keys';
import { putNew, stripKeys, transact, update } from './transact';

/** Teams of managers; members' user profiles carry the teamId, set in the same transaction. */
export function teamRepository(ctx: StoreContext) {
  return {
    async create(team: Team): Promise<void> {
      const members = [...new Set([team.leaderId, ...team.memberIds])];
      await transact(ctx, [
        putNew(ctx, 'team', { ...keys.team(team.id), entity: 'team', ...team }),
        ...members.map((userId) =>
          update(ctx, `member:${userId}`, keys.user(userId), 'SET teamId = :team', {
            condition: 'attribute_exists(pk)',
            values: { ':team': team.id },
          }),
        ),
      ]);
    },
    async get(id: string): Promise<Team | undefined> {
      const { Item } = await ctx.doc.send(new GetCommand({ TableName: ctx.tableName, Key: keys.team(id) }));
      return Item ? stripKeys<Team>(Item) : undefined;
    },
  };
}
