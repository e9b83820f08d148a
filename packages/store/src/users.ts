import { BatchGetCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '@cc/core';
import type { StoreContext } from './client';
import { indexNames, keys } from './keys';
import { conditionCheck, stripKeys, TransactionRefused, type LabelledItem } from './transact';

export interface User {
  id: string;
  name: string;
  role: Role;
  branchId: string;
  email?: string;
  phone?: string;
  /** How this user wants notifications delivered besides the inbox. */
  notifyVia: 'email' | 'sms' | 'webhook' | 'inbox';
  webhookUrl?: string;
  teamId?: string;
  /** The manager's superior: told about their team's opportunities (the "1+N" team). */
  supervisorId?: string;
  /**
   * false: disabled; their tokens are refused within a minute and they cannot be assigned anything. Absent counts as
   * active (records from before the flag).
   */
  active?: boolean;
}

export const isActiveUser = (user: Pick<User, 'active'>) => user.active !== false;

const ASSIGNABLE_LABEL = 'assignable:';

/** The user ids whose assignability conditions (`assignableCheck`) refused a transaction; empty when none did. */
export const refusedAssignees = (error: unknown): string[] =>
  error instanceof TransactionRefused
    ? error.failedLabels.filter((l) => l.startsWith(ASSIGNABLE_LABEL)).map((l) => l.slice(ASSIGNABLE_LABEL.length))
    : [];

export function userRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;
  return {
    /**
     * The rule `isActiveUser` + branch + role as a condition of the caller's transaction, so an assignment needs no
     * read before its write; a refusal names the user (`refusedAssignees`).
     */
    assignableCheck(id: string, branchId: string, roles: readonly Role[]): LabelledItem {
      const roleValues = Object.fromEntries(roles.map((role, i) => [`:role${i}`, role]));
      return conditionCheck(
        ctx,
        `${ASSIGNABLE_LABEL}${id}`,
        keys.user(id),
        `branchId = :branch AND #role IN (${Object.keys(roleValues).join(', ')}) AND ` +
          '(attribute_not_exists(active) OR active <> :disabled)',
        { ':branch': branchId, ':disabled': false, ...roleValues },
        { '#role': 'role' },
      );
    },
    async get(id: string, consistent = false): Promise<User | undefined> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: keys.user(id), ConsistentRead: consistent }),
      );
      return Item ? stripKeys<User>(Item) : undefined;
    },
    async getMany(ids: string[]): Promise<Map<string, User>> {
      const unique = [...new Set(ids)];
      const found = new Map<string, User>();
      for (let i = 0; i < unique.length; i += 100) {
        let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
          [tableName]: { Keys: unique.slice(i, i + 100).map((id) => keys.user(id)) },
        };
        while (request && Object.keys(request).length > 0) {
          const result = await doc.send(new BatchGetCommand({ RequestItems: request }));
          for (const item of result.Responses?.[tableName] ?? []) {
            const user = stripKeys<User>(item);
            found.set(user.id, user);
          }
          request = result.UnprocessedKeys as typeof request;
        }
      }
      return found;
    },
    async put(user: User): Promise<void> {
      // Listed by branch and role (gsi1), e.g. to find the branch's supervisors.
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.user(user.id),
            entity: 'user',
            ...user,
            gsi1pk: keys.usersByBranch(user.branchId),
            gsi1sk: `${user.role}#${user.id}`,
          },
        }),
      );
    },
    /** Users of a branch with one role (at most 100: enough to notify a branch's supervisors). */
    async listByBranch(branchId: string, role: Role): Promise<User[]> {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: indexNames.gsi1,
          KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :role)',
          ExpressionAttributeValues: { ':pk': keys.usersByBranch(branchId), ':role': `${role}#` },
          Limit: 100,
        }),
      );
      return (Items ?? []).map((i) => stripKeys<User>(i));
    },
  };
}

export type UserRepository = ReturnType<typeof userRepository>;

/**
 * Users' display names, remembered for `ttlMs`: the customer 360 names the customer's managers on every
 * read, names rarely change, and a warm Lambda container then answers the 360 without a third request.
 * Unknown ids are remembered as unknown for the same time.
 */
export function userNameDirectory(
  ctx: StoreContext,
  options: { ttlMs: number; maxEntries?: number; now?: () => number },
) {
  const users = userRepository(ctx);
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const known = new Map<string, { name: string | null; until: number }>();
  return {
    async namesOf(ids: string[]): Promise<Map<string, string>> {
      const at = now();
      const missing = [...new Set(ids)].filter((id) => !((known.get(id)?.until ?? 0) > at));
      if (missing.length) {
        const found = await users.getMany(missing);
        for (const id of missing) {
          known.delete(id);
          if (known.size >= maxEntries) known.delete(known.keys().next().value!);
          known.set(id, { name: found.get(id)?.name ?? null, until: at + options.ttlMs });
        }
      }
      return new Map(ids.flatMap((id) => (known.get(id)?.name ? [[id, known.get(id)!.name!] as const] : [])));
    },
  };
}

export type UserNameDirectory = ReturnType<typeof userNameDirectory>;
