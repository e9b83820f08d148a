export { FOLLOW_UP_GRACE_MS, planFollowUp } from './follow-up-plan';
import { asSingleLine, asText, excerptOf, givenUpMessages, NotFoundError, ValidationError } from '@cc/core';
import {
  emailThreadItem,
  FOLLOW_UP_LABEL,
  followUpDone,
  followUpRepository,
  retryConcurrentWrites,
  TransactionRefused,
  type FollowUp,
  type FollowUpWork,
} from '@cc/store';
import type { CaseOwnershipService } from './case-ownership';
import { planFollowUp } from './follow-up-plan';
import type { CaseMessages } from './case-messages';
import type { CaseOpening } from './case-opening';
import type { ServiceContext } from './context';
import type { EscalationService } from './escalation';
import type { OpportunityUpkeep } from './opportunity-upkeep';

/**
 * Retries back off from one minute, doubling; after this many tries (about two hours) the follow-up is parked as
 * failed.
 */
export const FOLLOW_UP_MAX_ATTEMPTS = 8;
const RETRY_BASE_MS = 60_000;

export type FollowUpOutcome = 'done' | 'already_done' | 'retry_later' | 'failed';

/** Not worth retrying: the case is gone, or the work itself is invalid. */
const isPermanent = (error: unknown) => error instanceof NotFoundError || error instanceof ValidationError;

/**
 * Work that follows a committed change ("write first, do after"): the change's transaction writes the
 * follow-up, the request then does it at once, and whatever that misses (a crash, a throttled write) the
 * sweeper does later. Each follow-up is deleted in the same transaction as (the last part of) its work, on
 * the condition it still exists; work done in parts is idempotent, so a re-run does only what is left.
 */
export function followUpService(
  ctx: ServiceContext,
  deps: {
    /** Opening cases and writing on them: all a follow-up does to cases. */
    cases: Pick<CaseOpening, 'create'> & Pick<CaseMessages, 'addMessage'>;
    ownership: CaseOwnershipService;
    opportunityUpkeep: OpportunityUpkeep;
    escalation: EscalationService;
  },
) {
  const { cases, ownership, opportunityUpkeep, escalation } = deps;
  const repo = followUpRepository(ctx.store);

  const plan = (work: FollowUpWork) => planFollowUp(ctx, work);

  async function perform(f: FollowUp): Promise<void> {
    const done = followUpDone(ctx.store, f.id);
    switch (f.kind) {
      case 'cases_follow_customer':
        await ownership.realign(f.customerId, { cause: f.cause, notify: f.notify, done });
        return;
      case 'team_pipeline':
        await opportunityUpkeep.refileTeams(f.userIds, done);
        return;
      case 'case_message':
        await cases.addMessage(
          { channel: f.channel, externalId: f.externalId },
          f.caseId,
          { text: f.text, channel: f.channel, direction: 'inbound' },
          [done],
        );
        return;
      case 'case_from_sms':
        await cases.create(
          { channel: 'sms', externalId: f.messageSid },
          {
            type: 'inquiry',
            subject: 'other',
            category: 'other',
            // Taken as it came, like mail: what a field would refuse from a person is removed, not a reason to lose it.
            title: excerptOf(asSingleLine(f.text) || 'SMS', 80),
            description: excerptOf(asText(f.text) || '(empty message)', 10_000),
            customerId: f.customerId,
          },
          { submitterContact: { phone: f.from }, recordFor: () => [done] },
        );
        return;
      case 'case_from_email':
        // An email to the bank is a request: it opens an inquiry the customer's manager (or the branch queue) follows
        // up.
        await retryConcurrentWrites(() =>
          cases.create(
            { channel: 'email', externalId: f.messageId },
            {
              type: 'inquiry',
              subject: 'other',
              category: 'other',
              // Mail is taken as it came: what a field would refuse from a person is removed, not a reason to lose it.
              title: excerptOf(asSingleLine(f.subject) || 'Email without subject', 200),
              description: excerptOf(asText(f.text) || '(empty message)', 10_000),
              customerId: f.customerId,
            },
            {
              submitterContact: { email: f.from },
              recordFor: (response) => [
                emailThreadItem(ctx.store, f.messageId, (response.body as { id: string }).id, f.threadExpiresAt),
                done,
              ],
            },
          ),
        );
        return;
      case 'escalation':
        await escalation.escalateNewest(f.customerId, `${f.unresolvedContacts} contacts without resolution`, [done]);
        return;
    }
  }

  async function run(f: FollowUp): Promise<FollowUpOutcome> {
    try {
      await perform(f);
      return 'done';
    } catch (error) {
      if (error instanceof TransactionRefused && error.failedLabels.includes(FOLLOW_UP_LABEL)) return 'already_done';
      const message = error instanceof Error ? error.message : String(error);
      const attempts = f.attempts + 1;
      const park = isPermanent(error) || attempts >= FOLLOW_UP_MAX_ATTEMPTS;
      const nextDueAt = park
        ? null
        : new Date(ctx.clock().getTime() + RETRY_BASE_MS * 2 ** (attempts - 1)).toISOString();
      ctx.log[park ? 'error' : 'warn'](park ? givenUpMessages.followUp : 'case follow-up failed; will retry', {
        followUpId: f.id,
        kind: f.kind,
        attempts,
        error: message,
        ...(nextDueAt && { nextDueAt }),
      });
      // If even this fails, the follow-up stays due as it was and the sweeper tries it again.
      await repo.recordFailure(f, message, nextDueAt).catch((e: unknown) =>
        ctx.log.error('could not record a follow-up failure', {
          followUpId: f.id,
          error: e instanceof Error ? e.message : String(e),
        }),
      );
      return park ? 'failed' : 'retry_later';
    }
  }

  /** The sweeper's part: every follow-up due at `asOf` (up to `limit`), one at a time. */
  async function runDue(asOf: Date, limit = 100): Promise<Record<FollowUpOutcome, number>> {
    const counts: Record<FollowUpOutcome, number> = { done: 0, already_done: 0, retry_later: 0, failed: 0 };
    for (const f of await repo.due(asOf, limit)) counts[await run(f)]++;
    return counts;
  }

  return { plan, run, runDue, failed: repo.failed };
}

export type FollowUpService = ReturnType<typeof followUpService>;
