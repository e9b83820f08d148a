import {
  caseAccessNeedsCustomer,
  caseRelations,
  ForbiddenError,
  mayOnCase,
  NotFoundError,
  type Caller,
  type Case,
  type CaseAction,
  type CaseRelation,
} from '@cc/core';
import { caseRepository, customerRepository, userRepository } from '@cc/store';
import type { ServiceContext } from './context';

/**
 * Who may see and work a case: the caller's relations to it (owner, manager of its customer, branch), the case
 * loaded only for those who may (404 for anyone else), and the branch's supervisors, who hear of what has no owner.
 */
export function caseAccess(ctx: ServiceContext) {
  const repo = caseRepository(ctx.store);
  const customers = customerRepository(ctx.store);
  const users = userRepository(ctx.store);

  /**
   * The caller's relations to the case: its owner, a manager of its customer (as the case records it, or as the
   * customer is now for managers, in case the case has not followed yet), or a supervisor/admin of its branch.
   */
  async function relationsTo(caller: Caller, c: Case): Promise<CaseRelation[]> {
    const relations = caseRelations(caller, c);
    if (mayOnCase(caller, 'work', relations) || !c.customerId || !caseAccessNeedsCustomer(caller)) return relations;
    return caseRelations(caller, c, await customers.get(c.customerId));
  }

  /** The case and the caller's relations to it; 404 unless the caller may read it (`need: 'full'`: work it). */
  async function loadWith(
    caller: Caller,
    id: string,
    need: 'full' | 'read',
  ): Promise<{ c: Case; relations: CaseRelation[] }> {
    const c = await repo.get(id, true);
    // A deleted case is read (and restored) by the admins of its branch only, and worked by no one.
    if (c?.deleted && need === 'read' && mayOnCase(caller, 'readDeleted', caseRelations(caller, c)))
      return { c, relations: [] };
    const relations = c && !c.deleted ? await relationsTo(caller, c) : [];
    if (!c || c.deleted || !mayOnCase(caller, need === 'full' ? 'work' : 'read', relations)) {
      throw new NotFoundError('case', id);
    }
    return { c, relations };
  }

  const load = async (caller: Caller, id: string, need: 'full' | 'read'): Promise<Case> =>
    (await loadWith(caller, id, need)).c;

  const assertMay = (caller: Caller, action: CaseAction, relations: CaseRelation[], message: string) => {
    if (!mayOnCase(caller, action, relations)) throw new ForbiddenError(message, 'case.forbidden');
  };

  async function supervisorsOf(branchId: string): Promise<string[]> {
    return (await users.listByBranch(branchId, 'supervisor')).map((u) => u.id);
  }

  /** A live case the caller may write to the customer from; a 404 otherwise. */
  async function loadToReply(caller: Caller, id: string): Promise<Case> {
    const c = await repo.get(id, true);
    if (!c || c.deleted || !mayOnCase(caller, 'reply', await relationsTo(caller, c)))
      throw new NotFoundError('case', id);
    return c;
  }

  return { relationsTo, loadWith, load, assertMay, supervisorsOf, loadToReply };
}

export type CaseAccess = ReturnType<typeof caseAccess>;
