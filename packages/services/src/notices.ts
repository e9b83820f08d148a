import type { Logger, Notification } from '@cc/core';
import type { MessagePublisher } from '@cc/messaging';
import { notificationItems, type LabelledItem, type StoreContext } from '@cc/store';
import { correlation } from './correlation';

export type NotificationDraft = Omit<Notification, 'id' | 'createdAt'>;

/**
 * Notifications are written first (in the transaction of their cause) and delivered after: `draft` builds
 * them and the items that make them durable; `publish` hands the committed ones to the queue.
 */
export function noticeService(deps: {
  store: StoreContext;
  publisher: MessagePublisher;
  log: Logger;
  newId: (at?: number) => string;
}) {
  /** One notification per recipient, whatever the drafts repeat. */
  function draft(drafts: NotificationDraft[], now: Date): { notifications: Notification[]; items: LabelledItem[] } {
    const seen = new Set<string>();
    const notifications = drafts
      .filter((d) => !seen.has(d.recipientId) && seen.add(d.recipientId))
      .map((d) => ({ ...d, id: deps.newId(now.getTime()), createdAt: now.toISOString() }));
    return { notifications, items: notifications.flatMap((n) => notificationItems(deps.store, n)) };
  }

  /**
   * The records are already committed, so a failed publish loses nothing: the sweeper re-publishes. Staff
   * notifications and messages to customers alike (their delivery records share the queue).
   */
  async function publish(deliveries: readonly { id: string }[]): Promise<void> {
    if (deliveries.length === 0) return;
    const correlationId = correlation.current();
    const { failed } = await deps.publisher.publish(
      deliveries.map((n) => ({ id: n.id, body: { notificationId: n.id }, correlationId })),
    );
    if (failed.length > 0)
      deps.log.warn('notification publish failed; the sweeper will re-deliver', { notificationIds: failed });
  }

  return { draft, publish };
}

export type NoticeService = ReturnType<typeof noticeService>;
