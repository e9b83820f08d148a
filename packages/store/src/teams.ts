import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Team } from '@cc/core';
import type { StoreContext } from './client';
import type { Page } from './customers';
import { indexNames, keys } from './keys';
import { del, put, putNew, stripKeys, update, type LabelledItem } from './transact';

export const TEAM_LABEL = 'team';

/** The team item, listed under its branch (gsi1). */
const teamItem = (team: Team) => ({
  ...keys.team(team.id),
  entity: 'team',
  ...team,
  gsi1pk: keys.teamsByBranch(team.branchId),
  gsi1sk: team.id,
});

/** Refused (naming `member:<id>`) when the user does not exist or is on another team. */
const joinItem = (ctx: StoreContext, userId: string, teamId: string): LabelledItem =>
  update(ctx, `member:${userId}`, keys.user(userId), 'SET teamId = :team', {
    condition: 'attribute_exists(pk) AND (attribute_not_exists(teamId) OR teamId = :team)',
    values: { ':team': teamId },
  });

/** Only if the user is still on this team. */
const leaveItem = (ctx: StoreContext, userId: string, teamId: string): LabelledItem =>
  update(ctx, `leaver:${userId}`, keys.user(userId), 'REMOVE teamId', {
    condition: 'teamId = :team',
    values: { ':team': teamId },
  });

export const teamMembers = (team: Pick<Team, 'leaderId' | 'memberIds'>) => [
  ...new Set([team.leaderId, ...team.memberIds]),
];

/** Teams from before versions were kept start at 1. */
function teamOf(item: Record<string, unknown>): Team {
  const team = stripKeys<Team>(item);
  return { ...team, version: team.version ?? 1 };
}

const versioned = (version: number) => ({
  expression: '#v = :expected',
  names: { '#v': 'version' },
  values: { ':expected': version },
});

/** Teams of managers; members' user profiles carry the teamId, set and removed in the team's transaction. */
export function teamRepository(ctx: StoreContext) {
  return {
    /** The team and its members' team ids. */
    createItems: (team: Team): LabelledItem[] => [
      putNew(ctx, TEAM_LABEL, teamItem(team)),
      ...teamMembers(team).map((userId) => joinItem(ctx, userId, team.id)),
    ],

    /** `after` replaces the team if it is still at `before.version`; members who join or leave follow. */
    saveItems(before: Team, after: Team): LabelledItem[] {
      const was = teamMembers(before);
      const is = teamMembers(after);
      return [
        put(ctx, TEAM_LABEL, teamItem(after), versioned(before.version)),
        ...is.filter((m) => !was.includes(m)).map((m) => joinItem(ctx, m, after.id)),
        ...was.filter((m) => !is.includes(m)).map((m) => leaveItem(ctx, m, after.id)),
      ];
    },

    /** The team goes (if still at its version) and its members are on no team. */
    disbandItems: (team: Team): LabelledItem[] => [
      del(ctx, TEAM_LABEL, keys.team(team.id), versioned(team.version)),
      ...teamMembers(team).map((m) => leaveItem(ctx, m, team.id)),
    ],

    async get(id: string, consistent = false): Promise<Team | undefined> {
      const { Item } = await ctx.doc.send(
        new GetCommand({ TableName: ctx.tableName, Key: keys.team(id), ConsistentRead: consistent }),
      );
      return Item ? teamOf(Item) : undefined;
    },

    async listByBranch(
      branchId: string,
      startKey: Record<string, unknown> | undefined,
      limit: number,
    ): Promise<Page<Team>> {
      const result = await ctx.doc.send(
        new QueryCommand({
          TableName: ctx.tableName,
          IndexName: indexNames.gsi1,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.teamsByBranch(branchId) },
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      );
      return {
        items: (result.Items ?? []).map(teamOf),
        lastKey: result.LastEvaluatedKey,
      };
    },
  };
}
