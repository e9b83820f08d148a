import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Case } from '@cc/core';
import { caseDerivedItems, contactDayItem, newCaseItem, statsItem, timelineItem, transact } from '@cc/store';
import { indexNames, keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import {
  contactEntry,
  createCustomer,
  problem,
  staffTokens,
  uniqueContact,
  type CreatedCustomer,
  type Tokens,
} from './customers-support';

let t: TestContext;
let tk: Tokens;
let survivor: CreatedCustomer;
let duplicate: CreatedCustomer;
let duplicatePhone: string;
let duplicateEmail: string;

const partition = (customerId: string, prefix: string) =>
  t.deps.store.doc
    .send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.customerPartition(customerId), ':p': prefix },
      }),
    )
    .then((r) => r.Items ?? []);

beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
  survivor = await createCustomer(t, tk.admin, { name: 'Huang Li', primaryManagerId: 'mgr-1' });
  duplicatePhone = uniqueContact().phone;
  duplicateEmail = `huang.${Date.now()}@example.com`;
  duplicate = await createCustomer(t, tk.admin, {
    name: 'Huang Li (dup)',
    primaryManagerId: 'mgr-2',
    contactPoints: [
      { kind: 'phone', value: duplicatePhone, preferred: true },
      { kind: 'email', value: duplicateEmail },
    ],
  });
  const ctx = t.deps.store;
  const now = Date.now();
  await transact(ctx, [
    timelineItem(ctx, contactEntry(survivor.id, new Date(now - 5 * 3_600_000).toISOString(), 'survivor call'), 395),
  ]);
  for (let i = 0; i < 3; i++) {
    const at = new Date(now - (3 - i) * 3_600_000).toISOString();
    await transact(ctx, [
      timelineItem(ctx, contactEntry(duplicate.id, at, `dup call ${i}`), 395),
      contactDayItem(ctx, duplicate.id, at),
    ]);
  }
  await transact(ctx, [statsItem(ctx, duplicate.id, { unresolvedContacts: 3 })]);
  // A case of the duplicate, as the case store writes it: the item, its manager's copy, its open mirror and count.
  const at = new Date(now).toISOString();
  const kase: Case = {
    id: 'C-MERGE-1',
    type: 'complaint',
    category: 'fees',
    priority: 'normal',
    title: 'Wrong fee',
    description: 'Charged a fee twice',
    status: 'new',
    origin: 'web',
    createdBy: { kind: 'channel', channel: 'web' },
    customerId: duplicate.id,
    customerNumber: duplicate.customerNumber,
    customerName: 'Huang Li (dup)',
    branchId: 'BR-001',
    ownerId: 'mgr-2',
    primaryManagerId: 'mgr-2',
    assistingManagerIds: [],
    escalated: false,
    deleted: false,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  await transact(ctx, [newCaseItem(ctx, kase), ...caseDerivedItems(ctx, undefined, kase)]);
});

const merge = (token: string, survivorId = survivor.id, mergedId = duplicate.id) =>
  t.request('POST', `/customers/${survivorId}/merge`, { token, json: { mergedId, reason: 'same national id' } });

