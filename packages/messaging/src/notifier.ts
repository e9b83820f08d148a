import { givenUpMessages, metricNames, type Logger } from '@cc/core';
import { notificationRepository, userRepository, type StoreContext, type User } from '@cc/store';
import type { DeliveryAdapters } from './delivery';

export interface NotifierDeps {
  store: StoreContext;
  adapters: DeliveryAdapters;
  log: Logger;
  clock: () => Date;
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

type Outcome = 'delivered' | 'duplicate' | 'failed' | 'poison' | 'undeliverable';

/**
 * Tries per notification (SQS receives plus the sweeper's re-publishes) before its channel is given
 * up on; the recipient still has it in their inbox.
 */
export const MAX_DELIVERY_ATTEMPTS = 10;

function notificationIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    const id = (parsed as { notificationId?: unknown } | null)?.notificationId;
    return typeof id === 'string' && id.length > 0 && id.length <= 40 ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Delivers a batch of `{ notificationId }` messages and returns the ids of the messages to retry.
 * Idempotent by notification id (a duplicate delivery is acknowledged, not re-sent). A poison
 * message is reported as failed so the queue's redrive policy moves it to the DLQ; it never holds
 * up the rest of the batch.
 */
export function notificationDeliverer(deps: NotifierDeps) {
  const notifications = notificationRepository(deps.store);
  const users = userRepository(deps.store);

  async function deliverOne(record: QueueRecord): Promise<Outcome> {
    const id = notificationIdOf(record.body);
    if (!id) return 'poison';
    const now = deps.clock();
    const claimed = await notifications.claim(id, now);
    if (!claimed) return (await notifications.exists(id)) ? 'duplicate' : 'poison';
    const n = claimed.notification;
    // A recipient without a profile still has the inbox item written with the cause.
    const recipient: User | undefined = await users.get(n.recipientId);
    const adapter = deps.adapters[recipient?.notifyVia ?? 'inbox'];
    try {
      if (recipient) await adapter.deliver(n, recipient);
    } catch (error) {
      const message = (error as Error).message;
      if (claimed.attempts >= MAX_DELIVERY_ATTEMPTS) {
        await notifications.giveUp(id, message);
        deps.log.metric(metricNames.notificationsGivenUp, 1, { channel: adapter.name });
        deps.log.error(givenUpMessages.notification, {
          notificationId: id,
          via: adapter.name,
          attempts: claimed.attempts,
          error: message,
        });
        return 'undeliverable';
      }
      await notifications.release(id);
      deps.log.warn('notification delivery failed; will retry', {
        notificationId: id,
        via: adapter.name,
        attempts: claimed.attempts,
        error: message,
      });
      return 'failed';
    }
    const via = recipient ? adapter.name : 'inbox';
    await notifications.markDelivered(id, via, deps.clock());
    deps.log.metric(metricNames.notificationsDelivered, 1, { channel: via });
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
