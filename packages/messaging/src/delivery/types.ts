import { asSingleLine, type Notification } from '@cc/core';
import type { User } from '@cc/store';

export type DeliveryChannel = User['notifyVia'];

/** Sends one notification to its recipient by one channel; throws when the channel refused it. */
export interface DeliveryAdapter {
  /** Recorded on the delivery record as `deliveredVia`. */
  readonly name: string;
  deliver(notification: Notification, recipient: User): Promise<void>;
}

export type DeliveryAdapters = Record<DeliveryChannel, DeliveryAdapter>;

/** The inbox item was written with the cause; nothing more to send. */
export const inboxOnly: DeliveryAdapter = { name: 'inbox', deliver: async () => undefined };

/** What an outbound channel carries: enough to act on, with a link back to the record. */
export const messageFor = (n: Notification) => ({
  notificationId: n.id,
  kind: n.kind,
  // A subject is a header line wherever it ends up: never a line break in it, whatever a title came to hold.
  subject: asSingleLine(n.title),
  text: [
    n.excerpt,
    n.customerNumber && `Customer: ${n.customerName ?? ''} (${n.customerNumber})`,
    n.caseId && `Case: ${n.caseId}`,
  ]
    .filter(Boolean)
    .join('\n'),
  caseId: n.caseId,
  customerNumber: n.customerNumber,
  customerName: n.customerName,
  createdAt: n.createdAt,
});

/** Several adapters in turn (e.g. the local outbox file and the log). */
export const allOf = (name: string, adapters: DeliveryAdapter[]): DeliveryAdapter => ({
  name,
  async deliver(notification, recipient) {
    for (const adapter of adapters) await adapter.deliver(notification, recipient);
  },
});
