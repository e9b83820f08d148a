import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client';
import { keys } from './keys';

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows per bucket (e.g. a route and a client address), each counted in one item that
 * expires on its own. `hit` counts one request and says how many the window has seen and when it ends.
 */
export function rateWindowRepository(ctx: StoreContext) {
  return {
    async hit(bucket: string, now: Date): Promise<{ count: number; windowEndsAt: number }> {
      const windowStart = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
      const window = new Date(windowStart).toISOString().slice(0, 16);
      const { Attributes } = await ctx.doc.send(
        new UpdateCommand({
          TableName: ctx.tableName,
          Key: keys.rateWindow(bucket, window),
          UpdateExpression: 'ADD #n :one SET expiresAt = if_not_exists(expiresAt, :exp)',
          ExpressionAttributeNames: { '#n': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':exp': Math.floor(windowStart / 1000) + 120 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { count: Number(Attributes?.count ?? 0), windowEndsAt: windowStart + WINDOW_MS };
    },
  };
}
