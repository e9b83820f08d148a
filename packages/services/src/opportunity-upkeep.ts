import { ConflictError, metricNames, teamOf, type NotificationKind, type Opportunity } from '@cc/core';
import { opportunityRepository, savedOpportunityItems, userRepository, type LabelledItem } from '@cc/store';
import type { ServiceContext } from './context';
import type { NoticeService, NotificationDraft } from './notices';

/** Totals stop after this many items and say `truncated`. */
export const TOTALS_MAX_ITEMS = 5000;
const OVERDUE_BATCH = 100;

/** What the opportunity's team hears about it: one notice each for its owner, collaborators and supervisor. */
export function teamNotices(
  opp: Opportunity,
  kind: NotificationKind,
  title: string,
  excerpt: string,
  caseId?: string,
): NotificationDraft[] {
  return teamOf(opp).map((recipientId) => ({
    recipientId,
    kind,
    title,
    excerpt,
    opportunityId: opp.id,
    ...(caseId && { caseId }),
    ...(opp.customerId && {
      customerId: opp.customerId,
      customerNumber: opp.customerNumber,
      customerName: opp.customerName ?? opp.prospect?.name,
    }),
  }));
}

/**
 * The opportunities' upkeep that no user asks for: the sweeper's overdue next steps and the follow-up that refiles
 * opportunities under their owners' teams. Apart from the opportunity service, so the hosts that only keep
 * opportunities up (the sweeper) carry none of what opening one needs (prospect phone parsing among it).
 */
export function opportunityUpkeepService(ctx: ServiceContext, deps: { notices: NoticeService }) {
  const repo = opportunityRepository(ctx.store);
  const users = userRepository(ctx.store);
  const { notices } = deps;

  /**
   * Files every opportunity these users own (open or closed) under the team each is on now, so a team's pipeline
   * counts its members' opportunities from before they joined and none of those who left. Idempotent; `done`
   * (the follow-up doing this) commits at the end.
   */
  async function refileTeams(userIds: string[], done?: LabelledItem): Promise<number> {
    let refiled = 0;
    for (const userId of userIds) {
      const teamId = (await users.get(userId, true))?.teamId;
      const { items } = await repo.listAll({ kind: 'owner', ownerId: userId }, {}, TOTALS_MAX_ITEMS);
      for (const listed of items.filter((o) => o.teamId !== teamId)) {
        for (let attempt = 1; ; attempt++) {
          const opp = attempt === 1 ? listed : await repo.get(listed.id, true);
          if (!opp || opp.ownerId !== userId || opp.teamId === teamId) break;
          const { teamId: _old, ...rest } = opp;
          const after: Opportunity = { ...rest, ...(teamId && { teamId }), version: opp.version + 1 };
          try {
            await repo.write(savedOpportunityItems(ctx.store, opp.version, after));
            refiled++;
            break;
          } catch (error) {
            if (!(error instanceof ConflictError && error.code === 'opportunity.stale' && attempt < 3)) throw error;
          }
        }
      }
    }
    if (done) await repo.write([done]);
    return refiled;
  }

  /**
   * For the sweeper: tells each team once about every next step that is past due. Marking the step
   * reported (which also drops it from the due index) and the notices are one transaction with a
   * version condition, so two sweeps never both notify. Returns how many opportunities were reported.
   */
  async function notifyOverdueNextSteps(now: Date): Promise<number> {
    let reported = 0;
    for (;;) {
      const due = await repo.listOverdueNextSteps(now, OVERDUE_BATCH);
      let progressed = false;
      for (const opp of due) {
        if (await reportOverdue(opp, now)) {
          reported++;
          progressed = true;
        }
      }
      if (due.length < OVERDUE_BATCH || !progressed) return reported;
    }
  }

  async function reportOverdue(opp: Opportunity, now: Date): Promise<boolean> {
    if (!opp.nextStep) return false;
    const at = now.toISOString();
    const after: Opportunity = {
      ...opp,
      nextStep: { ...opp.nextStep, overdueNotifiedAt: at },
      version: opp.version + 1,
      updatedAt: at,
    };
    const { notifications, items } = notices.draft(
      teamNotices(
        opp,
        'opportunity_overdue',
        `Next step overdue: ${opp.title}`,
        `Due ${opp.nextStep.at}: ${opp.nextStep.description}`,
      ),
      now,
    );
    try {
      await repo.write([...savedOpportunityItems(ctx.store, opp.version, after), ...items]);
    } catch (error) {
      // Changed meanwhile (another sweep reported it, or a user moved the step): the index decides next time.
      if (error instanceof ConflictError && error.code === 'opportunity.stale') return false;
      throw error;
    }
    ctx.log.metric(metricNames.slaBreaches);
    await notices.publish(notifications);
    return true;
  }

  return { refileTeams, notifyOverdueNextSteps };
}

export type OpportunityUpkeep = ReturnType<typeof opportunityUpkeepService>;
