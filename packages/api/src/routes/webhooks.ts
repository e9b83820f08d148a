import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DomainError, SignatureError } from '@cc/core';
import { parseTwilioSms, verifyEmailWebhook, verifyTwilioSignature, type AttachmentStore } from '@cc/channels';
import type { StoredResponse } from '@cc/store';
import type { AppDeps, AppEnv } from '../deps';
import { sendStored } from '../idempotency';
import { createRouter, problemResponses } from '../openapi';
import { smsIntake } from '../services/sms-intake';
import { emailIntake } from '../services/email-intake';
import { escalateIfDue, type Escalate } from '../services/escalation';

/** The URL Twilio signed: our public base URL plus the path and query it called. */
export function signedUrl(deps: AppDeps, c: Context): string {
  const url = new URL(c.req.url);
  return `${deps.config.PUBLIC_BASE_URL.replace(/\/$/, '')}${url.pathname}${url.search}`;
}

/** Form parameters as Twilio sent them (the first value of a repeated name). */
export async function formParams(c: Context): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(await c.req.text())) if (!(name in params)) params[name] = value;
  return params;
}

const twimlResponse = (response: StoredResponse<string>, replayed: boolean) =>
  new Response(response.body, {
    status: response.status,
    headers: { 'content-type': 'text/xml; charset=utf-8', ...(replayed && { 'idempotent-replayed': 'true' }) },
  });

const TwilioForm = z
  .record(z.string(), z.string())
  .openapi({ description: 'Twilio Messaging webhook parameters (MessageSid, From, To, Body, NumMedia, MediaUrlN...)' });

/** Whole RFC 822 messages: this path has its own body limit (EMAIL_MAX_BYTES). */
export const EMAIL_WEBHOOK_PATH = '/webhooks/email';

/** Provider webhooks: authenticated by the provider's signature, never by a bearer token. */
export function webhookRoutes(deps: AppDeps, options: { escalate?: Escalate; attachments: AttachmentStore }) {
  const router = createRouter();
  const sms = smsIntake(deps);
  const email = emailIntake(deps, { attachments: options.attachments });

  router.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/sms/twilio',
      tags: ['webhooks'],
      summary: 'Inbound SMS from Twilio (X-Twilio-Signature); answers TwiML',
      request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: TwilioForm } } } },
      responses: {
        200: { description: 'TwiML', content: { 'text/xml': { schema: z.string() } } },
        ...problemResponses(400, 403),
      },
    }),
    async (c: Context<AppEnv>) => {
      const params = await formParams(c);
      const token = deps.config.TWILIO_AUTH_TOKEN;
      if (!token || !verifyTwilioSignature(token, signedUrl(deps, c), params, c.req.header('x-twilio-signature')))
        throw new SignatureError();
      const recorded = await sms.receive(parseTwilioSms(params));
      await escalateIfDue(deps, recorded, options.escalate);
      return twimlResponse(recorded.response, recorded.replayed);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: EMAIL_WEBHOOK_PATH,
      tags: ['webhooks'],
      summary:
        'Inbound email as a raw RFC 5322 message (local relay; in AWS SES stores to S3 and the email function takes over). Signed: X-Signature t=...,v1=...',
      request: { body: { required: true, content: { 'message/rfc822': { schema: z.string() } } } },
      responses: {
        200: {
          description: 'Recorded (or already recorded: same answer)',
          content: {
            'application/json': {
              schema: z.object({
                messageId: z.string(),
                contactId: z.string(),
                outcome: z.enum(['case_message', 'new_case', 'recorded']),
                caseId: z.string().optional(),
              }),
            },
          },
        },
        ...problemResponses(400, 403, 413, 415),
      },
    }),
    async (c: Context<AppEnv>) => {
      const raw = Buffer.from(await c.req.arrayBuffer());
      const secret = deps.config.EMAIL_WEBHOOK_SECRET;
      if (
        !secret ||
        !verifyEmailWebhook(secret, c.req.header('x-signature'), raw, Math.floor(deps.clock().getTime() / 1000))
      )
        throw new SignatureError();
      if (!/^message\/rfc822\b/i.test(c.req.header('content-type') ?? ''))
        throw new DomainError('request.unsupported_media_type', 'Send the raw message as message/rfc822');
      const recorded = await email.receive(raw);
      return sendStored(c, recorded) as never;
    },
  );

  return router;
}
