import { clipText } from '@cc/core';
import { followUpItem, type FollowUp, type FollowUpWork, type LabelledItem } from '@cc/store';
import type { ServiceContext } from './context';

/** The sweeper leaves a new follow-up to the request that wrote it for this long. */
export const FOLLOW_UP_GRACE_MS = 60_000;
/**
 * A message's text as the case keeps it: an email body may be far longer (the contact keeps its own excerpt), and
 * the follow-up carrying it commits with the contact in one item (DynamoDB's 400 KB). A longer one says it was cut.
 */
const MAX_TEXT = 10_000;

/** A follow-up for `work`, and the item that writes it in the transaction of the change it follows. */
export function planFollowUp(ctx: ServiceContext, work: FollowUpWork): { followUp: FollowUp; item: LabelledItem } {
  const now = ctx.clock();
  const followUp: FollowUp = {
    ...work,
    ...('text' in work && { text: clipText(work.text, MAX_TEXT) }),
    id: ctx.newId(now.getTime()),
    createdAt: now.toISOString(),
    dueAt: new Date(now.getTime() + FOLLOW_UP_GRACE_MS).toISOString(),
    attempts: 0,
    status: 'due',
  };
  return { followUp, item: followUpItem(ctx.store, followUp) };
}
