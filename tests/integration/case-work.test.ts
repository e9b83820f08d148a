import { beforeAll, describe, expect, it } from 'vitest';
import type { Case, Caller, Customer } from '@cc/core';
import { caseRepository } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { problem, staffTokens, uniqueContact, type Tokens } from './customers-support';
import { inboxItems } from '../support/inbox';

// Every case can be worked to the end: assigned, reclassified, resolved with an outcome, reopened, and watched
// against its two deadlines.
let t: TestContext;
let tokens: Tokens;
let managed: Customer;
let unmanaged: Customer;
const admin: Caller = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' };
const mgr1: Caller = { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  t = await createTestContext({ CASE_RESPOND_WITHIN_HOURS: '24', CASE_RESOLVE_WITHIN_HOURS: '120' });
  tokens = await staffTokens(t);
  const create = (fields: Partial<Customer>) =>
    t.services.customers.create(admin, {
      customerNumber: uniqueContact().number,
      name: 'Lin Tao',
      type: 'individual',
      contactPoints: [],
      tags: [],
      ...(fields as object),
    });
  managed = await create({ level: 'vip', primaryManagerId: 'mgr-1', assistingManagerIds: ['mgr-2'] });
  unmanaged = await create({});
});

const open = (customer: Customer, fields: Record<string, unknown> = {}) =>
  t.services.cases.create(
    { channel: 'email' },
    { type: 'inquiry', subject: 'other', description: 'Question by email', customerId: customer.id, ...fields },
  );
const stored = (id: string) => caseRepository(t.deps.store).get(id, true) as Promise<Case>;
const inboxOf = (userId: string) => inboxItems(t.deps.store, userId);
const patch = (id: string, token: string, json: Record<string, unknown>, version: number) =>
  t.request('PATCH', `/cases/${id}`, { token, json, headers: { 'if-match': `"${version}"` } });
const assign = (id: string, token: string, json: Record<string, unknown>) =>
  t.request('POST', `/cases/${id}/assign`, { token, json });
const listed = async (token: string, query: string) => {
  const res = await t.request('GET', `/cases?limit=100&${query}`, { token });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { items: Case[] }).items.map((c) => c.id);
};

describe('assigning a case', () => {
  it('a supervisor assigns a queue case to a manager, who is told; the reason is in the history', async () => {
    const queued = await open(unmanaged);
    expect(queued.ownerId).toBeNull();
    const res = await assign(queued.id, tokens.sup1, { ownerId: 'mgr-3', reason: 'mgr-3 knows this product' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as Case).ownerId).toBe('mgr-3');
    expect(await listed(tokens.mgr3, 'scope=mine')).toContain(queued.id);
    expect(await listed(tokens.sup1, 'scope=queue')).not.toContain(queued.id);
    expect((await inboxOf('mgr-3')).filter((i) => i.kind === 'case_assigned' && i.caseId === queued.id)).toHaveLength(
      1,
    );
    const history = await t.services.cases.history(admin, queued.id);
    expect(history.at(-1)).toMatchObject({ action: 'assigned', note: 'mgr-3 knows this product' });
  });

  it('the owner hands a case to a colleague; an assisting manager may not; no one outside the branch', async () => {
    const c = await open(managed);
    const refused = await assign(c.id, tokens.mgr2, { ownerId: 'mgr-3', reason: 'too busy' });
    expect(refused.status).toBe(403);
    expect((await problem(refused)).code).toBe('case.forbidden');
    const outsider = await assign(c.id, tokens.mgr1, { ownerId: 'mgr-9', reason: 'other branch' });
    expect(outsider.status).toBe(400);
    expect((await problem(outsider)).errors?.map((e) => e.path)).toEqual(['ownerId']);
    expect((await assign(c.id, tokens.mgr1, { ownerId: 'mgr-3', reason: 'on leave next week' })).status).toBe(200);
    // The customer's managers still see it among their customers' cases; the new owner among their own.
    expect(await listed(tokens.mgr1, 'scope=my-customers')).toContain(c.id);
    expect(await listed(tokens.mgr3, 'scope=mine')).toContain(c.id);
    expect((await inboxOf('mgr-3')).some((i) => i.kind === 'case_assigned' && i.caseId === c.id)).toBe(true);
    expect((await assign(c.id, tokens.mgr1, { ownerId: 'mgr-2', reason: 'x' })).status).toBe(400);
  });
});

