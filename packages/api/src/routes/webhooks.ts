import * as z from 'zod/mini';
import type { Context } from 'hono';
import { DomainError, metricNames, SignatureError, withMeta } from '@cc/core';
import { parseTwilioSms, verifyEmailWebhook, verifyTwilioSignature } from '@cc/channels';
import type { PublicEdgeServices } from '@cc/services';
import type { PublicHttpDeps } from '../http/env';
import { replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';

/** The URL Twilio signed: our public base URL plus the path and query it called. */
export function signedUrl(publicBaseUrl: string, c: Context): string {
  const url = new URL(c.req.url);
  return `${publicBaseUrl.replace(/\/$/, '')}${url.pathname}${url.search}`;
}

/** Form parameters as Twilio sent them (the first value of a repeated name). */
export async function formParams(c: Context): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(await c.req.text())) if (!(name in params)) params[name] = value;
  return params;
}

const TwilioForm = withMeta(z.record(z.string(), z.string()), {
  description: 'Twilio Messaging webhook parameters (MessageSid, From, To, Body, NumMedia, MediaUrlN...)',
});

const EmailReceiptSchema = withMeta(
  z.object({
    messageId: z.string(),
    contactId: z.string(),
    outcome: z.enum(['case_message', 'new_case', 'recorded']),
    caseId: z.optional(z.string()),
  }),
  { id: 'EmailReceipt' },
);

const tags = ['webhooks'];

/** Provider webhooks: authenticated by the provider's signature, never by a bearer token. */
export const webhookRoutes = (s: PublicEdgeServices, http: PublicHttpDeps): Route[] => [
  route(
    {
      operationId: 'receiveTwilioSms',
      method: 'post',
      path: '/webhooks/sms/twilio',
      tags,
      summary: 'Inbound SMS from Twilio (X-Twilio-Signature); answers TwiML',
      auth: 'twilio',
      body: { own: { 'application/x-www-form-urlencoded': TwilioForm }, required: true },
      responses: { 200: { description: 'TwiML', text: { 'text/xml': z.string() } } },
      errors: [400, 403, 503],
    },
    async ({ c }) => {
      const twilio = http.twilio();
      if ('closed' in twilio) {
        // Counted per refused message (its alarm pages on-call), not only logged once per container.
        http.log.metric(metricNames.smsRefusedWebhookClosed);
        throw new DomainError('webhook.not_configured', `The SMS webhook is closed: ${twilio.closed}`);
      }
      const params = await formParams(c);
      const signature = c.req.header('x-twilio-signature');
      const url = signedUrl(http.config.PUBLIC_BASE_URL, c);
      if (!verifyTwilioSignature(twilio.token, url, params, signature)) throw new SignatureError();
      const recorded = await s.sms.receive(parseTwilioSms(params));
      return { status: 200, text: recorded.response.body, type: 'text/xml', headers: replayHeaders(recorded.replayed) };
    },
  ),

  route(
    {
      operationId: 'receiveEmail',
      method: 'post',
      path: '/webhooks/email',
      tags,
      summary:
        'Inbound email as a raw RFC 5322 message ' +
        '(the local relay; in AWS, SES stores mail to S3, the email function takes over and this answers 404). ' +
        'Signed: X-Signature t=...,v1=...',
      auth: 'email',
      bodyLimit: 'email',
      body: { own: { 'message/rfc822': z.string() }, required: true },
      responses: { 200: { description: 'Recorded (or already recorded: same answer)', json: EmailReceiptSchema } },
      errors: [400, 403, 404, 413, 415],
    },
    async ({ c }) => {
      const raw = Buffer.from(await c.req.arrayBuffer());
      const secret = http.emailWebhookSecret;
      const now = Math.floor(http.clock().getTime() / 1000);
      if (!secret || !verifyEmailWebhook(secret, c.req.header('x-signature'), raw, now)) throw new SignatureError();
      if (!/^message\/rfc822\b/i.test(c.req.header('content-type') ?? '')) {
        throw new DomainError('request.unsupported_media_type', 'Send the raw message as message/rfc822');
      }
      if (!s.email) {
        throw new DomainError('webhook.not_served', 'Email is received through SES in this deployment, not here');
      }
      const recorded = await s.email.receive(raw);
      return { status: 200, body: recorded.response.body, headers: replayHeaders(recorded.replayed) };
    },
  ),
];
