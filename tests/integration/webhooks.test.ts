import { beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createTestContext, type TestContext } from '../support/harness';
import { problem } from './intake-support';

/** What the provider webhooks refuse, once the request is signed: the signature is checked first. */
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});

const raw = Buffer.from('From: li.na@example.com\r\nTo: care@bank.example\r\nSubject: Hi\r\n\r\nHello\r\n');
function emailSignature(body: Buffer) {
  const at = Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', t.config.EMAIL_WEBHOOK_SECRET!).update(`${at}.`).update(body).digest('hex');
  return `t=${at},v1=${mac}`;
}

describe('POST /webhooks/email', () => {
  it('takes only message/rfc822 (415)', async () => {
    const res = await t.request('POST', '/webhooks/email', {
      body: raw,
      headers: { 'content-type': 'text/plain', 'x-signature': emailSignature(raw) },
    });
    expect(res.status).toBe(415);
    expect((await problem(res)).code).toBe('request.unsupported_media_type');
  });

  it('answers 404 where this app does not take email (no attachment store: AWS, where SES does)', async () => {
    const res = await t.appWith({ attachments: undefined }).request('/webhooks/email', {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'message/rfc822', 'x-signature': emailSignature(raw) },
    });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe('webhook.not_served');
  });
});

describe('POST /webhooks/sms/twilio', () => {
  it('refuses a signed form that is not an SMS (400)', async () => {
    const params: Record<string, string> = { AccountSid: 'AC1', MessageSid: 'SM-not-a-message' };
    const url = `${t.config.PUBLIC_BASE_URL}/webhooks/sms/twilio`;
    const signed = Object.keys(params)
      .sort()
      .reduce((text, key) => text + key + params[key], url);
    const res = await t.request('POST', '/webhooks/sms/twilio', {
      body: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': createHmac('sha1', t.config.TWILIO_AUTH_TOKEN!).update(signed).digest('base64'),
      },
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('request.invalid');
  });
});
