import { ForbiddenError, mayInBranch, type Caller } from '@cc/core';
import { followUpRepository, notificationRepository, type FollowUp } from '@cc/store';
import type { ServiceContext } from './context';

/** How many of each are listed; more than this means something systematic, which the log names. */
const SHOWN = 100;

/** The record a follow-up works on, to look into. */
function whatItConcerns(f: FollowUp): { caseId?: string; messageId?: string; customerId?: string; userIds?: string[] } {
  switch (f.kind) {
    case 'case_message':
      return { caseId: f.caseId };
    case 'case_from_email':
      return { messageId: f.messageId };
    case 'case_from_sms':
      return { messageId: f.messageSid, customerId: f.customerId };
    case 'cases_follow_customer':
      return { customerId: f.customerId };
    case 'team_pipeline':
      return { userIds: f.userIds };
    case 'escalation':
      return { customerId: f.customerId };
  }
}

/** What the system gave up on after its retries, for an administrator to look into (oldest first). */
export function operationsService(ctx: ServiceContext) {
  const followUps = followUpRepository(ctx.store);
  const notifications = notificationRepository(ctx.store);

  async function stuckWork(caller: Caller) {
    if (!mayInBranch(caller, 'readStuckWork', caller)) {
      throw new ForbiddenError('Only administrators see stuck work', 'auth.forbidden');
    }
    const [failed, undeliverable] = await Promise.all([
      followUps.failed(SHOWN),
      notifications.listUndeliverable(SHOWN),
    ]);
    return {
      failedFollowUps: failed.map((f) => ({
        id: f.id,
        kind: f.kind,
        createdAt: f.createdAt,
        attempts: f.attempts,
        ...(f.lastError && { lastError: f.lastError }),
        ...whatItConcerns(f),
      })),
      undeliverableNotifications: undeliverable.flatMap((r) =>
        r.notification
          ? [
              {
                id: r.notification.id,
                recipientId: r.notification.recipientId,
                kind: r.notification.kind,
                title: r.notification.title,
                createdAt: r.notification.createdAt,
                attempts: r.attempts,
                ...(r.lastError && { lastError: r.lastError }),
              },
            ]
          : [],
      ),
      undeliverableCustomerMessages: undeliverable.flatMap((r) =>
        r.message
          ? [
              {
                id: r.message.id,
                caseId: r.message.caseId,
                purpose: r.message.purpose,
                channel: r.message.channel,
                createdAt: r.message.createdAt,
                attempts: r.attempts,
                ...(r.lastError && { lastError: r.lastError }),
              },
            ]
          : [],
      ),
    };
  }

  return { stuckWork };
}

export type OperationsService = ReturnType<typeof operationsService>;
