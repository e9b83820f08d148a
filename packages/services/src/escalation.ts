import { ConflictError, excerptOf, NotFoundError, type Case } from '@cc/core';
import { CASE_LABEL, caseRepository, transact, TransactionRefused } from '@cc/store';
import type { ServiceContext } from './context';
import { aboutCase, escalationChange, staleCase, type CaseService } from './cases';
import type { NoticeService } from './notices';

/** What a recorded contact says about escalation: set when it brought the unresolved count to the threshold. */
export interface EscalationSignal {
  escalate?: { customerId: string; unresolvedContacts: number };
}

const MAX_ATTEMPTS = 3;

/**
 * Repeated unresolved contact escalates (the seeds: a customer who has called five times without a
 * resolution is likely lost). The contact recorder counts each customer's inbound contacts while a case is
 * open; when a contact brings the count to ESCALATE_AFTER_CONTACTS, the customer's newest open case becomes
 * urgent and the branch's supervisors and the case's owner are told.
 */
export function escalationService(ctx: ServiceContext, deps: { cases: CaseService; notices: NoticeService }) {
  const repo = caseRepository(ctx.store);
  const { cases, notices } = deps;

  /** Escalates one case; a case already escalated is returned unchanged. */
  async function escalate(caseId: string, reason: string): Promise<Case> {
    for (let attempt = 1; ; attempt++) {
      const before = await repo.get(caseId, true);
      if (!before || before.deleted) throw new NotFoundError('case', caseId);
      if (before.escalated) return before;
      const now = ctx.clock();
      const { after, items } = escalationChange(ctx, before, reason);
      const recipients = [
        ...(await cases.branchSupervisors(before.branchId)),
        ...(before.ownerId ? [before.ownerId] : []),
      ];
      const { notifications, items: noticeItems } = notices.draft(
        recipients.map((recipientId) => ({
          recipientId,
          kind: 'case_escalated',
          title: `Escalated: ${before.id} ${before.title}`,
          excerpt: excerptOf(reason),
          ...aboutCase(before),
        })),
        now,
      );
      try {
        await transact(ctx.store, [...items, ...noticeItems]);
      } catch (error) {
        // The case changed between the read and the write: read it again and judge afresh.
        const raced = error instanceof TransactionRefused && error.failedLabels.includes(CASE_LABEL);
        if ((raced || error instanceof ConflictError) && attempt < MAX_ATTEMPTS) continue;
        throw raced ? staleCase(caseId) : error;
      }
      await notices.publish(notifications);
      return after;
    }
  }

  /**
   * After a contact committed: escalates the customer's newest open case when the contact reached the
   * threshold. A failure is logged and does not undo the contact.
   */
  async function afterContact(recorded: EscalationSignal): Promise<void> {
    const due = recorded.escalate;
    if (!due) return;
    const [newest] = await repo.openCaseIds(due.customerId);
    if (!newest) return;
    try {
      await escalate(newest, `${due.unresolvedContacts} contacts without resolution`);
    } catch (error) {
      ctx.log.error('escalation failed', {
        customerId: due.customerId,
        caseId: newest,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  return { escalate, afterContact };
}

export type EscalationService = ReturnType<typeof escalationService>;
