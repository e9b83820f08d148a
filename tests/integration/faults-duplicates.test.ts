import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { parsePublicReference, type Case, type ChangeRequest, type Opportunity } from '@cc/core';
import { inboxRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import {
  answers,
  callOpeningCase,
  caseSequence,
  emailWebhook,
  expectDataIntact,
  expectOneAnswer,
  fromCustomer,
  openCase,
  smsWebhook,
  storm,
} from '../support/faults';
import { createCustomer, staffTokens, type Tokens } from './customers-support';
import { partitionItems, timelineOf } from './intake-support';

/**
 * Every write route and channel, hit by 10 identical requests at once (the same Idempotency-Key, MessageSid,
 * Message-ID, file or decision): one of everything is written, every copy gets the same answer, and no case
 * number is used up by a copy.
 */
const STORM = 10;

let t: TestContext;
let tk: Tokens;
let casesAtStart: number;
let casesMade = 0;

beforeAll(async () => {
  t = await createTestContext({ PUBLIC_RATE_LIMIT_PER_MINUTE: '1000' });
  tk = await staffTokens(t);
  casesAtStart = await caseSequence(t.deps.store);
});

const key = () => `storm-${randomBytes(6).toString('hex')}`;
const vipOf = (manager: string) => createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: manager });
const inbox = async (userId: string) => (await inboxRepository(t.deps.store).list(userId, undefined, 200)).items;
const openCounter = async (customerId: string) =>
  (await partitionItems(t, keys.customerPartition(customerId), keys.customerStats('').sk))[0] as
    { openCases?: number; unresolvedContacts?: number } | undefined;

const complaint = {
  type: 'complaint',
  category: 'fees',
  title: 'Annual fee charged twice',
  description: 'The annual fee appears twice on the October statement',
};

