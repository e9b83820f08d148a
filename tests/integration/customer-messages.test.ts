import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Caller, Case } from '@cc/core';
import { localMessageSenders, notificationDeliverer, inboxOnly } from '@cc/messaging';
import { caseRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, partitionItems, problem, timelineOf } from './intake-support';

let t: TestContext;
let dataDir: string;
const admin: Caller = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' };
const hex = (n: number) => randomBytes(n).toString('hex');

beforeAll(async () => {
  t = await createTestContext({ PUBLIC_BASE_URL: 'https://care.bank.example' });
  dataDir = mkdtempSync(join(tmpdir(), 'cc-outbox-'));
});

/** Plays the notifier over everything on the queue, with the local outbox senders, at `now`. */
async function deliverQueued(now: () => Date = () => new Date()) {
  const deliver = notificationDeliverer({
    store: t.deps.store,
    adapters: { email: inboxOnly, sms: inboxOnly, webhook: inboxOnly, inbox: inboxOnly },
    senders: localMessageSenders(dataDir),
    log: t.deps.log,
    clock: now,
  });
  const outcomes: string[] = [];
  for (let i = 0; i < 20; i++) {
    const { Messages = [] } = await t.deps.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: t.queues.notifications, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) break;
    const result = await deliver(Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })));
    outcomes.push(...Object.values(result.outcomes));
    await t.deps.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: t.queues.notifications,
        Entries: Messages.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return outcomes;
}

/** What reached customers through the local outbox, for one address. */
async function outboxTo(channel: 'email' | 'sms', to: string) {
  const text = await readFile(join(dataDir, 'outbox', `${channel}.jsonl`), 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown> & { headers?: Record<string, unknown> })
    .filter((m) => m.audience === 'customer' && m.to === to);
}

const historyOf = async (caseId: string) =>
  (await partitionItems(t, keys.casePartition(caseId), 'HIST#')) as { action: string; note?: string; changes?: any }[];

async function agentCase(customerId: string, over: Record<string, unknown> = {}, app = t.app) {
  const res = await app.request('/contacts', {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token('agent-1', 'agent')}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      customerId,
      direction: 'inbound',
      startedAt: new Date().toISOString(),
      outcome: 'complaint_registered',
      case: { type: 'complaint', category: 'card', title: 'Card blocked', description: 'Blocked abroad' },
      ...over,
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { caseId: string }).caseId;
}

const close = async (caseId: string, resolution?: string) => {
  const c = await t.services.cases.get(admin, caseId);
  return t.services.cases.update(admin, caseId, { status: 'closed', note: resolution ?? 'Done' }, c.version);
};

