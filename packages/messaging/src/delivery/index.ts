import type { Logger, MessageChannel, MessageSender } from '@cc/core';
import { fileOutboxAdapter, fileOutboxSender } from './file-outbox';
import { gatewayAdapter, webhookAdapter } from './http';
import { logAdapter, logSender } from './log';
import { allOf, inboxOnly, type DeliveryAdapters } from './types';

export * from './types';
export { fileOutboxAdapter, fileOutboxSender } from './file-outbox';
export { logAdapter, logSender } from './log';
export { gatewayAdapter, webhookAdapter } from './http';

/** Locally every outbound channel lands in DATA_DIR/outbox/<channel>.jsonl and in the log. */
export const localDeliveryAdapters = (dataDir: string, log: Logger): DeliveryAdapters => ({
  email: allOf('outbox:email', [fileOutboxAdapter(dataDir, 'email'), logAdapter(log, 'email')]),
  sms: allOf('outbox:sms', [fileOutboxAdapter(dataDir, 'sms'), logAdapter(log, 'sms')]),
  webhook: allOf('outbox:webhook', [fileOutboxAdapter(dataDir, 'webhook'), logAdapter(log, 'webhook')]),
  inbox: inboxOnly,
});

export interface GatewaySettings {
  EMAIL_GATEWAY_URL?: string;
  SMS_GATEWAY_URL?: string;
  GATEWAY_TOKEN?: string;
}

/** In AWS: webhooks by fetch; email/SMS through the gateway when configured, else logged. */
export const awsDeliveryAdapters = (settings: GatewaySettings, log: Logger): DeliveryAdapters => ({
  email: settings.EMAIL_GATEWAY_URL
    ? gatewayAdapter('email', settings.EMAIL_GATEWAY_URL, settings.GATEWAY_TOKEN)
    : logAdapter(log, 'email'),
  sms: settings.SMS_GATEWAY_URL
    ? gatewayAdapter('sms', settings.SMS_GATEWAY_URL, settings.GATEWAY_TOKEN)
    : logAdapter(log, 'sms'),
  webhook: webhookAdapter(),
  inbox: inboxOnly,
});

/** Locally messages to customers land in the same outbox files (and the log). */
export const localMessageSenders = (dataDir: string): Record<MessageChannel, MessageSender> => ({
  sms: fileOutboxSender(dataDir, 'sms'),
  email: fileOutboxSender(dataDir, 'email'),
});

/** In AWS: the providers the notifier's composition root configured, else the log (a stage without them). */
export const awsMessageSenders = (
  configured: Partial<Record<MessageChannel, MessageSender>>,
  log: Logger,
): Record<MessageChannel, MessageSender> => ({
  sms: configured.sms ?? logSender(log, 'sms'),
  email: configured.email ?? logSender(log, 'email'),
});
