import { republishUndelivered, type MessagePublisher } from '@cc/messaging';
import { timeLeftMs } from '@cc/store';
import type { CaseDeadlineWatch } from './case-deadline-watch';
import type { ServiceContext } from './context';
import type { FollowUpService } from './follow-ups';
import type { OpportunityUpkeep } from './opportunity-upkeep';

/** A job is not started with less time than this left before the run's deadline: the next run does it. */
const MIN_JOB_MS = 5_000;

/**
 * The sweeper's jobs, in the order one run does them (functions/sweeper.ts every minute in AWS, a timer in
 * the local runtime). Each job is safe to run again and concurrently with another sweeper.
 */
export function sweeperService(
  ctx: ServiceContext,
  deps: {
    publisher: MessagePublisher;
    followUps: FollowUpService;
    deadlines: CaseDeadlineWatch;
    opportunityUpkeep: OpportunityUpkeep;
  },
) {
  /** Runs `job` when the run's deadline (withDeadline) leaves time for it; else answers `skipped`. */
  async function ifTimeLeft<T>(name: string, job: () => Promise<T>, skipped: T): Promise<T> {
    const left = timeLeftMs();
    if (left === undefined || left >= MIN_JOB_MS) return job();
    ctx.log.warn('sweeper job left to the next run: too little time before the deadline', { job: name });
    return skipped;
  }

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
    const caseFollowUps = await ifTimeLeft('case follow-ups', () => deps.followUps.runDue(ctx.clock()), {
      done: 0,
      already_done: 0,
      retry_later: 0,
      failed: 0,
    });
    const overdue = await ifTimeLeft('overdue cases', () => deps.deadlines.notifyOverdue(ctx.clock()), {
      response: 0,
      resolution: 0,
    });
    const overdueNextSteps = await ifTimeLeft(
      'overdue next steps',
      () => deps.opportunityUpkeep.notifyOverdueNextSteps(ctx.clock()),
      0,
    );
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
