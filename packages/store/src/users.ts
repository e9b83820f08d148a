import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '@cc/core';
import type { StoreContext } from './client';
import { keys } from './keys';
import { stripKeys } from './transact';

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
}

export function userRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;
  return {
    async get(id: string): Promise<User | undefined> {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.user(id) }));
      return Item ? stripKeys<User>(Item) : undefined;
    },
    async getMany(ids: string[]): Promise<Map<string, User>> {
      const unique = [...new Set(ids)];
      const found = new Map<string, User>();
      for (let i = 0; i < unique.length; i += 100) {
        let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [tableName]: { Keys: unique.slice(i, i + 100).map((id) => keys.user(id)) } };
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
      await doc.send(new PutCommand({ TableName: tableName, Item: { ...keys.user(user.id), entity: 'user', ...user } }));
    },
  };
}

export type UserRepository = ReturnType<typeof userRepository>;