describe('acknowledgement and outcome', () => {
  it('a form complaint with an email gets one acknowledgement email, and after closing one outcome email', async () => {
    const email = `form.${hex(3)}@example.com`;
    const res = await t.request('POST', '/public/complaints?lang=en', {
      json: {
        name: 'Zhou Xin',
        email,
        category: 'fees',
        subject: 'Fee charged twice',
        description: 'The annual fee appears twice on my statement.',
      },
    });
    expect(res.status).toBe(201);
    const receipt = (await res.json()) as { reference: string; statusPageUrl: string };
    expect(receipt.statusPageUrl).toBe(
      `https://care.bank.example/complaint/status?reference=${receipt.reference}&lang=en`,
    );
    await deliverQueued();
    // A retry of the delivery (SQS at least once) sends nothing more.
    await deliverQueued();

    const [ack, ...more] = await outboxTo('email', email);
    expect(more).toHaveLength(0);
    // The customer's reference is random; the message names the case staff know by its id.
    const caseId = (await caseRepository(t.deps.store).idByPublicReference(receipt.reference))!;
    expect(ack).toMatchObject({ purpose: 'acknowledgement', caseId, locale: 'en' });
    // The reference leads the subject; the customer's line break never reaches a header.
    expect(ack!.subject).toMatch(new RegExp(`^\\[${receipt.reference}\\] We have received your complaint: `));
    expect(ack!.subject).not.toMatch(/[\r\n]/);
    expect(ack!.text).toContain(receipt.statusPageUrl);

    await close(caseId, 'Refunded the second fee.');
    await deliverQueued();
    const messages = await outboxTo('email', email);
    expect(messages.map((m) => m.purpose)).toEqual(['acknowledgement', 'outcome']);
    expect(messages[1]!.text).toContain('Refunded the second fee.');
    const stored = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.notification(String(messages[1]!.messageId)) }),
    );
    expect(stored.Item).toMatchObject({ status: 'delivered', providerMessageId: `local-${messages[1]!.messageId}` });
  });

  it('writes to a customer registered by an agent in their language, on their preferred channel', async () => {
    const customer = await createCustomer(t, {
      level: 'vip',
      primaryManagerId: 'mgr-1',
      preferredChannel: 'email',
      preferences: { optOut: { sms: false, email: false, voice: false } },
      contactPoints: [
        { kind: 'phone', value: '+8613800009101' },
        { kind: 'email', value: 'li.na@example.com' },
      ],
    });
    const caseId = await agentCase(customer.id);
    await deliverQueued();
    const [ack] = await outboxTo('email', 'li.na@example.com');
    expect(ack).toMatchObject({ purpose: 'acknowledgement', caseId, locale: 'zh-CN' });
    expect(ack!.subject).toContain('我们已收到您的投诉');
    expect(await outboxTo('sms', '+8613800009101')).toHaveLength(0);
    // It is on the customer's contact history as an outbound contact of the case.
    const outbound = (await timelineOf(t, customer.id)).filter((e) => e.direction === 'outbound');
    expect(outbound).toEqual([expect.objectContaining({ channel: 'email', links: { caseId } })]);
  });

  it('opt-out blocks: nothing is sent and the case says why', async () => {
    const customer = await createCustomer(t, {
      preferences: { optOut: { sms: true, email: true, voice: false } },
      contactPoints: [
        { kind: 'phone', value: '+8613800009102' },
        { kind: 'email', value: 'no.mail@example.com' },
      ],
    });
    const caseId = await agentCase(customer.id);
    const blocked = (await historyOf(caseId)).find((h) => h.action === 'customer_message');
    expect(blocked?.changes).toMatchObject({
      purpose: 'acknowledgement',
      status: 'blocked',
      reasons: [
        { code: 'opted_out', channel: 'sms' },
        { code: 'opted_out', channel: 'email' },
      ],
    });
    expect(blocked?.note).toContain('opted out of sms');
    await deliverQueued();
    expect(await outboxTo('sms', '+8613800009102')).toHaveLength(0);
    expect(await outboxTo('email', 'no.mail@example.com')).toHaveLength(0);
  });
});

