import { createHmac } from 'node:crypto';
import * as z from 'zod/mini';
import { ValidationError } from '@cc/core';
import { safeEqual } from './safe-equal';
import { toFieldIssues } from './zod-issues';

/**
 * What the deploy puts in the channel secrets' `twilioAuthToken` until someone replaces it (infra/constructs/api.ts).
 * Known to anyone who reads this code, so nothing signs or sends with it: the SMS webhook stays closed, the notifier
 * sends no SMS.
 */
export const TWILIO_TOKEN_PLACEHOLDER = 'set-me-after-deploy';

/**
 * Twilio's X-Twilio-Signature: HMAC-SHA1 (keyed with the auth token, base64) over the full
 * request URL followed by every POST parameter, sorted by name, as name+value with no delimiters.
 */
export function computeTwilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    data += name + params[name];
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  headerValue: string | undefined,
): boolean {
  if (!headerValue) return false;
  return safeEqual(computeTwilioSignature(authToken, url, params), headerValue);
}

export interface TwilioMedia {
  url: string;
  contentType: string;
}

export interface TwilioSms {
  messageSid: string;
  accountSid?: string;
  from: string;
  to: string;
  body: string;
  numMedia: number;
  media: TwilioMedia[];
}

// Twilio sends at most 10 media items per MMS.
const MAX_MEDIA = 10;

const smsParamsSchema = z.object({
  MessageSid: z.string().check(z.regex(/^(SM|MM)[0-9a-f]{32}$/i, 'MessageSid must be SM/MM followed by 32 hex digits')),
  AccountSid: z.optional(
    z.string().check(z.regex(/^AC[0-9a-f]{32}$/i, 'AccountSid must be AC followed by 32 hex digits')),
  ),
  // Phone numbers, short codes or channel addresses (whatsapp:+86...): short, and they become keys.
  From: z.string().check(z.trim(), z.minLength(1, 'From is required'), z.maxLength(64, 'From is too long')),
  To: z.string().check(z.trim(), z.minLength(1, 'To is required'), z.maxLength(64, 'To is too long')),
  Body: z._default(z.string().check(z.maxLength(10_000, 'Body is too long')), ''),
  NumMedia: z._default(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d+$/, 'NumMedia must be a non-negative integer')), z.transform(Number)),
      z.number().check(z.lte(MAX_MEDIA, `NumMedia must be at most ${MAX_MEDIA}`)),
    ),
    0,
  ),
});

/** Validates an inbound Messaging webhook's form parameters. */
export function parseTwilioSms(params: Record<string, string>): TwilioSms {
  const result = smsParamsSchema.safeParse(params);
  if (!result.success) {
    throw new ValidationError('Invalid Twilio SMS webhook', toFieldIssues(result.error));
  }
  const p = result.data;
  const media: TwilioMedia[] = [];
  const issues: { path: string; message: string }[] = [];
  for (let i = 0; i < p.NumMedia; i++) {
    const url = params[`MediaUrl${i}`];
    if (!url || url.length > 2048) {
      issues.push({ path: `MediaUrl${i}`, message: `MediaUrl${i} is required when NumMedia is ${p.NumMedia}` });
      continue;
    }
    media.push({ url, contentType: params[`MediaContentType${i}`] || 'application/octet-stream' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid Twilio SMS webhook', issues);

  return {
    messageSid: p.MessageSid,
    ...(p.AccountSid !== undefined ? { accountSid: p.AccountSid } : {}),
    from: p.From,
    to: p.To,
    body: p.Body,
    numMedia: p.NumMedia,
    media,
  };
}

export type SmsKeyword = 'stop' | 'start' | 'help';

// Twilio's default opt-out / opt-in / help keywords (Advanced Opt-Out defaults).
const KEYWORDS: Record<string, SmsKeyword> = {
  STOP: 'stop',
  STOPALL: 'stop',
  UNSUBSCRIBE: 'stop',
  CANCEL: 'stop',
  END: 'stop',
  QUIT: 'stop',
  START: 'start',
  YES: 'start',
  UNSTOP: 'start',
  HELP: 'help',
  INFO: 'help',
};

/** The whole (trimmed) body must be the keyword, as with Twilio's own handling. */
export function smsKeyword(body: string): SmsKeyword | null {
  return KEYWORDS[body.trim().toUpperCase()] ?? null;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** A TwiML document; empty `<Response/>` acknowledges without replying. */
export function twiml(message?: string): string {
  const inner = message === undefined ? '' : `<Message>${escapeXml(message)}</Message>`;
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
}
