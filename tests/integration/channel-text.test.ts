import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { emailWebhook, openCase, smsWebhook } from '../support/faults';
import { createCustomer, staffTokens, type CreatedCustomer, type Tokens } from './customers-support';
import { partitionItems, timelineOf } from './intake-support';

/*
 * What customers send on a channel is taken as it came, and stored as free text may be stored: control and
 * bidirectional control characters left out, a very long mail cut. Never is the case work lost because of it
 * (a follow-up parked as failed, a transaction refused for an item over DynamoDB's 400 KB).
 */
let t: TestContext;
let tk: Tokens;
beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
});

const HOSTILE = 'Card\u0001 blocked\u0007 in Paris\u202e, please call\u2066 me\u0000';
const CLEAN = 'Card blocked in Paris, please call me';
const complaint = { type: 'complaint', category: 'card', title: 'Card blocked', description: 'Blocked abroad' };

const phoneOf = (c: CreatedCustomer) => (c.body.contactPoints as { value: string }[])[0]!.value;
const managed = (extra: Record<string, unknown> = {}) =>
  createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1', ...extra });
const caseMessages = async (caseId: string) =>
  (await partitionItems(t, keys.casePartition(caseId), keys.caseMessagePrefix)) as { text: string }[];

async function nothingStuck() {
  const res = await t.request('GET', '/ops/stuck', { token: await t.token('admin-1', 'admin') });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { failedFollowUps: unknown[] }).failedFollowUps).toEqual([]);
}

describe('text from customers on a channel', () => {
  it('an SMS with control and bidi characters opens its inquiry, the text without them', async () => {
    const customer = await managed();
    expect((await smsWebhook(t, phoneOf(customer), HOSTILE)()).status).toBe(200);
    const opened = (await timelineOf(t, customer.id)).filter((e) => e.type === 'case');
    expect(opened).toHaveLength(1);
    const caseId = (opened[0]!.links as { caseId: string }).caseId;
    const res = await t.request('GET', `/cases/${caseId}`, { token: tk.mgr1 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ title: CLEAN, description: CLEAN, origin: 'sms' });
    await nothingStuck();
  });

  it('an SMS on an open case is added to it without them', async () => {
    const customer = await managed();
    const caseId = await openCase(t, tk.agent, customer.id, complaint);
    expect((await smsWebhook(t, phoneOf(customer), HOSTILE)()).status).toBe(200);
    expect((await caseMessages(caseId)).map((m) => m.text)).toEqual([CLEAN]);
    await nothingStuck();
  });

  it('a very long email reply joins its case, cut to what a message holds, saying so', async () => {
    const address = `long.${randomBytes(4).toString('hex')}@example.com`;
    const customer = await managed({
      contactPoints: [{ kind: 'email', value: address, verified: true, preferred: true }],
    });
    const caseId = await openCase(t, tk.agent, customer.id, complaint);
    // ~600 KB of Chinese text (3 bytes each in UTF-8): more than a DynamoDB item may hold.
    const text = `关于我的投诉：${'卡片在巴黎被冻结，请尽快回电。'.repeat(13_000)}`;
    const delivered = await (await emailWebhook(t, { from: address, subject: `Re: ${caseId}`, text }))();
    expect(delivered.status, await delivered.clone().text()).toBe(200);
    const [message] = await caseMessages(caseId);
    expect(message!.text.startsWith('关于我的投诉：卡片在巴黎被冻结')).toBe(true);
    expect(message!.text.length).toBeLessThanOrEqual(10_000);
    expect(message!.text).toMatch(/\[cut: the message was \d[\d,]* characters long\]$/);
    await nothingStuck();
  });
});