describe('quiet hours, with a fake clock', () => {
  // 23:31 in Shanghai; the customer's quiet hours are 21:00–08:00 there.
  const lateAt = new Date('2026-11-23T15:31:00Z');
  const quiet = { quietHours: { start: '21:00', end: '08:00', timezone: 'Asia/Shanghai' } };

  it('holds the message until the window opens, then sends it', async () => {
    const customer = await createCustomer(t, {
      preferences: { ...quiet, optOut: { sms: false, email: false, voice: false } },
      contactPoints: [{ kind: 'phone', value: '+8613800009103' }],
    });
    const late = t.compose({ clock: () => lateAt });
    const c = await late.cases.create(
      { caller: admin },
      { type: 'inquiry', subject: 'other', description: 'x'.repeat(20), customerId: customer.id },
    );
    const held = (await historyOf(c.id)).find((h) => h.action === 'customer_message')!;
    expect(held.changes).toMatchObject({ status: 'scheduled', sendAfter: '2026-11-24T00:00:00.000Z' });
    const deliveryId = String(held.changes.messageId);

    // Nothing was published; a stray early delivery is acknowledged and left for later.
    // (The branch's supervisors hear of the queued case meanwhile: only the customer's phone must hear nothing.)
    await deliverQueued(() => lateAt);
    expect(await outboxTo('sms', '+8613800009103')).toHaveLength(0);
    const early = notificationDeliverer({
      store: t.deps.store,
      adapters: { email: inboxOnly, sms: inboxOnly, webhook: inboxOnly, inbox: inboxOnly },
      senders: localMessageSenders(dataDir),
      log: t.deps.log,
      clock: () => lateAt,
    });
    const stray = await early([{ messageId: 'm1', body: JSON.stringify({ notificationId: deliveryId }) }]);
    expect(stray).toEqual({ failed: [], outcomes: { m1: 'not_due' } });
    expect(await outboxTo('sms', '+8613800009103')).toHaveLength(0);

    // At 08:01 local the sweeper publishes it, and the notifier sends it.
    const morning = new Date('2026-11-24T00:01:00Z');
    await t.compose({ clock: () => morning }).sweeper.runOnce(30_000);
    expect(await deliverQueued(() => morning)).toContain('delivered');
    expect(await outboxTo('sms', '+8613800009103')).toEqual([
      expect.objectContaining({ purpose: 'acknowledgement', caseId: c.id }),
    ]);
  });

  it('a held message is withheld if the customer opts out before it goes', async () => {
    const customer = await createCustomer(t, {
      preferences: { ...quiet, optOut: { sms: false, email: false, voice: false } },
      contactPoints: [{ kind: 'phone', value: '+8613800009104' }],
    });
    const c = await t
      .compose({ clock: () => lateAt })
      .cases.create(
        { caller: admin },
        { type: 'inquiry', subject: 'other', description: 'y'.repeat(20), customerId: customer.id },
      );
    await t.services.customers.update(admin, customer.id, customer.version, {
      preferences: { ...quiet, optOut: { sms: true, email: false, voice: false } },
    });
    const morning = new Date('2026-11-24T00:01:00Z');
    await t.compose({ clock: () => morning }).sweeper.runOnce(30_000);
    expect(await deliverQueued(() => morning)).toContain('withheld');
    expect(await outboxTo('sms', '+8613800009104')).toHaveLength(0);
    const lines = (await historyOf(c.id)).filter((h) => h.action === 'customer_message');
    expect(lines.map((h) => h.changes.status)).toEqual(['scheduled', 'withheld']);
  });

  it('an outbound call in quiet hours to a customer who opted out of calls is logged and flagged', async () => {
    const customer = await createCustomer(t, {
      preferences: { ...quiet, optOut: { sms: false, email: false, voice: true } },
      contactPoints: [{ kind: 'phone', value: '+8613800009105' }],
    });
    const agent = await t.token('agent-1', 'agent');
    for (const minute of ['31', '32', '33']) {
      const res = await t.request('POST', '/contacts', {
        token: agent,
        json: {
          customerId: customer.id,
          direction: 'outbound',
          startedAt: `2026-11-23T23:${minute}:00+08:00`,
          outcome: 'no_answer',
        },
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { details: { guard: unknown } }).details.guard).toMatchObject({
        broken: minute === '33' ? ['opted_out', 'quiet_hours'] : ['opted_out', 'quiet_hours'],
      });
    }
    const calls = (await timelineOf(t, customer.id)).filter((e) => e.channel === 'voice');
    expect(calls).toHaveLength(3);
    expect(
      calls.every((e) => (e.details as { guard: { broken: string[] } }).guard.broken.includes('quiet_hours')),
    ).toBe(true);
    const log = await partitionItems(t, keys.contactLogPartition(customer.id));
    expect(log.map((l) => l.guardBroken)).toEqual([
      ['opted_out', 'quiet_hours'],
      ['opted_out', 'quiet_hours'],
      ['opted_out', 'quiet_hours'],
    ]);
  });
});

