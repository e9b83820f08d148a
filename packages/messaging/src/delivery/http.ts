import type { Notification } from '@cc/core';
import type { User } from '@cc/store';
import type { DeliveryAdapter } from './types';
import { messageFor } from './types';

const TIMEOUT_MS = 5_000;

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`${new URL(url).host} answered ${response.status}`);
}

/** POSTs the notification to the recipient's own webhook (User.webhookUrl). */
export const webhookAdapter = (): DeliveryAdapter => ({
  name: 'webhook',
  async deliver(notification: Notification, recipient: User) {
    if (!recipient.webhookUrl) throw new Error(`user ${recipient.id} wants webhooks but has no webhookUrl`);
    await postJson(recipient.webhookUrl, messageFor(notification));
  },
});

/**
 * Email or SMS through the bank's messaging gateway: an HTTPS endpoint taking
 * { to, subject, text } with a bearer token (configured by environment in AWS).
 */
export function gatewayAdapter(channel: 'email' | 'sms', url: string, token?: string): DeliveryAdapter {
  return {
    name: `gateway:${channel}`,
    async deliver(notification, recipient) {
      const to = channel === 'email' ? recipient.email : recipient.phone;
      if (!to) throw new Error(`user ${recipient.id} has no ${channel === 'email' ? 'email' : 'phone'}`);
      await postJson(url, { to, ...messageFor(notification) }, token ? { authorization: `Bearer ${token}` } : {});
    },
  };
}
