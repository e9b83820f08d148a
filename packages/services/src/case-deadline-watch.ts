import { excerptOf, metricNames, watchedDeadlines, type Actor, type Case, type DeadlineKind } from '@cc/core';
import { CASE_LABEL, caseRepository, deadlineWatchEnd, transact, TransactionRefused } from '@cc/store';
import type { ServiceContext } from './context';
import type { NoticeService } from './notices';
import { aboutCase, changeItems, type HistoryChange } from './case-changes';
import type { CaseAccess } from './case-access';

/** Overdue deadlines reported per query of the sweeper. */
const DEADLINES_BATCH = 100;

/** The sweeper's watch over the cases' first-response and resolution deadlines. */
export function caseDeadlineWatch(ctx: ServiceContext, deps: { notices: NoticeService; access: CaseAccess }) {
  const repo = caseRepository(ctx.store);
  const { notices, access } = deps;

  /**
   * The sweeper's part of "act within 24–48 hours" and "resolve in time": each case past a watched deadline is
   * reported once to the branch's supervisors and its owner, and the breach is kept on the case with a history
   * line (`response_overdue`, `resolution_overdue`). The case write is version-checked, so concurrent sweeps
   * report a case once, and a case acted on meanwhile is judged afresh.
   */
  async function notifyOverdue(now: Date): Promise<Record<DeadlineKind, number>> {
    return {
      response: await reportDue('response', now),
      resolution: await reportDue('resolution', now),
    };
  }

  async function reportDue(kind: DeadlineKind, now: Date): Promise<number> {
    let reported = 0;
    for (;;) {
      const due = await repo.listDeadlinesDue(kind, now, DEADLINES_BATCH);
      let progressed = false;
      for (const { caseId } of due) {
        const outcome = await reportOverdue(kind, caseId, now);
        if (outcome !== 'taken') progressed = true;
        if (outcome === 'reported') reported++;
      }
      if (due.length < DEADLINES_BATCH || !progressed) return reported;
    }
  }

  async function reportOverdue(kind: DeadlineKind, caseId: string, now: Date): Promise<'reported' | 'ended' | 'taken'> {
    const c = await repo.get(caseId, true);
    const dueAt = c && watchedDeadlines(c)[kind];
    try {
      if (!c || !dueAt) {
        // A watch left behind by a case no longer waiting is just ended.
        await transact(ctx.store, [deadlineWatchEnd(ctx.store, caseId, kind, true)]);
        return 'ended';
      }
      if (Date.parse(dueAt) >= now.getTime()) return 'taken';
      const at = now.toISOString();
      const after: Case = {
        ...c,
        breaches: [...(c.breaches ?? []), { kind, dueAt, reportedAt: at }],
        version: c.version + 1,
        updatedAt: at,
      };
      const what = kind === 'response' ? 'No response yet' : 'Not resolved in time';
      const recipients = [...new Set([...(await access.supervisorsOf(c.branchId)), ...(c.ownerId ? [c.ownerId] : [])])];
      const { notifications, items } = notices.draft(
        recipients.map((recipientId) => ({
          recipientId,
          kind: kind === 'response' ? 'case_response_overdue' : 'case_resolution_overdue',
          title: `${what}: ${c.id} ${c.title}`,
          excerpt: excerptOf(`Due by ${dueAt}, still ${c.status}. ${c.description}`),
          ...aboutCase(c),
        })),
        now,
      );
      const breach: HistoryChange = {
        action: kind === 'response' ? 'response_overdue' : 'resolution_overdue',
        note: `not ${kind === 'response' ? 'acted on' : 'resolved'} by ${dueAt}`,
        changes: { dueAt, priority: c.priority },
      };
      const actor: Actor = { kind: 'system', id: `${kind}-watch` };
      await transact(ctx.store, [...changeItems(ctx, c, after, actor, [breach]), ...items]);
      ctx.log.metric(metricNames.slaBreaches);
      await notices.publish(notifications);
      return 'reported';
    } catch (error) {
      if (
        error instanceof TransactionRefused &&
        error.failedLabels.some((l) => l === CASE_LABEL || l.endsWith('-watch'))
      )
        return 'taken';
      throw error;
    }
  }

  return {
    notifyOverdue,
    /** The first-response part of `notifyOverdue`. */
    notifyOverdueResponses: (now: Date) => reportDue('response', now),
  };
}

export type CaseDeadlineWatch = ReturnType<typeof caseDeadlineWatch>;
