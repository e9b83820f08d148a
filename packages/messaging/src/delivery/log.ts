import type { Logger } from '@cc/core';
import type { DeliveryAdapter } from './types';

/** Writes the delivery to the log (PII masked by the logger); the fallback when a channel is not configured. */
export function logAdapter(log: Logger, channel: string): DeliveryAdapter {
  return {
    name: `log:${channel}`,
    async deliver(notification, recipient) {
      log.info('notification delivered', {
        channel,
        notificationId: notification.id,
        recipientId: recipient.id,
        kind: notification.kind,
        caseId: notification.caseId,
      });
    },
  };
}
