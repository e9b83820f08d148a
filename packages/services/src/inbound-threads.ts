import type { MessageChannel } from '@cc/core';
import { caseRepository, contactLogRepository } from '@cc/store';
import type { ServiceContext } from './context';

/**
 * Which case a known customer's message (an SMS, or an email that names no case) belongs to: their one open case;
 * with several, the one they were last written to from on that channel; with none, the case they were last written
 * to from (a reply to its outcome: the case reopens it or opens its follow-up, see REOPEN_WITHIN_DAYS); else none,
 * and the message opens a case.
 */
export function inboundThreads(ctx: ServiceContext) {
  const cases = caseRepository(ctx.store);
  const contactLog = contactLogRepository(ctx.store);

  return async function caseFor(customerId: string, channel: MessageChannel): Promise<string | undefined> {
    const open = await cases.openCaseIds(customerId);
    if (open.length === 1) return open[0];
    const last = await contactLog.lastWrittenCase(customerId, channel);
    if (!last) return undefined;
    if (open.length > 1) return open.includes(last) ? last : undefined;
    const c = await cases.get(last);
    return c && !c.deleted && c.status !== 'converted' ? last : undefined;
  };
}
