import { newId, type Notification } from '@cc/core';
import { notificationItems, type LabelledItem, type StoreContext } from '@cc/store';
import type { AppDeps } from '../deps';

export type NotificationDraft = Omit<Notification, 'id' | 'createdAt'>;

/** Builds notifications and the items that make them durable; publish them only after the commit. */
export function draftNotifications(
  store: StoreContext,
  drafts: NotificationDraft[],
  now: Date,
): { notifications: Notification[]; items: LabelledItem[] } {
  const seen = new Set<string>();
  const notifications = drafts
    .filter((d) => !seen.has(d.recipientId) && seen.add(d.recipientId))
    .map((d) => ({ ...d, id: newId(now.getTime()), createdAt: now.toISOString() }));
  return { notifications, items: notifications.flatMap((n) => notificationItems(store, n)) };
}

/**
 * Write first, deliver after: the records are already committed, so a failed publish loses nothing.
 * The sweeper re-publishes whatever is still pending.
 */
export async function publishNotifications(
  deps: Pick<AppDeps, 'publisher' | 'log'>,
  notifications: Notification[],
): Promise<void> {
  if (notifications.length === 0) return;
  const { failed } = await deps.publisher.publish(
    notifications.map((n) => ({ id: n.id, body: { notificationId: n.id } })),
  );
  if (failed.length > 0)
    deps.log.warn('notification publish failed; the sweeper will re-deliver', { notificationIds: failed });
}
