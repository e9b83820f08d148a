import {
  channelOrder,
  customerInitiated,
  describeGuardReason,
  excerptOf,
  isCapExempt,
  metricNames,
  planMessage,
  type Actor,
  type Case,
  type ContactGuardPolicy,
  type CustomerMessage,
  type GuardReason,
  type Locale,
  type MessageChannel,
  type MessagePurpose,
  type OutboundChannel,
  type TimelineEntry,
} from '@cc/core';
import { renderCustomerMessage } from '@cc/channels';
import {
  caseHistoryItem,
  caseRepository,
  contactLogRepository,
  customerMessageItem,
  customerRepository,
  emailThreadItem,
  outboundContactItem,
  timelineItem,
  type LabelledItem,
  type CustomerRouting,
} from '@cc/store';
import type { ServiceContext } from './context';

/** What to tell the customer about a case, and who decided it. */
export interface MessageRequest {
  purpose: MessagePurpose;
  case: Case;
  /** The case's customer, when the caller has just read it. */
  customer?: CustomerRouting;
  actor: Actor;
  /** Replies: what staff wrote, and the channel they chose (else the guard's order). */
  text?: string;
  channel?: MessageChannel;
  /** The email Message-ID this answers (else the case's last email). */
  inReplyTo?: string;
}

export type MessageDecision =
  | { status: 'queued' | 'scheduled'; message: CustomerMessage; skipped: GuardReason[] }
  | { status: 'blocked'; reasons: GuardReason[] };

export interface PlannedMessage {
  decision: MessageDecision;
  /** Writes that commit with the cause: the delivery record, the contact log, the case history, the timeline. */
  items: LabelledItem[];
  /** What to publish after the commit (nothing while held for quiet hours: the sweeper publishes it when due). */
  publish: CustomerMessage[];
}

/** Threads of messages we send keep finding their case for as long as inbound mail's do. */
const THREAD_KEEP_SECONDS = 30 * 86_400;

const usedChannel: Partial<Record<Case['origin'], OutboundChannel>> = { sms: 'sms', email: 'email', agent: 'voice' };

const purposeLabel: Record<MessagePurpose, string> = {
  acknowledgement: 'Acknowledgement',
  outcome: 'Outcome',
  reply: 'Reply',
};

/** Message-IDs are kept without angle brackets (as inbound mail's are); headers carry them with. */
const bracketed = (id: string) => (id.startsWith('<') ? id : `<${id}>`);
export const bare = (id: string) => id.replace(/^<|>$/g, '');

const maskAddress = (to: string) =>
  to.includes('@') ? to.replace(/^(.).*(@.*)$/, '$1***$2') : `***${to.replace(/\D/g, '').slice(-4)}`;

/**
 * Messages to customers (acknowledgements, outcomes, staff replies): the contact guard decides the channel and
 * time; the message is rendered in the customer's language and written with its cause, then delivered by the
 * notifier like a staff notification.
 */
