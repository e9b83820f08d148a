import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentDeliveryError, type CustomerMessage } from '@cc/core';
import { twilioSmsSender } from './twilio-sender';

const ACCOUNT = `AC${'a1'.repeat(16)}`;
const TOKEN = 'twilio-test-auth-token';
const SERVICE = `MG${'b2'.repeat(16)}`;

/** A stand-in for api.twilio.com that checks a request as Twilio does: Basic auth, the path, the form fields. */
let server: Server;
let base: string;
const received: { path: string; form: URLSearchParams }[] = [];
let answer: { status: number; body: unknown } | undefined;

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => resolve(data));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await read(req);
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const expected = `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return reply(401, { code: 20003, message: 'Authenticate', status: 401 });
    if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`)
      return reply(404, { code: 20404, message: 'not found', status: 404 });
    if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? ''))
      return reply(400, { code: 21000, message: 'form expected', status: 400 });
    const form = new URLSearchParams(body);
    received.push({ path: req.url, form });
    if (!form.get('To') || !form.get('Body') || !(form.get('From') || form.get('MessagingServiceSid')))
      return reply(400, { code: 21604, message: 'A To, Body and From are required', status: 400 });
    if (answer) return reply(answer.status, answer.body);
    reply(201, { sid: `SM${'c3'.repeat(16)}`, status: 'queued', to: form.get('To') });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const message: CustomerMessage = {
  id: '01TEST',
  purpose: 'acknowledgement',
  channel: 'sms',
  to: '+8613800000001',
  customerId: 'c1',
  caseId: 'C-2026-000001',
  locale: 'zh-CN',
  text: '【客户服务】您的投诉已受理，编号 C-2026-000001。',
  createdAt: '2026-11-23T00:00:00.000Z',
};

describe('the Twilio SMS sender', () => {
  it('posts To, From and Body with the account’s Basic auth and keeps the message sid', async () => {
    answer = undefined;
    const sender = twilioSmsSender({ accountSid: ACCOUNT, authToken: TOKEN, from: '+8610955880000', baseUrl: base });
    await expect(sender.send(message)).resolves.toEqual({ providerMessageId: `SM${'c3'.repeat(16)}` });
    const last = received.at(-1)!;
    expect(Object.fromEntries(last.form)).toEqual({ To: message.to, From: '+8610955880000', Body: message.text });
  });

  it('sends through a Messaging Service when given one', async () => {
    answer = undefined;
    await twilioSmsSender({ accountSid: ACCOUNT, authToken: TOKEN, from: SERVICE, baseUrl: base }).send(message);
    expect(received.at(-1)!.form.get('MessagingServiceSid')).toBe(SERVICE);
    expect(received.at(-1)!.form.has('From')).toBe(false);
  });

  it('gives up at once on what Twilio refuses for good, and retries what may pass later', async () => {
    const sender = twilioSmsSender({ accountSid: ACCOUNT, authToken: TOKEN, from: '+8610955880000', baseUrl: base });
    answer = { status: 400, body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 } };
    await expect(sender.send(message)).rejects.toThrow(PermanentDeliveryError);
    await expect(sender.send(message)).rejects.toThrow(/code 21610/);
    answer = { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } };
    const throttled = await sender.send(message).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(Error);
    expect(throttled).not.toBeInstanceOf(PermanentDeliveryError);
    answer = undefined;
    const wrongToken = twilioSmsSender({ accountSid: ACCOUNT, authToken: 'wrong', from: '+86109', baseUrl: base });
    await expect(wrongToken.send(message)).rejects.toThrow(/401/);
  });
});
