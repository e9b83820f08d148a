import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeliveryAdapter, DeliveryChannel } from './types';
import { messageFor } from './types';

/** Local stand-in for email/SMS/webhook: one JSON line per delivery in <dataDir>/outbox/<channel>.jsonl. */
export function fileOutboxAdapter(dataDir: string, channel: Exclude<DeliveryChannel, 'inbox'>): DeliveryAdapter {
  const dir = join(dataDir, 'outbox');
  const file = join(dir, `${channel}.jsonl`);
  let ready: Promise<unknown> | undefined;
  return {
    name: `outbox:${channel}`,
    async deliver(notification, recipient) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const to = channel === 'email' ? recipient.email : channel === 'sms' ? recipient.phone : recipient.webhookUrl;
      await appendFile(
        file,
        JSON.stringify({
          at: new Date().toISOString(),
          channel,
          recipientId: recipient.id,
          to,
          ...messageFor(notification),
        }) + '\n',
      );
    },
  };
}