describe('reclassifying a case', () => {
  it('an email inquiry becomes a complaint, with the change from and to in the history', async () => {
    const c = await open(managed);
    const res = await patch(c.id, tokens.mgr1, { type: 'complaint', category: 'fees' }, 1);
    expect(res.status, await res.clone().text()).toBe(200);
    const after = (await res.json()) as Case;
    expect(after).toMatchObject({ type: 'complaint', category: 'fees' });
    expect(after.subject).toBeUndefined();
    const history = await t.services.cases.history(admin, c.id);
    expect(history.at(-1)).toMatchObject({
      action: 'reclassified',
      changes: {
        type: { from: 'inquiry', to: 'complaint' },
        subject: { from: 'other', to: null },
        category: { from: 'general', to: 'fees' },
      },
    });
  });

  it('an inquiry reclassified as a product inquiry can be converted; an inconsistent one is refused', async () => {
    const c = await open(managed);
    const noCode = await patch(c.id, tokens.mgr1, { subject: 'product' }, 1);
    expect(noCode.status).toBe(400);
    expect((await problem(noCode)).errors?.map((e) => e.path)).toEqual(['productCode']);
    expect((await patch(c.id, tokens.mgr1, { subject: 'product', productCode: 'WM-90' }, 1)).status).toBe(200);
    const converted = await t.request('POST', `/cases/${c.id}/convert`, {
      token: tokens.mgr1,
      json: { expectedAmount: 100000, currency: 'CNY', expectedCloseDate: '2026-12-31' },
    });
    expect(converted.status, await converted.clone().text()).toBe(201);
    expect(await stored(c.id)).toMatchObject({ status: 'converted', productCode: 'WM-90' });
  });
});

describe('resolving, closing and reopening', () => {
  it('resolving and closing need the outcome, which the case keeps', async () => {
    const c = await open(managed);
    const bare = await patch(c.id, tokens.mgr1, { status: 'resolved' }, 1);
    expect(bare.status).toBe(400);
    expect((await problem(bare)).errors?.map((e) => e.path)).toEqual(['note']);
    const res = await patch(c.id, tokens.mgr1, { status: 'closed', note: 'explained the statement' }, 1);
    expect(await res.json()).toMatchObject({ status: 'closed', outcome: 'explained the statement' });
    expect((await stored(c.id)).closedAt).toBeDefined();
  });

  it(
    "a customer's message on a recently closed case reopens it and tells the owner; " +
      'a message long after opens a new case linked to the old one, where later messages go',
    async () => {
      const recent = await open(managed);
      await t.services.cases.update(mgr1, recent.id, { status: 'closed', note: 'answered' });
      const reply = { text: 'That did not help', channel: 'email' as const, direction: 'inbound' as const };
      await t.services.cases.addMessage({ channel: 'email' }, recent.id, reply);
      expect(await stored(recent.id)).toMatchObject({ status: 'in_progress' });
      expect((await stored(recent.id)).reopenedAt).toBeDefined();
      expect((await inboxOf('mgr-1')).filter((i) => i.kind === 'case_reopened' && i.caseId === recent.id)).toHaveLength(
        1,
      );

      const old = await open(managed);
      await t.services.cases.update(mgr1, old.id, { status: 'closed', note: 'answered' });
      const later = t.compose({ clock: () => new Date(Date.now() + 20 * DAY) });
      const message = await later.cases.addMessage({ channel: 'email' }, old.id, reply);
      expect(message.caseId).not.toBe(old.id);
      const follow = await stored(message.caseId);
      expect(follow).toMatchObject({ status: 'new', relatedCaseId: old.id, ownerId: 'mgr-1', type: 'inquiry' });
      expect(follow.description).toBe('That did not help');
      expect(await stored(old.id)).toMatchObject({ status: 'closed', followedBy: follow.id });
      // A further reply on the old thread joins the new case.
      const again = await later.cases.addMessage({ channel: 'email' }, old.id, { ...reply, text: 'Anyone?' });
      expect(again.caseId).toBe(follow.id);
    },
  );

  it('the owner may reopen a closed case', async () => {
    const c = await open(managed);
    await t.services.cases.update(mgr1, c.id, { status: 'closed', note: 'answered' });
    const res = await patch(c.id, tokens.mgr1, { status: 'in_progress', note: 'customer called again' }, 2);
    expect(res.status).toBe(200);
    expect((await t.services.cases.history(admin, c.id)).at(-1)).toMatchObject({
      action: 'reopened',
      from: 'closed',
      to: 'in_progress',
    });
  });
});