export function customerMessageService(ctx: ServiceContext) {
  const customers = customerRepository(ctx.store);
  const cases = caseRepository(ctx.store);
  const contactLog = contactLogRepository(ctx.store);
  const { settings } = ctx;
  const policy: ContactGuardPolicy = {
    cap: settings.CONTACT_FREQUENCY_CAP,
    windowDays: settings.CONTACT_FREQUENCY_WINDOW_DAYS,
    fallbackOrder: settings.CONTACT_CHANNEL_ORDER,
    defaultTimeZone: settings.CONTACT_DEFAULT_TIMEZONE,
  };
  const base = settings.PUBLIC_BASE_URL.replace(/\/$/, '');
  const messageIdDomain = new URL(base).hostname;

  const statusPageUrl = (reference: string, locale: Locale) =>
    `${base}/complaint/status?reference=${encodeURIComponent(reference)}&lang=${locale}`;

  /** The customer's outbound contacts within the cap's window (none for people who are not customers). */
  const recentContacts = (customerId: string | null, at: Date) =>
    customerId
      ? contactLog.since(customerId, new Date(at.getTime() - policy.windowDays * 86_400_000))
      : Promise.resolve([]);

  /**
   * Where the customer can be reached about this case: the phone/email they gave with it when they gave one (they
   * chose how to be answered), else their contact points on record, preferred ones first.
   */
  function addressesFor(c: Case, customer: CustomerRouting | undefined): Partial<Record<MessageChannel, string>> {
    if (c.submitterContact?.phone || c.submitterContact?.email) {
      return { sms: c.submitterContact.phone, email: c.submitterContact.email };
    }
    const pick = (kind: 'phone' | 'email') => {
      const points = customer?.contactPoints.filter((p) => p.kind === kind) ?? [];
      return (points.find((p) => p.preferred) ?? points[0])?.value;
    };
    return { sms: pick('phone'), email: pick('email') };
  }

  /** The email this one answers: the one given, else the case's last email (in or out), else the one that opened it. */
  async function inReplyTo(request: MessageRequest): Promise<string | undefined> {
    const c = request.case;
    if (request.inReplyTo) return request.inReplyTo;
    const last = (await cases.messages(c.id)).find((m) => m.channel === 'email' && m.externalId);
    if (last) return last.externalId;
    return c.origin === 'email' && c.createdBy.kind === 'channel' ? c.createdBy.externalId : undefined;
  }

  async function plan(request: MessageRequest, now: Date): Promise<PlannedMessage> {
    const c = request.case;
    const customer = request.customer ?? (c.customerId ? await customers.get(c.customerId) : undefined);
    const capExempt = isCapExempt(request.purpose, customerInitiated(c));
    // The log only counts towards the cap: an exempt message (a case the customer started) does not read it.
    const log = capExempt ? [] : await recentContacts(c.customerId, now);
    const order = request.channel
      ? [request.channel]
      : channelOrder(customer?.preferredChannel, policy, usedChannel[c.origin]);
    const planned = planMessage({
      preferences: customer?.preferences ?? { optOut: { sms: false, email: false, voice: false } },
      log,
      at: now,
      policy,
      capExempt,
      order,
      addresses: addressesFor(c, customer),
    });
    const at = now.toISOString();
    const history = (note: string, changes: Record<string, unknown>) =>
      caseHistoryItem(ctx.store, {
        // Minted after the ids of the change that caused it (whichever clock those used), so it sorts after them.
        id: ctx.newId(Math.max(Date.now(), now.getTime()) + 1),
        caseId: c.id,
        at,
        actor: request.actor,
        action: 'customer_message',
        note,
        changes: { purpose: request.purpose, ...changes },
      });

    if (planned.outcome === 'blocked' || planned.sendAfter) ctx.log.metric(metricNames.contactGuardBlocks);
    if (planned.outcome === 'blocked') {
      const why = planned.reasons.map(describeGuardReason).join('; ') || 'no way to reach the customer';
      return {
        decision: { status: 'blocked', reasons: planned.reasons },
        items: [history(`${request.purpose} not sent: ${why}`, { status: 'blocked', reasons: planned.reasons })],
        publish: [],
      };
    }

    const locale = customer?.preferences.locale ?? c.locale ?? settings.PUBLIC_DEFAULT_LOCALE;
    const id = ctx.newId(now.getTime());
    const rendered = renderCustomerMessage({
      purpose: request.purpose,
      channel: planned.channel,
      locale,
      // The customer's reference: random, for the status page; the case id stays staff's.
      reference: c.publicReference ?? c.id,
      caseType: c.type,
      title: c.title,
      statusUrl: statusPageUrl(c.publicReference ?? c.id, locale),
      ...((c.status === 'resolved' || c.status === 'closed') && { status: c.status }),
      ...(c.outcome && { outcome: c.outcome }),
      ...(request.text && { text: request.text }),
    });
    const answering = planned.channel === 'email' ? await inReplyTo(request) : undefined;
    const message: CustomerMessage = {
      id,
      purpose: request.purpose,
      channel: planned.channel,
      to: addressesFor(c, customer)[planned.channel]!,
      customerId: c.customerId,
      caseId: c.id,
      locale,
      ...rendered,
      ...(planned.channel === 'email' && {
        email: {
          messageId: `<${id}.${c.publicReference ?? c.id}@${messageIdDomain}>`,
          ...(answering && { inReplyTo: bracketed(answering), references: [bracketed(answering)] }),
        },
      }),
      ...(planned.sendAfter && { sendAfter: planned.sendAfter }),
      createdAt: at,
    };
    const status = planned.sendAfter ? 'scheduled' : 'queued';
    const expiresAt = Math.floor(now.getTime() / 1000) + THREAD_KEEP_SECONDS;
    const items: LabelledItem[] = [
      customerMessageItem(ctx.store, message),
      history(
        `${request.purpose} by ${message.channel} to ${maskAddress(message.to)}` +
          `${planned.sendAfter ? `, held until ${planned.sendAfter}` : ''}` +
          `${planned.skipped.length ? ` (${planned.skipped.map(describeGuardReason).join('; ')})` : ''}`,
        {
          status,
          messageId: id,
          channel: message.channel,
          ...(planned.sendAfter && { sendAfter: planned.sendAfter }),
        },
      ),
      ...(message.email ? [emailThreadItem(ctx.store, bare(message.email.messageId), c.id, expiresAt)] : []),
    ];
    if (c.customerId) {
      items.push(
        outboundContactItem(ctx.store, c.customerId, {
          id,
          at,
          channel: message.channel,
          purpose: request.purpose,
          capExempt,
          caseId: c.id,
        }),
      );
    }
    // On the customer's contact history; a message to someone who is not a customer stays on the case alone.
    if (c.customerId) {
      const entry: TimelineEntry = {
        id: ctx.newId(now.getTime()),
        customerId: c.customerId,
        type: 'contact',
        channel: message.channel,
        direction: 'outbound',
        occurredAt: at,
        actor: request.actor,
        summary:
          `${purposeLabel[request.purpose]} by ${message.channel}: ` +
          `${excerptOf(message.subject ?? message.text, 120)}`,
        links: { caseId: c.id },
        details: {
          purpose: request.purpose,
          deliveryId: id,
          status,
          to: message.to,
          ...(planned.sendAfter && { sendAfter: planned.sendAfter }),
        },
      };
      items.push(timelineItem(ctx.store, entry, settings.RETENTION_DAYS));
    }
    return {
      decision: { status, message, skipped: planned.skipped },
      items,
      publish: planned.sendAfter ? [] : [message],
    };
  }

  return { plan, policy, statusPageUrl };
}

export type CustomerMessageService = ReturnType<typeof customerMessageService>;
