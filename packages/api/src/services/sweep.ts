import { republishUndelivered } from '@cc/messaging';
import type { AppDeps } from '../deps';
import { opportunityService } from './opportunities';

/**
 * One sweeper run, shared by functions/sweeper.ts and the local timer: re-publish notifications
 * still undelivered after the grace period, then raise overdue opportunity next steps.
 */
export async function sweepOnce(deps: AppDeps, graceMs: number) {
  const { republished, failed } = await republishUndelivered(deps, { graceMs });
  const overdue = await opportunityService(deps).notifyOverdueNextSteps(deps.clock());
  return { republished, failed, overdueNextSteps: overdue };
}
