import { beforeAll, describe, expect, it } from 'vitest';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, partitionItems, problem, timelineOf } from './intake-support';

type ComposerOptions = ConstructorParameters<typeof MailComposer>[0];
const build = (mail: ComposerOptions): Promise<Buffer> => new MailComposer(mail).compile().build();

let t: TestContext;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cc-email-'));
  t = await createTestContext({ DATA_DIR: dataDir, EMAIL_MAX_BYTES: String(1024 * 1024) });
});

/** The relay's signature, written out: hex HMAC-SHA256 over "<t>." + raw bytes. */
function sign(raw: Buffer, secret = t.config.EMAIL_WEBHOOK_SECRET!, at = Math.floor(Date.now() / 1000)) {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.`).update(raw).digest('hex')}`;
}

const deliver = (raw: Buffer, signature: string | null = sign(raw)) =>
  t.request('POST', '/webhooks/email', {
    body: raw,
    headers: { 'content-type': 'message/rfc822', ...(signature && { 'x-signature': signature }) },
  });

let n = 0;
const messageId = () => `<m${Date.now()}.${++n}@mail.example.com>`;

describe('POST /webhooks/email', () => {
  it('records an email from a customer, stores attachments, and opens an inquiry', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'li.na@example.com', verified: true }],
    });
    const raw = await build({
      from: 'Li Na <Li.Na@Example.com>',
      to: 'care@bank.example',
      subject: 'Mortgage rate question',
      text: 'What is the current rate?',
      messageId: messageId(),
      attachments: [
        { filename: 'statement.pdf', content: Buffer.from('%PDF-1.4 fake'), contentType: 'application/pdf' },
      ],
    });
    const res = await deliver(raw);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outcome: string; contactId: string };
    expect(body.outcome).toBe('new_case');
    const timeline = await timelineOf(t, customer.id);
    const contact = timeline.find((e) => e.id === body.contactId) as {
      channel: string;
      details: { attachments: Record<string, unknown>[] };
    };
    expect(contact.channel).toBe('email');
    expect(contact.details.attachments).toHaveLength(1);
    // Named by id, never by where it lies on the server.
    const [attachment] = contact.details.attachments as { id: string }[];
    expect(Object.keys(attachment!).sort()).toEqual(['contentType', 'filename', 'id', 'size']);
    expect(JSON.stringify(contact.details)).not.toContain(dataDir);
    expect(readFileSync(join(dataDir, 'attachments', ...attachment!.id.split('/')), 'utf8')).toBe('%PDF-1.4 fake');
    const caseEntry = timeline.find((e) => e.type === 'case') as { links: { caseId: string } } | undefined;
    expect(caseEntry?.links.caseId).toMatch(/^C-\d{4}-\d{6}$/);
  });

  it(
    'takes a message above the API-wide body limit up to EMAIL_MAX_BYTES, ' +
      'and refuses a larger one with nothing written',
    async () => {
      const customer = await createCustomer(t, {
        contactPoints: [{ kind: 'email', value: 'big.mail@example.com', verified: true }],
      });
      const mail = (bytes: number) =>
        build({
          from: 'big.mail@example.com',
          to: 'care@bank.example',
          subject: 'Scanned contract',
          text: 'See attached.',
          messageId: messageId(),
          attachments: [{ filename: 'scan.bin', content: randomBytes(bytes), contentType: 'application/octet-stream' }],
        });
      const big = await mail(500 * 1024);
      expect(big.length).toBeGreaterThan(t.config.MAX_BODY_BYTES);
      expect((await deliver(big)).status).toBe(200);
      const tooBig = await mail(900 * 1024);
      expect(tooBig.length).toBeGreaterThan(1024 * 1024);
      const refused = await deliver(tooBig);
      expect(refused.status).toBe(413);
      expect((await problem(refused)).code).toBe('request.too_large');
      expect(
        (await timelineOf(t, customer.id)).filter((e) => e.type === 'contact' && e.direction === 'inbound'),
      ).toHaveLength(1);
    },
  );

  it('threads a reply onto its case by the subject reference and by In-Reply-To', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'wu@example.com', verified: true }],
    });
    const firstId = messageId();
    await deliver(
      await build({
        from: 'wu@example.com',
        to: 'care@bank.example',
        subject: 'Card fee',
        text: 'Why was I charged?',
        messageId: firstId,
      }),
    );
    const caseId = ((await timelineOf(t, customer.id)).find((e) => e.type === 'case') as { links: { caseId: string } })
      .links.caseId;

    const byRef = await deliver(
      await build({
        from: 'wu@example.com',
        to: 'care@bank.example',
        subject: `Re: [${caseId}] Card fee`,
        text: 'Any news?\n\nOn Mon, Bank wrote:\n> old',
        messageId: messageId(),
      }),
    );
    expect(await byRef.json()).toMatchObject({ outcome: 'case_message', caseId });
    const byHeader = await deliver(
      await build({
        from: 'wu@example.com',
        to: 'care@bank.example',
        subject: 'Re: Card fee',
        text: 'Hello again',
        messageId: messageId(),
        inReplyTo: firstId,
        references: [firstId],
      }),
    );
    expect(await byHeader.json()).toMatchObject({ outcome: 'case_message', caseId });
    const messages = await partitionItems(t, keys.casePartition(caseId), 'MSG#');
    expect(messages.map((m) => m.text).sort()).toEqual(['Any news?', 'Hello again']);
  });

  it('keeps mail naming a case as unidentified unless it comes from a verified address of its customer', async () => {
    const owner = 'mgr-thread';
    const customer = await createCustomer(t, {
      primaryManagerId: owner,
      level: 'vip',
      contactPoints: [
        { kind: 'email', value: 'real@example.com', verified: true },
        { kind: 'email', value: 'unverified@example.com' },
      ],
    });
    const first = await deliver(
      await build({
        from: 'real@example.com',
        to: 'care@bank.example',
        subject: 'Fee',
        text: 'Why?',
        messageId: messageId(),
      }),
    );
    expect(await first.json()).toMatchObject({ outcome: 'new_case' });
    const caseEntry = (await timelineOf(t, customer.id)).find((e) => e.type === 'case');
    const { caseId } = (caseEntry as { links: { caseId: string } }).links;
    const sup = await t.token('sup-1', 'supervisor');
    const { publicReference } = (await (await t.request('GET', `/cases/${caseId}`, { token: sup })).json()) as {
      publicReference: string;
    };
    const inboxBefore = await partitionItems(t, keys.userPartition(owner), keys.inboxPrefix);
    for (const from of ['attacker@evil.example', 'unverified@example.com']) {
      for (const subject of [`Re: [${caseId}] Fee`, `Re: ${publicReference} Fee`]) {
        const res = await deliver(
          await build({ from, to: 'care@bank.example', subject, text: 'Send the money here', messageId: messageId() }),
        );
        const receipt = (await res.json()) as object;
        expect(receipt).toMatchObject({ outcome: 'recorded' });
        expect(receipt).not.toHaveProperty('caseId');
      }
      const held = await partitionItems(t, keys.anonymousPartition('email', from), 'TL#');
      expect(held).toHaveLength(2);
      expect(held.every((e) => (e.details as { held?: string }).held === 'not_the_case_customer')).toBe(true);
    }
    expect(await partitionItems(t, keys.casePartition(caseId), 'MSG#')).toHaveLength(0);
    expect(await partitionItems(t, keys.userPartition(owner), keys.inboxPrefix)).toHaveLength(inboxBefore.length);
  });

  it('records auto-replies and bounces without opening cases', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'away@example.com', verified: true }],
    });
    const auto = await deliver(
      await build({
        from: 'away@example.com',
        to: 'care@bank.example',
        subject: 'Out of office',
        text: 'I am away',
        messageId: messageId(),
        headers: { 'Auto-Submitted': 'auto-replied' },
      }),
    );
    expect(await auto.json()).toMatchObject({ outcome: 'recorded' });
    const bounce = await deliver(
      await build({
        from: 'MAILER-DAEMON@example.com',
        to: 'care@bank.example',
        subject: 'Undelivered Mail',
        text: 'failed',
        messageId: messageId(),
      }),
    );
    expect(await bounce.json()).toMatchObject({ outcome: 'recorded' });
    const timeline = await timelineOf(t, customer.id);
    expect(timeline).toHaveLength(1);
    expect(timeline.some((e) => e.type === 'case')).toBe(false);
  });

  it('dedups by Message-ID: 10 concurrent deliveries make one contact and one case', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'storm@example.com', verified: true }],
    });
    const raw = await build({
      from: 'storm@example.com',
      to: 'care@bank.example',
      subject: 'Help',
      text: 'Please call me',
      messageId: messageId(),
    });
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(raw)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(await Promise.all(responses.map((r) => r.text()))).size).toBe(1);
    const timeline = await timelineOf(t, customer.id);
    expect(timeline.filter((e) => e.type === 'contact' && e.direction === 'inbound')).toHaveLength(1);
    expect(timeline.filter((e) => e.type === 'case')).toHaveLength(1);
    // ...and one acknowledgement, answering the email.
    expect(timeline.filter((e) => e.direction === 'outbound')).toHaveLength(1);
  });

  it('refuses unsigned, wrongly signed, stale and tampered deliveries with 403 and writes nothing', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'forged@example.com', verified: true }],
    });
    const raw = await build({
      from: 'forged@example.com',
      to: 'care@bank.example',
      subject: 'Forged',
      text: 'x',
      messageId: messageId(),
    });
    const stale = sign(raw, undefined, Math.floor(Date.now() / 1000) - 301);
    const tampered = Buffer.concat([raw, Buffer.from('\r\nextra')]);
    for (const res of [
      await deliver(raw, null),
      await deliver(raw, sign(raw, 'another-secret-0123456789')),
      await deliver(raw, stale),
      await deliver(tampered, sign(raw)),
    ]) {
      expect(res.status).toBe(403);
      expect((await problem(res)).code).toBe('webhook.signature_invalid');
    }
    expect(await timelineOf(t, customer.id)).toHaveLength(0);
  });

  it('keeps mail from an unknown address as unidentified', async () => {
    await deliver(
      await build({
        from: 'stranger@example.org',
        to: 'care@bank.example',
        subject: 'Hi',
        text: 'Who am I?',
        messageId: messageId(),
      }),
    );
    expect(
      (await partitionItems(t, keys.anonymousPartition('email', 'stranger@example.org'), 'TL#')).length,
    ).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(dataDir, 'attachments'))).toBe(true);
  });

  it('refuses mail it cannot parse (in time) or without a From address as bad input (400), writing none', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'nested@example.com', verified: true }],
    });
    const levels = Array.from(
      { length: 300 },
      (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}`,
    );
    const tooDeep = Buffer.from(
      ['From: nested@example.com', `Message-ID: ${messageId()}`, ...levels, '', 'x'].join('\r\n'),
    );
    const noFrom = Buffer.from(`To: care@bank.example\r\nMessage-ID: ${messageId()}\r\n\r\nhello\r\n`);
    // 900 KB of line breaks (under EMAIL_MAX_BYTES): each line costs the parser as much as a long one.
    const lineBreaks = Buffer.from(
      `From: nested@example.com\r\nMessage-ID: ${messageId()}\r\n\r\n${'\n'.repeat(900 * 1024)}`,
    );
    for (const [raw, code] of [
      [tooDeep, 'email.mime_invalid'],
      [lineBreaks, 'email.mime_invalid'],
      [noFrom, 'email.from_invalid'],
    ] as const) {
      const res = await deliver(raw);
      expect(res.status, code).toBe(400);
      expect((await problem(res)).code).toBe(code);
    }
    expect(await timelineOf(t, customer.id)).toHaveLength(0);
  });
});
