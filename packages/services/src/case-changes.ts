import {
  assertCaseTransition,
  caseDeadlines,
  ConflictError,
  isReopening,
  needsOutcome,
  type Actor,
  type Caller,
  type Case,
  type CaseDeadlinePolicy,
  type CaseOrigin,
  type CaseStatus,
} from '@cc/core';
import {
  CASE_LABEL,
  caseDerivedItems,
  caseHistoryItem,
  isDuplicateClaim,
  PUBLIC_REFERENCE_LABEL,
  savedCaseItem,
  transact,
  TransactionRefused,
  type CaseHistoryEntry,
  type CaseMessage,
  type LabelledItem,
} from '@cc/store';
import type { ServiceContext } from './context';

/*
 * How a change to a case is written, whichever workflow makes it: the case at its version, its history lines and
 * what follows from its state, in one transaction; and who the change is by.
 */

/** Who registers a case: a signed-in user, or a channel acting for the customer (web form, SMS, email, imports). */
export type CaseCreator = { caller: Caller } | { channel: CaseOrigin; externalId?: string; branchId?: string };

export type HistoryChange = Omit<CaseHistoryEntry, 'id' | 'caseId' | 'at' | 'actor'>;

/** A new message on case `caseId`, written at `at` (its id is drawn for that time). */
export const caseMessageAt = (
  ctx: ServiceContext,
  caseId: string,
  at: string,
  fields: Omit<CaseMessage, 'id' | 'caseId' | 'at'>,
): CaseMessage => ({ id: ctx.newId(Date.parse(at)), caseId, at, ...fields });

/** The deadlines by priority, from the settings. */
export const deadlinePolicyOf = (ctx: ServiceContext): CaseDeadlinePolicy => ({
  response: ctx.settings.CASE_RESPOND_WITHIN_HOURS,
  resolution: ctx.settings.CASE_RESOLVE_WITHIN_HOURS,
});

export const withDeadlines = (ctx: ServiceContext, c: Case): Case => ({
  ...c,
  ...caseDeadlines(c, deadlinePolicyOf(ctx)),
});

export const isImport = (origin: CaseOrigin) => origin === 'call_center_import' || origin === 'online_banking_import';

export const creatorActor = (creator: CaseCreator): Actor =>
  'caller' in creator
    ? { kind: 'user', id: creator.caller.userId }
    : isImport(creator.channel)
      ? { kind: 'system', id: creator.channel }
      : { kind: 'customer', channel: creator.channel };

export const aboutCase = (c: Case) => ({
  customerId: c.customerId ?? undefined,
  customerNumber: c.customerNumber,
  customerName: c.customerName,
  caseId: c.id,
});

/**
 * The writes of one change to a case: the case itself (if still at `before.version`), its history, and what
 * follows from its state (manager copies, the open-case mirror and counter, the deadline watches).
 */
export function changeItems(
  ctx: ServiceContext,
  before: Case,
  after: Case,
  actor: Actor,
  history: HistoryChange[],
): LabelledItem[] {
  return [
    savedCaseItem(ctx.store, after, before.version),
    ...history.map((h) =>
      caseHistoryItem(ctx.store, { id: ctx.newId(), caseId: after.id, at: after.updatedAt, actor, ...h }),
    ),
    ...caseDerivedItems(ctx.store, before, after),
  ];
}

/**
 * The case moved to `to` at `at`: resolving or closing keeps the outcome note and its time; reopening starts a
 * new resolution period (and deadline).
 */
export function moved(ctx: ServiceContext, before: Case, to: CaseStatus, note: string | undefined, at: string): Case {
  const after: Case = { ...before, status: to };
  if (needsOutcome(to)) {
    if (note) after.outcome = note;
    if (to === 'resolved') after.resolvedAt = at;
    else after.closedAt = at;
  }
  return isReopening(before.status, to) ? withDeadlines(ctx, { ...after, reopenedAt: at }) : after;
}

export const statusHistory = (from: CaseStatus, to: CaseStatus, note: string | undefined): HistoryChange => ({
  action: isReopening(from, to) ? 'reopened' : 'status_changed',
  from,
  to,
  ...(note && { note }),
});

/**
 * A status change as transaction items, for callers that must commit it with their own writes
 * (e.g. converting an inquiry into an opportunity). Throws InvalidTransitionError for an illegal move.
 */
export function statusChange(
  ctx: ServiceContext,
  before: Case,
  to: CaseStatus,
  actor: Actor,
  note: string | undefined,
  extra: Partial<Pick<Case, 'opportunityId' | 'priority' | 'escalated'>> = {},
): { after: Case; items: LabelledItem[] } {
  assertCaseTransition(before.status, to);
  const at = ctx.clock().toISOString();
  const after: Case = {
    ...moved(ctx, { ...before, ...extra }, to, note, at),
    version: before.version + 1,
    updatedAt: at,
  };
  return { after, items: changeItems(ctx, before, after, actor, [statusHistory(before.status, to, note)]) };
}

/** Escalation as a change to the case: urgent (its deadlines recomputed), flagged, with its history line. */
export function escalationChange(
  ctx: ServiceContext,
  before: Case,
  reason: string,
): { after: Case; items: LabelledItem[] } {
  const after: Case = withDeadlines(ctx, {
    ...before,
    escalated: true,
    priority: 'urgent',
    version: before.version + 1,
    updatedAt: ctx.clock().toISOString(),
  });
  const history: HistoryChange = { action: 'escalated', note: reason, changes: { priority: 'urgent' } };
  return { after, items: changeItems(ctx, before, after, { kind: 'system', id: 'escalation' }, [history]) };
}

export const staleCase = (id: string) =>
  new ConflictError('case.stale', `Case ${id} was changed by someone else; reload and retry`);

/** Translates a refused case write; an idempotency duplicate passes through for withIdempotency. */
function refused(error: unknown, id: string): unknown {
  if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
    if (error.failedLabels.includes(CASE_LABEL)) return staleCase(id);
    // Two cases drew the same 40-bit reference: vanishingly rare, and a retry draws another.
    if (error.failedLabels.includes(PUBLIC_REFERENCE_LABEL))
      return new ConflictError('case.reference_clash', 'Could not register the case just now; retry');
  }
  return error;
}

/** Commits a case's writes; a refusal on the case is a stale version (409), a reference clash asks for a retry. */
export async function commitCase(ctx: ServiceContext, items: LabelledItem[], id: string): Promise<void> {
  try {
    await transact(ctx.store, items);
  } catch (error) {
    throw refused(error, id);
  }
}
