import { republishUndelivered } from '@cc/messaging';
import type { AppDeps } from '../deps';
import { caseService } from './cases';
import { followUps } from './follow-ups';
import { opportunityService } from './opportunities';

/**
 * One sweeper run, shared by functions/sweeper.ts and the local timer: re-publish notifications
 * still undelivered after the grace period, do the case follow-ups that are due (ones the request
 * that wrote them could not finish), then report cases still new past their response deadline and
 * overdue opportunity next steps.
 */
export async function sweepOnce(deps: AppDeps, graceMs: number) {
  const { republished, failed } = await republishUndelivered(deps, { graceMs });
  const caseFollowUps = await followUps(deps).runDue(deps.clock());
  const overdueResponses = await caseService(deps).notifyOverdueResponses(deps.clock());
  const overdue = await opportunityService(deps).notifyOverdueNextSteps(deps.clock());
  return { republished, failed, caseFollowUps, overdueResponses, overdueNextSteps: overdue };
}
