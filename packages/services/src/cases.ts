import {
  assertCaseTransition,
  classificationFields,
  classificationIssues,
  caseRelations,
  ConflictError,
  excerptOf,
  ForbiddenError,
  isOpen,
  isReopening,
  mayOnCase,
  mayOnCustomer,
  needsOutcome,
  NotFoundError,
  ValidationError,
  type Actor,
  actorOf,
  type Caller,
  type Case,
  type CaseAssignInput,
  type CasePatchInput,
  type CaseStatus,
  type DeadlineKind,
} from '@cc/core';
import {
  caseRepository,
  customerRepository,
  userRepository,
  type CaseFilter,
  type CaseHistoryEntry,
  type CaseList,
} from '@cc/store';
import { assertAssignable } from './assignees';
import type { ServiceContext } from './context';
import type { CustomerMessageService } from './customer-messages';
import type { NoticeService, NotificationDraft } from './notices';
import {
  aboutCase,
  changeItems,
  commitCase,
  moved,
  staleCase,
  statusHistory,
  withDeadlines,
  type HistoryChange,
} from './case-changes';
import type { CaseAccess } from './case-access';
import type { CaseMessages } from './case-messages';
import type { CaseOpening } from './case-opening';

/**
 * Which cases a caller asks for: one customer's, their own (`mine`), those of the customers they manage
 * (`my-customers`), or (supervisors) the branch queue or the whole branch; narrowed by status, type, escalation
 * or a missed deadline.
 */
export interface CaseListQuery extends Omit<CaseFilter, 'overdue'> {
  customerId?: string;
  /** The older spelling of `scope=mine` and `scope=queue`. */
  owner?: 'me' | 'queue';
  scope?: 'mine' | 'my-customers' | 'queue' | 'branch';
  overdue?: DeadlineKind;
}

/** The customer hears the outcome once: when the case is resolved, or closed without having been resolved first. */
const reachesOutcome = (from: CaseStatus, to: CaseStatus) =>
  from !== to && (to === 'resolved' || (to === 'closed' && from !== 'resolved'));

/**
 * A case as staff work it: read, edited and reclassified, moved through its states, assigned, deleted and restored,
 * listed; with opening and messages (case-opening.ts, case-messages.ts) under the same name for the routes.
 */
