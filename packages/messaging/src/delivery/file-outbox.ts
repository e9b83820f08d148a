import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageChannel, MessageSender } from '@cc/core';
import type { DeliveryAdapter, DeliveryChannel } from './types';
import { messageFor } from './types';

/** Appends one JSON line to <dataDir>/outbox/<channel>.jsonl. */
function outboxFile(dataDir: string, channel: string) {
  const dir = join(dataDir, 'outbox');
  const file = join(dir, `${channel}.jsonl`);
  let ready: Promise<unknown> | undefined;
  return async (line: Record<string, unknown>) => {
    ready ??= mkdir(dir, { recursive: true });
    await ready;
    await appendFile(file, JSON.stringify({ at: new Date().toISOString(), channel, ...line }) + '\n');
  };
}

/** Local stand-in for email/SMS/webhook: one JSON line per delivery in <dataDir>/outbox/<channel>.jsonl. */
export function fileOutboxAdapter(dataDir: string, channel: Exclude<DeliveryChannel, 'inbox'>): DeliveryAdapter {
  const append = outboxFile(dataDir, channel);
  return {
    name: `outbox:${channel}`,
    async deliver(notification, recipient) {
      const to = channel === 'email' ? recipient.email : channel === 'sms' ? recipient.phone : recipient.webhookUrl;
      await append({ recipientId: recipient.id, to, ...messageFor(notification) });
    },
  };
}

/**
 * Local stand-in for Twilio and SES: messages to customers land in the same outbox files as staff notifications,
 * told apart by `audience: "customer"`. The provider id is the message's own.
 */
export function fileOutboxSender(dataDir: string, channel: MessageChannel): MessageSender {
  const append = outboxFile(dataDir, channel);
  return {
    name: `outbox:${channel}`,
    async send(m) {
      await append({
        audience: 'customer',
        messageId: m.id,
        purpose: m.purpose,
        caseId: m.caseId,
        customerId: m.customerId,
        locale: m.locale,
        to: m.to,
        ...(m.subject && { subject: m.subject }),
        text: m.text,
        ...(m.email && { headers: m.email }),
      });
      return { providerMessageId: `local-${m.id}` };
    },
  };
}
