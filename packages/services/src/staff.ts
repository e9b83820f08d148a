import { mayBeAssigned, ValidationError, type AssignmentSlot, type Caller } from '@cc/core';
import { isActiveUser, userRepository } from '@cc/store';
import type { ServiceContext } from './context';

/** How long a user's role, branch and active flag are trusted before the users table is read again. */
export const STAFF_DIRECTORY_TTL_MS = 30_000;

/**
 * The staff directory (the users table): who a token's subject is now, and whether a user may be given a customer,
 * an opportunity or a team seat. Disabling or demoting a user reaches every request within STAFF_DIRECTORY_TTL_MS
 * (plus the token verifier's minute for the signature check, which does not carry role or branch).
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

  /**
   * Refuses (400 `assignment.invalid`, one issue per id) any of `ids` who is not an active user of a role that `slot`
   * takes, in `branchId`.
   */
  async function assertAssignable(
    ids: readonly string[],
    slot: AssignmentSlot,
    branchId: string,
    pathOf: (id: string) => string,
  ): Promise<void> {
    if (ids.length === 0) return;
    const found = await users.getMany([...ids]);
    const issues = [...new Set(ids)]
      .filter((id) => !mayBeAssigned(found.get(id), slot, branchId))
      .map((id) => ({ path: pathOf(id), message: `${id} is not an active ${slotNames[slot]} of branch ${branchId}` }));
    if (issues.length) throw new ValidationError('These users cannot be assigned here', issues, 'assignment.invalid');
  }

  return { callerFor, assertAssignable };
}

const slotNames: Record<AssignmentSlot, string> = {
  customerManager: 'manager or supervisor',
  opportunityOwner: 'manager or supervisor',
  opportunityCollaborator: 'manager or supervisor',
  teamMember: 'manager or supervisor',
};

export type StaffDirectory = ReturnType<typeof staffDirectory>;