export function caseService(
  ctx: ServiceContext,
  deps: {
    notices: NoticeService;
    messages: CustomerMessageService;
    access: CaseAccess;
    opening: CaseOpening;
    caseMessages: CaseMessages;
  },
) {
  const repo = caseRepository(ctx.store);
  const customers = customerRepository(ctx.store);
  const users = userRepository(ctx.store);
  const { notices, messages, access, opening, caseMessages } = deps;
  const { loadWith, load, assertMay } = access;

  const get = (caller: Caller, id: string): Promise<Case> => load(caller, id, 'read');

  async function history(caller: Caller, id: string): Promise<CaseHistoryEntry[]> {
    await load(caller, id, 'read');
    return repo.history(id);
  }

  /**
   * The patch applied to the case: fields set (null removes one), a complaint loses its inquiry subject, a new
   * priority brings new deadlines. Returns the edited case and what changed, from and to.
   */
  function edit(before: Case, fields: Omit<CasePatchInput, 'status' | 'note'>) {
    const wanted: Record<string, unknown> = { ...fields };
    if (fields.type === 'complaint' && fields.subject === undefined && before.subject) wanted.subject = null;
    const edited: Record<string, unknown> = { ...before };
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [key, value] of Object.entries(wanted)) {
      const from = edited[key];
      if (value === null ? from === undefined : from === value) continue;
      changes[key] = { from: from ?? null, to: value };
      if (value === null) delete edited[key];
      else edited[key] = value;
    }
    const after = edited as unknown as Case;
    return { after: changes.priority ? withDeadlines(ctx, after) : after, changes };
  }

  /**
   * Edits fields (type, subject, product code and category reclassify the case) and/or moves the status, as one
   * versioned write with its history. Resolving and closing need the outcome note; a resolved or closed case moved
   * back to work is reopened.
   */
  async function update(caller: Caller, id: string, patch: CasePatchInput, expectedVersion?: number): Promise<Case> {
    const { c: stored, relations } = await loadWith(caller, id, 'full');
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const now = ctx.clock();
    const at = now.toISOString();
    const { status, note, ...fields } = patch;
    const { after: edited, changes } = edit(before, fields);
    const reclassified = Object.keys(changes).filter((k) => (classificationFields as readonly string[]).includes(k));
    const updated = Object.keys(changes).filter((k) => !reclassified.includes(k));
    if (reclassified.length) {
      assertMay(caller, 'reclassify', relations, 'You may not reclassify this case');
      if (before.status === 'converted') {
        throw new ConflictError(
          'case.converted',
          `Case ${id} became opportunity ${before.opportunityId}; it stays as is`,
        );
      }
      const issues = classificationIssues(edited);
      if (issues.length) throw new ValidationError('The case would not be classified consistently', issues);
    }
    const history: HistoryChange[] = [];
    if (reclassified.length) {
      history.push({ action: 'reclassified', changes: Object.fromEntries(reclassified.map((k) => [k, changes[k]])) });
    }
    if (updated.length) {
      history.push({
        action: 'updated',
        changes: Object.fromEntries(updated.map((k) => [k, changes[k]!.to])),
        ...(note && !status && { note }),
      });
    }
    let after: Case = { ...edited, version: before.version + 1, updatedAt: at };
    if (status && status !== before.status) {
      assertCaseTransition(before.status, status);
      if (needsOutcome(status) && !note) {
        throw new ValidationError(`Say how the case ended: ${status} needs an outcome note`, [
          { path: 'note', message: 'the outcome is required' },
        ]);
      }
      if (isReopening(before.status, status)) assertMay(caller, 'reopen', relations, 'You may not reopen this case');
      after = { ...moved(ctx, after, status, note, at), version: after.version, updatedAt: at };
      history.push(statusHistory(before.status, status, note));
    }
    if (history.length === 0) {
      // Nothing changes: a stale If-Match is still stale, and a note alone belongs on the notes route.
      if (expectedVersion !== undefined && expectedVersion !== stored.version) throw staleCase(id);
      if (note) {
        throw new ValidationError('A note alone changes nothing here; add it with POST /cases/{id}/notes', [
          { path: 'note', message: 'nothing else changes' },
        ]);
      }
      return stored;
    }
    const actor: Actor = { kind: 'user', id: caller.userId };
    const writes = changeItems(ctx, before, after, actor, history);
    const outcome = reachesOutcome(before.status, after.status)
      ? await messages.plan({ purpose: 'outcome', case: after, actor }, now)
      : undefined;
    await commitCase(ctx, [...writes, ...(outcome?.items ?? [])], id);
    await notices.publish(outcome?.publish ?? []);
    return after;
  }

  /**
   * Gives the case to another user of its branch (a manager or supervisor): the branch's supervisors, or its
   * owner to a colleague. The new owner is told, and so is the previous one when someone else moved it.
   */
  async function assign(caller: Caller, id: string, input: CaseAssignInput, expectedVersion?: number): Promise<Case> {
    const { c: stored, relations } = await loadWith(caller, id, 'read');
    if (stored.deleted) throw new NotFoundError('case', id);
    assertMay(caller, 'assign', relations, "Only the branch's supervisors, or the case's owner, assign a case");
    if (!isOpen(stored.status) && stored.status !== 'resolved') {
      throw new ConflictError('case.finished', `Case ${id} is ${stored.status}; reopen it before assigning it`);
    }
    if (expectedVersion !== undefined && expectedVersion !== stored.version) throw staleCase(id);
    if (stored.ownerId === input.ownerId) return stored;
    await assertAssignable(users, [{ id: input.ownerId, path: 'ownerId' }], stored.branchId, 'case.assignee_invalid');
    const now = ctx.clock();
    const after: Case = {
      ...stored,
      ownerId: input.ownerId,
      version: stored.version + 1,
      updatedAt: now.toISOString(),
    };
    const drafts: NotificationDraft[] = [
      {
        recipientId: input.ownerId,
        kind: 'case_assigned' as const,
        title: `Case ${id} is now yours: ${stored.title}`,
        excerpt: excerptOf(`${caller.userId} assigned it to you. Reason: ${input.reason}`),
        ...aboutCase(stored),
      },
      ...(stored.ownerId
        ? [
            {
              recipientId: stored.ownerId,
              kind: 'case_assigned' as const,
              title: `Case ${id} moved to ${input.ownerId}: ${stored.title}`,
              excerpt: excerptOf(`${caller.userId} assigned it to ${input.ownerId}. Reason: ${input.reason}`),
              ...aboutCase(stored),
            },
          ]
        : []),
    ].filter((d) => d.recipientId !== caller.userId);
    const { notifications, items } = notices.draft(drafts, now);
    const assigned: HistoryChange = {
      action: 'assigned',
      note: input.reason,
      changes: { ownerId: { from: stored.ownerId, to: input.ownerId } },
    };
    await commitCase(ctx, [...changeItems(ctx, stored, after, actorOf(caller), [assigned]), ...items], id);
    await notices.publish(notifications);
    return after;
  }

  /**
   * Soft delete, with the reason: the case leaves every list and the customer's open cases, and stays restorable
   * by an admin. Its owner is told when someone else deleted it.
   */
  async function remove(caller: Caller, id: string, reason: string, expectedVersion?: number): Promise<void> {
    if (!reason.trim())
      throw new ValidationError('Say why the case is deleted', [{ path: 'reason', message: 'required' }]);
    const stored = await load(caller, id, 'full');
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const now = ctx.clock();
    const after: Case = { ...before, deleted: true, version: before.version + 1, updatedAt: now.toISOString() };
    const { notifications, items } = notices.draft(
      stored.ownerId && stored.ownerId !== caller.userId
        ? [
            {
              recipientId: stored.ownerId,
              kind: 'case_deleted',
              title: `Case ${id} was deleted by ${caller.userId}: ${stored.title}`,
              excerpt: excerptOf(`Reason: ${reason}`),
              ...aboutCase(stored),
            },
          ]
        : [],
      now,
    );
    const deleted: HistoryChange = { action: 'deleted', note: reason };
    await commitCase(ctx, [...changeItems(ctx, before, after, actorOf(caller), [deleted]), ...items], id);
    await notices.publish(notifications);
  }

  async function restore(caller: Caller, id: string, reason?: string): Promise<Case> {
    const before = await repo.get(id, true);
    if (!before || !mayOnCase(caller, 'readDeleted', caseRelations(caller, before)))
      throw new NotFoundError('case', id);
    if (!before.deleted) throw new ConflictError('case.not_deleted', `Case ${id} is not deleted`);
    const after: Case = {
      ...before,
      deleted: false,
      version: before.version + 1,
      updatedAt: ctx.clock().toISOString(),
    };
    const restored: HistoryChange = { action: 'restored', ...(reason && { note: reason }) };
    await commitCase(ctx, changeItems(ctx, before, after, { kind: 'user', id: caller.userId }, [restored]), id);
    return after;
  }

  /** Which list the caller reads: a customer's cases (in scope), their own, their customers', the queue or branch. */
  async function listFor(caller: Caller, query: CaseListQuery): Promise<CaseList> {
    if (query.customerId) {
      const customer = await customers.get(query.customerId);
      if (!customer || !mayOnCustomer(caller, 'read', customer)) throw new NotFoundError('customer', query.customerId);
      return { by: 'customer', customerId: customer.id };
    }
    const scope = query.scope ?? (query.owner === 'me' ? 'mine' : query.owner === 'queue' ? 'queue' : undefined);
    if (scope === 'my-customers') {
      assertMay(caller, 'listMyCustomers', [], "Agents list one customer's cases");
      // Open ones unless a finished status is asked for.
      return { by: 'managed', managerId: caller.userId, open: !query.status || isOpen(query.status) };
    }
    if (scope === 'queue' || scope === 'branch') {
      if (!mayOnCase(caller, 'listBranch', ['branch'])) {
        throw new ForbiddenError("Only supervisors and admins read the branch's queue and cases", 'case.forbidden');
      }
      return { by: scope, branchId: caller.branchId };
    }
    if (scope === 'mine' || caller.role === 'manager') return { by: 'owner', ownerId: caller.userId };
    if (caller.role === 'agent') {
      throw new ValidationError('Agents list the cases of one customer', [{ path: 'customerId', message: 'required' }]);
    }
    return { by: 'branch', branchId: caller.branchId };
  }

  async function list(
    caller: Caller,
    query: CaseListQuery,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ) {
    const target = await listFor(caller, query);
    const filter: CaseFilter = {
      status: query.status,
      type: query.type,
      escalated: query.escalated,
      ...(query.overdue && { overdue: { kind: query.overdue, now: ctx.clock().toISOString() } }),
    };
    return repo.list(target, filter, startKey, limit);
  }

  /** A case the caller may work, or may read only (agents), for another service's change to it. */
  const loadFor = load;

  return {
    ...opening,
    ...caseMessages,
    get,
    history,
    update,
    assign,
    remove,
    restore,
    list,
    loadFor,
    loadToReply: access.loadToReply,
    /** The branch's supervisors, who hear of queued and escalated cases. */
    branchSupervisors: access.supervisorsOf,
  };
}

export type CaseService = ReturnType<typeof caseService>;
