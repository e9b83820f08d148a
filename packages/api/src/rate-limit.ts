import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'hono';
import { RateLimitedError } from '@cc/core';
import { keys, type StoreContext } from '@cc/store';

/**
 * The client address for abuse limits: the first hop of X-Forwarded-For (API Gateway and
 * CloudFront set it), else 'unknown' (all such callers share one bucket).
 */
export function clientIp(c: Context): string {
  const first = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  return first && first.length <= 64 ? first : 'unknown';
}

/**
 * A fixed one-minute window per (name, client) counted in one DynamoDB item that expires on its own.
 * Throws RateLimitedError (429 with Retry-After) once the window's count passes `limit`.
 */
export async function enforceRateLimit(
  store: StoreContext,
  name: string,
  client: string,
  limit: number,
  now: Date,
): Promise<void> {
  const windowStart = Math.floor(now.getTime() / 60_000) * 60_000;
  const window = new Date(windowStart).toISOString().slice(0, 16);
  const { Attributes } = await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: keys.rateWindow(`${name}#${client}`, window),
      UpdateExpression: 'ADD #n :one SET expiresAt = if_not_exists(expiresAt, :exp)',
      ExpressionAttributeNames: { '#n': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':exp': Math.floor(windowStart / 1000) + 120 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  if (Number(Attributes?.count ?? 0) > limit)
    throw new RateLimitedError(Math.max(1, Math.ceil((windowStart + 60_000 - now.getTime()) / 1000)));
}
