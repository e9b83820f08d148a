import { ValidationError, type Role } from '@cc/core';
import { isActiveUser, refusedAssignees, type LabelledItem, type User, type UserRepository } from '@cc/store';

/** Someone named to take work on: the user id and the request field that named them. */
export interface Nominee {
  id: string;
  path: string;
}

/** Who may own customers and cases: relationship managers and their supervisors. */
export const ASSIGNABLE_ROLES: readonly Role[] = ['manager', 'supervisor'];

/**
 * Refuses (400, `code`) any nominee who is not an active user of `branchId` in one of `roles`. The one check every
 * assignment makes (a case's owner, a customer's managers, an opportunity's owner and collaborators, a team's
 * members), so the rules for who can take work live here.
 */
export async function assertAssignable(
  users: UserRepository,
  nominees: readonly Nominee[],
  branchId: string,
  code: string,
  roles: readonly Role[] = ASSIGNABLE_ROLES,
): Promise<Map<string, User>> {
  const found = await users.getMany(nominees.map((n) => n.id));
  const refused = nominees.filter(({ id }) => {
    const user = found.get(id);
    return !user || !isActiveUser(user) || user.branchId !== branchId || !roles.includes(user.role);
  });
  if (refused.length) throw notAssignable(refused, branchId, code, roles);
  return found;
}

/** The same rule as conditions of the transaction that makes the assignment: no read before the write. */
export const assignableConditions = (
  users: UserRepository,
  nominees: readonly Nominee[],
  branchId: string,
  roles: readonly Role[] = ASSIGNABLE_ROLES,
): LabelledItem[] => [...new Set(nominees.map((n) => n.id))].map((id) => users.assignableCheck(id, branchId, roles));

/** When `assignableConditions` refused the transaction: the 400 `assertAssignable` would have thrown. */
export function assignmentRefusal(
  error: unknown,
  nominees: readonly Nominee[],
  branchId: string,
  code: string,
  roles: readonly Role[] = ASSIGNABLE_ROLES,
): ValidationError | undefined {
  const ids = new Set(refusedAssignees(error));
  const refused = nominees.filter(({ id }) => ids.has(id));
  return refused.length ? notAssignable(refused, branchId, code, roles) : undefined;
}

const notAssignable = (refused: readonly Nominee[], branchId: string, code: string, roles: readonly Role[]) =>
  new ValidationError(
    'Not someone who can take this on',
    refused.map(({ id, path }) => ({
      path,
      message: `${id} is not an active ${roles.join(' or ')} of branch ${branchId}`,
    })),
    code,
  );
