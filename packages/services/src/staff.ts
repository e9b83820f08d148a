import type { Caller } from '@cc/core';
import { isActiveUser, userRepository } from '@cc/store';
import type { ServiceContext } from './context';

/** How long a user's role, branch and active flag are trusted before the users table is read again. */
export const STAFF_DIRECTORY_TTL_MS = 30_000;

/**
 * The staff directory (the users table): who a token's subject is now. Disabling or demoting a user reaches every
 * request within STAFF_DIRECTORY_TTL_MS (the token verifier remembers only the signature check, never the role).
 */
export function staffDirectory(ctx: ServiceContext, options: { ttlMs?: number; maxEntries?: number } = {}) {
  const users = userRepository(ctx.store);
  const ttlMs = options.ttlMs ?? STAFF_DIRECTORY_TTL_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const known = new Map<string, { caller: Caller | undefined; until: number }>();

  /** The active user as a caller; undefined for an unknown or disabled user (remembered for the TTL as well). */
  async function callerFor(userId: string): Promise<Caller | undefined> {
    const at = ctx.clock().getTime();
    const hit = known.get(userId);
    if (hit && hit.until > at) return hit.caller;
    const user = await users.get(userId);
    const caller =
      user && isActiveUser(user) ? { userId: user.id, role: user.role, branchId: user.branchId } : undefined;
    known.delete(userId);
    if (known.size >= maxEntries) known.delete(known.keys().next().value!);
    known.set(userId, { caller, until: at + ttlMs });
    return caller;
  }

  return { callerFor };
}

export type StaffDirectory = ReturnType<typeof staffDirectory>;
