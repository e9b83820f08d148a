import { excerptOf, type Customer } from '@cc/core';
import { smsKeyword, twiml, type SmsKeyword, type TwilioSms } from '@cc/channels';
import {
  customerRepository,
  fingerprintOf,
  transact,
  type FollowUp,
  type IdempotencyClaim,
  type LabelledItem,
  type StoredResponse,
} from '@cc/store';
import type { ContactRecorder, Recorded } from './contact-recorder';
import type { ServiceContext } from './context';
import type { FollowUpService } from './follow-ups';
import { inboundThreads } from './inbound-threads';

/** Twilio retries a failed webhook for hours; remember a MessageSid for a week. */
const KEEP_SECONDS = 7 * 86_400;

export const HELP_TEXT =
  'Customer Care: reply with your question and an agent will answer. ' +
  'Reply STOP to stop messages, START to receive them again.';

/** Inbound SMS (already signature-checked and parsed) -> one contact per MessageSid, opt-outs, open-case messages. */
export function smsIntake(ctx: ServiceContext, deps: { recorder: ContactRecorder; followUps: FollowUpService }) {
  const { recorder, followUps: caseWork } = deps;
  const profiles = customerRepository(ctx.store);
  const caseFor = inboundThreads(ctx);

  /** STOP / START change the customer's SMS opt-out in the same transaction as the contact. */
  function optOutCommit(customerId: string, keyword: SmsKeyword, at: string) {
    return async (items: LabelledItem[]) => {
      const before = await profiles.get(customerId, true);
      const optOut = keyword === 'stop';
      if (!before || (keyword !== 'stop' && keyword !== 'start') || before.preferences.optOut.sms === optOut)
        return transact(ctx.store, items);
      const after: Customer = {
        ...before,
        preferences: { ...before.preferences, optOut: { ...before.preferences.optOut, sms: optOut } },
        version: before.version + 1,
        updatedAt: at,
      };
      const history = profiles.historyItem({
        id: ctx.newId(),
        customerId,
        at,
        actor: { kind: 'customer', channel: 'sms' },
        action: optOut ? 'sms_opted_out' : 'sms_opted_in',
        details: { keyword },
      });
      await profiles.save(before, after, [...items, history]);
    };
  }

  async function receive(sms: TwilioSms): Promise<Recorded<string>> {
    const now = ctx.clock();
    const claim: IdempotencyClaim = {
      scope: 'twilio',
      key: sms.messageSid,
      fingerprint: fingerprintOf(sms.messageSid),
      expiresAt: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
    };
    const resolved = await recorder.resolveSender('phone', sms.from);
    const sender = resolved?.sender ?? { kind: 'phone' as const, value: sms.from.trim() };
    const customerId = resolved?.customerId ?? null;
    const keyword = smsKeyword(sms.body);
    // A known customer's message always becomes work: it joins their case, or opens one.
    const openCaseId = customerId && !keyword ? await caseFor(customerId, 'sms') : undefined;
    const opensCase = !!customerId && !keyword && !openCaseId;
    let followUp: FollowUp | undefined;
    const at = now.toISOString();
    const reply: StoredResponse<string> = { status: 200, body: twiml(keyword === 'help' ? HELP_TEXT : undefined) };

    const recorded = await recorder.record<string>(
      {
        customerId,
        sender,
        channel: 'sms',
        direction: 'inbound',
        occurredAt: at,
        actor: { kind: 'customer', channel: 'sms' },
        summary: keyword ? `SMS ${keyword.toUpperCase()}` : `SMS: ${excerptOf(sms.body, 160)}`,
        links: openCaseId ? { caseId: openCaseId } : {},
        details: {
          messageSid: sms.messageSid,
          from: sender.value,
          to: sms.to,
          body: sms.body,
          ...(keyword && { keyword }),
          ...(sms.media.length && { media: sms.media }),
        },
      },
      {
        claim,
        // Twilio retries for hours: a redelivery gets the stored reply and writes nothing.
        replayFirst: true,
        respond: () => reply,
        ...(customerId && keyword && { commit: optOutCommit(customerId, keyword, at) }),
        expectOpenCases: !!openCaseId,
        // The message joins the case (or opens one) after the contact commits, as a follow-up written with it.
        extra: (entry) => {
          if (!openCaseId && !opensCase) return [];
          const planned = caseWork.plan(
            openCaseId
              ? {
                  kind: 'case_message',
                  caseId: openCaseId,
                  channel: 'sms',
                  text: sms.body,
                  externalId: sms.messageSid,
                  contactId: entry.id,
                }
              : {
                  kind: 'case_from_sms',
                  messageSid: sms.messageSid,
                  customerId: customerId!,
                  from: sender.value,
                  text: sms.body,
                },
          );
          followUp = planned.followUp;
          return [planned.item];
        },
      },
    );
    // Only the delivery that won the claim wrote the follow-up, so a storm of duplicates adds the message once.
    if (!recorded.replayed && followUp) await caseWork.run(followUp);
    return recorded;
  }

  return { receive };
}

export type SmsIntake = ReturnType<typeof smsIntake>;
