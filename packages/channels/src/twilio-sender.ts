import { PermanentDeliveryError, type CustomerMessage, type MessageSender } from '@cc/core';

export interface TwilioSenderSettings {
  accountSid: string;
  authToken: string;
  /** A Twilio phone number (E.164) or a Messaging Service SID (MG…). */
  from: string;
  /** https://api.twilio.com unless a test points it elsewhere. */
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * SMS through Twilio's Messages REST API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic auth
 * (Account SID : auth token), form-encoded To, From or MessagingServiceSid, Body. Twilio answers 201 with the
 * message's `sid`. A 4xx (other than 429) is Twilio refusing this message (bad number, unsubscribed recipient) and
 * will not change on retry; anything else is retried.
 */
export function twilioSmsSender(settings: TwilioSenderSettings): MessageSender {
  const base = (settings.baseUrl ?? 'https://api.twilio.com').replace(/\/$/, '');
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;
  const sender = /^MG[0-9a-f]{32}$/i.test(settings.from) ? 'MessagingServiceSid' : 'From';
  return {
    name: 'twilio',
    async send(message: CustomerMessage) {
      if (message.channel !== 'sms') throw new PermanentDeliveryError(`twilio sends SMS, not ${message.channel}`);
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ To: message.to, [sender]: settings.from, Body: message.text }).toString(),
        signal: AbortSignal.timeout(settings.timeoutMs ?? 10_000),
      });
      const body = (await response.json().catch(() => ({}))) as { sid?: unknown; code?: unknown; message?: unknown };
      if (response.ok && typeof body.sid === 'string') return { providerMessageId: body.sid };
      const why = `twilio answered ${response.status}${body.code ? ` (code ${String(body.code)})` : ''}`;
      const detail = typeof body.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw new PermanentDeliveryError(why + detail);
      }
      throw new Error(why + detail);
    },
  };
}
