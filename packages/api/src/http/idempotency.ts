import type { Context } from 'hono';
import { ValidationError } from '@cc/core';
import { requestClaim } from '@cc/services';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The claim for a creating request that sent `Idempotency-Key`, scoped to who is asking and what. */
export function idempotencyClaim(c: Context, scope: string, request: unknown, now: Date) {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1–255 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'invalid' },
    ]);
  }
  return requestClaim(scope, key, [c.req.method, c.req.path, request], now);
}

/** Replays say so in a header. */
export const replayHeaders = (replayed: boolean): Record<string, string> =>
  replayed ? { 'idempotent-replayed': 'true' } : {};