describe(`${STORM} concurrent duplicates of each write make one of everything`, () => {
  it('POST /contacts with a case: one contact, one case, one notice, one case number', async () => {
    const customer = await vipOf('mgr-1');
    const before = await caseSequence(t.deps.store);
    const headers = { 'idempotency-key': key() };
    const json = callOpeningCase(customer.id, complaint);
    const body = expectOneAnswer(
      await answers(await storm(STORM, () => t.request('POST', '/contacts', { token: tk.agent, headers, json }))),
      201,
    );
    casesMade++;
    const timeline = await timelineOf(t, customer.id);
    expect(fromCustomer(timeline).map((e) => e.id)).toEqual([body.id]);
    expect(timeline.filter((e) => e.type === 'case').map((e) => (e.links as { caseId: string }).caseId)).toEqual([
      body.caseId,
    ]);
    expect(await partitionItems(t, keys.customerPartition(customer.id), 'OPENCASE#')).toHaveLength(1);
    expect(await openCounter(customer.id)).toMatchObject({ openCases: 1 });
    expect((await openCounter(customer.id))?.unresolvedContacts ?? 0).toBe(0);
    expect((await inbox('mgr-1')).filter((n) => n.caseId === body.caseId)).toHaveLength(1);
    expect(await caseSequence(t.deps.store)).toBe(before + 1);
  });

  it('POST /contacts without a case: one contact, counted once', async () => {
    const customer = await vipOf('mgr-1');
    const headers = { 'idempotency-key': key() };
    const json = {
      customerId: customer.id,
      direction: 'outbound',
      startedAt: new Date().toISOString(),
      outcome: 'resolved',
    };
    expectOneAnswer(
      await answers(await storm(STORM, () => t.request('POST', '/contacts', { token: tk.agent, headers, json }))),
      201,
    );
    expect((await timelineOf(t, customer.id)).filter((e) => e.type === 'contact')).toHaveLength(1);
    const days = await partitionItems(t, keys.customerPartition(customer.id), 'CNT#');
    expect(days.map((d) => d.count)).toEqual([1]);
  });

  it('POST /cases: one case', async () => {
    const customer = await vipOf('mgr-2');
    const before = await caseSequence(t.deps.store);
    const headers = { 'idempotency-key': key() };
    const json = { ...complaint, customerId: customer.id };
    const body = expectOneAnswer(
      await answers(await storm(STORM, () => t.request('POST', '/cases', { token: tk.agent, headers, json }))),
      201,
    );
    casesMade++;
    expect(await partitionItems(t, keys.customerPartition(customer.id), 'OPENCASE#')).toHaveLength(1);
    expect((await inbox('mgr-2')).filter((n) => n.caseId === body.id)).toHaveLength(1);
    expect(await caseSequence(t.deps.store)).toBe(before + 1);
  });

  it('POST /cases/{id}/replies: the customer is written to once', async () => {
    const customer = await vipOf('mgr-1');
    const caseId = await openCase(t, tk.agent, customer.id, complaint);
    casesMade++;
    const headers = { 'idempotency-key': key() };
    const json = { text: 'We have refunded the second fee; it shows on your next statement.' };
    const reply = () => t.request('POST', `/cases/${caseId}/replies`, { token: tk.mgr1, headers, json });
    const receipt = expectOneAnswer(await answers(await storm(STORM, reply)), 201);
    const { deliveryId } = receipt.message as { deliveryId: string };
    const messages = await partitionItems(t, keys.casePartition(caseId), keys.caseMessagePrefix);
    expect(messages.filter((m) => m.direction === 'outbound').map((m) => m.deliveryId)).toEqual([deliveryId]);
    const logged = await partitionItems(t, keys.contactLogPartition(customer.id));
    expect(logged.filter((l) => l.purpose === 'reply').map((l) => l.id)).toEqual([deliveryId]);
  });

  it('POST /public/complaints: one case, one receipt', async () => {
    const before = await caseSequence(t.deps.store);
    const headers = { 'idempotency-key': key(), 'x-forwarded-for': '198.51.100.7' };
    const json = {
      name: 'Zhou Xin',
      phone: '+86 139 5555 0101',
      category: 'branch_service',
      subject: 'Long wait at the branch',
      description: 'Waited 50 minutes at the branch',
    };
    const body = expectOneAnswer(
      await answers(await storm(STORM, () => t.request('POST', '/public/complaints', { headers, json }))),
      201,
    );
    casesMade++;
    expect(parsePublicReference(String(body.reference))).toBe(body.reference);
    expect(await caseSequence(t.deps.store)).toBe(before + 1);
  });

  it('an SMS delivered 10 times at once: one contact, one message on the open case', async () => {
    const customer = await vipOf('mgr-1');
    const caseId = await openCase(t, tk.agent, customer.id, complaint);
    casesMade++;
    const phone = customer.body.contactPoints as { value: string }[];
    const deliver = smsWebhook(t, phone[0]!.value, 'Any news about my complaint?');
    expectOneAnswer(await answers(await storm(STORM, () => deliver())), 200);
    expect(fromCustomer(await timelineOf(t, customer.id)).filter((e) => e.channel === 'sms')).toHaveLength(1);
    expect(await partitionItems(t, keys.casePartition(caseId), keys.caseMessagePrefix)).toHaveLength(1);
  });

  it('an email delivered 10 times at once: one contact, one inquiry', async () => {
    const address = `storm.${randomBytes(4).toString('hex')}@example.com`;
    const customer = await createCustomer(t, tk.admin, {
      level: 'vip',
      primaryManagerId: 'mgr-2',
      contactPoints: [{ kind: 'email', value: address, verified: true }],
    });
    const before = await caseSequence(t.deps.store);
    const deliver = await emailWebhook(t, { from: address, subject: 'Mortgage rates', text: 'What is the rate?' });
    const body = expectOneAnswer(await answers(await storm(STORM, () => deliver())), 200);
    casesMade++;
    const timeline = await timelineOf(t, customer.id);
    expect(
      fromCustomer(timeline)
        .filter((e) => e.channel === 'email')
        .map((e) => e.id),
    ).toEqual([body.contactId]);
    expect(timeline.filter((e) => e.type === 'case')).toHaveLength(1);
    expect(await caseSequence(t.deps.store)).toBe(before + 1);
  });

  it('the same import file posted 10 times at once: each line one case', async () => {
    const customer = await vipOf('mgr-1');
    const before = await caseSequence(t.deps.store);
    const file = ['A', 'B', 'C']
      .map((n) =>
        JSON.stringify({
          source: 'call_center',
          externalId: `STORM-${customer.customerNumber}-${n}`,
          customerNumber: customer.customerNumber,
          ...complaint,
        }),
      )
      .join('\n');
    const post = () =>
      t.request('POST', '/imports/cases', {
        token: tk.sup1,
        body: file,
        headers: { 'content-type': 'application/x-ndjson' },
      });
    const results = await Promise.all((await storm(STORM, post)).map((r) => r.json()));
    const created = results.flatMap((r) => (r as { results: { status: string; caseId: string }[] }).results);
    expect(created.filter((r) => r.status === 'created')).toHaveLength(3);
    expect(created.filter((r) => r.status === 'duplicate')).toHaveLength(3 * (STORM - 1));
    expect(new Set(created.map((r) => r.caseId)).size).toBe(3);
    casesMade += 3;
    expect(await partitionItems(t, keys.customerPartition(customer.id), 'OPENCASE#')).toHaveLength(3);
    expect(await caseSequence(t.deps.store)).toBe(before + 3);
  });

  it('converting an inquiry: one opportunity, with or without an Idempotency-Key', async () => {
    const customer = await vipOf('mgr-1');
    const inquiry = async () => {
      const inquiry = { ...complaint, type: 'inquiry', subject: 'product', productCode: 'WM-2026-A' };
      casesMade++;
      return openCase(t, tk.agent, customer.id, inquiry);
    };
    const terms = { expectedAmount: 500000, currency: 'CNY', expectedCloseDate: '2026-12-31' };
    const convert = (caseId: string, headers: Record<string, string> = {}) =>
      t.request('POST', `/cases/${caseId}/convert`, { token: tk.mgr1, headers, json: terms });

    const keyed = await inquiry();
    const headers = { 'idempotency-key': key() };
    const opp = expectOneAnswer(await answers(await storm(STORM, () => convert(keyed, headers))), 201);
    expect(opp.source).toMatchObject({ caseId: keyed });

    const bare = await inquiry();
    const statuses = (await storm(STORM, () => convert(bare))).map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(STORM - 1).fill(409)]);

    expect(await partitionItems(t, keys.customerPartition(customer.id), 'OPENOPP#')).toHaveLength(2);
    expect(await openCounter(customer.id)).toMatchObject({ openCases: 0 });
  });

  it('deciding a change request: applied once, every copy answered with the decision', async () => {
    const customer = await vipOf('mgr-1');
    const requested = await t.request('POST', `/customers/${customer.id}/change-requests`, {
      token: tk.mgr1,
      json: { kind: 'assignment', primaryManagerId: 'mgr-2', reason: 'mgr-2 covers the district' },
    });
    expect(requested.status, await requested.clone().text()).toBe(201);
    const request = (await requested.json()) as ChangeRequest;
    const decide = () =>
      t.request('POST', `/change-requests/${request.id}/decision`, {
        token: tk.sup1,
        json: { decision: 'approve', note: 'agreed' },
      });
    const decided = expectOneAnswer(await answers(await storm(STORM, decide)), 200);
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'sup-1' });
    const history = await partitionItems(t, keys.customerHistoryPartition(customer.id));
    expect(history.filter((h) => h.action === 'assignment_changed')).toHaveLength(1);
    expect(
      (await inbox('mgr-2')).filter((n) => n.kind === 'assignment_changed' && n.customerId === customer.id),
    ).toHaveLength(1);
    const otherDecision = await t.request('POST', `/change-requests/${request.id}/decision`, {
      token: tk.sup1,
      json: { decision: 'reject', note: 'changed my mind' },
    });
    expect(otherDecision.status).toBe(409);
  });

  it('a note, an opportunity activity and a change request: one each, every copy answered alike', async () => {
    const customer = await vipOf('mgr-1');
    const caseId = await openCase(t, tk.agent, customer.id, complaint);
    casesMade++;
    const created = await t.request('POST', '/opportunities', {
      token: tk.mgr1,
      json: {
        customerId: customer.id,
        productCode: 'WM-GOLD-90',
        expectedAmount: 1000,
        currency: 'CNY',
        expectedCloseDate: '2026-10-31',
      },
    });
    const opportunityId = ((await created.json()) as Opportunity).id;
    const post = (token: string, path: string, json: Record<string, unknown>) => {
      const headers = { 'idempotency-key': key() };
      return () => t.request('POST', path, { token, headers, json });
    };

    const note = expectOneAnswer(
      await answers(await storm(STORM, post(tk.agent, `/cases/${caseId}/notes`, { text: 'Called card operations' }))),
      201,
    );
    const onCase = await partitionItems(t, keys.casePartition(caseId), keys.caseMessagePrefix);
    expect(onCase.filter((m) => m.direction === 'internal').map((m) => m.id)).toEqual([note.id]);

    const activity = { type: 'call', note: 'Discussed the terms' };
    const recorded = expectOneAnswer(
      await answers(await storm(STORM, post(tk.mgr1, `/opportunities/${opportunityId}/activities`, activity))),
      201,
    );
    const activities = await partitionItems(t, keys.opportunity(opportunityId).pk, keys.opportunityActivityPrefix);
    expect(activities.map((a) => a.id)).toEqual([(recorded.activity as { id: string }).id]);

    const change = { kind: 'level', level: 'private', reason: 'Assets above 6 million' };
    const requested = expectOneAnswer(
      await answers(await storm(STORM, post(tk.mgr1, `/customers/${customer.id}/change-requests`, change))),
      201,
    );
    const pending = await t.request('GET', '/change-requests?status=pending&limit=100', { token: tk.sup1 });
    const mine = ((await pending.json()) as { items: ChangeRequest[] }).items.filter(
      (r) => r.customerId === customer.id,
    );
    expect(mine.map((r) => r.id)).toEqual([requested.id]);
  });

  it('POST /opportunities: one opportunity', async () => {
    const customer = await vipOf('mgr-1');
    const headers = { 'idempotency-key': key() };
    const json = {
      customerId: customer.id,
      productCode: 'WM-GOLD-90',
      expectedAmount: 1000,
      currency: 'CNY',
      expectedCloseDate: '2026-10-31',
    };
    const opp = expectOneAnswer(
      await answers(await storm(STORM, () => t.request('POST', '/opportunities', { token: tk.mgr1, headers, json }))),
      201,
    ) as unknown as Opportunity;
    expect(await partitionItems(t, keys.customerPartition(customer.id), 'OPENOPP#')).toEqual([
      expect.objectContaining({ opportunityId: opp.id }),
    ]);
  });

  it('POST /customers: one customer', async () => {
    const number = `STORM-${randomBytes(4).toString('hex')}`;
    const headers = { 'idempotency-key': key() };
    const json = { customerNumber: number, name: 'Storm Customer', type: 'individual' };
    const customer = expectOneAnswer(
      await answers(await storm(STORM, () => t.request('POST', '/customers', { token: tk.sup1, headers, json }))),
      201,
    );
    const found = await t.request('GET', `/customers?number=${number}`, { token: tk.sup1 });
    expect(((await found.json()) as { items: { id: string }[] }).items.map((c) => c.id)).toEqual([customer.id]);
  });

  it('20 different cases at once take 20 consecutive numbers, none twice, none skipped', async () => {
    const customer = await vipOf('mgr-2');
    const before = await caseSequence(t.deps.store);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.request('POST', '/cases', {
          token: tk.agent,
          json: { ...complaint, title: `Complaint ${i}`, customerId: customer.id },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    casesMade += 20;
    const numbers = (await Promise.all(responses.map((r) => r.json() as Promise<Case>)))
      .map((c) => Number(c.id.slice(-6)))
      .sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => before + 1 + i));
    expect(await caseSequence(t.deps.store)).toBe(before + 20);
  });

  it('used exactly one case number per case, and leaves the data intact', async () => {
    expect(await caseSequence(t.deps.store)).toBe(casesAtStart + casesMade);
    await expectDataIntact(t.deps.store);
  });
});
