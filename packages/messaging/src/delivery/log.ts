import type { Logger, MessageSender } from '@cc/core';
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

/** A channel without a provider configured: the message is logged (PII masked) and counts as sent. */
export function logSender(log: Logger, channel: string): MessageSender {
  return {
    name: `log:${channel}`,
    async send(m) {
      log.info('customer message delivered to the log', {
        channel,
        messageId: m.id,
        purpose: m.purpose,
        caseId: m.caseId,
        to: m.to,
      });
      return { providerMessageId: `log-${m.id}` };
    },
  };
}
