import { beforeAll, describe, expect, it } from 'vitest';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { followUpRepository, transact, type FollowUp } from '@cc/store';
import { keys } from '@cc/store/keys';
import { FOLLOW_UP_GRACE_MS } from '@cc/services';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, partitionItems, timelineOf } from './intake-support';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({
    PUBLIC_BASE_URL: 'https://cc.example-bank.cn',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'cc-followups-')),
  });
});

/**
 * DynamoDB throttling the next transaction that completes a follow-up: the one failure after a
 * contact has committed that cannot be provoked on DynamoDB Local, so it is injected at the client.
 */
function throttleNextFollowUpWrite() {
  const doc = t.deps.store.doc;
  const original = doc.send;
  doc.send = (async (command: unknown, ...rest: unknown[]) => {
    const items = command instanceof TransactWriteCommand ? (command.input.TransactItems ?? []) : [];
    if (items.some((i) => String(i.Delete?.Key?.pk ?? '').startsWith('FOLLOWUP#'))) {
      doc.send = original;
      throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
        name: 'ThrottlingException',
        $metadata: {},
      });
    }
    return (original as (...args: unknown[]) => Promise<unknown>).call(doc, command, ...rest);
  }) as typeof doc.send;
}

/** The same services with the clock moved on, as the sweeper sees them later. */
const later = (ms: number) => t.compose({ clock: () => new Date(Date.now() + ms) });
const caseMessages = (caseId: string) => partitionItems(t, keys.casePartition(caseId), keys.caseMessagePrefix);
const followUpItem = async (id: string) =>
  (
    await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.followUp(id), ConsistentRead: true }),
    )
  ).Item;

async function customerWithOpenCase(managerId: string, phone: string) {
  const customer = await createCustomer(t, {
    primaryManagerId: managerId,
    contactPoints: [{ kind: 'phone', value: phone }],
  });
  const res = await t.request('POST', '/contacts', {
    token: await t.token('agent-1', 'agent'),
    json: {
      customerId: customer.id,
      direction: 'inbound',
      startedAt: new Date().toISOString(),
      outcome: 'follow_up',
      case: { type: 'complaint', category: 'card', title: 'Card blocked', description: 'Blocked abroad' },
    },
  });
  return { customer, caseId: ((await res.json()) as { caseId: string }).caseId };
}

function sendSms(from: string, body: string) {
  const params = {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: `AC${randomBytes(16).toString('hex')}`,
    From: from,
    To: '+8610955880000',
    Body: body,
    NumMedia: '0',
  };
  const url = 'https://cc.example-bank.cn/webhooks/sms/twilio';
  const signature = createHmac('sha1', t.config.TWILIO_AUTH_TOKEN!)
    .update(
      Object.keys(params)
        .sort()
        .reduce((a, k) => a + k + params[k as keyof typeof params], url),
    )
    .digest('base64');
  return t.request('POST', '/webhooks/sms/twilio', {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  });
}

