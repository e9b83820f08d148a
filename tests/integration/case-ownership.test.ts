import { beforeAll, describe, expect, it } from 'vitest';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Case, Caller, Customer } from '@cc/core';
import { caseRepository } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { staffTokens, uniqueContact, type Tokens } from './customers-support';
import { inboxItems } from '../support/inbox';

// The seeds' promise over time: the primary manager sees every case of the customers they manage. When the
// customer's managers change (an approved reassignment, a merge, the relationship closed), its open cases follow.
let t: TestContext;
let tokens: Tokens;
const admin: Caller = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' };
const mgr1: Caller = { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' };
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await createTestContext();
  tokens = await staffTokens(t);
});

const customerOf = (managers: Partial<Pick<Customer, 'primaryManagerId' | 'assistingManagerIds'>>) =>
  t.services.customers.create(admin, {
    customerNumber: uniqueContact().number,
    name: 'Han Mei',
    type: 'individual',
    level: 'vip',
    primaryManagerId: managers.primaryManagerId ?? undefined,
    assistingManagerIds: managers.assistingManagerIds,
    contactPoints: [],
    tags: [],
  });
const openCase = (customer: Customer, description = 'The card was charged twice') =>
  t.services.cases.create({ channel: 'web' }, { type: 'complaint', description, customerId: customer.id });
const caseNow = (id: string) => caseRepository(t.deps.store).get(id, true) as Promise<Case>;
const inboxOf = (userId: string) => inboxItems(t.deps.store, userId);
const noticesAbout = async (userId: string, kind: string, customerId: string) =>
  (await inboxOf(userId)).filter((i) => i.kind === kind && i.customerId === customerId);
const myCustomersCases = async (token: string, query = '') => {
  const res = await t.request('GET', `/cases?scope=my-customers&limit=100${query}`, { token });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { items: Case[] }).items.map((c) => c.id);
};

async function reassign(customer: Customer, primaryManagerId: string) {
  const requested = await t.request('POST', `/customers/${customer.id}/change-requests`, {
    token: tokens.mgr1,
    json: { kind: 'assignment', primaryManagerId, reason: 'mgr-1 moves to the corporate desk' },
  });
  expect(requested.status, await requested.clone().text()).toBe(201);
  const { id } = (await requested.json()) as { id: string };
  return t.request('POST', `/change-requests/${id}/decision`, { token: tokens.sup1, json: { decision: 'approve' } });
}

describe('after an approved reassignment', () => {
  it(
    "the customer's open cases are the new primary manager's, listed under my-customers, with one inbox item; " +
      'the previous owner hears they left; closed cases stay as they were',
    async () => {
      const customer = await customerOf({ primaryManagerId: 'mgr-1', assistingManagerIds: ['mgr-3'] });
      const first = await openCase(customer);
      const second = await openCase(customer, 'Nobody called back about the fee');
      const done = await openCase(customer, 'Old matter');
      await t.services.cases.update(mgr1, done.id, { status: 'closed', note: 'refunded' });

      const decided = await reassign(customer, 'mgr-2');
      expect(decided.status, await decided.clone().text()).toBe(200);

      for (const id of [first.id, second.id]) {
        expect(await caseNow(id)).toMatchObject({ ownerId: 'mgr-2', primaryManagerId: 'mgr-2' });
        const history = await t.services.cases.history(admin, id);
        expect(history.at(-1)).toMatchObject({
          action: 'followed_customer',
          changes: { ownerId: { from: 'mgr-1', to: 'mgr-2' } },
        });
      }
      expect(await caseNow(done.id)).toMatchObject({ ownerId: 'mgr-1', status: 'closed' });

      const listed = await myCustomersCases(tokens.mgr2);
      expect(listed).toEqual(expect.arrayContaining([first.id, second.id]));
      expect(listed).not.toContain(done.id);
      // The assisting manager still sees them; the previous primary manager no longer manages the customer.
      expect(await myCustomersCases(tokens.mgr3)).toEqual(expect.arrayContaining([first.id, second.id]));
      expect(await myCustomersCases(tokens.mgr1)).not.toContain(first.id);

      const arrived = await noticesAbout('mgr-2', 'cases_arrived', customer.id);
      expect(arrived).toHaveLength(1);
      expect([...(arrived[0]!.caseIds as string[])].sort()).toEqual([first.id, second.id].sort());
      expect(await noticesAbout('mgr-1', 'cases_left', customer.id)).toHaveLength(1);
    },
  );

  it('a large book moves page by page; what a failure leaves behind the sweeper finishes', async () => {
    const customer = await customerOf({ primaryManagerId: 'mgr-1', assistingManagerIds: ['mgr-3'] });
    const opened: Case[] = [];
    for (let i = 0; i < 30; i++) opened.push(await openCase(customer, `Complaint ${i}`));

    // The first transaction after the decision (the rest of the book) is throttled, once.
    const doc = t.deps.store.doc;
    const original = doc.send;
    let decisionSeen = false;
    doc.send = (async (command: unknown, ...rest: unknown[]) => {
      if (command instanceof TransactWriteCommand) {
        const items = command.input.TransactItems ?? [];
        if (!decisionSeen)
          decisionSeen = items.some((i) => i.Put?.Item?.entity === 'change-request' && i.Put.Item.decidedBy);
        else {
          doc.send = original;
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
            name: 'ThrottlingException',
            $metadata: {},
          });
        }
      }
      return (original as (...args: unknown[]) => Promise<unknown>).call(doc, command, ...rest);
    }) as typeof doc.send;
    const decided = await reassign(customer, 'mgr-2').finally(() => (doc.send = original));
    expect(decided.status).toBe(200);

    const owners = async () => (await Promise.all(opened.map((c) => caseNow(c.id)))).map((c) => c.ownerId);
    const afterDecision = await owners();
    // Some moved with the decision itself, not all of them fit.
    expect(afterDecision.filter((o) => o === 'mgr-2').length).toBeGreaterThan(0);
    expect(afterDecision.filter((o) => o === 'mgr-1').length).toBeGreaterThan(0);

    const run = await t.compose({ clock: () => new Date(Date.now() + HOUR) }).sweeper.runOnce(60_000);
    expect(run.caseFollowUps.done).toBe(1);
    expect(new Set(await owners())).toEqual(new Set(['mgr-2']));
    // One inbox item for the new owner, listing the whole book.
    const arrived = await noticesAbout('mgr-2', 'cases_arrived', customer.id);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.caseIds).toHaveLength(30);
  });
});

