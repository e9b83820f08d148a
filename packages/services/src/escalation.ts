import { ConflictError, excerptOf, NotFoundError, type Case } from '@cc/core';
import { CASE_LABEL, caseRepository, transact, TransactionRefused, type LabelledItem } from '@cc/store';
import type { ServiceContext } from './context';
import { aboutCase, escalationChange, staleCase } from './case-changes';
import type { CaseAccess } from './case-access';
import type { NoticeService } from './notices';

const MAX_ATTEMPTS = 3;

/**
 * Repeated unresolved contact escalates (the seeds: a customer who has called five times without a
 * resolution is likely lost). The contact recorder counts each customer's inbound contacts while a case is
 * open; a contact that brings the count to ESCALATE_AFTER_CONTACTS writes an escalation follow-up with itself,
 * done at once or by the sweeper: the customer's newest open case becomes urgent and the branch's supervisors
 * and the case's owner are told.
 */
export function escalationService(ctx: ServiceContext, deps: { access: CaseAccess; notices: NoticeService }) {
  const repo = caseRepository(ctx.store);
  const { access, notices } = deps;

  /**
   * Escalates one case; a case already escalated is returned unchanged. `alsoWrite` commits with the escalation
   * (or alone, when there is nothing to escalate): the end of the follow-up that asked for it.
   */
  async function escalate(caseId: string, reason: string, alsoWrite: LabelledItem[] = []): Promise<Case> {
    for (let attempt = 1; ; attempt++) {
      const before = await repo.get(caseId, true);
      if (!before || before.deleted) throw new NotFoundError('case', caseId);
      if (before.escalated) {
        if (alsoWrite.length) await transact(ctx.store, alsoWrite);
        return before;
      }
      const now = ctx.clock();
      const { after, items } = escalationChange(ctx, before, reason);
      const recipients = [
        ...(await access.supervisorsOf(before.branchId)),
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
        await transact(ctx.store, [...items, ...noticeItems, ...alsoWrite]);
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

  /** The escalation follow-up's work: the customer's newest open case, if one is still open. */
  async function escalateNewest(customerId: string, reason: string, alsoWrite: LabelledItem[]): Promise<void> {
    const [newest] = await repo.openCaseIds(customerId);
    if (newest) await escalate(newest, reason, alsoWrite);
    else await transact(ctx.store, alsoWrite);
  }

  return { escalate, escalateNewest };
}

export type EscalationService = ReturnType<typeof escalationService>;