describe('merging two records of the same person', () => {
  it('is refused to managers (403) and for a customer into itself (400)', async () => {
    const res = await merge(tk.mgr1, survivor.id, survivor.id);
    expect(res.status).toBe(400);
    const asManager = await t.request('POST', `/customers/${survivor.id}/merge`, {
      token: tk.sup2,
      json: { mergedId: duplicate.id, reason: 'other branch' },
    });
    expect(asManager.status).toBe(404);
    // mgr-1 manages the survivor only: the duplicate is out of scope.
    expect((await merge(tk.mgr1)).status).toBe(404);
    const both = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const refused = await merge(tk.mgr1, survivor.id, both.id);
    expect(refused.status).toBe(403);
    expect((await problem(refused)).code).toBe('customer.merge_forbidden');
  });

  it('moves contact history, cases, mirrors and counters to the survivor and re-points identities', async () => {
    const res = await merge(tk.sup1);
    expect(res.status, await res.clone().text()).toBe(200);
    const result = (await res.json()) as {
      moved: Record<string, number>;
      survivor: { contactPoints: { value: string }[] };
    };
    expect(result.moved).toMatchObject({ timeline: 3, mirrors: 1, cases: 1 });
    expect(result.survivor.contactPoints.map((p) => p.value)).toEqual(
      expect.arrayContaining([duplicatePhone, duplicateEmail]),
    );

    // Timeline: all four entries under the survivor, none left under the merged id.
    expect((await partition(survivor.id, 'TL#')).map((i) => i.summary)).toEqual(
      expect.arrayContaining(['survivor call', 'dup call 0', 'dup call 1', 'dup call 2']),
    );
    expect(await partition(duplicate.id, 'TL#')).toHaveLength(0);
    expect(await partition(duplicate.id, 'OPENCASE#')).toHaveLength(0);

    // The case now belongs to the survivor, also in the by-customer index.
    const { Item: kase } = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.case('C-MERGE-1') }),
    );
    expect(kase).toMatchObject({
      customerId: survivor.id,
      customerNumber: survivor.customerNumber,
      customerName: 'Huang Li',
      // ...and follows the survivor's primary manager; the duplicate's manager assists.
      ownerId: 'mgr-1',
      primaryManagerId: 'mgr-1',
      assistingManagerIds: ['mgr-2'],
    });
    const byCustomer = await t.deps.store.doc.send(
      new QueryCommand({
        TableName: t.tableName,
        IndexName: indexNames.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.casesByCustomer(survivor.id) },
      }),
    );
    expect(byCustomer.Items?.map((i) => i.id)).toEqual(['C-MERGE-1']);

    // The 360 of the survivor shows the moved history and counters.
    const view = (await (await t.request('GET', `/customers/${survivor.id}/view`, { token: tk.mgr1 })).json()) as {
      latestContacts: unknown[];
      openCases: { id: string }[];
      counters: { contactsLast30Days: number; openCases: number; unresolvedContacts: number };
    };
    expect(view.latestContacts).toHaveLength(4);
    expect(view.openCases.map((c) => c.id)).toEqual(['C-MERGE-1']);
    expect(view.counters).toMatchObject({ contactsLast30Days: 3, openCases: 1, unresolvedContacts: 3 });
  });

  it("keeps the merged record's manager on the survivor (assisting), in their book, and tells them", async () => {
    const res = await t.request('GET', `/customers/${survivor.id}`, { token: tk.mgr2 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ primaryManagerId: 'mgr-1', assistingManagerIds: ['mgr-2'] });
    const { Item: book } = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.bookEntry('mgr-2', survivor.id) }),
    );
    expect(book).toMatchObject({ role: 'assisting', customerId: survivor.id });
    const { Item: gone } = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.bookEntry('mgr-2', duplicate.id) }),
    );
    expect(gone).toBeUndefined();
    const inbox = await t.deps.store.doc.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.userPartition('mgr-2'), ':p': keys.inboxPrefix },
      }),
    );
    const notices = (inbox.Items ?? []).filter((i) => i.kind === 'assignment_changed' && i.customerId === survivor.id);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.title).toContain('assisting manager');
    // mgr-1 already managed the survivor: no notice for them.
    const mgr1Inbox = await t.deps.store.doc.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.userPartition('mgr-1'), ':p': keys.inboxPrefix },
      }),
    );
    expect(
      (mgr1Inbox.Items ?? []).filter((i) => i.kind === 'assignment_changed' && i.customerId === survivor.id),
    ).toHaveLength(0);
  });

  it('answers the merged id with a pointer to the survivor', async () => {
    const res = await t.request('GET', `/customers/${duplicate.id}`, { token: tk.sup1 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'merged', mergedInto: survivor.id });
    expect(res.headers.get('link')).toBe(`</customers/${survivor.id}>; rel="canonical"`);
  });

  it("resolves the merged record's phone, email and number to the survivor", async () => {
    for (const query of [
      `phone=${encodeURIComponent(duplicatePhone)}`,
      `email=${encodeURIComponent(duplicateEmail)}`,
      `number=${duplicate.customerNumber}`,
    ]) {
      const page = (await (await t.request('GET', `/customers?${query}`, { token: tk.agent })).json()) as {
        items: { id: string }[];
      };
      expect(
        page.items.map((c) => c.id),
        query,
      ).toEqual([survivor.id]);
    }
  });

  it('records the merge in both histories and moves nothing twice when repeated', async () => {
    for (const [id, action] of [
      [survivor.id, 'merged_in'],
      [duplicate.id, 'merged_into'],
    ] as const) {
      const history = (await (await t.request('GET', `/customers/${id}/history`, { token: tk.sup1 })).json()) as {
        items: { action: string; actor: { id: string } }[];
      };
      expect(history.items).toContainEqual(expect.objectContaining({ action, actor: { kind: 'user', id: 'sup-1' } }));
    }
    const again = await merge(tk.sup1);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { moved: Record<string, number> }).moved).toMatchObject({
      timeline: 0,
      mirrors: 0,
      counters: 0,
      cases: 0,
    });
    const view = (await (await t.request('GET', `/customers/${survivor.id}/view`, { token: tk.mgr1 })).json()) as {
      counters: { contactsLast30Days: number; openCases: number };
    };
    expect(view.counters).toMatchObject({ contactsLast30Days: 3, openCases: 1 });
    // The merged manager's book no longer lists the merged record.
    const book = (await (await t.request('GET', '/me/customers', { token: tk.mgr2 })).json()) as {
      items: { customerId: string }[];
    };
    expect(book.items.map((b) => b.customerId)).not.toContain(duplicate.id);
  });

  it('refuses merging the merged record into someone else (409)', async () => {
    const third = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const res = await merge(tk.sup1, third.id, duplicate.id);
    expect(res.status).toBe(409);
    expect((await problem(res)).code).toBe('customer.merge_conflict');
  });
});
