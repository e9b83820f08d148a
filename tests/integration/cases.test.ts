import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { statusChange } from '@cc/services';
import type { Case, Caller, Customer } from '@cc/core';
import { userRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { inboxItems } from '../support/inbox';

let t: TestContext;
let managed: Customer;
let unmanaged: Customer;
const admin: Caller = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' };
const tokens: Record<string, string> = {};

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return (await res.json()) as { status: number; code: string; allowed?: string[]; errors?: { path: string }[] };
}

const getItem = async (key: { pk: string; sk: string }) =>
  (await t.deps.store.doc.send(new GetCommand({ TableName: t.tableName, Key: key, ConsistentRead: true }))).Item;
const inboxOf = (userId: string) => inboxItems(t.deps.store, userId);

async function createCase(token: string, body: Record<string, unknown>) {
  const res = await t.request('POST', '/cases', { token, json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return { body: (await res.json()) as Case, etag: res.headers.get('etag')! };
}

beforeAll(async () => {
  t = await createTestContext();
  const users = userRepository(t.deps.store);
  await Promise.all([
    users.put({ id: 'mgr-1', name: 'Wang Wei', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' }),
    users.put({ id: 'mgr-2', name: 'Zhang Min', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' }),
    users.put({ id: 'mgr-3', name: 'Huang Bo', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' }),
    users.put({ id: 'sup-1', name: 'Liu Yang', role: 'supervisor', branchId: 'BR-001', notifyVia: 'inbox' }),
    users.put({ id: 'sup-2', name: 'Other branch', role: 'supervisor', branchId: 'BR-002', notifyVia: 'inbox' }),
  ]);
  const customers = t.services.customers;
  managed = await customers.create(admin, {
    customerNumber: 'C-100',
    name: 'Zhao Lei',
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-1',
    assistingManagerIds: ['mgr-2'],
    contactPoints: [],
    tags: [],
  });
  unmanaged = await customers.create(admin, {
    customerNumber: 'C-200',
    name: 'Sun Mei',
    type: 'individual',
    contactPoints: [],
    tags: [],
  });
  for (const [id, role] of [
    ['agent-1', 'agent'],
    ['mgr-1', 'manager'],
    ['mgr-2', 'manager'],
    ['mgr-3', 'manager'],
    ['sup-1', 'supervisor'],
    ['admin-1', 'admin'],
  ] as const) {
    tokens[id] = await t.token(id, role, 'BR-001');
  }
  tokens['sup-2'] = await t.token('sup-2', 'supervisor', 'BR-002');
});

describe('creating a case', () => {
  it(
    "routes an agent's complaint to the customer's primary manager, " +
      "with history, mirror, counter, timeline and the owner's inbox item in one go",
    async () => {
      const { body: created, etag } = await createCase(tokens['agent-1']!, {
        type: 'complaint',
        category: 'fees',
        description: 'Charged twice for the annual card fee.',
        customerId: managed.id,
      });
      expect(created.id).toMatch(/^C-\d{4}-\d{6}$/);
      expect(created).toMatchObject({
        ownerId: 'mgr-1',
        assistingManagerIds: ['mgr-2'],
        status: 'new',
        origin: 'agent',
        createdBy: { kind: 'user', id: 'agent-1' },
        customerNumber: 'C-100',
        customerName: 'Zhao Lei',
        version: 1,
      });
      expect(etag).toBe('"1"');

      expect(await getItem(keys.openCaseMirror(managed.id, created.id))).toMatchObject({
        id: created.id,
        status: 'new',
        ownerId: 'mgr-1',
      });
      expect((await getItem(keys.customerStats(managed.id)))?.openCases).toBe(1);
      const inbox = await inboxOf('mgr-1');
      expect(inbox).toHaveLength(1);
      expect(inbox[0]).toMatchObject({
        kind: 'case_created',
        caseId: created.id,
        customerNumber: 'C-100',
        customerName: 'Zhao Lei',
        read: false,
      });
      const timeline = await t.deps.store.doc.send(
        new QueryCommand({
          TableName: t.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
          ExpressionAttributeValues: { ':pk': keys.customerPartition(managed.id), ':tl': keys.customerTimelinePrefix },
        }),
      );
      expect(timeline.Items?.map((i) => i.links?.caseId)).toContain(created.id);
    },
  );

  it('numbers cases from a yearly counter', async () => {
    const a = await createCase(tokens['agent-1']!, { type: 'complaint', description: 'First', customerId: managed.id });
    const b = await createCase(tokens['agent-1']!, {
      type: 'complaint',
      description: 'Second',
      customerId: managed.id,
    });
    expect(Number(b.body.id.slice(-6))).toBe(Number(a.body.id.slice(-6)) + 1);
  });

  it('does not notify the owner of a case they registered themselves', async () => {
    const before = (await inboxOf('mgr-1')).length;
    await createCase(tokens['mgr-1']!, {
      type: 'complaint',
      description: 'Raised by the manager',
      customerId: managed.id,
    });
    expect(await inboxOf('mgr-1')).toHaveLength(before);
  });

  it(
    'sends a case of a customer without a manager to the branch queue ' + "and tells the branch's supervisors",
    async () => {
      const { body } = await createCase(tokens['agent-1']!, {
        type: 'inquiry',
        subject: 'account',
        description: 'How do I close my account?',
        customerId: unmanaged.id,
      });
      expect(body.ownerId).toBeNull();
      const queue = await t.request('GET', '/cases?owner=queue', { token: tokens['sup-1'] });
      expect(((await queue.json()) as { items: Case[] }).items.map((c) => c.id)).toContain(body.id);
      expect((await inboxOf('sup-1')).map((i) => i.caseId)).toContain(body.id);
      expect((await inboxOf('sup-2')).map((i) => i.caseId)).not.toContain(body.id);
      expect((await t.request('GET', '/cases?owner=queue', { token: tokens['mgr-1'] })).status).toBe(403);
    },
  );

  it('refuses an inquiry without a subject and a product inquiry without a product code', async () => {
    const noSubject = await t.request('POST', '/cases', {
      token: tokens['agent-1'],
      json: { type: 'inquiry', description: 'x', customerId: managed.id },
    });
    expect(noSubject.status).toBe(400);
    expect((await problem(noSubject)).errors?.map((e) => e.path)).toContain('subject');
    const noProduct = await t.request('POST', '/cases', {
      token: tokens['agent-1'],
      json: { type: 'inquiry', subject: 'product', description: 'x', customerId: managed.id },
    });
    expect((await problem(noProduct)).errors?.map((e) => e.path)).toContain('productCode');
  });

  it('answers 404 for an unknown customer', async () => {
    const res = await t.request('POST', '/cases', {
      token: tokens['agent-1'],
      json: { type: 'complaint', description: 'x', customerId: 'NOPE' },
    });
    expect(res.status).toBe(404);
  });

  it('replays a retried POST with the same Idempotency-Key instead of creating a second case', async () => {
    const send = () =>
      t.request('POST', '/cases', {
        token: tokens['agent-1'],
        json: { type: 'complaint', description: 'Retried', customerId: managed.id },
        headers: { 'idempotency-key': 'retry-1' },
      });
    const first = await send();
    const second = await send();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(((await second.json()) as Case).id).toBe(((await first.json()) as Case).id);
    const reused = await t.request('POST', '/cases', {
      token: tokens['agent-1'],
      json: { type: 'complaint', description: 'Another complaint', customerId: managed.id },
      headers: { 'idempotency-key': 'retry-1' },
    });
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { code: string }).code).toBe('idempotency.key_reused');
  });
});

describe('scope', () => {
  it(
    "lets the customer's primary and assisting managers and the branch supervisor read an agent's case; " +
      'another manager and another branch get 404',
    async () => {
      const { body } = await createCase(tokens['agent-1']!, {
        type: 'complaint',
        description: 'Scope check',
        customerId: managed.id,
      });
      for (const who of ['mgr-1', 'mgr-2', 'sup-1', 'agent-1'])
        expect((await t.request('GET', `/cases/${body.id}`, { token: tokens[who] })).status, who).toBe(200);
      for (const who of ['mgr-3', 'sup-2']) {
        const res = await t.request('GET', `/cases/${body.id}`, { token: tokens[who] });
        expect(res.status, who).toBe(404);
        expect((await problem(res)).code).toBe('case.not_found');
      }
      expect((await t.request('GET', `/cases?customerId=${managed.id}`, { token: tokens['mgr-3'] })).status).toBe(404);
    },
  );

  it('lists a customer\'s cases for their managers, and "owner=me" for the owner, paginated', async () => {
    const page1 = await t.request('GET', `/cases?customerId=${managed.id}&limit=2`, { token: tokens['mgr-2'] });
    const first = (await page1.json()) as { items: Case[]; nextCursor: string | null };
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const page2 = (await (
      await t.request(
        'GET',
        `/cases?customerId=${managed.id}&limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`,
        { token: tokens['mgr-2'] },
      )
    ).json()) as { items: Case[] };
    expect(page2.items.map((c) => c.id)).not.toContain(first.items[0]!.id);
    // A cursor minted for one list is refused by another.
    expect(
      (
        await t.request('GET', `/cases?owner=me&cursor=${encodeURIComponent(first.nextCursor!)}`, {
          token: tokens['mgr-1'],
        })
      ).status,
    ).toBe(400);
    const mine = (await (
      await t.request('GET', '/cases?owner=me&type=complaint', { token: tokens['mgr-1'] })
    ).json()) as { items: Case[] };
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((c) => c.ownerId === 'mgr-1' && c.type === 'complaint')).toBe(true);
    expect(
      ((await (await t.request('GET', '/cases?owner=me', { token: tokens['mgr-3'] })).json()) as { items: Case[] })
        .items,
    ).toEqual([]);
  });

  it('does not let an agent edit or delete', async () => {
    const { body, etag } = await createCase(tokens['agent-1']!, {
      type: 'complaint',
      description: 'Agent edit',
      customerId: managed.id,
    });
    expect(
      (
        await t.request('PATCH', `/cases/${body.id}`, {
          token: tokens['agent-1'],
          json: { priority: 'high' },
          headers: { 'if-match': etag },
        })
      ).status,
    ).toBe(404);
    expect(
      (await t.request('DELETE', `/cases/${body.id}`, { token: tokens['agent-1'], json: { reason: 'duplicate' } }))
        .status,
    ).toBe(404);
    const note = await t.request('POST', `/cases/${body.id}/notes`, {
      token: tokens['agent-1'],
      json: { text: 'Customer called again' },
    });
    expect(note.status).toBe(201);
  });
});

describe('lifecycle', () => {
  it('moves through the transition table, recording each change in the history', async () => {
    const { body, etag } = await createCase(tokens['agent-1']!, {
      type: 'complaint',
      description: 'Lifecycle',
      customerId: managed.id,
    });
    const ack = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-2'],
      json: { status: 'acknowledged', note: 'looking into it' },
      headers: { 'if-match': etag },
    });
    expect(ack.status).toBe(200);
    expect(ack.headers.get('etag')).toBe('"2"');
    expect(await getItem(keys.openCaseMirror(managed.id, body.id))).toMatchObject({ status: 'acknowledged' });

    const resolved = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { status: 'resolved', priority: 'high', note: 'fee refunded' },
      headers: { 'if-match': '"2"' },
    });
    expect(resolved.status).toBe(200);
    expect(await getItem(keys.openCaseMirror(managed.id, body.id))).toBeUndefined();

    const history = (await (
      await t.request('GET', `/cases/${body.id}/history`, { token: tokens['mgr-1'] })
    ).json()) as { items: { action: string; from?: string; to?: string; note?: string; actor: { id: string } }[] };
    // The customer has no phone or email: the acknowledgement and the outcome say why they were not sent.
    expect(history.items.map((h) => [h.action, h.from, h.to])).toEqual([
      ['created', undefined, 'new'],
      ['customer_message', undefined, undefined],
      ['status_changed', 'new', 'acknowledged'],
      ['updated', undefined, undefined],
      ['status_changed', 'acknowledged', 'resolved'],
      ['customer_message', undefined, undefined],
    ]);
    expect(history.items[2]).toMatchObject({ note: 'looking into it', actor: { id: 'mgr-2' } });
    expect(history.items[5]).toMatchObject({ changes: { purpose: 'outcome', status: 'blocked' } });

    const reopened = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { status: 'in_progress' },
      headers: { 'if-match': '"3"' },
    });
    expect(reopened.status).toBe(200);
    expect(await getItem(keys.openCaseMirror(managed.id, body.id))).toMatchObject({
      status: 'in_progress',
      priority: 'high',
    });
  });

  it('answers a PATCH that changes nothing: unchanged when current, 409 when stale, 400 for a note alone', async () => {
    const { body } = await createCase(tokens['agent-1']!, {
      type: 'complaint',
      description: 'No-op edits',
      customerId: managed.id,
      priority: 'high',
    });
    await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { status: 'acknowledged' },
      headers: { 'if-match': '"1"' },
    });
    const same = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { priority: 'high' },
      headers: { 'if-match': '"2"' },
    });
    expect(same.status).toBe(200);
    expect(same.headers.get('etag')).toBe('"2"');
    const stale = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { priority: 'high' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(409);
    expect((await problem(stale)).code).toBe('case.stale');
    const noteOnly = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { note: 'called the customer' },
      headers: { 'if-match': '"2"' },
    });
    expect(noteOnly.status).toBe(400);
    expect((await problem(noteOnly)).errors?.map((e) => e.path)).toEqual(['note']);
  });

  it('keeps the open-case counter equal to the number of open cases', async () => {
    const open = (await (
      await t.request('GET', `/cases?customerId=${managed.id}&limit=100`, { token: tokens['mgr-1'] })
    ).json()) as { items: Case[] };
    const stats = await getItem(keys.customerStats(managed.id));
    expect(stats?.openCases).toBe(
      open.items.filter((c) => ['new', 'acknowledged', 'in_progress'].includes(c.status)).length,
    );
  });

  it('answers an illegal transition with a 409 listing the allowed ones', async () => {
    const { body, etag } = await createCase(tokens['agent-1']!, {
      type: 'complaint',
      description: 'Illegal',
      customerId: managed.id,
    });
    const closed = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { status: 'closed', note: 'answered by phone' },
      headers: { 'if-match': etag },
    });
    expect(closed.status).toBe(200);
    const res = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { status: 'acknowledged' },
      headers: { 'if-match': '"2"' },
    });
    expect(res.status).toBe(409);
    const p = await problem(res);
    expect(p.code).toBe('case.invalid_transition');
    expect(p.allowed).toEqual(['in_progress']);
    const fresh = await createCase(tokens['agent-1']!, {
      type: 'complaint',
      description: 'Illegal 2',
      customerId: managed.id,
    });
    await t.request('PATCH', `/cases/${fresh.body.id}`, {
      token: tokens['mgr-1'],
      json: { status: 'resolved', note: 'explained the charge' },
      headers: { 'if-match': fresh.etag },
    });
    const back = await problem(
      await t.request('PATCH', `/cases/${fresh.body.id}`, {
        token: tokens['mgr-1'],
        json: { status: 'acknowledged' },
        headers: { 'if-match': '"2"' },
      }),
    );
    expect(back.allowed).toEqual(['closed', 'in_progress']);
  });

  it('requires If-Match on PATCH and refuses a stale one', async () => {
    const { body } = await createCase(tokens['agent-1']!, {
      type: 'complaint',
      description: 'Locking',
      customerId: managed.id,
    });
    expect(
      (await t.request('PATCH', `/cases/${body.id}`, { token: tokens['mgr-1'], json: { priority: 'high' } })).status,
    ).toBe(428);
    expect(
      (
        await t.request('PATCH', `/cases/${body.id}`, {
          token: tokens['mgr-1'],
          json: { priority: 'high' },
          headers: { 'if-match': '"1"' },
        })
      ).status,
    ).toBe(200);
    const stale = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-2'],
      json: { priority: 'low' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(409);
    expect((await problem(stale)).code).toBe('case.stale');
    expect(
      ((await (await t.request('GET', `/cases/${body.id}`, { token: tokens['mgr-1'] })).json()) as Case).priority,
    ).toBe('high');
  });

  it('answers If-Match without quotes with a 400 that says how to send it, not a 428', async () => {
    const { body } = await createCase(tokens['agent-1']!, {
      type: 'complaint',
      description: 'Unquoted ETag',
      customerId: managed.id,
    });
    const res = await t.request('PATCH', `/cases/${body.id}`, {
      token: tokens['mgr-1'],
      json: { priority: 'high' },
      headers: { 'if-match': '1' },
    });
    expect(res.status).toBe(400);
    const p = (await problem(res)) as { code: string; detail?: string };
    expect(p.code).toBe('request.if_match_invalid');
    expect(p.detail).toContain('If-Match: "3"');
  });

  it(
    'soft-deletes (404 afterwards, out of lists and open counts, kept in history) ' + 'and lets an admin restore',
    async () => {
      const { body } = await createCase(tokens['agent-1']!, {
        type: 'complaint',
        description: 'To delete',
        customerId: managed.id,
      });
      const openBefore = (await getItem(keys.customerStats(managed.id)))?.openCases as number;
      const del = await t.request('DELETE', `/cases/${body.id}`, {
        token: tokens['mgr-2'],
        json: { reason: 'registered twice' },
      });
      expect(del.status).toBe(204);
      expect((await t.request('GET', `/cases/${body.id}`, { token: tokens['mgr-1'] })).status).toBe(404);
      expect((await getItem(keys.customerStats(managed.id)))?.openCases).toBe(openBefore - 1);
      const listed = (await (
        await t.request('GET', `/cases?customerId=${managed.id}&limit=100`, { token: tokens['mgr-1'] })
      ).json()) as { items: Case[] };
      expect(listed.items.map((c) => c.id)).not.toContain(body.id);
      expect((await t.request('POST', `/cases/${body.id}/restore`, { token: tokens['mgr-1'] })).status).toBe(404);

      const restored = await t.request('POST', `/cases/${body.id}/restore`, {
        token: tokens['admin-1'],
        json: { reason: 'deleted by mistake' },
      });
      expect(restored.status).toBe(200);
      expect((await getItem(keys.customerStats(managed.id)))?.openCases).toBe(openBefore);
      const history = (await (
        await t.request('GET', `/cases/${body.id}/history`, { token: tokens['mgr-1'] })
      ).json()) as { items: { action: string }[] };
      expect(history.items.map((h) => h.action)).toEqual(['created', 'customer_message', 'deleted', 'restored']);
    },
  );
});