describe('two deadlines per case', () => {
  it('are set by priority and recomputed when the priority changes or the case escalates', async () => {
    const c = await open(managed);
    const created = Date.parse(c.createdAt);
    expect(Date.parse(c.respondBy!) - created).toBe(24 * HOUR);
    expect(Date.parse(c.resolveBy!) - created).toBe(120 * HOUR);
    const res = await patch(c.id, tokens.mgr1, { priority: 'high' }, 1);
    const high = (await res.json()) as Case;
    expect(Date.parse(high.respondBy!) - created).toBe(12 * HOUR);
    expect(Date.parse(high.resolveBy!) - created).toBe(60 * HOUR);
    const escalated = await t.services.escalation.escalate(c.id, 'five calls without resolution');
    expect(Date.parse(escalated.respondBy!) - created).toBe(4 * HOUR);
    expect(Date.parse(escalated.resolveBy!) - created).toBe(20 * HOUR);
    expect(await listed(tokens.mgr1, 'scope=mine&escalated=true')).toContain(c.id);
    expect(await listed(tokens.mgr1, 'scope=mine&escalated=false')).not.toContain(c.id);
  });

  it('a missed resolution is reported once to the owner and supervisors and kept on the case', async () => {
    const c = await open(managed);
    await t.services.cases.update(mgr1, c.id, { status: 'acknowledged' });
    const late = new Date(Date.parse(c.resolveBy!) + HOUR);
    const sweep = () => t.compose({ clock: () => late }).deadlineWatch.notifyOverdue(late);
    expect((await sweep()).resolution).toBeGreaterThanOrEqual(1);
    await sweep();
    for (const user of ['mgr-1', 'sup-1']) {
      const notices = (await inboxOf(user)).filter((i) => i.kind === 'case_resolution_overdue' && i.caseId === c.id);
      expect(notices, user).toHaveLength(1);
    }
    const after = await stored(c.id);
    expect(after.breaches).toEqual([{ kind: 'resolution', dueAt: c.resolveBy, reportedAt: late.toISOString() }]);
    expect((await t.services.cases.history(admin, c.id)).map((h) => h.action)).toContain('resolution_overdue');
  });

  it('overdue cases are listed by which deadline they missed', async () => {
    const c = await open(managed, { priority: 'urgent' });
    const overdueAt = async (hoursLater: number, kind: 'response' | 'resolution') => {
      const later = t.compose({ clock: () => new Date(Date.now() + hoursLater * HOUR) });
      const page = await later.cases.list(mgr1, { scope: 'my-customers', overdue: kind }, undefined, 100);
      return page.items.map((i) => i.id);
    };
    // Urgent: a first response within 4 hours, a resolution within 20.
    expect(await overdueAt(5, 'response')).toContain(c.id);
    expect(await overdueAt(5, 'resolution')).not.toContain(c.id);
    expect(await overdueAt(30, 'resolution')).toContain(c.id);
    expect(await overdueAt(3, 'response')).not.toContain(c.id);
  });
});

describe('deleting a case', () => {
  it('needs a reason, and the owner is told when someone else deletes it', async () => {
    const c = await open(managed);
    const noReason = await t.request('DELETE', `/cases/${c.id}`, { token: tokens.mgr2 });
    expect(noReason.status).toBe(400);
    const res = await t.request('DELETE', `/cases/${c.id}`, {
      token: tokens.mgr2,
      json: { reason: 'registered twice by the call center' },
    });
    expect(res.status).toBe(204);
    const told = (await inboxOf('mgr-1')).filter((i) => i.kind === 'case_deleted' && i.caseId === c.id);
    expect(told).toHaveLength(1);
    expect(told[0]!.excerpt).toContain('registered twice');
    expect(await listed(tokens.mgr1, 'scope=my-customers')).not.toContain(c.id);
  });
});

describe("listing my customers' cases", () => {
  it('shows open cases by default, finished ones on request, and is not for agents', async () => {
    const active = await open(managed);
    const done = await open(managed);
    await t.services.cases.update(mgr1, done.id, { status: 'resolved', note: 'answered' });
    const open_ = await listed(tokens.mgr2, 'scope=my-customers');
    expect(open_).toContain(active.id);
    expect(open_).not.toContain(done.id);
    expect(await listed(tokens.mgr2, 'scope=my-customers&status=resolved')).toEqual(expect.arrayContaining([done.id]));
    expect(await listed(tokens.mgr2, 'scope=my-customers&type=complaint')).not.toContain(active.id);
    expect((await t.request('GET', '/cases?scope=my-customers', { token: tokens.agent })).status).toBe(403);
    expect(await listed(tokens.mgr3, 'scope=my-customers')).not.toContain(active.id);
  });
});
