import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client';
import { keys } from './keys';

/** Which case each of these email Message-IDs belongs to (threads written with the messages: emailThreadItem). */
export function emailThreadRepository(ctx: StoreContext) {
  return {
    async casesOf(messageIds: string[]): Promise<Map<string, string>> {
      const unique = [...new Set(messageIds)].slice(0, 100);
      if (unique.length === 0) return new Map();
      const result = await ctx.doc.send(
        new BatchGetCommand({ RequestItems: { [ctx.tableName]: { Keys: unique.map((id) => keys.emailThread(id)) } } }),
      );
      return new Map((result.Responses?.[ctx.tableName] ?? []).map((i) => [String(i.messageId), String(i.caseId)]));
    },
  };
}
