import type { Context } from 'hono';
import { ValidationError } from '@cc/core';
import { fingerprintOf, type IdempotencyClaim, type StoredResponse } from '@cc/store';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const KEEP_SECONDS = 24 * 60 * 60;

/** The claim for a creating POST that sent `Idempotency-Key`, scoped to who is asking and what. */
export function idempotencyClaim(c: Context, scope: string, request: unknown, now: Date): IdempotencyClaim | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1–255 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'invalid' },
    ]);
  }
  return {
    scope,
    key,
    fingerprint: fingerprintOf(c.req.method, c.req.path, request),
    expiresAt: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
  };
}

/** Sends a stored (or fresh) response; replays say so in a header. */
export function sendStored(
  c: Context,
  result: { response: StoredResponse; replayed: boolean },
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(result.response.body), {
    status: result.response.status,
    headers: {
      'content-type': 'application/json',
      ...(result.replayed && { 'idempotent-replayed': 'true' }),
      ...headers,
    },
  });
}
