import { republishUndelivered, type MessagePublisher } from '@cc/messaging';
import type { CaseService } from './cases';
import type { ServiceContext } from './context';
import type { FollowUpService } from './follow-ups';
import type { OpportunityService } from './opportunities';

/**
 * The sweeper's jobs, in the order one run does them (functions/sweeper.ts every minute in AWS, a timer in
 * the local runtime). Each job is safe to run again and concurrently with another sweeper.
 */
export function sweeperService(
  ctx: ServiceContext,
  deps: {
    publisher: MessagePublisher;
    followUps: FollowUpService;
    cases: CaseService;
    opportunities: OpportunityService;
  },
) {
  /**
   * One run: re-publish notifications still undelivered after the grace period, do the case follow-ups
   * that are due (ones the request that wrote them could not finish), then report cases past their
   * first-response or resolution deadline and overdue opportunity next steps.
   */
  async function runOnce(graceMs: number) {
    const { republished, failed } = await republishUndelivered(
      { store: ctx.store, publisher: deps.publisher, log: ctx.log, clock: ctx.clock },
      { graceMs },
    );
    const caseFollowUps = await deps.followUps.runDue(ctx.clock());
    const overdue = await deps.cases.notifyOverdue(ctx.clock());
    const overdueNextSteps = await deps.opportunities.notifyOverdueNextSteps(ctx.clock());
    return {
      republished,
      failed,
      caseFollowUps,
      overdueResponses: overdue.response,
      overdueResolutions: overdue.resolution,
      overdueNextSteps,
    };
  }

  return { runOnce };
}

export type SweeperService = ReturnType<typeof sweeperService>;
