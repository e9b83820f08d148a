import {
  actorOf,
  channelOrder,
  ConflictError,
  describeGuardReason,
  frequencyAt,
  judgeChannel,
  type Caller,
  type CaseReplyInput,
  type ChannelVerdict,
  type Customer,
  type GuardReasonCode,
  type OutboundChannel,
} from '@cc/core';
import {
  caseMessageItem,
  contactLogRepository,
  customerRepository,
  findStoredResponse,
  liveCaseCheck,
  outboundContactItem,
  transact,
  withIdempotency,
  type CaseMessage,
  type IdempotencyClaim,
  type LabelledItem,
  type LoggedOutboundContact,
  type RecordFor,
} from '@cc/store';
import type { CaseAccess } from './case-access';
import { caseMessageAt } from './case-changes';
import type { ServiceContext } from './context';
import { bare, type CustomerMessageService } from './customer-messages';
import type { CustomerService } from './customers';
import type { NoticeService } from './notices';

export interface ReplyReceipt {
  message: CaseMessage;
  delivery: { status: 'queued' | 'scheduled'; channel: 'sms' | 'email'; to: string; sendAfter?: string };
}

export interface Contactability {
  customerId: string;
  at: string;
  preferredChannel?: Customer['preferredChannel'];
  /** The order messages try the channels in. */
  order: OutboundChannel[];
  frequency: { count: number; limit: number; windowDays: number };
  channels: (ChannelVerdict & { address?: string })[];
}

/** What the guard says of an agent's outbound call that already happened: the rules it broke (none: allowed). */
export interface CallJudgement {
  broken: GuardReasonCode[];
  /** The log line that counts the call, to commit with it. */
  item: LabelledItem;
  details?: { broken: GuardReasonCode[]; reasons: string[] };
}

const phoneOf = (c: Customer) =>
  (c.contactPoints.find((p) => p.kind === 'phone' && p.preferred) ?? c.contactPoints.find((p) => p.kind === 'phone'))
    ?.value;
const emailOf = (c: Customer) =>
  (c.contactPoints.find((p) => p.kind === 'email' && p.preferred) ?? c.contactPoints.find((p) => p.kind === 'email'))
    ?.value;

/**
 * Staff's side of "contact at the right time, on the customer's preferred channel": replies from a case, when a
 * customer may be contacted (for planning a call), and the guard's judgement of calls agents log.
 */
