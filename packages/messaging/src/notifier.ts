import {
  givenUpMessages,
  metricNames,
  newId,
  PermanentDeliveryError,
  type CustomerMessage,
  type Logger,
  type MessageChannel,
  type MessageSender,
} from '@cc/core';
import {
  caseHistoryItem,
  customerRepository,
  emailThreadItem,
  notificationRepository,
  userRepository,
  type DeliveryRecord,
  type LabelledItem,
  type StoreContext,
  type User,
} from '@cc/store';
import { logSender, type DeliveryAdapters } from './delivery';

export interface NotifierDeps {
  store: StoreContext;
  /** Staff notifications, by the recipient's channel. */
  adapters: DeliveryAdapters;
  /** Messages to customers, by channel (Twilio and SES in AWS, the outbox files locally); default: the log. */
  senders?: Record<MessageChannel, MessageSender>;
  log: Logger;
  clock: () => Date;
  newId?: () => string;
  /** Runs one record's delivery as part of the work that caused it (the message's correlation id). */
  within?: <T>(correlationId: string, work: () => Promise<T>) => Promise<T>;
}

/** One queue message as both hosts see it: the Lambda SQS record and the local poller. */
export interface QueueRecord {
  messageId: string;
  body: string;
  /** The `correlationId` message attribute: the work that caused the notification. */
  correlationId?: string;
}

/** not_due: a customer message held for quiet hours reached the queue early; the sweeper publishes it when due. */
type Outcome = 'delivered' | 'duplicate' | 'not_due' | 'withheld' | 'failed' | 'poison' | 'undeliverable';

/**
 * Tries per notification (SQS receives plus the sweeper's re-publishes) before its channel is given
 * up on; the recipient still has it in their inbox.
 */
export const MAX_DELIVERY_ATTEMPTS = 10;

/** How long the thread of a message we sent keeps finding its case (as long as inbound mail's threads). */
const THREAD_KEEP_SECONDS = 30 * 86_400;

function notificationIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    const id = (parsed as { notificationId?: unknown } | null)?.notificationId;
    return typeof id === 'string' && id.length > 0 && id.length <= 40 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Sent, or why not: `permanent` when retrying cannot help. */
type Attempt =
  | { ok: true; via: string; providerMessageId?: string; alsoWrite?: LabelledItem[] }
  | { ok: false; via: string; error: string; permanent: boolean };

/**
 * Delivers a batch of `{ notificationId }` messages and returns the ids of the messages to retry.
 * Idempotent by notification id (a duplicate delivery is acknowledged, not re-sent). A poison
 * message is reported as failed so the queue's redrive policy moves it to the DLQ; it never holds
 * up the rest of the batch. A delivery record holds a staff notification or a message to a customer.
 */