describe('service entry points for other features', () => {
  it('statusChange gives a status change as transaction items, refusing an illegal move', async () => {
    const cases = t.services.cases;
    const created = await cases.create(
      { caller: { userId: 'agent-1', role: 'agent', branchId: 'BR-001' } },
      {
        type: 'inquiry',
        subject: 'product',
        productCode: 'FUND-7',
        description: 'Interested in fund 7',
        customerId: managed.id,
      },
    );
    const { transact } = await import('@cc/store');
    await transact(
      t.deps.store,
      statusChange(t.services.context, created, 'converted', { kind: 'user', id: 'mgr-1' }, 'opportunity opened', {
        opportunityId: 'OPP-1',
      }).items,
    );
    const after = await cases.get({ userId: 'mgr-1', role: 'manager', branchId: 'BR-001' }, created.id);
    expect(after).toMatchObject({ status: 'converted', opportunityId: 'OPP-1', version: 2 });
    expect(await getItem(keys.openCaseMirror(managed.id, created.id))).toBeUndefined();
    expect(() =>
      statusChange(t.services.context, after, 'in_progress', { kind: 'user', id: 'mgr-1' }, undefined),
    ).toThrow(/cannot move/);
  });

  it('escalate makes the case urgent and tells the branch supervisors and the owner, once', async () => {
    const cases = t.services.cases;
    const created = await cases.create(
      { channel: 'sms' },
      { type: 'complaint', description: 'Still not fixed', customerId: managed.id },
    );
    const supBefore = (await inboxOf('sup-1')).length;
    const escalated = await t.services.escalation.escalate(created.id, '5 contacts without resolution');
    expect(escalated).toMatchObject({ escalated: true, priority: 'urgent' });
    await t.services.escalation.escalate(created.id, 'again');
    const supInbox = await inboxOf('sup-1');
    expect(supInbox).toHaveLength(supBefore + 1);
    expect(supInbox.find((i) => i.caseId === created.id)).toMatchObject({
      kind: 'case_escalated',
      customerNumber: 'C-100',
    });
    expect(
      (await inboxOf('mgr-1'))
        .filter((i) => i.caseId === created.id)
        .map((i) => i.kind)
        .sort(),
    ).toEqual(['case_created', 'case_escalated']);
  });

  it('addMessage on an open case notifies the owner; on a recently closed case it reopens it', async () => {
    const cases = t.services.cases;
    const created = await cases.create(
      { channel: 'email' },
      { type: 'complaint', description: 'Email complaint', customerId: managed.id },
    );
    await cases.addMessage({ channel: 'email' }, created.id, {
      text: 'Any news?',
      channel: 'email',
      direction: 'inbound',
    });
    expect((await inboxOf('mgr-1')).filter((i) => i.caseId === created.id && i.kind === 'case_message')).toHaveLength(
      1,
    );
    await cases.update({ userId: 'mgr-1', role: 'manager', branchId: 'BR-001' }, created.id, {
      status: 'closed',
      note: 'answered',
    });
    await cases.addMessage({ channel: 'email' }, created.id, {
      text: 'It is still not fixed',
      channel: 'email',
      direction: 'inbound',
    });
    const notices = (await inboxOf('mgr-1')).filter((i) => i.caseId === created.id && i.kind !== 'case_created');
    expect(notices.map((i) => i.kind).sort()).toEqual(['case_message', 'case_reopened']);
    const mgr: Caller = { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' };
    expect(await cases.get(mgr, created.id)).toMatchObject({ status: 'in_progress', outcome: 'answered' });
    const history = await cases.history(mgr, created.id);
    expect(history.filter((h) => h.action === 'message')).toHaveLength(2);
    expect(history.map((h) => h.action)).toContain('reopened');
  });

  it('a web submission from an unknown person goes to the default branch queue', async () => {
    const cases = t.services.cases;
    const created = await cases.create(
      { channel: 'web' },
      { type: 'complaint', description: 'Branch staff were rude' },
      { submitterContact: { email: 'someone@example.com' } },
    );
    expect(created).toMatchObject({
      customerId: null,
      ownerId: null,
      branchId: 'BR-001',
      origin: 'web',
      createdBy: { kind: 'channel', channel: 'web' },
    });
    expect((await inboxOf('sup-1')).map((i) => i.caseId)).toContain(created.id);
  });
});