describe('staff replies', () => {
  it('threads an email reply to the case, records it, and a customer answer to it finds the case', async () => {
    const customer = await createCustomer(t, {
      level: 'vip',
      primaryManagerId: 'mgr-1',
      contactPoints: [{ kind: 'email', value: 'he.jun@example.com', verified: true }],
    });
    // The customer wrote in by email: the email opened an inquiry.
    const first = `<first.${hex(4)}@mail.example.com>`;
    const inbound = await t.services.email.receive(
      await new MailComposer({
        from: 'He Jun <he.jun@example.com>',
        to: 'care@bank.example',
        subject: 'Loan documents',
        text: 'Which documents do you need for the mortgage?',
        messageId: first,
      })
        .compile()
        .build(),
    );
    const caseId =
      (inbound.response.body as { outcome: string; caseId?: string }).caseId ?? (await openCaseOf(customer.id));

    const reply = await t.request('POST', `/cases/${caseId}/replies`, {
      token: await t.token('mgr-1', 'manager'),
      json: { text: 'Your payslips for the last six months, please.' },
    });
    expect(reply.status, await reply.clone().text()).toBe(201);
    const receipt = (await reply.json()) as {
      message: { id: string; direction: string; externalId: string };
      delivery: { status: string; channel: string; to: string };
    };
    expect(receipt.delivery).toMatchObject({ status: 'queued', channel: 'email', to: 'he.jun@example.com' });
    expect(receipt.message).toMatchObject({ direction: 'outbound' });
    const messages = (await partitionItems(t, keys.casePartition(caseId), 'MSG#')) as { direction: string }[];
    expect(messages.map((m) => m.direction)).toContain('outbound');
    expect((await timelineOf(t, customer.id)).filter((e) => e.direction === 'outbound').map((e) => e.details)).toEqual(
      expect.arrayContaining([expect.objectContaining({ purpose: 'reply', status: 'queued' })]),
    );

    await deliverQueued();
    const sent = (await outboxTo('email', 'he.jun@example.com')).filter((m) => m.purpose === 'reply');
    expect(sent).toHaveLength(1);
    // The subject carries the customer's reference, never the case's sequential id.
    const { publicReference } = (await t.services.cases.get(admin, caseId)) as Case;
    expect(sent[0]!.subject).toContain(`[${publicReference}]`);
    expect(sent[0]!.headers).toMatchObject({ messageId: `<${receipt.message.externalId}>`, inReplyTo: first });

    // The customer answers our reply (no reference in the subject): In-Reply-To finds the case.
    const answer = await t.services.email.receive(
      await new MailComposer({
        from: 'he.jun@example.com',
        to: 'care@bank.example',
        subject: 'documents',
        text: 'Attached next week.',
        messageId: `<answer.${hex(4)}@mail.example.com>`,
        inReplyTo: `<${receipt.message.externalId}>`,
      })
        .compile()
        .build(),
    );
    expect(answer.response.body).toMatchObject({ outcome: 'case_message', caseId });
  });

  it('threads an SMS to the case the customer was last written to from, of several open ones', async () => {
    const phone = '+8613800009106';
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: phone }] });
    const a = await agentCase(customer.id);
    const b = await agentCase(customer.id);
    const res = await t.request('POST', `/cases/${a}/replies`, {
      token: await t.token('agent-1', 'agent'),
      json: { text: 'Your new card is on its way.', channel: 'sms' },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    await t.services.sms.receive({
      messageSid: `SM${hex(16)}`,
      from: phone,
      to: '+8610955880000',
      body: 'Thanks! When will it arrive?',
      numMedia: 0,
      media: [],
    });
    const onA = (await partitionItems(t, keys.casePartition(a), 'MSG#')) as { direction: string; text: string }[];
    const onB = (await partitionItems(t, keys.casePartition(b), 'MSG#')) as { direction: string }[];
    expect(onA.filter((m) => m.direction === 'inbound').map((m) => m.text)).toEqual(['Thanks! When will it arrive?']);
    expect(onB.filter((m) => m.direction === 'inbound')).toHaveLength(0);
  });

  it('refuses a reply past the frequency cap with 409 contact.blocked, saying why', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'email', value: 'capped@example.com' }] });
    const caseId = await agentCase(customer.id);
    const token = await t.token('agent-1', 'agent');
    const send = () => t.request('POST', `/cases/${caseId}/replies`, { token, json: { text: 'An update for you.' } });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(201); // the acknowledgement does not count
    const refused = await send();
    expect(refused.status).toBe(409);
    const body = (await problem(refused)) as unknown as { code: string; reasons: { code: string; limit: number }[] };
    expect(body.code).toBe('contact.blocked');
    expect(body.reasons).toEqual([
      { code: 'no_address', channel: 'sms' },
      expect.objectContaining({ code: 'frequency_cap', count: 3, limit: 3, windowDays: 7 }),
    ]);
  });

  it('is not open to a manager outside the case', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'email', value: 'scope@example.com' }] });
    const caseId = await agentCase(customer.id);
    const res = await t.request('POST', `/cases/${caseId}/replies`, {
      token: await t.token('mgr-2', 'manager'),
      json: { text: 'Hello' },
    });
    expect(res.status).toBe(404);
  });
});