describe('case follow-ups: written with the contact, done once, even after a failure', () => {
  it(
    'an SMS whose case update is throttled after the contact committed ' + 'joins the case on the next sweep, once',
    async () => {
      const { customer, caseId } = await customerWithOpenCase('mgr-6', '+8613800006666');
      throttleNextFollowUpWrite();
      const res = await sendSms('+8613800006666', 'Is my card unblocked yet?');
      expect(res.status).toBe(200);
      // The contact is kept; the message is not on the case yet, and the follow-up waits with its backoff.
      expect((await timelineOf(t, customer.id)).some((e) => e.channel === 'sms')).toBe(true);
      expect(await caseMessages(caseId)).toHaveLength(0);
      const [pending] = await followUpRepository(t.deps.store)
        .due(new Date(Date.now() + 10 * 60_000), 100)
        .then((all) => all.filter((f) => f.kind === 'case_message' && f.caseId === caseId));
      expect(pending).toMatchObject({ attempts: 1, status: 'due', lastError: expect.stringContaining('DynamoDB') });
      expect(Date.parse(pending!.dueAt)).toBeGreaterThanOrEqual(Date.now() + 50_000);

      expect((await later(FOLLOW_UP_GRACE_MS + 5 * 60_000).sweeper.runOnce(60_000)).caseFollowUps).toMatchObject({
        done: 1,
        failed: 0,
      });
      expect((await caseMessages(caseId)).map((m) => m.text)).toEqual(['Is my card unblocked yet?']);
      expect(await followUpItem(pending!.id)).toBeUndefined();
      const inbox = await partitionItems(t, keys.userPartition('mgr-6'), keys.inboxPrefix);
      expect(inbox.filter((i) => i.kind === 'case_message' && i.caseId === caseId)).toHaveLength(1);

      expect((await later(FOLLOW_UP_GRACE_MS + 60 * 60_000).sweeper.runOnce(60_000)).caseFollowUps.done).toBe(0);
      expect(await caseMessages(caseId)).toHaveLength(1);
    },
  );

  it('two runs of one follow-up at the same time do its work once', async () => {
    const { caseId } = await customerWithOpenCase('mgr-7', '+8613800007777');
    const service = t.services.followUps;
    const { followUp, item } = service.plan({
      kind: 'case_message',
      caseId,
      channel: 'sms',
      text: 'Twice?',
      externalId: 'SM-twice',
      contactId: 'C1',
    });
    await transact(t.deps.store, [item]);
    const outcomes = await Promise.all([service.run(followUp), service.run(followUp), service.run(followUp)]);
    expect(outcomes.sort()).toEqual(['already_done', 'already_done', 'done']);
    expect((await caseMessages(caseId)).map((m) => m.text)).toEqual(['Twice?']);
  });

  it('an email whose inquiry could not be opened is opened by the sweeper, threaded for replies', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'zhao@example.com', verified: true }],
    });
    const messageId = `<followup.${Date.now()}@mail.example.com>`;
    const raw = await new MailComposer({
      from: 'zhao@example.com',
      to: 'care@bank.example',
      subject: 'Wire transfer missing',
      text: 'Sent on Monday, not arrived.',
      messageId,
    })
      .compile()
      .build();
    const at = Math.floor(Date.now() / 1000);
    const mac = createHmac('sha256', t.config.EMAIL_WEBHOOK_SECRET!).update(`${at}.`).update(raw).digest('hex');
    const signature = `t=${at},v1=${mac}`;
    throttleNextFollowUpWrite();
    const res = await t.request('POST', '/webhooks/email', {
      body: raw,
      headers: { 'content-type': 'message/rfc822', 'x-signature': signature },
    });
    expect(await res.json()).toMatchObject({ outcome: 'new_case' });
    expect((await timelineOf(t, customer.id)).filter((e) => e.type === 'case')).toHaveLength(0);

    expect((await later(FOLLOW_UP_GRACE_MS + 5 * 60_000).sweeper.runOnce(60_000)).caseFollowUps.done).toBe(1);
    const opened = (await timelineOf(t, customer.id)).filter((e) => e.type === 'case') as {
      links: { caseId: string };
    }[];
    expect(opened).toHaveLength(1);
    // Message-IDs are kept without their angle brackets.
    const thread = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.emailThread(messageId.slice(1, -1)) }),
    );
    expect(thread.Item?.caseId).toBe(opened[0]!.links.caseId);
  });

  it('a follow-up whose case is gone is parked as failed with its reason, not retried forever', async () => {
    const service = t.services.followUps;
    const { followUp, item } = service.plan({
      kind: 'case_message',
      caseId: 'C-2026-999999',
      channel: 'sms',
      text: 'Hello?',
      externalId: 'SM-gone',
      contactId: 'C2',
    });
    await transact(t.deps.store, [item]);
    expect(await service.run(followUp)).toBe('failed');
    const failed = (await service.failed(100)).find((f: FollowUp) => f.id === followUp.id);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringContaining('C-2026-999999'),
    });
    const counts = await later(24 * 3_600_000).followUps.runDue(new Date(Date.now() + 24 * 3_600_000));
    expect(counts.failed + counts.done + counts.retry_later).toBe(0);
  });
});

describe('GET /ops/stuck', () => {
  it('shows an administrator the follow-ups parked as failed, and nobody else', async () => {
    const service = t.services.followUps;
    const { followUp, item } = service.plan({
      kind: 'case_message',
      caseId: 'C-2026-888888',
      channel: 'email',
      text: 'Anyone?',
      externalId: 'mid-stuck',
      contactId: 'C3',
    });
    await transact(t.deps.store, [item]);
    await service.run(followUp);
    const res = await t.request('GET', '/ops/stuck', { token: await t.token('admin-1', 'admin') });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      failedFollowUps: { id: string; caseId?: string; lastError?: string }[];
      undeliverableNotifications: unknown[];
    };
    expect(body.failedFollowUps.find((f) => f.id === followUp.id)).toMatchObject({
      caseId: 'C-2026-888888',
      lastError: expect.stringContaining('not found'),
    });
    expect(Array.isArray(body.undeliverableNotifications)).toBe(true);
    expect((await t.request('GET', '/ops/stuck', { token: await t.token('sup-1', 'supervisor') })).status).toBe(403);
  });
});