describe('when the relationship is closed and reopened', () => {
  it('the open cases go to the branch queue, the supervisors are told, and they come back on reopening', async () => {
    const customer = await customerOf({ primaryManagerId: 'mgr-1' });
    const c = await openCase(customer);
    const closed = await t.request('POST', `/customers/${customer.id}/close`, {
      token: tokens.sup1,
      json: { reason: 'customer moved abroad' },
    });
    expect(closed.status, await closed.clone().text()).toBe(200);
    expect(await caseNow(c.id)).toMatchObject({ ownerId: null, primaryManagerId: null });
    const queue = await t.request('GET', '/cases?scope=queue&limit=100', { token: tokens.sup1 });
    expect(((await queue.json()) as { items: Case[] }).items.map((i) => i.id)).toContain(c.id);
    expect(await noticesAbout('sup-1', 'cases_arrived', customer.id)).toHaveLength(1);
    expect(await noticesAbout('mgr-1', 'cases_left', customer.id)).toHaveLength(1);

    const reopened = await t.request('POST', `/customers/${customer.id}/reopen`, {
      token: tokens.sup1,
      json: { reason: 'customer came back' },
    });
    expect(reopened.status).toBe(200);
    expect(await caseNow(c.id)).toMatchObject({ ownerId: 'mgr-1', primaryManagerId: 'mgr-1' });
  });
});

describe('after a merge', () => {
  it("the merged record's open cases belong to the survivor's primary manager, who is told", async () => {
    const survivor = await customerOf({ primaryManagerId: 'mgr-2' });
    const merged = await customerOf({ primaryManagerId: 'mgr-1' });
    const c = await openCase(merged);
    const res = await t.request('POST', `/customers/${survivor.id}/merge`, {
      token: tokens.sup1,
      json: { mergedId: merged.id, reason: 'same person, two records' },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await caseNow(c.id)).toMatchObject({
      customerId: survivor.id,
      ownerId: 'mgr-2',
      primaryManagerId: 'mgr-2',
      // The merged record's manager stays on as assisting (see combinedManagers).
      assistingManagerIds: ['mgr-1'],
    });
    expect(await myCustomersCases(tokens.mgr2)).toContain(c.id);
    expect((await noticesAbout('mgr-2', 'cases_arrived', survivor.id)).flatMap((n) => n.caseIds)).toContain(c.id);
    expect(await noticesAbout('mgr-1', 'cases_left', survivor.id)).toHaveLength(1);
  });
});