export function customerContactService(
  ctx: ServiceContext,
  deps: {
    cases: Pick<CaseAccess, 'loadToReply'>;
    messages: CustomerMessageService;
    customers: CustomerService;
    notices: NoticeService;
  },
) {
  const { cases, messages, notices } = deps;
  const profiles = customerRepository(ctx.store);
  const contactLog = contactLogRepository(ctx.store);
  const { policy } = messages;
  const windowStart = (at: Date) => new Date(at.getTime() - policy.windowDays * 86_400_000);

  /**
   * Sends `text` to the case's customer; recorded on the case and the timeline as outbound. `recordFor` adds the
   * idempotency record of the receipt to the same transaction (see replyOnce).
   */
  async function reply(
    caller: Caller,
    caseId: string,
    input: CaseReplyInput,
    recordFor: RecordFor<ReplyReceipt> = () => [],
  ): Promise<ReplyReceipt> {
    const c = await cases.loadToReply(caller, caseId);
    const now = ctx.clock();
    const actor = actorOf(caller);
    const planned = await messages.plan(
      { purpose: 'reply', case: c, actor, text: input.text, ...(input.channel && { channel: input.channel }) },
      now,
    );
    const { decision } = planned;
    if (decision.status === 'blocked') {
      throw new ConflictError(
        'contact.blocked',
        `The customer cannot be written to now: ${decision.reasons.map(describeGuardReason).join('; ')}`,
        { reasons: decision.reasons },
      );
    }
    const sent = decision.message;
    const message = caseMessageAt(ctx, c.id, now.toISOString(), {
      actor,
      channel: sent.channel,
      direction: 'outbound',
      text: input.text,
      ...(sent.email && { externalId: bare(sent.email.messageId) }),
      deliveryId: sent.id,
    });
    const receipt: ReplyReceipt = {
      message,
      delivery: {
        status: decision.status,
        channel: sent.channel,
        to: sent.to,
        ...(sent.sendAfter && { sendAfter: sent.sendAfter }),
      },
    };
    await transact(ctx.store, [
      liveCaseCheck(ctx.store, c.id),
      caseMessageItem(ctx.store, message),
      ...planned.items,
      ...recordFor({ status: 201, body: receipt }),
    ]);
    await notices.publish(planned.publish);
    return receipt;
  }

  /**
   * `reply`, once per client key: a retry or a concurrent copy answers the first one's receipt and writes to the
   * customer no second time. The stored receipt is looked for first, since a copy judged after the first was
   * committed could find the frequency cap reached by the first itself.
   */
  async function replyOnce(caller: Caller, caseId: string, input: CaseReplyInput, claim?: IdempotencyClaim) {
    const attempt = async (recordFor: RecordFor<ReplyReceipt>) => ({
      status: 201 as const,
      body: await reply(caller, caseId, input, recordFor),
    });
    try {
      return await withIdempotency<ReplyReceipt>(ctx.store, claim, attempt, { replayFirst: true });
    } catch (error) {
      const blocked = error instanceof ConflictError && error.code === 'contact.blocked';
      const stored = blocked && claim && (await findStoredResponse<ReplyReceipt>(ctx.store, claim));
      if (stored) return { response: stored, replayed: true };
      throw error;
    }
  }

  /** Whether and when each channel may be used now, and why not. */
  async function contactability(caller: Caller, customerId: string): Promise<Contactability> {
    const customer = await deps.customers.readable(caller, customerId);
    const now = ctx.clock();
    const log = await contactLog.since(customerId, windowStart(now));
    const addresses: Record<OutboundChannel, string | undefined> = {
      voice: phoneOf(customer),
      sms: phoneOf(customer),
      email: emailOf(customer),
    };
    const order = channelOrder(customer.preferredChannel, policy);
    const frequency = frequencyAt(log, now, policy);
    return {
      customerId,
      at: now.toISOString(),
      ...(customer.preferredChannel && { preferredChannel: customer.preferredChannel }),
      order,
      frequency: { count: frequency.count, limit: policy.cap, windowDays: policy.windowDays },
      channels: order.map((channel) => ({
        ...judgeChannel(channel, {
          preferences: customer.preferences,
          log,
          at: now,
          policy,
          capExempt: false,
          hasAddress: !!addresses[channel],
        }),
        ...(addresses[channel] && { address: addresses[channel] }),
      })),
    };
  }

  /**
   * An outbound call an agent logs already happened, so it is recorded whatever the guard says; the rules it broke
   * (at the time it was made) go on its timeline entry, and it counts towards the customer's cap.
   */
  async function judgeCall(customerId: string, startedAt: Date, contactId: string): Promise<CallJudgement> {
    const [customer, log] = await Promise.all([
      profiles.get(customerId),
      contactLog.since(customerId, windowStart(startedAt)),
    ]);
    const verdict = customer
      ? judgeChannel('voice', {
          preferences: customer.preferences,
          log,
          at: startedAt,
          policy,
          capExempt: false,
          hasAddress: true,
        })
      : undefined;
    const broken = verdict?.reasons.map((r) => r.code) ?? [];
    const contact: LoggedOutboundContact = {
      id: contactId,
      at: startedAt.toISOString(),
      channel: 'voice',
      purpose: 'call',
      capExempt: false,
      ...(broken.length && { guardBroken: broken }),
    };
    return {
      broken,
      item: outboundContactItem(ctx.store, customerId, contact),
      ...(broken.length && { details: { broken, reasons: verdict!.reasons.map(describeGuardReason) } }),
    };
  }

  return { reply, replyOnce, contactability, judgeCall };
}

export type CustomerContactService = ReturnType<typeof customerContactService>;
