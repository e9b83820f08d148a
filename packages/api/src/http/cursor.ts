import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '@cc/core';

/**
 * Pagination cursors are an encoded LastEvaluatedKey plus an HMAC, so clients cannot read
 * or forge them, and a cursor minted for one list is refused by another (the `scope`).
 */
export interface CursorCodec {
  encode(key: Record<string, unknown> | undefined, scope: string): string | null;
  decode(cursor: string | undefined, scope: string): Record<string, unknown> | undefined;
  /** One page of a list: the client's cursor decoded for `scope`, the page fetched from there, the next cursor. */
  page<T>(
    cursor: string | undefined,
    scope: string,
    fetch: (startKey: Record<string, unknown> | undefined) => Promise<StoredPage<T>>,
  ): Promise<{ items: T[]; nextCursor: string | null }>;
}

/** A page as the services answer it: its items and the key to continue from (none on the last page). */
export interface StoredPage<T> {
  items: T[];
  lastKey?: Record<string, unknown>;
}

/**
 * `secrets`: one key, or the live versions of a rotating one (newest first): cursors are signed with the newest and
 * accepted under any, so a rotation does not break the lists clients are paging through.
 */
export function createCursorCodec(secrets: string | (() => readonly string[])): CursorCodec {
  const keys = typeof secrets === 'string' ? () => [secrets] : secrets;
  const sign = (secret: string, payload: string, scope: string) =>
    createHmac('sha256', secret).update(scope).update('\n').update(payload).digest().subarray(0, 16);
  const invalid = () =>
    new ValidationError(
      'The cursor is invalid or was issued for another list',
      [{ path: 'cursor', message: 'invalid cursor' }],
      'request.cursor_invalid',
    );

  const encode = (key: Record<string, unknown> | undefined, scope: string) => {
    if (!key) return null;
    const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
    return `${payload}.${sign(keys()[0]!, payload, scope).toString('base64url')}`;
  };
  const decode = (cursor: string | undefined, scope: string): Record<string, unknown> | undefined => {
    if (cursor === undefined || cursor === '') return undefined;
    const [payload, mac, extra] = cursor.split('.');
    if (!payload || !mac || extra !== undefined) throw invalid();
    const given = Buffer.from(mac, 'base64url');
    const signedWith = (secret: string) => {
      const expected = sign(secret, payload, scope);
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    if (!keys().some(signedWith)) throw invalid();
    try {
      const key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
      if (key === null || typeof key !== 'object' || Array.isArray(key)) throw invalid();
      return key as Record<string, unknown>;
    } catch {
      throw invalid();
    }
  };

  return {
    encode,
    decode,
    async page(cursor, scope, fetch) {
      const page = await fetch(decode(cursor, scope));
      return { items: page.items, nextCursor: encode(page.lastKey, scope) };
    },
  };
}