describe('every inbound message becomes work', () => {
  it('an SMS from a known customer with no open case opens an inquiry for the owner, who is notified', async () => {
    const phone = '+8613800009107';
    const customer = await createCustomer(t, {
      level: 'vip',
      primaryManagerId: 'mgr-1',
      contactPoints: [{ kind: 'phone', value: phone }],
    });
    await t.services.sms.receive({
      messageSid: `SM${hex(16)}`,
      from: phone,
      to: '+8610955880000',
      body: 'My card does not work at the ATM',
      numMedia: 0,
      media: [],
    });
    const caseId = await openCaseOf(customer.id);
    const c = (await t.services.cases.get(admin, caseId)) as Case;
    expect(c).toMatchObject({ type: 'inquiry', subject: 'other', origin: 'sms', ownerId: 'mgr-1' });
    const inbox = await partitionItems(t, keys.userPartition('mgr-1'), 'INBOX#U#');
    expect(inbox).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'case_created', caseId })]));
    // Acknowledged by SMS, with the customer's reference (random, not the case id).
    await deliverQueued();
    expect((await outboxTo('sms', phone))[0]?.text).toContain(c.publicReference!);
  });
});

describe('contactability and the status page', () => {
  it('says for each channel whether and when it may be used, and why', async () => {
    const customer = await createCustomer(t, {
      preferredChannel: 'email',
      preferences: { optOut: { sms: true, email: false, voice: false } },
      contactPoints: [{ kind: 'phone', value: '+8613800009108' }],
    });
    const res = await t.request('GET', `/customers/${customer.id}/contactability`, {
      token: await t.token('agent-1', 'agent'),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      order: string[];
      channels: { channel: string; allowed: boolean; reasons: { code: string }[] }[];
    };
    expect(body.order).toEqual(['email', 'sms', 'voice']);
    expect(body.channels.map((c) => [c.channel, c.allowed, c.reasons.map((r) => r.code)])).toEqual([
      ['email', false, ['no_address']],
      ['sms', false, ['opted_out']],
      ['voice', true, []],
    ]);
  });

  it('finds a case registered by phone with the phone the customer has on record, in Chinese by default', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: '+8613800009109' }] });
    const caseId = await agentCase(customer.id);
    const { publicReference: reference } = (await t.services.cases.get(admin, caseId)) as Case;
    const page = await t.request('GET', `/complaint/status?reference=${reference}&contact=13800009109`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<dd id="status">已受理</dd>');
    const wrong = await (await t.request('GET', `/complaint/status?reference=${reference}&contact=13800009999`)).text();
    expect(wrong).toContain('id="not-found"');
    expect(wrong).not.toContain('id="result"');
  });
});

async function openCaseOf(customerId: string): Promise<string> {
  const mirrors = await partitionItems(t, keys.customerPartition(customerId), 'OPENCASE#');
  expect(mirrors).toHaveLength(1);
  return String(mirrors[0]!.id);
}