export function notificationDeliverer(deps: NotifierDeps) {
  const notifications = notificationRepository(deps.store);
  const users = userRepository(deps.store);
  const customers = customerRepository(deps.store);
  const nextId = deps.newId ?? (() => newId());
  const senders = deps.senders ?? { sms: logSender(deps.log, 'sms'), email: logSender(deps.log, 'email') };

  const historyLine = (m: CustomerMessage, note: string, changes: Record<string, unknown>) =>
    caseHistoryItem(deps.store, {
      id: nextId(),
      caseId: m.caseId,
      at: deps.clock().toISOString(),
      actor: { kind: 'system', id: 'notifier' },
      action: 'customer_message',
      note,
      changes: { messageId: m.id, purpose: m.purpose, channel: m.channel, ...changes },
    });

  async function notifyStaff(record: DeliveryRecord & { notification: object }): Promise<Attempt> {
    const n = record.notification;
    // A recipient without a profile still has the inbox item written with the cause.
    const recipient: User | undefined = await users.get(n.recipientId);
    const adapter = deps.adapters[recipient?.notifyVia ?? 'inbox'];
    try {
      if (recipient) await adapter.deliver(n, recipient);
      return { ok: true, via: recipient ? adapter.name : 'inbox' };
    } catch (error) {
      return { ok: false, via: adapter.name, error: (error as Error).message, permanent: false };
    }
  }

  async function messageCustomer(m: CustomerMessage): Promise<Attempt | 'withheld'> {
    // The customer may have opted out of the channel since the message was decided (it waited for quiet hours).
    const customer = m.customerId ? await customers.get(m.customerId) : undefined;
    if (customer?.preferences.optOut[m.channel]) return 'withheld';
    const sender = senders[m.channel];
    try {
      const sent = await sender.send(m);
      // Replies to what we sent find the case by the Message-ID the provider gave it, too.
      const thread =
        sent.messageIdHeader && sent.messageIdHeader !== m.email?.messageId
          ? [
              emailThreadItem(
                deps.store,
                sent.messageIdHeader.replace(/^<|>$/g, ''),
                m.caseId,
                Math.floor(deps.clock().getTime() / 1000) + THREAD_KEEP_SECONDS,
              ),
            ]
          : [];
      return { ok: true, via: sender.name, providerMessageId: sent.providerMessageId, alsoWrite: thread };
    } catch (error) {
      return {
        ok: false,
        via: sender.name,
        error: (error as Error).message,
        permanent: error instanceof PermanentDeliveryError,
      };
    }
  }

  async function deliverOne(record: QueueRecord): Promise<Outcome> {
    const id = notificationIdOf(record.body);
    if (!id) return 'poison';
    const claim = await notifications.claim(id, deps.clock());
    if (!claim.record) {
      if (claim.skipped === 'not_due') return 'not_due';
      return (await notifications.exists(id)) ? 'duplicate' : 'poison';
    }
    const claimed = claim.record;
    const message = claimed.message;
    const attempt = message
      ? await messageCustomer(message)
      : await notifyStaff(claimed as DeliveryRecord & { notification: object });
    if (attempt === 'withheld') {
      const why = `the customer opted out of ${message!.channel} before it was sent`;
      await notifications.withhold(id, why, [historyLine(message!, `not sent: ${why}`, { status: 'withheld' })]);
      deps.log.info('customer message withheld', { notificationId: id, channel: message!.channel });
      return 'withheld';
    }
    if (!attempt.ok) {
      if (attempt.permanent || claimed.attempts >= MAX_DELIVERY_ATTEMPTS) {
        const line = message
          ? [historyLine(message, `could not be delivered: ${attempt.error}`, { status: 'undeliverable' })]
          : [];
        await notifications.giveUp(id, attempt.error, line);
        deps.log.metric(metricNames.notificationsGivenUp, 1, { channel: attempt.via });
        deps.log.error(message ? givenUpMessages.customerMessage : givenUpMessages.notification, {
          notificationId: id,
          via: attempt.via,
          attempts: claimed.attempts,
          error: attempt.error,
        });
        return 'undeliverable';
      }
      await notifications.release(id);
      deps.log.warn('notification delivery failed; will retry', {
        notificationId: id,
        via: attempt.via,
        attempts: claimed.attempts,
        error: attempt.error,
      });
      return 'failed';
    }
    await notifications.markDelivered(id, attempt.via, deps.clock(), attempt.providerMessageId, attempt.alsoWrite);
    deps.log.metric(metricNames.notificationsDelivered, 1, { channel: attempt.via });
    return 'delivered';
  }

  return async function deliverBatch(
    records: QueueRecord[],
  ): Promise<{ failed: string[]; outcomes: Record<string, Outcome> }> {
    const outcomes: Record<string, Outcome> = {};
    await Promise.all(
      records.map(async (record) => {
        try {
          const { within } = deps;
          outcomes[record.messageId] =
            within && record.correlationId
              ? await within(record.correlationId, () => deliverOne(record))
              : await deliverOne(record);
        } catch (error) {
          deps.log.warn('notification message failed', {
            messageId: record.messageId,
            error: (error as Error).message,
          });
          outcomes[record.messageId] = 'failed';
        }
        if (outcomes[record.messageId] === 'poison')
          deps.log.warn('poison notification message; it will reach the DLQ', { messageId: record.messageId });
      }),
    );
    return {
      failed: records
        .filter((r) => outcomes[r.messageId] === 'failed' || outcomes[r.messageId] === 'poison')
        .map((r) => r.messageId),
      outcomes,
    };
  };
}

export type NotificationDeliverer = ReturnType<typeof notificationDeliverer>;
